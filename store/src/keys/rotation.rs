//! Rotating the signing key: the rotation note appended to the store's
//! `key-rotations`, the new key put in the key file's place and the
//! retired one kept beside it, and the completion of a rotation a crash
//! cut short (see `load_signer`).

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{SubsecRound, Utc};
use ed25519_dalek::SigningKey;
use vakt_schemas::checkpoint::{NoteSigner, NoteVerifier};
use vakt_schemas::head::StoreInfo;
use vakt_schemas::keyring::{KeyRing, KeyRotation};
use vakt_schemas::layout;

use super::{
    KeyError, KeyPlace, default_key_path, io, locate_key, parse_seed, read_key_file, signer_of,
    sync_parent, write_key_file, write_new_key,
};
use crate::storage::Storage;

/// Where the next rotation goes in the log: after its whole rotations (a
/// rotation cut short by a crash is written over).
fn rotations_length(storage: &Storage, info: &StoreInfo) -> Result<u64, KeyError> {
    let log_path = storage.path(layout::KEY_ROTATIONS);
    if !storage
        .exists(layout::KEY_ROTATIONS)
        .map_err(io(&log_path))?
    {
        return Ok(0);
    }
    let log = storage
        .read_to_string(layout::KEY_ROTATIONS)
        .map_err(io(&log_path))?;
    let first = NoteVerifier::parse(&info.verifier_key).map_err(|error| KeyError::Rotations {
        path: log_path.clone(),
        detail: error.to_string(),
    })?;
    let (_, length) =
        KeyRing::from_log_lenient(first, &info.origin_prefix, &log).map_err(|error| {
            KeyError::Rotations {
                path: log_path,
                detail: error.to_string(),
            }
        })?;
    Ok(length as u64)
}

/// The file a rotation writes the new key to before it takes the old
/// one's place.
pub(super) fn pending_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".new");
    PathBuf::from(name)
}

/// The name the retired key is kept under.
fn retired_path(path: &Path, retired: &SigningKey) -> PathBuf {
    let verifier_bytes = retired.verifying_key().to_bytes();
    let mut name = path.as_os_str().to_os_string();
    name.push(format!(".retired-{}", hex::encode(&verifier_bytes[..4])));
    PathBuf::from(name)
}

/// Puts the new key in place: the old file kept as `.retired-…`, the
/// pending one renamed over it.
pub(super) fn finish_rotation(
    path: &Path,
    pending: &Path,
    old: &SigningKey,
) -> Result<(), KeyError> {
    let retired = retired_path(path, old);
    if !retired.exists() {
        fs::hard_link(path, &retired).map_err(io(&retired))?;
    }
    fs::rename(pending, path).map_err(io(path))?;
    sync_parent(path)
}

/// Completes the rotation of a key kept inside the store: the retired key
/// is kept beside the new key file as `.retired-…`, the new key (waiting
/// in `pending`) takes the default file's place, and the store's copy goes.
pub(super) fn move_out_of_store(
    storage: &Storage,
    path: &Path,
    pending: &Path,
) -> Result<(), KeyError> {
    let in_store = storage.path(layout::SIGNING_KEY);
    if let Some(old_key) = storage
        .read_to_string(layout::SIGNING_KEY)
        .ok()
        .and_then(|text| parse_seed(&text))
    {
        let retired = retired_path(path, &old_key);
        if !retired.exists() {
            write_key_file(&retired, &old_key)?;
        }
    }
    fs::rename(pending, path).map_err(io(path))?;
    sync_parent(path)?;
    storage.remove(layout::SIGNING_KEY).map_err(io(&in_store))
}

/// What a rotation did.
#[derive(Debug)]
pub struct Rotated {
    /// The first commit the new key signs.
    pub txn: u64,
    /// The retired key.
    pub old: NoteVerifier,
    /// The key now in force.
    pub new: NoteVerifier,
    /// The key file, now holding the new key.
    pub key_file: PathBuf,
    /// Where the retired key was kept.
    pub retired_file: PathBuf,
}

/// Rotates the key of the store whose next commit is `next_txn`: the
/// caller holds the store's locks (`StoreWriter::rotate_key`). `new_key`
/// is a key file made with `vakt key new`, or `None` for a fresh key.
pub(crate) fn rotate(
    storage: &Storage,
    info: &StoreInfo,
    old: &NoteSigner,
    next_txn: u64,
    new_key: Option<&Path>,
) -> Result<Rotated, KeyError> {
    let place = locate_key(storage, info)?;
    let path = match &place {
        KeyPlace::InStore(_) => default_key_path(storage, info)?,
        other => other.path().to_path_buf(),
    };
    let pending = pending_path(&path);
    let new_seed = match new_key {
        Some(file) => read_key_file(file)?,
        None => {
            if pending.exists() {
                return Err(KeyError::Exists(pending));
            }
            write_new_key(&pending)?
        }
    };
    if new_key.is_some() {
        write_key_file(&pending, &new_seed)?;
    }
    let new = signer_of(&old.verifier(), new_seed)?;
    let rotation = KeyRotation {
        origin: KeyRotation::origin_for(&info.origin_prefix),
        txn: next_txn,
        old: old.verifier().to_vkey(),
        new: new.verifier().to_vkey(),
        time: Utc::now().trunc_subsecs(0),
    };
    let note = rotation
        .sign(old, &new)
        .map_err(|error| KeyError::Rotations {
            path: storage.path(layout::KEY_ROTATIONS),
            detail: error.to_string(),
        })?;
    let log_path = storage.path(layout::KEY_ROTATIONS);
    let length = rotations_length(storage, info)?;
    storage
        .append_at(
            layout::KEY_ROTATIONS,
            length,
            format!("{note}\n").as_bytes(),
        )
        .map_err(io(&log_path))?;
    let old_key = match &place {
        KeyPlace::InStore(_) => {
            let in_store = storage.path(layout::SIGNING_KEY);
            let text = storage
                .read_to_string(layout::SIGNING_KEY)
                .map_err(io(&in_store))?;
            parse_seed(&text).ok_or(KeyError::Malformed { path: in_store })?
        }
        _ => read_key_file(&path)?,
    };
    let retired_file = retired_path(&path, &old_key);
    if matches!(place, KeyPlace::InStore(_)) {
        move_out_of_store(storage, &path, &pending)?;
    } else {
        finish_rotation(&path, &pending, &old_key)?;
    }
    Ok(Rotated {
        txn: next_txn,
        old: old.verifier(),
        new: new.verifier(),
        key_file: path,
        retired_file,
    })
}
