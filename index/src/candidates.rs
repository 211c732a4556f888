//! Which blocks may hold hits of a query: each block of a segment judged
//! from its terms' frequencies, how many of its records match at least and
//! at most, without reading a record. `search.rs` reads the blocks this
//! keeps.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::path::Path;

use tantivy::DocSet;
use tantivy::postings::Postings as _;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, SegmentReader, TERMINATED, Term};
use vakt_schemas::Stream;

use crate::blocks::{BlockIdentity, segment_blocks};
use crate::error::IndexError;
use crate::fields::{Fields, TEXT_FIELDS, counts_records};
use crate::matcher::within;
use crate::query::{Expr, FieldRef};

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
    pub(crate) fn certain(&self) -> bool {
        self.at_least == self.at_most
    }

    pub(crate) fn seqs(&self) -> std::ops::Range<u64> {
        self.first_seq..self.first_seq + self.count
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
pub(crate) fn segment_candidates(
    dir: &Path,
    fields: &Fields,
    segment: &SegmentReader,
    expr: &Expr,
    visible: &BTreeMap<Stream, u64>,
    found: &mut Vec<Candidate>,
) -> Result<(), IndexError> {
    let prepared = Prepared::of(dir, fields, segment, expr)?;
    for block in segment_blocks(dir, segment)? {
        let (stream, first_seq, count) = (block.stream, block.first_seq, block.count);
        let visible_end = visible.get(&stream).copied().unwrap_or(0);
        if first_seq >= visible_end || count == 0 {
            continue;
        }
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
