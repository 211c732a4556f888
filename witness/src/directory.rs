//! A directory witness, for setups without a second machine: a folder on
//! another mount or a USB disk that keeps, per origin, the latest
//! checkpoint note copied there, and an append-only history of every note
//! written. It holds no key and cosigns nothing; what it gives is a copy
//! out of the store's reach that a rolled-back or forked store no longer
//! matches.
//!
//! ```text
//! <folder>/<hex sha256 of origin>.checkpoint   the latest note of the origin
//! <folder>/history                             every note recorded, blank-line separated
//! <folder>/refusals.jsonl                      notes refused, with the reason
//! <folder>/witness.lock                        held while a note is checked and recorded
//! ```
//!
//! The caller, who holds the store, proves each new note consistent with
//! the stored one (see [`crate::check_consistent`]) in the check it passes
//! to [`DirectoryWitness::record`].

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use vakt_schemas::cosignature::CosignatureError;

use crate::consistency::checkpoint_of_note;
use crate::files::{
    FolderGuard, FolderLock, append_durably, checkpoint_file_name, read_optional, write_atomically,
};
use crate::refusal::{REFUSALS_FILE, Refusal};
use crate::state::LOCK_FILE;

/// The history file in a directory witness's folder.
pub const HISTORY_FILE: &str = "history";

/// Why a directory witness did not record a note.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// A file or folder cannot be read or written.
    #[error(
        "cannot access {path}: {source}; check that the witness folder is mounted and writable"
    )]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The note is not a checkpoint note.
    #[error("note to record is not a signed checkpoint: {0}")]
    Malformed(CosignatureError),
    /// The note is of another origin than the one it is recorded under.
    #[error("note is a checkpoint of {found:?}, not of {origin:?}")]
    OriginMismatch {
        /// The origin asked for.
        origin: String,
        /// The note's origin.
        found: String,
    },
    /// The caller's check refused the note; the refusal was recorded.
    #[error(
        "the directory witness refused the checkpoint of {origin:?}: {reason}; the refusal is \
         recorded in refusals.jsonl"
    )]
    Refused {
        /// The origin.
        origin: String,
        /// The check's reason.
        reason: String,
    },
}

/// A folder that keeps the latest checkpoint note of each origin.
#[derive(Debug)]
pub struct DirectoryWitness {
    /// The folder.
    folder: PathBuf,
    /// Held while a note is checked and recorded.
    lock: FolderLock,
}

impl DirectoryWitness {
    /// Opens the directory witness in `folder`, creating the folder if
    /// missing.
    pub fn open(folder: &Path) -> Result<Self, DirectoryError> {
        std::fs::create_dir_all(folder).map_err(|source| DirectoryError::Io {
            path: folder.to_path_buf(),
            source,
        })?;
        let lock_path = folder.join(LOCK_FILE);
        let lock = FolderLock::open(&lock_path).map_err(|source| DirectoryError::Io {
            path: lock_path,
            source,
        })?;
        Ok(Self {
            folder: folder.to_path_buf(),
            lock,
        })
    }

    /// The folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// The latest note recorded for `origin`, if any.
    pub fn latest(&self, origin: &str) -> Result<Option<String>, DirectoryError> {
        let path = self.folder.join(checkpoint_file_name(origin));
        read_optional(&path).map_err(|source| DirectoryError::Io { path, source })
    }

    /// Records `note` as the latest checkpoint of `origin`, if `check`
    /// accepts it given the note recorded so far (`None` for the first).
    /// A refusal is appended to `refusals.jsonl` with the check's reason.
    /// The history is appended before the latest note is replaced, each
    /// fsync'd; the same note recorded again changes nothing.
    pub fn record(
        &self,
        origin: &str,
        note: &str,
        check: impl FnOnce(Option<&str>) -> Result<(), String>,
    ) -> Result<(), DirectoryError> {
        let checkpoint = checkpoint_of_note(note).map_err(DirectoryError::Malformed)?;
        if checkpoint.origin != origin {
            return Err(DirectoryError::OriginMismatch {
                origin: origin.to_string(),
                found: checkpoint.origin,
            });
        }
        let _guard = self.lock()?;
        let stored = self.latest(origin)?;
        if let Err(reason) = check(stored.as_deref()) {
            let path = self.folder.join(REFUSALS_FILE);
            Refusal::new(unix_now(), origin, stored.as_deref(), note, &reason)
                .append_to(&path)
                .map_err(|source| DirectoryError::Io { path, source })?;
            return Err(DirectoryError::Refused {
                origin: origin.to_string(),
                reason,
            });
        }
        if stored.as_deref() == Some(note) {
            return Ok(());
        }
        let history = self.folder.join(HISTORY_FILE);
        append_durably(&history, &format!("{note}\n")).map_err(|source| DirectoryError::Io {
            path: history,
            source,
        })?;
        let path = self.folder.join(checkpoint_file_name(origin));
        write_atomically(&path, note.as_bytes(), 0o644)
            .map_err(|source| DirectoryError::Io { path, source })
    }

    /// Takes the folder's lock.
    fn lock(&self) -> Result<FolderGuard<'_>, DirectoryError> {
        self.lock.lock().map_err(|source| DirectoryError::Io {
            path: self.folder.join(LOCK_FILE),
            source,
        })
    }
}

/// The current POSIX time in seconds.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consistency::check_consistent;
    use crate::refusal::read_refusals;
    use ed25519_dalek::SigningKey;
    use vakt_schemas::checkpoint::{Checkpoint, NoteSigner, split_notes};
    use vakt_schemas::merkle::{Hash, consistency_proof, leaf_hash, root};

    const ORIGIN: &str = "vakt/0123456789abcdef/firewall";

    fn note(leaves: &[Hash]) -> String {
        let signer =
            NoteSigner::new("vakt-0123456789abcdef", SigningKey::from_bytes(&[5; 32])).unwrap();
        signer.sign(&Checkpoint {
            origin: ORIGIN.to_string(),
            size: leaves.len() as u64,
            root: root(leaves),
            extensions: Vec::new(),
        })
    }

    /// The check a store makes: the new note extends the stored one.
    fn extends(
        new_note: &str,
        proof: Vec<Hash>,
    ) -> impl FnOnce(Option<&str>) -> Result<(), String> {
        let new = checkpoint_of_note(new_note).unwrap();
        move |old: Option<&str>| {
            let Some(old) = old else { return Ok(()) };
            let old = checkpoint_of_note(old).map_err(|error| error.to_string())?;
            check_consistent(&old, &new, &proof).map_err(|error| error.to_string())
        }
    }

    #[test]
    fn records_consistent_notes_and_refuses_a_fork() {
        let folder = tempfile::tempdir().unwrap();
        let witness = DirectoryWitness::open(&folder.path().join("usb")).unwrap();
        let leaves: Vec<Hash> = (0u32..20).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        assert_eq!(witness.latest(ORIGIN).unwrap(), None);

        let first = note(&leaves[..7]);
        witness
            .record(ORIGIN, &first, extends(&first, Vec::new()))
            .unwrap();
        let second = note(&leaves);
        let proof = consistency_proof(&leaves, 7).unwrap();
        witness
            .record(ORIGIN, &second, extends(&second, proof))
            .unwrap();
        witness
            .record(ORIGIN, &second, extends(&second, Vec::new()))
            .unwrap();
        assert_eq!(
            witness.latest(ORIGIN).unwrap().as_deref(),
            Some(second.as_str())
        );

        let mut forked_leaves = leaves.clone();
        forked_leaves[3] = leaf_hash(b"changed");
        let forked = note(&forked_leaves);
        let error = witness
            .record(ORIGIN, &forked, extends(&forked, Vec::new()))
            .unwrap_err();
        assert!(matches!(error, DirectoryError::Refused { .. }), "{error}");
        assert!(error.to_string().contains("forked"), "{error}");
        assert_eq!(
            witness.latest(ORIGIN).unwrap().as_deref(),
            Some(second.as_str())
        );

        let history = std::fs::read_to_string(folder.path().join("usb/history")).unwrap();
        assert_eq!(split_notes(&history), vec![first, second.clone()]);
        let refusals = read_refusals(&folder.path().join("usb/refusals.jsonl")).unwrap();
        assert_eq!(refusals.len(), 1);
        assert_eq!(refusals[0].stored_note.as_deref(), Some(second.as_str()));
        assert_eq!(refusals[0].submitted_note, forked);

        assert!(matches!(
            witness.record("other/origin", &second, |_| Ok(())),
            Err(DirectoryError::OriginMismatch { .. })
        ));
        assert!(matches!(
            witness.record(ORIGIN, "not a note\n", |_| Ok(())),
            Err(DirectoryError::Malformed(_))
        ));
    }
}
