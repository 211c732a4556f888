//! When `vakt run` runs its jobs, and what they run: the `[[job]]` tables
//! of `vakt.toml` checked into [`Job`]s, their cron schedules evaluated in
//! the configured time zone ([`JobSchedule`]), which jobs are due at a
//! given moment, with one catch-up run for a time missed while vakt was
//! not running ([`Scheduler`]), the `vakt` command lines a job runs as
//! child processes ([`Runner`]), and the audit record of each run
//! ([`audit_event`]). Time is always passed in, never read, so the
//! schedule can be tested on a clock the test controls; `vakt run` does
//! the heartbeat, prune and compact jobs itself, with its own store writer.
//!
//! [`Supervisor`] puts it together for `vakt run`: between the reads of
//! `vakt_ingest::follow` it runs the due jobs, writes the run's status
//! and watches the configuration file.

mod audit;
mod job;
mod runner;
mod schedule;
mod scheduler;
mod supervisor;
mod witnessing;

pub use audit::{AUDIT_COMMAND, audit_event};
pub use job::{Action, Job, JobError, ReviewLanguage, Task};
pub use runner::{Outcome, Runner};
pub use schedule::{JobSchedule, ScheduleError};
pub use scheduler::{JobId, JobState, JobStatus, JobsState, Scheduler};
pub use supervisor::{CONFIG_EVERY, RUN_AUDIT_COMMAND, STATUS_EVERY, Supervisor, config_sha256};
pub use vakt_schemas::config::{JobConfig, JobKind};
