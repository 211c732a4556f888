//! Dates and times in registry files. A TOML date (`2026-03-01`) means a
//! whole local day in the configured time zone; a local date-time means that
//! wall-clock time there; a date-time with an offset is an instant.

use std::fmt;

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point or day in a registry file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    /// A whole local day.
    Date(NaiveDate),
    /// A wall-clock time in the configured zone.
    Local(NaiveDateTime),
    /// An instant.
    Instant(DateTime<Utc>),
}

impl Moment {
    /// The first instant the moment covers: a date's local midnight.
    pub fn start(self, zone: Tz) -> DateTime<Utc> {
        match self {
            Moment::Date(date) => local_midnight(date, zone),
            Moment::Local(time) => local_instant(time, zone),
            Moment::Instant(instant) => instant,
        }
    }

    /// The first instant after the moment: for a date, the next local
    /// midnight (so `until = 2026-03-01` covers all of that day); for a time,
    /// the time itself.
    pub fn end(self, zone: Tz) -> DateTime<Utc> {
        match self {
            Moment::Date(date) => {
                local_midnight(date.checked_add_days(Days::new(1)).unwrap_or(date), zone)
            }
            Moment::Local(time) => local_instant(time, zone),
            Moment::Instant(instant) => instant,
        }
    }

    /// The local calendar day of the moment.
    pub fn date(self, zone: Tz) -> NaiveDate {
        match self {
            Moment::Date(date) => date,
            Moment::Local(time) => time.date(),
            Moment::Instant(instant) => instant.with_timezone(&zone).date_naive(),
        }
    }
}

/// Local midnight of a day; where a zone skips midnight, the first instant of
/// the day that exists.
fn local_midnight(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    local_instant(date.and_time(NaiveTime::MIN), zone)
}

/// A wall-clock time as an instant: the earlier one where the clock repeats
/// an hour, and the first instant after a skipped hour where it skips one.
fn local_instant(time: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    let mut probe = time;
    for _ in 0..4 {
        if let Some(instant) = zone.from_local_datetime(&probe).earliest() {
            return instant.with_timezone(&Utc);
        }
        probe += chrono::Duration::minutes(30);
    }
    Utc.from_utc_datetime(&time)
}

impl fmt::Display for Moment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Moment::Date(date) => write!(f, "{date}"),
            Moment::Local(time) => write!(f, "{}", time.format("%Y-%m-%dT%H:%M:%S")),
            Moment::Instant(instant) => write!(f, "{}", instant.format("%Y-%m-%dT%H:%M:%SZ")),
        }
    }
}

impl Serialize for Moment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Moment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A TOML datetime, or its text where a TOML value was read first.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Datetime(toml::value::Datetime),
            Text(String),
        }
        let value = match Written::deserialize(deserializer)? {
            Written::Datetime(value) => value,
            Written::Text(text) => text.parse().map_err(|_| {
                serde::de::Error::custom(format!(
                    "`{text}` is not a date or time: write 2026-03-01, 2026-03-01T08:00:00 or 2026-03-01T08:00:00+01:00"
                ))
            })?,
        };
        Moment::try_from(value).map_err(serde::de::Error::custom)
    }
}

impl TryFrom<toml::value::Datetime> for Moment {
    type Error = String;

    fn try_from(value: toml::value::Datetime) -> Result<Self, Self::Error> {
        let text = value.to_string();
        let date = value
            .date
            .and_then(|d| {
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
            })
            .ok_or_else(|| format!("`{text}` is not a date: write YYYY-MM-DD"))?;
        let Some(time) = value.time else {
            return Ok(Moment::Date(date));
        };
        let time = NaiveTime::from_hms_nano_opt(
            u32::from(time.hour),
            u32::from(time.minute),
            u32::from(time.second),
            time.nanosecond,
        )
        .ok_or_else(|| format!("`{text}` has no valid time of day"))?;
        let local = date.and_time(time);
        match value.offset {
            None => Ok(Moment::Local(local)),
            Some(_) => DateTime::parse_from_rfc3339(&text)
                .map(|instant| Moment::Instant(instant.with_timezone(&Utc)))
                .map_err(|error| format!("`{text}`: {error}")),
        }
    }
}

/// Serde helpers for a field that holds a whole day (`2026-03-01`), read
/// from a TOML date or from its text.
pub mod day {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Moment;

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
        match Moment::deserialize(deserializer)? {
            Moment::Date(date) => Ok(date),
            other => Err(serde::de::Error::custom(format!(
                "`{other}` is a time: write the day alone, e.g. 2026-03-01"
            ))),
        }
    }

    pub fn serialize<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(date)
    }

    /// The same for an optional field (use with `#[serde(default)]`).
    pub mod optional {
        use chrono::NaiveDate;
        use serde::{Deserializer, Serializer};

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<NaiveDate>, D::Error> {
            super::deserialize(deserializer).map(Some)
        }

        pub fn serialize<S: Serializer>(
            date: &Option<NaiveDate>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match date {
                Some(date) => serializer.collect_str(date),
                None => serializer.serialize_none(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Oslo;

    fn parse(text: &str) -> Moment {
        #[derive(Deserialize)]
        struct Holder {
            at: Moment,
        }
        toml::from_str::<Holder>(&format!("at = {text}"))
            .unwrap()
            .at
    }

    #[test]
    fn a_date_covers_the_whole_local_day() {
        let day = parse("2026-06-15");
        assert_eq!(day.start(Oslo).to_rfc3339(), "2026-06-14T22:00:00+00:00");
        assert_eq!(day.end(Oslo).to_rfc3339(), "2026-06-15T22:00:00+00:00");
    }

    #[test]
    fn days_of_a_clock_change_are_23_and_25_hours_long() {
        let spring = parse("2026-03-29");
        assert_eq!((spring.end(Oslo) - spring.start(Oslo)).num_hours(), 23);
        let autumn = parse("2026-10-25");
        assert_eq!((autumn.end(Oslo) - autumn.start(Oslo)).num_hours(), 25);
    }

    #[test]
    fn local_times_and_instants() {
        let local = parse("2026-03-29T02:30:00");
        // 02:30 does not exist that night in Oslo: the clock jumps to 03:00.
        assert_eq!(local.start(Oslo).to_rfc3339(), "2026-03-29T01:00:00+00:00");
        let instant = parse("2026-03-01T12:00:00+01:00");
        assert_eq!(
            instant.start(Oslo).to_rfc3339(),
            "2026-03-01T11:00:00+00:00"
        );
        assert_eq!(instant.end(Oslo), instant.start(Oslo));
        assert_eq!(instant.to_string(), "2026-03-01T11:00:00Z");
    }
}
