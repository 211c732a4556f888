//! Searching an index: which records (stream, seq) match a query, earliest
//! first, among the records a caller says are visible (those of the
//! store's committed `HEAD`).
//!
//! The index holds blocks, not records (`fields.rs`). A search first judges
//! each block from its terms' frequencies: how many of its records match
//! at least and at most ([`Candidate`]). Blocks where none can match are
//! left out; the others are read (through the caller, who owns the store)
//! and their records judged one by one ([`RecordTerms`]), earliest blocks
//! first, until the `limit` earliest hits are certain. The total counts a
//! block whose count is certain (every record has the term, or none) from
//! the index alone, and reads the others, up to [`TOTAL_READ_BUDGET`]
//! records; past that the total is a lower bound. The index only says
//! where to look: a record is a hit only when the record itself matches,
//! so an index built from a doctored copy cannot show a record that does
//! not match; and a block holding fewer matches than the index claims for
//! certain is [`SearchError::Doctored`].

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashSet};
use std::path::{Path, PathBuf};

use tantivy::{IndexReader, ReloadPolicy};
use vakt_schemas::{Record, Stream};

pub use crate::candidates::Candidate;
use crate::candidates::segment_candidates;
use crate::error::{IndexError, QueryError, SearchError};
use crate::fields::Fields;
use crate::matcher::RecordTerms;
use crate::query::{Expr, Request, build, parse};
use crate::state::IndexState;
use crate::writer::open_index;

/// A search reads at most this many records of blocks whose count is not
/// certain beyond those it shows; past that its total is a lower bound.
pub const TOTAL_READ_BUDGET: u64 = 65_536;

/// How a search reads records: the stream and the sequence numbers wanted
/// (ascending); it returns those records.
pub type ReadRecords<'a, E> = dyn FnMut(Stream, &[u64]) -> Result<Vec<Record>, E> + 'a;

/// Blocks read at a time.
const READ_BATCH: usize = 32;

/// One matching record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hit {
    /// When the event happened, µs since the epoch (UTC).
    pub time_micros: i64,
    pub stream: Stream,
    pub seq: u64,
}

/// A hit and its record, as the caller read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub hit: Hit,
    pub record: Record,
}

impl PartialOrd for Found {
    fn partial_cmp(&self, other: &Found) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Found {
    fn cmp(&self, other: &Found) -> Ordering {
        self.hit.cmp(&other.hit)
    }
}

/// The first hits of a search and how many there are in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hits {
    /// At most the request's limit, ordered by time, then stream, then seq.
    pub hits: Vec<Found>,
    /// Every visible matching record when `total_exact`; otherwise at least
    /// this many (counting them all would read more than
    /// [`TOTAL_READ_BUDGET`] records).
    pub total: u64,
    pub total_exact: bool,
    /// Records read and judged.
    pub records_read: u64,
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
        parse(text).map(|_| ())
    }

    /// The blocks that may hold hits of `request` among the records
    /// `visible` lists (for each stream, those with `seq < visible[stream]`;
    /// streams not listed have none), earliest first.
    pub fn candidates(
        &self,
        request: &Request,
        visible: &BTreeMap<Stream, u64>,
    ) -> Result<Vec<Candidate>, SearchError> {
        let expr = build(request)?;
        let searcher = self.reader.searcher();
        let mut candidates = Vec::new();
        for segment in searcher.segment_readers() {
            segment_candidates(
                &self.dir,
                &self.fields,
                segment,
                &expr,
                visible,
                &mut candidates,
            )?;
        }
        candidates.sort_by_key(|candidate| {
            (
                candidate.time_min_micros,
                candidate.stream,
                candidate.first_seq,
            )
        });
        Ok(candidates)
    }

    /// The hits of `request` among the records `visible` lists, reading
    /// the records of candidate blocks with `read` (a stream and the
    /// sequence numbers wanted, ascending; it returns those records).
    pub fn search<E: From<SearchError>>(
        &self,
        request: &Request,
        visible: &BTreeMap<Stream, u64>,
        read: &mut ReadRecords<'_, E>,
    ) -> Result<Hits, E> {
        let expr = build(request).map_err(SearchError::from)?;
        let candidates = self.candidates(request, visible)?;
        let mut search = Collect {
            expr: &expr,
            limit: request.limit,
            earliest: BinaryHeap::new(),
            counted: vec![None; candidates.len()],
            seen: HashSet::new(),
            records_read: 0,
        };
        // The earliest hits: blocks in order of their earliest time, until
        // no block left can hold a hit earlier than the latest kept.
        let mut next = 0;
        while search.limit > 0 && next < candidates.len() {
            let mut batch = Vec::with_capacity(READ_BATCH);
            while next < candidates.len() && batch.len() < READ_BATCH {
                if !search.may_improve(&candidates[next]) {
                    break;
                }
                batch.push(next);
                next += 1;
            }
            if batch.is_empty() {
                break;
            }
            search.read(&candidates, &batch, read)?;
        }
        // The total: certain blocks from the index, the others read while
        // the budget lasts.
        let mut budget = request.count_budget.unwrap_or(TOTAL_READ_BUDGET);
        let uncertain: Vec<usize> = (0..candidates.len())
            .filter(|place| search.counted[*place].is_none() && !candidates[*place].certain())
            .collect();
        for chunk in uncertain.chunks(READ_BATCH) {
            let records: u64 = chunk.iter().map(|place| candidates[*place].count).sum();
            if records > budget {
                break;
            }
            budget -= records;
            search.read(&candidates, chunk, read)?;
        }
        let mut total = 0;
        let mut total_exact = true;
        for (candidate, counted) in candidates.iter().zip(&search.counted) {
            match counted {
                Some(count) => total += count,
                None => {
                    total += candidate.at_least;
                    total_exact &= candidate.certain();
                }
            }
        }
        let mut hits = search.earliest.into_vec();
        hits.sort_unstable();
        Ok(Hits {
            hits,
            total,
            total_exact,
            records_read: search.records_read,
        })
    }
}

/// The state of one search while it reads blocks.
struct Collect<'e> {
    expr: &'e Expr,
    limit: usize,
    /// The earliest hits so far, the latest on top.
    earliest: BinaryHeap<Found>,
    /// Per candidate: its matches, once read.
    counted: Vec<Option<u64>>,
    /// Records judged (a doctored index may list one in two blocks).
    seen: HashSet<(Stream, u64)>,
    records_read: u64,
}

impl Collect<'_> {
    /// Whether `candidate` may hold a hit earlier than the latest kept.
    fn may_improve(&self, candidate: &Candidate) -> bool {
        if self.earliest.len() < self.limit {
            return true;
        }
        self.earliest
            .peek()
            .is_none_or(|latest| candidate.time_min_micros <= latest.hit.time_micros)
    }

    /// Reads the records of the candidates at `places` and judges them.
    fn read<E: From<SearchError>>(
        &mut self,
        candidates: &[Candidate],
        places: &[usize],
        read: &mut ReadRecords<'_, E>,
    ) -> Result<(), E> {
        let mut by_stream: BTreeMap<Stream, Vec<usize>> = BTreeMap::new();
        for place in places {
            by_stream
                .entry(candidates[*place].stream)
                .or_default()
                .push(*place);
        }
        for (stream, mut blocks) in by_stream {
            blocks.sort_by_key(|place| candidates[*place].first_seq);
            let seqs: Vec<u64> = blocks
                .iter()
                .flat_map(|place| candidates[*place].seqs())
                .collect();
            let records = read(stream, &seqs)?;
            for place in &blocks {
                self.counted[*place] = Some(0);
            }
            for record in records {
                let seq = record.envelope.seq;
                let Some(place) = blocks
                    .iter()
                    .find(|place| candidates[**place].seqs().contains(&seq))
                else {
                    continue;
                };
                if record.stream() != stream || !self.seen.insert((stream, seq)) {
                    continue;
                }
                self.records_read += 1;
                let Some(terms) = RecordTerms::of(&record) else {
                    continue;
                };
                if !terms.matches(self.expr) {
                    continue;
                }
                if let Some(count) = self.counted[*place].as_mut() {
                    *count += 1;
                }
                self.keep(Found {
                    hit: Hit {
                        time_micros: record.envelope.time.timestamp_micros(),
                        stream,
                        seq,
                    },
                    record,
                });
            }
            // What the index claims for certain must hold in the records.
            for place in &blocks {
                let found = self.counted[*place].unwrap_or(0);
                let candidate = &candidates[*place];
                if found < candidate.at_least {
                    return Err(SearchError::Doctored {
                        stream,
                        first_seq: candidate.first_seq,
                        claimed: candidate.at_least,
                        found,
                    }
                    .into());
                }
            }
        }
        Ok(())
    }

    fn keep(&mut self, found: Found) {
        if self.limit == 0 {
            return;
        }
        if self.earliest.len() < self.limit {
            self.earliest.push(found);
        } else if self
            .earliest
            .peek()
            .is_some_and(|latest| found.hit < latest.hit)
        {
            self.earliest.pop();
            self.earliest.push(found);
        }
    }
}
