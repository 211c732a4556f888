//! What `vakt run` does between its reads: the jobs of its schedule, its
//! status file, and watching its configuration.
//!
//! [`Supervisor`] is the `vakt_ingest::follow::Between` of a run. After
//! each round of reading and committing it
//!
//! * collects the jobs that finished and records each in the audit
//!   stream, then starts the jobs that are due: the heartbeat, prune and
//!   compact itself (prune and compact with the run's own store writer,
//!   after committing what was read), the others as `vakt` child
//!   processes ([`Runner`]);
//! * writes the run's status (`vakt status` reads it) every
//!   [`STATUS_EVERY`] and when it stops;
//! * looks at the configuration file every [`CONFIG_EVERY`]: when it
//!   changed and is valid, the run stops so that it starts again with it
//!   (`reload_requested`); when it is not valid, it says so once and goes
//!   on with the configuration it has.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};
use vakt_ingest::IngestError;
use vakt_ingest::follow::{Between, Flow, FollowedSource, Follower};
use vakt_ingest::receiver::Receiver;
use vakt_schemas::config::Config;
use vakt_schemas::status::{JobStatus, RunStatus};
use vakt_schemas::{AuditEvent, Stream};
use vakt_store::append_audit;
use vakt_store::audit::os_user;

use crate::audit::audit_event;
use crate::job::{Action, Job, JobError};
use crate::runner::{Outcome, Runner};
use crate::scheduler::{JobId, JobState, JobsState, Scheduler};
use crate::witnessing::WitnessWorker;

/// How often the status file is written while the run is well.
pub const STATUS_EVERY: Duration = Duration::from_secs(2);
/// How often the configuration file is looked at.
pub const CONFIG_EVERY: Duration = Duration::from_secs(2);

/// The `command` of the run's own audit records (start, reload, stop).
pub const RUN_AUDIT_COMMAND: &str = "run";

/// The configuration file as the run uses it.
struct ConfigWatch {
    path: Option<PathBuf>,
    /// SHA-256 of the bytes the run started with (empty without a file).
    sha256: String,
    /// A changed version already refused, not to say so at every look.
    refused: Option<String>,
    last_look: Instant,
}

/// The schedule, the status file and the configuration watch of a run.
pub struct Supervisor {
    store_root: PathBuf,
    zone: Tz,
    scheduler: Scheduler,
    runner: Runner,
    retention_days: u32,
    /// Jobs running as child processes: when each started, and what it does.
    running: BTreeMap<JobId, (DateTime<Utc>, Action)>,
    config: ConfigWatch,
    status: RunStatus,
    last_status: Option<Instant>,
    reload: bool,
    /// Submits checkpoints to the configured witnesses, on its own thread.
    witnessing: Option<WitnessWorker>,
    /// The commit the witnesses were last asked about.
    witnessed_txn: u64,
}

impl Supervisor {
    /// A supervisor for a run of `config` (its time zone `zone`, read from `config_path`, whose
    /// bytes were `config_bytes`) on the store at `store_root`. Jobs run as
    /// `executable leading_args…` (vakt itself, with `--store` and
    /// `--config`); the schedule goes on from `previous`, the status the
    /// last run left.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: &Config,
        zone: Tz,
        config_path: Option<PathBuf>,
        config_bytes: &[u8],
        store_root: PathBuf,
        runner: Runner,
        previous: Option<&RunStatus>,
        now: DateTime<Utc>,
    ) -> Result<Supervisor, JobError> {
        let jobs = Job::from_configs(&config.jobs)?;
        let store_root_for_witnesses = store_root.clone();
        let previous_jobs = previous.map(jobs_state).unwrap_or_default();
        let scheduler = Scheduler::new(jobs, zone, &previous_jobs, now);
        let sha256 = if config_path.is_some() {
            config_sha256(config_bytes)
        } else {
            String::new()
        };
        let status = RunStatus {
            pid: std::process::id(),
            started: now.trunc_subsecs(0),
            updated: now.trunc_subsecs(0),
            config_sha256: sha256.clone(),
            ..RunStatus::default()
        };
        Ok(Supervisor {
            store_root,
            zone,
            scheduler,
            runner,
            retention_days: config.store.retention_days,
            running: BTreeMap::new(),
            config: ConfigWatch {
                path: config_path,
                sha256,
                refused: None,
                last_look: Instant::now(),
            },
            status,
            last_status: None,
            reload: false,
            witnessing: WitnessWorker::start(&store_root_for_witnesses, &config.witnesses)
                .map_err(|error| JobError::Witness {
                    detail: error.to_string(),
                })?,
            witnessed_txn: u64::MAX,
        })
    }

    /// Whether the run stopped because its configuration changed.
    pub fn reload_requested(&self) -> bool {
        self.reload
    }

    /// The jobs and when each runs next, for the start message.
    pub fn job_statuses(&self) -> Vec<JobStatus> {
        self.scheduler
            .jobs()
            .into_iter()
            .map(|status| {
                let state = JobState {
                    scheduled_since: None,
                    last_started: status.last_started,
                    last_finished: status.last_finished,
                    last_outcome: status.last_outcome.cloned(),
                    running_since: status.running_since,
                    next: status.next,
                };
                job_status(status.job, &state)
            })
            .collect()
    }

    /// Records a use of the store by the run itself in the audit stream.
    pub fn record(&self, detail: String, result: Option<String>) -> Result<(), String> {
        let event = AuditEvent {
            user: os_user(),
            command: RUN_AUDIT_COMMAND.to_string(),
            detail: Some(detail),
            rows: None,
            result,
        };
        append_audit(&self.store_root, event)
            .map(|_| ())
            .map_err(|error| format!("cannot record in the audit stream: {error}"))
    }

    fn collect_finished(&mut self, follower: &mut Follower<'_>, now: DateTime<Utc>) {
        for (id, outcome) in self.runner.finished() {
            let Some((started, action)) = self.running.remove(&id) else {
                continue;
            };
            self.finish(follower, id, started, &action, outcome, now);
        }
    }

    /// Records a job's run in the audit stream and the schedule.
    fn finish(
        &mut self,
        follower: &mut Follower<'_>,
        id: JobId,
        started: DateTime<Utc>,
        action: &Action,
        outcome: Outcome,
        now: DateTime<Utc>,
    ) {
        let Some(job) = self.scheduler.job(id) else {
            return;
        };
        let event = audit_event(job, action, started, &outcome);
        let verdict = if outcome.ok { "ok" } else { "FAILED" };
        follower.report(format!(
            "job {} ({}): {verdict} in {:.1} s{}",
            job.name(),
            job.kind(),
            outcome.seconds,
            if outcome.message.is_empty() {
                String::new()
            } else {
                format!(": {}", outcome.message)
            }
        ));
        if let Err(error) = append_audit(&self.store_root, event) {
            follower.report(format!(
                "problem: job {}: cannot record its run in the audit stream: {error}",
                job.name()
            ));
        }
        self.scheduler.finished(id, outcome, now);
    }

    fn start_due(
        &mut self,
        follower: &mut Follower<'_>,
        now: DateTime<Utc>,
        clock: Instant,
    ) -> Result<(), IngestError> {
        for id in self.scheduler.due(now) {
            let Some(job) = self.scheduler.job(id) else {
                continue;
            };
            let action = job.action(now, self.zone);
            let timeout = job.timeout();
            self.scheduler.started(id, now);
            match &action {
                Action::Heartbeat => {
                    let outcome =
                        Outcome::success(0.0, heartbeat_message(follower, &self.store_root));
                    if let Some(witnessing) = &self.witnessing {
                        witnessing.submit(true);
                    }
                    self.finish(follower, id, now, &action, outcome, now);
                }
                Action::Prune => {
                    let started = Instant::now();
                    let writer = follower.committed_writer(clock)?;
                    let outcome = match vakt_store::prune::prune(
                        writer,
                        self.retention_days,
                        now,
                        &os_user(),
                        false,
                    ) {
                        Ok(summary) => Outcome::success(
                            started.elapsed().as_secs_f64(),
                            format!(
                                "{} records in {} segments removed, cutoff {}",
                                summary.records.values().sum::<u64>(),
                                summary.segments.values().sum::<u64>(),
                                summary.cutoff.to_rfc3339()
                            ),
                        ),
                        Err(error) => Outcome::failure(
                            None,
                            started.elapsed().as_secs_f64(),
                            error.to_string(),
                        ),
                    };
                    self.finish(follower, id, now, &action, outcome, Utc::now());
                }
                Action::Compact => {
                    let started = Instant::now();
                    let writer = follower.committed_writer(clock)?;
                    let options = vakt_store::compaction::CompactOptions::default();
                    let outcome = match vakt_store::compaction::compact(
                        writer,
                        &options,
                        &os_user(),
                        &mut |_| {},
                    ) {
                        Ok(summary) => {
                            let (replaced, written) = summary.streams.values().fold(
                                (0, 0),
                                |(replaced, written), stream| {
                                    (
                                        replaced + stream.segments_replaced,
                                        written + stream.files_written,
                                    )
                                },
                            );
                            Outcome::success(
                                started.elapsed().as_secs_f64(),
                                format!("{replaced} segments merged into {written} files"),
                            )
                        }
                        Err(error) => Outcome::failure(
                            None,
                            started.elapsed().as_secs_f64(),
                            error.to_string(),
                        ),
                    };
                    self.finish(follower, id, now, &action, outcome, Utc::now());
                }
                Action::Commands(commands) => {
                    self.runner.start(id, commands.clone(), timeout);
                    self.running.insert(id, (now, action));
                }
            }
        }
        Ok(())
    }

    /// Looks at the configuration file: whether the run should stop to
    /// start again with a changed, valid one.
    fn config_changed(&mut self, follower: &mut Follower<'_>) -> bool {
        let Some(path) = &self.config.path else {
            return false;
        };
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) => {
                let key = format!("unreadable: {error}");
                if self.config.refused.as_deref() != Some(&key) {
                    follower.report(format!(
                        "problem: the configuration {} cannot be read ({error}); vakt run goes on \
                         with the one it started with",
                        path.display()
                    ));
                    self.config.refused = Some(key);
                }
                return false;
            }
        };
        let sha256 = config_sha256(&bytes);
        if sha256 == self.config.sha256 || self.config.refused.as_deref() == Some(&sha256) {
            return false;
        }
        if let Err(reason) = check_config(&bytes) {
            follower.report(format!(
                "problem: the configuration {} changed but cannot be used: {reason}; vakt run goes \
                 on with the one it started with (sha256 {}); fix the file and it is taken up",
                path.display(),
                self.config.sha256
            ));
            self.config.refused = Some(sha256);
            return false;
        }
        follower.report(format!(
            "note: the configuration {} changed (sha256 {sha256}): vakt run starts again with it",
            path.display()
        ));
        true
    }

    fn publish_status(
        &mut self,
        follower: &mut Follower<'_>,
        receiver: Option<&Receiver>,
        clock: Instant,
        now: DateTime<Utc>,
    ) {
        self.status.updated = now.trunc_subsecs(0);
        follower.fill_status(&mut self.status, receiver, clock);
        let state = self.scheduler.state();
        self.status.jobs = self
            .scheduler
            .jobs()
            .into_iter()
            .map(|status| {
                let job_state = state
                    .jobs
                    .get(status.job.name())
                    .cloned()
                    .unwrap_or_default();
                job_status(status.job, &job_state)
            })
            .collect();
        self.status.witnesses = self
            .witnessing
            .as_ref()
            .map(WitnessWorker::statuses)
            .unwrap_or_default();
        if let Err(error) = follower.writer().publish_run_status(&self.status) {
            follower.report(format!("problem: cannot write the run's status: {error}"));
        }
        self.last_status = Some(clock);
    }
}

impl Between for Supervisor {
    fn between(
        &mut self,
        follower: &mut Follower<'_>,
        receiver: Option<&Receiver>,
        clock: Instant,
    ) -> Result<Flow, IngestError> {
        let now = Utc::now();
        let txn = follower.writer().head().txn;
        if txn != self.witnessed_txn
            && let Some(witnessing) = &self.witnessing
        {
            self.witnessed_txn = txn;
            witnessing.submit(false);
        }
        self.collect_finished(follower, now);
        self.start_due(follower, now, clock)?;
        if clock.duration_since(self.config.last_look) >= CONFIG_EVERY {
            self.config.last_look = clock;
            if self.config_changed(follower) {
                self.reload = true;
                return Ok(Flow::Stop);
            }
        }
        let status_due = self
            .last_status
            .is_none_or(|last| clock.duration_since(last) >= STATUS_EVERY);
        if status_due {
            self.publish_status(follower, receiver, clock, now);
        }
        Ok(Flow::Continue)
    }

    fn stopped(&mut self, follower: &mut Follower<'_>, receiver: Option<&Receiver>) {
        let now = Utc::now();
        // Jobs still running as child processes go on by themselves; what
        // they do is recorded by them (spot-check draws, the report); here
        // only that the run did not wait for them.
        for (id, (started, action)) in std::mem::take(&mut self.running) {
            let outcome = Outcome::failure(
                None,
                (now - started).as_seconds_f64(),
                "vakt run stopped while the job ran; it was not waited for",
            );
            self.finish(follower, id, started, &action, outcome, now);
        }
        // The last commit goes to the witnesses before the run ends.
        if let Some(witnessing) = &self.witnessing
            && !witnessing.flush(crate::witnessing::FLUSH_WAIT)
        {
            follower.report(
                "problem: the witnesses did not answer within 20 s as the run stopped; the last \
                 commit is submitted when vakt run starts again"
                    .to_string(),
            );
        }
        if !self.reload {
            self.status.stopped = Some(now.trunc_subsecs(0));
        }
        self.publish_status(follower, receiver, Instant::now(), now);
    }
}

/// Whether `bytes` are a configuration a run can start with.
fn check_config(bytes: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "it is not UTF-8".to_string())?;
    let config = Config::parse(text).map_err(|error| error.to_string())?;
    config.time_zone().map_err(|error| error.to_string())?;
    FollowedSource::from_config(&config).map_err(|error| error.to_string())?;
    Job::from_configs(&config.jobs).map_err(|error| error.to_string())?;
    Ok(())
}

/// SHA-256 of a configuration file's bytes, lowercase hex, as the status
/// and the audit records name it.
pub fn config_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The heartbeat's message: the size of each stream, so that the audit
/// stream shows the store alive and growing.
fn heartbeat_message(follower: &mut Follower<'_>, store_root: &std::path::Path) -> String {
    // The store as committed now: audit appends commit beside the
    // run's writer, whose head does not see them.
    let fresh = vakt_store::StoreReader::open(store_root).ok();
    let head = match &fresh {
        Some(reader) => reader.head(),
        None => follower.writer().head(),
    };
    let sizes: Vec<String> = Stream::ALL
        .into_iter()
        .map(|stream| {
            let size = head.stream(stream).map_or(0, |stream| stream.tree_size);
            format!("{stream} {size}")
        })
        .collect();
    format!("alive; commit {}; {}", head.txn, sizes.join(", "))
}

/// The schedule's state as the status file shows it.
fn job_status(job: &Job, state: &JobState) -> JobStatus {
    let outcome = state.last_outcome.as_ref();
    JobStatus {
        name: job.name().to_string(),
        kind: job.kind().to_string(),
        schedule: job.schedule().expression().to_string(),
        scheduled_since: state.scheduled_since,
        last_started: state.last_started,
        last_finished: state.last_finished,
        last_ok: outcome.map(|outcome| outcome.ok),
        last_exit_code: outcome.and_then(|outcome| outcome.exit_code),
        last_seconds: outcome.map(|outcome| outcome.seconds),
        last_message: outcome.map(|outcome| outcome.message.clone()),
        running_since: state.running_since,
        next: state.next,
    }
}

/// The schedule's state as the last run's status file left it.
fn jobs_state(status: &RunStatus) -> JobsState {
    let jobs = status
        .jobs
        .iter()
        .map(|job| {
            let last_outcome = job.last_ok.map(|ok| Outcome {
                ok,
                exit_code: job.last_exit_code,
                seconds: job.last_seconds.unwrap_or(0.0),
                message: job.last_message.clone().unwrap_or_default(),
            });
            let state = JobState {
                scheduled_since: job.scheduled_since,
                last_started: job.last_started,
                last_finished: job.last_finished,
                last_outcome,
                running_since: job.running_since,
                next: job.next,
            };
            (job.name.clone(), state)
        })
        .collect();
    JobsState { jobs }
}
