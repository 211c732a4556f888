//! What an interrupted commit left behind, dealt with so that nothing a
//! commit vouched for is ever lost.
//!
//! A commit (`commit.rs`) writes, in this order: new segment files, its
//! manifest lines, the full-text index, `HEAD.tmp` (the new `HEAD`,
//! flushed), its signed checkpoints, and finally renames `HEAD.tmp` over
//! `HEAD`. `HEAD.tmp` is the commit's decision: once it is on disk, the
//! commit completes. So, under the commit lock, before each commit:
//!
//! - a `HEAD.tmp` that is the next commit (its `txn` is `HEAD`'s plus one,
//!   the manifests have exactly the lengths it names, and the checkpoint
//!   logs hold what `HEAD` committed followed by a beginning of the
//!   checkpoints it names) is **completed**: the rest of its checkpoints
//!   are signed again (Ed25519 signatures are deterministic, so the bytes
//!   are the same) and it is renamed over `HEAD`;
//! - otherwise the commit is **undone**, but nothing is deleted: manifest
//!   and checkpoint text past `HEAD`'s lengths, `HEAD.tmp` and segment
//!   files of commit `HEAD.txn + 1` that no committed manifest line lists
//!   are moved to `recovered/<time>-txn<txn>/` under their own paths.
//!
//! Some states no crash produces: a committed manifest line of a commit
//! after `HEAD`'s, manifest text past `HEAD` of more than the one next
//! commit, a valid signed checkpoint past `HEAD`'s lengths without the
//! `HEAD.tmp` that would complete it, or segment files of a commit after
//! the next one. They mean `HEAD` was replaced (by an older copy, or by
//! hand), and undoing would destroy committed data: the writer refuses
//! ([`WriteError::Inconsistent`]) and `vakt verify` reports the same.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};

use chrono::Utc;
use vakt_schemas::checkpoint::{Checkpoint, NoteSigner, NoteVerifier, split_notes};
use vakt_schemas::head::{Head, StoreInfo};
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::merkle::Hash;
use vakt_schemas::{Stream, layout};

use crate::files::{create_private_dirs, read_signed_head, sync_dir};
use crate::writer::{WriteError, io_error};

/// Where recovery puts what it undid.
pub const RECOVERED: &str = "recovered";

/// What recovery did before a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovered {
    /// Nothing was left over.
    Clean,
    /// An interrupted commit was completed: `HEAD` is now its `HEAD.tmp`.
    Completed { txn: u64 },
    /// An interrupted commit was undone; what it wrote is in `folder`.
    SetAside { txn: u64, folder: String },
}

/// The next commit's checkpoint of `stream` as `next` describes it.
pub(crate) fn checkpoint_of(origin: String, next: &Head, stream: Stream) -> Option<Checkpoint> {
    let stream_head = next.stream(stream)?;
    let root: Hash = hex::decode(&stream_head.root).ok()?.try_into().ok()?;
    Some(Checkpoint {
        origin,
        size: stream_head.tree_size,
        root,
        extensions: vec![format!("manifest {}", stream_head.last_entry_hash)],
    })
}

/// The store's files as recovery needs them.
pub(crate) struct Recovery<'a> {
    pub(crate) root: &'a Path,
    pub(crate) info: &'a StoreInfo,
    pub(crate) signer: &'a NoteSigner,
    pub(crate) origin: &'a dyn Fn(Stream) -> String,
}

impl Recovery<'_> {
    /// Brings the store to a clean committed state and returns its `HEAD`.
    pub(crate) fn run(&self, head: Head) -> Result<(Head, Recovered), WriteError> {
        self.check_manifests_within(&head)?;
        let temp = self.root.join(layout::HEAD_TEMP);
        if temp.exists()
            && let Some(next) = self.completable(&head, &temp)?
        {
            self.complete(&head, &next)?;
            return Ok((next.clone(), Recovered::Completed { txn: next.txn }));
        }
        let aside = self.set_aside(&head)?;
        Ok((head, aside))
    }

    fn inconsistent(&self, detail: String) -> WriteError {
        WriteError::Inconsistent {
            root: self.root.to_path_buf(),
            detail,
        }
    }

    /// Every committed manifest line belongs to `HEAD`'s commit or an earlier one.
    fn check_manifests_within(&self, head: &Head) -> Result<(), WriteError> {
        for (stream, stream_head) in &head.streams {
            let Some(entry) = last_committed_entry(self.root, *stream, stream_head.manifest_bytes)?
            else {
                continue;
            };
            if entry.txn > head.txn {
                return Err(self.inconsistent(format!(
                    "the {stream} manifest commits a segment of commit {} but HEAD names commit {}: \
                     HEAD is behind its manifests",
                    entry.txn, head.txn
                )));
            }
        }
        Ok(())
    }

    /// `HEAD.tmp` when it is the next commit and can be completed.
    fn completable(&self, head: &Head, temp: &Path) -> Result<Option<Head>, WriteError> {
        let Ok(next) = read_signed_head(temp, self.info, &self.signer.verifier()) else {
            return Ok(None);
        };
        if next.txn != head.txn + 1 {
            return Ok(None);
        }
        let pruned = self.root.join(layout::PRUNED);
        let pruned_length = if pruned.exists() {
            file_length(&pruned)?
        } else {
            0
        };
        if pruned_length != next.pruned_bytes {
            return Ok(None);
        }
        for stream in Stream::ALL {
            let (Some(now), Some(then)) = (head.stream(stream), next.stream(stream)) else {
                return Ok(None);
            };
            let manifest = self.root.join(layout::manifest(stream));
            if file_length(&manifest)? != then.manifest_bytes {
                return Ok(None);
            }
            let checkpoints = self.root.join(layout::checkpoints(stream));
            let written = fs::read(&checkpoints).map_err(io_error(&checkpoints))?;
            let committed = now.checkpoints_bytes as usize;
            let Some(tail) = written.get(committed..) else {
                return Ok(None);
            };
            if now == then {
                if !tail.is_empty() {
                    return Ok(None);
                }
                continue;
            }
            let expected = self.expected_note(&next, stream)?;
            if !expected.as_bytes().starts_with(tail)
                || then.checkpoints_bytes != now.checkpoints_bytes + expected.len() as u64
            {
                return Ok(None);
            }
        }
        Ok(Some(next))
    }

    /// The checkpoint text (note and blank line) the commit `next` appends for `stream`.
    fn expected_note(&self, next: &Head, stream: Stream) -> Result<String, WriteError> {
        let checkpoint = checkpoint_of((self.origin)(stream), next, stream)
            .ok_or_else(|| self.inconsistent(format!("HEAD.tmp names no valid {stream} root")))?;
        let note = self.signer.try_sign(&checkpoint).map_err(|error| {
            self.inconsistent(format!(
                "cannot sign the {stream} checkpoint again: {error}"
            ))
        })?;
        Ok(format!("{note}\n"))
    }

    /// Appends the checkpoints `next` names that are not written yet and
    /// makes `next` the `HEAD`.
    fn complete(&self, head: &Head, next: &Head) -> Result<(), WriteError> {
        for stream in Stream::ALL {
            let (Some(now), Some(then)) = (head.stream(stream), next.stream(stream)) else {
                continue;
            };
            if now == then {
                continue;
            }
            let expected = self.expected_note(next, stream)?;
            let path = self.root.join(layout::checkpoints(stream));
            let written = file_length(&path)? - now.checkpoints_bytes;
            let rest = &expected.as_bytes()[written as usize..];
            if !rest.is_empty() {
                crate::files::append_at(&path, now.checkpoints_bytes + written, rest)
                    .map_err(io_error(&path))?;
            }
        }
        let temp = self.root.join(layout::HEAD_TEMP);
        fs::rename(&temp, self.root.join(layout::HEAD)).map_err(io_error(&temp))?;
        sync_dir(self.root).map_err(io_error(self.root))
    }

    /// Undoes an interrupted commit by moving what it wrote aside, after
    /// checking that it was at most the one next commit and signed nothing.
    fn set_aside(&self, head: &Head) -> Result<Recovered, WriteError> {
        let next_txn = head.txn + 1;
        let mut moves: Vec<Move> = Vec::new();
        for (stream, stream_head) in &head.streams {
            let manifest = layout::manifest(*stream);
            if let Some(tail) = self.tail(&manifest, stream_head.manifest_bytes)? {
                for line in String::from_utf8_lossy(&tail).lines() {
                    let txn = ManifestEntry::from_line(line).ok().map(|entry| entry.txn);
                    if txn.is_some_and(|txn| txn != next_txn) {
                        return Err(self.inconsistent(format!(
                            "{manifest} holds, past what HEAD commits, a segment of commit {} while \
                             HEAD names commit {}: HEAD is behind its manifest",
                            txn.unwrap_or_default(),
                            head.txn
                        )));
                    }
                }
                moves.push(Move::Tail {
                    relative: manifest,
                    keep: stream_head.manifest_bytes,
                });
            }
            let checkpoints = layout::checkpoints(*stream);
            if let Some(tail) = self.tail(&checkpoints, stream_head.checkpoints_bytes)? {
                let text = String::from_utf8_lossy(&tail);
                let verifier: NoteVerifier = self.signer.verifier();
                if let Some(signed) = split_notes(&text)
                    .iter()
                    .find_map(|note| verifier.verify(note).ok())
                {
                    return Err(self.inconsistent(format!(
                        "{checkpoints} holds, past what HEAD commits, a signed checkpoint of {} \
                         records while HEAD commits {}: HEAD is behind what the store signed",
                        signed.size, stream_head.tree_size
                    )));
                }
                moves.push(Move::Tail {
                    relative: checkpoints,
                    keep: stream_head.checkpoints_bytes,
                });
            }
            // Files named for a later commit than the next are left where
            // they are (nothing vouches for them, and they may be evidence
            // that HEAD was put back); `vakt verify` reports them.
            for (relative, txn) in segment_files_after(self.root, *stream, head.txn)? {
                if txn == next_txn {
                    moves.push(Move::File { relative });
                }
            }
        }
        if self.root.join(layout::PRUNED).exists()
            && self.tail(layout::PRUNED, head.pruned_bytes)?.is_some()
        {
            moves.push(Move::Tail {
                relative: layout::PRUNED.to_string(),
                keep: head.pruned_bytes,
            });
        }
        if self.root.join(layout::HEAD_TEMP).exists() {
            moves.push(Move::File {
                relative: layout::HEAD_TEMP.to_string(),
            });
        }
        if moves.is_empty() {
            return Ok(Recovered::Clean);
        }
        let folder = format!(
            "{RECOVERED}/{}-txn{next_txn:010}",
            Utc::now().format("%Y%m%dT%H%M%S%6fZ")
        );
        for item in &moves {
            self.move_aside(&folder, item)?;
        }
        Ok(Recovered::SetAside {
            txn: next_txn,
            folder,
        })
    }

    /// The bytes of a log past `committed`, when there are any. A log
    /// shorter than `HEAD` commits is damage recovery cannot mend.
    fn tail(&self, relative: &str, committed: u64) -> Result<Option<Vec<u8>>, WriteError> {
        let path = self.root.join(relative);
        let bytes = fs::read(&path).map_err(io_error(&path))?;
        let length = bytes.len() as u64;
        if length < committed {
            return Err(WriteError::Damaged {
                path,
                detail: format!("{length} bytes where HEAD committed {committed}"),
            });
        }
        if length == committed {
            return Ok(None);
        }
        Ok(Some(bytes[committed as usize..].to_vec()))
    }

    fn move_aside(&self, folder: &str, item: &Move) -> Result<(), WriteError> {
        let relative = match item {
            Move::Tail { relative, .. } => format!("{relative}.tail"),
            Move::File { relative } => relative.clone(),
        };
        let target = self.root.join(folder).join(&relative);
        if let Some(parent) = target.parent() {
            create_private_dirs(parent).map_err(io_error(parent))?;
        }
        let source = self.root.join(match item {
            Move::Tail { relative, .. } | Move::File { relative } => relative,
        });
        match item {
            Move::File { .. } => {
                fs::rename(&source, &target).map_err(io_error(&source))?;
            }
            Move::Tail { keep, .. } => {
                let bytes = fs::read(&source).map_err(io_error(&source))?;
                crate::files::write_synced(&target, &bytes[*keep as usize..])
                    .map_err(io_error(&target))?;
                let file = OpenOptions::new()
                    .write(true)
                    .open(&source)
                    .map_err(io_error(&source))?;
                file.set_len(*keep).map_err(io_error(&source))?;
                file.sync_all().map_err(io_error(&source))?;
            }
        }
        if let Some(parent) = target.parent() {
            sync_dir(parent).map_err(io_error(parent))?;
        }
        Ok(())
    }
}

/// One thing recovery moves aside.
enum Move {
    /// The text of a log past `keep` bytes.
    Tail { relative: String, keep: u64 },
    /// A whole file.
    File { relative: String },
}

fn file_length(path: &Path) -> Result<u64, WriteError> {
    Ok(fs::metadata(path).map_err(io_error(path))?.len())
}

/// The last manifest entry within the first `committed` bytes of a
/// stream's manifest, read from the end of that text.
pub(crate) fn last_committed_entry(
    root: &Path,
    stream: Stream,
    committed: u64,
) -> Result<Option<ManifestEntry>, WriteError> {
    if committed == 0 {
        return Ok(None);
    }
    let path = root.join(layout::manifest(stream));
    let bytes = fs::read(&path).map_err(io_error(&path))?;
    let damaged = |detail: String| WriteError::Damaged {
        path: path.clone(),
        detail,
    };
    let text = bytes.get(..committed as usize).ok_or_else(|| {
        damaged(format!(
            "{} bytes where HEAD committed {committed}",
            bytes.len()
        ))
    })?;
    let text = std::str::from_utf8(text).map_err(|error| damaged(format!("not UTF-8: {error}")))?;
    let Some(line) = text.lines().last() else {
        return Ok(None);
    };
    ManifestEntry::from_line(line)
        .map(Some)
        .map_err(|error| damaged(format!("last committed entry unreadable: {error}")))
}

/// Segment files of a stream written by commits after `committed_txn`,
/// with their commit numbers.
pub(crate) fn segment_files_after(
    root: &Path,
    stream: Stream,
    committed_txn: u64,
) -> Result<Vec<(String, u64)>, WriteError> {
    let stream_dir: PathBuf = root.join(layout::stream_dir(stream));
    let Ok(days) = fs::read_dir(&stream_dir) else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for day in days.flatten() {
        let day_path = day.path();
        if !day_path.is_dir() {
            continue;
        }
        let day_name = day.file_name().to_string_lossy().into_owned();
        for file in fs::read_dir(&day_path)
            .map_err(io_error(&day_path))?
            .flatten()
        {
            let name = file.file_name().to_string_lossy().into_owned();
            if let Some(txn) = layout::segment_txn(&name).filter(|txn| *txn > committed_txn) {
                let relative = format!("{}/{day_name}/{name}", layout::stream_dir(stream));
                found.push((relative, txn));
            }
        }
    }
    found.sort();
    Ok(found)
}
