//! The ingest writer: the one process that appends log records, holding
//! `LOCK` for as long as it runs so that no second ingest reads the same
//! inputs at the same time. Each of its commits goes through `commit.rs`,
//! which other writers of the audit stream share, and keeps the full-text
//! index in step when [`StoreWriter::maintain_index`] was called.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use vakt_schemas::head::{Head, SourceProgress};
use vakt_schemas::{Event, Stream, layout};

use crate::commit::{CommitHook, Committer};
use crate::fulltext::{FulltextError, FulltextHook, OnIndexProgress};
use crate::reader::StoreReader;
use crate::segment::SegmentError;
use crate::storage::LockGuard;

/// A write to the store failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0} is not a vakt store (no store.json); create one with `vakt init --store {0}`")]
    NotAStore(PathBuf),
    #[error(
        "another vakt process is writing to this store (lock {0} is held); wait for it to finish and run again"
    )]
    Locked(PathBuf),
    #[error(
        "another writer committed to this store while commit {txn} was being written, so this \
         commit was not made; what it wrote is set aside by the next writer. Run again"
    )]
    Raced { txn: u64 },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is damaged: {detail}; run `vakt verify` to see what is wrong")]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "the store {root} is not as its last commit left it: {detail}. Nothing was written and \
         nothing was removed; run `vakt verify` to see the whole picture, and restore HEAD from a \
         backup or ask for help before writing to this store again"
    )]
    Inconsistent { root: PathBuf, detail: String },
    #[error("writing segment {path}: {source}")]
    Segment { path: PathBuf, source: SegmentError },
    #[error(
        "the full-text index could not be updated: {detail}; nothing of this commit was stored, run again"
    )]
    Hook { detail: String },
    #[error(transparent)]
    Read(#[from] crate::reader::ReadError),
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
    #[error("the full-text index: {0}")]
    Fulltext(#[from] Box<FulltextError>),
    #[error("{stream} record: {source}")]
    Encode {
        stream: Stream,
        source: vakt_schemas::record::EncodeError,
    },
}

pub(crate) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
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

/// The open store, locked for one ingest.
pub struct StoreWriter {
    committer: Committer,
    head: Head,
    hook: Option<Box<dyn CommitHook>>,
    lock: LockGuard,
}

impl StoreWriter {
    /// Opens the store at `root` (a folder, or an `s3://` URL) for
    /// ingesting: takes the ingest lock (failing at once if another ingest
    /// holds it) and cleans up after an interrupted commit.
    pub fn open(root: &Path) -> Result<StoreWriter, WriteError> {
        let committer = Committer::open(root)?;
        let storage = committer.storage();
        let lock_path = storage.path(layout::LOCK);
        let lock = storage
            .lock(layout::LOCK, false)
            .map_err(io_error(&lock_path))?
            .ok_or_else(|| WriteError::Locked(lock_path.clone()))?;
        let head = committer.recovered_head(None)?;
        Ok(StoreWriter {
            committer,
            head,
            hook: None,
            lock,
        })
    }

    /// Adds something that must be written in every commit, and lets it
    /// drop what an interrupted commit left in it.
    pub fn set_hook(&mut self, mut hook: Box<dyn CommitHook>) -> Result<(), WriteError> {
        self.head = self.committer.recovered_head(Some(hook.as_mut()))?;
        self.hook = Some(hook);
        Ok(())
    }

    /// Keeps the full-text index in step with every commit of this writer,
    /// after bringing it up to `HEAD` (building it when it is missing).
    pub fn maintain_index(&mut self, on_progress: OnIndexProgress<'_>) -> Result<(), WriteError> {
        let hook = FulltextHook::open(&self.reader(), on_progress).map_err(Box::new)?;
        self.set_hook(Box::new(hook))
    }

    /// Makes the following commits as if it were `time` (see
    /// [`Committer::commit_as_of`]).
    pub fn commit_as_of(&mut self, time: Option<DateTime<Utc>>) {
        self.committer.commit_as_of(time);
    }

    /// The store as of the last commit this writer saw.
    pub fn reader(&self) -> StoreReader {
        StoreReader::from_parts(
            self.committer.storage(),
            self.committer.info().clone(),
            self.head.clone(),
            self.committer.nonce_key().clone(),
        )
    }

    /// `HEAD` as of the last commit this writer saw.
    pub fn head(&self) -> &Head {
        &self.head
    }

    pub(crate) fn committer(&self) -> &Committer {
        &self.committer
    }

    pub fn root(&self) -> &Path {
        self.committer.root()
    }

    /// Stores `records` and the sources' progress as one atomic commit.
    pub fn commit(
        &mut self,
        records: Vec<PendingRecord>,
        sources: BTreeMap<String, SourceProgress>,
    ) -> Result<CommitSummary, WriteError> {
        self.renew_lock()?;
        let hook = self.hook.as_deref_mut();
        let (head, summary) = self.committer.commit(records, sources, hook)?;
        self.head = head;
        Ok(summary)
    }

    /// Rotates the store's signing key (`keys.rs`): commits an `audit`
    /// record of the rotation (command `key`) with the key in force, then,
    /// under the commit lock, appends the rotation signed by both keys and
    /// puts the new key in the key file's place. The next commit is the
    /// first the new key signs. `new_key` is a key file made beforehand
    /// (`vakt key new`), or `None` for a fresh key. The writer is used up:
    /// open the store again to write with the new key.
    pub fn rotate_key(
        mut self,
        new_key: Option<&Path>,
    ) -> Result<crate::keys::Rotated, WriteError> {
        let old = self.committer.signer().verifier();
        let detail = serde_json::json!({
            "action": "rotate",
            "old": old.fingerprint(),
        });
        let event = vakt_schemas::AuditEvent {
            user: crate::audit::os_user(),
            command: "key".to_string(),
            detail: Some(detail.to_string()),
            rows: None,
            result: Some("rotating".to_string()),
        };
        let record = crate::audit::audit_record(event, Utc::now());
        self.commit(vec![record], BTreeMap::new())?;
        let _commit_lock = crate::commit::commit_lock(self.committer.storage())?;
        // Another command may have committed since the audit record (an
        // audit append needs only the commit lock): the next commit is
        // the one after the HEAD read now, under the lock.
        let next_txn = self.committer.committed_txn()? + 1;
        let rotated = crate::keys::rotate(
            self.committer.storage(),
            self.committer.info(),
            self.committer.signer(),
            next_txn,
            new_key,
        )?;
        Ok(rotated)
    }

    /// Commits a prune's `audit` record with the `pruned.jsonl` lines of
    /// the segments it removes (`prune.rs`).
    pub(crate) fn commit_prune(
        &mut self,
        records: Vec<PendingRecord>,
        pruned: Vec<vakt_schemas::prune::PrunedSegment>,
    ) -> Result<CommitSummary, WriteError> {
        self.renew_lock()?;
        let (head, summary) = self.committer.commit_prune(records, pruned)?;
        self.head = head;
        Ok(summary)
    }

    /// Commits a compaction's `audit` record with the files it wrote
    /// (`compaction.rs`).
    pub(crate) fn commit_compaction(
        &mut self,
        records: Vec<PendingRecord>,
        files: Vec<crate::compaction::CompactedFile>,
    ) -> Result<CommitSummary, WriteError> {
        self.renew_lock()?;
        let (head, summary) = self.committer.commit_compaction(records, files)?;
        self.head = head;
        Ok(summary)
    }

    /// Keeps the ingest lock (a lease on object storage) for another while.
    fn renew_lock(&mut self) -> Result<(), WriteError> {
        let path = self.committer.storage().path(layout::LOCK);
        self.lock.renew().map_err(io_error(&path))
    }
}
