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

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use vakt_schemas::{Stream, layout};

use crate::files::{create_private_dirs, sync_dir, write_new_file};
use vakt_schemas::prune::leaves_path;

use crate::reader::{ReadError, StoreReader, check_segment_bytes, pruned_leaves};

/// A backup or restore could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists and is not empty; give a new or empty folder")]
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
/// `target` (a new or empty folder).
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
    if target.exists()
        && fs::read_dir(target)
            .map_err(io_error(target))?
            .next()
            .is_some()
    {
        return Err(BackupError::NotEmpty(target.to_path_buf()));
    }
    create_private_dirs(target).map_err(io_error(target))?;
    let root = store.root();
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
        let from = root.join(&entry.path);
        let bytes = fs::read(&from).map_err(io_error(&from))?;
        check_segment_bytes(entry, &bytes).map_err(|detail| BackupError::Tampered {
            path: from.clone(),
            detail,
        })?;
        let to = target.join(&entry.path);
        if let Some(dir) = to.parent() {
            create_private_dirs(dir).map_err(io_error(dir))?;
        }
        write_new_file(&to, &bytes).map_err(io_error(&to))?;
        summary.segments += 1;
        summary.bytes += bytes.len() as u64;
        on_progress(summary.bytes, total);
    }
    for stream in Stream::ALL {
        let dir = target.join(layout::stream_dir(stream));
        create_private_dirs(&dir).map_err(io_error(&dir))?;
        let (manifest_bytes, checkpoint_bytes) = store.committed_lengths(stream);
        copy_prefix(root, target, &layout::manifest(stream), manifest_bytes)?;
        copy_prefix(root, target, &layout::checkpoints(stream), checkpoint_bytes)?;
        let size = store.head().stream(stream).map_or(0, |head| head.tree_size);
        summary.records.insert(stream, size);
        sync_dir(&dir).map_err(io_error(&dir))?;
    }
    // What prunes kept of the segments they removed.
    if store.head().pruned_bytes > 0 {
        copy_prefix(root, target, layout::PRUNED, store.head().pruned_bytes)?;
        for segment in store.pruned()?.values() {
            let leaves = pruned_leaves(root, segment)?;
            let relative = leaves_path(&segment.path);
            let to = target.join(&relative);
            if let Some(dir) = to.parent() {
                create_private_dirs(dir).map_err(io_error(dir))?;
            }
            write_new_file(&to, &leaves.concat()).map_err(io_error(&to))?;
        }
    }
    copy_whole(root, target, layout::STORE_INFO)?;
    if with_key && root.join(layout::SIGNING_KEY).exists() {
        let keys = target.join("keys");
        create_private_dirs(&keys).map_err(io_error(&keys))?;
        copy_whole(root, target, layout::SIGNING_KEY)?;
        summary.key = true;
    }
    // The HEAD read when the copy began, as its file was then, last.
    let head_file = store.head_file().ok_or_else(|| BackupError::Io {
        path: root.join(layout::HEAD),
        source: std::io::Error::other("the store was not opened from its files"),
    })?;
    write_new_file(&target.join(layout::HEAD), head_file.as_bytes()).map_err(io_error(target))?;
    sync_dir(target).map_err(io_error(target))?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Copies the first `length` bytes of a log.
fn copy_prefix(root: &Path, target: &Path, relative: &str, length: u64) -> Result<(), BackupError> {
    let from = root.join(relative);
    let bytes = fs::read(&from).map_err(io_error(&from))?;
    let Some(prefix) = bytes.get(..length as usize) else {
        return Err(BackupError::Read(ReadError::Damaged {
            path: from,
            detail: format!("{} bytes where HEAD committed {length}", bytes.len()),
        }));
    };
    let to = target.join(relative);
    write_new_file(&to, prefix).map_err(io_error(&to))
}

fn copy_whole(root: &Path, target: &Path, relative: &str) -> Result<(), BackupError> {
    let from = root.join(relative);
    let bytes = fs::read(&from).map_err(io_error(&from))?;
    let to = target.join(relative);
    write_new_file(&to, &bytes).map_err(io_error(&to))
}
