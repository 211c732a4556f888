//! Whether a record matches a query, judged from the record itself: its
//! text values analyzed as the index analyzes them, with positions, so a
//! phrase is checked where the index (which has none) can only say that a
//! block holds all its words.

use std::ops::Bound;

use vakt_schemas::{Record, Stream};

use crate::document::{each_record_term, is_indexed};
use crate::error::SearchError;
use crate::fields::TEXT_FIELDS;
use crate::query::{Expr, FieldRef, Request, build};

/// A record's terms, per text field, with their positions.
#[derive(Clone, Debug)]
pub struct RecordTerms {
    stream: Stream,
    seq: u64,
    time_micros: i64,
    /// Per text field (in [`TEXT_FIELDS`] order): (term, position).
    fields: Vec<Vec<(String, usize)>>,
}

impl RecordTerms {
    /// The terms of `record`, or `None` when its stream is not indexed.
    pub fn of(record: &Record) -> Option<RecordTerms> {
        if !is_indexed(record.stream()) {
            return None;
        }
        let mut fields: Vec<Vec<(String, usize)>> = vec![Vec::new(); TEXT_FIELDS.len()];
        each_record_term(record, &mut |field, position, term| {
            fields[field].push((term.to_string(), position));
        });
        Some(RecordTerms {
            stream: record.stream(),
            seq: record.envelope.seq,
            time_micros: record.envelope.time.timestamp_micros(),
            fields,
        })
    }

    fn terms(&self, field: FieldRef) -> TermsOf<'_> {
        match field {
            FieldRef::Text(place) => {
                TermsOf::Text(self.fields.get(place).map_or(&[], Vec::as_slice))
            }
            FieldRef::Stream => TermsOf::Stream(self.stream.name()),
        }
    }

    /// Whether the record matches `expr`.
    pub fn matches(&self, expr: &Expr) -> bool {
        match expr {
            Expr::All => true,
            Expr::Nothing => false,
            Expr::Term { field, term } => self.terms(*field).any(|candidate| candidate == term),
            Expr::Phrase {
                field,
                terms,
                slop,
                prefix,
            } => match field {
                FieldRef::Text(place) => self
                    .fields
                    .get(*place)
                    .is_some_and(|found| phrase_matches(found, terms, *slop, *prefix)),
                FieldRef::Stream => false,
            },
            Expr::TermRange {
                field,
                lower,
                upper,
            } => self.terms(*field).any(|term| {
                within(
                    term,
                    lower.as_ref().map(String::as_str),
                    upper.as_ref().map(String::as_str),
                )
            }),
            Expr::TermSet { field, terms } => self
                .terms(*field)
                .any(|candidate| terms.iter().any(|term| term == candidate)),
            Expr::Exists { field } => self.terms(*field).any(|_| true),
            Expr::Seq(lower, upper) => within(&self.seq, lower.as_ref(), upper.as_ref()),
            Expr::Time(lower, upper) => within(&self.time_micros, lower.as_ref(), upper.as_ref()),
            Expr::Bool {
                must,
                should,
                must_not,
            } => {
                let included = if must.is_empty() {
                    should.iter().any(|expr| self.matches(expr))
                } else {
                    must.iter().all(|expr| self.matches(expr))
                };
                included && !must_not.iter().any(|expr| self.matches(expr))
            }
        }
    }
}

/// The terms of one field of a record.
enum TermsOf<'a> {
    Text(&'a [(String, usize)]),
    Stream(&'a str),
}

impl<'a> TermsOf<'a> {
    fn any(self, mut test: impl FnMut(&str) -> bool) -> bool {
        match self {
            TermsOf::Text(terms) => terms.iter().any(|(term, _)| test(term)),
            TermsOf::Stream(name) => test(name),
        }
    }
}

/// Whether `value` lies between the bounds.
pub(crate) fn within<T: PartialOrd + ?Sized>(
    value: &T,
    lower: Bound<&T>,
    upper: Bound<&T>,
) -> bool {
    let above = match lower {
        Bound::Included(bound) => value >= bound,
        Bound::Excluded(bound) => value > bound,
        Bound::Unbounded => true,
    };
    let below = match upper {
        Bound::Included(bound) => value <= bound,
        Bound::Excluded(bound) => value < bound,
        Bound::Unbounded => true,
    };
    above && below
}

/// Whether the phrase `terms` (each at its offset from the first) occurs in
/// `found`: with `slop` 0 at exactly those offsets, otherwise in order with
/// at most `slop` extra positions between them; with `prefix`, the last
/// term may be the beginning of a word.
fn phrase_matches(
    found: &[(String, usize)],
    terms: &[(usize, String)],
    slop: u32,
    prefix: bool,
) -> bool {
    let Some(((_, first), rest)) = terms.split_first() else {
        return false;
    };
    let last = terms.len() - 1;
    let is = |place: usize, term: &str, candidate: &str| {
        if prefix && place == last {
            candidate.starts_with(term)
        } else {
            candidate == term
        }
    };
    let at = |place: usize, term: &str, position: usize| {
        found
            .iter()
            .any(|(candidate, found_at)| *found_at == position && is(place, term, candidate))
    };
    found
        .iter()
        .filter(|(candidate, _)| is(0, first, candidate))
        .any(|(_, start)| {
            if slop == 0 {
                return rest
                    .iter()
                    .enumerate()
                    .all(|(index, (offset, term))| at(index + 1, term, start + offset));
            }
            // In order, each at the earliest place after the one before.
            let mut previous = *start;
            for (index, (_, term)) in rest.iter().enumerate() {
                let next = found
                    .iter()
                    .filter(|(candidate, position)| {
                        *position > previous && is(index + 1, term, candidate)
                    })
                    .map(|(_, position)| *position)
                    .min();
                match next {
                    Some(position) => previous = position,
                    None => return false,
                }
            }
            let span = previous - start;
            let wanted = terms[last].0;
            span <= wanted + slop as usize
        })
}

/// Whether each of `records` matches `request`, judged from the records
/// themselves. Records of streams that are not indexed never match.
pub fn matching(request: &Request, records: &[Record]) -> Result<Vec<bool>, SearchError> {
    let expr = build(request)?;
    Ok(records
        .iter()
        .map(|record| {
            let in_streams =
                request.streams.is_empty() || request.streams.contains(&record.stream());
            in_streams && RecordTerms::of(record).is_some_and(|terms| terms.matches(&expr))
        })
        .collect())
}
