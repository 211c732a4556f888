//! Retention: a prune removes the rows of records older than the
//! retention, never of records younger than 365 days (by event time and
//! by ingest time), keeps every tree and checkpoint verifiable, and is
//! reported by `verify` with when and by whom.

mod common;

use std::collections::BTreeMap;
use std::fs;

use chrono::{DateTime, TimeDelta, Utc};
use common::login;
use vakt_schemas::prune::leaves_path;
use vakt_schemas::{Event, Stream};
use vakt_store::prune::prune;
use vakt_store::{ReadError, StoreReader, StoreWriter, init_store, verify};

/// A store with two commits of logins from two years ago (stored then),
/// one of logins from two years ago stored now, and one of today's.
fn store_with_old_records(now: DateTime<Utc>) -> (tempfile::TempDir, StoreWriter) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    init_store(&root).unwrap();
    let mut writer = StoreWriter::open(&root).unwrap();
    let long_ago = now - TimeDelta::days(730);
    writer.commit_as_of(Some(long_ago + TimeDelta::hours(1)));
    writer
        .commit(
            vec![
                login(long_ago, "ola"),
                login(long_ago + TimeDelta::minutes(1), "kari"),
            ],
            BTreeMap::new(),
        )
        .unwrap();
    writer.commit_as_of(Some(long_ago + TimeDelta::days(2)));
    writer
        .commit(
            vec![login(long_ago + TimeDelta::days(1), "per")],
            BTreeMap::new(),
        )
        .unwrap();
    writer.commit_as_of(None);
    writer
        .commit(
            vec![login(long_ago + TimeDelta::days(3), "late")],
            BTreeMap::new(),
        )
        .unwrap();
    writer
        .commit(
            vec![login(now - TimeDelta::hours(1), "today")],
            BTreeMap::new(),
        )
        .unwrap();
    (dir, writer)
}

fn users(reader: &StoreReader) -> Vec<String> {
    reader
        .records(Stream::Sessions)
        .unwrap()
        .into_iter()
        .filter_map(|record| match record.event {
            Event::Sessions(session) => session.user,
            _ => None,
        })
        .collect()
}

#[test]
fn a_prune_removes_only_old_rows_and_the_store_still_verifies() {
    let now = Utc::now();
    let (_dir, mut writer) = store_with_old_records(now);
    let before = writer.reader();
    let size = before.head().stream(Stream::Sessions).unwrap().tree_size;
    let root_before = before.head().stream(Stream::Sessions).unwrap().root.clone();
    assert_eq!(size, 5);

    // A configured retention below the minimum is raised to 365 days.
    let dry = prune(&mut writer, 30, now, "tester", true).unwrap();
    assert_eq!(dry.retention_days, 365);
    assert_eq!(dry.records.get(&Stream::Sessions), Some(&3));
    assert_eq!(
        users(&writer.reader()).len(),
        5,
        "a dry run removes nothing"
    );

    let done = prune(&mut writer, 30, now, "tester", false).unwrap();
    assert_eq!(done.segments.get(&Stream::Sessions), Some(&2));
    assert_eq!(done.records.get(&Stream::Sessions), Some(&3));
    assert!(done.audit_seq.is_some());

    let reader = StoreReader::open(writer.root()).unwrap();
    // Old events stored only now are kept: a year from when they were stored.
    assert_eq!(
        users(&reader),
        vec!["late".to_string(), "today".to_string()]
    );
    assert!(matches!(
        reader.records_at(Stream::Sessions, &[0]),
        Err(ReadError::Pruned { seq: 0, .. })
    ));
    // The tree is untouched and its leaf hashes are all still there.
    assert_eq!(
        reader.head().stream(Stream::Sessions).unwrap().root,
        root_before
    );
    assert_eq!(reader.leaf_hashes(Stream::Sessions, size).unwrap().len(), 5);

    let report = verify(&reader, None);
    assert!(report.ok, "{:#?}", report.problems);
    assert_eq!(report.pruned.len(), 1);
    assert_eq!(report.pruned[0].user.as_deref(), Some("tester"));
    assert_eq!(report.pruned[0].records.get(&Stream::Sessions), Some(&3));

    // Nothing more is old enough.
    let again = prune(&mut writer, 30, now, "tester", false).unwrap();
    assert!(again.segments.is_empty());

    // A changed kept leaf hash is found.
    let pruned = reader.pruned().unwrap();
    let leaves = writer
        .root()
        .join(leaves_path(pruned.keys().next().unwrap()));
    let mut bytes = fs::read(&leaves).unwrap();
    bytes[0] ^= 1;
    fs::write(&leaves, bytes).unwrap();
    let report = verify(&StoreReader::open(writer.root()).unwrap(), None);
    assert!(
        report
            .problems
            .iter()
            .any(|problem| problem.kind == "pruned-leaves"),
        "{:#?}",
        report.problems
    );
}

#[test]
fn nothing_younger_than_a_year_is_pruned_whatever_the_configuration() {
    let now = Utc::now();
    let (_dir, mut writer) = store_with_old_records(now);
    // 200 days from now the records stored two years ago are old enough;
    // the ones stored today are not, though they happened two years ago.
    let later = now + TimeDelta::days(200);
    let done = prune(&mut writer, 1, later, "tester", false).unwrap();
    assert_eq!(done.records.get(&Stream::Sessions), Some(&3));
    let reader = StoreReader::open(writer.root()).unwrap();
    assert_eq!(
        users(&reader),
        vec!["late".to_string(), "today".to_string()]
    );
}
