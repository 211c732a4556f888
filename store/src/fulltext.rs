//! The full-text index kept beside the records (`<store>/index/`, written
//! by `vakt-index`): the [`CommitHook`] that adds a commit's records to it
//! and commits the index (recording what it covers) before the store's
//! `HEAD` is written, bringing it up to the store's `HEAD` before a writer
//! uses it, and rebuilding it from the committed records.
//!
//! After a crash the index may be ahead of `HEAD` (it holds documents of a
//! commit that never became visible) but never behind it; `recover` drops
//! those documents. Searches filter by `HEAD` as well, so they never show a
//! record that is not in the store.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;
use vakt_index::writer::{install, rebuild_dir, settle};
use vakt_index::{INDEXED_STREAMS, IndexError, IndexSearcher, IndexWriter};
use vakt_schemas::head::Head;
use vakt_schemas::{Record, Stream};

use crate::commit::CommitHook;
use crate::reader::{ReadError, StoreReader};

/// The index could not be read, written or brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum FulltextError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(
        "the full-text index covers {covered} {stream} records after indexing the store, which \
         commits {committed}; run `vakt verify`"
    )]
    Incomplete {
        stream: Stream,
        covered: u64,
        committed: u64,
    },
}

/// Reports indexing progress: records done so far and in all.
pub type OnIndexProgress<'a> = &'a mut dyn FnMut(IndexProgress);

/// Where a rebuild or catch-up stands.
#[derive(Clone, Copy, Debug)]
pub struct IndexProgress {
    pub stream: Stream,
    pub done: u64,
    pub total: u64,
}

/// What a rebuild or catch-up did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexSummary {
    /// Documents added, per stream.
    pub added: BTreeMap<Stream, u64>,
    /// Records covered afterwards, per stream.
    pub covered: BTreeMap<Stream, u64>,
    pub seconds: f64,
}

/// Where a store keeps its full-text index (beside the files of a local
/// store; in a local folder for one on object storage, `storage.rs`).
pub fn index_dir(store: &StoreReader) -> PathBuf {
    store.storage().index_dir()
}

/// The committed tree size of every indexed stream.
pub fn tree_sizes(head: &Head) -> BTreeMap<Stream, u64> {
    INDEXED_STREAMS
        .iter()
        .map(|stream| {
            let size = head.stream(*stream).map_or(0, |stream| stream.tree_size);
            (*stream, size)
        })
        .collect()
}

/// Opens the store's index for searching.
pub fn open_searcher(store: &StoreReader) -> Result<IndexSearcher, IndexError> {
    IndexSearcher::open(&index_dir(store))
}

/// Keeps the full-text index in step with the store's commits.
pub struct FulltextHook {
    index: IndexWriter,
}

impl FulltextHook {
    /// The hook writing to `index`, which must already be up to the
    /// store's `HEAD` (see [`FulltextHook::open`]).
    pub fn new(index: IndexWriter) -> FulltextHook {
        FulltextHook { index }
    }

    /// The index of `store`, brought up to its `HEAD`: built when it is
    /// missing or unusable, cut back when it holds records of a commit that
    /// never completed, and given the records it lacks. The caller holds
    /// the store's ingest lock.
    pub fn open(
        store: &StoreReader,
        on_progress: OnIndexProgress<'_>,
    ) -> Result<FulltextHook, FulltextError> {
        let dir = index_dir(store);
        let store_id = &store.info().store_id;
        let mut index = match IndexWriter::open(&dir, store_id) {
            Ok(index) => index,
            Err(IndexError::Missing(_) | IndexError::Incompatible { .. }) => {
                rebuild(store, on_progress)?;
                return Ok(FulltextHook {
                    index: IndexWriter::open(&dir, store_id)?,
                });
            }
            Err(error) => return Err(error.into()),
        };
        let committed = tree_sizes(store.head());
        index.truncate(store.head().txn, &committed)?;
        add_missing(store, &mut index, on_progress)?;
        Ok(FulltextHook { index })
    }

    pub fn index(&self) -> &IndexWriter {
        &self.index
    }

    pub fn index_mut(&mut self) -> &mut IndexWriter {
        &mut self.index
    }

    /// Closes the index after its background merges.
    pub fn finish(self) -> Result<(), IndexError> {
        self.index.finish()
    }
}

impl CommitHook for FulltextHook {
    fn recover(&mut self, head: &Head) -> Result<(), String> {
        self.index
            .truncate(head.txn, &tree_sizes(head))
            .map_err(|error| error.to_string())
    }

    fn before_head(&mut self, txn: u64, records: &[(Stream, Vec<Record>)]) -> Result<(), String> {
        let mut added = 0;
        for (stream, stream_records) in records {
            added += self
                .index
                .add(*stream, stream_records)
                .map_err(|error| error.to_string())?;
        }
        if added == 0 {
            // Nothing indexed changed (e.g. only registry records).
            return Ok(());
        }
        self.index.commit(txn).map_err(|error| error.to_string())
    }
}

/// Whether the index of `store` covers every committed record; `None` when
/// there is no usable index of this store.
pub fn coverage(store: &StoreReader) -> Result<Option<BTreeMap<Stream, u64>>, IndexError> {
    let state = match open_searcher(store) {
        Ok(searcher) => searcher.state().clone(),
        Err(IndexError::Missing(_) | IndexError::Incompatible { .. }) => return Ok(None),
        Err(error) => return Err(error),
    };
    if state.store_id != store.info().store_id {
        return Ok(None);
    }
    Ok(Some(
        INDEXED_STREAMS
            .iter()
            .map(|stream| (*stream, state.covered(*stream)))
            .collect(),
    ))
}

/// Builds a fresh index of every committed record of `store` next to the
/// old one and swaps it in. The caller holds the store's ingest lock.
pub fn rebuild(
    store: &StoreReader,
    on_progress: OnIndexProgress<'_>,
) -> Result<IndexSummary, FulltextError> {
    let started = Instant::now();
    let dir = index_dir(store);
    settle(&dir)?;
    let building = rebuild_dir(&dir);
    let mut index = IndexWriter::create(&building, &store.info().store_id)?;
    let summary = add_missing(store, &mut index, on_progress)?;
    index.finish()?;
    install(&building, &dir)?;
    Ok(IndexSummary {
        seconds: started.elapsed().as_secs_f64(),
        ..summary
    })
}

/// Adds to `index` every committed record it does not cover yet, commits,
/// and checks that it then covers the whole store.
fn add_missing(
    store: &StoreReader,
    index: &mut IndexWriter,
    on_progress: OnIndexProgress<'_>,
) -> Result<IndexSummary, FulltextError> {
    let started = Instant::now();
    let committed = tree_sizes(store.head());
    let total: u64 = committed
        .iter()
        .map(|(stream, size)| size.saturating_sub(index.state().covered(*stream)))
        .sum();
    let mut summary = IndexSummary::default();
    if total == 0 {
        summary.covered = index.state().covered.clone();
        return Ok(summary);
    }
    let pruned = store.pruned()?;
    let mut done = 0;
    for stream in INDEXED_STREAMS {
        let covered = index.state().covered(stream);
        let mut added = 0;
        if covered < committed[&stream] {
            for entry in store.live_entries(stream)? {
                if entry.first_seq + entry.count <= covered {
                    continue;
                }
                if pruned.contains_key(&entry.path) {
                    index.skip_pruned(stream, entry.first_seq, entry.count);
                    done += entry.count;
                    continue;
                }
                let records = store.segment_records(stream, &entry)?;
                let count = index.add(stream, &records)?;
                added += count;
                done += count;
                on_progress(IndexProgress {
                    stream,
                    done,
                    total,
                });
            }
        }
        summary.added.insert(stream, added);
    }
    index.commit(store.head().txn)?;
    for (stream, size) in &committed {
        let covered = index.state().covered(*stream);
        if covered != *size {
            return Err(FulltextError::Incomplete {
                stream: *stream,
                covered,
                committed: *size,
            });
        }
    }
    summary.covered = index.state().covered.clone();
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}
