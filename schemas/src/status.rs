//! `vakt run`'s status, as it writes it to `run/status.json` in the store
//! after each commit (and every few seconds when idle) and `vakt status`
//! reads it. It is not part of the tamper-evident record: the signed
//! `HEAD` and checkpoints are; this says what the running process is doing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The whole status file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunStatus {
    /// The process id of `vakt run`.
    pub pid: u32,
    pub started: DateTime<Utc>,
    /// When this status was written.
    pub updated: DateTime<Utc>,
    /// When the run stopped cleanly (SIGTERM, SIGINT); `null` while it runs
    /// or when it was killed.
    pub stopped: Option<DateTime<Utc>>,
    /// SHA-256 of the vakt.toml the run uses (empty without one).
    pub config_sha256: String,
    /// The run's last commit.
    pub last_commit: Option<DateTime<Utc>>,
    /// Commits since the run started.
    pub commits: u64,
    /// Records read and not committed yet.
    pub uncommitted_records: u64,
    /// Seconds the oldest of those has waited: the run's lag.
    pub lag_seconds: f64,
    /// Since the run started: records stored, lines quarantined, per reason.
    pub records_stored: u64,
    pub lines_quarantined: u64,
    pub quarantined_by_reason: BTreeMap<String, u64>,
    pub sources: Vec<SourceStatus>,
    pub listeners: Vec<ListenerStatus>,
    pub jobs: Vec<JobStatus>,
    /// The `[[witness]]` witnesses and how their last submissions went.
    #[serde(default)]
    pub witnesses: Vec<WitnessStatus>,
}

/// A `[[witness]]` as the run last submitted to it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WitnessStatus {
    pub name: String,
    /// When it last vouched for a checkpoint (cosigned, or a directory
    /// witness took the copy).
    pub last_vouched: Option<DateTime<Utc>>,
    /// Why its last submission failed; `null` when it succeeded.
    pub problem: Option<String>,
    /// When that failure was.
    pub failing_since: Option<DateTime<Utc>>,
}

/// A `[[source]]` and the files of it being followed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceStatus {
    pub name: String,
    pub path: String,
    pub files: Vec<FileStatus>,
}

/// A file being followed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FileStatus {
    pub path: String,
    /// Bytes read (the position after the last whole line).
    pub position: u64,
    /// Lines read.
    pub lines: u64,
    /// The file's size at the last look.
    pub size: u64,
    /// Bytes of a last line still waiting for its newline.
    pub pending_bytes: u64,
    /// Bytes not read yet: `size - position - pending_bytes`.
    pub unread_bytes: u64,
    /// Whether the file no longer matches the source's path (rotated away).
    pub rotated: bool,
}

/// A `[[listen]]` address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ListenerStatus {
    pub name: String,
    pub protocol: String,
    /// The address bound.
    pub address: String,
    /// Messages received since the run started.
    pub received: u64,
    /// UDP datagrams dropped because the queue was full.
    pub dropped: u64,
    /// TCP or TLS connections accepted.
    pub connections: u64,
}

/// A `[[job]]` of the schedule. The next start of `vakt run` goes on from
/// it (a time missed while vakt was down is caught up once).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobStatus {
    pub name: String,
    pub kind: String,
    pub schedule: String,
    /// Since when vakt schedules the job.
    pub scheduled_since: Option<DateTime<Utc>>,
    pub last_started: Option<DateTime<Utc>>,
    pub last_finished: Option<DateTime<Utc>>,
    /// Whether the last run succeeded, its exit code, how long it took and
    /// what it said (for a failure, the last line of its errors).
    pub last_ok: Option<bool>,
    pub last_exit_code: Option<i32>,
    pub last_seconds: Option<f64>,
    pub last_message: Option<String>,
    /// When the run in progress started; `null` when none is.
    pub running_since: Option<DateTime<Utc>>,
    pub next: Option<DateTime<Utc>>,
}

/// Whether `vakt run` runs, as its status file and the process table say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    /// Its process is there and wrote its status recently.
    Running,
    /// Its process is there but has not written its status for longer than
    /// it should: it hangs, or its store cannot be written.
    Stale,
    /// It stopped cleanly (SIGTERM, SIGINT).
    Stopped,
    /// It stopped without saying so: killed, crashed, or the machine went down.
    Dead,
    /// No `vakt run` ever wrote a status to this store.
    Never,
}

impl RunState {
    pub fn name(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Stale => "stale",
            RunState::Stopped => "stopped",
            RunState::Dead => "dead",
            RunState::Never => "never",
        }
    }
}

impl RunStatus {
    /// The run's state at `now`, given whether its process still exists
    /// (`None` when that cannot be told, e.g. from another machine) and
    /// how old a status may be while the run is well.
    pub fn state(
        &self,
        now: DateTime<Utc>,
        process_exists: Option<bool>,
        max_age: chrono::Duration,
    ) -> RunState {
        if self.stopped.is_some() {
            return RunState::Stopped;
        }
        if process_exists == Some(false) {
            return RunState::Dead;
        }
        if now - self.updated > max_age {
            return RunState::Stale;
        }
        RunState::Running
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;

    #[test]
    fn the_state_follows_the_stop_the_process_and_the_age() {
        let updated = Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap();
        let mut status = RunStatus {
            updated,
            ..RunStatus::default()
        };
        let max_age = Duration::seconds(30);
        let soon = updated + Duration::seconds(10);
        let late = updated + Duration::seconds(31);
        assert_eq!(status.state(soon, Some(true), max_age), RunState::Running);
        assert_eq!(status.state(soon, None, max_age), RunState::Running);
        assert_eq!(status.state(late, Some(true), max_age), RunState::Stale);
        assert_eq!(status.state(soon, Some(false), max_age), RunState::Dead);
        status.stopped = Some(soon);
        assert_eq!(status.state(late, Some(false), max_age), RunState::Stopped);
    }
}
