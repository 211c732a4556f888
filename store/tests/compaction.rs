//! Compaction: merging small segments into a file per month keeps every
//! record, sequence number, leaf and root, readers and `verify` find the
//! records in the new files, a changed compacted file is found, and an
//! interrupted compaction is finished or set aside.

mod common;

use std::collections::BTreeMap;
use std::fs;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use common::login;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use vakt_schemas::{Record, Stream, layout};
use vakt_store::compaction::{CompactOptions, compact};
use vakt_store::prune::prune;
use vakt_store::{StoreReader, StoreWriter, init_store, verify};

fn at(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, 0, 0).unwrap()
}

/// Twelve commits of logins, each over three days of January or
/// February, later commits holding earlier hours: many small segments
/// whose sequence order is not their time order.
fn store_of_small_commits() -> (tempfile::TempDir, StoreWriter) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    init_store(&root).unwrap();
    let mut writer = StoreWriter::open(&root).unwrap();
    for commit in 0..12u32 {
        let month = 1 + commit / 6;
        let records = (0..3)
            .flat_map(|day| {
                (0..4).map(move |n| {
                    login(
                        at(month, 1 + day + (commit % 6) * 3, 20 - commit % 6)
                            + TimeDelta::minutes(n),
                        &format!("user{commit}-{n}"),
                    )
                })
            })
            .collect();
        writer.commit(records, BTreeMap::new()).unwrap();
    }
    (dir, writer)
}

fn compact_all(writer: &mut StoreWriter) -> vakt_store::compaction::CompactionSummary {
    compact(writer, &CompactOptions::default(), "tester", &mut |_| {}).unwrap()
}

fn segment_files(root: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for dir in fs::read_dir(root.join("sessions")).unwrap() {
        let dir = dir.unwrap().path();
        if dir.is_dir() {
            for file in fs::read_dir(&dir).unwrap() {
                let path = file.unwrap().path();
                found.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    found.sort();
    found
}

#[test]
fn a_compaction_keeps_every_record_leaf_and_root_and_the_store_verifies() {
    let (_dir, mut writer) = store_of_small_commits();
    let before = writer.reader();
    let records: Vec<Record> = before.records(Stream::Sessions).unwrap();
    let size = before.head().stream(Stream::Sessions).unwrap().tree_size;
    let root = before.head().stream(Stream::Sessions).unwrap().root.clone();
    let leaves = before.leaf_hashes(Stream::Sessions, size).unwrap();
    let checkpoints = before.checkpoints(Stream::Sessions).unwrap();
    assert_eq!(size, 144);
    assert_eq!(segment_files(writer.root()).len(), 36);

    let dry = compact(
        &mut writer,
        &CompactOptions {
            dry_run: true,
            ..CompactOptions::default()
        },
        "tester",
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(dry.streams[&Stream::Sessions].files_after, 2);
    assert_eq!(
        segment_files(writer.root()).len(),
        36,
        "a dry run writes nothing"
    );

    let done = compact_all(&mut writer);
    let sessions = &done.streams[&Stream::Sessions];
    assert_eq!(
        (
            sessions.files_before,
            sessions.segments_replaced,
            sessions.files_written,
            sessions.files_after
        ),
        (36, 36, 2, 2)
    );
    assert_eq!(sessions.records, 144);
    assert_eq!(done.audit_seqs.len(), 1);

    // The replaced files are gone; one file per month is left.
    let files = segment_files(writer.root());
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files
            .iter()
            .all(|file| file.starts_with("sessions/compacted/"))
    );
    // The day folders they leave empty go too.
    let folders: Vec<String> = fs::read_dir(writer.root().join("sessions"))
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(folders, vec!["compacted".to_string()]);

    let reader = StoreReader::open(writer.root()).unwrap();
    assert_eq!(reader.records(Stream::Sessions).unwrap(), records);
    assert_eq!(reader.leaf_hashes(Stream::Sessions, size).unwrap(), leaves);
    assert_eq!(reader.head().stream(Stream::Sessions).unwrap().root, root);
    // No checkpoint for a tree that did not change.
    assert_eq!(reader.checkpoints(Stream::Sessions).unwrap(), checkpoints);
    let some = [0, 5, 71, 72, 143];
    let found = reader.records_at(Stream::Sessions, &some).unwrap();
    let expected: Vec<Record> = some
        .iter()
        .map(|seq| records[*seq as usize].clone())
        .collect();
    assert_eq!(found, expected);

    // Each file keeps its rows in time order.
    for file in &files {
        let bytes = bytes::Bytes::from(fs::read(writer.root().join(file)).unwrap());
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
            .unwrap()
            .build()
            .unwrap();
        let mut times = Vec::new();
        for batch in reader {
            let batch = batch.unwrap();
            times.extend(
                batch
                    .column(1)
                    .as_primitive::<TimestampMicrosecondType>()
                    .values()
                    .iter()
                    .copied(),
            );
        }
        assert!(times.windows(2).all(|pair| pair[0] <= pair[1]), "{file}");
    }

    let report = verify(&reader, None);
    assert!(report.ok, "{:#?}", report.problems);
    assert!(report.warnings.is_empty(), "{:#?}", report.warnings);
    assert_eq!(
        report
            .streams
            .iter()
            .find(|s| s.stream == Stream::Sessions)
            .unwrap()
            .segments,
        2
    );

    // More small commits, then a second compaction merges them with the
    // month's compacted file.
    writer
        .commit(
            vec![login(at(2, 27, 1), "late1"), login(at(2, 28, 2), "late2")],
            BTreeMap::new(),
        )
        .unwrap();
    writer
        .commit(vec![login(at(2, 26, 3), "late3")], BTreeMap::new())
        .unwrap();
    let all = writer.reader().records(Stream::Sessions).unwrap();
    let again = compact_all(&mut writer);
    assert_eq!(again.streams[&Stream::Sessions].segments_replaced, 4);
    assert_eq!(segment_files(writer.root()).len(), 2);
    let reader = StoreReader::open(writer.root()).unwrap();
    assert_eq!(reader.records(Stream::Sessions).unwrap(), all);
    let report = verify(&reader, None);
    assert!(report.ok, "{:#?}", report.problems);

    // Nothing left to merge.
    let nothing = compact_all(&mut writer);
    assert_eq!(nothing.commits, 0);
    assert_eq!(nothing.streams[&Stream::Sessions].segments_replaced, 0);
}

#[test]
fn a_changed_compacted_file_and_a_replaced_file_left_behind_are_found() {
    let (_dir, mut writer) = store_of_small_commits();
    let root = writer.root().to_path_buf();
    let first = segment_files(&root)[0].clone();
    let kept = fs::read(root.join(&first)).unwrap();
    compact_all(&mut writer);

    // A replaced file put back (a compaction stopped before deleting it)
    // is a warning, never read, and the next compaction removes it.
    fs::create_dir_all(root.join(&first).parent().unwrap()).unwrap();
    fs::write(root.join(&first), &kept).unwrap();
    let report = verify(&StoreReader::open(&root).unwrap(), None);
    assert!(report.ok, "{:#?}", report.problems);
    assert!(
        report
            .warnings
            .iter()
            .any(|warning| warning.kind == "compacted-leftover"),
        "{:#?}",
        report.warnings
    );
    let finished = compact_all(&mut writer);
    assert_eq!(finished.finished_earlier, 1);
    assert!(!root.join(&first).exists());

    // A compacted file rewritten without one of its records.
    let compacted = segment_files(&root)[0].clone();
    let bytes = bytes::Bytes::from(fs::read(root.join(&compacted)).unwrap());
    let batches: Vec<_> = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = Vec::new();
    let mut parquet =
        parquet::arrow::ArrowWriter::try_new(&mut out, batches[0].schema(), None).unwrap();
    parquet
        .write(&batches[0].slice(1, batches[0].num_rows() - 1))
        .unwrap();
    for batch in &batches[1..] {
        parquet.write(batch).unwrap();
    }
    parquet.close().unwrap();
    fs::write(root.join(&compacted), out).unwrap();
    let report = verify(&StoreReader::open(&root).unwrap(), None);
    assert!(!report.ok);
    let kinds: Vec<&str> = report.problems.iter().map(|problem| problem.kind).collect();
    for kind in ["segment-changed", "row-count", "row-sequence"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    // Readers refuse it.
    assert!(
        StoreReader::open(&root)
            .unwrap()
            .records(Stream::Sessions)
            .is_err()
    );
}

#[test]
fn an_uncommitted_compacted_file_is_set_aside_by_the_next_writer() {
    let (_dir, writer) = store_of_small_commits();
    let root = writer.root().to_path_buf();
    let next = writer.head().txn + 1;
    drop(writer);
    let orphan = layout::compacted(Stream::Sessions, next, 0);
    fs::create_dir_all(root.join(&orphan).parent().unwrap()).unwrap();
    fs::write(root.join(&orphan), b"half a file").unwrap();
    let report = verify(&StoreReader::open(&root).unwrap(), None);
    assert!(report.ok, "{:#?}", report.problems);
    assert!(
        report
            .warnings
            .iter()
            .any(|warning| warning.kind == "uncommitted-file")
    );
    let writer = StoreWriter::open(&root).unwrap();
    assert!(!root.join(&orphan).exists());
    let report = verify(&writer.reader(), None);
    assert!(report.ok, "{:#?}", report.problems);
}

#[test]
fn a_compacted_file_past_the_retention_is_pruned_and_its_leaves_kept() {
    let now = Utc::now();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    init_store(&root).unwrap();
    let mut writer = StoreWriter::open(&root).unwrap();
    let long_ago = Utc.with_ymd_and_hms(2023, 3, 1, 0, 0, 0).unwrap();
    for commit in 0..4i64 {
        writer.commit_as_of(Some(long_ago + TimeDelta::days(20)));
        let time = long_ago + TimeDelta::days(4 - commit);
        writer
            .commit(
                vec![
                    login(time, "old"),
                    login(time + TimeDelta::hours(1), "older"),
                ],
                BTreeMap::new(),
            )
            .unwrap();
    }
    writer.commit_as_of(None);
    writer
        .commit(
            vec![login(now - TimeDelta::hours(1), "today")],
            BTreeMap::new(),
        )
        .unwrap();
    let size = writer.head().stream(Stream::Sessions).unwrap().tree_size;
    let leaves = writer.reader().leaf_hashes(Stream::Sessions, size).unwrap();
    let done = compact_all(&mut writer);
    assert_eq!(done.streams[&Stream::Sessions].files_written, 1);
    let pruned = prune(&mut writer, 365, now, "tester", false).unwrap();
    assert_eq!(pruned.records.get(&Stream::Sessions), Some(&8));
    let reader = StoreReader::open(&root).unwrap();
    assert_eq!(reader.leaf_hashes(Stream::Sessions, size).unwrap(), leaves);
    assert_eq!(reader.records(Stream::Sessions).unwrap().len(), 1);
    let report = verify(&reader, None);
    assert!(report.ok, "{:#?}", report.problems);
}

#[test]
fn a_value_the_format_forbids_is_found_in_a_compacted_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    init_store(&root).unwrap();
    let mut writer = StoreWriter::open(&root).unwrap();
    for (hour, action) in [(1, "allow"), (2, "explode")] {
        let record = vakt_store::PendingRecord {
            time: at(3, 1, hour),
            source: "test".into(),
            raw: format!("packet {action}"),
            event: vakt_schemas::Event::Firewall(vakt_schemas::FirewallEvent {
                device: "fw".into(),
                action: action.into(),
                src_ip: "10.0.0.1".into(),
                dst_ip: "10.0.0.2".into(),
                protocol: "tcp".into(),
                ..vakt_schemas::FirewallEvent::default()
            }),
        };
        writer.commit(vec![record], BTreeMap::new()).unwrap();
    }
    let done = compact_all(&mut writer);
    assert_eq!(done.streams[&Stream::Firewall].files_written, 1);
    let report = verify(&StoreReader::open(&root).unwrap(), None);
    let values: Vec<&str> = report
        .problems
        .iter()
        .filter(|problem| problem.kind == "row-value")
        .map(|problem| problem.message.as_str())
        .collect();
    assert_eq!(values.len(), 1, "{:#?}", report.problems);
    assert!(values[0].contains("explode"), "{values:?}");
}
