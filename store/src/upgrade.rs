//! A format-2 store brought to format 3 in place (FORMAT.md §10): a nonce
//! key is made (`nonce.key`) and `store.json` says format 3; nothing
//! committed is rewritten, so every tree, checkpoint, proof and evidence
//! bundle stays valid. The segments format 2 wrote keep their random
//! nonces and stored leaf hashes; readers take every layout, and a
//! compaction rewrites them without the leaf hashes. The upgrade is
//! recorded in the audit stream by the store's first format-3 commit.

use std::path::{Path, PathBuf};

use serde::Serialize;
use vakt_schemas::AuditEvent;
use vakt_schemas::head::{FORMAT_VERSION, StoreInfo, UPGRADABLE_VERSION, parse_head_file};
use vakt_schemas::layout;

use crate::audit::append_audit;
use crate::commit::commit_lock;
use crate::nonce_key::{self, NonceKeyProblem};
use crate::storage::Storage;
use crate::writer::WriteError;

/// The `command` of an upgrade's audit record.
pub const UPGRADE_COMMAND: &str = "upgrade";

/// What an upgrade did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Upgraded {
    /// The store's format before and after.
    pub from_format: u32,
    pub to_format: u32,
    /// Whether this run made the nonce key (an interrupted upgrade may
    /// have made it already).
    pub nonce_key_created: bool,
    /// The audit record that says so, when the store was upgraded now.
    pub audit_seq: Option<u64>,
}

/// Why a store could not be upgraded.
#[derive(Debug, thiserror::Error)]
pub enum UpgradeError {
    #[error("{0} is not a vakt store (no store.json)")]
    NotAStore(PathBuf),
    #[error(
        "store format {found}: this vakt upgrades format {UPGRADABLE_VERSION} to \
         {FORMAT_VERSION} only"
    )]
    Unsupported { found: u32 },
    #[error("{path}: {detail}")]
    Damaged { path: PathBuf, detail: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    NonceKey(#[from] NonceKeyProblem),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Brings the store at `root` to format 3 and records it in the audit
/// stream as done by `user`. A store already of format 3 is left as it is.
pub fn upgrade(root: &Path, user: &str) -> Result<Upgraded, UpgradeError> {
    let storage = Storage::open(root).map_err(|source| UpgradeError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    let info_path = storage.path(layout::STORE_INFO);
    let io = |path: PathBuf| move |source| UpgradeError::Io { path, source };
    if !storage
        .exists(layout::STORE_INFO)
        .map_err(io(info_path.clone()))?
    {
        return Err(UpgradeError::NotAStore(root.to_path_buf()));
    }
    let text = storage
        .read_to_string(layout::STORE_INFO)
        .map_err(io(info_path.clone()))?;
    let mut info: StoreInfo =
        serde_json::from_str(&text).map_err(|error| UpgradeError::Damaged {
            path: info_path.clone(),
            detail: error.to_string(),
        })?;
    info.check_identity()
        .map_err(|detail| UpgradeError::Damaged {
            path: info_path.clone(),
            detail,
        })?;
    if info.format == FORMAT_VERSION {
        return Ok(Upgraded {
            from_format: FORMAT_VERSION,
            to_format: FORMAT_VERSION,
            nonce_key_created: false,
            audit_seq: None,
        });
    }
    if info.format != UPGRADABLE_VERSION {
        return Err(UpgradeError::Unsupported { found: info.format });
    }
    let nonce_key_created = {
        // No ingest runs meanwhile, and no commit: one of the old format
        // must not interleave with the new format's first.
        let lock_path = storage.path(layout::LOCK);
        let _ingest = storage
            .lock(layout::LOCK, false)
            .map_err(io(lock_path.clone()))?
            .ok_or(WriteError::Locked(lock_path))?;
        let _commit = commit_lock(&storage)?;
        // The key first: a crash before store.json changes leaves a
        // format-2 store with a key the next run keeps.
        let created = match nonce_key::load(&storage) {
            Ok(_) => false,
            Err(NonceKeyProblem::Missing) => {
                nonce_key::create(&storage).map_err(io(storage.path(layout::NONCE_KEY)))?;
                true
            }
            Err(problem) => return Err(problem.into()),
        };
        let (head_text, _) = storage
            .read_head()
            .map_err(io(storage.path(layout::HEAD)))?;
        let head = parse_head_file(&info, &head_text).map_err(|error| UpgradeError::Damaged {
            path: storage.path(layout::HEAD),
            detail: error.to_string(),
        })?;
        info.format = FORMAT_VERSION;
        info.format3_from_txn = Some(head.txn + 1);
        let mut text = serde_json::to_string_pretty(&info).unwrap_or_default();
        text.push('\n');
        storage
            .replace(layout::STORE_INFO, text.as_bytes())
            .map_err(io(info_path))?;
        created
    };
    let event = AuditEvent {
        user: user.to_string(),
        command: UPGRADE_COMMAND.to_string(),
        detail: Some(
            serde_json::json!({
                "from_format": UPGRADABLE_VERSION,
                "to_format": FORMAT_VERSION,
            })
            .to_string(),
        ),
        rows: None,
        result: Some(format!(
            "store format {UPGRADABLE_VERSION} upgraded to {FORMAT_VERSION}"
        )),
    };
    let audit_seq = Some(append_audit(root, event)?);
    Ok(Upgraded {
        from_format: UPGRADABLE_VERSION,
        to_format: FORMAT_VERSION,
        nonce_key_created,
        audit_seq,
    })
}
