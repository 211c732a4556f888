//! The only code that touches a vakt store's files (`schemas/FORMAT.md`
//! specifies them): creating a store, committing records to it (segments,
//! manifest lines, signed checkpoints and `HEAD`, with recovery after an
//! interrupted commit), the committed view readers see, appends to the
//! `audit` stream, the upkeep of the full-text index kept beside the
//! records, and the verification of every invariant the format states.
//!
//! Data flows `ingest -> store <- query`: `vakt-ingest` turns log lines
//! into records and hands them to a [`StoreWriter`]; `vakt-query` and the
//! review read through a [`StoreReader`]. Neither opens a store file itself.
//!
//! - `storage`: where the files live (a local folder or S3) and the operations a commit needs;
//! - `init`: a new store and its signing key;
//! - `keys`: the signing key outside the store, and its rotations;
//! - `cosigned`: witnesses' cosignatures of the checkpoints, and the consistency proofs they ask for;
//! - `commit`, `writer`: one atomic commit, and the ingest writer holding the store's lock;
//! - `prune`: retention, removing old rows while every tree stays verifiable;
//! - `compaction`: merging small segments into large files, every record, leaf and proof kept;
//! - `recovery`: what an interrupted commit left, completed or set aside, never deleted;
//! - `segment`: writing one Parquet segment;
//! - `backup`: a copy of one commit's store taken while writers go on, and its restore;
//! - `checked`, `checked_bytes`: segment reads for query engines and for single records, checked against the manifest part by part;
//! - `reader`, `leaves`, `snapshot`: the committed view, leaf hashes for proofs, the newest registry snapshot;
//! - `audit`: vakt's own use of the logs, appended to the `audit` stream;
//! - `fulltext`: the full-text index kept in step with the commits;
//! - `verify`: every check of FORMAT.md §8.

pub mod audit;
pub mod backup;
pub mod checked;
mod checked_bytes;
pub mod commit;
pub mod compaction;
pub mod cosigned;
mod files;
pub mod fulltext;
pub mod init;
pub mod keys;
mod leaves;
mod new_segments;
pub mod nonce_key;
pub mod prune;
pub mod reader;
pub mod recovery;
pub mod run_status;
pub mod segment;
pub mod snapshot;
pub mod storage;
pub mod upgrade;
pub mod verify;
pub mod writer;

pub use audit::append_audit;
pub use commit::{CommitHook, Committer};
pub use files::exposed_paths;
pub use init::{InitError, StoreCreated, init_store, init_store_for};
pub use reader::{ReadError, StoreReader};
pub use verify::{Outside, Problem, VerifyReport, WitnessedCheckpoint, verify, verify_with};
pub use writer::{CommitSummary, PendingRecord, StoreWriter, WriteError};
