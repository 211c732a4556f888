//! The full-text index of a vakt store, and nothing else: which records
//! match a query. It maps records (`vakt_schemas::Record`) to tantivy
//! documents, writes them into an index folder (`<store>/index/`), records in
//! each tantivy commit what the index covers, and answers queries with the
//! (stream, seq) of the matching records. It never reads or writes the store
//! itself: `vakt-ingest` feeds it the records of each commit, `vakt-query`
//! checks its answers against the store's `HEAD` and reads the full rows.
//!
//! The index is a derived artifact, never trusted: it may run ahead of the
//! store after a crash (documents of a commit whose `HEAD` was never
//! written) and is cut back by [`IndexWriter::truncate`]; it may be behind
//! or missing and is then rebuilt from the store.
//!
//! - `analysis`: the analyzers (words, keywords, paths) for documents and queries;
//! - `fields`: the schema;
//! - `document`: which record fields go into which index fields;
//! - `state`: the coverage payload of each commit;
//! - `digest`: what the index holds and what it should hold, for verification;
//! - `writer`: adding, committing, truncating, replacing an index;
//! - `query`: the query language;
//! - `search`: running a query.

pub mod analysis;
pub mod digest;
pub mod document;
pub mod error;
pub mod fields;
pub mod query;
pub mod search;
pub mod state;
pub mod writer;

pub use document::{INDEXED_STREAMS, is_indexed};
pub use error::{IndexError, QueryError, SearchError};
pub use query::Request;
pub use search::{Hit, Hits, IndexSearcher, matching};
pub use state::IndexState;
pub use writer::IndexWriter;
