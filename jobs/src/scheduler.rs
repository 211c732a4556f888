//! Which jobs are due: each job's next time, whether it runs, and how its
//! last run went. Every moment is passed in by the caller; nothing here
//! reads a clock.
//!
//! - A job runs at the first of its times after it last finished (or
//!   started, when it never finished): a run that overran several of its
//!   times is followed by one run at its next time, not by one per time it
//!   covered.
//! - A job that is running is not due again until it has finished.
//! - After downtime, a job whose time passed while vakt was not running is
//!   due at once, once however many times passed. A job seen for the first
//!   time is scheduled from the moment it is seen: nothing is caught up.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::job::Job;
use crate::runner::Outcome;

/// A job of a [`Scheduler`]: its position in the list it was made from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub usize);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What the scheduler keeps between runs of `vakt run` (and shows in its
/// status file), by job name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobsState {
    pub jobs: BTreeMap<String, JobState>,
}

/// One job's times and last outcome.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobState {
    /// When vakt first scheduled the job: times after it that passed while
    /// vakt was not running are caught up, even before a first run.
    pub scheduled_since: Option<DateTime<Utc>>,
    pub last_started: Option<DateTime<Utc>>,
    pub last_finished: Option<DateTime<Utc>>,
    pub last_outcome: Option<Outcome>,
    /// When the run in progress started (shown only: a run that was in
    /// progress when vakt stopped runs again at its first time after it
    /// started, at once when that passed while vakt was not running).
    pub running_since: Option<DateTime<Utc>>,
    /// When the job is due next; None when its schedule never matches again.
    pub next: Option<DateTime<Utc>>,
}

/// A job and where it stands, as [`Scheduler::jobs`] lists them.
#[derive(Clone, Debug)]
pub struct JobStatus<'a> {
    pub id: JobId,
    pub job: &'a Job,
    pub next: Option<DateTime<Utc>>,
    pub running_since: Option<DateTime<Utc>>,
    pub last_started: Option<DateTime<Utc>>,
    pub last_finished: Option<DateTime<Utc>>,
    pub last_outcome: Option<&'a Outcome>,
}

struct Entry {
    job: Job,
    scheduled_since: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
    running_since: Option<DateTime<Utc>>,
    last_started: Option<DateTime<Utc>>,
    last_finished: Option<DateTime<Utc>>,
    last_outcome: Option<Outcome>,
}

/// The schedule of `vakt run`'s jobs.
pub struct Scheduler {
    zone: Tz,
    entries: Vec<Entry>,
}

impl Scheduler {
    /// Schedules `jobs` at `now` in `zone`, going on from `previous` (the
    /// state the last `vakt run` left; empty on a first start).
    pub fn new(jobs: Vec<Job>, zone: Tz, previous: &JobsState, now: DateTime<Utc>) -> Scheduler {
        let entries = jobs
            .into_iter()
            .map(|job| {
                let state = previous.jobs.get(job.name()).cloned().unwrap_or_default();
                // The run that finished last covered the times before it;
                // a run that never finished did not.
                let last_active = state.last_started.max(state.last_finished);
                let next = match last_active.or(state.scheduled_since) {
                    Some(since) if since <= now => job.schedule().next_after(since, zone),
                    _ => job.schedule().next_after(now, zone),
                };
                Entry {
                    scheduled_since: state.scheduled_since.unwrap_or(now),
                    next,
                    running_since: None,
                    last_started: state.last_started,
                    last_finished: state.last_finished,
                    last_outcome: state.last_outcome,
                    job,
                }
            })
            .collect();
        Scheduler { zone, entries }
    }

    /// The jobs due at `now`: their time has come and they are not running.
    pub fn due(&self, now: DateTime<Utc>) -> Vec<JobId> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, entry)| entry.running_since.is_none())
            .filter(|(_, entry)| entry.next.is_some_and(|next| next <= now))
            .map(|(index, _)| JobId(index))
            .collect()
    }

    /// The earliest time a job that is not running is due; None when none
    /// ever is.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.entries
            .iter()
            .filter(|entry| entry.running_since.is_none())
            .filter_map(|entry| entry.next)
            .min()
    }

    /// The job `id` started at `now`.
    pub fn started(&mut self, id: JobId, now: DateTime<Utc>) {
        let Some(entry) = self.entries.get_mut(id.0) else {
            return;
        };
        entry.running_since = Some(now);
        entry.last_started = Some(now);
    }

    /// The job `id` finished at `now`: it is due next at its first time
    /// after `now`.
    pub fn finished(&mut self, id: JobId, outcome: Outcome, now: DateTime<Utc>) {
        let Some(entry) = self.entries.get_mut(id.0) else {
            return;
        };
        entry.running_since = None;
        entry.last_finished = Some(now);
        entry.last_outcome = Some(outcome);
        entry.next = entry.job.schedule().next_after(now, self.zone);
    }

    /// The job `id`.
    pub fn job(&self, id: JobId) -> Option<&Job> {
        self.entries.get(id.0).map(|entry| &entry.job)
    }

    /// Every job with where it stands, in the order they were given.
    pub fn jobs(&self) -> Vec<JobStatus<'_>> {
        self.entries
            .iter()
            .enumerate()
            .map(|(index, entry)| JobStatus {
                id: JobId(index),
                job: &entry.job,
                next: entry.next,
                running_since: entry.running_since,
                last_started: entry.last_started,
                last_finished: entry.last_finished,
                last_outcome: entry.last_outcome.as_ref(),
            })
            .collect()
    }

    /// What to keep for the next start and the status file.
    pub fn state(&self) -> JobsState {
        let jobs = self
            .entries
            .iter()
            .map(|entry| {
                let state = JobState {
                    scheduled_since: Some(entry.scheduled_since),
                    last_started: entry.last_started,
                    last_finished: entry.last_finished,
                    last_outcome: entry.last_outcome.clone(),
                    running_since: entry.running_since,
                    next: entry.next,
                };
                (entry.job.name().to_string(), state)
            })
            .collect();
        JobsState { jobs }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use chrono_tz::Europe::Oslo;
    use vakt_schemas::config::{JobConfig, JobKind};

    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn job(name: &str, schedule: &str) -> Job {
        Job::from_config(&JobConfig {
            name: name.to_string(),
            kind: JobKind::Verify,
            schedule: schedule.to_string(),
            streams: Vec::new(),
            n: 10,
            window_days: 7,
            output: None,
            lang: None,
            timeout_minutes: 1440,
        })
        .unwrap()
    }

    fn ok() -> Outcome {
        Outcome::success(0.5, "fine")
    }

    /// Runs the scheduler on a clock stepping from `from` to `to`: due
    /// jobs start at once and take `duration`. Returns each start.
    fn simulate(
        scheduler: &mut Scheduler,
        from: &str,
        to: &str,
        step: TimeDelta,
        duration: TimeDelta,
    ) -> Vec<(JobId, DateTime<Utc>)> {
        let mut starts = Vec::new();
        let mut running: Vec<(JobId, DateTime<Utc>)> = Vec::new();
        let mut now = utc(from);
        while now <= utc(to) {
            running.retain(|&(id, ends)| {
                if ends > now {
                    return true;
                }
                scheduler.finished(id, ok(), now);
                false
            });
            for id in scheduler.due(now) {
                scheduler.started(id, now);
                starts.push((id, now));
                running.push((id, now + duration));
            }
            now += step;
        }
        starts
    }

    fn times(starts: &[(JobId, DateTime<Utc>)]) -> Vec<DateTime<Utc>> {
        starts.iter().map(|(_, time)| *time).collect()
    }

    #[test]
    fn an_hourly_heartbeat_runs_at_each_full_hour_and_not_between() {
        let mut scheduler = Scheduler::new(
            vec![job("heartbeat", "0 * * * *")],
            Oslo,
            &JobsState::default(),
            utc("2026-05-05T10:17:00Z"),
        );
        assert!(scheduler.due(utc("2026-05-05T10:17:00Z")).is_empty());
        assert!(scheduler.due(utc("2026-05-05T10:59:59Z")).is_empty());
        assert_eq!(scheduler.due(utc("2026-05-05T11:00:00Z")), [JobId(0)]);
        assert_eq!(scheduler.next_due(), Some(utc("2026-05-05T11:00:00Z")));
        let starts = simulate(
            &mut scheduler,
            "2026-05-05T10:17:00Z",
            "2026-05-05T14:30:00Z",
            TimeDelta::seconds(30),
            TimeDelta::seconds(2),
        );
        assert_eq!(
            times(&starts),
            ["11", "12", "13", "14"].map(|hour| utc(&format!("2026-05-05T{hour}:00:00Z")))
        );
        assert_eq!(scheduler.next_due(), Some(utc("2026-05-05T15:00:00Z")));
    }

    #[test]
    fn every_five_seconds() {
        let mut scheduler = Scheduler::new(
            vec![job("fast", "*/5 * * * * *")],
            Oslo,
            &JobsState::default(),
            utc("2026-05-05T10:00:00Z"),
        );
        let starts = simulate(
            &mut scheduler,
            "2026-05-05T10:00:00Z",
            "2026-05-05T10:01:00Z",
            TimeDelta::seconds(1),
            TimeDelta::seconds(1),
        );
        assert_eq!(starts.len(), 12);
        assert!(
            times(&starts)
                .windows(2)
                .all(|pair| pair[1] - pair[0] == TimeDelta::seconds(5))
        );
    }

    #[test]
    fn a_daily_job_runs_once_a_day_at_its_local_time_across_both_changes() {
        for (from, to, expected) in [
            (
                "2026-03-27T12:00:00Z",
                "2026-03-31T12:00:00Z",
                [
                    "2026-03-28T05:00:00Z",
                    "2026-03-29T04:00:00Z",
                    "2026-03-30T04:00:00Z",
                    "2026-03-31T04:00:00Z",
                ],
            ),
            (
                "2026-10-23T12:00:00Z",
                "2026-10-27T12:00:00Z",
                [
                    "2026-10-24T04:00:00Z",
                    "2026-10-25T05:00:00Z",
                    "2026-10-26T05:00:00Z",
                    "2026-10-27T05:00:00Z",
                ],
            ),
        ] {
            let mut scheduler = Scheduler::new(
                vec![job("verify", "0 6 * * *")],
                Oslo,
                &JobsState::default(),
                utc(from),
            );
            let starts = simulate(
                &mut scheduler,
                from,
                to,
                TimeDelta::minutes(1),
                TimeDelta::minutes(20),
            );
            assert_eq!(times(&starts), expected.map(utc));
        }
    }

    #[test]
    fn the_review_runs_on_the_second_of_january_at_six_in_oslo() {
        let mut scheduler = Scheduler::new(
            vec![job("review", "0 6 2 1 *")],
            Oslo,
            &JobsState::default(),
            utc("2026-12-30T00:00:00Z"),
        );
        let starts = simulate(
            &mut scheduler,
            "2026-12-30T00:00:00Z",
            "2027-01-04T00:00:00Z",
            TimeDelta::minutes(1),
            TimeDelta::minutes(3),
        );
        assert_eq!(times(&starts), [utc("2027-01-02T05:00:00Z")]);
    }

    #[test]
    fn after_downtime_a_missed_job_runs_once_at_once() {
        let previous = JobsState {
            jobs: BTreeMap::from([(
                "verify".to_string(),
                JobState {
                    scheduled_since: Some(utc("2026-05-01T00:00:00Z")),
                    last_started: Some(utc("2026-06-01T01:00:00Z")),
                    last_finished: Some(utc("2026-06-01T01:05:00Z")),
                    last_outcome: Some(ok()),
                    running_since: None,
                    next: Some(utc("2026-06-02T01:00:00Z")),
                },
            )]),
        };
        // Down from 1 June to 4 June: three nightly runs missed.
        let now = utc("2026-06-04T12:00:00Z");
        let mut scheduler = Scheduler::new(vec![job("verify", "0 3 * * *")], Oslo, &previous, now);
        assert_eq!(scheduler.due(now), [JobId(0)]);
        scheduler.started(JobId(0), now);
        scheduler.finished(JobId(0), ok(), now + TimeDelta::minutes(5));
        assert!(scheduler.due(now + TimeDelta::minutes(6)).is_empty());
        assert!(scheduler.due(utc("2026-06-05T00:59:59Z")).is_empty());
        assert_eq!(scheduler.due(utc("2026-06-05T01:00:00Z")), [JobId(0)]);

        // Down only between two of its times: nothing to catch up.
        let mut previous = previous;
        let state = previous.jobs.get_mut("verify").unwrap();
        state.last_started = Some(utc("2026-06-04T01:00:00Z"));
        state.last_finished = Some(utc("2026-06-04T01:05:00Z"));
        let scheduler = Scheduler::new(vec![job("verify", "0 3 * * *")], Oslo, &previous, now);
        assert!(scheduler.due(now).is_empty());
        assert_eq!(scheduler.next_due(), Some(utc("2026-06-05T01:00:00Z")));
    }

    #[test]
    fn a_job_never_seen_before_is_not_caught_up() {
        let previous = JobsState {
            jobs: BTreeMap::from([("other".to_string(), JobState::default())]),
        };
        let now = utc("2027-01-03T12:00:00Z");
        let scheduler = Scheduler::new(vec![job("review", "0 6 2 1 *")], Oslo, &previous, now);
        assert!(scheduler.due(now).is_empty());
        assert_eq!(scheduler.next_due(), Some(utc("2028-01-02T05:00:00Z")));
        assert_eq!(
            scheduler.state().jobs["review"].scheduled_since,
            Some(now),
            "the job is known from now on"
        );
    }

    #[test]
    fn a_job_scheduled_but_not_yet_run_is_caught_up_after_downtime() {
        // Configured in December, vakt down over 2 January.
        let december = utc("2026-12-01T12:00:00Z");
        let first = Scheduler::new(
            vec![job("review", "0 6 2 1 *")],
            Oslo,
            &JobsState::default(),
            december,
        );
        let state = first.state();
        let now = utc("2027-01-03T12:00:00Z");
        let scheduler = Scheduler::new(vec![job("review", "0 6 2 1 *")], Oslo, &state, now);
        assert_eq!(scheduler.due(now), [JobId(0)]);
    }

    #[test]
    fn a_run_interrupted_by_a_stop_runs_again_when_its_time_passed() {
        let previous = JobsState {
            jobs: BTreeMap::from([(
                "verify".to_string(),
                JobState {
                    scheduled_since: Some(utc("2026-05-01T00:00:00Z")),
                    last_started: Some(utc("2026-06-03T01:00:00Z")),
                    last_finished: Some(utc("2026-06-02T01:05:00Z")),
                    running_since: Some(utc("2026-06-03T01:00:00Z")),
                    ..JobState::default()
                },
            )]),
        };
        let scheduler = Scheduler::new(
            vec![job("verify", "0 3 * * *")],
            Oslo,
            &previous,
            utc("2026-06-04T12:00:00Z"),
        );
        assert_eq!(scheduler.due(utc("2026-06-04T12:00:00Z")), [JobId(0)]);
    }

    #[test]
    fn a_running_job_is_not_due_again_until_it_finished() {
        let start = utc("2026-05-05T10:00:00Z");
        let mut scheduler = Scheduler::new(
            vec![job("fast", "*/5 * * * * *"), job("hourly", "0 * * * *")],
            Oslo,
            &JobsState::default(),
            start,
        );
        let at = |seconds: i64| start + TimeDelta::seconds(seconds);
        assert_eq!(scheduler.due(at(5)), [JobId(0)]);
        scheduler.started(JobId(0), at(5));
        assert!(scheduler.due(at(5)).is_empty());
        assert!(scheduler.due(at(10)).is_empty());
        assert!(scheduler.due(at(15)).is_empty());
        assert_eq!(scheduler.jobs()[0].running_since, Some(at(5)));
        scheduler.finished(JobId(0), ok(), at(12));
        assert!(scheduler.due(at(14)).is_empty());
        assert_eq!(scheduler.due(at(15)), [JobId(0)]);
        assert_eq!(scheduler.jobs()[0].last_outcome, Some(&ok()));
    }

    #[test]
    fn an_overrunning_job_runs_once_more_not_once_per_missed_time() {
        let mut scheduler = Scheduler::new(
            vec![job("slow", "0 * * * *")],
            Oslo,
            &JobsState::default(),
            utc("2026-05-05T09:30:00Z"),
        );
        // Each run takes three and a half hours: it covers three times.
        let starts = simulate(
            &mut scheduler,
            "2026-05-05T09:30:00Z",
            "2026-05-05T20:00:00Z",
            TimeDelta::minutes(1),
            TimeDelta::minutes(210),
        );
        assert_eq!(
            times(&starts),
            [
                "2026-05-05T10:00:00Z",
                "2026-05-05T14:00:00Z",
                "2026-05-05T18:00:00Z"
            ]
            .map(utc)
        );
    }

    #[test]
    fn the_state_round_trips_through_json_and_schedules_the_same() {
        let now = utc("2026-05-05T10:17:00Z");
        let jobs = || vec![job("heartbeat", "0 * * * *"), job("verify", "0 3 * * *")];
        let mut scheduler = Scheduler::new(jobs(), Oslo, &JobsState::default(), now);
        let eleven = utc("2026-05-05T11:00:00Z");
        scheduler.started(JobId(0), eleven);
        scheduler.finished(
            JobId(0),
            Outcome::failure(Some(1), 1.25, "no store"),
            eleven + TimeDelta::seconds(1),
        );
        scheduler.started(JobId(0), utc("2026-05-05T12:00:00Z"));
        let state = scheduler.state();
        let json = serde_json::to_string_pretty(&state).unwrap();
        let read: JobsState = serde_json::from_str(&json).unwrap();
        assert_eq!(read, state);
        assert_eq!(
            read.jobs["heartbeat"].last_finished,
            Some(eleven + TimeDelta::seconds(1))
        );
        assert_eq!(
            read.jobs["heartbeat"].running_since,
            Some(utc("2026-05-05T12:00:00Z"))
        );
        assert!(json.contains("\"exit_code\": 1"), "{json}");
        assert_eq!(read.jobs["verify"].next, Some(utc("2026-05-06T01:00:00Z")));
        let empty: JobsState = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, JobsState::default());

        let restarted = Scheduler::new(jobs(), Oslo, &read, utc("2026-05-05T12:10:00Z"));
        assert!(restarted.due(utc("2026-05-05T12:10:00Z")).is_empty());
        assert_eq!(restarted.jobs()[0].next, Some(utc("2026-05-05T13:00:00Z")));
        assert_eq!(restarted.jobs()[0].running_since, None);
        assert_eq!(restarted.jobs()[1].next, Some(utc("2026-05-06T01:00:00Z")));
        // The heartbeat's run of 12:00 never finished, and 13:00 passed.
        let later = Scheduler::new(jobs(), Oslo, &read, utc("2026-05-05T13:05:00Z"));
        assert_eq!(later.due(utc("2026-05-05T13:05:00Z")), [JobId(0)]);
        assert_eq!(restarted.job(JobId(1)).map(Job::name), Some("verify"));
        assert!(restarted.job(JobId(2)).is_none());
    }
}
