//! A `[[job]]` checked, and what it does at a given moment.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Datelike, SecondsFormat, TimeDelta, Utc};
use chrono_tz::Tz;
use vakt_schemas::Stream;
use vakt_schemas::config::{JobConfig, JobKind};

use crate::schedule::{JobSchedule, ScheduleError};

/// A `[[job]]` that cannot run as written.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("witnesses: {detail}")]
    Witness { detail: String },
    #[error("a [[job]] has no name: give each job a name of its own")]
    NoName,
    #[error("two jobs are named `{job}`: give each [[job]] a name of its own")]
    DuplicateName { job: String },
    #[error("job `{job}`: {error}")]
    Schedule { job: String, error: ScheduleError },
    #[error(
        "job `{job}` (spotcheck) names no streams: add e.g. streams = [\"sessions\", \"access\"]"
    )]
    NoStreams { job: String },
    #[error("job `{job}` (spotcheck) draws n = 0 records: make n at least 1")]
    NoRecords { job: String },
    #[error(
        "job `{job}` (spotcheck) has window_days = {days}: make it a number of days from 1 to {MAX_WINDOW_DAYS}"
    )]
    Window { job: String, days: u32 },
    #[error(
        "job `{job}` (review) has no output folder: add e.g. output = \"/var/lib/vakt/reviews\""
    )]
    NoOutput { job: String },
    #[error("job `{job}` has timeout_minutes = 0: make it at least 1")]
    NoTimeout { job: String },
    #[error("job `{job}` (review) has lang = \"{lang}\": use \"nb\" (bokmål) or \"en\" (English)")]
    Language { job: String, lang: String },
    #[error("job `{job}` ({kind}) does not use `{setting}`: remove it, or change the job's kind")]
    UnusedSetting {
        job: String,
        kind: JobKind,
        setting: &'static str,
    },
}

/// The longest spot-check window: ten years.
const MAX_WINDOW_DAYS: u32 = 3650;

/// The language of the yearly review's PDF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewLanguage {
    /// Norwegian bokmål.
    Nb,
    /// English.
    En,
}

impl ReviewLanguage {
    /// The code `vakt report --lang` takes.
    pub fn code(self) -> &'static str {
        match self {
            ReviewLanguage::Nb => "nb",
            ReviewLanguage::En => "en",
        }
    }
}

/// What a job does, with its kind's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Task {
    /// An audit record, written by `vakt run` itself.
    Heartbeat,
    /// `vakt verify`.
    Verify,
    /// `vakt spotcheck draw` of `n` records from each stream, among those
    /// of the last `window_days` days.
    Spotcheck {
        streams: Vec<Stream>,
        n: u64,
        window_days: u32,
    },
    /// Removal of records past the retention, by `vakt run` itself with
    /// its own store writer.
    Prune,
    /// Merging small segments into large files, by `vakt run` itself
    /// with its own store writer.
    Compact,
    /// `vakt report` of the previous calendar year into the folder `output`.
    Review {
        output: String,
        lang: ReviewLanguage,
    },
}

/// What `vakt run` does when a job is due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Append a heartbeat audit record (and so a signed checkpoint).
    Heartbeat,
    /// Prune with `vakt run`'s own store writer.
    Prune,
    /// Compact with `vakt run`'s own store writer.
    Compact,
    /// Run `vakt` with each of these argument lists, one after the other,
    /// stopping at the first that fails (see [`crate::Runner`]).
    Commands(Vec<Vec<String>>),
}

/// A job of `vakt run`: a checked `[[job]]`.
#[derive(Clone, Debug)]
pub struct Job {
    name: String,
    schedule: JobSchedule,
    task: Task,
    /// The most a run's commands may take together.
    timeout: Duration,
}

impl Job {
    /// Checks one `[[job]]`.
    pub fn from_config(config: &JobConfig) -> Result<Job, JobError> {
        let name = config.name.trim();
        if name.is_empty() {
            return Err(JobError::NoName);
        }
        let job = || name.to_string();
        let schedule = JobSchedule::parse(&config.schedule)
            .map_err(|error| JobError::Schedule { job: job(), error })?;
        let unused = |setting| JobError::UnusedSetting {
            job: job(),
            kind: config.kind,
            setting,
        };
        if config.timeout_minutes == 0 {
            return Err(JobError::NoTimeout { job: job() });
        }
        if config.kind != JobKind::Spotcheck && !config.streams.is_empty() {
            return Err(unused("streams"));
        }
        if config.kind != JobKind::Review && config.output.is_some() {
            return Err(unused("output"));
        }
        if config.kind != JobKind::Review && config.lang.is_some() {
            return Err(unused("lang"));
        }
        let task = match config.kind {
            JobKind::Heartbeat => Task::Heartbeat,
            JobKind::Verify => Task::Verify,
            JobKind::Prune => Task::Prune,
            JobKind::Compact => Task::Compact,
            JobKind::Spotcheck => {
                if config.streams.is_empty() {
                    return Err(JobError::NoStreams { job: job() });
                }
                if config.n == 0 {
                    return Err(JobError::NoRecords { job: job() });
                }
                if config.window_days == 0 || config.window_days > MAX_WINDOW_DAYS {
                    return Err(JobError::Window {
                        job: job(),
                        days: config.window_days,
                    });
                }
                let mut seen = BTreeSet::new();
                let streams = config
                    .streams
                    .iter()
                    .copied()
                    .filter(|stream| seen.insert(*stream))
                    .collect();
                Task::Spotcheck {
                    streams,
                    n: config.n,
                    window_days: config.window_days,
                }
            }
            JobKind::Review => {
                let output = match config.output.as_deref().map(str::trim) {
                    Some(output) if !output.is_empty() => output.to_string(),
                    _ => return Err(JobError::NoOutput { job: job() }),
                };
                let lang = match config.lang.as_deref() {
                    None | Some("nb") => ReviewLanguage::Nb,
                    Some("en") => ReviewLanguage::En,
                    Some(other) => {
                        return Err(JobError::Language {
                            job: job(),
                            lang: other.to_string(),
                        });
                    }
                };
                Task::Review { output, lang }
            }
        };
        Ok(Job {
            name: name.to_string(),
            schedule,
            task,
            timeout: Duration::from_secs(u64::from(config.timeout_minutes) * 60),
        })
    }

    /// Checks every `[[job]]`, names unique among them.
    pub fn from_configs(configs: &[JobConfig]) -> Result<Vec<Job>, JobError> {
        let mut names = BTreeSet::new();
        let mut jobs = Vec::with_capacity(configs.len());
        for config in configs {
            let job = Job::from_config(config)?;
            if !names.insert(job.name.clone()) {
                return Err(JobError::DuplicateName { job: job.name });
            }
            jobs.push(job);
        }
        Ok(jobs)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn kind(&self) -> JobKind {
        match self.task {
            Task::Heartbeat => JobKind::Heartbeat,
            Task::Verify => JobKind::Verify,
            Task::Spotcheck { .. } => JobKind::Spotcheck,
            Task::Prune => JobKind::Prune,
            Task::Compact => JobKind::Compact,
            Task::Review { .. } => JobKind::Review,
        }
    }

    pub fn schedule(&self) -> &JobSchedule {
        &self.schedule
    }

    pub fn task(&self) -> &Task {
        &self.task
    }

    /// The most a run's commands may take together (`timeout_minutes`);
    /// past it the command running is killed (see [`crate::Runner`]).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// What to do for a run starting at `now`: the spot-check window ends
    /// at `now`, and the review is of the calendar year (in `zone`) before
    /// the one `now` is in.
    pub fn action(&self, now: DateTime<Utc>, zone: Tz) -> Action {
        match &self.task {
            Task::Heartbeat => Action::Heartbeat,
            Task::Prune => Action::Prune,
            Task::Compact => Action::Compact,
            Task::Verify => Action::Commands(vec![arguments(&["verify", "--format", "json"])]),
            Task::Spotcheck {
                streams,
                n,
                window_days,
            } => {
                let from = now
                    .checked_sub_signed(TimeDelta::days(i64::from(*window_days)))
                    .unwrap_or(DateTime::<Utc>::MIN_UTC);
                let from = rfc3339(from);
                let to = rfc3339(now);
                let n = n.to_string();
                let commands = streams
                    .iter()
                    .map(|stream| {
                        arguments(&[
                            "spotcheck",
                            "draw",
                            "--stream",
                            stream.name(),
                            "--n",
                            &n,
                            "--from",
                            &from,
                            "--to",
                            &to,
                            "--format",
                            "json",
                        ])
                    })
                    .collect();
                Action::Commands(commands)
            }
            Task::Review { output, lang } => {
                let year = now.with_timezone(&zone).year() - 1;
                let folder = Path::new(output);
                let pdf = folder.join(format!("review-{year}.pdf"));
                let data = folder.join(format!("review-{year}.json"));
                Action::Commands(vec![arguments(&[
                    "report",
                    "--year",
                    &year.to_string(),
                    "--out",
                    &pdf.to_string_lossy(),
                    "--data",
                    &data.to_string_lossy(),
                    "--lang",
                    lang.code(),
                ])])
            }
        }
    }
}

fn arguments(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| word.to_string()).collect()
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use chrono_tz::Europe::Oslo;

    use super::*;

    fn config(toml_text: &str) -> Vec<JobConfig> {
        vakt_schemas::config::Config::parse(toml_text).unwrap().jobs
    }

    fn job(body: &str) -> Result<Job, JobError> {
        let jobs = config(&format!("[[job]]\nname = \"nightly\"\n{body}"));
        Job::from_config(&jobs[0])
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn words(list: &[&str]) -> Vec<String> {
        arguments(list)
    }

    #[test]
    fn verify_heartbeat_and_prune() {
        let verify = job("kind = \"verify\"\nschedule = \"0 3 * * *\"").unwrap();
        assert_eq!(verify.name(), "nightly");
        assert_eq!(verify.kind(), JobKind::Verify);
        assert_eq!(verify.schedule().expression(), "0 3 * * *");
        assert_eq!(
            verify.action(utc("2026-05-05T01:00:00Z"), Oslo),
            Action::Commands(vec![words(&["verify", "--format", "json"])])
        );
        let heartbeat = job("kind = \"heartbeat\"\nschedule = \"@hourly\"").unwrap();
        assert_eq!(heartbeat.action(Utc::now(), Oslo), Action::Heartbeat);
        let prune = job("kind = \"prune\"\nschedule = \"0 4 1 * *\"").unwrap();
        assert_eq!(prune.action(Utc::now(), Oslo), Action::Prune);
        let compact = job("kind = \"compact\"\nschedule = \"@daily\"").unwrap();
        assert_eq!(compact.action(Utc::now(), Oslo), Action::Compact);
    }

    #[test]
    fn spotcheck_draws_from_each_stream_over_its_window() {
        let spotcheck = job(
            "kind = \"spotcheck\"\nschedule = \"0 8 * * 1\"\nstreams = [\"sessions\", \"access\", \"sessions\"]\nn = 25",
        )
        .unwrap();
        let action = spotcheck.action(utc("2026-03-10T08:00:00Z"), Oslo);
        let draw = |stream: &str| {
            words(&[
                "spotcheck",
                "draw",
                "--stream",
                stream,
                "--n",
                "25",
                "--from",
                "2026-03-03T08:00:00Z",
                "--to",
                "2026-03-10T08:00:00Z",
                "--format",
                "json",
            ])
        };
        assert_eq!(
            action,
            Action::Commands(vec![draw("sessions"), draw("access")])
        );
        let month = job(
            "kind = \"spotcheck\"\nschedule = \"@monthly\"\nstreams = [\"firewall\"]\nwindow_days = 30",
        )
        .unwrap();
        let Action::Commands(commands) = month.action(utc("2026-03-01T12:30:15Z"), Oslo) else {
            panic!("a spot check runs commands");
        };
        assert_eq!(commands.len(), 1);
        assert_eq!(commands[0][5], "10");
        assert_eq!(commands[0][7], "2026-01-30T12:30:15Z");
        assert_eq!(commands[0][9], "2026-03-01T12:30:15Z");
    }

    #[test]
    fn review_is_of_the_year_before_in_the_zone() {
        let review = job(
            "kind = \"review\"\nschedule = \"0 6 2 1 *\"\noutput = \"/srv/vakt/reviews/\"\nlang = \"en\"",
        )
        .unwrap();
        let expected = |year: &str, lang: &str| {
            Action::Commands(vec![words(&[
                "report",
                "--year",
                year,
                "--out",
                &format!("/srv/vakt/reviews/review-{year}.pdf"),
                "--data",
                &format!("/srv/vakt/reviews/review-{year}.json"),
                "--lang",
                lang,
            ])])
        };
        let fire = review
            .schedule()
            .next_after(utc("2026-06-01T00:00:00Z"), Oslo)
            .unwrap();
        assert_eq!(fire, utc("2027-01-02T05:00:00Z"));
        assert_eq!(review.action(fire, Oslo), expected("2026", "en"));
        // 00:30 on New Year's Day in Oslo is still 2026 in UTC.
        assert_eq!(
            review.action(utc("2026-12-31T23:30:00Z"), Oslo),
            expected("2026", "en")
        );
        let bokmål =
            job("kind = \"review\"\nschedule = \"0 6 2 1 *\"\noutput = \"/srv/vakt/reviews\"")
                .unwrap();
        assert_eq!(bokmål.action(fire, Oslo), expected("2026", "nb"));
    }

    #[test]
    fn jobs_that_cannot_run_are_refused_saying_why() {
        let message = |body: &str| job(body).unwrap_err().to_string();
        let bad_schedule = message("kind = \"verify\"\nschedule = \"every night\"");
        assert!(bad_schedule.contains("job `nightly`"), "{bad_schedule}");
        assert!(bad_schedule.contains("`every night`"), "{bad_schedule}");
        let out_of_range = message("kind = \"verify\"\nschedule = \"0 25 * * *\"");
        assert!(out_of_range.contains("job `nightly`"), "{out_of_range}");
        assert!(out_of_range.contains("`0 25 * * *`"), "{out_of_range}");
        assert!(
            out_of_range.contains("Hours must be at most 23. ('25' specified.)"),
            "{out_of_range}"
        );
        assert!(matches!(
            job("kind = \"spotcheck\"\nschedule = \"@daily\""),
            Err(JobError::NoStreams { .. })
        ));
        assert!(matches!(
            job("kind = \"spotcheck\"\nschedule = \"@daily\"\nstreams = [\"access\"]\nn = 0"),
            Err(JobError::NoRecords { .. })
        ));
        assert!(matches!(
            job(
                "kind = \"spotcheck\"\nschedule = \"@daily\"\nstreams = [\"access\"]\nwindow_days = 0"
            ),
            Err(JobError::Window { days: 0, .. })
        ));
        assert!(matches!(
            job("kind = \"review\"\nschedule = \"0 6 2 1 *\""),
            Err(JobError::NoOutput { .. })
        ));
        assert!(matches!(
            job("kind = \"review\"\nschedule = \"0 6 2 1 *\"\noutput = \" \""),
            Err(JobError::NoOutput { .. })
        ));
        let german =
            message("kind = \"review\"\nschedule = \"0 6 2 1 *\"\noutput = \"r\"\nlang = \"de\"");
        assert!(
            german.contains("\"de\"") && german.contains("nb"),
            "{german}"
        );
        assert!(matches!(
            job("kind = \"verify\"\nschedule = \"@daily\"\nstreams = [\"access\"]"),
            Err(JobError::UnusedSetting {
                setting: "streams",
                ..
            })
        ));
        assert!(matches!(
            job("kind = \"prune\"\nschedule = \"@daily\"\noutput = \"r\""),
            Err(JobError::UnusedSetting {
                setting: "output",
                ..
            })
        ));
        let nameless = config("[[job]]\nname = \" \"\nkind = \"verify\"\nschedule = \"@daily\"");
        assert!(matches!(
            Job::from_config(&nameless[0]),
            Err(JobError::NoName)
        ));
    }

    #[test]
    fn a_job_has_a_timeout_of_a_day_unless_told_and_never_of_zero() {
        let daily = job("kind = \"verify\"\nschedule = \"@daily\"").unwrap();
        assert_eq!(daily.timeout(), Duration::from_secs(24 * 60 * 60));
        let hour = job("kind = \"verify\"\nschedule = \"@daily\"\ntimeout_minutes = 60").unwrap();
        assert_eq!(hour.timeout(), Duration::from_secs(60 * 60));
        let zero = job("kind = \"verify\"\nschedule = \"@daily\"\ntimeout_minutes = 0");
        assert!(matches!(&zero, Err(JobError::NoTimeout { job }) if job == "nightly"));
        let message = zero.unwrap_err().to_string();
        assert_eq!(
            message,
            "job `nightly` has timeout_minutes = 0: make it at least 1"
        );
    }

    #[test]
    fn the_sample_configuration_s_jobs_are_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/vakt.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let sample = vakt_schemas::config::Config::parse(&text).unwrap();
        let jobs = Job::from_configs(&sample.jobs).unwrap();
        let kinds: BTreeSet<&str> = jobs.iter().map(|job| job.kind().name()).collect();
        assert_eq!(kinds.len(), 5, "the sample shows every kind of job");
    }

    #[test]
    fn names_are_unique() {
        let jobs = config(
            r#"
            [[job]]
            name = "verify"
            kind = "verify"
            schedule = "0 3 * * *"
            [[job]]
            name = "heartbeat"
            kind = "heartbeat"
            schedule = "@hourly"
            [[job]]
            name = "verify"
            kind = "verify"
            schedule = "0 15 * * *"
            "#,
        );
        let error = Job::from_configs(&jobs).unwrap_err();
        assert!(matches!(&error, JobError::DuplicateName { job } if job == "verify"));
        assert!(error.to_string().contains("`verify`"));
        assert_eq!(Job::from_configs(&jobs[..2]).unwrap().len(), 2);
    }
}
