//! Full-text search over a store. The index (`<store>/index/`, see
//! `vakt-index`) says which blocks of records may match; the store's
//! committed `HEAD` says which records exist; the rows come from the
//! Parquet segments, and each is judged against the query itself.
//!
//! The index is never trusted on its own: a search refuses to run when the
//! index covers less of a stream than `HEAD` commits (it would miss
//! records), never reads a record at or past `HEAD`'s tree size of its
//! stream (a record of a commit that never completed), and shows only
//! records that match the query as read from the store.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use vakt_index::{IndexError, QueryError, Request};
use vakt_schemas::{Record, Stream};
use vakt_store::fulltext::{index_dir, open_searcher, tree_sizes};

use vakt_store::reader::{ReadError, StoreReader};

/// What to search for.
#[derive(Clone, Debug)]
pub struct SearchRequest {
    /// The query (see `vakt_index::query` for the language); empty: everything.
    pub query: String,
    /// Only events at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only events before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only these streams (empty: every indexed stream).
    pub streams: Vec<Stream>,
    /// At most this many hits, the earliest.
    pub limit: usize,
    /// Read at most this many records to count matches beyond the hits
    /// shown (`None`: `vakt_index::search::TOTAL_READ_BUDGET`); past it the
    /// total is a lower bound.
    pub count_budget: Option<u64>,
}

impl Default for SearchRequest {
    fn default() -> SearchRequest {
        SearchRequest {
            query: String::new(),
            from: None,
            to: None,
            streams: Vec::new(),
            limit: 100,
            count_budget: None,
        }
    }
}

/// One matching record, read from the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchHit {
    pub stream: Stream,
    pub seq: u64,
    pub record: Record,
}

/// The earliest hits and how many there are in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchResults {
    /// Ordered by time, then stream, then sequence number.
    pub hits: Vec<SearchHit>,
    /// Every matching committed record (also those past the limit) when
    /// `total_exact`; otherwise at least this many (counting them all
    /// would read too many records).
    pub total: u64,
    pub total_exact: bool,
}

/// A search could not run.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("malformed query: {0}")]
    Query(QueryError),
    #[error("{detail}; run `vakt index --rebuild` to build the full-text index from the store")]
    NoIndex { path: PathBuf, detail: String },
    #[error(
        "the full-text index is behind the store: it holds {covered} of the {committed} committed \
         {stream} records; run `vakt index --rebuild` (or `vakt ingest`, which brings it up to date)"
    )]
    Behind {
        stream: Stream,
        covered: u64,
        committed: u64,
    },
    #[error("{0}")]
    Index(IndexError),
    #[error("{detail}; nothing is shown, run `vakt index --rebuild` and `vakt verify`")]
    Doctored {
        stream: Stream,
        seq: u64,
        detail: String,
    },
    #[error("{0}")]
    Read(#[from] ReadError),
}

/// Runs `request` against the store's index and reads the hits' rows.
pub fn search(store: &StoreReader, request: &SearchRequest) -> Result<SearchResults, SearchError> {
    let dir = index_dir(store);
    let index = open_searcher(store).map_err(|error| match error {
        IndexError::Missing(_) | IndexError::Incompatible { .. } => SearchError::NoIndex {
            path: dir.clone(),
            detail: error.to_string(),
        },
        other => SearchError::Index(other),
    })?;
    let state = index.state();
    if state.store_id != store.info().store_id {
        return Err(SearchError::NoIndex {
            path: dir,
            detail: format!(
                "the full-text index belongs to store {}, not to this store {}",
                state.store_id,
                store.info().store_id
            ),
        });
    }
    let visible = tree_sizes(store.head());
    for (stream, committed) in &visible {
        let covered = state.covered(*stream);
        if covered < *committed {
            return Err(SearchError::Behind {
                stream: *stream,
                covered,
                committed: *committed,
            });
        }
    }
    let index_request = Request {
        query: request.query.clone(),
        from_micros: request.from.map(|time| time.timestamp_micros()),
        to_micros: request.to.map(|time| time.timestamp_micros()),
        streams: request.streams.clone(),
        limit: request.limit,
        count_budget: request.count_budget,
    };
    // Records pruned after the index was written have no rows to read.
    let pruned: Vec<(Stream, u64, u64)> = store
        .pruned()?
        .values()
        .map(|segment| {
            (
                segment.stream,
                segment.first_seq,
                segment.first_seq + segment.count,
            )
        })
        .collect();
    let is_pruned = |stream: Stream, seq: u64| {
        pruned.iter().any(|(pruned_stream, from, to)| {
            *pruned_stream == stream && (*from..*to).contains(&seq)
        })
    };
    let mut read = |stream: Stream, seqs: &[u64]| -> Result<Vec<Record>, SearchError> {
        let present: Vec<u64> = seqs
            .iter()
            .copied()
            .filter(|seq| !is_pruned(stream, *seq))
            .collect();
        Ok(store.records_at(stream, &present)?)
    };
    let found = index.search(&index_request, &visible, &mut read)?;
    Ok(SearchResults {
        hits: found
            .hits
            .into_iter()
            .map(|found| SearchHit {
                stream: found.hit.stream,
                seq: found.hit.seq,
                record: found.record,
            })
            .collect(),
        total: found.total,
        total_exact: found.total_exact,
    })
}

impl From<vakt_index::SearchError> for SearchError {
    fn from(error: vakt_index::SearchError) -> SearchError {
        match error {
            vakt_index::SearchError::Query(error) => SearchError::Query(error),
            vakt_index::SearchError::Index(error) => SearchError::Index(error),
            vakt_index::SearchError::Doctored {
                stream, first_seq, ..
            } => SearchError::Doctored {
                stream,
                seq: first_seq,
                detail: error.to_string(),
            },
        }
    }
}
