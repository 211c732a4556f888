//! `vakt upgrade` on a store that vakt of format 2 wrote
//! (`tests/fixtures/format2`): refused until upgraded, then the same
//! answers, a store that verifies, evidence of old records a third party
//! can check, new records in format 3's layout, and a compaction that
//! leaves no stored leaf hash.

use std::path::{Path, PathBuf};

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use vakt_schemas::table::SegmentLayout;
use vakt_schemas::{Stream, layout};
use vakt_store::StoreReader;

use crate::common::{TestStore, copy_tree, json, stderr, stdout};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/format2/store")
}

/// A copy of the format-2 store, private to its owner as `vakt init`
/// makes stores (git keeps no modes).
fn format2_store() -> TestStore {
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = TestStore { dir, url: None };
    copy_tree(&fixture(), &store.path());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut pending = vec![store.path()];
        while let Some(path) = pending.pop() {
            let mode = if path.is_dir() {
                pending.extend(
                    std::fs::read_dir(&path)
                        .unwrap()
                        .flatten()
                        .map(|e| e.path()),
                );
                0o700
            } else {
                0o600
            };
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        std::fs::set_permissions(store.key_file(), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    store
}

/// The layout of every live segment file of `stream`.
fn layouts(store: &TestStore, stream: Stream) -> Vec<SegmentLayout> {
    let reader = StoreReader::open(&store.path()).unwrap();
    reader
        .present_segments(stream)
        .unwrap()
        .iter()
        .map(|live| {
            let bytes = std::fs::read(store.path().join(&live.entry.path)).unwrap();
            let builder =
                ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes)).unwrap();
            SegmentLayout::of_schema(stream, builder.schema()).unwrap()
        })
        .collect()
}

const QUERIES: [&str; 3] = [
    "SELECT count(*) AS n, min(seq) AS first, max(seq) AS last, min(time) AS since FROM sessions",
    "SELECT action, count(*) AS n FROM firewall GROUP BY action ORDER BY action",
    "SELECT \"user\", operation, count(*) AS n FROM access GROUP BY \"user\", operation ORDER BY \"user\", operation",
];

fn answers(store: &TestStore) -> Vec<Value> {
    QUERIES
        .iter()
        .map(|query| json(&store.run(&["sql", "--format", "json", query])))
        .collect()
}

#[test]
fn a_format_2_store_is_upgraded_in_place_and_keeps_every_answer_and_proof() {
    let store = format2_store();
    let refused = store.run(&["sql", "SELECT 1"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stdout(&refused));
    assert!(
        stderr(&refused).contains("vakt upgrade"),
        "{}",
        stderr(&refused)
    );

    let upgraded = json(&store.run(&["upgrade", "--format", "json"]));
    assert_eq!(upgraded["from_format"], 2);
    assert_eq!(upgraded["to_format"], 3);
    assert_eq!(upgraded["nonce_key_created"], true);
    assert!(upgraded["audit_seq"].is_u64(), "{upgraded}");
    assert!(store.path().join(layout::NONCE_KEY).exists());
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");

    let before = answers(&store);
    assert_eq!(before[0][0]["n"], 150, "{:#}", before[0]);
    assert!(
        layouts(&store, Stream::Firewall)
            .iter()
            .all(|layout| *layout == SegmentLayout::WithLeafHash)
    );

    // An old record's evidence, from format 2's files, checks out.
    let bundle = store.dir.path().join("bundle");
    let export = store.run(&[
        "export",
        "--out",
        bundle.to_str().unwrap(),
        "--sql",
        "SELECT 'sessions' AS stream, seq FROM sessions ORDER BY seq LIMIT 3",
    ]);
    assert!(export.status.success(), "{}", stderr(&export));
    let check = store.run(&["verify-bundle", bundle.to_str().unwrap()]);
    assert!(check.status.success(), "{}", stdout(&check));

    // New records: nonces derived, neither nonce nor leaf hash stored.
    let more = store.dir.path().join("more.log");
    let lines: Vec<String> =
        std::fs::read_to_string(crate::common::sample_logs().join("logs/ts1/auth.log"))
            .unwrap()
            .lines()
            .skip(150)
            .take(100)
            .map(str::to_string)
            .collect();
    std::fs::write(&more, lines.join("\n") + "\n").unwrap();
    store.ingest(&[more], &["--year", "2026"]);
    let sessions = layouts(&store, Stream::Sessions);
    assert!(
        sessions.contains(&SegmentLayout::DerivedNonce),
        "{sessions:?}"
    );
    let reader = StoreReader::open(&store.path()).unwrap();
    let key = reader.nonce_key().unwrap().clone();
    let newest = reader.records(Stream::Sessions).unwrap().pop().unwrap();
    assert_eq!(
        newest.envelope.nonce,
        key.nonce(Stream::Sessions, newest.envelope.seq)
    );
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");

    // A compaction rewrites format 2's files without their leaf hashes,
    // keeping their random nonces; every answer stays.
    let with_new = answers(&store);
    let compacted = store.run(&["compact", "--format", "json"]);
    assert!(compacted.status.success(), "{}", stderr(&compacted));
    for stream in [Stream::Sessions, Stream::Firewall, Stream::Access] {
        let found = layouts(&store, stream);
        assert!(
            !found.contains(&SegmentLayout::WithLeafHash),
            "{stream}: {found:?}"
        );
    }
    assert!(layouts(&store, Stream::Access).contains(&SegmentLayout::StoredNonce));
    assert_eq!(answers(&store), with_new);
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
    let check = store.run(&["verify-bundle", bundle.to_str().unwrap()]);
    assert!(check.status.success(), "{}", stdout(&check));

    let again = json(&store.run(&["upgrade", "--format", "json"]));
    assert_eq!(again["to_format"], 3);
    assert!(again["audit_seq"].is_null(), "{again}");
}

#[test]
fn a_store_without_its_nonce_key_is_reported_and_refuses_to_commit() {
    let store = TestStore::new();
    store.ingest(&[crate::common::sample_logs().join("logs/ts1")], &[]);
    std::fs::remove_file(store.path().join(layout::NONCE_KEY)).unwrap();
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 1, "{report:#}");
    assert!(
        crate::common::problem_kinds(&report)
            .iter()
            .any(|kind| kind == "nonce-key"),
        "{report:#}"
    );
    let output = store.run(&["sql", "SELECT count(*) FROM sessions"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("nonce.key"), "{}", stderr(&output));
}
