//! Evidence bundles for a third party: selected records, each with its
//! Merkle inclusion proof to a signed checkpoint of its stream, the
//! checkpoints, the store's verifier key, and a README giving the procedure
//! to check them by hand or with `docs/verify_bundle.py` (Python, hashlib
//! and `cryptography`), without vakt.
//!
//! Layout of a bundle folder:
//!
//! ```text
//! README.md                     what is inside and how to check it
//! bundle.json                   store id, creation time, selection, counts
//! verifier.vkey                 the store's signed-note verifier key(s), one per line
//! witnesses.vkey                the configured witnesses' cosigner keys, one per line
//! checkpoints/<stream>.checkpoint   the signed checkpoint the proofs lead to,
//!                               with the witnesses' cosignatures when one cosigned it
//! records.jsonl                 one record per line (BundleRecord)
//! verify_bundle.py              the independent checker
//! ```

mod check;
mod export;

use serde::{Deserialize, Serialize};

pub use check::{BundleCheck, BundleError, check_bundle};
pub use export::{ExportError, ExportSummary, Selection, export_bundle};

/// The independent checker, shipped in every bundle.
pub const VERIFY_SCRIPT: &str = include_str!("../../../docs/verify_bundle.py");

pub const README: &str = "README.md";
pub const BUNDLE_INFO: &str = "bundle.json";
pub const VERIFIER_KEY: &str = "verifier.vkey";
pub const WITNESS_KEYS: &str = "witnesses.vkey";
pub const CHECKPOINTS_DIR: &str = "checkpoints";
pub const RECORDS: &str = "records.jsonl";
pub const SCRIPT: &str = "verify_bundle.py";

/// One cell of a record as a bundle carries it: the column's name, its
/// FORMAT.md type, and the value (JSON null, string, integer, boolean; bytes
/// as lowercase hex; timestamps as integer microseconds since the epoch).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleField {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub value: serde_json::Value,
}

/// One record of a bundle with its proof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleRecord {
    pub stream: String,
    pub seq: u64,
    /// The tree size of the checkpoint the proof leads to.
    pub tree_size: u64,
    /// Lowercase hex of the leaf hash (for reading; checkers derive it again).
    pub leaf_hash: String,
    /// The inclusion proof, lowercase hex hashes, RFC 9162 order.
    pub proof: Vec<String>,
    /// Every canonical column of the record, in table order.
    pub fields: Vec<BundleField>,
}

/// `bundle.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleInfo {
    pub format: u32,
    pub store_id: String,
    pub created: chrono::DateTime<chrono::Utc>,
    /// What was selected, as the exporter asked for it.
    pub selection: String,
    pub records: u64,
    /// Stream name to the tree size of its checkpoint in the bundle.
    pub checkpoints: std::collections::BTreeMap<String, u64>,
    pub key_fingerprint: String,
    /// Stream name to the witnesses (by key name) whose cosignature its
    /// checkpoint carries, as the exporter checked them.
    #[serde(default)]
    pub cosigned_by: std::collections::BTreeMap<String, Vec<String>>,
}

/// The FORMAT.md name of a column type.
pub fn type_name(kind: vakt_schemas::table::ColumnType) -> String {
    use vakt_schemas::table::ColumnType;
    match kind {
        ColumnType::Utf8 => "utf8".to_string(),
        ColumnType::UInt16 => "u16".to_string(),
        ColumnType::UInt64 => "u64".to_string(),
        ColumnType::Int64 => "i64".to_string(),
        ColumnType::Boolean => "bool".to_string(),
        ColumnType::Timestamp => "timestamp".to_string(),
        ColumnType::FixedBinary(len) => format!("bytes[{len}]"),
    }
}
