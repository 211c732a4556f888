//! The signed `HEAD`, and who else may read a local store's files (made
//! folders 0700 and files 0600 by `storage/local.rs`, as the logs are
//! personal data).

use std::fs;
use std::path::Path;

use vakt_schemas::checkpoint::{CheckpointError, NoteSigner};
use vakt_schemas::head::{Head, StoreInfo, head_note_text, parse_head_file};
use vakt_schemas::keyring::KeyRing;

/// The signed note of `head`.
pub(crate) fn sign_head(
    signer: &NoteSigner,
    info: &StoreInfo,
    head: &Head,
) -> Result<String, CheckpointError> {
    signer.sign_text(&head_note_text(info, head))
}

/// Parses a `HEAD` file's text (or `HEAD.tmp`'s) after checking its
/// signature: by a key of the store, the one in force at the head's
/// commit. `Err` says what is wrong.
pub(crate) fn parse_signed_head(
    text: &str,
    info: &StoreInfo,
    keys: &KeyRing,
) -> Result<Head, String> {
    let (_, signed_by) = keys
        .verify_text(text)
        .map_err(|error| format!("its signature does not verify with the store's key: {error}"))?;
    let head = parse_head_file(info, text).map_err(|error| error.to_string())?;
    let expected = keys.index_at(head.txn);
    if signed_by != expected {
        return Err(format!(
            "it is signed with key {} but commit {} falls to key {}: a retired key signed it",
            keys.keys()[signed_by].verifier.fingerprint(),
            head.txn,
            keys.keys()[expected].verifier.fingerprint()
        ));
    }
    Ok(head)
}

/// What of the store at `root` a user other than its owner (and group)
/// can reach: the paths (relative, `.` for the root; at most `limit`)
/// that others may read or enter, with their modes. A folder others
/// cannot enter hides everything below it.
#[cfg(unix)]
pub fn exposed_paths(root: &Path, limit: usize) -> Vec<(String, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut exposed = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(path) = pending.pop() {
        if exposed.len() >= limit {
            break;
        }
        let Ok(metadata) = fs::symlink_metadata(&path) else {
            continue;
        };
        let mode = metadata.permissions().mode() & 0o777;
        let others_read = mode & 0o004 != 0;
        let others_enter = mode & 0o001 != 0;
        if others_read || (metadata.is_dir() && others_enter) {
            let relative = path
                .strip_prefix(root)
                .map(|relative| relative.display().to_string())
                .unwrap_or_default();
            let name = if relative.is_empty() {
                ".".to_string()
            } else {
                relative
            };
            exposed.push((name, mode));
        }
        if metadata.is_dir()
            && others_enter
            && let Ok(entries) = fs::read_dir(&path)
        {
            pending.extend(entries.flatten().map(|entry| entry.path()));
        }
    }
    exposed
}

#[cfg(not(unix))]
pub fn exposed_paths(_root: &Path, _limit: usize) -> Vec<(String, u32)> {
    Vec::new()
}
