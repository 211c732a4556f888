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
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::ops::Bound;
use std::path::{Path, PathBuf};

use tantivy::DocSet;
use tantivy::columnar::Column;
use tantivy::postings::Postings as _;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, IndexReader, ReloadPolicy, SegmentReader, TERMINATED, Term};
use vakt_schemas::{Record, Stream};

use crate::error::{IndexError, QueryError, SearchError};
use crate::fields::{
    COUNT, FIRST_SEQ, Fields, STREAM, TEXT_FIELDS, TIME_MAX, TIME_MIN, counts_records,
};
use crate::matcher::{RecordTerms, within};
use crate::query::{Expr, FieldRef, Request, build, parse};
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

/// A block that may hold matches, and how many at least and at most.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub stream: Stream,
    pub first_seq: u64,
    /// Its visible records (`first_seq .. first_seq + count`).
    pub count: u64,
    pub time_min_micros: i64,
    pub time_max_micros: i64,
    pub at_least: u64,
    pub at_most: u64,
}

impl Candidate {
    fn certain(&self) -> bool {
        self.at_least == self.at_most
    }

    fn seqs(&self) -> std::ops::Range<u64> {
        self.first_seq..self.first_seq + self.count
    }
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

/// How many of a block's `count` records match: at least, at most.
#[derive(Clone, Copy, Debug)]
struct Range {
    least: u64,
    most: u64,
}

impl Range {
    fn exactly(count: u64) -> Range {
        Range {
            least: count,
            most: count,
        }
    }
}

/// An [`Expr`] with what one segment says about its terms, per document.
enum Prepared {
    Fixed(bool),
    /// Records with the term, per document (or only some, when the field
    /// does not count records).
    Term(Postings),
    /// A term of the stream field: matches the block's own stream.
    Stream(String),
    /// Per term of the phrase, records with it (`None`: a prefix, unknown).
    Phrase(Vec<Option<Postings>>),
    /// Per document, (most records with one of the terms, records with
    /// any summed), and whether the field counts records.
    Union(HashMap<DocId, (u32, u32)>, bool),
    Unknown,
    Seq(Bound<u64>, Bound<u64>),
    Time(Bound<i64>, Bound<i64>),
    Bool {
        must: Vec<Prepared>,
        should: Vec<Prepared>,
        must_not: Vec<Prepared>,
    },
}

/// A term's postings in one segment: per document, the records with it.
struct Postings {
    freqs: HashMap<DocId, u32>,
    /// Whether the field counts records (`fields::counts_records`), or only
    /// says that some record has the term.
    counted: bool,
}

impl Postings {
    /// At least and at most how many of `block`'s records have the term.
    fn range(&self, block: &BlockIdentity) -> Range {
        let freq = u64::from(self.freqs.get(&block.doc).copied().unwrap_or(0)).min(block.count);
        if self.counted {
            Range::exactly(freq)
        } else if freq > 0 {
            Range {
                least: 1,
                most: block.count,
            }
        } else {
            Range::exactly(0)
        }
    }
}

/// One document's identity, as its fast fields give it.
struct BlockIdentity {
    doc: DocId,
    stream: Stream,
    first_seq: u64,
    count: u64,
    time_min: i64,
    time_max: i64,
}

impl Prepared {
    fn of(
        dir: &Path,
        fields: &Fields,
        segment: &SegmentReader,
        expr: &Expr,
    ) -> Result<Prepared, IndexError> {
        let text_field = |place: usize| {
            fields
                .text(TEXT_FIELDS[place].0)
                .ok_or_else(|| IndexError::Incompatible {
                    path: dir.to_path_buf(),
                    detail: format!("no field {}", TEXT_FIELDS[place].0),
                })
        };
        let tantivy = |error: tantivy::TantivyError| IndexError::Tantivy {
            path: dir.to_path_buf(),
            detail: error.to_string(),
        };
        let io = |error: std::io::Error| IndexError::Io {
            path: dir.to_path_buf(),
            source: error,
        };
        let postings = |place: usize, term: &str| -> Result<Postings, IndexError> {
            let field = text_field(place)?;
            let inverted = segment.inverted_index(field).map_err(tantivy)?;
            let mut freqs = HashMap::new();
            let found = inverted
                .read_postings(
                    &Term::from_field_text(field, term),
                    IndexRecordOption::WithFreqs,
                )
                .map_err(io)?;
            if let Some(mut postings) = found {
                while postings.doc() != TERMINATED {
                    freqs.insert(postings.doc(), postings.term_freq());
                    postings.advance();
                }
            }
            Ok(Postings {
                freqs,
                counted: counts_records(TEXT_FIELDS[place].0),
            })
        };
        // Every term of a field accepted by `keep`, merged per document.
        let union = |place: usize,
                     lower: Bound<&str>,
                     upper: Bound<&str>,
                     keep: &dyn Fn(&[u8]) -> bool|
         -> Result<HashMap<DocId, (u32, u32)>, IndexError> {
            let field = text_field(place)?;
            let inverted = segment.inverted_index(field).map_err(tantivy)?;
            let mut range = inverted.terms().range();
            range = match lower {
                Bound::Included(bound) => range.ge(bound),
                Bound::Excluded(bound) => range.gt(bound),
                Bound::Unbounded => range,
            };
            range = match upper {
                Bound::Included(bound) => range.le(bound),
                Bound::Excluded(bound) => range.lt(bound),
                Bound::Unbounded => range,
            };
            let mut terms = range.into_stream().map_err(io)?;
            let mut merged: HashMap<DocId, (u32, u32)> = HashMap::new();
            while terms.advance() {
                if !keep(terms.key()) {
                    continue;
                }
                let mut postings = inverted
                    .read_postings_from_terminfo(terms.value(), IndexRecordOption::WithFreqs)
                    .map_err(io)?;
                while postings.doc() != TERMINATED {
                    let freq = postings.term_freq();
                    let entry = merged.entry(postings.doc()).or_insert((0, 0));
                    entry.0 = entry.0.max(freq);
                    entry.1 += freq;
                    postings.advance();
                }
            }
            Ok(merged)
        };
        let prepared = match expr {
            Expr::All => Prepared::Fixed(true),
            Expr::Nothing => Prepared::Fixed(false),
            Expr::Term {
                field: FieldRef::Stream,
                term,
            } => Prepared::Stream(term.clone()),
            Expr::Term {
                field: FieldRef::Text(place),
                term,
            } => Prepared::Term(postings(*place, term)?),
            Expr::Phrase {
                field: FieldRef::Text(place),
                terms,
                prefix,
                ..
            } => {
                let last = terms.len().saturating_sub(1);
                let mut each = Vec::with_capacity(terms.len());
                for (index, (_, term)) in terms.iter().enumerate() {
                    if *prefix && index == last {
                        each.push(None);
                    } else {
                        each.push(Some(postings(*place, term)?));
                    }
                }
                Prepared::Phrase(each)
            }
            Expr::Phrase {
                field: FieldRef::Stream,
                ..
            } => Prepared::Fixed(false),
            Expr::TermSet {
                field: FieldRef::Text(place),
                terms,
            } => {
                let mut merged: HashMap<DocId, (u32, u32)> = HashMap::new();
                let mut distinct: Vec<&String> = terms.iter().collect();
                distinct.sort();
                distinct.dedup();
                for term in distinct {
                    for (doc, freq) in postings(*place, term)?.freqs {
                        let entry = merged.entry(doc).or_insert((0, 0));
                        entry.0 = entry.0.max(freq);
                        entry.1 += freq;
                    }
                }
                Prepared::Union(merged, counts_records(TEXT_FIELDS[*place].0))
            }
            Expr::TermRange {
                field: FieldRef::Text(place),
                lower,
                upper,
            } => Prepared::Union(
                union(
                    *place,
                    lower.as_ref().map(String::as_str),
                    upper.as_ref().map(String::as_str),
                    &|_| true,
                )?,
                counts_records(TEXT_FIELDS[*place].0),
            ),
            Expr::TermSet {
                field: FieldRef::Stream,
                ..
            }
            | Expr::TermRange {
                field: FieldRef::Stream,
                ..
            }
            | Expr::Exists { .. } => Prepared::Unknown,
            Expr::Seq(lower, upper) => Prepared::Seq(*lower, *upper),
            Expr::Time(lower, upper) => Prepared::Time(*lower, *upper),
            Expr::Bool {
                must,
                should,
                must_not,
            } => {
                let each = |exprs: &Vec<Expr>| -> Result<Vec<Prepared>, IndexError> {
                    exprs
                        .iter()
                        .map(|expr| Prepared::of(dir, fields, segment, expr))
                        .collect()
                };
                Prepared::Bool {
                    must: each(must)?,
                    should: each(should)?,
                    must_not: each(must_not)?,
                }
            }
        };
        Ok(prepared)
    }

    /// How many of the block's records match, at least and at most.
    fn range(&self, block: &BlockIdentity) -> Range {
        let count = block.count;
        match self {
            Prepared::Fixed(true) => Range::exactly(count),
            Prepared::Fixed(false) => Range::exactly(0),
            Prepared::Term(postings) => postings.range(block),
            Prepared::Stream(name) => Range::exactly(if block.stream.name() == name {
                count
            } else {
                0
            }),
            Prepared::Phrase(each) => Range {
                least: 0,
                most: each
                    .iter()
                    .map(|postings| {
                        postings
                            .as_ref()
                            .map_or(count, |postings| postings.range(block).most)
                    })
                    .min()
                    .unwrap_or(0),
            },
            Prepared::Union(merged, counted) => {
                let (most_one, sum) = merged.get(&block.doc).copied().unwrap_or((0, 0));
                if *counted {
                    Range {
                        least: u64::from(most_one).min(count),
                        most: u64::from(sum).min(count),
                    }
                } else if sum > 0 {
                    Range {
                        least: 1,
                        most: count,
                    }
                } else {
                    Range::exactly(0)
                }
            }
            Prepared::Unknown => Range {
                least: 0,
                most: count,
            },
            Prepared::Seq(lower, upper) => {
                let inside = (block.first_seq..block.first_seq + count)
                    .filter(|seq| within(seq, lower.as_ref(), upper.as_ref()))
                    .count() as u64;
                Range::exactly(inside)
            }
            Prepared::Time(lower, upper) => {
                let first = within(&block.time_min, lower.as_ref(), upper.as_ref());
                let last = within(&block.time_max, lower.as_ref(), upper.as_ref());
                let before = match lower {
                    Bound::Included(bound) => block.time_max < *bound,
                    Bound::Excluded(bound) => block.time_max <= *bound,
                    Bound::Unbounded => false,
                };
                let after = match upper {
                    Bound::Included(bound) => block.time_min > *bound,
                    Bound::Excluded(bound) => block.time_min >= *bound,
                    Bound::Unbounded => false,
                };
                if first && last {
                    Range::exactly(count)
                } else if before || after {
                    Range::exactly(0)
                } else {
                    Range {
                        least: u64::from(first || last),
                        most: count,
                    }
                }
            }
            Prepared::Bool {
                must,
                should,
                must_not,
            } => {
                let included = if must.is_empty() {
                    if should.is_empty() {
                        Range::exactly(0)
                    } else {
                        // Some of them: at least the best one's, at most all summed.
                        should.iter().map(|part| part.range(block)).fold(
                            Range { least: 0, most: 0 },
                            |so_far, part| Range {
                                least: so_far.least.max(part.least),
                                most: (so_far.most + part.most).min(count),
                            },
                        )
                    }
                } else {
                    // All of them: what they must share, at most the smallest.
                    must.iter().map(|part| part.range(block)).fold(
                        Range::exactly(count),
                        |so_far, part| Range {
                            least: (so_far.least + part.least).saturating_sub(count),
                            most: so_far.most.min(part.most),
                        },
                    )
                };
                let excluded = must_not.iter().map(|part| part.range(block)).fold(
                    Range { least: 0, most: 0 },
                    |so_far, part| Range {
                        least: so_far.least.max(part.least),
                        most: (so_far.most + part.most).min(count),
                    },
                );
                Range {
                    least: included.least.saturating_sub(excluded.most),
                    most: included.most.min(count - excluded.least),
                }
            }
        }
    }
}

/// Adds the blocks of `segment` that may hold hits of `expr` to `found`.
fn segment_candidates(
    dir: &Path,
    fields: &Fields,
    segment: &SegmentReader,
    expr: &Expr,
    visible: &BTreeMap<Stream, u64>,
    found: &mut Vec<Candidate>,
) -> Result<(), IndexError> {
    let tantivy = |error: tantivy::TantivyError| IndexError::Tantivy {
        path: dir.to_path_buf(),
        detail: error.to_string(),
    };
    let fast = segment.fast_fields();
    let Some(stream_column) = fast.str(STREAM).map_err(tantivy)? else {
        return Ok(());
    };
    let mut streams = Vec::with_capacity(stream_column.num_terms());
    let mut name = String::new();
    for ord in 0..stream_column.num_terms() as u64 {
        stream_column
            .ord_to_str(ord, &mut name)
            .map_err(|error| IndexError::Io {
                path: dir.to_path_buf(),
                source: error,
            })?;
        streams.push(name.parse::<Stream>().ok());
    }
    let (_, stream_ords) = stream_column.into_parts();
    let first_seqs: Column<u64> = fast.u64(FIRST_SEQ).map_err(tantivy)?;
    let counts: Column<u64> = fast.u64(COUNT).map_err(tantivy)?;
    let time_mins = fast.date(TIME_MIN).map_err(tantivy)?;
    let time_maxs = fast.date(TIME_MAX).map_err(tantivy)?;
    let prepared = Prepared::of(dir, fields, segment, expr)?;
    let alive = segment.alive_bitset();
    for doc in 0..segment.max_doc() {
        if alive.is_some_and(|bits| !bits.is_alive(doc)) {
            continue;
        }
        let Some(stream) = stream_ords
            .first(doc)
            .and_then(|ord| streams.get(ord as usize).copied().flatten())
        else {
            continue;
        };
        let (Some(first_seq), Some(count)) = (first_seqs.first(doc), counts.first(doc)) else {
            continue;
        };
        let visible_end = visible.get(&stream).copied().unwrap_or(0);
        if first_seq >= visible_end || count == 0 {
            continue;
        }
        let block = BlockIdentity {
            doc,
            stream,
            first_seq,
            count,
            time_min: time_mins
                .first(doc)
                .map_or(i64::MIN, |time| time.into_timestamp_micros()),
            time_max: time_maxs
                .first(doc)
                .map_or(i64::MAX, |time| time.into_timestamp_micros()),
        };
        let range = prepared.range(&block);
        if range.most == 0 {
            continue;
        }
        let shown = count.min(visible_end - first_seq);
        // A block reaching past the visible records (never written so):
        // only reading it says how many of the visible ones match.
        let (at_least, at_most) = if shown < count {
            (0, range.most.min(shown))
        } else {
            (range.least, range.most)
        };
        found.push(Candidate {
            stream,
            first_seq,
            count: shown,
            time_min_micros: block.time_min,
            time_max_micros: block.time_max,
            at_least,
            at_most,
        });
    }
    Ok(())
}
