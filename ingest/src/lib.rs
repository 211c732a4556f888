//! Reads log sources, parses each line into one of vakt's tables, enriches
//! it with zones and areas from the configuration and datasets from the
//! registry, and hands the records to the store (`vakt-store`), which
//! commits them atomically together with how far each source has been
//! read. Lines no parser accepts go to the quarantine stream with the
//! reason; nothing is dropped. Registry folders are checked and stored as
//! snapshots in the `registry` stream when they change.
//!
//! `vakt run` follows files (`follow`) and receives syslog over the
//! network (`receiver`) into the same records.
//!
//! This crate never opens a store file itself: it writes through a
//! [`vakt_store::StoreWriter`] and reads back what it needs to continue
//! (`HEAD`'s source progress, the newest registry snapshot) through it.

mod batch;
pub mod enrich;
mod evtx;
pub mod follow;
pub mod parse;
pub mod pipeline;
pub mod receiver;
pub mod registry;
pub mod source;
mod year_warning;

pub use pipeline::{IngestError, IngestOptions, IngestSummary, Progress, ingest};
pub use registry::{CheckedRegistry, InvalidRegistry, RegistryFolder};
