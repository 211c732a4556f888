//! Opens a vakt store for reading. Everything that reads a store goes
//! through this crate: reading records back from the segments the manifest
//! lists (and only those), the latest signed checkpoints, and the full
//! verification of the store against its manifests, Merkle trees and
//! checkpoints.

pub mod evidence;
mod leaves;
pub mod reader;
pub mod search;
pub mod spotcheck;
pub mod sql;
pub mod timeline;
pub mod verify;

pub use reader::{ReadError, StoreReader};
pub use sql::{QueryResult, SessionOptions, SqlError, SqlSession};
pub use verify::{Problem, VerifyReport, verify};
