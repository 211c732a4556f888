//! The store's one writer: takes the lock, finishes what an interrupted
//! commit left behind, and appends commits.
//!
//! A commit writes, in this order: new segment files (never overwriting),
//! the new manifest lines, the new signed checkpoints, and then `HEAD`
//! through an atomic rename. Until that rename nothing of the commit counts:
//! readers read the manifest and checkpoint logs only up to the lengths
//! `HEAD` gives, and the next writer cuts them back to those lengths and
//! removes segment files of commits newer than `HEAD`. So a crash at any
//! instant leaves the store as it was before the commit or after it.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use ed25519_dalek::SigningKey;
use fs4::fs_std::FileExt;
use rand::RngCore;
use vakt_schemas::checkpoint::{Checkpoint, NoteSigner, NoteVerifier};
use vakt_schemas::head::{Head, SourceProgress, StoreInfo};
use vakt_schemas::manifest::{ManifestEntry, line_hash};
use vakt_schemas::merkle::{Frontier, Hash};
use vakt_schemas::{Envelope, Event, Record, Stream, layout};

use crate::segment::{SegmentError, write_segment};

/// A write to the store failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0} is not a vakt store (no store.json); create one with `vakt init --store {0}`")]
    NotAStore(PathBuf),
    #[error(
        "another vakt process is writing to this store (lock {0} is held); wait for it to finish and run again"
    )]
    Locked(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is damaged: {detail}; run `vakt verify` to see what is wrong")]
    Damaged { path: PathBuf, detail: String },
    #[error("writing segment {path}: {source}")]
    Segment { path: PathBuf, source: SegmentError },
    #[error("{stream} record: {source}")]
    Encode {
        stream: Stream,
        source: vakt_schemas::record::EncodeError,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// An event waiting to be committed.
#[derive(Debug, Clone)]
pub struct PendingRecord {
    pub time: DateTime<Utc>,
    pub source: String,
    pub raw: String,
    pub event: Event,
}

/// What one commit stored.
#[derive(Debug, Clone, Default)]
pub struct CommitSummary {
    pub txn: u64,
    pub records: BTreeMap<Stream, u64>,
    pub segments: usize,
}

/// The open, locked store.
pub struct StoreWriter {
    root: PathBuf,
    info: StoreInfo,
    head: Head,
    signer: NoteSigner,
    frontiers: BTreeMap<Stream, Frontier>,
    _lock: File,
}

impl StoreWriter {
    /// Opens the store at `root` for writing: takes the lock (failing at once
    /// if another writer holds it) and cleans up after an interrupted commit.
    pub fn open(root: &Path) -> Result<StoreWriter, WriteError> {
        let info_path = root.join(layout::STORE_INFO);
        if !info_path.exists() {
            return Err(WriteError::NotAStore(root.to_path_buf()));
        }
        let lock_path = root.join(layout::LOCK);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error(&lock_path))?;
        if !FileExt::try_lock_exclusive(&lock).unwrap_or(false) {
            return Err(WriteError::Locked(lock_path));
        }
        let info: StoreInfo = read_json(&info_path)?;
        let head: Head = read_json(&root.join(layout::HEAD))?;
        let signer = load_signer(root, &info)?;
        let mut writer = StoreWriter {
            root: root.to_path_buf(),
            info,
            head,
            signer,
            frontiers: BTreeMap::new(),
            _lock: lock,
        };
        writer.recover()?;
        writer.load_frontiers()?;
        Ok(writer)
    }

    pub fn head(&self) -> &Head {
        &self.head
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Cuts the manifest and checkpoint logs back to what `HEAD` committed and
    /// removes segment files written by commits that never reached `HEAD`.
    fn recover(&mut self) -> Result<(), WriteError> {
        let temp = self.root.join(layout::HEAD_TEMP);
        if temp.exists() {
            fs::remove_file(&temp).map_err(io_error(&temp))?;
        }
        for (stream, stream_head) in &self.head.streams {
            let manifest = self.root.join(layout::manifest(*stream));
            cut_to_length(&manifest, stream_head.manifest_bytes)?;
            let checkpoints = self.root.join(layout::checkpoints(*stream));
            cut_to_length(&checkpoints, stream_head.checkpoints_bytes)?;
            remove_uncommitted_segments(
                &self.root.join(layout::stream_dir(*stream)),
                self.head.txn,
            )?;
        }
        Ok(())
    }

    fn load_frontiers(&mut self) -> Result<(), WriteError> {
        for (stream, stream_head) in &self.head.streams {
            let manifest = self.root.join(layout::manifest(*stream));
            let text = fs::read_to_string(&manifest).map_err(io_error(&manifest))?;
            let frontier = match text.lines().last() {
                None => Frontier::new(),
                Some(line) => {
                    let damaged = |detail: String| WriteError::Damaged {
                        path: manifest.clone(),
                        detail,
                    };
                    let entry = ManifestEntry::from_line(line)
                        .map_err(|error| damaged(format!("last entry unreadable: {error}")))?;
                    let subtrees = entry
                        .frontier
                        .iter()
                        .map(|hex_hash| parse_hash(hex_hash))
                        .collect::<Option<Vec<Hash>>>()
                        .ok_or_else(|| damaged("last entry's frontier is not hex".into()))?;
                    let frontier = Frontier::from_parts(entry.tree_size, subtrees)
                        .map_err(|error| damaged(error.to_string()))?;
                    if hex::encode(frontier.root()) != stream_head.root
                        || frontier.size() != stream_head.tree_size
                    {
                        return Err(damaged("last entry disagrees with HEAD".into()));
                    }
                    frontier
                }
            };
            self.frontiers.insert(*stream, frontier);
        }
        Ok(())
    }

    /// Stores `records` and the sources' progress as one atomic commit.
    /// Records are grouped by stream and UTC day; within a day they keep
    /// their order, and sequence numbers follow day by day.
    pub fn commit(
        &mut self,
        records: Vec<PendingRecord>,
        sources: BTreeMap<String, SourceProgress>,
    ) -> Result<CommitSummary, WriteError> {
        let now = Utc::now().trunc_subsecs(6).max(self.head.committed_at);
        let txn = self.head.txn + 1;
        let mut grouped: BTreeMap<Stream, BTreeMap<NaiveDate, Vec<PendingRecord>>> =
            BTreeMap::new();
        for record in records {
            grouped
                .entry(record.event.stream())
                .or_default()
                .entry(record.time.date_naive())
                .or_default()
                .push(record);
        }
        let mut new_head = self.head.clone();
        new_head.txn = txn;
        new_head.committed_at = now;
        let mut summary = CommitSummary {
            txn,
            ..CommitSummary::default()
        };
        let mut new_frontiers = self.frontiers.clone();
        for (stream, days) in grouped {
            let frontier = new_frontiers.entry(stream).or_default();
            let Some(stream_head) = new_head.streams.get_mut(&stream) else {
                return Err(WriteError::Damaged {
                    path: self.root.join(layout::HEAD),
                    detail: format!("no entry for stream {stream}"),
                });
            };
            let mut lines = String::new();
            let mut last_hash = stream_head.last_entry_hash.clone();
            for (day, day_records) in days {
                let entry = self.write_day(
                    stream,
                    day,
                    txn,
                    now,
                    day_records,
                    frontier,
                    stream_head.entries,
                    &last_hash,
                )?;
                let line = entry.to_line();
                last_hash = line_hash(&line);
                lines.push_str(&line);
                lines.push('\n');
                stream_head.entries += 1;
                *summary.records.entry(stream).or_default() += entry.count;
                summary.segments += 1;
            }
            let manifest = self.root.join(layout::manifest(stream));
            append_at(&manifest, stream_head.manifest_bytes, lines.as_bytes())
                .map_err(io_error(&manifest))?;
            stream_head.manifest_bytes += lines.len() as u64;
            stream_head.last_entry_hash = last_hash.clone();
            stream_head.tree_size = frontier.size();
            stream_head.root = hex::encode(frontier.root());
            let checkpoint = Checkpoint {
                origin: self.info.origin(stream),
                size: frontier.size(),
                root: frontier.root(),
                extensions: vec![format!("manifest {last_hash}")],
            };
            let checkpoints = self.root.join(layout::checkpoints(stream));
            let note = self
                .signer
                .try_sign(&checkpoint)
                .map_err(|error| WriteError::Damaged {
                    path: self.root.join(layout::STORE_INFO),
                    detail: format!("cannot sign the {stream} checkpoint: {error}"),
                })?;
            stream_head.checkpoints_bytes =
                append_checkpoint(&checkpoints, stream_head.checkpoints_bytes, &note)
                    .map_err(io_error(&checkpoints))?;
        }
        new_head.sources.extend(sources);
        write_head(&self.root, &new_head).map_err(io_error(&self.root))?;
        self.head = new_head;
        self.frontiers = new_frontiers;
        Ok(summary)
    }

    #[allow(clippy::too_many_arguments)]
    fn write_day(
        &self,
        stream: Stream,
        day: NaiveDate,
        txn: u64,
        now: DateTime<Utc>,
        pending: Vec<PendingRecord>,
        frontier: &mut Frontier,
        index: u64,
        prev: &str,
    ) -> Result<ManifestEntry, WriteError> {
        let first_seq = frontier.size();
        let mut records = Vec::with_capacity(pending.len());
        let mut hashes = Vec::with_capacity(pending.len());
        let mut rng = rand::thread_rng();
        for (offset, item) in pending.into_iter().enumerate() {
            let mut nonce = [0u8; 16];
            rng.fill_bytes(&mut nonce);
            let record = Record {
                envelope: Envelope {
                    seq: first_seq + offset as u64,
                    time: item.time,
                    ingest_time: now,
                    source: item.source,
                    raw: item.raw,
                    nonce,
                },
                event: item.event,
            };
            let hash = record
                .leaf_hash()
                .map_err(|source| WriteError::Encode { stream, source })?;
            frontier.push(hash);
            hashes.push(hash);
            records.push(record);
        }
        let relative = layout::segment(stream, day, txn, first_seq);
        let path = self.root.join(&relative);
        let Some(dir) = path.parent() else {
            return Err(WriteError::Damaged {
                path: path.clone(),
                detail: "a segment path without a folder".into(),
            });
        };
        fs::create_dir_all(dir).map_err(io_error(dir))?;
        let written = write_segment(&path, stream, &records, &hashes).map_err(|source| {
            WriteError::Segment {
                path: path.clone(),
                source,
            }
        })?;
        // The file's directory entry must reach the disk before HEAD names it.
        sync_dir(dir).map_err(io_error(dir))?;
        if let Some(stream_dir) = dir.parent() {
            sync_dir(stream_dir).map_err(io_error(stream_dir))?;
        }
        let times = records.iter().map(|record| record.envelope.time);
        Ok(ManifestEntry {
            index,
            prev: prev.to_string(),
            txn,
            path: relative,
            day,
            first_seq,
            count: records.len() as u64,
            min_time: times.clone().min().unwrap_or(now),
            max_time: times.max().unwrap_or(now),
            ingest_time: now,
            file_sha256: written.sha256,
            file_size: written.size,
            tree_size: frontier.size(),
            root: hex::encode(frontier.root()),
            frontier: frontier.subtrees().iter().map(hex::encode).collect(),
        })
    }
}

fn parse_hash(text: &str) -> Option<Hash> {
    hex::decode(text).ok()?.try_into().ok()
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, WriteError> {
    let text = fs::read_to_string(path).map_err(io_error(path))?;
    serde_json::from_str(&text).map_err(|error| WriteError::Damaged {
        path: path.to_path_buf(),
        detail: error.to_string(),
    })
}

fn load_signer(root: &Path, info: &StoreInfo) -> Result<NoteSigner, WriteError> {
    let path = root.join(layout::SIGNING_KEY);
    let text = fs::read_to_string(&path).map_err(io_error(&path))?;
    let damaged = |detail: String| WriteError::Damaged {
        path: path.clone(),
        detail,
    };
    let seed: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| damaged("expected 64 hex digits (an Ed25519 seed)".into()))?;
    let verifier =
        NoteVerifier::parse(&info.verifier_key).map_err(|error| damaged(error.to_string()))?;
    let signer = NoteSigner::new(verifier.name(), SigningKey::from_bytes(&seed))
        .map_err(|error| damaged(error.to_string()))?;
    if signer.verifier().to_vkey() != info.verifier_key {
        return Err(damaged(
            "the signing key does not match the store's verifier key in store.json".into(),
        ));
    }
    Ok(signer)
}

fn cut_to_length(path: &Path, length: u64) -> Result<(), WriteError> {
    let actual = fs::metadata(path).map_err(io_error(path))?.len();
    if actual == length {
        return Ok(());
    }
    if actual < length {
        return Err(WriteError::Damaged {
            path: path.to_path_buf(),
            detail: format!("{actual} bytes where HEAD committed {length}"),
        });
    }
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(io_error(path))?;
    file.set_len(length).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))
}

/// Removes segment files of commits after `committed_txn` (leftovers of a
/// commit that was interrupted before its `HEAD` was written).
fn remove_uncommitted_segments(stream_dir: &Path, committed_txn: u64) -> Result<(), WriteError> {
    let Ok(days) = fs::read_dir(stream_dir) else {
        return Ok(());
    };
    for day in days.flatten() {
        let day_path = day.path();
        if !day_path.is_dir() {
            continue;
        }
        let files = fs::read_dir(&day_path).map_err(io_error(&day_path))?;
        for file in files.flatten() {
            let name = file.file_name().to_string_lossy().to_string();
            let uncommitted = layout::segment_txn(&name).is_some_and(|txn| txn > committed_txn);
            if uncommitted {
                fs::remove_file(file.path()).map_err(io_error(&file.path()))?;
            }
        }
    }
    Ok(())
}

/// Writes `bytes` at `offset` of the file (which the caller has cut to that
/// length) and flushes it to disk.
fn append_at(path: &Path, offset: u64, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = OpenOptions::new().write(true).open(path)?;
    file.set_len(offset)?;
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(offset))?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Appends a signed note to a checkpoint log at `offset` (notes are separated
/// by a blank line) and returns the log's new length.
pub(crate) fn append_checkpoint(path: &Path, offset: u64, note: &str) -> std::io::Result<u64> {
    if !path.exists() {
        File::create(path)?;
    }
    let mut text = note.to_string();
    text.push('\n');
    append_at(path, offset, text.as_bytes())?;
    Ok(offset + text.len() as u64)
}

/// Replaces `HEAD` atomically: write a temporary file, flush, rename, flush
/// the directory.
pub(crate) fn write_head(root: &Path, head: &Head) -> std::io::Result<()> {
    let mut text = serde_json::to_string_pretty(head).map_err(std::io::Error::other)?;
    text.push('\n');
    let temp = root.join(layout::HEAD_TEMP);
    write_synced(&temp, text.as_bytes())?;
    fs::rename(&temp, root.join(layout::HEAD))?;
    sync_dir(root)
}

/// Flushes a directory, so that files created or renamed in it survive a
/// power loss.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes a whole file and flushes it to disk.
pub(crate) fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Writes a file only its owner may read (mode 0600 on Unix).
pub(crate) fn write_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
