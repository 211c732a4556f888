//! Witnessing while `vakt run` runs: a thread of its own submits the
//! store's newest checkpoints to the configured witnesses after each
//! commit, on each heartbeat, and every minute (which picks up the audit
//! appends other commands commit, retries a witness that was down, and
//! has quiet streams cosigned again every hour), so a slow or absent
//! witness never holds up a commit. When the run stops, its last commit
//! is submitted before it exits (waiting at most [`FLUSH_WAIT`]).

use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{SubsecRound, Utc};
use vakt_schemas::status::WitnessStatus;

use vakt_schemas::config::WitnessConfig;
use vakt_witness::log_side::submit::{Submission, SubmissionOutcome, Submitter};
use vakt_witness::log_side::witnesses::{Witness, WitnessSetupError};

/// How often the thread looks without being asked.
const TICK: Duration = Duration::from_secs(60);

/// How long a stopping run waits for its last submission.
pub const FLUSH_WAIT: Duration = Duration::from_secs(20);

/// How old a cosignature of an unchanged checkpoint may grow before it is
/// asked for again.
const REFRESH: Duration = Duration::from_secs(3600);

/// A request to the witnessing thread.
struct Request {
    /// Submit every stream's newest checkpoint to every witness, not only
    /// what changed.
    force: bool,
    /// Told when the submission is done.
    done: Option<Sender<()>>,
}

/// The witnessing thread; it ends when this is dropped.
pub struct WitnessWorker {
    requests: Sender<Request>,
    /// Each witness's last outcome, for `vakt status`.
    statuses: Arc<Mutex<Vec<WitnessStatus>>>,
}

impl WitnessWorker {
    /// Starts the thread for the store at `store_root`, or `None` when no
    /// witness is configured.
    pub fn start(
        store_root: &Path,
        configs: &[WitnessConfig],
    ) -> Result<Option<WitnessWorker>, WitnessSetupError> {
        if configs.is_empty() {
            return Ok(None);
        }
        let witnesses = configs
            .iter()
            .map(Witness::from_config)
            .collect::<Result<Vec<_>, _>>()?;
        let statuses = Arc::new(Mutex::new(
            witnesses
                .iter()
                .map(|witness| WitnessStatus {
                    name: witness.name().to_string(),
                    ..WitnessStatus::default()
                })
                .collect::<Vec<_>>(),
        ));
        let shared = Arc::clone(&statuses);
        let mut submitter = Submitter::new(store_root, witnesses, REFRESH);
        let (requests, incoming) = mpsc::channel::<Request>();
        std::thread::Builder::new()
            .name("vakt-witnessing".into())
            .spawn(move || {
                // Which witness failed for which stream, so a failure that
                // lasts is reported once, and again when it is over.
                let mut failing = std::collections::BTreeSet::new();
                loop {
                    let mut requests = match incoming.recv_timeout(TICK) {
                        Ok(request) => vec![request],
                        Err(RecvTimeoutError::Timeout) => Vec::new(),
                        Err(RecvTimeoutError::Disconnected) => return,
                    };
                    // Requests that piled up while submitting are one.
                    requests.extend(incoming.try_iter());
                    let force = requests.iter().any(|request| request.force);
                    let submissions = submitter.submit(force);
                    record(&shared, &submissions);
                    for submission in submissions {
                        let witness = submission.witness.clone();
                        let key = (witness.clone(), submission.stream);
                        match submission.outcome {
                            SubmissionOutcome::Failed { reason } => {
                                if failing.insert(key) {
                                    eprintln!(
                                        "problem: witness {witness} did not vouch for the \
                                         {} checkpoint of size {}: {reason}; retried every \
                                         minute",
                                        submission.stream, submission.size
                                    );
                                }
                            }
                            _ => {
                                if failing.remove(&key) {
                                    eprintln!(
                                        "note: witness {witness} vouches again for the {} \
                                         checkpoint",
                                        submission.stream
                                    );
                                }
                            }
                        }
                    }
                    for done in requests.into_iter().filter_map(|request| request.done) {
                        let _ = done.send(());
                    }
                }
            })
            .map_err(|error| {
                WitnessSetupError::Config(format!("cannot start the witnessing thread: {error}"))
            })?;
        Ok(Some(WitnessWorker { requests, statuses }))
    }

    /// Each witness's last outcome.
    pub fn statuses(&self) -> Vec<WitnessStatus> {
        self.statuses
            .lock()
            .map(|statuses| statuses.clone())
            .unwrap_or_default()
    }

    /// Asks for a submission of whatever changed (`force`: of every
    /// stream's newest checkpoint to every witness).
    pub fn submit(&self, force: bool) {
        let _ = self.requests.send(Request { force, done: None });
    }

    /// Submits what changed and waits for it, at most `wait` (the run's
    /// last commit, before it stops). `false` when it did not finish.
    pub fn flush(&self, wait: Duration) -> bool {
        let (done, finished) = mpsc::channel();
        let request = Request {
            force: false,
            done: Some(done),
        };
        if self.requests.send(request).is_err() {
            return false;
        }
        finished.recv_timeout(wait).is_ok()
    }
}

/// Notes a round of submissions in the witnesses' statuses: a witness
/// that failed for any stream shows the first such failure, one that
/// vouched for every stream it was asked about shows when.
fn record(statuses: &Mutex<Vec<WitnessStatus>>, submissions: &[Submission]) {
    let Ok(mut statuses) = statuses.lock() else {
        return;
    };
    let now = Utc::now().trunc_subsecs(0);
    for status in statuses.iter_mut() {
        let mine: Vec<&Submission> = submissions
            .iter()
            .filter(|submission| submission.witness == status.name)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let failure = mine
            .iter()
            .find_map(|submission| match &submission.outcome {
                SubmissionOutcome::Failed { reason } => {
                    Some(format!("{}: {reason}", submission.stream))
                }
                _ => None,
            });
        match failure {
            Some(problem) => {
                status.problem = Some(problem);
                status.failing_since.get_or_insert(now);
            }
            None => {
                status.problem = None;
                status.failing_since = None;
                status.last_vouched = Some(now);
            }
        }
    }
}
