//! Where everything lives inside a store, as paths relative to its root
//! with `/` separators (the same on a local disk and on object storage).
//!
//! ```text
//! store.json                           what store this is and its verifying key
//! HEAD                                 the commit point (head.rs)
//! LOCK                                 held by the one ingest
//! COMMIT.LOCK                          held during each commit
//! key-rotations                        the signing key's rotations (keyring.rs)
//! keys/signing.key                     where stores made before keys moved out kept it
//! <stream>/manifest.jsonl              the hash-chained list of segments
//! <stream>/checkpoints                 every signed checkpoint, appended
//! <stream>/cosignatures                checkpoints with witnesses' cosignatures
//! <stream>/day=YYYY-MM-DD/<txn>-<first seq>.parquet
//! <stream>/compacted/<txn>-<first seq>.parquet    a compaction's file
//! ```

use chrono::NaiveDate;

use crate::stream::Stream;

pub const STORE_INFO: &str = "store.json";
pub const HEAD: &str = "HEAD";
pub const HEAD_TEMP: &str = "HEAD.tmp";
pub const LOCK: &str = "LOCK";
pub const COMMIT_LOCK: &str = "COMMIT.LOCK";
/// Where stores made before keys moved out kept their signing key.
pub const SIGNING_KEY: &str = "keys/signing.key";
/// The signing key's rotations: signed notes, each followed by a blank line.
pub const KEY_ROTATIONS: &str = "key-rotations";
pub const INDEX: &str = "index";
/// The key a format-3 store derives its records' nonces with (`nonce.rs`).
pub const NONCE_KEY: &str = "nonce.key";
/// The segments a prune removed (prune.rs).
pub const PRUNED: &str = "pruned.jsonl";
/// `vakt run`'s folder: its status, not part of the signed record.
pub const RUN: &str = "run";
/// `vakt run`'s status (`status::RunStatus`), not part of the signed record.
pub const RUN_STATUS: &str = "run/status.json";

/// The stream's directory.
pub fn stream_dir(stream: Stream) -> String {
    stream.name().to_string()
}

/// The stream's manifest.
pub fn manifest(stream: Stream) -> String {
    format!("{}/manifest.jsonl", stream.name())
}

/// The stream's checkpoint log.
pub fn checkpoints(stream: Stream) -> String {
    format!("{}/checkpoints", stream.name())
}

/// The stream's cosigned checkpoints (witnesses' cosignatures; not
/// committed by `HEAD`, each entry proves itself).
pub fn cosignatures(stream: Stream) -> String {
    format!("{}/cosignatures", stream.name())
}

/// The partition directory of one day (UTC) of a stream.
pub fn day_dir(stream: Stream, day: NaiveDate) -> String {
    format!("{}/day={}", stream.name(), day.format("%Y-%m-%d"))
}

/// The segment written by commit `txn` for one day, starting at `first_seq`.
pub fn segment(stream: Stream, day: NaiveDate, txn: u64, first_seq: u64) -> String {
    format!("{}/{txn:010}-{first_seq:012}.parquet", day_dir(stream, day))
}

/// The folder of a stream's compacted segments.
pub const COMPACTED_DIR: &str = "compacted";

/// The file a compaction by commit `txn` writes for the records from
/// `first_seq` on (`compaction.rs`).
pub fn compacted(stream: Stream, txn: u64, first_seq: u64) -> String {
    format!(
        "{}/{COMPACTED_DIR}/{txn:010}-{first_seq:012}.parquet",
        stream.name()
    )
}

/// Whether a folder name inside a stream's folder holds segment files:
/// a day's partition or the compacted segments.
pub fn is_segment_dir(dir_name: &str) -> bool {
    dir_name == COMPACTED_DIR || partition_day(dir_name).is_some()
}

/// The commit number in a segment's file name, if the name has vakt's shape.
pub fn segment_txn(file_name: &str) -> Option<u64> {
    let stem = file_name.strip_suffix(".parquet")?;
    let (txn, first_seq) = stem.split_once('-')?;
    first_seq.parse::<u64>().ok()?;
    txn.parse().ok()
}

/// The day of a partition directory name such as `day=2026-03-02`.
pub fn partition_day(dir_name: &str) -> Option<NaiveDate> {
    let day = dir_name.strip_prefix("day=")?;
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_names_round_trip() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        let path = segment(Stream::Access, day, 42, 1_000_000);
        assert_eq!(
            path,
            "access/day=2026-03-29/0000000042-000001000000.parquet"
        );
        let (dir, file) = path.rsplit_once('/').unwrap();
        assert_eq!(segment_txn(file), Some(42));
        assert_eq!(partition_day(dir.rsplit_once('/').unwrap().1), Some(day));
        assert_eq!(segment_txn("evil.parquet"), None);
        let compacted = compacted(Stream::Access, 43, 7);
        assert_eq!(
            compacted,
            "access/compacted/0000000043-000000000007.parquet"
        );
        let (dir, file) = compacted.rsplit_once('/').unwrap();
        assert!(is_segment_dir(dir.rsplit_once('/').unwrap().1));
        assert_eq!(segment_txn(file), Some(43));
        assert!(!is_segment_dir("dag=2026-01-01"));
    }
}
