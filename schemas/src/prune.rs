//! Retention: what a prune removed and what it kept so that every tree,
//! checkpoint and proof stays verifiable (FORMAT.md §9).
//!
//! A pruned segment's rows are gone; its leaf hashes are kept in a
//! `.leaves` file beside where it was (32 bytes per record, in sequence
//! order), and `pruned.jsonl` lists it, one JSON line per segment, in the
//! commit that also appends the prune's record to the `audit` stream.

use serde::{Deserialize, Serialize};

use crate::stream::Stream;

/// Records are kept at least this many days after they happened and after
/// they were stored, whatever the configuration says (clause 3.3.l).
pub const MIN_RETENTION_DAYS: u32 = 365;

/// The streams a prune may remove rows from. The `registry` (what the
/// review judges against) and `audit` (who used the logs) are kept whole.
pub const PRUNABLE: [Stream; 4] = [
    Stream::Sessions,
    Stream::Firewall,
    Stream::Access,
    Stream::Quarantine,
];

/// One line of `pruned.jsonl`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrunedSegment {
    pub stream: Stream,
    /// The segment's path as its manifest line names it.
    pub path: String,
    pub first_seq: u64,
    pub count: u64,
    /// Lowercase hex SHA-256 of the `.leaves` file.
    pub leaves_sha256: String,
    /// The commit that pruned it, which also holds the prune's `audit` record.
    pub txn: u64,
}

impl PrunedSegment {
    pub fn to_line(&self) -> String {
        // Serialising a struct of strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_line(line: &str) -> Result<PrunedSegment, serde_json::Error> {
        serde_json::from_str(line)
    }
}

/// Where the leaf hashes of a pruned segment are kept: its path with
/// `.leaves` in place of `.parquet`.
pub fn leaves_path(segment_path: &str) -> String {
    let stem = segment_path
        .strip_suffix(".parquet")
        .unwrap_or(segment_path);
    format!("{stem}.leaves")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_reads_back_and_names_its_leaves_file() {
        let line = PrunedSegment {
            stream: Stream::Firewall,
            path: "firewall/day=2025-01-02/0000000003-000000000010.parquet".into(),
            first_seq: 10,
            count: 4,
            leaves_sha256: "ab".repeat(32),
            txn: 40,
        };
        assert_eq!(PrunedSegment::from_line(&line.to_line()).unwrap(), line);
        assert_eq!(
            leaves_path(&line.path),
            "firewall/day=2025-01-02/0000000003-000000000010.leaves"
        );
    }
}
