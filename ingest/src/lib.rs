//! Reads log sources, parses each line into one of vakt's tables, enriches
//! it with zones and areas from the configuration and datasets from the
//! registry, and appends it to the store: Parquet segments, the Merkle
//! tree, the hash-chained manifest and a signed checkpoint per stream,
//! committed atomically together with how far each source has been read.
//! Lines no parser accepts go to the quarantine stream with the reason;
//! nothing is dropped. Registry folders are checked and stored as
//! snapshots in the `registry` stream when they change.
//!
//! This crate is the only writer of a store; `vakt-query` is its only
//! reader, except that the writer reads back what it needs to continue:
//! `HEAD`, the last manifest entries, and the newest registry snapshot
//! (`registry.rs`).

pub mod audit;
pub mod commit;
pub mod enrich;
pub mod files;
pub mod fulltext;
pub mod init;
pub mod lines;
pub mod parse;
pub mod pipeline;
pub mod registry;
pub mod segment;
pub mod source;
pub mod writer;

pub use audit::append_audit;
pub use commit::{CommitHook, Committer};
pub use init::{InitError, StoreCreated, init_store};
pub use pipeline::{IngestError, IngestOptions, IngestSummary, Progress, ingest};
pub use registry::{CheckedRegistry, InvalidRegistry, RegistryFolder};
pub use writer::{StoreWriter, WriteError};
