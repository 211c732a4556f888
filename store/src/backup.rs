//! Backups and restores: a copy of a store as one commit left it, taken
//! while writers go on committing, and that copy put back as a store.
//!
//! A backup is itself a store (the same layout), so `vakt verify --store
//! BACKUP` checks it and `vakt verify --against` a newer checkpoint tells
//! a backup of an older state. It holds exactly what one `HEAD` commits:
//! `store.json`, that `HEAD`, the committed part of every manifest and
//! checkpoint log, and every segment those manifest lines list. That needs
//! no lock: committed bytes never change (logs only grow past `HEAD`'s
//! lengths, segments are never rewritten), so a commit running meanwhile
//! changes nothing the copy reads. Every segment is checked against its
//! manifest line as it is copied, so a backup never carries a changed
//! file. The full-text index is not copied (it is rebuilt from the
//! records); the signing key only when asked for, as a backup that holds
//! it lets whoever holds the backup sign.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use vakt_schemas::{Stream, layout};

use vakt_schemas::prune::leaves_path;

use crate::reader::{ReadError, StoreReader, check_segment_bytes, pruned_leaves};
use crate::storage::Storage;

/// A backup or restore could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists and is not empty; give a new or empty folder (or object-storage prefix)")]
    NotEmpty(PathBuf),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} is not the segment file the manifest lists ({detail}); nothing was copied \
         past it, run `vakt verify` on the source"
    )]
    Tampered { path: PathBuf, detail: String },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What a backup or restore copied.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CopySummary {
    /// The commit the copy holds.
    pub txn: u64,
    /// Records per stream (the tree sizes of that commit).
    pub records: std::collections::BTreeMap<Stream, u64>,
    pub segments: u64,
    pub bytes: u64,
    /// Whether the signing key was copied.
    pub key: bool,
    pub seconds: f64,
}

/// Reports progress: bytes copied so far and in all.
pub type OnCopyProgress<'a> = &'a mut dyn FnMut(u64, u64);

/// Copies the store at `source` as its current `HEAD` commits it into
/// `target` (a new or empty folder, or an empty `s3://` prefix).
pub fn backup(
    source: &Path,
    target: &Path,
    with_key: bool,
    on_progress: OnCopyProgress<'_>,
) -> Result<CopySummary, BackupError> {
    let store = StoreReader::open(source)?;
    copy_committed(&store, target, with_key, on_progress)
}

/// Puts the backup at `source` back as a store in `target` (a new or
/// empty folder): the same copy as a backup, so the result holds exactly
/// what the backup's `HEAD` commits, each segment checked on the way.
pub fn restore(
    source: &Path,
    target: &Path,
    on_progress: OnCopyProgress<'_>,
) -> Result<CopySummary, BackupError> {
    let store = StoreReader::open(source)?;
    copy_committed(&store, target, true, on_progress)
}

fn copy_committed(
    store: &StoreReader,
    target: &Path,
    with_key: bool,
    on_progress: OnCopyProgress<'_>,
) -> Result<CopySummary, BackupError> {
    let started = Instant::now();
    let target_name = target;
    let target = Storage::open(target).map_err(io_error(target))?;
    let is_empty = match target.local_root() {
        Some(dir) => {
            !dir.exists()
                || std::fs::read_dir(dir)
                    .map_err(io_error(dir))?
                    .next()
                    .is_none()
        }
        None => target.list("").map_err(io_error(target_name))?.is_empty(),
    };
    if !is_empty {
        return Err(BackupError::NotEmpty(target_name.to_path_buf()));
    }
    if let Some(dir) = target.local_root() {
        crate::storage::local::create_private_dirs(dir).map_err(io_error(dir))?;
    }
    let source = store.storage();
    let mut entries = Vec::new();
    for stream in Stream::ALL {
        entries.extend(store.present_entries(stream)?);
    }
    let total: u64 = entries.iter().map(|entry| entry.file_size).sum();
    let mut summary = CopySummary {
        txn: store.head().txn,
        ..CopySummary::default()
    };
    for entry in &entries {
        let from = source.path(&entry.path);
        let bytes = source.read(&entry.path).map_err(io_error(&from))?;
        check_segment_bytes(entry, &bytes).map_err(|detail| BackupError::Tampered {
            path: from.clone(),
            detail,
        })?;
        create_in(&target, &entry.path, &bytes)?;
        summary.segments += 1;
        summary.bytes += bytes.len() as u64;
        on_progress(summary.bytes, total);
    }
    for stream in Stream::ALL {
        let (manifest_bytes, checkpoint_bytes) = store.committed_lengths(stream);
        copy_prefix(source, &target, &layout::manifest(stream), manifest_bytes)?;
        copy_prefix(
            source,
            &target,
            &layout::checkpoints(stream),
            checkpoint_bytes,
        )?;
        let size = store.head().stream(stream).map_or(0, |head| head.tree_size);
        summary.records.insert(stream, size);
    }
    // What prunes kept of the segments they removed.
    if store.head().pruned_bytes > 0 {
        copy_prefix(source, &target, layout::PRUNED, store.head().pruned_bytes)?;
        for segment in store.pruned()?.values() {
            let leaves = pruned_leaves(source, segment)?;
            create_in(&target, &leaves_path(&segment.path), &leaves.concat())?;
        }
    }
    copy_whole(source, &target, layout::STORE_INFO)?;
    // Without it no record whose nonce is derived can be read or verified.
    copy_whole(source, &target, layout::NONCE_KEY)?;
    // The key's rotations and the witnesses' cosignatures: each entry
    // proves itself, so the whole logs are copied.
    let mut proving = vec![layout::KEY_ROTATIONS.to_string()];
    proving.extend(
        Stream::ALL
            .iter()
            .map(|stream| layout::cosignatures(*stream)),
    );
    for relative in &proving {
        if source
            .exists(relative)
            .map_err(io_error(&source.path(relative)))?
        {
            copy_whole(source, &target, relative)?;
        }
    }
    if with_key {
        summary.key = copy_key(store, &target)?;
    }
    // The HEAD read when the copy began, as its file was then, last.
    let head_file = store.head_file().ok_or_else(|| BackupError::Io {
        path: source.path(layout::HEAD),
        source: std::io::Error::other("the store was not opened from its files"),
    })?;
    target
        .create_head(head_file)
        .map_err(io_error(&target.path(layout::HEAD)))?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

fn create_in(target: &Storage, relative: &str, bytes: &[u8]) -> Result<(), BackupError> {
    target
        .create(relative, bytes)
        .map_err(io_error(&target.path(relative)))
}

/// Copies the first `length` bytes of a log.
fn copy_prefix(
    source: &Storage,
    target: &Storage,
    relative: &str,
    length: u64,
) -> Result<(), BackupError> {
    let from = source.path(relative);
    let bytes = source.read(relative).map_err(io_error(&from))?;
    let Some(prefix) = bytes.get(..length as usize) else {
        return Err(BackupError::Read(ReadError::Damaged {
            path: from,
            detail: format!("{} bytes where HEAD committed {length}", bytes.len()),
        }));
    };
    create_in(target, relative, prefix)
}

fn copy_whole(source: &Storage, target: &Storage, relative: &str) -> Result<(), BackupError> {
    let bytes = source
        .read(relative)
        .map_err(io_error(&source.path(relative)))?;
    create_in(target, relative, &bytes)
}

/// Copies the store's signing key, from wherever it is kept, to the
/// target's default key file (`<target folder>.key`); `false` when the
/// store's key file is not there to copy.
fn copy_key(store: &StoreReader, target: &Storage) -> Result<bool, BackupError> {
    let source = store.storage();
    let key_error = |error: crate::keys::KeyError| BackupError::Io {
        path: source.root().to_path_buf(),
        source: std::io::Error::other(error.to_string()),
    };
    let key = match crate::keys::locate_key(source, store.info()).map_err(key_error)? {
        crate::keys::KeyPlace::InStore(_) => {
            let text = source
                .read_to_string(layout::SIGNING_KEY)
                .map_err(io_error(&source.path(layout::SIGNING_KEY)))?;
            match crate::keys::parse_seed(&text) {
                Some(key) => key,
                None => return Ok(false),
            }
        }
        place => match crate::keys::read_key_file(place.path()) {
            Ok(key) => key,
            Err(crate::keys::KeyError::Missing { .. }) => return Ok(false),
            Err(error) => return Err(key_error(error)),
        },
    };
    let destination = crate::keys::default_key_path(target, store.info()).map_err(key_error)?;
    // On object storage the default file is per store id, so the source's
    // own key file may be the destination already.
    if destination.exists() {
        let held = crate::keys::read_key_file(&destination).map_err(key_error)?;
        if held.to_bytes() == key.to_bytes() {
            return Ok(true);
        }
    }
    crate::keys::write_key_file(&destination, &key).map_err(key_error)?;
    Ok(true)
}
