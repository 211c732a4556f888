//! Searching an index: which records (stream, seq) match a query, earliest
//! first, counting only the records a caller says are visible (those of the
//! store's committed `HEAD`).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashSet};
use std::path::{Path, PathBuf};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::Query;
use tantivy::{DocId, Index, IndexReader, ReloadPolicy, Score, SegmentOrdinal, SegmentReader};
use vakt_schemas::{Record, Stream};

use crate::analysis::index_tokenizers;
use crate::document::document;
use crate::error::{IndexError, QueryError, SearchError};
use crate::fields::{Fields, SEQ, STREAM, TIME, build_schema};
use crate::query::{Request, build, parse};
use crate::state::IndexState;
use crate::writer::open_index;

/// One matching record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hit {
    /// When the event happened, µs since the epoch (UTC).
    pub time_micros: i64,
    pub stream: Stream,
    pub seq: u64,
}

/// The first hits of a search and how many there are in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hits {
    /// At most the request's limit, ordered by time, then stream, then seq.
    pub hits: Vec<Hit>,
    /// Every visible matching record.
    pub total: u64,
}

/// A reader of the index in `dir` (it never reloads: one view throughout),
/// its fields and what it covers.
pub(crate) fn open_reader(dir: &Path) -> Result<(IndexReader, Fields, IndexState), IndexError> {
    let (index, fields, state) = open_index(dir)?;
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(IndexError::tantivy(dir))?;
    Ok((reader, fields, state))
}

/// An index opened for searching (read-only: a reader does not change it).
pub struct IndexSearcher {
    dir: PathBuf,
    fields: Fields,
    state: IndexState,
    reader: IndexReader,
}

impl IndexSearcher {
    /// Opens the index in `dir`.
    pub fn open(dir: &Path) -> Result<IndexSearcher, IndexError> {
        let (reader, fields, state) = open_reader(dir)?;
        Ok(IndexSearcher {
            dir: dir.to_path_buf(),
            fields,
            state,
            reader,
        })
    }

    /// What the index covered when it was opened.
    pub fn state(&self) -> &IndexState {
        &self.state
    }

    /// Checks a query's syntax and field names without running it.
    pub fn check(&self, text: &str) -> Result<(), QueryError> {
        parse(&self.fields, text).map(|_| ())
    }

    /// The hits of `request` among the records `visible` lists: for each
    /// stream, those with `seq < visible[stream]` (streams not listed have
    /// none).
    pub fn search(
        &self,
        request: &Request,
        visible: &BTreeMap<Stream, u64>,
    ) -> Result<Hits, SearchError> {
        let query = build(&self.fields, request)?;
        let mut limits = [0u64; 6];
        for (stream, size) in visible {
            if request.streams.is_empty() || request.streams.contains(stream) {
                limits[slot(*stream)] = *size;
            }
        }
        let collector = HitCollector {
            limits,
            limit: request.limit,
        };
        let searcher = self.reader.searcher();
        let (total, hits) = searcher
            .search(query.as_ref() as &dyn Query, &collector)
            .map_err(IndexError::tantivy(&self.dir))?;
        Ok(Hits { hits, total })
    }
}

fn slot(stream: Stream) -> usize {
    usize::from(stream.tag() - 1)
}

/// Keeps the `limit` earliest visible hits and counts them all.
struct HitCollector {
    /// Per stream (by tag - 1): hits need `seq` below this.
    limits: [u64; 6],
    limit: usize,
}

impl Collector for HitCollector {
    type Fruit = (u64, Vec<Hit>);
    type Child = SegmentHits;

    fn for_segment(
        &self,
        _segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentHits> {
        let fast = segment.fast_fields();
        let (streams, stream_ords) = match fast.str(STREAM)? {
            Some(column) => {
                let mut streams = Vec::with_capacity(column.num_terms());
                let mut name = String::new();
                for ord in 0..column.num_terms() as u64 {
                    column.ord_to_str(ord, &mut name)?;
                    streams.push(name.parse::<Stream>().ok());
                }
                let (_, ords) = column.into_parts();
                (streams, Some(ords))
            }
            None => (Vec::new(), None),
        };
        Ok(SegmentHits {
            streams,
            stream_ords,
            seqs: fast.u64(SEQ)?,
            times: fast.date(TIME)?,
            limits: self.limits,
            limit: self.limit,
            total: 0,
            heap: BinaryHeap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(u64, Vec<Hit>)>) -> tantivy::Result<(u64, Vec<Hit>)> {
        let mut total = 0;
        let mut hits = Vec::new();
        for (count, segment_hits) in fruits {
            total += count;
            hits.extend(segment_hits);
        }
        hits.sort_unstable();
        hits.truncate(self.limit);
        Ok((total, hits))
    }
}

struct SegmentHits {
    /// The stream of each term ordinal of the segment's `stream` column.
    streams: Vec<Option<Stream>>,
    stream_ords: Option<Column<u64>>,
    seqs: Column<u64>,
    times: Column<tantivy::DateTime>,
    limits: [u64; 6],
    limit: usize,
    total: u64,
    /// The earliest hits so far, latest on top.
    heap: BinaryHeap<Hit>,
}

impl SegmentCollector for SegmentHits {
    type Fruit = (u64, Vec<Hit>);

    fn collect(&mut self, doc: DocId, _score: Score) {
        let Some(stream) = self
            .stream_ords
            .as_ref()
            .and_then(|ords| ords.first(doc))
            .and_then(|ord| self.streams.get(ord as usize).copied().flatten())
        else {
            return;
        };
        let Some(seq) = self.seqs.first(doc) else {
            return;
        };
        if seq >= self.limits[slot(stream)] {
            return;
        }
        self.total += 1;
        if self.limit == 0 {
            return;
        }
        let time_micros = self
            .times
            .first(doc)
            .map_or(i64::MIN, |time| time.into_timestamp_micros());
        let hit = Hit {
            time_micros,
            stream,
            seq,
        };
        if self.heap.len() < self.limit {
            self.heap.push(hit);
        } else if self
            .heap
            .peek()
            .is_some_and(|latest| hit.cmp(latest) == Ordering::Less)
        {
            self.heap.pop();
            self.heap.push(hit);
        }
    }

    fn harvest(self) -> (u64, Vec<Hit>) {
        (self.total, self.heap.into_vec())
    }
}

/// Whether each of `records` matches `request`, judged from the records
/// themselves: they are indexed afresh in memory, with this version's
/// analyzers, and the request runs against that. The stored index only
/// says where to look; this says whether what was found is really a hit,
/// so an index built from a doctored copy cannot show a record that does
/// not match. Records of streams that are not indexed never match.
pub fn matching(request: &Request, records: &[Record]) -> Result<Vec<bool>, SearchError> {
    let memory = Path::new("(in memory)");
    let mut index = Index::create_in_ram(build_schema());
    index.set_tokenizers(index_tokenizers());
    let Some(fields) = Fields::of(&index.schema()) else {
        return Err(SearchError::Index(IndexError::Tantivy {
            path: memory.to_path_buf(),
            detail: "the in-memory index lacks this version's fields".into(),
        }));
    };
    let mut writer: tantivy::IndexWriter = index
        .writer_with_num_threads(1, MEMORY_ARENA_BYTES)
        .map_err(IndexError::tantivy(memory))?;
    for record in records {
        if let Some(document) = document(&fields, record) {
            writer
                .add_document(document)
                .map_err(IndexError::tantivy(memory))?;
        }
    }
    writer.commit().map_err(IndexError::tantivy(memory))?;
    let reader = index.reader().map_err(IndexError::tantivy(memory))?;
    let query = build(&fields, request)?;
    let collector = HitCollector {
        limits: [u64::MAX; 6],
        limit: records.len(),
    };
    let (_, hits) = reader
        .searcher()
        .search(query.as_ref() as &dyn Query, &collector)
        .map_err(IndexError::tantivy(memory))?;
    let found: HashSet<(Stream, u64)> = hits.iter().map(|hit| (hit.stream, hit.seq)).collect();
    Ok(records
        .iter()
        .map(|record| found.contains(&(record.stream(), record.envelope.seq)))
        .collect())
}

/// The smallest memory tantivy lets one indexing thread have.
const MEMORY_ARENA_BYTES: usize = 15_000_000;
