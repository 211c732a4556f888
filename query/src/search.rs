//! Full-text search over a store. The index (`<store>/index/`, see
//! `vakt-index`) says which records match; the store's committed `HEAD`
//! says which records exist; the full rows come from the Parquet segments.
//!
//! The index is never trusted on its own: a search refuses to run when the
//! index covers less of a stream than `HEAD` commits (it would miss
//! records), and drops every hit at or past `HEAD`'s tree size of its
//! stream (a record of a commit that never completed).

use std::collections::{BTreeMap, HashMap};
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
}

impl Default for SearchRequest {
    fn default() -> SearchRequest {
        SearchRequest {
            query: String::new(),
            from: None,
            to: None,
            streams: Vec::new(),
            limit: 100,
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
    /// Every matching committed record (also those past the limit).
    pub total: u64,
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
    #[error(
        "the full-text index gave {stream} record {seq} as a hit, but that record does not match \
         the query: the index was changed or built from other records; nothing is shown, run \
         `vakt index --rebuild` and `vakt verify`"
    )]
    Doctored { stream: Stream, seq: u64 },
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
    };
    let found = index
        .search(&index_request, &visible)
        .map_err(|error| match error {
            vakt_index::SearchError::Query(error) => SearchError::Query(error),
            vakt_index::SearchError::Index(error) => SearchError::Index(error),
        })?;
    // Records pruned after the index was written have no rows to show.
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
    let mut found = found;
    found.hits.retain(|hit| !is_pruned(hit.stream, hit.seq));
    let mut wanted: BTreeMap<Stream, Vec<u64>> = BTreeMap::new();
    for hit in &found.hits {
        wanted.entry(hit.stream).or_default().push(hit.seq);
    }
    let mut records: HashMap<(Stream, u64), Record> = HashMap::new();
    for (stream, seqs) in wanted {
        for record in store.records_at(stream, &seqs)? {
            records.insert((stream, record.envelope.seq), record);
        }
    }
    let mut hits = Vec::with_capacity(found.hits.len());
    for hit in found.hits {
        let Some(record) = records.remove(&(hit.stream, hit.seq)) else {
            continue;
        };
        hits.push(SearchHit {
            stream: hit.stream,
            seq: hit.seq,
            record,
        });
    }
    // Every hit is judged again from the row it shows (read from a segment
    // checked against its manifest line), not from the index.
    let shown: Vec<Record> = hits.iter().map(|hit| hit.record.clone()).collect();
    let matches = vakt_index::matching(&index_request, &shown).map_err(|error| match error {
        vakt_index::SearchError::Query(error) => SearchError::Query(error),
        vakt_index::SearchError::Index(error) => SearchError::Index(error),
    })?;
    if let Some(false_hit) = hits.iter().zip(&matches).find(|(_, matched)| !**matched) {
        return Err(SearchError::Doctored {
            stream: false_hit.0.stream,
            seq: false_hit.0.seq,
        });
    }
    Ok(SearchResults {
        hits,
        total: found.total,
    })
}
