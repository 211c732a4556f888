//! One commit of records to a store, under the commit lock.
//!
//! Every commit, whoever makes it (an ingest, or a command appending to the
//! audit stream), holds `COMMIT.LOCK` from reading `HEAD` until the new
//! `HEAD` is in place, and first deals with a commit that was interrupted
//! (`recovery.rs`: completed when it had decided, else set aside, never
//! deleted). It then writes, in this order: new segment files (never
//! overwriting), the new manifest lines, whatever the commit hook adds (the
//! full-text index), the new `HEAD` as `HEAD.tmp` (flushed: from here on
//! the commit completes, if need be by the next writer), the new signed
//! checkpoints, and `HEAD` through an atomic rename (on object storage, a
//! put of `HEAD` on condition that it is still the version this commit
//! read, `storage/`). So a crash at any instant leaves the store as it was
//! before the commit or after it, and of two writers that read the same
//! `HEAD` at most one commits.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use vakt_schemas::checkpoint::{Checkpoint, NoteSigner};
use vakt_schemas::head::{FORMAT_VERSION, Head, SourceProgress, StoreInfo};
use vakt_schemas::keyring::KeyRing;
use vakt_schemas::manifest::{ManifestEntry, line_hash};
use vakt_schemas::merkle::{Frontier, Hash};
use vakt_schemas::nonce::NonceKey;
use vakt_schemas::prune::PrunedSegment;
use vakt_schemas::{Record, Stream, layout};

use crate::compaction::CompactedFile;
use crate::files::{parse_signed_head, sign_head};
use crate::keys;
use crate::new_segments::{DaySegment, DaysError, day_segments};
use crate::nonce_key;
use crate::recovery::{Recovered, Recovery, last_committed_entry};
use crate::storage::{HeadVersion, InstallError, LockGuard, Storage};
use crate::writer::{CommitSummary, PendingRecord, WriteError, io_error};

/// Something that must be written in the same commit as the records: it runs
/// after the segments, manifests and checkpoints are written and before
/// `HEAD` makes them visible.
pub trait CommitHook {
    /// Called under the commit lock after cleaning up, with the committed
    /// `HEAD`: anything the hook holds beyond it was never committed.
    fn recover(&mut self, head: &Head) -> Result<(), String>;
    /// Called with the records of a commit, in sequence order per stream,
    /// before `HEAD` is written. An error aborts the commit.
    fn before_head(&mut self, txn: u64, records: &[(Stream, Vec<Record>)]) -> Result<(), String>;
}

/// Waits for the commit lock (commits are short); released when dropped.
pub(crate) fn commit_lock(storage: &Storage) -> Result<LockGuard, WriteError> {
    let path = storage.path(layout::COMMIT_LOCK);
    storage
        .lock(layout::COMMIT_LOCK, true)
        .map_err(io_error(&path))?
        .ok_or(WriteError::Locked(path))
}

/// What every commit to one store needs: where it is and how to sign.
pub struct Committer {
    storage: Storage,
    info: StoreInfo,
    signer: NoteSigner,
    /// Every key of the store, to check what older commits signed.
    keys: KeyRing,
    /// Derives the nonces of the records it commits.
    nonce_key: NonceKey,
    /// The time commits are made at, when not the system's (see
    /// [`Committer::commit_as_of`]).
    as_of: Option<DateTime<Utc>>,
}

impl Committer {
    /// Reads the store's identity and signing key (`root` is a folder,
    /// or an `s3://` URL).
    pub fn open(root: &Path) -> Result<Committer, WriteError> {
        let storage = Storage::open(root).map_err(io_error(root))?;
        let info_path = storage.path(layout::STORE_INFO);
        if !storage
            .exists(layout::STORE_INFO)
            .map_err(io_error(&info_path))?
        {
            return Err(WriteError::NotAStore(root.to_path_buf()));
        }
        let info: StoreInfo = read_json(&storage, layout::STORE_INFO)?;
        info.check_format().map_err(|detail| WriteError::Damaged {
            path: info_path.clone(),
            detail,
        })?;
        let keys = keys::key_ring(&storage, &info)?;
        let signer = keys::load_signer(&storage, &info, &keys)?;
        let nonce_key = nonce_key::load(&storage).map_err(|problem| WriteError::Damaged {
            path: storage.path(layout::NONCE_KEY),
            detail: problem.to_string(),
        })?;
        Ok(Committer {
            storage,
            info,
            signer,
            keys,
            nonce_key,
            as_of: None,
        })
    }

    /// The store's folder, or its URL.
    pub fn root(&self) -> &Path {
        self.storage.root()
    }

    /// Where the store's files are.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Makes the following commits as if it were `time` (their ingest
    /// time), or again at the system's time with `None`: for moving an old
    /// store's records with their original ingest times, and for tests of
    /// retention. Ingest times still never decrease.
    pub fn commit_as_of(&mut self, time: Option<DateTime<Utc>>) {
        self.as_of = time;
    }

    /// The number of the last commit, read under the commit lock the
    /// caller holds.
    pub(crate) fn committed_txn(&self) -> Result<u64, WriteError> {
        Ok(self.read_head()?.0.txn)
    }

    /// The key this committer signs with: the store's key in force.
    /// The key that derives the nonces of the store's records.
    pub(crate) fn nonce_key(&self) -> &NonceKey {
        &self.nonce_key
    }

    pub(crate) fn signer(&self) -> &NoteSigner {
        &self.signer
    }

    /// What store this is.
    pub fn info(&self) -> &StoreInfo {
        &self.info
    }

    /// The committed `HEAD`, after cleaning up an interrupted commit.
    pub fn recovered_head(
        &self,
        hook: Option<&mut (dyn CommitHook + '_)>,
    ) -> Result<Head, WriteError> {
        let _lock = commit_lock(&self.storage)?;
        let (head, _, _) = self.recover(hook)?;
        Ok(head)
    }

    /// The committed `HEAD` and its version, refused unless the store's
    /// key signed it.
    fn read_head(&self) -> Result<(Head, HeadVersion), WriteError> {
        let path = self.storage.path(layout::HEAD);
        let (text, version) = self.storage.read_head().map_err(io_error(&path))?;
        let head = parse_signed_head(&text, &self.info, &self.keys).map_err(|detail| {
            WriteError::Inconsistent {
                root: self.root().to_path_buf(),
                detail: format!("HEAD cannot be trusted: {detail}"),
            }
        })?;
        Ok((head, version))
    }

    /// Reads `HEAD`, completes or sets aside an interrupted commit
    /// (`recovery.rs`), then lets the hook drop what it holds beyond the
    /// resulting `HEAD`.
    fn recover(
        &self,
        hook: Option<&mut (dyn CommitHook + '_)>,
    ) -> Result<(Head, HeadVersion, Recovered), WriteError> {
        let (head, version) = self.read_head()?;
        let origin = |stream: Stream| self.info.origin(stream);
        let recovery = Recovery {
            storage: &self.storage,
            info: &self.info,
            signer: &self.signer,
            origin: &origin,
        };
        let (head, version, recovered) = match recovery.run(head, &version)? {
            (head, Recovered::Completed { txn }) => {
                // HEAD changed: its new version is what the next commit replaces.
                let (_, version) = self.read_head()?;
                (head, version, Recovered::Completed { txn })
            }
            (head, recovered) => (head, version, recovered),
        };
        if let Some(hook) = hook {
            hook.recover(&head)
                .map_err(|detail| WriteError::Hook { detail })?;
        }
        Ok((head, version, recovered))
    }

    /// The tree of a stream as its last committed manifest entry leaves it.
    fn load_frontier(&self, stream: Stream, head: &Head) -> Result<Frontier, WriteError> {
        let manifest = self.storage.path(&layout::manifest(stream));
        let Some(stream_head) = head.stream(stream) else {
            return Err(WriteError::Damaged {
                path: self.storage.path(layout::HEAD),
                detail: format!("no entry for stream {stream}"),
            });
        };
        let Some(entry) = last_committed_entry(&self.storage, stream, stream_head.manifest_bytes)?
        else {
            return Ok(Frontier::new());
        };
        let damaged = |detail: String| WriteError::Damaged {
            path: manifest.clone(),
            detail,
        };
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
        Ok(frontier)
    }

    /// Stores `records` and the sources' progress as one atomic commit and
    /// returns the new `HEAD`. Records are grouped by stream and UTC day;
    /// within a day they keep their order, and sequence numbers follow day
    /// by day.
    pub fn commit(
        &self,
        records: Vec<PendingRecord>,
        sources: BTreeMap<String, SourceProgress>,
        hook: Option<&mut (dyn CommitHook + '_)>,
    ) -> Result<(Head, CommitSummary), WriteError> {
        self.commit_with(records, sources, hook, Vec::new(), Vec::new())
    }

    /// Commits `records` (the compaction's `audit` record) together with
    /// the compacted files: each is written under its commit's name and
    /// gets a manifest line that replaces the segments it holds the
    /// records of (`compaction.rs`). Their streams' trees do not change,
    /// so they get no checkpoint.
    pub fn commit_compaction(
        &self,
        records: Vec<PendingRecord>,
        compacted: Vec<CompactedFile>,
    ) -> Result<(Head, CommitSummary), WriteError> {
        self.commit_with(records, BTreeMap::new(), None, Vec::new(), compacted)
    }

    /// Commits `records` (the prune's `audit` record) together with the
    /// lines of `pruned.jsonl` naming the segments a prune removes; each
    /// line gets this commit's number.
    pub fn commit_prune(
        &self,
        records: Vec<PendingRecord>,
        pruned: Vec<PrunedSegment>,
    ) -> Result<(Head, CommitSummary), WriteError> {
        self.commit_with(records, BTreeMap::new(), None, pruned, Vec::new())
    }

    fn commit_with(
        &self,
        records: Vec<PendingRecord>,
        sources: BTreeMap<String, SourceProgress>,
        mut hook: Option<&mut (dyn CommitHook + '_)>,
        pruned: Vec<PrunedSegment>,
        compacted: Vec<CompactedFile>,
    ) -> Result<(Head, CommitSummary), WriteError> {
        let _lock = commit_lock(&self.storage)?;
        let (head, version, _) = self.recover(hook.as_deref_mut())?;
        // Ingest times never decrease from one commit to the next (the
        // empty store `init` made has none yet).
        let now = self.as_of.unwrap_or_else(Utc::now).trunc_subsecs(6);
        let now = if head.txn == 0 {
            now
        } else {
            now.max(head.committed_at)
        };
        let txn = head.txn + 1;
        // A rotation since this committer read the keys: its key must not
        // sign a commit its successor is to sign.
        let in_force = keys::key_ring(&self.storage, &self.info)?;
        if *in_force.key_at(txn) != self.signer.verifier() {
            return Err(WriteError::Key(keys::KeyError::Rotated {
                txn,
                expected: in_force.key_at(txn).fingerprint(),
            }));
        }
        let mut grouped: BTreeMap<Stream, BTreeMap<NaiveDate, Vec<PendingRecord>>> =
            BTreeMap::new();
        let mut compacted_by_stream: BTreeMap<Stream, Vec<CompactedFile>> = BTreeMap::new();
        for file in compacted {
            let planned_on = head.stream(file.stream).map(|stream| stream.entries);
            if planned_on != Some(file.planned_on_entries) {
                return Err(WriteError::Raced { txn });
            }
            grouped.entry(file.stream).or_default();
            compacted_by_stream
                .entry(file.stream)
                .or_default()
                .push(file);
        }
        for record in records {
            grouped
                .entry(record.event.stream())
                .or_default()
                .entry(record.time.date_naive())
                .or_default()
                .push(record);
        }
        let mut new_head = head.clone();
        new_head.format = FORMAT_VERSION;
        new_head.txn = txn;
        new_head.committed_at = now;
        let mut summary = CommitSummary {
            txn,
            ..CommitSummary::default()
        };
        let mut written: Vec<(Stream, Vec<Record>)> = Vec::new();
        let mut notes: Vec<(Stream, u64, String)> = Vec::new();
        for (stream, days) in grouped {
            let mut frontier = self.load_frontier(stream, &head)?;
            let mut stream_records = Vec::new();
            let Some(stream_head) = new_head.streams.get_mut(&stream) else {
                return Err(WriteError::Damaged {
                    path: self.storage.path(layout::HEAD),
                    detail: format!("no entry for stream {stream}"),
                });
            };
            let mut lines = String::new();
            let mut last_hash = stream_head.last_entry_hash.clone();
            let segments = day_segments(stream, txn, now, &self.nonce_key, days, &mut frontier)
                .map_err(|error| match error {
                    DaysError::Leaf(source) => WriteError::Encode { stream, source },
                    DaysError::Segment { relative, source } => WriteError::Segment {
                        path: self.storage.path(&relative),
                        source,
                    },
                })?;
            for segment in segments {
                let (entry, day_records) =
                    self.write_day(now, segment, stream_head.entries, &last_hash, txn)?;
                stream_records.extend(day_records);
                last_hash = append_line(&mut lines, &entry);
                stream_head.entries += 1;
                *summary.records.entry(stream).or_default() += entry.count;
                summary.segments += 1;
            }
            let adds_records = stream_head.tree_size != frontier.size();
            // The checkpoint names the line that ends at its size: the last
            // of new records, not a compaction's after it.
            let checkpointed_hash = last_hash.clone();
            for file in compacted_by_stream.remove(&stream).unwrap_or_default() {
                let entry = self.write_compacted(
                    file,
                    txn,
                    now,
                    &frontier,
                    stream_head.entries,
                    &last_hash,
                )?;
                last_hash = append_line(&mut lines, &entry);
                stream_head.entries += 1;
                summary.segments += 1;
            }
            let manifest = layout::manifest(stream);
            self.storage
                .append_at(&manifest, stream_head.manifest_bytes, lines.as_bytes())
                .map_err(io_error(&self.storage.path(&manifest)))?;
            stream_head.manifest_bytes += lines.len() as u64;
            stream_head.last_entry_hash = last_hash.clone();
            stream_head.tree_size = frontier.size();
            stream_head.root = hex::encode(frontier.root());
            if !adds_records {
                // A compaction's lines alone: the tree is as it was.
                continue;
            }
            written.push((stream, stream_records));
            let checkpoint = Checkpoint {
                origin: self.info.origin(stream),
                size: frontier.size(),
                root: frontier.root(),
                extensions: vec![format!("manifest {checkpointed_hash}")],
            };
            let note = self
                .signer
                .try_sign(&checkpoint)
                .map_err(|error| WriteError::Damaged {
                    path: self.storage.path(layout::STORE_INFO),
                    detail: format!("cannot sign the {stream} checkpoint: {error}"),
                })?;
            let text = format!("{note}\n");
            notes.push((stream, stream_head.checkpoints_bytes, text.clone()));
            stream_head.checkpoints_bytes += text.len() as u64;
        }
        new_head.sources.extend(sources);
        if !pruned.is_empty() {
            let mut text = String::new();
            for mut segment in pruned {
                segment.txn = txn;
                text.push_str(&segment.to_line());
                text.push('\n');
            }
            self.storage
                .append_at(layout::PRUNED, head.pruned_bytes, text.as_bytes())
                .map_err(io_error(&self.storage.path(layout::PRUNED)))?;
            new_head.pruned_bytes += text.len() as u64;
        }
        if let Some(hook) = hook {
            hook.before_head(txn, &written)
                .map_err(|detail| WriteError::Hook { detail })?;
        }
        let signed_head = sign_head(&self.signer, &self.info, &new_head).map_err(|error| {
            WriteError::Damaged {
                path: self.storage.path(layout::STORE_INFO),
                detail: format!("cannot sign HEAD: {error}"),
            }
        })?;
        self.storage
            .replace(layout::HEAD_TEMP, signed_head.as_bytes())
            .map_err(io_error(&self.storage.path(layout::HEAD_TEMP)))?;
        for (stream, offset, text) in notes {
            let checkpoints = layout::checkpoints(stream);
            self.storage
                .append_at(&checkpoints, offset, text.as_bytes())
                .map_err(io_error(&self.storage.path(&checkpoints)))?;
        }
        match self.storage.install_head(&version) {
            Ok(()) => {}
            Err(InstallError::Raced) => return Err(WriteError::Raced { txn }),
            Err(InstallError::Io(source)) => {
                return Err(WriteError::Io {
                    path: self.storage.path(layout::HEAD),
                    source,
                });
            }
        }
        Ok((new_head, summary))
    }

    /// Writes a day's new segment (never over an existing file: one there
    /// is an earlier commit's) and returns its manifest line and records.
    fn write_day(
        &self,
        now: DateTime<Utc>,
        segment: DaySegment,
        index: u64,
        prev: &str,
        txn: u64,
    ) -> Result<(ManifestEntry, Vec<Record>), WriteError> {
        let path = self.storage.path(&segment.relative);
        self.storage
            .create(&segment.relative, &segment.bytes)
            .map_err(io_error(&path))?;
        let times = segment.records.iter().map(|record| record.envelope.time);
        let entry = ManifestEntry {
            index,
            prev: prev.to_string(),
            txn,
            path: segment.relative,
            day: segment.day,
            first_seq: segment.first_seq,
            count: segment.records.len() as u64,
            replaces: None,
            min_time: times.clone().min().unwrap_or(now),
            max_time: times.max().unwrap_or(now),
            ingest_time: now,
            file_sha256: segment.written.sha256,
            file_size: segment.written.size,
            tail_offset: Some(segment.written.tail_offset),
            tail_sha256: Some(segment.written.tail_sha256),
            tree_size: segment.tree_size,
            root: segment.root,
            frontier: segment.frontier,
        };
        Ok((entry, segment.records))
    }
}

impl Committer {
    /// Writes a compacted file under this commit's name and returns its
    /// manifest line: the records it holds, how many segments it
    /// replaces, and the stream's tree as it is (a compaction adds no
    /// leaf).
    fn write_compacted(
        &self,
        file: CompactedFile,
        txn: u64,
        now: DateTime<Utc>,
        frontier: &Frontier,
        index: u64,
        prev: &str,
    ) -> Result<ManifestEntry, WriteError> {
        let relative = layout::compacted(file.stream, txn, file.first_seq);
        let path = self.storage.path(&relative);
        self.storage
            .create(&relative, &file.bytes)
            .map_err(io_error(&path))?;
        Ok(ManifestEntry {
            index,
            prev: prev.to_string(),
            txn,
            path: relative,
            day: file.min_time.date_naive(),
            first_seq: file.first_seq,
            count: file.count,
            replaces: Some(file.replaces),
            min_time: file.min_time,
            max_time: file.max_time,
            ingest_time: now,
            file_sha256: file.written.sha256,
            file_size: file.written.size,
            tail_offset: Some(file.written.tail_offset),
            tail_sha256: Some(file.written.tail_sha256),
            tree_size: frontier.size(),
            root: hex::encode(frontier.root()),
            frontier: frontier.subtrees().iter().map(hex::encode).collect(),
        })
    }
}

/// Appends `entry`'s manifest line to `lines` and returns its chain hash.
fn append_line(lines: &mut String, entry: &ManifestEntry) -> String {
    let line = entry.to_line();
    lines.push_str(&line);
    lines.push('\n');
    line_hash(&line)
}

fn parse_hash(text: &str) -> Option<Hash> {
    hex::decode(text).ok()?.try_into().ok()
}

fn read_json<T: serde::de::DeserializeOwned>(
    storage: &Storage,
    relative: &str,
) -> Result<T, WriteError> {
    let path = storage.path(relative);
    let text = storage.read_to_string(relative).map_err(io_error(&path))?;
    serde_json::from_str(&text).map_err(|error| WriteError::Damaged {
        path,
        detail: error.to_string(),
    })
}
