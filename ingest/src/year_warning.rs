//! A warning when lines without a year were dated far from the time their
//! file was last written: the year a syslog file's lines get is a guess
//! (`ingest.syslog_year`, `--year`, or the file's modification time), and
//! a wrong guess must be said, never silent.

use chrono::{DateTime, Utc};

use crate::parse::clock::YearLessSpan;

/// Days a line dated by a given year may lie before its file's last write.
const GIVEN_YEAR_SLACK_DAYS: i64 = 35;
/// Days before its file's last write a line dated by an inferred year may
/// lie before the inference could have picked the wrong year.
const INFERRED_YEAR_SLACK_DAYS: i64 = 330;

/// A warning when lines without a year were dated far from the time their
/// file was last written: a `syslog_year` left from last year, or a file
/// older than its modification time says (copied without keeping it).
pub(crate) fn year_warning(
    name: &str,
    modified: DateTime<Utc>,
    span: YearLessSpan,
) -> Option<String> {
    let days_before = (modified - span.last).num_days();
    let days_before_first = (modified - span.first).num_days();
    let far = if span.year_given {
        !(-7..=GIVEN_YEAR_SLACK_DAYS).contains(&days_before)
    } else {
        days_before_first > INFERRED_YEAR_SLACK_DAYS
    };
    if !far {
        return None;
    }
    let source = if span.year_given {
        "the year given by ingest.syslog_year or --year"
    } else {
        "a year inferred from the file's modification time"
    };
    Some(format!(
        "{name}: lines without a year were dated {} to {} by {source}, but the file was last \
         written {}: check them; files like it are dated right with --year YEAR (or \
         ingest.syslog_year)",
        span.first.format("%Y-%m-%d"),
        span.last.format("%Y-%m-%d"),
        modified.format("%Y-%m-%d"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: &str) -> DateTime<Utc> {
        format!("{day}T12:00:00Z").parse().expect("a day")
    }

    fn span(first: &str, last: &str, year_given: bool) -> YearLessSpan {
        YearLessSpan {
            first: at(first),
            last: at(last),
            year_given,
        }
    }

    #[test]
    fn a_given_year_far_from_the_files_last_write_is_warned_of() {
        let left_from_last_year = span("2025-01-02", "2025-03-01", true);
        let warning = year_warning("auth.log", at("2026-03-02"), left_from_last_year);
        assert!(
            warning
                .as_deref()
                .is_some_and(|text| text.contains("2025-03-01") && text.contains("2026-03-02")),
            "{warning:?}"
        );
        let right = span("2025-01-02", "2025-12-31", true);
        assert_eq!(year_warning("auth.log", at("2026-01-01"), right), None);
        let in_the_future = span("2025-01-02", "2025-12-31", true);
        assert!(year_warning("auth.log", at("2025-06-01"), in_the_future).is_some());
    }

    #[test]
    fn an_inferred_year_is_warned_of_only_when_lines_are_nearly_a_year_older() {
        let long = span("2025-01-10", "2025-12-30", false);
        assert!(year_warning("auth.log", at("2026-01-01"), long).is_some());
        let weekly = span("2025-12-20", "2025-12-31", false);
        assert_eq!(year_warning("auth.log", at("2026-01-01"), weekly), None);
    }
}
