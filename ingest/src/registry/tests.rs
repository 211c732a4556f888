use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;
use vakt_schemas::config::Config;
use vakt_schemas::registry::{AUTHORIZATIONS_FILE, DATASETS_FILE, DELETIONS_FILE, PEOPLE_FILE};

use super::*;
use crate::pipeline::{DatasetSource, IngestOptions, ingest};
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::{Stream, layout};
use vakt_store::{ReadError, init_store};

const DATASETS: &str = r#"
[[dataset]]
id = "hudreg"
name = "Hudregisteret"
sensitivity = "S"
identifiability = 3
class = "B"
zone = "secure"
area = "data"
paths = ["/data/hudreg"]
owner = "kari"
"#;

const PEOPLE: &str = r#"
[[person]]
user = "kari"
name = "Kari Nordmann"
kind = "employee"

[[person]]
user = "ola"
name = "Ola Hansen"
kind = "external"
supervisor = "kari"
"#;

const GRANTS: &str = r#"
[[grant]]
id = "g1"
user = "ola"
scope = "dataset:hudreg"
granted_by = "kari"
from = 2026-01-01
until = 2026-06-30
"#;

const DELETIONS: &str = r#"
[[deletion]]
dataset = "hudreg"
date = 2026-02-01
"#;

/// A temporary registry folder and a store beside it.
struct Fixture {
    dir: TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("registry")).unwrap();
        init_store(&dir.path().join("store")).unwrap();
        let fixture = Fixture { dir };
        fixture.write(DATASETS_FILE, DATASETS);
        fixture.write(PEOPLE_FILE, PEOPLE);
        fixture.write(AUTHORIZATIONS_FILE, GRANTS);
        fixture.write(DELETIONS_FILE, DELETIONS);
        fixture
    }

    fn registry_dir(&self) -> PathBuf {
        self.dir.path().join("registry")
    }

    fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    fn write(&self, file: &str, text: &str) {
        fs::write(self.registry_dir().join(file), text).unwrap();
    }

    fn checked(&self) -> CheckedRegistry {
        RegistryFolder::read(&self.registry_dir())
            .unwrap()
            .check()
            .unwrap()
    }

    fn problems(&self) -> Vec<String> {
        let folder = RegistryFolder::read(&self.registry_dir()).unwrap();
        match folder.check() {
            Ok(_) => Vec::new(),
            Err(invalid) => invalid.problems.iter().map(ToString::to_string).collect(),
        }
    }

    fn snapshot(&self) -> RegistrySummary {
        let mut writer = StoreWriter::open(&self.store()).unwrap();
        record_snapshot(&mut writer, &self.checked()).unwrap()
    }

    fn newest(&self) -> Option<Snapshot> {
        let writer = StoreWriter::open(&self.store()).unwrap();
        newest_snapshot(&writer.reader()).unwrap()
    }

    fn txn(&self) -> u64 {
        StoreWriter::open(&self.store()).unwrap().head().txn
    }
}

#[test]
fn only_toml_files_are_read_and_absent_files_are_named() {
    let fixture = Fixture::new();
    fs::remove_file(fixture.registry_dir().join(DELETIONS_FILE)).unwrap();
    fixture.write("README.md", "kept by the director's office");
    fixture.write("datasets.toml~", "an editor's backup");
    fs::create_dir(fixture.registry_dir().join("old")).unwrap();
    let folder = RegistryFolder::read(&fixture.registry_dir()).unwrap();
    assert_eq!(
        folder.present(),
        vec![DATASETS_FILE, PEOPLE_FILE, AUTHORIZATIONS_FILE]
    );
    assert_eq!(folder.absent(), vec![DELETIONS_FILE]);
    let checked = folder.check().unwrap();
    assert_eq!(checked.registry().people.len(), 2);
    assert!(checked.registry().deletions.is_empty());
}

#[test]
fn another_toml_file_and_an_empty_folder_are_problems() {
    let fixture = Fixture::new();
    fixture.write("Notes.TOML", "x = 1");
    let found = fixture.problems();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("Notes.TOML: not a registry file"),
        "{found:?}"
    );

    let empty = tempfile::tempdir().unwrap();
    let invalid = RegistryFolder::read(empty.path())
        .unwrap()
        .check()
        .unwrap_err();
    assert_eq!(invalid.problems.len(), 1);
    assert!(
        invalid.problems[0]
            .message
            .starts_with("none of datasets.toml"),
        "{invalid}"
    );
}

#[test]
fn every_problem_is_reported_by_file_entry_and_field() {
    let fixture = Fixture::new();
    let bad_class = DATASETS.replace("class = \"B\"", "class = \"X\"");
    let bad_group = DATASETS
        .replace("hudreg", "kreftreg")
        .replace("identifiability = 3", "identifiability = 9");
    fixture.write(DATASETS_FILE, &format!("{bad_class}\n{bad_group}"));
    let ends_before_start = GRANTS
        .replace("until = 2026-06-30", "until = 2025-12-31")
        .replace("dataset:hudreg", "dataset:kreftreg");
    let unknown_person = GRANTS
        .replace("g1", "g2")
        .replace("user = \"ola\"", "user = \"nobody\"")
        .replace("dataset:hudreg", "dataset:kreftreg");
    fixture.write(
        AUTHORIZATIONS_FILE,
        &format!("{ends_before_start}\n{unknown_person}"),
    );
    fixture.write(DELETIONS_FILE, "");
    let found = fixture.problems();
    let expected = [
        "datasets.toml: dataset `hudreg`: field `class`: unknown variant `X`",
        "datasets.toml: dataset `kreftreg`: field `identifiability`: 9 is not an identifiability group",
        "authorizations.toml: grant `g1`: field `until`: 2025-12-31 is before `from` 2026-01-01",
        "authorizations.toml: grant `g2`: field `user`: `nobody` is not in people.toml",
    ];
    for wanted in expected {
        assert!(
            found.iter().any(|problem| problem.starts_with(wanted)),
            "no `{wanted}` in {found:#?}"
        );
    }
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    let invalid = RegistryFolder::read(&fixture.registry_dir())
        .unwrap()
        .check()
        .unwrap_err();
    let message = invalid.to_string();
    assert!(
        message.contains("has 4 problem(s), so nothing was stored"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 5, "{message}");
}

#[test]
fn a_file_that_is_not_utf8_is_a_problem() {
    let fixture = Fixture::new();
    fs::write(
        fixture.registry_dir().join(DELETIONS_FILE),
        b"[[deletion]]\ndataset = \"hud\xe5\"\n",
    )
    .unwrap();
    let found = fixture.problems();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("deletions.toml: not UTF-8 text (invalid byte at 27)"),
        "{found:?}"
    );
}

#[test]
fn a_snapshot_is_written_once_per_change_in_one_commit() {
    let fixture = Fixture::new();
    assert_eq!(fixture.newest(), None);

    let first = fixture.snapshot();
    assert!(first.snapshot_written);
    assert_eq!(first.reason, "first snapshot");
    assert_eq!(first.files.len(), 4);
    let newest = fixture.newest().expect("a snapshot");
    assert_eq!(Some(newest.txn), first.snapshot_txn);
    assert_eq!(newest.txn, fixture.txn());
    assert_eq!(newest.digests(), fixture.checked().folder().digests());
    let people = &newest.files[PEOPLE_FILE];
    assert_eq!(people.content, PEOPLE);
    assert_eq!(people.digest, sha256_hex(PEOPLE));
    assert_eq!(
        newest.registry().unwrap(),
        *fixture.checked().registry(),
        "the stored snapshot reads back as the same registry"
    );

    let again = fixture.snapshot();
    assert!(!again.snapshot_written);
    assert_eq!(again.to_string(), "registry: unchanged");
    assert_eq!(again.snapshot_txn, first.snapshot_txn);
    assert_eq!(fixture.txn(), newest.txn, "nothing was committed");

    fixture.write(
        AUTHORIZATIONS_FILE,
        &GRANTS.replace("2026-06-30", "2026-12-31"),
    );
    let changed = fixture.snapshot();
    assert_eq!(
        changed.to_string(),
        "registry: snapshot written (authorizations.toml changed)"
    );
    assert_eq!(
        changed.changes,
        vec![FileChange {
            file: AUTHORIZATIONS_FILE.into(),
            change: Change::Changed
        }]
    );
    let newest = fixture.newest().unwrap();
    assert_eq!(
        newest.files.len(),
        4,
        "a snapshot holds every file, not the changes"
    );

    fs::remove_file(fixture.registry_dir().join(DELETIONS_FILE)).unwrap();
    let removed = fixture.snapshot();
    assert_eq!(removed.reason, "deletions.toml removed");
    assert_eq!(fixture.newest().unwrap().files.len(), 3);
    let writer = StoreWriter::open(&fixture.store()).unwrap();
    let registry_head = writer.head().stream(Stream::Registry).unwrap();
    assert_eq!(registry_head.tree_size, 4 + 4 + 3);
}

#[test]
fn the_records_of_a_snapshot_share_a_time_later_than_the_previous_snapshot() {
    let fixture = Fixture::new();
    fixture.snapshot();
    let first = fixture.newest().unwrap();
    let stored =
        fs::read_to_string(fixture.store().join(layout::manifest(Stream::Registry))).unwrap();
    let entry = ManifestEntry::from_line(stored.lines().last().unwrap()).unwrap();
    assert_eq!(
        entry.min_time, entry.max_time,
        "one time for the whole snapshot"
    );
    fixture.write(PEOPLE_FILE, &PEOPLE.replace("Ola Hansen", "Ola Olsen"));
    fixture.snapshot();
    let second = fixture.newest().unwrap();
    assert!(second.recorded > first.recorded);
}

#[test]
fn changes_are_listed_in_snapshot_order() {
    let digests = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(file, digest)| (file.to_string(), digest.to_string()))
            .collect()
    };
    let before = digests(&[
        (PEOPLE_FILE, "a"),
        (DELETIONS_FILE, "b"),
        (DATASETS_FILE, "c"),
    ]);
    let after = digests(&[
        (PEOPLE_FILE, "a"),
        (AUTHORIZATIONS_FILE, "d"),
        (DATASETS_FILE, "e"),
    ]);
    let listed: Vec<String> = changes(&before, &after)
        .iter()
        .map(|change| format!("{} {}", change.file, change.change))
        .collect();
    assert_eq!(
        listed,
        vec![
            "datasets.toml changed",
            "authorizations.toml added",
            "deletions.toml removed"
        ]
    );
    assert!(changes(&after, &after).is_empty());
}

#[test]
fn a_changed_snapshot_segment_is_refused_not_trusted() {
    let fixture = Fixture::new();
    fixture.snapshot();
    let manifest =
        fs::read_to_string(fixture.store().join(layout::manifest(Stream::Registry))).unwrap();
    let entry = ManifestEntry::from_line(manifest.lines().last().unwrap()).unwrap();
    let segment = fixture.store().join(&entry.path);
    let mut bytes = fs::read(&segment).unwrap();
    bytes.push(0);
    fs::write(&segment, bytes).unwrap();
    let writer = StoreWriter::open(&fixture.store()).unwrap();
    let error = newest_snapshot(&writer.reader()).unwrap_err();
    assert!(matches!(error, ReadError::Tampered { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("not the segment file the manifest lists"),
        "{error}"
    );
}

/// A JSON Lines file of two file accesses on `day`, one inside the
/// dataset's paths.
fn access_log(dir: &Path, day: &str) -> PathBuf {
    let path = dir.join(format!("access-{day}.jsonl"));
    let line = |path: &str| {
        format!(
            r#"{{"stream":"access","time":"{day}T08:00:00Z","host":"fs1","user":"ola","operation":"read","path":"{path}","success":true}}"#
        )
    };
    let text = format!(
        "{}\n{}\n",
        line("/data/hudreg/2026/a.csv"),
        line("/home/ola/notes.txt")
    );
    fs::write(&path, text).unwrap();
    path
}

fn access_datasets(store: &Path) -> Vec<Option<String>> {
    let reader = vakt_store::StoreReader::open(store).unwrap();
    let mut datasets = Vec::new();
    for entry in reader.manifest_entries(Stream::Access).unwrap() {
        for record in reader.segment_records(Stream::Access, &entry).unwrap() {
            if let Event::Access(access) = record.event {
                datasets.push(access.dataset);
            }
        }
    }
    datasets
}

#[test]
fn accesses_get_their_dataset_from_the_folder_or_else_the_stored_snapshot() {
    let fixture = Fixture::new();
    let config = Config::default();
    let log = access_log(fixture.dir.path(), "2026-03-02");

    let mut writer = StoreWriter::open(&fixture.store()).unwrap();
    let mut options = IngestOptions::from_config(&config);
    options.registry = Some(fixture.checked());
    let summary = ingest(&mut writer, &config, &[log], &options, &mut |_| {}).unwrap();
    drop(writer);
    assert!(summary.registry.as_ref().unwrap().snapshot_written);
    assert_eq!(summary.commits, 2, "the snapshot, then the log lines");
    assert_eq!(summary.datasets.from, DatasetSource::Folder);
    assert_eq!(summary.datasets.filled, 1);
    assert_eq!(
        summary.records_stored, 2,
        "snapshot records are not lines read"
    );
    assert_eq!(
        access_datasets(&fixture.store()),
        vec![Some("hudreg".to_string()), None]
    );

    // A later ingest without --registry uses the newest snapshot.
    let second_log = access_log(fixture.dir.path(), "2026-03-03");
    let mut writer = StoreWriter::open(&fixture.store()).unwrap();
    let options = IngestOptions::from_config(&config);
    let summary = ingest(&mut writer, &config, &[second_log], &options, &mut |_| {}).unwrap();
    drop(writer);
    assert!(summary.registry.is_none());
    assert_eq!(summary.datasets.from, DatasetSource::Snapshot);
    assert_eq!(summary.datasets.snapshot_txn, Some(1));
    assert_eq!(summary.datasets.filled, 1);
}

#[test]
fn without_any_registry_accesses_keep_no_dataset_and_a_note_says_so() {
    let fixture = Fixture::new();
    let config = Config::default();
    let log = access_log(fixture.dir.path(), "2026-03-02");
    let mut writer = StoreWriter::open(&fixture.store()).unwrap();
    let options = IngestOptions::from_config(&config);
    let summary = ingest(&mut writer, &config, &[log], &options, &mut |_| {}).unwrap();
    assert_eq!(summary.datasets.from, DatasetSource::None);
    assert_eq!(summary.datasets.filled, 0);
    assert!(
        summary
            .notes
            .iter()
            .any(|note| note.contains("got no dataset")),
        "{:?}",
        summary.notes
    );
}

#[test]
fn digests_are_lowercase_hex_sha256_of_the_content() {
    assert_eq!(
        sha256_hex(""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
