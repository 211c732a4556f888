//! Local time of the generated institute: the days of the span, local wall
//! time to UTC across daylight-saving changes, and the timestamps as the
//! log formats write them. Everything is whole microseconds since the Unix
//! epoch; the zone's offsets are looked up once, so formatting a line's
//! timestamp is arithmetic only.

use std::io::Write;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

pub const US: i64 = 1_000_000;
pub const DAY_US: i64 = 86_400 * US;

/// The days of the span and the zone's offsets over it.
#[derive(Debug, Clone)]
pub struct Clock {
    start: NaiveDate,
    /// (first UTC instant, offset in seconds) of every offset period, sorted.
    periods: Vec<(i64, i32)>,
    /// UTC instant of local midnight of day `i`, for `i` in `0..=days`.
    day_starts: Vec<i64>,
}

impl Clock {
    pub fn new(time_zone: Tz, start: NaiveDate, days: u32) -> Clock {
        let naive_start = start.and_hms_opt(0, 0, 0).expect("midnight exists");
        let first = naive_start.and_utc().timestamp() - 2 * 86_400;
        let last = first + (i64::from(days) + 4) * 86_400;
        let offset_at = |seconds: i64| {
            let instant = chrono::DateTime::from_timestamp(seconds, 0).expect("in range");
            time_zone
                .offset_from_utc_datetime(&instant.naive_utc())
                .fix()
                .local_minus_utc()
        };
        // Offsets change on whole quarter hours in every zone in use.
        let mut periods = vec![(i64::MIN, offset_at(first))];
        let mut seconds = first;
        while seconds <= last {
            let offset = offset_at(seconds);
            if offset != periods.last().expect("not empty").1 {
                periods.push((seconds * US, offset));
            }
            seconds += 900;
        }
        let mut clock = Clock {
            start,
            periods,
            day_starts: Vec::new(),
        };
        clock.day_starts = (0..=i64::from(days))
            .map(|day| clock.local_naive_to_utc((days_from_epoch(start) + day) * DAY_US))
            .collect();
        clock
    }

    /// Number of days in the span.
    pub fn days(&self) -> usize {
        self.day_starts.len() - 1
    }

    /// The local date of day `day` of the span.
    pub fn date(&self, day: usize) -> NaiveDate {
        self.start + chrono::Days::new(day as u64)
    }

    /// Monday = 0 ... Sunday = 6.
    pub fn weekday(&self, day: usize) -> u32 {
        self.date(day).weekday().num_days_from_monday()
    }

    /// UTC instant of local midnight at the start of `day` (`day` may be `days()`).
    pub fn day_start(&self, day: usize) -> i64 {
        self.day_starts[day]
    }

    /// UTC instant of the local wall time `since_midnight` after midnight of `day`.
    /// A time in a spring-forward gap is read with the offset before the gap;
    /// a time that happens twice is the earlier instant.
    pub fn local(&self, day: usize, since_midnight: i64) -> i64 {
        let naive = (days_from_epoch(self.date(day))) * DAY_US + since_midnight;
        self.local_naive_to_utc(naive)
    }

    fn local_naive_to_utc(&self, naive: i64) -> i64 {
        let before = self.offset_at(naive - DAY_US);
        let candidate = naive - i64::from(before) * US;
        if self.offset_at(candidate) == before {
            return candidate;
        }
        let after = self.offset_at(candidate);
        let second = naive - i64::from(after) * US;
        if self.offset_at(second) == after {
            second
        } else {
            candidate
        }
    }

    /// The zone's offset from UTC in seconds at a UTC instant.
    pub fn offset_at(&self, utc: i64) -> i32 {
        let index = self.periods.partition_point(|(from, _)| *from <= utc);
        self.periods[index.saturating_sub(1)].1
    }

    /// Writes `2026-03-02T08:14:03.123456+01:00` (local time with offset).
    pub fn write_iso(&self, out: &mut Vec<u8>, utc: i64) {
        let offset = self.offset_at(utc);
        let local = utc + i64::from(offset) * US;
        let days = local.div_euclid(DAY_US);
        let in_day = local.rem_euclid(DAY_US);
        let (year, month, day) = civil_from_days(days);
        let seconds = in_day / US;
        let micros = in_day % US;
        let mut text = [0u8; 32];
        put_digits(&mut text[0..4], year as u64);
        text[4] = b'-';
        put_digits(&mut text[5..7], u64::from(month));
        text[7] = b'-';
        put_digits(&mut text[8..10], u64::from(day));
        text[10] = b'T';
        put_digits(&mut text[11..13], (seconds / 3600) as u64);
        text[13] = b':';
        put_digits(&mut text[14..16], (seconds / 60 % 60) as u64);
        text[16] = b':';
        put_digits(&mut text[17..19], (seconds % 60) as u64);
        text[19] = b'.';
        put_digits(&mut text[20..26], micros as u64);
        text[26] = if offset < 0 { b'-' } else { b'+' };
        let offset = offset.unsigned_abs();
        put_digits(&mut text[27..29], u64::from(offset / 3600));
        text[29] = b':';
        put_digits(&mut text[30..32], u64::from(offset / 60 % 60));
        out.extend_from_slice(&text);
    }

    /// The local date-time of a UTC instant (for summaries, not lines).
    pub fn local_naive(&self, utc: i64) -> NaiveDateTime {
        let local = utc + i64::from(self.offset_at(utc)) * US;
        chrono::DateTime::from_timestamp_micros(local)
            .expect("in range")
            .naive_utc()
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a UTC instant (whole seconds).
pub fn utc_text(utc: i64) -> String {
    let mut text = Vec::with_capacity(20);
    let days = utc.div_euclid(DAY_US);
    let seconds = utc.rem_euclid(DAY_US) / US;
    let (year, month, day) = civil_from_days(days);
    let _ = write!(
        text,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    String::from_utf8(text).expect("ascii")
}

fn days_from_epoch(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - 719_163
}

/// Howard Hinnant's civil-from-days: (year, month, day) of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn put_digits(slot: &mut [u8], mut value: u64) {
    for byte in slot.iter_mut().rev() {
        *byte = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock() -> Clock {
        Clock::new(
            chrono_tz::Europe::Oslo,
            NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            365,
        )
    }

    fn iso(clock: &Clock, utc: i64) -> String {
        let mut out = Vec::new();
        clock.write_iso(&mut out, utc);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn formats_local_time_with_the_offset_in_force() {
        let clock = clock();
        let winter = clock.local(0, 8 * 3600 * US + 123_456);
        assert_eq!(iso(&clock, winter), "2025-01-01T08:00:00.123456+01:00");
        assert_eq!(utc_text(winter), "2025-01-01T07:00:00Z");
        // 2025-03-30: 02:00 CET becomes 03:00 CEST.
        let spring = 88;
        assert_eq!(
            clock.date(spring),
            NaiveDate::from_ymd_opt(2025, 3, 30).unwrap()
        );
        let after = clock.local(spring, 3 * 3600 * US + 30 * 60 * US);
        assert_eq!(iso(&clock, after), "2025-03-30T03:30:00.000000+02:00");
        let gap = clock.local(spring, 2 * 3600 * US + 30 * 60 * US);
        assert_eq!(iso(&clock, gap), "2025-03-30T03:30:00.000000+02:00");
        assert_eq!(
            clock.day_start(spring + 1) - clock.day_start(spring),
            23 * 3600 * US
        );
        // 2025-10-26: 03:00 CEST becomes 02:00 CET; 02:30 is the earlier one.
        let autumn = 298;
        let twice = clock.local(autumn, 2 * 3600 * US + 30 * 60 * US);
        assert_eq!(iso(&clock, twice), "2025-10-26T02:30:00.000000+02:00");
        assert_eq!(
            iso(&clock, twice + 3600 * US),
            "2025-10-26T02:30:00.000000+01:00"
        );
        assert_eq!(
            clock.day_start(autumn + 1) - clock.day_start(autumn),
            25 * 3600 * US
        );
        assert_eq!(clock.weekday(0), 2);
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in [-1, 0, 59, 365, 10_957, 20_089, 20_454] {
            let (y, m, d) = civil_from_days(days);
            let date = NaiveDate::from_ymd_opt(y as i32, m, d).unwrap();
            assert_eq!(days_from_epoch(date), days);
        }
    }
}
