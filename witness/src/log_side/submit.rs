//! Submitting the store's newest checkpoints to its witnesses and keeping
//! their cosignatures in the store.
//!
//! For each stream and witness: a cosigning witness gets the newest
//! checkpoint with a consistency proof from the last one it cosigned (as
//! the store's cosignature log remembers it, or as the witness says in a
//! 409), and its cosignature, checked with its key, is appended to the
//! store's `<stream>/cosignatures`; a directory witness gets a copy once
//! the copy it holds is proved to be a prefix of it. A witness that is
//! down is tried again on the next submission; nothing is lost meanwhile,
//! since every checkpoint extends the ones before it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use vakt_schemas::Stream;
use vakt_schemas::cosignature::{CosignatureVerifier, add_signature_lines};
use vakt_schemas::keyring::KeyRing;
use vakt_store::StoreReader;
use vakt_store::cosigned::append_cosigned;

use crate::client::{SubmitError, submit};
use crate::consistency::check_consistent;
use crate::directory::DirectoryWitness;
use crate::log_side::witnesses::Witness;
use crate::protocol::AddCheckpointRequest;

/// What one submission of one stream's checkpoint to one witness came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    /// The witness's name.
    pub witness: String,
    /// The stream.
    pub stream: Stream,
    /// The size of the checkpoint submitted.
    pub size: u64,
    /// What happened.
    pub outcome: SubmissionOutcome,
}

/// What happened to one submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubmissionOutcome {
    /// The witness cosigned at this POSIX time.
    Cosigned {
        /// The cosignature's timestamp.
        timestamp: u64,
    },
    /// The directory witness now holds the checkpoint.
    Copied,
    /// Nothing to do: the witness holds this checkpoint, recently cosigned.
    Current,
    /// The witness could not be reached or refused; tried again next time.
    Failed {
        /// Why, for a person.
        reason: String,
    },
}

/// Submits a store's checkpoints to its witnesses, remembering between
/// calls what each witness holds.
pub struct Submitter {
    store_root: PathBuf,
    witnesses: Vec<Witness>,
    /// Per witness name and stream: the size and time of the newest
    /// checkpoint it vouched for.
    vouched: BTreeMap<(String, Stream), (u64, u64)>,
    /// How old a cosignature may grow before the same checkpoint is
    /// submitted again (so a quiet stream keeps recent cosignatures).
    refresh: Duration,
}

impl Submitter {
    /// A submitter for the store at `store_root`.
    pub fn new(store_root: &Path, witnesses: Vec<Witness>, refresh: Duration) -> Self {
        Submitter {
            store_root: store_root.to_path_buf(),
            witnesses,
            vouched: BTreeMap::new(),
            refresh,
        }
    }

    /// Whether there is any witness to submit to.
    pub fn is_empty(&self) -> bool {
        self.witnesses.is_empty()
    }

    /// Submits each stream's newest checkpoint to every witness that does
    /// not hold it yet (all of them when `force`, e.g. on a heartbeat).
    pub fn submit(&mut self, force: bool) -> Vec<Submission> {
        let mut submissions = Vec::new();
        let reader = match StoreReader::open(&self.store_root) {
            Ok(reader) => reader,
            Err(error) => {
                for witness in &self.witnesses {
                    submissions.push(Submission {
                        witness: witness.name().to_string(),
                        stream: Stream::Audit,
                        size: 0,
                        outcome: SubmissionOutcome::Failed {
                            reason: format!("the store cannot be read: {error}"),
                        },
                    });
                }
                return submissions;
            }
        };
        let keys = match reader.keys() {
            Ok(keys) => keys,
            Err(error) => {
                return vec![Submission {
                    witness: String::new(),
                    stream: Stream::Audit,
                    size: 0,
                    outcome: SubmissionOutcome::Failed {
                        reason: format!("the store's keys cannot be read: {error}"),
                    },
                }];
            }
        };
        let now = unix_now();
        for stream in Stream::ALL {
            let Ok(Some(note)) = reader.latest_checkpoint(stream) else {
                continue;
            };
            let Ok(checkpoint) = keys.verify(&note) else {
                continue;
            };
            for index in 0..self.witnesses.len() {
                let name = self.witnesses[index].name().to_string();
                let key = (name.clone(), stream);
                if !force
                    && let Some((size, time)) = self.vouched.get(&key)
                    && *size == checkpoint.size
                    && now.saturating_sub(*time) < self.refresh.as_secs()
                {
                    continue;
                }
                let outcome = match &self.witnesses[index] {
                    Witness::Cosigning {
                        url,
                        verifier,
                        timeout,
                        ..
                    } => cosign(
                        &reader,
                        stream,
                        &note,
                        checkpoint.size,
                        url,
                        verifier.as_deref(),
                        *timeout,
                        self.vouched.get(&key).map(|(size, _)| *size),
                    ),
                    Witness::Directory { folder, .. } => {
                        copy_to_directory(&reader, &keys, stream, &note, folder)
                    }
                };
                match &outcome {
                    SubmissionOutcome::Cosigned { timestamp } => {
                        self.vouched.insert(key, (checkpoint.size, *timestamp));
                    }
                    SubmissionOutcome::Copied | SubmissionOutcome::Current => {
                        self.vouched.insert(key, (checkpoint.size, now));
                    }
                    SubmissionOutcome::Failed { .. } => {}
                }
                submissions.push(Submission {
                    witness: name,
                    stream,
                    size: checkpoint.size,
                    outcome,
                });
            }
        }
        submissions
    }
}

/// Asks a cosigning witness to cosign `note`, from the size it last
/// cosigned (`known`, else as the store's cosignature log says, else 0,
/// corrected once by the witness's 409), and keeps the cosignature.
#[allow(clippy::too_many_arguments)]
fn cosign(
    reader: &StoreReader,
    stream: Stream,
    note: &str,
    size: u64,
    url: &str,
    verifier: Option<&CosignatureVerifier>,
    timeout: Duration,
    known: Option<u64>,
) -> SubmissionOutcome {
    let Some(verifier) = verifier else {
        return failed(format!(
            "the witness at {url} has no key configured; its cosignatures cannot be checked"
        ));
    };
    let mut old_size = known
        .or_else(|| last_cosigned_size(reader, stream, verifier))
        .unwrap_or(0);
    for _attempt in 0..2 {
        if old_size > size {
            return failed(format!(
                "the witness cosigned {old_size} records of {stream} and the store now holds \
                 {size}: the store was cut back or replaced (run `vakt verify --witness {url}`)"
            ));
        }
        let proof = match reader.consistency_proof(stream, old_size, size) {
            Ok(proof) => proof,
            Err(error) => {
                return failed(format!(
                    "no consistency proof from the {old_size} records the witness holds: {error}"
                ));
            }
        };
        let request = AddCheckpointRequest {
            old_size,
            proof,
            checkpoint_note: note.to_string(),
        };
        match submit(url, &request, timeout) {
            Ok(lines) => return keep_cosignature(reader, stream, note, &lines, verifier),
            Err(SubmitError::Conflict { witness_size }) if witness_size != old_size => {
                old_size = witness_size;
            }
            Err(error) => return failed(error.to_string()),
        }
    }
    failed("the witness disagreed twice about the size it holds".to_string())
}

/// Checks the witness's cosignature lines on `note` and appends the
/// cosigned note to the store.
fn keep_cosignature(
    reader: &StoreReader,
    stream: Stream,
    note: &str,
    lines: &str,
    verifier: &CosignatureVerifier,
) -> SubmissionOutcome {
    let cosigned = match add_signature_lines(note, lines) {
        Ok(cosigned) => cosigned,
        Err(error) => return failed(format!("the cosignature is malformed: {error}")),
    };
    let cosignature = match verifier.verify(&cosigned) {
        Ok(cosignature) => cosignature,
        Err(error) => {
            return failed(format!(
                "the answer holds no valid cosignature by the configured key: {error}"
            ));
        }
    };
    if let Err(error) = append_cosigned(reader, stream, &cosigned) {
        return failed(format!("the cosignature could not be kept: {error}"));
    }
    SubmissionOutcome::Cosigned {
        timestamp: cosignature.timestamp,
    }
}

/// The size of the newest checkpoint of `stream` in the store's
/// cosignature log that `verifier` cosigned.
fn last_cosigned_size(
    reader: &StoreReader,
    stream: Stream,
    verifier: &CosignatureVerifier,
) -> Option<u64> {
    reader
        .cosigned(stream)
        .ok()?
        .iter()
        .filter(|note| verifier.verify(note).is_ok())
        .filter_map(|note| crate::consistency::checkpoint_of_note(note).ok())
        .map(|checkpoint| checkpoint.size)
        .max()
}

/// Copies `note` to a directory witness, once the copy it holds is proved
/// to be a prefix of it.
fn copy_to_directory(
    reader: &StoreReader,
    keys: &KeyRing,
    stream: Stream,
    note: &str,
    folder: &Path,
) -> SubmissionOutcome {
    if !folder.is_dir() {
        return failed(format!(
            "the directory witness {} does not exist: is its disk mounted? (make the folder once \
             with mkdir)",
            folder.display()
        ));
    }
    let directory = match DirectoryWitness::open(folder) {
        Ok(directory) => directory,
        Err(error) => return failed(error.to_string()),
    };
    let origin = reader.info().origin(stream);
    if let Ok(Some(held)) = directory.latest(&origin)
        && held == note
    {
        return SubmissionOutcome::Current;
    }
    let check = |held: Option<&str>| -> Result<(), String> {
        let Some(held) = held else {
            return Ok(());
        };
        let old = keys.verify(held).map_err(|error| {
            format!("the copy it holds does not verify with the store's keys: {error}")
        })?;
        let new = keys.verify(note).map_err(|error| error.to_string())?;
        if old.size > new.size {
            return Err(format!(
                "it holds {} records and the store {}: the store was cut back",
                old.size, new.size
            ));
        }
        let proof = reader
            .consistency_proof(stream, old.size, new.size)
            .map_err(|error| error.to_string())?;
        check_consistent(&old, &new, &proof).map_err(|error| error.to_string())
    };
    match directory.record(&origin, note, check) {
        Ok(()) => SubmissionOutcome::Copied,
        Err(error) => failed(error.to_string()),
    }
}

fn failed(reason: String) -> SubmissionOutcome {
    SubmissionOutcome::Failed { reason }
}

/// Seconds since 1970.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
