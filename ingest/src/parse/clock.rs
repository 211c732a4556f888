//! Turns the local, year-less timestamps of syslog lines into instants.
//!
//! # Year inference (RFC 3164 lines, `Mar  2 08:14:03`)
//!
//! * With a known year `Y` (`ParseContext::year`): the first such line of the
//!   file is in `Y`. After that the year follows the months line by line: when
//!   the month goes backwards by more than 6 months relative to the previous
//!   line (`Dec` then `Jan`) the year advances by one; when it goes forwards
//!   by more than 6 months (a late `Dec` line right after `Jan` lines) the
//!   year goes back by one, so a single late line does not move the rest of
//!   the file a year ahead.
//! * Without a year: every line independently takes the year of the reference
//!   time (the file's modification time, or now for stdin) as seen in the
//!   configured time zone, minus one if that would put the line more than
//!   7 days after the reference time, since logs are not written in the
//!   future (a file of December lines modified in January).
//!
//! # Local time to UTC
//!
//! Lines without an offset are in the configured zone (`ParseContext::time_zone`).
//! Across daylight-saving changes:
//!
//! * a local time that does not exist (the spring-forward gap, e.g.
//!   2026-03-29 02:30 in Europe/Oslo) is shifted forward by the length of the
//!   gap, that is read with the offset in force before the gap
//!   (02:30 +01:00, the same instant as 03:30 +02:00);
//! * a local time that happens twice (the fall-back hour, e.g. 2026-10-25
//!   02:30 in Europe/Oslo) is the earlier instant, unless the previous line of
//!   the same file already lies after that earlier instant, in which case it
//!   is the later one: a log running through the repeated hour stays in order.
//!
//! Every instant is truncated to whole microseconds, the resolution of the
//! store's timestamps.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    Offset, SubsecRound, TimeZone, Utc,
};
use chrono_tz::Tz;

/// Months by which the month must jump between two lines to change the year.
const YEAR_TURN_MONTHS: i64 = 6;
/// How far after the reference time a line may lie before it is put a year back.
const FUTURE_TOLERANCE_DAYS: i64 = 7;
/// Step and bound of the search for the offset in force before a DST gap.
const GAP_SEARCH_STEP_MINUTES: i64 = 15;
const GAP_SEARCH_STEPS: i64 = 4 * 24;

/// The time state of one input file: zone, year inference and the previous
/// line's instant.
#[derive(Clone, Debug)]
pub struct SyslogClock {
    time_zone: Tz,
    /// The year being followed when the first line's year is known.
    current_year: Option<i32>,
    previous_month: Option<u32>,
    /// The reference time as a local time in `time_zone`.
    reference_local: NaiveDateTime,
    previous_instant: Option<DateTime<Utc>>,
    /// The year of the first line was given (`ingest.syslog_year`,
    /// `--year`), not inferred.
    year_given: bool,
    /// The first and last instant given to a year-less timestamp.
    year_less: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// The instants year-less timestamps were given, for a check against the
/// file's modification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct YearLessSpan {
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    /// The year came from the configuration or `--year`, not the file's
    /// modification time.
    pub year_given: bool,
}

impl SyslogClock {
    /// A clock for a file whose first year-less line is in `year` if known,
    /// else inferred from `reference_time`.
    pub fn new(time_zone: Tz, year: Option<i32>, reference_time: DateTime<Utc>) -> SyslogClock {
        SyslogClock {
            time_zone,
            current_year: year,
            previous_month: None,
            reference_local: reference_time.with_timezone(&time_zone).naive_local(),
            previous_instant: None,
            year_given: year.is_some(),
            year_less: None,
        }
    }

    /// The first and last instants given to year-less timestamps so far.
    pub fn year_less_span(&self) -> Option<YearLessSpan> {
        self.year_less.map(|(first, last)| YearLessSpan {
            first,
            last,
            year_given: self.year_given,
        })
    }

    /// The zone of timestamps without an offset.
    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// Takes `reference_time` as the time the next lines were written
    /// around: a receiver's lines arrive as they are written, all year.
    pub fn set_reference_time(&mut self, reference_time: DateTime<Utc>) {
        self.reference_local = reference_time.with_timezone(&self.time_zone).naive_local();
    }

    /// The instant of a year-less local timestamp (`month` 1-12).
    pub fn year_less_instant(
        &mut self,
        month: u32,
        day: u32,
        time: NaiveTime,
    ) -> Result<DateTime<Utc>, String> {
        let year = self.year_of(month, day, time);
        let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else {
            return Err(format!("syslog: no day {day} in month {month} of {year}"));
        };
        let instant = self.local_instant(date.and_time(time));
        self.year_less = Some(match self.year_less {
            Some((first, last)) => (first.min(instant), last.max(instant)),
            None => (instant, instant),
        });
        Ok(instant)
    }

    /// The instant of a local time in the configured zone.
    pub fn local_instant(&mut self, local: NaiveDateTime) -> DateTime<Utc> {
        let instant = match self.time_zone.offset_from_local_datetime(&local) {
            LocalResult::Single(offset) => local - offset.fix(),
            LocalResult::Ambiguous(earlier, later) => self.pick_repeated(local, earlier, later),
            LocalResult::None => local - self.offset_before_gap(local),
        };
        self.record(instant.and_utc())
    }

    /// The instant of a timestamp that carries its own offset.
    pub fn offset_instant(&mut self, time: DateTime<FixedOffset>) -> DateTime<Utc> {
        self.record(time.with_timezone(&Utc))
    }

    fn record(&mut self, instant: DateTime<Utc>) -> DateTime<Utc> {
        let instant = instant.trunc_subsecs(6);
        self.previous_instant = Some(instant);
        instant
    }

    fn year_of(&mut self, month: u32, day: u32, time: NaiveTime) -> i32 {
        match self.current_year {
            Some(year) => self.follow_year(year, month),
            None => self.year_before_reference(month, day, time),
        }
    }

    fn follow_year(&mut self, year: i32, month: u32) -> i32 {
        let mut year = year;
        if let Some(previous) = self.previous_month {
            let change = i64::from(month) - i64::from(previous);
            if change < -YEAR_TURN_MONTHS {
                year += 1;
            } else if change > YEAR_TURN_MONTHS {
                year -= 1;
            }
        }
        self.previous_month = Some(month);
        self.current_year = Some(year);
        year
    }

    fn year_before_reference(&self, month: u32, day: u32, time: NaiveTime) -> i32 {
        let year = self.reference_local.year();
        let latest = self.reference_local + Duration::days(FUTURE_TOLERANCE_DAYS);
        match NaiveDate::from_ymd_opt(year, month, day) {
            Some(date) if date.and_time(time) > latest => year - 1,
            _ => year,
        }
    }

    fn pick_repeated<O: Offset>(
        &self,
        local: NaiveDateTime,
        earlier: O,
        later: O,
    ) -> NaiveDateTime {
        let earlier_instant = local - earlier.fix();
        match self.previous_instant {
            Some(previous) if previous.naive_utc() > earlier_instant => local - later.fix(),
            _ => earlier_instant,
        }
    }

    /// The offset in force just before the gap that `local` falls into.
    fn offset_before_gap(&self, local: NaiveDateTime) -> FixedOffset {
        for step in 1..=GAP_SEARCH_STEPS {
            let earlier = local - Duration::minutes(step * GAP_SEARCH_STEP_MINUTES);
            if let LocalResult::Single(offset) = self.time_zone.offset_from_local_datetime(&earlier)
            {
                return offset.fix();
            }
        }
        self.time_zone.offset_from_utc_datetime(&local).fix()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Oslo;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn at(hour: u32, minute: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(hour, minute, 0).unwrap()
    }

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn known_year_advances_at_december_to_january() {
        let mut clock = SyslogClock::new(Oslo, Some(2025), utc("2030-01-01T00:00:00Z"));
        let december = clock.year_less_instant(12, 31, at(23, 59)).unwrap();
        let january = clock.year_less_instant(1, 1, at(0, 1)).unwrap();
        let february = clock.year_less_instant(2, 1, at(0, 1)).unwrap();
        assert_eq!(december, utc("2025-12-31T22:59:00Z"));
        assert_eq!(january, utc("2025-12-31T23:01:00Z"));
        assert_eq!(february, utc("2026-01-31T23:01:00Z"));
    }

    #[test]
    fn known_year_keeps_a_late_december_line_in_the_old_year() {
        let mut clock = SyslogClock::new(Oslo, Some(2026), utc("2030-01-01T00:00:00Z"));
        clock.year_less_instant(1, 1, at(0, 5)).unwrap();
        let late = clock.year_less_instant(12, 31, at(23, 59)).unwrap();
        let next = clock.year_less_instant(1, 1, at(0, 6)).unwrap();
        assert_eq!(late, utc("2025-12-31T22:59:00Z"));
        assert_eq!(next, utc("2025-12-31T23:06:00Z"));
    }

    #[test]
    fn unknown_year_is_the_reference_year_unless_that_lies_in_the_future() {
        let reference = utc("2027-01-03T12:00:00Z");
        let mut clock = SyslogClock::new(Oslo, None, reference);
        let december = clock.year_less_instant(12, 30, at(10, 0)).unwrap();
        let january = clock.year_less_instant(1, 2, at(10, 0)).unwrap();
        let within_a_week = clock.year_less_instant(1, 9, at(10, 0)).unwrap();
        assert_eq!(december, utc("2026-12-30T09:00:00Z"));
        assert_eq!(january, utc("2027-01-02T09:00:00Z"));
        assert_eq!(within_a_week, utc("2027-01-09T09:00:00Z"));
        let too_late = clock.year_less_instant(1, 11, at(13, 0)).unwrap();
        assert_eq!(too_late, utc("2026-01-11T12:00:00Z"));
    }

    #[test]
    fn reference_year_is_taken_in_the_configured_zone() {
        // 23:30 UTC on New Year's Eve is already January in Oslo.
        let mut clock = SyslogClock::new(Oslo, None, utc("2026-12-31T23:30:00Z"));
        let line = clock.year_less_instant(1, 1, at(0, 10)).unwrap();
        assert_eq!(line, utc("2026-12-31T23:10:00Z"));
    }

    #[test]
    fn impossible_dates_are_refused() {
        let mut clock = SyslogClock::new(Oslo, Some(2026), utc("2026-06-01T00:00:00Z"));
        let error = clock.year_less_instant(2, 29, at(1, 0)).unwrap_err();
        assert!(error.contains("no day 29 in month 2 of 2026"), "{error}");
    }

    #[test]
    fn spring_forward_gap_is_shifted_forward_by_the_gap() {
        let mut clock = SyslogClock::new(Oslo, Some(2026), utc("2026-06-01T00:00:00Z"));
        let before = clock.local_instant(local("2026-03-29 01:59:00"));
        let missing = clock.local_instant(local("2026-03-29 02:30:00"));
        let after = clock.local_instant(local("2026-03-29 03:30:00"));
        assert_eq!(before, utc("2026-03-29T00:59:00Z"));
        assert_eq!(missing, utc("2026-03-29T01:30:00Z"));
        assert_eq!(missing, after);
    }

    #[test]
    fn repeated_hour_takes_the_earlier_instant_first() {
        let mut clock = SyslogClock::new(Oslo, Some(2026), utc("2026-12-01T00:00:00Z"));
        let first = clock.local_instant(local("2026-10-25 02:30:00"));
        assert_eq!(first, utc("2026-10-25T00:30:00Z"));
    }

    #[test]
    fn repeated_hour_stays_in_order_through_the_second_pass() {
        let mut clock = SyslogClock::new(Oslo, Some(2026), utc("2026-12-01T00:00:00Z"));
        let times = [
            "2026-10-25 01:59:00",
            "2026-10-25 02:10:00",
            "2026-10-25 02:50:00",
            "2026-10-25 02:05:00",
            "2026-10-25 02:30:00",
            "2026-10-25 03:00:00",
        ];
        let instants: Vec<_> = times
            .iter()
            .map(|time| clock.local_instant(local(time)))
            .collect();
        let expected = [
            "2026-10-24T23:59:00Z",
            "2026-10-25T00:10:00Z",
            "2026-10-25T00:50:00Z",
            "2026-10-25T01:05:00Z",
            "2026-10-25T01:30:00Z",
            "2026-10-25T02:00:00Z",
        ];
        assert_eq!(instants, expected.map(utc));
    }

    #[test]
    fn instants_are_truncated_to_microseconds() {
        let mut clock = SyslogClock::new(Oslo, None, utc("2026-01-01T00:00:00Z"));
        let time = DateTime::parse_from_rfc3339("2026-03-02T08:14:03.123456789+01:00").unwrap();
        let instant = clock.offset_instant(time);
        assert_eq!(instant, utc("2026-03-02T07:14:03.123456Z"));
    }
}
