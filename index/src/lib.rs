//! The full-text index of a vakt store, and nothing else: which records
//! match a query. It maps records (`vakt_schemas::Record`) to tantivy
//! documents, one per block of consecutive records, writes them into an
//! index folder (`<store>/index/`), records in each tantivy commit what the
//! index covers, and answers queries: the blocks that may hold matches, and
//! then, from their records (read by the caller), the matching ones. It
//! never reads or writes the store itself: `vakt-ingest` feeds it the
//! records of each commit, `vakt-query` checks its answers against the
//! store's `HEAD` and reads the rows.
//!
//! The index is a derived artifact, never trusted: it may run ahead of the
//! store after a crash (documents of a commit whose `HEAD` was never
//! written) and is cut back by [`IndexWriter::truncate`]; it may be behind
//! or missing and is then rebuilt from the store.
//!
//! - `analysis`: the analyzers (words, keywords, paths) for documents and queries;
//! - `fields`: the schema;
//! - `document`: which record fields go into which index fields, and the
//!   blocks of records that make one document each;
//! - `matcher`: whether a record matches a query, from the record itself;
//! - `state`: the coverage payload of each commit;
//! - `digest`: what the index holds and what it should hold, for verification;
//! - `writer`: adding, committing, truncating, replacing an index;
//! - `query`: the query language;
//! - `blocks`: the blocks of a segment, as their fast fields give them;
//! - `candidates`: the blocks that may hold a query's hits, judged from the index alone;
//! - `search`: running a query: the candidate blocks, then their records.

pub mod analysis;
mod blocks;
pub mod candidates;
pub mod digest;
pub mod document;
pub mod error;
pub mod fields;
pub mod matcher;
pub mod query;
pub mod search;
pub mod state;
pub mod writer;

pub use document::{INDEXED_STREAMS, is_indexed};
pub use error::{IndexError, QueryError, SearchError};
pub use matcher::matching;
pub use query::Request;
pub use search::{Candidate, Found, Hit, Hits, IndexSearcher};
pub use state::IndexState;
pub use writer::IndexWriter;
