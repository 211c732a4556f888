//! The witness's folder and the rules of `add-checkpoint`.
//!
//! ```text
//! <folder>/witness.key          the cosigning key (64 hex digits, mode 0600)
//! <folder>/witness.toml         its name and the logs it trusts (config.rs)
//! <folder>/witness.lock         held while a checkpoint is checked and stored
//! <folder>/logs/<hex sha256 of origin>.checkpoint
//!                               per origin, the latest cosigned checkpoint note
//! <folder>/refusals.jsonl       refused checkpoints whose signature verified
//! ```

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use vakt_schemas::checkpoint::{Checkpoint, CheckpointError};
use vakt_schemas::cosignature::{
    CosignatureError, CosignatureSigner, CosignatureVerifier, signature_lines,
    validate_cosigner_name,
};
use vakt_schemas::merkle::empty_root;

use crate::config::{ConfigError, WitnessConfig};
use crate::consistency::{ConsistencyError, check_consistent, checkpoint_of_note};
use crate::files::{FolderLock, checkpoint_file_name, read_optional, write_atomically};
use crate::key::{KeyFileError, create_key_file, read_key_file};
use crate::protocol::AddCheckpointRequest;
use crate::refusal::{REFUSALS_FILE, Refusal};

/// The key file in a witness's folder.
pub const KEY_FILE: &str = "witness.key";
/// The configuration file in a witness's folder.
pub const CONFIG_FILE: &str = "witness.toml";
/// The lock file in a witness's folder.
pub const LOCK_FILE: &str = "witness.lock";
/// The folder of the latest checkpoints in a witness's folder.
pub const LOGS_FOLDER: &str = "logs";

/// What goes wrong with a witness's folder.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// A file or folder cannot be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The key file is missing, unreadable, too open or malformed.
    #[error(transparent)]
    Key(#[from] KeyFileError),
    /// `witness.toml` is invalid.
    #[error("{path}: {source}")]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong with it.
        source: Box<ConfigError>,
    },
    /// `create` on a folder that already holds a witness.
    #[error("{path} already exists: this folder already holds a witness; open it instead")]
    AlreadyExists {
        /// The existing file.
        path: PathBuf,
    },
    /// An invalid witness name.
    #[error("invalid witness name: {0}")]
    InvalidName(CheckpointError),
    /// A stored checkpoint that does not parse.
    #[error(
        "stored checkpoint {path} is damaged ({source}); restore it from a backup, since \
         deleting it would let the witness cosign a rolled-back log"
    )]
    DamagedCheckpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong with it.
        source: CosignatureError,
    },
    /// A stored checkpoint of another origin than its file name says.
    #[error(
        "stored checkpoint {path} is of origin {origin:?}, not of the origin its name is the \
         hash of; restore it from a backup"
    )]
    MisplacedCheckpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// The origin found in it.
        origin: String,
    },
}

/// Why the witness did not cosign a checkpoint; [`AddError::status`] is the
/// HTTP status tlog-witness prescribes.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    /// The checkpoint is not a signed checkpoint note (400).
    #[error("checkpoint is malformed: {0}")]
    Malformed(CosignatureError),
    /// No trusted log has this origin (404).
    #[error("unknown log origin {origin:?}: this witness trusts no log of that origin")]
    UnknownOrigin {
        /// The checkpoint's origin.
        origin: String,
    },
    /// No signature verifies with a key trusted for the origin (403).
    #[error(
        "no signature on the checkpoint verifies with a key this witness trusts for {origin:?}; \
         if the log rotated its key, the witness's owner must trust the new one"
    )]
    NoTrustedSignature {
        /// The checkpoint's origin.
        origin: String,
    },
    /// The old size is larger than the checkpoint's (400).
    #[error("old size {old_size} is larger than the checkpoint's size {size}")]
    OldSizeTooLarge {
        /// The request's old size.
        old_size: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// The old size is not the size the witness cosigned last (409).
    #[error(
        "old size {old_size} is not the size of the latest checkpoint cosigned for this log, \
         {witness_size}; resubmit with a proof from {witness_size}"
    )]
    SizeMismatch {
        /// The request's old size.
        old_size: u64,
        /// The size of the latest cosigned checkpoint, 0 if none.
        witness_size: u64,
    },
    /// Same size as the cosigned checkpoint, different root (409).
    #[error(
        "checkpoint of {size} leaves has a different root than the one cosigned at that size: \
         the log has forked"
    )]
    Fork {
        /// The size of both checkpoints.
        size: u64,
    },
    /// The consistency proof does not verify (422).
    #[error("{0}")]
    Inconsistent(ConsistencyError),
    /// The witness's own folder failed it (500).
    #[error(transparent)]
    State(#[from] StateError),
    /// The witness could not cosign (500).
    #[error("cannot cosign: {0}")]
    Cosign(CosignatureError),
}

impl AddError {
    /// The HTTP status code of this refusal.
    pub fn status(&self) -> u16 {
        match self {
            AddError::Malformed(_) | AddError::OldSizeTooLarge { .. } => 400,
            AddError::NoTrustedSignature { .. } => 403,
            AddError::UnknownOrigin { .. } => 404,
            AddError::SizeMismatch { .. } | AddError::Fork { .. } => 409,
            AddError::Inconsistent(_) => 422,
            AddError::State(_) | AddError::Cosign(_) => 500,
        }
    }
}

/// A witness: its folder, its key, and one check-and-store at a time.
#[derive(Debug)]
pub struct WitnessState {
    /// The witness's folder.
    folder: PathBuf,
    /// The cosigning key, named as in `witness.toml` when opened.
    signer: CosignatureSigner,
    /// Held while a checkpoint is checked against the stored one and stored.
    lock: FolderLock,
}

impl WitnessState {
    /// Makes a new witness in `folder` (created with mode 0700 if missing):
    /// a new key and a `witness.toml` with this name and no trusted logs.
    /// Returns the witness's verifier key to give to log owners. Refuses a
    /// folder that already holds a witness.
    pub fn create(folder: &Path, name: &str) -> Result<String, StateError> {
        validate_cosigner_name(name).map_err(StateError::InvalidName)?;
        let io_error = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StateError::Io { path, source }
        };
        if !folder.exists() {
            std::fs::create_dir_all(folder).map_err(io_error(folder))?;
            std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o700))
                .map_err(io_error(folder))?;
        }
        for existing in [KEY_FILE, CONFIG_FILE] {
            let path = folder.join(existing);
            if path.exists() {
                return Err(StateError::AlreadyExists { path });
            }
        }
        let key = create_key_file(&folder.join(KEY_FILE))?;
        let config = WitnessConfig {
            name: name.to_string(),
            logs: Vec::new(),
        };
        let config_path = folder.join(CONFIG_FILE);
        write_atomically(&config_path, config.to_toml().as_bytes(), 0o644)
            .map_err(io_error(&config_path))?;
        let logs = folder.join(LOGS_FOLDER);
        std::fs::create_dir_all(&logs).map_err(io_error(&logs))?;
        Ok(signer_for(name, key)?.verifier().to_vkey())
    }

    /// Opens the witness in `folder`, refusing a key file that others than
    /// its owner may read.
    pub fn open(folder: &Path) -> Result<Self, StateError> {
        let key = read_key_file(&folder.join(KEY_FILE))?;
        let config = read_config(folder)?;
        let signer = signer_for(&config.name, key)?;
        let logs = folder.join(LOGS_FOLDER);
        std::fs::create_dir_all(&logs).map_err(|source| StateError::Io { path: logs, source })?;
        let lock_path = folder.join(LOCK_FILE);
        let lock = FolderLock::open(&lock_path).map_err(|source| StateError::Io {
            path: lock_path,
            source,
        })?;
        Ok(Self {
            folder: folder.to_path_buf(),
            signer,
            lock,
        })
    }

    /// The witness's name, its cosignature key name.
    pub fn name(&self) -> &str {
        self.signer.name()
    }

    /// The verifier of the witness's cosignatures.
    pub fn verifier(&self) -> CosignatureVerifier {
        self.signer.verifier()
    }

    /// The witness's verifier key string.
    pub fn vkey(&self) -> String {
        self.signer.verifier().to_vkey()
    }

    /// The witness's folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// The current `witness.toml`, read afresh.
    pub fn config(&self) -> Result<WitnessConfig, StateError> {
        read_config(&self.folder)
    }

    /// Trusts `vkey` (a log's signed-note verifier key) for every origin
    /// starting with `origin_prefix`, alongside keys already trusted for it.
    /// Takes effect for the next request, also in a running server.
    pub fn trust(&self, origin_prefix: &str, vkey: &str) -> Result<(), StateError> {
        let _guard = self.lock()?;
        let mut config = read_config(&self.folder)?;
        let path = self.folder.join(CONFIG_FILE);
        config
            .trust(origin_prefix, vkey)
            .map_err(|source| StateError::Config {
                path: path.clone(),
                source: Box::new(source),
            })?;
        write_atomically(&path, config.to_toml().as_bytes(), 0o644)
            .map_err(|source| StateError::Io { path, source })
    }

    /// Stops trusting `vkey` for the origins of `origin_prefix` (a key the
    /// log retired); returns whether it was trusted. Takes effect for the
    /// next request, also in a running server.
    pub fn untrust(&self, origin_prefix: &str, vkey: &str) -> Result<bool, StateError> {
        let _guard = self.lock()?;
        let mut config = read_config(&self.folder)?;
        let path = self.folder.join(CONFIG_FILE);
        if !config.untrust(origin_prefix, vkey) {
            return Ok(false);
        }
        write_atomically(&path, config.to_toml().as_bytes(), 0o644)
            .map_err(|source| StateError::Io { path, source })?;
        Ok(true)
    }

    /// The latest checkpoint note cosigned for `origin`, carrying the
    /// witness's cosignature; `None` if it never cosigned one.
    pub fn latest(&self, origin: &str) -> Result<Option<String>, StateError> {
        let path = self.checkpoint_path(origin);
        read_optional(&path).map_err(|source| StateError::Io { path, source })
    }

    /// The file holding the latest cosigned checkpoint of `origin`.
    pub fn checkpoint_path(&self, origin: &str) -> PathBuf {
        self.folder
            .join(LOGS_FOLDER)
            .join(checkpoint_file_name(origin))
    }

    /// Applies every rule of tlog-witness's `add-checkpoint` to `request`
    /// at `now` (POSIX seconds) and, when all pass, stores the cosigned
    /// checkpoint durably and returns the cosignature line. The check
    /// against the stored checkpoint and the store are one atomic step.
    pub fn add_checkpoint(
        &self,
        request: &AddCheckpointRequest,
        now: u64,
    ) -> Result<String, AddError> {
        let note = request.checkpoint_note.as_str();
        let checkpoint = checkpoint_of_note(note).map_err(AddError::Malformed)?;
        let origin = checkpoint.origin.clone();
        let _guard = self.lock()?;
        let verifiers = self.config()?.verifiers_for(&origin);
        if verifiers.is_empty() {
            return Err(AddError::UnknownOrigin { origin });
        }
        let Some(text) = verifiers
            .iter()
            .find_map(|verifier| verifier.verify_text(note).ok())
        else {
            return Err(AddError::NoTrustedSignature { origin });
        };
        if request.old_size > checkpoint.size {
            return Err(AddError::OldSizeTooLarge {
                old_size: request.old_size,
                size: checkpoint.size,
            });
        }
        let stored_note = self.latest(&origin)?;
        let stored = match &stored_note {
            Some(stored_note) => Some(self.parse_stored(&origin, stored_note)?),
            None => None,
        };
        let witness_size = stored.as_ref().map_or(0, |stored| stored.size);
        let refuse = |reason: &str| self.record_refusal(now, &origin, &stored_note, note, reason);
        if request.old_size != witness_size {
            if let Some(stored) = &stored
                && checkpoint.size <= stored.size
                && let Err(evidence) = check_consistent(stored, &checkpoint, &[])
            {
                refuse(&evidence.to_string())?;
            }
            return Err(AddError::SizeMismatch {
                old_size: request.old_size,
                witness_size,
            });
        }
        let baseline = stored.clone().unwrap_or_else(|| Checkpoint {
            origin: origin.clone(),
            size: 0,
            root: empty_root(),
            extensions: Vec::new(),
        });
        if let Err(inconsistency) = check_consistent(&baseline, &checkpoint, &request.proof) {
            if stored.is_some() {
                refuse(&inconsistency.to_string())?;
            }
            return Err(match inconsistency {
                ConsistencyError::Fork { size } => AddError::Fork { size },
                other => AddError::Inconsistent(other),
            });
        }
        let line = self.signer.cosign(text, now).map_err(AddError::Cosign)?;
        let cosigned = self.cosigned_note(text, note, &line);
        let path = self.checkpoint_path(&origin);
        write_atomically(&path, cosigned.as_bytes(), 0o644)
            .map_err(|source| StateError::Io { path, source })?;
        Ok(line)
    }

    /// The note to store: the checkpoint text, the submitted signature lines
    /// other than this witness's, and its new cosignature.
    fn cosigned_note(&self, text: &str, submitted: &str, line: &str) -> String {
        let own_prefix = format!("\u{2014} {} ", self.signer.name());
        let mut cosigned = format!("{text}\n");
        for other in signature_lines(submitted) {
            if !other.starts_with(&own_prefix) {
                cosigned.push_str(&other);
            }
        }
        cosigned.push_str(line);
        cosigned
    }

    /// Parses a stored checkpoint note, refusing one damaged or of another
    /// origin.
    fn parse_stored(&self, origin: &str, stored_note: &str) -> Result<Checkpoint, StateError> {
        let path = self.checkpoint_path(origin);
        let stored =
            checkpoint_of_note(stored_note).map_err(|source| StateError::DamagedCheckpoint {
                path: path.clone(),
                source,
            })?;
        if stored.origin != origin {
            return Err(StateError::MisplacedCheckpoint {
                path,
                origin: stored.origin,
            });
        }
        Ok(stored)
    }

    /// Appends a refusal to `refusals.jsonl`.
    fn record_refusal(
        &self,
        now: u64,
        origin: &str,
        stored_note: &Option<String>,
        submitted_note: &str,
        reason: &str,
    ) -> Result<(), StateError> {
        let path = self.folder.join(REFUSALS_FILE);
        Refusal::new(now, origin, stored_note.as_deref(), submitted_note, reason)
            .append_to(&path)
            .map_err(|source| StateError::Io { path, source })
    }

    /// Takes the folder's lock.
    fn lock(&self) -> Result<crate::files::FolderGuard<'_>, StateError> {
        self.lock.lock().map_err(|source| StateError::Io {
            path: self.folder.join(LOCK_FILE),
            source,
        })
    }
}

/// The cosigner of this name and key.
fn signer_for(name: &str, key: ed25519_dalek::SigningKey) -> Result<CosignatureSigner, StateError> {
    CosignatureSigner::new(name, key).map_err(|error| match error {
        CosignatureError::Note(source) => StateError::InvalidName(source),
        _ => StateError::InvalidName(CheckpointError::InvalidKeyName {
            name: name.to_string(),
        }),
    })
}

/// Reads and checks `witness.toml`.
fn read_config(folder: &Path) -> Result<WitnessConfig, StateError> {
    let path = folder.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| StateError::Io {
        path: path.clone(),
        source,
    })?;
    WitnessConfig::parse(&text).map_err(|source| StateError::Config {
        path,
        source: Box::new(source),
    })
}
