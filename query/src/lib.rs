//! Answers investigators' and spot-check scripts' questions about a store,
//! reading it only through `vakt-store`'s committed view: SQL over the
//! segments the manifests list (DataFusion), full-text search (the index
//! checked against the store), timelines, reproducible spot-check draws,
//! and evidence bundles a third party can verify.

pub mod evidence;
pub mod search;
pub mod spotcheck;
pub mod sql;
pub mod timeline;

pub use sql::{QueryResult, SessionOptions, SqlError, SqlSession};
