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

use chrono::Utc;
use vakt_schemas::checkpoint::{Checkpoint, NoteSigner, NoteVerifier, split_notes};
use vakt_schemas::head::{Head, StoreInfo};
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::merkle::Hash;
use vakt_schemas::{Stream, layout};

use crate::files::parse_signed_head;
use crate::storage::{HeadVersion, InstallError, Storage};
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
    pub(crate) storage: &'a Storage,
    pub(crate) info: &'a StoreInfo,
    pub(crate) signer: &'a NoteSigner,
    pub(crate) origin: &'a dyn Fn(Stream) -> String,
}

impl Recovery<'_> {
    /// Brings the store to a clean committed state and returns its `HEAD`
    /// (`version` is the one of `HEAD` as read).
    pub(crate) fn run(
        &self,
        head: Head,
        version: &HeadVersion,
    ) -> Result<(Head, Recovered), WriteError> {
        self.check_manifests_within(&head)?;
        if self.exists(layout::HEAD_TEMP)?
            && let Some(next) = self.completable(&head)?
        {
            self.complete(&head, &next, version)?;
            return Ok((next.clone(), Recovered::Completed { txn: next.txn }));
        }
        let aside = self.set_aside(&head)?;
        Ok((head, aside))
    }

    fn inconsistent(&self, detail: String) -> WriteError {
        WriteError::Inconsistent {
            root: self.storage.root().to_path_buf(),
            detail,
        }
    }

    fn exists(&self, relative: &str) -> Result<bool, WriteError> {
        self.storage
            .exists(relative)
            .map_err(io_error(&self.storage.path(relative)))
    }

    fn length(&self, relative: &str) -> Result<u64, WriteError> {
        self.storage
            .len(relative)
            .map_err(io_error(&self.storage.path(relative)))
    }

    fn read(&self, relative: &str) -> Result<Vec<u8>, WriteError> {
        self.storage
            .read(relative)
            .map_err(io_error(&self.storage.path(relative)))
    }

    /// Every committed manifest line belongs to `HEAD`'s commit or an earlier one.
    fn check_manifests_within(&self, head: &Head) -> Result<(), WriteError> {
        for (stream, stream_head) in &head.streams {
            let Some(entry) =
                last_committed_entry(self.storage, *stream, stream_head.manifest_bytes)?
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
    fn completable(&self, head: &Head) -> Result<Option<Head>, WriteError> {
        let Ok(text) = self.storage.read_to_string(layout::HEAD_TEMP) else {
            return Ok(None);
        };
        let Ok(next) = parse_signed_head(
            &text,
            self.info,
            &vakt_schemas::keyring::KeyRing::new(self.signer.verifier(), &self.info.origin_prefix),
        ) else {
            return Ok(None);
        };
        if next.txn != head.txn + 1 {
            return Ok(None);
        }
        let pruned_length = if self.exists(layout::PRUNED)? {
            self.length(layout::PRUNED)?
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
            if self.length(&layout::manifest(stream))? != then.manifest_bytes {
                return Ok(None);
            }
            let written = self.read(&layout::checkpoints(stream))?;
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
    fn complete(&self, head: &Head, next: &Head, version: &HeadVersion) -> Result<(), WriteError> {
        for stream in Stream::ALL {
            let (Some(now), Some(then)) = (head.stream(stream), next.stream(stream)) else {
                continue;
            };
            if now == then {
                continue;
            }
            let expected = self.expected_note(next, stream)?;
            let relative = layout::checkpoints(stream);
            let written = self.length(&relative)? - now.checkpoints_bytes;
            let rest = &expected.as_bytes()[written as usize..];
            if !rest.is_empty() {
                self.storage
                    .append_at(&relative, now.checkpoints_bytes + written, rest)
                    .map_err(io_error(&self.storage.path(&relative)))?;
            }
        }
        match self.storage.install_head(version) {
            Ok(()) => Ok(()),
            Err(InstallError::Raced) => Err(WriteError::Raced { txn: next.txn }),
            Err(InstallError::Io(source)) => Err(WriteError::Io {
                path: self.storage.path(layout::HEAD),
                source,
            }),
        }
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
            for (relative, txn) in segment_files_after(self.storage, *stream, head.txn)? {
                if txn == next_txn {
                    moves.push(Move::File { relative });
                }
            }
        }
        if self.exists(layout::PRUNED)? && self.tail(layout::PRUNED, head.pruned_bytes)?.is_some() {
            moves.push(Move::Tail {
                relative: layout::PRUNED.to_string(),
                keep: head.pruned_bytes,
            });
        }
        if self.exists(layout::HEAD_TEMP)? {
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
        // Only the length, as a rule: the logs grow with every commit.
        let length = self.length(relative)?;
        if length < committed {
            return Err(WriteError::Damaged {
                path: self.storage.path(relative),
                detail: format!("{length} bytes where HEAD committed {committed}"),
            });
        }
        if length == committed {
            return Ok(None);
        }
        let bytes = self.read(relative)?;
        Ok(bytes.get(committed as usize..).map(<[u8]>::to_vec))
    }

    fn move_aside(&self, folder: &str, item: &Move) -> Result<(), WriteError> {
        let relative = match item {
            Move::Tail { relative, .. } => format!("{relative}.tail"),
            Move::File { relative } => relative.clone(),
        };
        let target = format!("{folder}/{relative}");
        let source = match item {
            Move::Tail { relative, .. } | Move::File { relative } => relative,
        };
        let failed = |path: &str| io_error_owned(self.storage.path(path));
        match item {
            Move::File { .. } => {
                self.storage
                    .rename(source, &target)
                    .map_err(failed(source))?;
            }
            Move::Tail { keep, .. } => {
                let bytes = self.read(source)?;
                self.storage
                    .replace(&target, &bytes[*keep as usize..])
                    .map_err(failed(&target))?;
                self.storage
                    .append_at(source, *keep, b"")
                    .map_err(failed(source))?;
            }
        }
        Ok(())
    }
}

fn io_error_owned(path: std::path::PathBuf) -> impl FnOnce(std::io::Error) -> WriteError {
    move |source| WriteError::Io { path, source }
}

/// One thing recovery moves aside.
enum Move {
    /// The text of a log past `keep` bytes.
    Tail { relative: String, keep: u64 },
    /// A whole file.
    File { relative: String },
}

/// Bytes read from the end of a manifest's committed text to find its last line.
const LAST_LINE_WINDOW: u64 = 16 * 1024;

/// The last manifest entry within the first `committed` bytes of a
/// stream's manifest, read from the end of that text.
pub(crate) fn last_committed_entry(
    storage: &Storage,
    stream: Stream,
    committed: u64,
) -> Result<Option<ManifestEntry>, WriteError> {
    if committed == 0 {
        return Ok(None);
    }
    let relative = layout::manifest(stream);
    let path = storage.path(&relative);
    let damaged = |detail: String| WriteError::Damaged {
        path: path.clone(),
        detail,
    };
    let length = storage.len(&relative).map_err(io_error(&path))?;
    if length < committed {
        return Err(damaged(format!(
            "{length} bytes where HEAD committed {committed}"
        )));
    }
    // The last line ends at `committed`: read backwards until a newline
    // before it is found (a line is a few kilobytes), not the whole log.
    let mut window = LAST_LINE_WINDOW.min(committed);
    let text = loop {
        let bytes = storage
            .read_range(&relative, committed - window..committed)
            .map_err(io_error(&path))?;
        let body = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
        if window == committed || body.contains(&b'\n') {
            break String::from_utf8(bytes)
                .map_err(|error| damaged(format!("not UTF-8: {error}")))?;
        }
        window = (window * 4).min(committed);
    };
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
    storage: &Storage,
    stream: Stream,
    committed_txn: u64,
) -> Result<Vec<(String, u64)>, WriteError> {
    let stream_dir = layout::stream_dir(stream);
    let files = storage
        .list(&stream_dir)
        .map_err(io_error(&storage.path(&stream_dir)))?;
    let mut found = Vec::new();
    for file in files {
        // <stream>/day=YYYY-MM-DD/<txn>-<first seq>.parquet, or
        // <stream>/compacted/<txn>-<first seq>.parquet
        let mut parts = file.relative.split('/');
        let (Some(_), Some(dir), Some(name), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if !layout::is_segment_dir(dir) {
            continue;
        }
        if let Some(txn) = layout::segment_txn(name).filter(|txn| *txn > committed_txn) {
            found.push((file.relative.clone(), txn));
        }
    }
    found.sort();
    Ok(found)
}
