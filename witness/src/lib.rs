//! Witnessing of vakt's checkpoints: the cosigning witness of C2SP
//! tlog-witness (c2sp.org/tlog-witness), as an HTTP service over a folder of
//! state ([`WitnessState`], [`serve`]), and the client side of that
//! protocol ([`submit`], [`fetch_latest`]), plus a [`DirectoryWitness`] for
//! setups without a second machine.
//!
//! A witness keeps, for each log origin it trusts, the latest checkpoint it
//! cosigned. It cosigns (C2SP tlog-cosignature, Ed25519 `cosignature/v1`) a
//! new checkpoint only when the log's signature verifies and a consistency
//! proof shows the new tree extends that one, so a log that forks or rolls
//! back can no longer collect cosignatures, and the signed evidence of the
//! attempt stays in the witness's `refusals.jsonl`.
//!
//! The service side (`state`, `server`, `directory`) knows no store: the
//! log passes checkpoints and proofs in. The log side ([`log_side`]) works
//! over a vakt store through `vakt-store`: it submits the store's newest
//! checkpoints, keeps the cosignatures in the store, gathers what the
//! witnesses hold for `vakt verify`, and checks `[witness_policy]`.

mod client;
mod config;
mod consistency;
mod directory;
mod files;
mod key;
pub mod log_side;
mod protocol;
mod refusal;
mod server;
mod state;

pub use client::{SubmitError, fetch_latest, submit};
pub use config::{ConfigError, TrustedLog, WitnessConfig};
pub use consistency::{ConsistencyError, check_consistent, checkpoint_of_note};
pub use directory::{DirectoryError, DirectoryWitness, HISTORY_FILE};
pub use files::checkpoint_file_name;
pub use key::KeyFileError;
pub use protocol::{
    ADD_CHECKPOINT_PATH, AddCheckpointRequest, MAX_PROOF_LINES, ProtocolError, SIZE_CONTENT_TYPE,
    parse_size_body, size_body,
};
pub use refusal::{REFUSALS_FILE, Refusal, read_refusals};
pub use server::{BODY_LIMIT, CHECKPOINT_PATH, ServerError, serve};
pub use state::{
    AddError, CONFIG_FILE, KEY_FILE, LOCK_FILE, LOGS_FOLDER, StateError, WitnessState,
};
