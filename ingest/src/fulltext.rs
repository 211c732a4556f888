//! The full-text index as part of every commit: the [`CommitHook`] that
//! adds a commit's records to `<store>/index/` and commits the index
//! (recording what it covers) before the store's `HEAD` is written.
//!
//! So after a crash the index may be ahead of `HEAD` (it holds documents of
//! a commit that never became visible) but never behind it; `recover` drops
//! those documents. Searches filter by `HEAD` as well, so they never show a
//! record that is not in the store.

use std::collections::BTreeMap;

use vakt_index::{INDEXED_STREAMS, IndexWriter};
use vakt_schemas::head::Head;
use vakt_schemas::{Record, Stream};

use crate::commit::CommitHook;

/// Keeps the full-text index in step with the store's commits.
pub struct FulltextHook {
    index: IndexWriter,
}

impl FulltextHook {
    /// The hook writing to `index` (open it with [`IndexWriter::open`] and
    /// bring it up to `HEAD` first).
    pub fn new(index: IndexWriter) -> FulltextHook {
        FulltextHook { index }
    }

    pub fn index(&self) -> &IndexWriter {
        &self.index
    }

    /// Closes the index after its background merges.
    pub fn finish(self) -> Result<(), String> {
        self.index.finish().map_err(|error| error.to_string())
    }
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
