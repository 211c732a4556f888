//! Writing an index: adding the documents of committed records, committing
//! them together with what they cover, dropping documents of records that
//! were never committed, and replacing a whole index by a rebuilt one.
//!
//! A rebuild is written into `<dir>.rebuild` next to the index and swapped
//! in by renames (`<dir>` to `<dir>.old`, `<dir>.rebuild` to `<dir>`); a
//! writer opening the index first finishes or undoes an interrupted swap
//! ([`settle`]), so a crash leaves the old index or the new one.

use std::collections::BTreeMap;
use std::fs;
use std::ops::Bound;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tantivy::query::{BooleanQuery, Query, RangeQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Index, Term};
use vakt_schemas::{Record, Stream};

use crate::analysis::index_tokenizers;
use crate::blocks::segment_blocks;
use crate::document::{Block, INDEXED_STREAMS, block_ranges, is_indexed};
use crate::error::IndexError;
use crate::fields::{Fields, SCHEMA_VERSION, build_schema};
use crate::state::IndexState;

/// Blocks made at a time (in parallel) before they go to tantivy.
const BLOCKS_AT_A_TIME: usize = 64;

/// Memory the writer may use for documents not yet written to a segment.
pub const WRITER_HEAP_BYTES: usize = 96 << 20;

/// The file tantivy keeps its commit point in.
const META: &str = "meta.json";

/// Whether `dir` holds an index (a committed one: its meta file exists).
pub fn exists(dir: &Path) -> bool {
    dir.join(META).is_file()
}

/// Where a rebuild of the index in `dir` is written before it replaces it.
pub fn rebuild_dir(dir: &Path) -> PathBuf {
    sibling(dir, "rebuild")
}

/// Where the index in `dir` is moved while a rebuild replaces it.
pub fn old_dir(dir: &Path) -> PathBuf {
    sibling(dir, "old")
}

fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let name = dir.file_name().map_or_else(
        || "index".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    dir.with_file_name(format!("{name}.{suffix}"))
}

/// Finishes or undoes a swap that was interrupted: if `dir` is missing, the
/// finished rebuild (or else the old index) takes its place; leftovers of
/// either are removed. Call it only while no rebuild runs (under the
/// store's ingest lock).
pub fn settle(dir: &Path) -> Result<(), IndexError> {
    let rebuilt = rebuild_dir(dir);
    let old = old_dir(dir);
    if !exists(dir) {
        if readable_state(&rebuilt).is_some() {
            remove_dir(dir)?;
            rename(&rebuilt, dir)?;
        } else if exists(&old) {
            remove_dir(dir)?;
            rename(&old, dir)?;
        }
    }
    remove_dir(&rebuilt)?;
    remove_dir(&old)
}

/// Puts the finished index in `rebuilt` in the place of the one in `dir`.
pub fn install(rebuilt: &Path, dir: &Path) -> Result<(), IndexError> {
    let old = old_dir(dir);
    remove_dir(&old)?;
    if dir.exists() {
        rename(dir, &old)?;
    }
    rename(rebuilt, dir)?;
    remove_dir(&old)
}

fn readable_state(dir: &Path) -> Option<IndexState> {
    if !exists(dir) {
        return None;
    }
    let index = Index::open_in_dir(dir).ok()?;
    let payload = index.load_metas().ok()?.payload?;
    IndexState::from_json(&payload).ok()
}

fn rename(from: &Path, to: &Path) -> Result<(), IndexError> {
    fs::rename(from, to).map_err(IndexError::io(from))?;
    if let Some(parent) = to.parent() {
        // The rename must reach the disk before anything relies on it.
        if let Ok(folder) = fs::File::open(parent) {
            let _ = folder.sync_all();
        }
    }
    Ok(())
}

fn remove_dir(dir: &Path) -> Result<(), IndexError> {
    match fs::remove_dir_all(dir) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            Err(IndexError::io(dir)(error))
        }
        _ => Ok(()),
    }
}

/// Opens the index in `dir` as this version reads it: the tokenizers
/// registered, the schema checked, and the coverage payload read.
pub(crate) fn open_index(dir: &Path) -> Result<(Index, Fields, IndexState), IndexError> {
    if !exists(dir) {
        return Err(IndexError::Missing(dir.to_path_buf()));
    }
    let mut index = Index::open_in_dir(dir).map_err(IndexError::tantivy(dir))?;
    index.set_tokenizers(index_tokenizers());
    let incompatible = |detail: String| IndexError::Incompatible {
        path: dir.to_path_buf(),
        detail,
    };
    let metas = index.load_metas().map_err(IndexError::tantivy(dir))?;
    let payload = metas
        .payload
        .ok_or_else(|| incompatible("its last commit does not say what it covers".into()))?;
    let state = IndexState::from_json(&payload)
        .map_err(|error| incompatible(format!("unreadable coverage payload: {error}")))?;
    if state.schema != SCHEMA_VERSION {
        return Err(incompatible(format!(
            "it has schema version {}, this vakt writes version {SCHEMA_VERSION}",
            state.schema
        )));
    }
    let fields = Fields::of(&index.schema())
        .ok_or_else(|| incompatible("its fields are not those of this version".into()))?;
    Ok((index, fields, state))
}

/// An index open for writing (tantivy's writer lock held).
pub struct IndexWriter {
    dir: PathBuf,
    fields: Fields,
    writer: Option<tantivy::IndexWriter>,
    /// What the last commit recorded.
    state: IndexState,
    /// What the next commit will record.
    pending: IndexState,
}

impl IndexWriter {
    /// Opens the index of store `store_id` in `dir`, after settling an
    /// interrupted rebuild. [`IndexError::Missing`] when there is none,
    /// [`IndexError::Incompatible`] when it must be rebuilt.
    pub fn open(dir: &Path, store_id: &str) -> Result<IndexWriter, IndexError> {
        settle(dir)?;
        let (index, fields, state) = open_index(dir)?;
        if state.store_id != store_id {
            return Err(IndexError::Incompatible {
                path: dir.to_path_buf(),
                detail: format!(
                    "it belongs to store {}, not to this store {store_id}",
                    state.store_id
                ),
            });
        }
        IndexWriter::with_index(dir, &index, fields, state)
    }

    /// Creates an empty index of store `store_id` in `dir`, replacing
    /// whatever the folder held.
    pub fn create(dir: &Path, store_id: &str) -> Result<IndexWriter, IndexError> {
        remove_dir(dir)?;
        fs::create_dir_all(dir).map_err(IndexError::io(dir))?;
        let index = Index::builder()
            .schema(build_schema())
            .tokenizers(index_tokenizers())
            .create_in_dir(dir)
            .map_err(IndexError::tantivy(dir))?;
        let fields = Fields::of(&index.schema()).ok_or_else(|| IndexError::Incompatible {
            path: dir.to_path_buf(),
            detail: "the new index does not have this version's schema".into(),
        })?;
        let state = IndexState::empty(store_id);
        let mut writer = IndexWriter::with_index(dir, &index, fields, state)?;
        writer.commit(0)?;
        Ok(writer)
    }

    fn with_index(
        dir: &Path,
        index: &Index,
        fields: Fields,
        state: IndexState,
    ) -> Result<IndexWriter, IndexError> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |cores| cores.get())
            .clamp(1, 2);
        let writer = index
            .writer_with_num_threads(threads, WRITER_HEAP_BYTES)
            .map_err(IndexError::tantivy(dir))?;
        Ok(IndexWriter {
            dir: dir.to_path_buf(),
            fields,
            writer: Some(writer),
            pending: state.clone(),
            state,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What the index covers as of its last commit.
    pub fn state(&self) -> &IndexState {
        &self.state
    }

    fn writer(&self) -> Result<&tantivy::IndexWriter, IndexError> {
        self.writer.as_ref().ok_or_else(|| IndexError::Tantivy {
            path: self.dir.clone(),
            detail: "the writer was closed".into(),
        })
    }

    /// Adds the blocks of `records` (all of `stream`, in sequence order,
    /// from one segment or one commit) that extend what the index covers:
    /// records it covers already are skipped, and at a gap (a record after
    /// one it does not hold) it stops, as a record past a gap could not be
    /// counted as covered. Returns how many records were added; they count
    /// once [`IndexWriter::commit`] succeeds.
    pub fn add(&mut self, stream: Stream, records: &[Record]) -> Result<u64, IndexError> {
        if !is_indexed(stream) {
            return Ok(0);
        }
        let next = self.pending.covered(stream);
        let start = records.partition_point(|record| record.envelope.seq < next);
        let mut end = start;
        while end < records.len()
            && records[end].envelope.seq == next + (end - start) as u64
            && records[end].stream() == stream
        {
            end += 1;
        }
        let new = &records[start..end];
        // Blocks are made on all cores, a bounded number at a time.
        let ranges = block_ranges(new);
        for chunk in ranges.chunks(BLOCKS_AT_A_TIME) {
            let documents: Vec<_> = chunk
                .par_iter()
                .filter_map(|range| Block::of(&new[range.clone()]))
                .map(|block| block.document(&self.fields))
                .collect();
            let writer = self.writer()?;
            for document in documents {
                writer
                    .add_document(document)
                    .map_err(IndexError::tantivy(&self.dir))?;
            }
        }
        let added = new.len() as u64;
        self.pending.covered.insert(stream, next + added);
        Ok(added)
    }

    /// Counts the records `first_seq .. first_seq + count` of `stream` as
    /// covered without documents (they were pruned from the store), when
    /// they are the next the index lacks. Returns whether it did.
    pub fn skip_pruned(&mut self, stream: Stream, first_seq: u64, count: u64) -> bool {
        if !is_indexed(stream) || self.pending.covered(stream) != first_seq {
            return false;
        }
        self.pending.covered.insert(stream, first_seq + count);
        true
    }

    /// Deletes the blocks of the records `from .. to` of `stream` (a pruned
    /// segment, which holds whole blocks); they go with the next
    /// [`IndexWriter::commit`]. What the index covers does not change.
    pub fn delete_range(&mut self, stream: Stream, from: u64, to: u64) -> Result<(), IndexError> {
        let range: Vec<Box<dyn Query>> = vec![
            Box::new(TermQuery::new(
                Term::from_field_text(self.fields.stream, stream.name()),
                IndexRecordOption::Basic,
            )),
            Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_u64(self.fields.first_seq, from)),
                Bound::Excluded(Term::from_field_u64(self.fields.first_seq, to)),
            )),
        ];
        self.writer()?
            .delete_query(Box::new(BooleanQuery::intersection(range)))
            .map_err(IndexError::tantivy(&self.dir))?;
        Ok(())
    }

    /// Commits the documents added since the last commit, recording what
    /// the index now covers as of store commit `txn`.
    pub fn commit(&mut self, txn: u64) -> Result<(), IndexError> {
        self.pending.txn = txn;
        let payload = self.pending.to_json();
        let dir = self.dir.clone();
        let Some(writer) = self.writer.as_mut() else {
            return Err(IndexError::Tantivy {
                path: dir,
                detail: "the writer was closed".into(),
            });
        };
        let result = writer.prepare_commit().and_then(|mut prepared| {
            prepared.set_payload(&payload);
            prepared.commit()
        });
        match result {
            Ok(_) => {
                self.state = self.pending.clone();
                Ok(())
            }
            Err(error) => {
                let _ = writer.rollback();
                self.pending = self.state.clone();
                Err(IndexError::tantivy(&dir)(error))
            }
        }
    }

    /// Deletes every block reaching at or past `limits[stream]` (the
    /// committed tree sizes; a stream not listed counts as empty) and
    /// commits, so the index covers no record beyond them. A block that
    /// straddles the limit (an index never writes one: blocks end with
    /// commits) goes too, and the index then covers the records before it.
    pub fn truncate(&mut self, txn: u64, limits: &BTreeMap<Stream, u64>) -> Result<(), IndexError> {
        for stream in INDEXED_STREAMS {
            let mut keep = self
                .pending
                .covered(stream)
                .min(limits.get(&stream).copied().unwrap_or(0));
            if let Some(straddling) = self.block_before(stream, keep)? {
                keep = straddling;
            }
            let beyond: Vec<Box<dyn Query>> = vec![
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.stream, stream.name()),
                    IndexRecordOption::Basic,
                )),
                Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_u64(self.fields.first_seq, keep)),
                    Bound::Unbounded,
                )),
            ];
            self.writer()?
                .delete_query(Box::new(BooleanQuery::intersection(beyond)))
                .map_err(IndexError::tantivy(&self.dir))?;
            self.pending.covered.insert(stream, keep);
        }
        self.commit(txn)
    }

    /// The first seq of a committed block of `stream` that starts before
    /// `limit` and reaches past it, if there is one.
    fn block_before(&self, stream: Stream, limit: u64) -> Result<Option<u64>, IndexError> {
        let Some(index) = self.writer.as_ref().map(|writer| writer.index().clone()) else {
            return Ok(None);
        };
        let reader = index.reader().map_err(IndexError::tantivy(&self.dir))?;
        let searcher = reader.searcher();
        let from = limit.saturating_sub(crate::fields::BLOCK_RECORDS as u64);
        let mut straddling: Option<u64> = None;
        for segment in searcher.segment_readers() {
            for block in segment_blocks(&self.dir, segment)? {
                let reaches_past = block.first_seq < limit && block.first_seq + block.count > limit;
                if block.stream == stream && block.first_seq >= from && reaches_past {
                    straddling =
                        Some(straddling.map_or(block.first_seq, |seen| seen.min(block.first_seq)));
                }
            }
        }
        Ok(straddling)
    }

    /// Waits for background merges of segments and closes the writer.
    pub fn finish(mut self) -> Result<(), IndexError> {
        self.close()
    }

    fn close(&mut self) -> Result<(), IndexError> {
        match self.writer.take() {
            Some(writer) => writer
                .wait_merging_threads()
                .map_err(IndexError::tantivy(&self.dir)),
            None => Ok(()),
        }
    }
}

impl Drop for IndexWriter {
    fn drop(&mut self) {
        let _ = self.close();
    }
}
