//! The edges of the time windows: the second a grant ends, a leaver's last
//! day, a deletion day on a clock change, and which registry snapshot judges
//! an event.

use super::*;

#[test]
fn a_grant_ending_the_second_before_an_access_does_not_cover_it() {
    // k-hud ends 2025-06-01 12:00:00 local (10:00:00Z, summer time).
    let (_dir, reader, config) = store(&[
        access("2025-06-01T09:59:59Z", "kari", "read", "/data/hud/a.csv"),
        access("2025-06-01T10:00:00Z", "kari", "read", "/data/hud/a.csv"),
    ]);
    let review = review_2025(&reader, &config, registry(&[]));
    assert_eq!(
        found(&review, &[Check::UncoveredAccess]),
        pairs(&[("uncovered_access", "user=kari dataset=hud")])
    );
    let uncovered = finding(&review, Check::UncoveredAccess, "user=kari dataset=hud");
    assert_eq!(
        seqs(uncovered, vakt_schemas::Stream::Access),
        vec![1],
        "only the access at the end instant"
    );
}

#[test]
fn a_leaver_may_work_on_the_last_day_but_not_after() {
    // ola's end is 2025-06-30: until 2025-07-01 00:00 local = 2025-06-30T22:00Z.
    let (_dir, reader, config) = store(&[
        login("2025-06-30T21:59:59Z", "ola"),
        login("2025-06-30T22:00:01Z", "ola"),
    ]);
    let review = review_2025(&reader, &config, registry(&[]));
    let leaver = finding(&review, Check::LeaverActivity, "user=ola");
    assert_eq!(seqs(leaver, vakt_schemas::Stream::Sessions), vec![1]);
    // o-zone's `until` is the same day, so the second login is also uncovered.
    assert_eq!(
        found(
            &review,
            &[
                Check::LeaverActivity,
                Check::UncoveredSession,
                Check::LeaverOpenGrant
            ]
        ),
        pairs(&[
            ("leaver_activity", "user=ola"),
            ("uncovered_session", "user=ola")
        ])
    );
}

#[test]
fn a_deletion_day_on_the_autumn_clock_change_lasts_25_hours() {
    // `old` is to be deleted by 2025-10-26, the day clocks go back: that
    // local day ends 2025-10-26T23:00Z, 25 hours after it began.
    let (_dir, reader, config) = store(&[
        access("2025-10-26T22:30:00Z", "kari", "read", "/data/old/x.csv"),
        access("2025-10-26T23:00:00Z", "kari", "read", "/data/old/x.csv"),
        access("2025-10-26T23:30:00Z", "kari", "delete", "/data/old/x.csv"),
    ]);
    let review = review_2025(&reader, &config, registry(&[]));
    let after = finding(&review, Check::AccessAfterDeletion, "dataset=old");
    assert_eq!(
        seqs(after, vakt_schemas::Stream::Access),
        vec![1],
        "the delete itself is not use"
    );
    assert_eq!(
        found(
            &review,
            &[Check::AccessAfterDeletion, Check::DeletionOverdue]
        ),
        pairs(&[
            ("access_after_deletion", "dataset=old"),
            ("deletion_overdue", "dataset=old")
        ])
    );
    // Recorded as deleted on its day: no longer overdue, still used after.
    let deleted = registry(&[(
        "deletions.toml",
        "[[deletion]]\ndataset = \"old\"\ndate = 2025-10-26\n",
    )]);
    let review = review_2025(&reader, &config, deleted);
    assert_eq!(
        found(
            &review,
            &[Check::AccessAfterDeletion, Check::DeletionOverdue]
        ),
        pairs(&[("access_after_deletion", "dataset=old")])
    );
}

#[test]
fn events_are_judged_against_the_registry_recorded_before_them() {
    // kari's dataset grant was only recorded on 2025-06-01, although it
    // says it runs from 2025-01-01: a March access is judged against the
    // registry as recorded then, which did not hold it.
    let without = registry(&[(
        "authorizations.toml",
        &GRANTS.replace("scope = \"dataset:hud\"", "scope = \"dataset:old\""),
    )]);
    let with = registry(&[(
        "authorizations.toml",
        &GRANTS.replace("until = 2025-06-01T12:00:00", "until = 2025-12-31"),
    )]);
    let history = History {
        snapshots: vec![
            history::Snapshot {
                recorded: "2025-01-01T00:00:00Z".parse().unwrap(),
                first_seq: 0,
                registry: without,
                digests: BTreeMap::new(),
            },
            history::Snapshot {
                recorded: "2025-06-01T00:00:00Z".parse().unwrap(),
                first_seq: 4,
                registry: with,
                digests: BTreeMap::new(),
            },
        ],
        unreadable: Vec::new(),
    };
    let (_dir, reader, config) = store(&[
        access("2025-03-03T08:00:00Z", "kari", "read", "/data/hud/a.csv"),
        access("2025-07-03T08:00:00Z", "kari", "read", "/data/hud/a.csv"),
    ]);
    let options = ReviewOptions {
        year: 2025,
        now: "2026-02-01T00:00:00Z".parse().unwrap(),
        verify: false,
    };
    let review = review_against(&reader, &config, &history, &options).unwrap();
    let uncovered = finding(&review, Check::UncoveredAccess, "user=kari dataset=hud");
    assert_eq!(seqs(uncovered, vakt_schemas::Stream::Access), vec![0]);
    assert_eq!(
        history
            .at("2024-06-01T00:00:00Z".parse().unwrap())
            .unwrap()
            .first_seq,
        0,
        "before the first: the first"
    );
    assert_eq!(
        history
            .at("2025-06-01T00:00:00Z".parse().unwrap())
            .unwrap()
            .first_seq,
        4
    );
}

#[test]
fn the_history_holds_each_ingested_snapshot_even_when_a_file_is_added() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("store");
    init_store(&root).unwrap();
    let folder = dir.path().join("registry");
    std::fs::create_dir(&folder).unwrap();
    let config = Config::parse(CONFIG).unwrap();
    let snapshot = |folder: &Path| {
        let checked = vakt_ingest::RegistryFolder::read(folder)
            .unwrap()
            .check()
            .unwrap();
        let mut writer = StoreWriter::open(&root).unwrap();
        let options = IngestOptions {
            registry: Some(checked),
            ..IngestOptions::from_config(&config)
        };
        ingest(&mut writer, &config, &[], &options, &mut |_| {}).unwrap();
    };
    // First people only, then datasets.toml (first in file order) is added.
    std::fs::write(folder.join("people.toml"), PEOPLE).unwrap();
    snapshot(&folder);
    std::fs::write(folder.join("datasets.toml"), DATASETS).unwrap();
    snapshot(&folder);
    let reader = StoreReader::open(&root).unwrap();
    let history = History::load(&reader).unwrap();
    assert!(history.unreadable.is_empty(), "{:?}", history.unreadable);
    assert_eq!(history.snapshots.len(), 2);
    assert_eq!(history.snapshots[0].registry.datasets.len(), 0);
    assert_eq!(history.snapshots[0].registry.people.len(), 5);
    assert_eq!(history.snapshots[1].registry.datasets.len(), 2);
    assert!(history.snapshots[0].recorded < history.snapshots[1].recorded);
}
