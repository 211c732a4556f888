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

use chrono::DateTime;
use tantivy::query_grammar::{
    Delimiter, Occur, UserInputAst, UserInputBound, UserInputLeaf, UserInputLiteral, parse_query,
    parse_query_lenient,
};
use vakt_schemas::Stream;

use crate::analysis::{Analyzer, analyze_query};
use crate::error::QueryError;
use crate::fields::{IP, IP_FIELDS, SEQ, STREAM, TEXT_FIELDS, TIME};

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
    /// Read at most this many records to count the matches beyond the hits
    /// shown; `None`: [`crate::search::TOTAL_READ_BUDGET`].
    pub count_budget: Option<u64>,
}

/// A text field of the index: its place in [`TEXT_FIELDS`], or the
/// stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldRef {
    Text(usize),
    Stream,
}

/// A query, compiled: what a record must have to match. Both the blocks of
/// the index and single records are judged by it (`search.rs`,
/// `matcher.rs`), with the semantics of tantivy's query parser.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// Every record.
    All,
    /// No record.
    Nothing,
    /// The field has this term.
    Term { field: FieldRef, term: String },
    /// The terms at these relative positions in `raw`, within `slop`; with
    /// `prefix`, the last is a prefix.
    Phrase {
        field: FieldRef,
        terms: Vec<(usize, String)>,
        slop: u32,
        prefix: bool,
    },
    /// The field has a term in this range (byte order).
    TermRange {
        field: FieldRef,
        lower: Bound<String>,
        upper: Bound<String>,
    },
    /// The field has one of these terms.
    TermSet { field: FieldRef, terms: Vec<String> },
    /// The field has any term.
    Exists { field: FieldRef },
    /// The sequence number is in this range.
    Seq(Bound<u64>, Bound<u64>),
    /// The event time (µs since the epoch) is in this range.
    Time(Bound<i64>, Bound<i64>),
    /// tantivy's boolean query: every `must` (or, without one, some
    /// `should`), and no `must_not`.
    Bool {
        must: Vec<Expr>,
        should: Vec<Expr>,
        must_not: Vec<Expr>,
    },
}

/// Parses the query text into an [`Expr`].
pub fn parse(text: &str) -> Result<Expr, QueryError> {
    if text.trim().is_empty() {
        return Ok(Expr::All);
    }
    let ast = parse_query(text).map_err(|_| syntax_error(text))?;
    let ast = addresses(fast_field_values(literal_regexes(ast)));
    Ok(compile(ast)?.unwrap_or(Expr::Nothing))
}

/// The expression of a whole request: the text, the time range and the
/// streams.
pub fn build(request: &Request) -> Result<Expr, QueryError> {
    let mut must = vec![parse(&request.query)?];
    if request.from_micros.is_some() || request.to_micros.is_some() {
        must.push(Expr::Time(
            request
                .from_micros
                .map_or(Bound::Unbounded, Bound::Included),
            request.to_micros.map_or(Bound::Unbounded, Bound::Excluded),
        ));
    }
    if !request.streams.is_empty() {
        must.push(Expr::Bool {
            must: Vec::new(),
            should: request
                .streams
                .iter()
                .map(|stream| Expr::Term {
                    field: FieldRef::Stream,
                    term: stream.name().to_string(),
                })
                .collect(),
            must_not: Vec::new(),
        });
    }
    if must.len() == 1 {
        return Ok(must.remove(0));
    }
    Ok(Expr::Bool {
        must,
        should: Vec::new(),
        must_not: Vec::new(),
    })
}

fn error(message: String) -> QueryError {
    QueryError { message }
}

/// The expression of `ast`, `None` where it asks for nothing (a value with
/// no terms, a range open at both ends), which the clause around it drops,
/// as tantivy's parser does.
fn compile(ast: UserInputAst) -> Result<Option<Expr>, QueryError> {
    match ast {
        UserInputAst::Clause(clauses) => {
            let (mut must, mut should, mut must_not) = (Vec::new(), Vec::new(), Vec::new());
            for (occur, clause) in clauses {
                let Some(expr) = compile(clause)? else {
                    continue;
                };
                match occur.unwrap_or(Occur::Must) {
                    Occur::Must => must.push(expr),
                    Occur::Should => should.push(expr),
                    Occur::MustNot => must_not.push(expr),
                }
            }
            if must.is_empty() && should.is_empty() && must_not.is_empty() {
                return Ok(None);
            }
            Ok(Some(Expr::Bool {
                must,
                should,
                must_not,
            }))
        }
        UserInputAst::Boost(inner, _) => compile(*inner),
        UserInputAst::Leaf(leaf) => compile_leaf(*leaf),
    }
}

fn field_ref(name: &str) -> Result<(FieldRef, Analyzer), QueryError> {
    if name == STREAM {
        return Ok((FieldRef::Stream, Analyzer::Keyword));
    }
    TEXT_FIELDS
        .iter()
        .position(|(field, _)| *field == name)
        .map(|place| (FieldRef::Text(place), TEXT_FIELDS[place].1))
        .ok_or_else(|| error(format!("Field does not exist: '{name}'")))
}

/// The one term a range bound or set element is searched as.
fn one_term(analyzer: Analyzer, value: &str) -> Result<String, QueryError> {
    let mut terms = analyze_query(analyzer, value);
    if terms.len() != 1 {
        return Err(error(format!(
            "`{value}` is {} terms where one is needed (a range bound or set element)",
            terms.len()
        )));
    }
    Ok(terms.remove(0).1)
}

fn compile_leaf(leaf: UserInputLeaf) -> Result<Option<Expr>, QueryError> {
    match leaf {
        UserInputLeaf::All => Ok(Some(Expr::All)),
        UserInputLeaf::Literal(literal) => {
            let name = literal.field_name.as_deref().unwrap_or(crate::fields::RAW);
            let (field, analyzer) = field_ref(name)?;
            let terms = analyze_query(analyzer, &literal.phrase);
            if terms.len() <= 1 {
                if literal.prefix {
                    return Err(error(format!(
                        "a phrase prefix needs at least two terms: `{}`",
                        literal.phrase
                    )));
                }
                return Ok(terms
                    .into_iter()
                    .next()
                    .map(|(_, term)| Expr::Term { field, term }));
            }
            let first = terms[0].0;
            Ok(Some(Expr::Phrase {
                field,
                terms: terms
                    .into_iter()
                    .map(|(position, term)| (position - first, term))
                    .collect(),
                slop: literal.slop,
                prefix: literal.prefix,
            }))
        }
        UserInputLeaf::Range { field: None, .. } => {
            Err(error("a range needs a field: `field:[a TO b]`".into()))
        }
        UserInputLeaf::Range {
            field: Some(name),
            lower,
            upper,
        } => {
            let expr = match name.as_str() {
                SEQ => Expr::Seq(
                    bound(&lower, |value| {
                        value.parse::<u64>().map_err(|e| e.to_string())
                    })?,
                    bound(&upper, |value| {
                        value.parse::<u64>().map_err(|e| e.to_string())
                    })?,
                ),
                TIME => Expr::Time(bound(&lower, parse_time)?, bound(&upper, parse_time)?),
                _ => {
                    let (field, analyzer) = field_ref(&name)?;
                    let term = |value: &str| one_term(analyzer, value).map_err(|e| e.message);
                    Expr::TermRange {
                        field,
                        lower: bound(&lower, term)?,
                        upper: bound(&upper, term)?,
                    }
                }
            };
            let open = matches!(
                &expr,
                Expr::Seq(Bound::Unbounded, Bound::Unbounded)
                    | Expr::Time(Bound::Unbounded, Bound::Unbounded)
                    | Expr::TermRange {
                        lower: Bound::Unbounded,
                        upper: Bound::Unbounded,
                        ..
                    }
            );
            Ok((!open).then_some(expr))
        }
        UserInputLeaf::Set { field: None, .. } => {
            Err(error("a set needs a field: `field: IN [a b]`".into()))
        }
        UserInputLeaf::Set {
            field: Some(name),
            elements,
        } => {
            let (field, analyzer) = field_ref(&name)?;
            let terms = elements
                .iter()
                .map(|value| one_term(analyzer, value))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Some(Expr::TermSet { field, terms }))
        }
        UserInputLeaf::Exists { field } => {
            if field == SEQ || field == TIME {
                return Ok(Some(Expr::All));
            }
            let (field, _) = field_ref(&field)?;
            Ok(Some(Expr::Exists { field }))
        }
        UserInputLeaf::Regex { .. } => Err(error(
            "regular expressions are not supported; quote the value".into(),
        )),
    }
}

fn bound<T>(
    bound: &UserInputBound,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Bound<T>, QueryError> {
    let value = |text: &str| {
        parse(text).map_err(|detail| error(format!("`{text}` is not a value here: {detail}")))
    };
    Ok(match bound {
        UserInputBound::Inclusive(text) if text == "*" => Bound::Unbounded,
        UserInputBound::Exclusive(text) if text == "*" => Bound::Unbounded,
        UserInputBound::Inclusive(text) => Bound::Included(value(text)?),
        UserInputBound::Exclusive(text) => Bound::Excluded(value(text)?),
        UserInputBound::Unbounded => Bound::Unbounded,
    })
}

fn parse_time(text: &str) -> Result<i64, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.timestamp_micros())
        .map_err(|error| error.to_string())
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

/// The field names a query may use, for help texts.
pub fn field_names() -> Vec<&'static str> {
    let mut names = vec![crate::fields::STREAM, crate::fields::SEQ, TIME, IP];
    names.extend(crate::fields::TEXT_FIELDS.iter().map(|(name, _)| *name));
    names
}
