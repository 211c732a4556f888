//! Every format vakt keeps on disk, as pure code: the tables' columns and
//! Arrow schemas, the canonical record encoding, the RFC 6962 Merkle tree
//! and its proofs, manifest entries, signed checkpoints, the commit head,
//! the store's paths and the configuration file.
//!
//! Nothing here touches a file system: functions take and return bytes,
//! strings and values. `schemas/FORMAT.md` specifies the same formats for
//! someone verifying a store without vakt.

pub mod arrow;
pub mod checkpoint;
pub mod compaction;
pub mod config;
pub mod cosignature;
pub mod event;
pub mod head;
pub mod keyring;
pub mod layout;
pub mod leaf;
pub mod manifest;
pub mod merkle;
pub mod nonce;
pub mod prune;
pub mod record;
pub mod regions;
pub mod registry;
pub mod status;
pub mod stream;
pub mod table;
pub mod value;

pub use event::{
    AccessEvent, AuditEvent, Event, FirewallEvent, QuarantineEvent, RegistryEvent, SessionEvent,
};
pub use record::{Envelope, Record};
pub use stream::Stream;
pub use value::Value;
