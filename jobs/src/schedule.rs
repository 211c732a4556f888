//! Cron expressions, evaluated on the wall clock of a time zone.
//!
//! Five fields are crontab's (`minute hour day-of-month month
//! day-of-week`); six or seven put seconds first and may end with a year
//! (the `cron` crate's form); `@hourly`, `@daily`, `@weekly`, `@monthly`
//! and `@yearly` are accepted too. In every form the days of the week are
//! counted as in crontab (0 or 7 Sunday, 1 Monday, ..., 6 Saturday) or
//! named (`MON-FRI`), and when both the day of the month and the day of
//! the week are restricted, a day matching either one matches, as in
//! crontab.
//!
//! On the night the clocks go forward, a time that does not exist runs as
//! if they had not moved yet (02:30 runs at 03:30 summer time). On the
//! night they go back, a job at a fixed hour runs once, at the first of
//! the two times the clock shows, while a job of every hour runs in both
//! passes of the repeated hour.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use cron::TimeUnitSpec;

/// More than any change of a time zone's UTC offset at once (daylight
/// saving time moves clocks by an hour, a few zones have moved them by two).
const LARGEST_SHIFT: TimeDelta = TimeDelta::hours(3);

/// How many wall-clock matches one search looks at, at most: a bound that
/// only an expression matching every second over hours of a shift reaches.
const MAX_CANDIDATES: usize = 100_000;

/// Crontab's names of the days of the week, Sunday first (day 0).
const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// A cron expression that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "the schedule `{expression}` has {count} fields: write five (minute hour day-of-month \
         month day-of-week, e.g. `0 3 * * *`), or six or seven with seconds first and a year last"
    )]
    FieldCount { expression: String, count: usize },
    #[error(
        "the schedule `{expression}` is not a cron expression ({reason}): write five fields, \
         minute hour day-of-month month day-of-week, e.g. `0 3 * * *` for 03:00 every day"
    )]
    Invalid { expression: String, reason: String },
}

/// When a job runs: a parsed cron expression.
#[derive(Clone, Debug)]
pub struct JobSchedule {
    expression: String,
    /// One schedule, or two when both day fields are restricted: a day
    /// matching either one matches.
    alternatives: Vec<cron::Schedule>,
}

impl JobSchedule {
    /// Reads a cron expression of five fields, six or seven (seconds first,
    /// an optional year last), or `@hourly` ... `@yearly`.
    pub fn parse(expression: &str) -> Result<JobSchedule, ScheduleError> {
        let expression = expression.trim();
        let invalid = |reason: String| ScheduleError::Invalid {
            expression: expression.to_string(),
            reason,
        };
        if expression.starts_with('@') {
            let schedule = cron::Schedule::from_str(expression)
                .map_err(|_| invalid("use @hourly, @daily, @weekly, @monthly or @yearly".into()))?;
            return Ok(JobSchedule {
                expression: expression.to_string(),
                alternatives: vec![schedule],
            });
        }
        let fields: Vec<&str> = expression.split_whitespace().collect();
        let (seconds, rest) = match fields.len() {
            5 => ("0", &fields[..]),
            6 | 7 => (fields[0], &fields[1..]),
            count => {
                return Err(ScheduleError::FieldCount {
                    expression: expression.to_string(),
                    count,
                });
            }
        };
        let [minute, hour, day_of_month, month, day_of_week, year @ ..] = rest else {
            return Err(invalid("too few fields".into()));
        };
        let week_days = WeekDays::parse(day_of_week).map_err(invalid)?;
        let build = |day_of_month: &str, day_of_week: &str| {
            let mut text =
                format!("{seconds} {minute} {hour} {day_of_month} {month} {day_of_week}");
            for year in year {
                text.push(' ');
                text.push_str(year);
            }
            cron::Schedule::from_str(&text).map_err(|error| invalid(describe_cron_error(&error)))
        };
        let combined = build(day_of_month, &week_days.cron_field())?;
        let alternatives = if week_days.is_restricted() && !combined.days_of_month().is_all() {
            vec![
                build(day_of_month, "*")?,
                build("*", &week_days.cron_field())?,
            ]
        } else {
            vec![combined]
        };
        Ok(JobSchedule {
            expression: expression.to_string(),
            alternatives,
        })
    }

    /// The expression as it was written.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The first time the schedule matches strictly after `after`, on the
    /// wall clock of `zone`; None when it never matches again.
    pub fn next_after(&self, after: DateTime<Utc>, zone: Tz) -> Option<DateTime<Utc>> {
        self.alternatives
            .iter()
            .filter_map(|schedule| next_in_zone(schedule, after, zone))
            .min()
    }
}

impl fmt::Display for JobSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expression)
    }
}

/// The first instant after `after` whose wall-clock time in `zone` matches
/// `schedule`. The schedule is searched on the wall clock (as if it were
/// UTC, which has neither gaps nor repeats) and each match mapped to the
/// instants that show it; near a change of offset the wall clock is not in
/// the order of the instants, so the search starts before and ends after
/// the first match by the size of the change.
fn next_in_zone(
    schedule: &cron::Schedule,
    after: DateTime<Utc>,
    zone: Tz,
) -> Option<DateTime<Utc>> {
    let every_hour = schedule.hours().is_all();
    // No instant after `after` shows an earlier wall-clock time than this.
    let lowest_offset = offset(zone, after).min(offset(zone, shifted(after, LARGEST_SHIFT)));
    let start = shifted(after, lowest_offset);
    let mut best: Option<DateTime<Utc>> = None;
    for wall_clock in schedule.after(&start).take(MAX_CANDIDATES) {
        if let Some(best) = best {
            let highest_offset = [-LARGEST_SHIFT, TimeDelta::zero(), LARGEST_SHIFT]
                .into_iter()
                .map(|delta| offset(zone, shifted(best, delta)))
                .max()
                .unwrap_or_default();
            // Every later wall-clock time is shown by a later instant.
            if wall_clock > shifted(best, highest_offset) {
                break;
            }
        }
        for instant in instants_showing(wall_clock.naive_utc(), zone, every_hour) {
            if instant > after && best.is_none_or(|best| instant < best) {
                best = Some(instant);
            }
        }
    }
    best
}

/// The instants at which the clocks of `zone` show `wall_clock`, as a job
/// runs them (see the module's documentation).
fn instants_showing(wall_clock: NaiveDateTime, zone: Tz, every_hour: bool) -> Vec<DateTime<Utc>> {
    match zone.from_local_datetime(&wall_clock) {
        LocalResult::Single(instant) => vec![instant.to_utc()],
        LocalResult::Ambiguous(earlier, later) if every_hour => {
            vec![earlier.to_utc(), later.to_utc()]
        }
        LocalResult::Ambiguous(earlier, _) => vec![earlier.to_utc()],
        LocalResult::None => {
            // Skipped when the clocks went forward: as if they had not yet.
            let Some(day_before) = wall_clock.checked_sub_signed(TimeDelta::days(1)) else {
                return Vec::new();
            };
            let offset_before = offset(zone, day_before.and_utc());
            wall_clock
                .checked_sub_signed(offset_before)
                .map(|instant| instant.and_utc())
                .into_iter()
                .collect()
        }
    }
}

/// How far the clocks of `zone` are ahead of UTC at `at`.
fn offset(zone: Tz, at: DateTime<Utc>) -> TimeDelta {
    let seconds = zone
        .offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc();
    TimeDelta::seconds(i64::from(seconds))
}

/// `at + delta`, or `at` at the ends of time.
fn shifted(at: DateTime<Utc>, delta: TimeDelta) -> DateTime<Utc> {
    at.checked_add_signed(delta).unwrap_or(at)
}

/// The cron crate's error without the echo of the expression it read
/// (which is not the one written: seconds and day names were added).
fn describe_cron_error(error: &cron::error::Error) -> String {
    let text = error.to_string();
    let reason = match text.rsplit_once('^') {
        Some((_, reason)) => reason,
        None => text.as_str(),
    };
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    // Its bounds are inclusive: "Minutes must be less than 59" means at most.
    let reason = reason.replace(" must be less than ", " must be at most ");
    if reason.is_empty() {
        return "a field is out of range or malformed".to_string();
    }
    reason
}

/// A day-of-week field read as crontab reads it.
struct WeekDays {
    /// Day numbers, 0 (Sunday) to 6 (Saturday).
    days: BTreeSet<u32>,
}

impl WeekDays {
    /// Reads a comma-separated list of `*`, days, ranges `A-B` and steps
    /// (`*/2`, `1-5/2`); a day is 0-7 (0 and 7 Sunday) or a name.
    fn parse(field: &str) -> Result<WeekDays, String> {
        if field == "*" || field == "?" {
            return Ok(WeekDays {
                days: (0..7).collect(),
            });
        }
        let mut days = BTreeSet::new();
        for item in field.split(',') {
            let (range, step) = match item.split_once('/') {
                Some((range, step)) => (range, Some(parse_step(step)?)),
                None => (item, None),
            };
            let (first, last) = if range == "*" {
                (0, 6)
            } else if let Some((first, last)) = range.split_once('-') {
                let (first, last) = (parse_day(first)?, parse_day(last)?);
                // `FRI-SUN`: Sunday ends the week as 7.
                let last = if last == 0 && first > 0 { 7 } else { last };
                if last < first {
                    return Err(format!(
                        "the days of the week `{range}` run backwards: write the earlier day first"
                    ));
                }
                (first, last)
            } else {
                let day = parse_day(range)?;
                let last = if step.is_some() { 6 } else { day };
                (day, last.max(day))
            };
            let step = step.unwrap_or(1) as usize;
            days.extend((first..=last).step_by(step).map(|day| day % 7));
        }
        Ok(WeekDays { days })
    }

    /// Whether some day of the week is left out.
    fn is_restricted(&self) -> bool {
        self.days.len() < 7
    }

    /// The field as the cron crate reads it (which counts from Sunday = 1):
    /// by name.
    fn cron_field(&self) -> String {
        if !self.is_restricted() {
            return "*".to_string();
        }
        self.days
            .iter()
            .filter_map(|&day| DAY_NAMES.get(day as usize).copied())
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn parse_step(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(step) if step > 0 => Ok(step),
        _ => Err(format!(
            "`{text}` is not a step of days: write a whole number from 1"
        )),
    }
}

fn parse_day(text: &str) -> Result<u32, String> {
    if let Ok(number) = text.parse::<u32>() {
        if number <= 7 {
            return Ok(number);
        }
        return Err(format!(
            "day of the week {number} is out of range: use 0-7 (0 and 7 are Sunday) or SUN-SAT"
        ));
    }
    let lowercase = text.to_ascii_lowercase();
    let day = match lowercase.as_str() {
        "sun" | "sunday" => 0,
        "mon" | "monday" => 1,
        "tue" | "tues" | "tuesday" => 2,
        "wed" | "wednesday" => 3,
        "thu" | "thurs" | "thursday" => 4,
        "fri" | "friday" => 5,
        "sat" | "saturday" => 6,
        _ => {
            return Err(format!(
                "`{text}` is not a day of the week: use 0-7 (0 and 7 are Sunday) or SUN-SAT"
            ));
        }
    };
    Ok(day)
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, Timelike, Weekday};
    use chrono_tz::Europe::Oslo;

    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    /// The schedule's times in (from, to], in UTC.
    fn times(expression: &str, zone: Tz, from: &str, to: &str) -> Vec<DateTime<Utc>> {
        let schedule = JobSchedule::parse(expression).unwrap();
        let mut times = Vec::new();
        let mut at = utc(from);
        while let Some(next) = schedule.next_after(at, zone) {
            if next > utc(to) {
                break;
            }
            assert!(next > at, "{next} is not after {at}");
            times.push(next);
            at = next;
        }
        times
    }

    #[test]
    fn five_six_and_seven_fields_and_shorthands_are_read() {
        let after = utc("2026-05-05T12:00:00Z");
        let next = |expression: &str| {
            JobSchedule::parse(expression)
                .unwrap()
                .next_after(after, Oslo)
        };
        assert_eq!(next("0 3 * * *"), Some(utc("2026-05-06T01:00:00Z")));
        assert_eq!(next("0 0 3 * * *"), Some(utc("2026-05-06T01:00:00Z")));
        assert_eq!(next("0 0 3 * * * 2030"), Some(utc("2030-01-01T02:00:00Z")));
        assert_eq!(next("  @daily "), Some(utc("2026-05-05T22:00:00Z")));
        assert_eq!(next("@hourly"), Some(utc("2026-05-05T13:00:00Z")));
        assert_eq!(next("0 0 3 * * * 2020"), None);
        assert_eq!(
            JobSchedule::parse(" 0 3 * * * ").unwrap().expression(),
            "0 3 * * *"
        );
    }

    #[test]
    fn nonsense_is_refused_with_the_expression() {
        for nonsense in [
            "",
            "every day",
            "* * *",
            "0 0 0 0 0 0 0 0",
            "61 * * * *",
            "60 0 3 * * *",
            "0 3 * * * 1969",
            "0 3 * * mon-fri 2030 x",
            "0 25 * * *",
            "0 3 32 * *",
            "0 3 * 13 *",
            "0 3 * * 8",
            "0 3 * * FRI-MON",
            "0 3 * * */0",
            "0 3 * * L",
            "@fortnightly",
        ] {
            let error = JobSchedule::parse(nonsense).unwrap_err();
            assert!(
                error
                    .to_string()
                    .contains(&format!("`{}`", nonsense.trim())),
                "{nonsense}: {error}"
            );
        }
    }

    #[test]
    fn days_of_the_week_count_as_in_crontab() {
        let weekdays = |expression: &str| -> Vec<Weekday> {
            times(
                expression,
                Oslo,
                "2026-05-03T00:00:00Z",
                "2026-05-10T00:00:00Z",
            )
            .iter()
            .map(|time| time.with_timezone(&Oslo).weekday())
            .collect()
        };
        use Weekday::*;
        assert_eq!(weekdays("0 8 * * 1"), [Mon]);
        assert_eq!(weekdays("0 8 * * 0"), [Sun]);
        assert_eq!(weekdays("0 8 * * 7"), [Sun]);
        assert_eq!(weekdays("0 0 8 * * 1"), [Mon]);
        assert_eq!(weekdays("0 8 * * 1-5"), [Mon, Tue, Wed, Thu, Fri]);
        assert_eq!(weekdays("0 8 * * mon-fri/2"), [Mon, Wed, Fri]);
        assert_eq!(weekdays("0 8 * * */2"), [Sun, Tue, Thu, Sat]);
        assert_eq!(weekdays("0 8 * * sat-sun"), [Sun, Sat]);
        assert_eq!(weekdays("0 8 * * 5,6"), [Fri, Sat]);
        // Both day fields restricted: either one (the 5th is a Tuesday).
        assert_eq!(weekdays("0 8 5 * 1"), [Mon, Tue]);
        assert_eq!(weekdays("0 8 5 * *"), [Tue]);
    }

    #[test]
    fn hourly_matches_each_full_hour() {
        let hours = times(
            "0 * * * *",
            Oslo,
            "2026-05-05T10:17:00Z",
            "2026-05-05T14:00:00Z",
        );
        assert_eq!(
            hours,
            ["11", "12", "13", "14"].map(|hour| utc(&format!("2026-05-05T{hour}:00:00Z")))
        );
    }

    #[test]
    fn every_five_seconds_with_a_seconds_field() {
        let every = times(
            "*/5 * * * * *",
            Oslo,
            "2026-05-05T10:00:00Z",
            "2026-05-05T10:01:00Z",
        );
        assert_eq!(every.len(), 12);
        assert_eq!(every[0], utc("2026-05-05T10:00:05Z"));
        assert_eq!(every[11], utc("2026-05-05T10:01:00Z"));
    }

    #[test]
    fn daily_times_stay_on_the_local_clock_across_both_changes() {
        let spring = times(
            "0 6 * * *",
            Oslo,
            "2026-03-28T00:00:00Z",
            "2026-03-31T00:00:00Z",
        );
        assert_eq!(
            spring,
            [
                "2026-03-28T05:00:00Z",
                "2026-03-29T04:00:00Z",
                "2026-03-30T04:00:00Z"
            ]
            .map(utc)
        );
        let autumn = times(
            "0 6 * * *",
            Oslo,
            "2026-10-24T00:00:00Z",
            "2026-10-27T00:00:00Z",
        );
        assert_eq!(
            autumn,
            [
                "2026-10-24T04:00:00Z",
                "2026-10-25T05:00:00Z",
                "2026-10-26T05:00:00Z"
            ]
            .map(utc)
        );
    }

    #[test]
    fn a_time_the_clocks_skip_or_repeat_runs_once() {
        // 02:30 does not exist on 29 March 2026: it runs at 03:30 summer time.
        let spring = times(
            "30 2 * * *",
            Oslo,
            "2026-03-28T00:00:00Z",
            "2026-03-31T00:00:00Z",
        );
        assert_eq!(
            spring,
            [
                "2026-03-28T01:30:00Z",
                "2026-03-29T01:30:00Z",
                "2026-03-30T00:30:00Z"
            ]
            .map(utc)
        );
        // 02:30 happens twice on 25 October 2026: it runs at the first.
        let autumn = times(
            "30 2 * * *",
            Oslo,
            "2026-10-24T00:00:00Z",
            "2026-10-27T00:00:00Z",
        );
        assert_eq!(
            autumn,
            [
                "2026-10-24T00:30:00Z",
                "2026-10-25T00:30:00Z",
                "2026-10-26T01:30:00Z"
            ]
            .map(utc)
        );
    }

    #[test]
    fn every_hour_runs_each_real_hour_across_both_changes() {
        let spring = times(
            "0 * * * *",
            Oslo,
            "2026-03-28T23:00:00Z",
            "2026-03-29T22:00:00Z",
        );
        assert_eq!(spring.len(), 23);
        assert!(
            spring
                .windows(2)
                .all(|pair| pair[1] - pair[0] == TimeDelta::hours(1))
        );
        let autumn = times(
            "0 * * * *",
            Oslo,
            "2026-10-24T22:00:00Z",
            "2026-10-25T23:00:00Z",
        );
        assert_eq!(autumn.len(), 25);
        assert!(
            autumn
                .windows(2)
                .all(|pair| pair[1] - pair[0] == TimeDelta::hours(1))
        );
        let minutes = times(
            "*/20 * * * *",
            Oslo,
            "2026-10-24T23:50:00Z",
            "2026-10-25T01:50:00Z",
        );
        assert_eq!(minutes.len(), 6, "{minutes:?}");
    }

    #[test]
    fn the_review_time_is_the_second_of_january_in_oslo() {
        let next = JobSchedule::parse("0 6 2 1 *")
            .unwrap()
            .next_after(utc("2026-06-01T00:00:00Z"), Oslo)
            .unwrap();
        assert_eq!(next, utc("2027-01-02T05:00:00Z"));
        let local = next.with_timezone(&Oslo);
        assert_eq!((local.month(), local.day(), local.hour()), (1, 2, 6));
    }
}
