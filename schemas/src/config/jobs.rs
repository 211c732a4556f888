//! What `vakt run` does on a schedule: `[[job]]` in `vakt.toml`.

use serde::{Deserialize, Serialize};

use crate::stream::Stream;

/// `[[job]]`: one job `vakt run` starts on a schedule. Each run and its
/// outcome is recorded in the store's `audit` stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobConfig {
    /// A name for messages, the audit stream and `vakt status`; each job's
    /// own.
    pub name: String,
    /// What the job does: `heartbeat` (an audit record, so a silent store
    /// shows), `verify`, `spotcheck` (draws records to check), `prune`
    /// (removes records past the retention) or `review` (the yearly review
    /// of the previous year, as a PDF).
    pub kind: JobKind,
    /// When, as a cron expression in the configured time zone: five fields
    /// (`minute hour day-of-month month day-of-week`, e.g. `0 6 2 1 *` for
    /// 06:00 on 2 January), or six or seven with seconds first and an
    /// optional year last.
    pub schedule: String,
    /// For `spotcheck`: the streams to draw from, one draw each.
    #[serde(default)]
    pub streams: Vec<Stream>,
    /// For `spotcheck`: how many records each draw picks.
    #[serde(default = "default_n")]
    pub n: u64,
    /// For `spotcheck`: draw from the records of this many days before the
    /// job runs.
    #[serde(default = "default_window_days")]
    pub window_days: u32,
    /// For `review`: the folder the review goes to, as `review-YEAR.pdf`
    /// and the data it was laid out from as `review-YEAR.json`.
    #[serde(default)]
    pub output: Option<String>,
    /// For `review`: the document's language, `nb` (bokmål, the default)
    /// or `en`.
    #[serde(default)]
    pub lang: Option<String>,
    /// For the jobs run as `vakt` commands (`verify`, `spotcheck`,
    /// `review`): the most minutes a run's commands may take together;
    /// past it the command running is killed and the run recorded as
    /// failed. At least 1; a day by default.
    #[serde(default = "default_timeout_minutes")]
    pub timeout_minutes: u32,
}

/// What a `[[job]]` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    /// An audit record (with its signed checkpoint), so a silent store shows.
    Heartbeat,
    /// `vakt verify`.
    Verify,
    /// `vakt spotcheck draw` for each of the job's streams.
    Spotcheck,
    /// `vakt prune`.
    Prune,
    /// `vakt report` of the previous calendar year.
    Review,
    /// `vakt compact`.
    Compact,
}

impl JobKind {
    /// The kind's name, as in `vakt.toml`.
    pub fn name(self) -> &'static str {
        match self {
            JobKind::Heartbeat => "heartbeat",
            JobKind::Verify => "verify",
            JobKind::Spotcheck => "spotcheck",
            JobKind::Prune => "prune",
            JobKind::Review => "review",
            JobKind::Compact => "compact",
        }
    }
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

fn default_n() -> u64 {
    10
}

fn default_window_days() -> u32 {
    7
}

/// A day: long enough for any run that is not stuck.
fn default_timeout_minutes() -> u32 {
    1440
}

#[cfg(test)]
mod tests {
    use super::JobKind;
    use crate::Stream;
    use crate::config::Config;

    #[test]
    fn jobs_are_read_with_their_defaults() {
        let config = Config::parse(
            r#"
            [[job]]
            name = "heartbeat"
            kind = "heartbeat"
            schedule = "0 * * * *"

            [[job]]
            name = "weekly spot check"
            kind = "spotcheck"
            schedule = "0 8 * * 1"
            streams = ["sessions", "access"]

            [[job]]
            name = "review"
            kind = "review"
            schedule = "0 6 2 1 *"
            output = "/srv/vakt/reviews"
            lang = "en"
            "#,
        )
        .unwrap();
        assert_eq!(config.jobs.len(), 3);
        assert_eq!(config.jobs[0].kind, JobKind::Heartbeat);
        assert_eq!(config.jobs[0].schedule, "0 * * * *");
        assert!(config.jobs[0].streams.is_empty());
        assert_eq!(config.jobs[0].output, None);
        let spotcheck = &config.jobs[1];
        assert_eq!(spotcheck.kind, JobKind::Spotcheck);
        assert_eq!(spotcheck.streams, vec![Stream::Sessions, Stream::Access]);
        assert_eq!(spotcheck.n, 10);
        assert_eq!(spotcheck.window_days, 7);
        assert_eq!(spotcheck.timeout_minutes, 1440);
        assert_eq!(config.jobs[2].output.as_deref(), Some("/srv/vakt/reviews"));
        assert_eq!(config.jobs[2].lang.as_deref(), Some("en"));
        assert!(Config::parse("").unwrap().jobs.is_empty());
    }

    #[test]
    fn unknown_keys_kinds_and_missing_schedules_are_refused() {
        let job = |body: &str| Config::parse(&format!("[[job]]\nname = \"a\"\n{body}"));
        assert!(job("kind = \"verify\"\nschedule = \"@daily\"\n").is_ok());
        let timeout = job("kind = \"verify\"\nschedule = \"@daily\"\ntimeout_minutes = 90\n");
        assert_eq!(timeout.unwrap().jobs[0].timeout_minutes, 90);
        assert!(job("kind = \"verify\"\nschedule = \"@daily\"\ntimeout_minutes = -1\n").is_err());
        let unknown_key = job("kind = \"verify\"\nschedule = \"@daily\"\nevery = \"day\"\n");
        assert!(unknown_key.unwrap_err().to_string().contains("every"));
        assert!(job("kind = \"backup\"\nschedule = \"@daily\"\n").is_err());
        assert!(job("kind = \"verify\"\n").is_err());
        assert!(job("kind = \"spotcheck\"\nschedule = \"@daily\"\nstreams = [\"x\"]\n").is_err());
    }
}
