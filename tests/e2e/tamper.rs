//! Each way of tampering with a store is caught by `vakt verify`, which
//! names where; the untouched store verifies.

use std::fs;
use std::path::Path;

use parquet::arrow::ArrowWriter;
use vakt_schemas::arrow::records_to_batch;
use vakt_schemas::checkpoint::split_notes;
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::table::SegmentLayout;
use vakt_schemas::{Event, Record, Stream, layout};
use vakt_store::StoreReader;

use crate::common::{TestStore, copy_tree, problem_kinds, sample_logs, stdout};
use crate::forge::{read_entries, read_head, records_of, reseal, write_records, write_signed_head};

const STREAM: Stream = Stream::Sessions;

/// A segment of the sessions stream with a few rows, and its records.
fn target_segment(store: &Path) -> (ManifestEntry, Vec<Record>) {
    let reader = StoreReader::open(store).unwrap();
    let entry = reader
        .manifest(STREAM)
        .unwrap()
        .into_iter()
        .filter_map(|line| line.entry.ok())
        .find(|entry| entry.count >= 5)
        .expect("a sessions segment with at least 5 rows");
    let records = reader
        .read_segment_rows(STREAM, &entry)
        .unwrap()
        .iter()
        .map(|row| Record::from_values(STREAM, &row.values).unwrap())
        .collect();
    (entry, records)
}

/// Rewrites a segment as valid Parquet holding `records`, in the layout
/// the store writes.
fn rewrite_segment(store: &Path, entry: &ManifestEntry, records: &[Record]) {
    write_records(store, &entry.path, STREAM, records);
}

fn set_user(record: &mut Record, user: &str) {
    if let Event::Sessions(session) = &mut record.event {
        session.user = Some(user.to_string());
    }
}

struct Case {
    name: &'static str,
    tamper: Box<dyn Fn(&Path)>,
    /// Problem kinds that must all be reported.
    expected: &'static [&'static str],
    /// Whether a reported problem must name the tampered segment file.
    names_segment: bool,
}

fn cases(other_store: &Path) -> Vec<Case> {
    let other_store = other_store.to_path_buf();
    vec![
        Case {
            name: "a field of one row changed, file rewritten as valid Parquet",
            tamper: Box::new(|store| {
                let (entry, mut records) = target_segment(store);
                set_user(&mut records[2], "mallory");
                rewrite_segment(store, &entry, &records);
            }),
            expected: &["segment-changed", "tree-root"],
            names_segment: true,
        },
        Case {
            name: "a field changed and its nonce stored to match another leaf",
            tamper: Box::new(|store| {
                // A format-3 file may store its nonces (records a
                // compaction rewrote); one that stores a forged nonce
                // changes the leaf all the same.
                let (entry, mut records) = target_segment(store);
                set_user(&mut records[2], "mallory");
                records[2].envelope.nonce = [0x5a; 16];
                let batch = records_to_batch(STREAM, &records, SegmentLayout::StoredNonce).unwrap();
                let file = fs::File::create(store.join(&entry.path)).unwrap();
                let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
                writer.write(&batch).unwrap();
                writer.close().unwrap();
            }),
            expected: &["segment-changed", "tree-root"],
            names_segment: true,
        },
        Case {
            name: "a row deleted",
            tamper: Box::new(|store| {
                let (entry, mut records) = target_segment(store);
                records.remove(1);
                rewrite_segment(store, &entry, &records);
            }),
            expected: &["row-sequence", "row-count", "tree-root"],
            names_segment: true,
        },
        Case {
            name: "two rows swapped",
            tamper: Box::new(|store| {
                let (entry, mut records) = target_segment(store);
                records.swap(1, 3);
                rewrite_segment(store, &entry, &records);
            }),
            expected: &["row-sequence", "tree-root"],
            names_segment: true,
        },
        Case {
            name: "a row inserted",
            tamper: Box::new(|store| {
                let (entry, mut records) = target_segment(store);
                let mut forged = records[1].clone();
                set_user(&mut forged, "alibi");
                records.insert(2, forged);
                rewrite_segment(store, &entry, &records);
            }),
            expected: &["row-count", "tree-root"],
            names_segment: true,
        },
        Case {
            name: "a segment file deleted",
            tamper: Box::new(|store| {
                let (entry, _) = target_segment(store);
                fs::remove_file(store.join(&entry.path)).unwrap();
            }),
            expected: &["segment-missing"],
            names_segment: true,
        },
        Case {
            name: "a segment replaced by the same day's segment of another store",
            tamper: Box::new(move |store| {
                let (entry, _) = target_segment(store);
                let (other_entry, _) = target_segment(&other_store);
                assert_eq!(entry.path, other_entry.path, "both stores were built alike");
                fs::copy(other_store.join(&other_entry.path), store.join(&entry.path)).unwrap();
            }),
            expected: &["segment-changed", "tree-root"],
            names_segment: true,
        },
        Case {
            name: "a manifest entry edited (an early one)",
            tamper: Box::new(|store| edit_manifest_line(store, 0)),
            expected: &["manifest-chain"],
            names_segment: false,
        },
        Case {
            name: "the newest manifest entry edited",
            tamper: Box::new(|store| {
                let lines = manifest_lines(store);
                edit_manifest_line(store, lines.len() - 1);
            }),
            expected: &["manifest-edited", "head"],
            names_segment: false,
        },
        Case {
            name: "a checkpoint edited",
            tamper: Box::new(|store| {
                let path = store.join(layout::checkpoints(STREAM));
                let mut notes = split_notes(&fs::read_to_string(&path).unwrap());
                let newest = notes.pop().unwrap();
                let mut lines: Vec<&str> = newest.split('\n').collect();
                let size: u64 = lines[1].parse().unwrap();
                let forged_size = (size + 1).to_string();
                lines[1] = &forged_size;
                notes.push(lines.join("\n"));
                let text: String = notes.iter().map(|note| format!("{note}\n")).collect();
                fs::write(&path, text).unwrap();
            }),
            expected: &["checkpoint-signature"],
            names_segment: false,
        },
        Case {
            name: "a Parquet file dropped into a partition by hand",
            tamper: Box::new(|store| {
                let (entry, _) = target_segment(store);
                let dir = store.join(&entry.path);
                let extra = dir
                    .parent()
                    .unwrap()
                    .join("0000000001-000000999999.parquet");
                fs::copy(store.join(&entry.path), extra).unwrap();
            }),
            expected: &["unlisted-file"],
            names_segment: false,
        },
    ]
}

fn manifest_lines(store: &Path) -> Vec<String> {
    fs::read_to_string(store.join(layout::manifest(STREAM)))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Changes one manifest line's claimed end time, keeping it valid JSON.
fn edit_manifest_line(store: &Path, index: usize) {
    let mut lines = manifest_lines(store);
    let mut entry = ManifestEntry::from_line(&lines[index]).unwrap();
    entry.max_time += chrono::Duration::hours(1);
    lines[index] = entry.to_line();
    fs::write(
        store.join(layout::manifest(STREAM)),
        lines.join("\n") + "\n",
    )
    .unwrap();
}

fn build_store() -> TestStore {
    let store = TestStore::new();
    store.ingest(
        &[sample_logs().join("logs/ts1")],
        &["--commit-every", "2500"],
    );
    store
}

/// `vakt verify --format json` of a tampered copy: where it is, or after
/// uploading it to a prefix of the test's S3 server.
fn verify_copy(copy: &Path, store_copy: &Path, on_s3: bool) -> std::process::Output {
    let store = if on_s3 {
        crate::s3::server().upload(store_copy)
    } else {
        store_copy.to_str().unwrap().to_string()
    };
    crate::common::vakt(copy, &["--store", &store, "verify", "--format", "json"])
}

#[test]
fn every_kind_of_tampering_is_detected_and_located() {
    every_kind_of_tampering(false);
}

#[test]
fn every_kind_of_tampering_is_detected_and_located_on_s3() {
    every_kind_of_tampering(true);
}

fn every_kind_of_tampering(on_s3: bool) {
    let pristine = build_store();
    let other = build_store();
    let (code, report) = pristine.verify(&[]);
    assert_eq!(code, 0, "the untouched store verifies: {report:#}");
    assert!(report["problems"].as_array().unwrap().is_empty());

    let mut failures = Vec::new();
    for case in cases(&other.path()) {
        let copy = tempfile::tempdir().unwrap();
        let store_copy = copy.path().join("store");
        copy_tree(&pristine.path(), &store_copy);
        let segment = target_segment(&store_copy).0.path;
        (case.tamper)(&store_copy);
        let output = verify_copy(copy.path(), &store_copy, on_s3);
        let report: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("{}: verify prints JSON: {}", case.name, stdout(&output)));
        let kinds = problem_kinds(&report);
        if output.status.code() != Some(1) {
            failures.push(format!(
                "{}: exit {:?}, report {report:#}",
                case.name,
                output.status.code()
            ));
            continue;
        }
        for expected in case.expected {
            if !kinds.iter().any(|kind| kind == expected) {
                failures.push(format!(
                    "{}: no `{expected}` problem among {kinds:?}",
                    case.name
                ));
            }
        }
        let problems = report["problems"].as_array().unwrap();
        if problems
            .iter()
            .any(|problem| problem["stream"] != "sessions")
        {
            failures.push(format!(
                "{}: a problem outside the sessions stream: {report:#}",
                case.name
            ));
        }
        if case.names_segment
            && !problems
                .iter()
                .any(|problem| problem["file"] == segment.as_str())
        {
            failures.push(format!(
                "{}: no problem names {segment}: {report:#}",
                case.name
            ));
        }
        let located = problems.iter().any(|problem| {
            !problem["file"].is_null()
                || (!problem["first_seq"].is_null() && !problem["last_seq"].is_null())
        });
        if !located {
            failures.push(format!("{}: no problem says where: {report:#}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn removing_the_newest_records_is_caught_by_an_exported_checkpoint() {
    let store = build_store();
    let earlier = tempfile::tempdir().unwrap();
    let earlier_store = earlier.path().join("store");
    copy_tree(&store.path(), &earlier_store);

    store.ingest(
        &[sample_logs().join("logs/fs1")],
        &["--commit-every", "2500"],
    );
    let exported = store.run(&["checkpoint"]);
    assert!(exported.status.success());
    let checkpoint_file = earlier.path().join("exported.checkpoints");
    fs::write(&checkpoint_file, &exported.stdout).unwrap();
    let (code, report) = store.verify(&["--against", checkpoint_file.to_str().unwrap()]);
    assert_eq!(
        code, 0,
        "the store verifies against its own exported checkpoints: {report:#}"
    );
    assert_eq!(report["external_checkpoints"], 6);

    // The newest segments, their manifest entries, checkpoints and HEAD cut
    // back consistently: the store is exactly as it was before the last
    // ingest. On its own it verifies; against the exported checkpoints it
    // does not.
    fs::remove_dir_all(store.path()).unwrap();
    copy_tree(&earlier_store, &store.path());
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");

    let (code, report) = store.verify(&["--against", checkpoint_file.to_str().unwrap()]);
    assert_eq!(code, 1, "{report:#}");
    let kinds = problem_kinds(&report);
    assert!(kinds.iter().any(|kind| kind == "truncated"), "{kinds:?}");
    let truncated = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|problem| problem["kind"] == "truncated")
        .unwrap();
    assert!(!truncated["first_seq"].is_null() && !truncated["last_seq"].is_null());

    // Checkpoints of another store (another key) are refused.
    let (code, report) = build_store().verify(&["--against", checkpoint_file.to_str().unwrap()]);
    assert_eq!(
        code, 1,
        "another store's checkpoints do not verify: {report:#}"
    );
}

/// A forgery made consistent again and re-signed with the store's own key.
struct Forgery {
    name: &'static str,
    stream: Stream,
    forge: Box<dyn Fn(&Path)>,
    expected: &'static str,
}

fn forgeries() -> Vec<Forgery> {
    vec![
        Forgery {
            name: "a firewall action outside the enumeration, rehashed and re-signed",
            stream: Stream::Firewall,
            forge: Box::new(|store| {
                let entries = read_entries(store, Stream::Firewall);
                let entry = &entries[0];
                let bytes = fs::read(store.join(&entry.path)).unwrap();
                let mut records = records_of(store, Stream::Firewall, &bytes);
                if let Event::Firewall(event) = &mut records[0].event {
                    event.action = "blocked".into();
                }
                write_records(store, &entry.path, Stream::Firewall, &records);
                reseal(store, Stream::Firewall, entries, true);
            }),
            expected: "row-value",
        },
        Forgery {
            name: "a manifest line's min_time moved earlier",
            stream: STREAM,
            forge: Box::new(|store| {
                let mut entries = read_entries(store, STREAM);
                entries[1].min_time -= chrono::Duration::seconds(1);
                reseal(store, STREAM, entries, false);
            }),
            expected: "manifest-time-range",
        },
        Forgery {
            name: "a manifest line's frontier replaced",
            stream: STREAM,
            forge: Box::new(|store| {
                let mut entries = read_entries(store, STREAM);
                let last = entries.len() - 2;
                entries[last].frontier[0] = "00".repeat(32);
                reseal(store, STREAM, entries, false);
            }),
            expected: "manifest-frontier",
        },
        Forgery {
            name: "a manifest line's ingest time changed",
            stream: STREAM,
            forge: Box::new(|store| {
                let mut entries = read_entries(store, STREAM);
                entries[0].ingest_time += chrono::Duration::seconds(5);
                reseal(store, STREAM, entries, false);
            }),
            expected: "row-ingest-time",
        },
        Forgery {
            name: "a manifest line's commit number lowered below the line before",
            stream: STREAM,
            forge: Box::new(|store| {
                let mut entries = read_entries(store, STREAM);
                let last = entries.len() - 1;
                entries[last].txn = 0;
                reseal(store, STREAM, entries, false);
            }),
            expected: "manifest-txn",
        },
        Forgery {
            name: "a checkpoint in the middle of the log removed, HEAD's length fixed",
            stream: STREAM,
            forge: Box::new(|store| {
                let path = store.join(layout::checkpoints(STREAM));
                let notes = split_notes(&fs::read_to_string(&path).unwrap());
                assert!(
                    notes.len() >= 3,
                    "enough checkpoints to remove one in the middle"
                );
                let kept: String = notes
                    .iter()
                    .enumerate()
                    .filter(|(index, _)| *index != 1)
                    .map(|(_, note)| format!("{note}\n"))
                    .collect();
                fs::write(&path, &kept).unwrap();
                let mut head = read_head(store);
                head.streams.get_mut(&STREAM).unwrap().checkpoints_bytes = kept.len() as u64;
                write_signed_head(store, &head);
            }),
            expected: "checkpoint-missing",
        },
        Forgery {
            name: "HEAD's source offsets halved without the key",
            stream: STREAM,
            forge: Box::new(|store| {
                let path = store.join(layout::HEAD);
                let text = fs::read_to_string(&path).unwrap();
                let offset = text
                    .lines()
                    .find_map(|line| line.trim().strip_prefix("\"offset\": "))
                    .unwrap()
                    .trim_end_matches(',')
                    .to_string();
                let halved = (offset.parse::<u64>().unwrap() / 2).to_string();
                let edited = text.replacen(
                    &format!("\"offset\": {offset}"),
                    &format!("\"offset\": {halved}"),
                    1,
                );
                fs::write(&path, edited).unwrap();
            }),
            expected: "head-signature",
        },
    ]
}

#[test]
fn forgeries_made_consistent_and_re_signed_break_an_invariant_and_are_caught() {
    forgeries_are_caught(false);
}

#[test]
fn forgeries_made_consistent_and_re_signed_are_caught_on_s3() {
    forgeries_are_caught(true);
}

fn forgeries_are_caught(on_s3: bool) {
    let pristine = build_store();
    pristine.ingest(
        &[sample_logs().join("logs/fw-sec")],
        &["--commit-every", "2500"],
    );
    let mut failures = Vec::new();
    for forgery in forgeries() {
        let copy = tempfile::tempdir().unwrap();
        let store_copy = copy.path().join("store");
        copy_tree(&pristine.path(), &store_copy);
        (forgery.forge)(&store_copy);
        let output = verify_copy(copy.path(), &store_copy, on_s3);
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
                panic!("{}: verify prints JSON: {}", forgery.name, stdout(&output))
            });
        let kinds = problem_kinds(&report);
        if output.status.code() != Some(1) || !kinds.iter().any(|kind| kind == forgery.expected) {
            failures.push(format!(
                "{} ({}): exit {:?}, expected `{}` among {kinds:?}",
                forgery.name,
                forgery.stream,
                output.status.code(),
                forgery.expected
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
