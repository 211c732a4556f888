//! The query language: tantivy's query parser over the index's fields,
//! with `raw` as the default field and AND between terms unless OR is said.
//!
//! - `password` — a word of the raw line; `"Failed password"` — a phrase;
//! - `user:ola`, `host:fs1`, `ip:10.20.0.10`, `action:failed`,
//!   `dataset:p2060`, `area:project`, `zone:secure`, `protocol:ssh`,
//!   `stream:access` — a whole value, case-insensitive (quote values with
//!   spaces or colons: `ip:"fe80::1"`); `ip:` is any of `src_ip:`,
//!   `dst_ip:` and `client_ip:`;
//! - `path:/prosjekt/x` — that file or folder and everything below it (also
//!   `target:`); `path:/prosjekt/x/` means the same;
//! - `a b` and `a AND b` — both; `a OR b` — either; `-a`, `NOT a` — without;
//!   parentheses group; `*` — every record;
//! - `seq:[100 TO 200]`, `time:[2026-03-02T00:00:00Z TO 2026-03-03T00:00:00Z}`.
//!
//! tantivy's grammar reads `/x/` as a regular expression, which this index
//! does not support; such a value is taken as the literal text it is, so
//! `path:/prosjekt/` is the folder `/prosjekt`.

use std::ops::Bound;

use tantivy::query::{
    AllQuery, BitSetDocSet, BooleanQuery, ConstScorer, EnableScoring, Explanation, Query,
    QueryParser, RangeQuery, Scorer, TermQuery, Weight,
};
use tantivy::query_grammar::{
    Delimiter, Occur, UserInputAst, UserInputBound, UserInputLeaf, UserInputLiteral, parse_query,
    parse_query_lenient,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{BitSet, DateTime, DocId, DocSet, Score, SegmentReader, TERMINATED, Term};
use vakt_schemas::Stream;

use crate::analysis::query_tokenizers;
use crate::error::QueryError;
use crate::fields::{Fields, IP, IP_FIELDS, SEQ, TIME};

/// What to search for.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The query text (empty: every record).
    pub query: String,
    /// Only events at or after this instant (µs since the epoch, UTC).
    pub from_micros: Option<i64>,
    /// Only events before this instant (µs since the epoch, UTC).
    pub to_micros: Option<i64>,
    /// Only these streams (empty: every indexed stream).
    pub streams: Vec<Stream>,
    /// At most this many hits, earliest first.
    pub limit: usize,
}

/// Parses the query text into a tantivy query over `fields`.
pub fn parse(fields: &Fields, text: &str) -> Result<Box<dyn Query>, QueryError> {
    if text.trim().is_empty() {
        return Ok(Box::new(AllQuery));
    }
    let ast = parse_query(text).map_err(|_| syntax_error(text))?;
    let mut parser = QueryParser::new(
        fields.schema().clone(),
        vec![fields.raw],
        query_tokenizers(),
    );
    parser.set_conjunction_by_default();
    let query = parser
        .build_query_from_user_input_ast(addresses(fast_field_values(literal_regexes(ast))))
        .map_err(|error| QueryError {
            message: error.to_string(),
        })?;
    Ok(materialize_exclusions(query))
}

/// The query of a whole request: the text, the time range and the streams.
pub fn build(fields: &Fields, request: &Request) -> Result<Box<dyn Query>, QueryError> {
    let mut parts: Vec<Box<dyn Query>> = vec![parse(fields, &request.query)?];
    if request.from_micros.is_some() || request.to_micros.is_some() {
        let bound = |micros: i64| {
            Term::from_field_date(fields.time, DateTime::from_timestamp_micros(micros))
        };
        let lower = request
            .from_micros
            .map_or(Bound::Unbounded, |micros| Bound::Included(bound(micros)));
        let upper = request
            .to_micros
            .map_or(Bound::Unbounded, |micros| Bound::Excluded(bound(micros)));
        parts.push(Box::new(RangeQuery::new(lower, upper)));
    }
    if !request.streams.is_empty() {
        let streams: Vec<Box<dyn Query>> = request
            .streams
            .iter()
            .map(|stream| -> Box<dyn Query> {
                Box::new(TermQuery::new(
                    Term::from_field_text(fields.stream, stream.name()),
                    IndexRecordOption::Basic,
                ))
            })
            .collect();
        parts.push(Box::new(BooleanQuery::union(streams)));
    }
    if parts.len() == 1 {
        return Ok(parts.remove(0));
    }
    Ok(Box::new(BooleanQuery::intersection(parts)))
}

fn syntax_error(text: &str) -> QueryError {
    let (_, errors) = parse_query_lenient(text);
    let detail = errors
        .first()
        .map(|error| format!("{} at character {}", error.message, error.pos + 1))
        .unwrap_or_else(|| "not a query this language can read".into());
    QueryError {
        message: format!("syntax error in `{text}`: {detail}"),
    }
}

/// Turns tantivy's `/.../` regular-expression leaves back into the literal
/// text the user typed (paths, mostly), and gives groups of exclusions
/// something to exclude from.
fn literal_regexes(ast: UserInputAst) -> UserInputAst {
    match ast {
        UserInputAst::Clause(clauses) => {
            let mut clauses: Vec<(Option<Occur>, UserInputAst)> = clauses
                .into_iter()
                .map(|(occur, clause)| (occur, literal_regexes(clause)))
                .collect();
            // tantivy matches nothing with a group of exclusions alone, so
            // `a AND NOT b` or `a OR NOT b` would find nothing: exclusions
            // are taken from every record instead.
            let all_excluded = !clauses.is_empty()
                && clauses
                    .iter()
                    .all(|(occur, _)| *occur == Some(Occur::MustNot));
            if all_excluded {
                clauses.push((
                    Some(Occur::Must),
                    UserInputAst::Leaf(Box::new(UserInputLeaf::All)),
                ));
            }
            UserInputAst::Clause(clauses)
        }
        UserInputAst::Boost(inner, boost) => {
            UserInputAst::Boost(Box::new(literal_regexes(*inner)), boost)
        }
        UserInputAst::Leaf(leaf) => match *leaf {
            UserInputLeaf::Regex { field, pattern } => {
                UserInputAst::Leaf(Box::new(UserInputLeaf::Literal(UserInputLiteral {
                    field_name: field,
                    phrase: format!("/{pattern}/"),
                    delimiter: Delimiter::None,
                    slop: 0,
                    prefix: false,
                })))
            }
            other => UserInputAst::Leaf(Box::new(other)),
        },
    }
}

/// Turns `seq:N` and `time:T` (and sets of them) into the ranges `[N TO
/// N]`: those fields are only fast fields (`fields.rs`), which tantivy
/// searches by range, not by term.
fn fast_field_values(ast: UserInputAst) -> UserInputAst {
    let exact = |field: &String, value: String| {
        UserInputAst::Leaf(Box::new(UserInputLeaf::Range {
            field: Some(field.clone()),
            lower: UserInputBound::Inclusive(value.clone()),
            upper: UserInputBound::Inclusive(value),
        }))
    };
    let is_fast_only = |field: &Option<String>| {
        field
            .as_deref()
            .is_some_and(|name| name == SEQ || name == TIME)
    };
    map_leaves(ast, &|leaf| match leaf {
        UserInputLeaf::Literal(literal) if is_fast_only(&literal.field_name) => {
            let field = literal.field_name.unwrap_or_default();
            exact(&field, literal.phrase)
        }
        UserInputLeaf::Set {
            field: Some(field),
            elements,
        } if is_fast_only(&Some(field.clone())) => UserInputAst::Clause(
            elements
                .into_iter()
                .map(|value| (Some(Occur::Should), exact(&field, value)))
                .collect(),
        ),
        other => UserInputAst::Leaf(Box::new(other)),
    })
}

/// `ast` with each leaf replaced by what `change` makes of it.
fn map_leaves(ast: UserInputAst, change: &dyn Fn(UserInputLeaf) -> UserInputAst) -> UserInputAst {
    match ast {
        UserInputAst::Clause(clauses) => UserInputAst::Clause(
            clauses
                .into_iter()
                .map(|(occur, clause)| (occur, map_leaves(clause, change)))
                .collect(),
        ),
        UserInputAst::Boost(inner, boost) => {
            UserInputAst::Boost(Box::new(map_leaves(*inner, change)), boost)
        }
        UserInputAst::Leaf(leaf) => change(*leaf),
    }
}

/// Turns `ip:X` into `(src_ip:X OR dst_ip:X OR client_ip:X)`: `ip` has no
/// field of its own (`fields.rs`).
fn addresses(ast: UserInputAst) -> UserInputAst {
    map_leaves(ast, &|leaf| {
        let each = |field: &str| -> Option<UserInputLeaf> {
            let field = Some(field.to_string());
            match &leaf {
                UserInputLeaf::Literal(literal) if literal.field_name.as_deref() == Some(IP) => {
                    Some(UserInputLeaf::Literal(UserInputLiteral {
                        field_name: field,
                        ..literal.clone()
                    }))
                }
                UserInputLeaf::Range {
                    field: Some(name),
                    lower,
                    upper,
                } if name == IP => Some(UserInputLeaf::Range {
                    field,
                    lower: lower.clone(),
                    upper: upper.clone(),
                }),
                UserInputLeaf::Set {
                    field: Some(name),
                    elements,
                } if name == IP => Some(UserInputLeaf::Set {
                    field,
                    elements: elements.clone(),
                }),
                _ => None,
            }
        };
        let expanded: Option<Vec<UserInputLeaf>> =
            IP_FIELDS.iter().map(|name| each(name)).collect();
        match expanded {
            Some(leaves) => UserInputAst::Clause(
                leaves
                    .into_iter()
                    .map(|leaf| (Some(Occur::Should), UserInputAst::Leaf(Box::new(leaf))))
                    .collect(),
            ),
            None => UserInputAst::Leaf(Box::new(leaf)),
        }
    })
}

/// Wraps every excluded part of a boolean query in [`Materialized`].
///
/// tantivy 0.27 can ask an exclusion for the same document twice through
/// `seek_danger`, which its phrase scorer does not allow (a debug assertion
/// fails, e.g. for `a AND NOT "b c"`); a bit set answers any such question.
fn materialize_exclusions(query: Box<dyn Query>) -> Box<dyn Query> {
    let Some(boolean) = query.downcast_ref::<BooleanQuery>() else {
        return query;
    };
    let clauses = boolean
        .clauses()
        .iter()
        .map(|(occur, clause)| {
            let clause = materialize_exclusions(clause.box_clone());
            let clause: Box<dyn Query> = if *occur == Occur::MustNot {
                Box::new(Materialized(clause))
            } else {
                clause
            };
            (*occur, clause)
        })
        .collect();
    Box::new(BooleanQuery::with_minimum_required_clauses(
        clauses,
        boolean.get_minimum_number_should_match(),
    ))
}

/// A query whose matches in a segment are collected into a bit set first.
#[derive(Debug)]
struct Materialized(Box<dyn Query>);

impl Clone for Materialized {
    fn clone(&self) -> Materialized {
        Materialized(self.0.box_clone())
    }
}

impl Query for Materialized {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(MaterializedWeight(self.0.weight(enable_scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct MaterializedWeight(Box<dyn Weight>);

impl Weight for MaterializedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut inner = self.0.scorer(reader, boost)?;
        let mut docs = BitSet::with_max_value(reader.max_doc());
        let mut doc = inner.doc();
        while doc != TERMINATED {
            docs.insert(doc);
            doc = inner.advance();
        }
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(docs), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

/// The field names a query may use, for help texts.
pub fn field_names() -> Vec<&'static str> {
    let mut names = vec![crate::fields::STREAM, crate::fields::SEQ, TIME, IP];
    names.extend(crate::fields::TEXT_FIELDS.iter().map(|(name, _)| *name));
    names
}
