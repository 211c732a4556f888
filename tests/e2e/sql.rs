//! `vakt sql` on the sample institute: pruning by day, only manifest files,
//! errors, and the output formats.

use std::fs::File;

use arrow_array::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

use crate::common::{TestStore, sample_log_dirs, stderr, stdout};

fn sample_store() -> TestStore {
    let store = TestStore::new();
    store.ingest(&sample_log_dirs(), &[]);
    store
}

/// Runs `vakt sql --format json QUERY`, which must succeed.
fn json_rows(store: &TestStore, query: &str) -> Vec<Value> {
    let output = store.run(&["sql", "--format", "json", query]);
    assert!(
        output.status.success(),
        "{query}: {}{}",
        stdout(&output),
        stderr(&output)
    );
    match serde_json::from_slice(&output.stdout) {
        Ok(Value::Array(rows)) => rows,
        _ => panic!("not a JSON array: {}", stdout(&output)),
    }
}

fn single_number(store: &TestStore, query: &str) -> i64 {
    let rows = json_rows(store, query);
    assert_eq!(rows.len(), 1, "{query}");
    let object = rows[0].as_object().unwrap();
    object.values().next().unwrap().as_i64().unwrap()
}

const ONE_DAY: &str = "time >= '2025-03-12T00:00:00Z' AND time < '2025-03-13T00:00:00Z'";

#[test]
fn a_query_over_one_day_scans_only_that_days_segments() {
    let store = sample_store();
    let rows = json_rows(
        &store,
        &format!("EXPLAIN ANALYZE SELECT count(*) FROM sessions WHERE {ONE_DAY}"),
    );
    let plan = rows
        .iter()
        .map(|row| row["plan"].as_str().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let scan = plan
        .lines()
        .find(|line| line.contains("DataSourceExec"))
        .unwrap_or_else(|| panic!("no Parquet scan in {plan}"));
    let days: Vec<&str> = scan.split("day=").skip(1).map(|rest| &rest[..10]).collect();
    assert!(!days.is_empty(), "{scan}");
    assert!(days.iter().all(|day| *day == "2025-03-12"), "{scan}");

    // The manifest has segments of other days, which the scan left out.
    let manifest = std::fs::read_to_string(store.path().join("sessions/manifest.jsonl")).unwrap();
    assert!(manifest.contains("\"day\":\"2025-03-11\""));
    assert!(manifest.contains("\"day\":\"2025-03-13\""));

    // Pruned or not, the answer is the same as a filter that reads every file.
    let pruned = single_number(
        &store,
        &format!("SELECT count(*) FROM sessions WHERE {ONE_DAY}"),
    );
    let unpruned = single_number(
        &store,
        "SELECT count(*) FROM sessions WHERE to_char(time, '%Y-%m-%d') = '2025-03-12'",
    );
    assert!(pruned > 0);
    assert_eq!(pruned, unpruned);
}

#[test]
fn a_parquet_file_copied_into_the_store_by_hand_changes_no_result() {
    let store = sample_store();
    let query = "SELECT count(*) AS n, sum(seq) AS s, max(time) AS latest FROM sessions";
    let before = json_rows(&store, query);
    let manifest = std::fs::read_to_string(store.path().join("sessions/manifest.jsonl")).unwrap();
    let first: Value = serde_json::from_str(manifest.lines().next().unwrap()).unwrap();
    let segment = store.path().join(first["path"].as_str().unwrap());
    let day_dir = segment.parent().unwrap();
    std::fs::copy(&segment, day_dir.join("9999999999-000000000000.parquet")).unwrap();
    let other_day = store.path().join("sessions/day=2026-04-01");
    std::fs::create_dir_all(&other_day).unwrap();
    std::fs::copy(&segment, other_day.join("0000000001-000000000000.parquet")).unwrap();
    assert_eq!(json_rows(&store, query), before);
}

#[test]
fn a_wrong_query_exits_2_with_datafusions_message() {
    let store = TestStore::new();
    for (query, expected) in [
        ("SELECT nope FROM sessions", "nope"),
        ("SELECT * FROM no_such_table", "no_such_table"),
        ("SELEC 1", "SELEC"),
        ("DROP TABLE sessions", "not supported"),
    ] {
        let output = store.run(&["sql", query]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{query}: {}",
            stderr(&output)
        );
        let message = stderr(&output);
        assert!(message.starts_with("vakt: "), "{message}");
        assert!(message.contains(expected), "{query}: {message}");
        assert!(!message.contains("panicked"), "{message}");
        assert!(stdout(&output).is_empty());
    }
}

#[test]
fn results_print_as_a_table_json_csv_or_parquet() {
    let store = sample_store();
    let query = "SELECT seq, time, \"user\", server_zone FROM sessions ORDER BY seq LIMIT 3";

    let table = store.run(&["sql", query]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with(" seq | time"), "{text}");
    assert!(lines[2].contains(" CET |"), "times in Europe/Oslo: {text}");
    assert_eq!(lines.last(), Some(&"(3 rows)"));

    let rows = json_rows(&store, query);
    assert_eq!(rows.len(), 3);
    let first = rows[0].as_object().unwrap();
    let json = stdout(&store.run(&["sql", "--format", "json", query]));
    let object = &json[..json.find('}').unwrap()];
    let positions: Vec<usize> = ["\"seq\":", "\"time\":", "\"user\":", "\"server_zone\":"]
        .iter()
        .map(|name| {
            object
                .find(name)
                .unwrap_or_else(|| panic!("{name} in {json}"))
        })
        .collect();
    assert!(positions.is_sorted(), "members in column order: {json}");
    assert_eq!(first["seq"], 0);
    let time = first["time"].as_str().unwrap();
    assert!(
        time.starts_with("2025-01-01T") && time.ends_with('Z'),
        "RFC 3339 UTC: {time}"
    );

    let csv = store.run(&["sql", "--format", "csv", query]);
    assert!(csv.status.success());
    let csv_text = stdout(&csv);
    let csv_lines: Vec<&str> = csv_text.lines().collect();
    assert_eq!(csv_lines.len(), 4);
    assert_eq!(csv_lines[0], "seq,time,user,server_zone");
    assert!(
        csv_lines[1].starts_with(&format!("0,{time},")),
        "{csv_text}"
    );

    let out = store.dir.path().join("secure.parquet");
    let written = store.run(&[
        "sql",
        "--out",
        out.to_str().unwrap(),
        "SELECT * FROM secure_sessions",
    ]);
    assert!(written.status.success(), "{}", stderr(&written));
    let expected = single_number(&store, "SELECT count(*) FROM secure_sessions");
    assert!(expected > 0);
    assert_eq!(
        stdout(&written).trim(),
        format!("{expected} rows written to {}", out.display())
    );
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&out).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let rows: usize = reader
        .map(|batch| batch.unwrap())
        .map(|batch: RecordBatch| batch.num_rows())
        .sum();
    assert_eq!(rows as i64, expected);
}

#[test]
fn the_views_hold_what_their_names_say() {
    let store = sample_store();
    let outside = single_number(
        &store,
        "SELECT count(*) FROM secure_inbound WHERE dst_zone <> 'secure' OR src_zone = 'secure'",
    );
    assert_eq!(outside, 0);
    assert!(single_number(&store, "SELECT count(*) FROM secure_inbound") > 0);
    assert!(single_number(&store, "SELECT count(*) FROM secure_sessions") > 0);
    // Datasets come from the registry, which the sample logs do not hold;
    // the unit tests of vakt-query fill the view.
    let total = single_number(
        &store,
        "SELECT coalesce(sum(accesses), 0) FROM dataset_access",
    );
    let direct = single_number(
        &store,
        "SELECT count(*) FROM access WHERE dataset IS NOT NULL",
    );
    assert_eq!(total, direct);
}

#[test]
fn help_lists_the_tables_and_views() {
    let store = TestStore::new();
    let help = stdout(&store.run(&["sql", "--help"]));
    for name in [
        "sessions",
        "firewall",
        "access",
        "registry",
        "audit",
        "quarantine",
        "secure_sessions",
        "secure_inbound",
        "dataset_access",
        "--format",
        "--out",
    ] {
        assert!(help.contains(name), "{name} missing from\n{help}");
    }
}
