//! The year a review covers, in the institute's time zone.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use vakt_schemas::registry::Moment;

/// The year under review.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Period {
    pub year: i32,
    #[serde(serialize_with = "zone_name")]
    pub zone: Tz,
    /// 1 January 00:00 local time.
    pub start: DateTime<Utc>,
    /// The next 1 January 00:00 local time.
    pub end: DateTime<Utc>,
    /// The end, or the review's own time when the year is not over.
    pub cutoff: DateTime<Utc>,
}

fn zone_name<S: serde::Serializer>(zone: &Tz, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(zone.name())
}

impl Period {
    /// The year `year` as seen at `now`; `None` for a year that has not begun
    /// or cannot be represented.
    pub fn new(year: i32, zone: Tz, now: DateTime<Utc>) -> Option<Period> {
        let first = NaiveDate::from_ymd_opt(year, 1, 1)?;
        let next = NaiveDate::from_ymd_opt(year + 1, 1, 1)?;
        let start = Moment::Date(first).start(zone);
        let end = Moment::Date(next).start(zone);
        if now < start {
            return None;
        }
        Some(Period {
            year,
            zone,
            start,
            end,
            cutoff: end.min(now),
        })
    }

    /// The first instant after a local day.
    pub fn end_of_day(&self, day: NaiveDate) -> DateTime<Utc> {
        Moment::Date(day).end(self.zone)
    }

    /// The local day of an instant.
    pub fn day_of(&self, time: DateTime<Utc>) -> NaiveDate {
        time.with_timezone(&self.zone).date_naive()
    }

    /// Whether an interval [from, until) overlaps the year up to the cutoff.
    pub fn overlaps(&self, from: DateTime<Utc>, until: Option<DateTime<Utc>>) -> bool {
        from < self.cutoff && until.is_none_or(|until| until > self.start)
    }

    /// The SQL condition selecting the year's records by `time`.
    pub fn sql_condition(&self) -> String {
        format!(
            "time >= TIMESTAMP '{}' AND time < TIMESTAMP '{}'",
            self.start.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
            self.cutoff.format("%Y-%m-%dT%H:%M:%S%.6fZ")
        )
    }
}

/// A time as the review writes it: local, with its offset from UTC so the
/// repeated hour of the autumn clock change is not ambiguous
/// (`2025-03-04 14:05 +01:00`).
pub fn local_time(zone: Tz, time: DateTime<Utc>) -> String {
    time.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %:z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Oslo;

    #[test]
    fn a_year_runs_from_local_new_year_to_local_new_year() {
        let now = "2026-11-23T12:00:00Z".parse().unwrap();
        let past = Period::new(2025, Oslo, now).unwrap();
        assert_eq!(past.start.to_rfc3339(), "2024-12-31T23:00:00+00:00");
        assert_eq!(past.end.to_rfc3339(), "2025-12-31T23:00:00+00:00");
        assert_eq!(past.cutoff, past.end);
        let current = Period::new(2026, Oslo, now).unwrap();
        assert_eq!(current.cutoff, now);
        assert!(Period::new(2027, Oslo, now).is_none());
    }
}
