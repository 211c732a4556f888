//! `vakt compact` on the sample institute's year: far fewer files, the
//! same answers to every query, a store that verifies, and evidence
//! bundles made from compacted files that a third party can check.

use serde_json::Value;

use crate::common::{TestStore, json, sample_log_dirs, stderr, stdout};

/// The newest checkpoints of the streams a compaction merges (the audit
/// stream grows with every query).
fn compacted_checkpoints(store: &TestStore) -> Vec<String> {
    stdout(&store.run(&["checkpoint"]))
        .split("\n\nvakt/")
        .filter(|note| !note.contains("/audit\n") && !note.contains("/registry\n"))
        .map(str::to_string)
        .collect()
}

const QUERIES: [&str; 4] = [
    "SELECT count(*) AS n, min(seq) AS first, max(seq) AS last FROM sessions",
    "SELECT \"user\", operation, count(*) AS n FROM access GROUP BY \"user\", operation ORDER BY \"user\", operation",
    "SELECT seq, time, raw FROM firewall WHERE time >= '2025-03-12' AND time < '2025-03-13' ORDER BY seq",
    "SELECT count(*) AS n FROM sessions WHERE ingest_time <= now()",
];

#[test]
fn compaction_merges_the_years_segments_and_changes_no_answer() {
    let store = TestStore::new();
    let logs = &sample_log_dirs()[0];
    // Two ingests, so that firewall days have segments of two commits.
    store.ingest(&[logs.join("fs1"), logs.join("fw-ext")], &[]);
    store.ingest(&[logs.join("fw-sec"), logs.join("ts1")], &[]);
    let before: Vec<Value> = QUERIES
        .iter()
        .map(|query| json(&store.run(&["sql", "--format", "json", query])))
        .collect();
    let checkpoints = compacted_checkpoints(&store);

    let dry = json(&store.run(&["compact", "--dry-run", "--format", "json"]));
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["commits"], 0);
    let done = json(&store.run(&["compact", "--format", "json"]));
    let planned = |summary: &Value| {
        let mut streams = summary["streams"].clone();
        for counts in streams.as_object_mut().unwrap().values_mut() {
            counts.as_object_mut().unwrap().remove("bytes_written");
        }
        streams
    };
    assert_eq!(
        planned(&done),
        planned(&dry),
        "the dry run said what it would do"
    );
    assert_eq!(done["commits"], 1);
    for stream in ["sessions", "firewall", "access"] {
        let counts = &done["streams"][stream];
        let before = counts["files_before"].as_u64().unwrap();
        let after = counts["files_after"].as_u64().unwrap();
        assert!(before > 300, "{stream}: {counts}");
        // A file per month and run of consecutive commits: the second
        // ingest's records follow the first's, all year long.
        assert!(after <= 26 && after * 10 < before, "{stream}: {counts}");
        assert_eq!(
            before - after,
            counts["segments_replaced"].as_u64().unwrap()
                - counts["files_written"].as_u64().unwrap()
        );
    }

    let after: Vec<Value> = QUERIES
        .iter()
        .map(|query| json(&store.run(&["sql", "--format", "json", query])))
        .collect();
    assert_eq!(after, before);
    // Their signed checkpoints are those of before: no record was added.
    assert_eq!(compacted_checkpoints(&store), checkpoints);
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");

    // An evidence bundle of records now in compacted files verifies.
    let out = store.dir.path().join("bundle");
    let export = store.run(&[
        "export",
        "--out",
        out.to_str().unwrap(),
        "--sql",
        "SELECT 'firewall' AS stream, seq FROM firewall WHERE time >= '2025-03-12' AND time < '2025-03-13' LIMIT 5",
    ]);
    assert!(
        export.status.success(),
        "{}{}",
        stdout(&export),
        stderr(&export)
    );
    let check = store.run(&["verify-bundle", out.to_str().unwrap()]);
    assert!(
        check.status.success(),
        "{}{}",
        stdout(&check),
        stderr(&check)
    );

    // The full-text index needs nothing: its documents are the same records.
    let search = store.run(&["search", "--format", "json", "kari"]);
    assert!(search.status.success(), "{}", stderr(&search));
}
