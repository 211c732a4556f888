//! The registry folder: `vakt registry check`, snapshots stored by `vakt
//! ingest --registry` only when a file changed, nothing stored at all when
//! the registry has a problem, and datasets of file accesses filled in from
//! it. The registry files are written here, not taken from sample-logs/.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use vakt_schemas::{Stream, layout};

use crate::common::{TestStore, stderr, stdout};

const DATASETS: &str = r#"[[dataset]]
id = "hudreg"
name = "Hudregisteret"
sensitivity = "S"
identifiability = 3
class = "B"
zone = "secure"
area = "data"
paths = ["/data/hudreg"]
owner = "kari"

[[dataset]]
id = "kreftreg"
name = "Kreftregisteret, uttrekk"
sensitivity = "S"
identifiability = 4
class = "C"
zone = "secure"
area = "project"
paths = ["/prosjekt/kreft/data"]
owner = "kari"
"#;

const PEOPLE: &str = r#"[[person]]
user = "kari"
name = "Kari Nordmann"
kind = "employee"
declaration_signed = 2024-01-10

[[person]]
user = "ola"
name = "Ola Hansen"
kind = "external"
supervisor = "kari"
"#;

const GRANTS: &str = r#"[[grant]]
id = "g1"
user = "ola"
scope = "dataset:hudreg"
granted_by = "kari"
from = 2026-01-01
until = 2026-06-30
"#;

const DELETIONS: &str = r#"[[deletion]]
dataset = "kreftreg"
date = 2026-02-01
method = "shred"
"#;

/// Writes a registry folder `name` beside the store; `None` leaves a file out.
fn registry_folder(store: &TestStore, name: &str, files: &[(&str, Option<&str>)]) -> PathBuf {
    let dir = store.dir.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        let path = dir.join(file);
        match text {
            Some(text) => std::fs::write(&path, text).unwrap(),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    dir
}

fn good_registry(store: &TestStore) -> PathBuf {
    let dir = registry_folder(
        store,
        "registry",
        &[
            ("datasets.toml", Some(DATASETS)),
            ("people.toml", Some(PEOPLE)),
            ("authorizations.toml", Some(GRANTS)),
            ("deletions.toml", Some(DELETIONS)),
        ],
    );
    std::fs::write(dir.join("README.md"), "kept by the director's office\n").unwrap();
    dir
}

/// The four problems the brief names: an unknown class, identifiability 9,
/// an end before the start, a grant for someone not in people.toml.
fn bad_registry(store: &TestStore) -> PathBuf {
    let unknown_class = DATASETS
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .replace("hudreg", "skisse")
        .replace("class = \"B\"", "class = \"Z\"");
    let datasets = format!(
        "{}\n{unknown_class}",
        DATASETS.replace("identifiability = 4", "identifiability = 9")
    );
    let grants = format!(
        "{}\n{}",
        GRANTS.replace("until = 2026-06-30", "until = 2025-12-01"),
        GRANTS
            .replace("g1", "g2")
            .replace("user = \"ola\"", "user = \"nina\"")
            .replace("dataset:hudreg", "dataset:kreftreg")
    );
    registry_folder(
        store,
        "bad-registry",
        &[
            ("datasets.toml", Some(&datasets)),
            ("people.toml", Some(PEOPLE)),
            ("authorizations.toml", Some(&grants)),
            ("deletions.toml", Some(DELETIONS)),
        ],
    )
}

const BAD_REGISTRY_PROBLEMS: [&str; 4] = [
    "datasets.toml: dataset `skisse`: field `class`: unknown variant `Z`",
    "datasets.toml: dataset `kreftreg`: field `identifiability`: 9 is not an identifiability group",
    "authorizations.toml: grant `g1`: field `until`: 2025-12-01 is before `from` 2026-01-01",
    "authorizations.toml: grant `g2`: field `user`: `nina` is not in people.toml",
];

fn path_text(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// `vakt ingest --output json --registry DIR PATHS...`.
fn ingest_registry(store: &TestStore, registry: &Path, paths: &[&Path]) -> Output {
    let mut args = vec![
        "ingest",
        "--output",
        "json",
        "--registry",
        path_text(registry),
    ];
    args.extend(paths.iter().map(|path| path_text(path)));
    store.run(&args)
}

fn ingest_registry_ok(store: &TestStore, registry: &Path, paths: &[&Path]) -> Value {
    let output = ingest_registry(store, registry, paths);
    assert!(
        output.status.success(),
        "ingest failed: {}{}",
        stdout(&output),
        stderr(&output)
    );
    serde_json::from_slice(&output.stdout).expect("ingest prints a JSON summary")
}

fn sql_rows(store: &TestStore, query: &str) -> Vec<Value> {
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

/// (file, digest) of every row of the `registry` table, in stream order.
fn registry_rows(store: &TestStore) -> Vec<(String, String)> {
    sql_rows(store, "SELECT file, digest FROM registry ORDER BY seq")
        .iter()
        .map(|row| {
            (
                row["file"].as_str().unwrap().to_string(),
                row["digest"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `registry check --format json DIR`: (exit code, report).
fn check_json(store: &TestStore, dir: &Path) -> (i32, Value) {
    let output = store.run(&["registry", "check", "--format", "json", path_text(dir)]);
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("check prints JSON: {}{}", stdout(&output), stderr(&output)));
    (output.status.code().unwrap_or(-1), report)
}

/// The files whose bytes say what the store holds.
fn store_state(store: &TestStore) -> Vec<Vec<u8>> {
    let root = store.path();
    let mut files = vec![root.join(layout::HEAD)];
    for stream in [Stream::Registry, Stream::Access] {
        files.push(root.join(layout::manifest(stream)));
        files.push(root.join(layout::checkpoints(stream)));
    }
    files
        .iter()
        .map(|path| std::fs::read(path).unwrap_or_default())
        .collect()
}

#[test]
fn a_registry_is_stored_as_one_snapshot_per_change() {
    let store = TestStore::new();
    let registry = good_registry(&store);

    let summary = ingest_registry_ok(&store, &registry, &[]);
    assert_eq!(summary["registry"]["snapshot_written"], true, "{summary:#}");
    assert_eq!(summary["registry"]["reason"], "first snapshot");
    let first = registry_rows(&store);
    let files: Vec<&str> = first.iter().map(|(file, _)| file.as_str()).collect();
    assert_eq!(
        files,
        [
            "datasets.toml",
            "people.toml",
            "authorizations.toml",
            "deletions.toml"
        ]
    );
    let (_, check) = check_json(&store, &registry);
    for ((file, digest), reported) in first.iter().zip(check["files"].as_array().unwrap()) {
        assert_eq!(reported["file"], file.as_str());
        assert_eq!(reported["sha256"], digest.as_str(), "{file}");
        assert_eq!(digest.len(), 64);
    }
    let content = sql_rows(
        &store,
        "SELECT content FROM registry WHERE file = 'people.toml'",
    );
    assert_eq!(content[0]["content"], PEOPLE, "the file is stored as it is");
    let times = sql_rows(&store, "SELECT COUNT(DISTINCT time) AS n FROM registry");
    assert_eq!(times[0]["n"], 1, "one snapshot, one time");

    let text = store.run(&["ingest", "--registry", path_text(&registry)]);
    assert!(text.status.success(), "{}", stderr(&text));
    assert!(
        stdout(&text).contains("registry: unchanged"),
        "{}",
        stdout(&text)
    );
    assert_eq!(
        registry_rows(&store),
        first,
        "no new rows when nothing changed"
    );

    std::fs::write(
        registry.join("authorizations.toml"),
        GRANTS.replace("until = 2026-06-30", "until = 2026-12-31"),
    )
    .unwrap();
    let text = store.run(&["ingest", "--registry", path_text(&registry)]);
    assert!(text.status.success(), "{}", stderr(&text));
    assert!(
        stdout(&text).contains("registry: snapshot written (authorizations.toml changed)"),
        "{}",
        stdout(&text)
    );
    let rows = registry_rows(&store);
    assert_eq!(rows.len(), 8, "a new snapshot holds every file: {rows:?}");
    assert_eq!(rows[..4], first[..]);
    let changed: Vec<&str> = first
        .iter()
        .zip(&rows[4..])
        .filter(|(before, after)| before != after)
        .map(|(before, _)| before.0.as_str())
        .collect();
    assert_eq!(changed, ["authorizations.toml"]);
    let times = sql_rows(&store, "SELECT COUNT(DISTINCT time) AS n FROM registry");
    assert_eq!(times[0]["n"], 2);
}

#[test]
fn a_registry_with_problems_stores_nothing_not_even_the_logs() {
    let store = TestStore::new();
    ingest_registry_ok(&store, &good_registry(&store), &[]);
    let bad = bad_registry(&store);
    let log = access_log(&store);
    let before = store_state(&store);

    let output = ingest_registry(&store, &bad, &[&log]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let message = stderr(&output);
    for problem in BAD_REGISTRY_PROBLEMS {
        assert!(message.contains(problem), "no `{problem}` in:\n{message}");
    }
    assert!(message.contains("nothing was stored"), "{message}");
    assert_eq!(
        store_state(&store),
        before,
        "HEAD, the registry stream and the access stream are as they were"
    );
    assert_eq!(registry_rows(&store).len(), 4);
    let accesses = sql_rows(&store, "SELECT COUNT(*) AS n FROM access");
    assert_eq!(accesses[0]["n"], 0);
}

#[test]
fn registry_check_reports_a_valid_folder_and_every_problem() {
    let store = TestStore::new();
    let good = good_registry(&store);
    std::fs::remove_file(good.join("deletions.toml")).unwrap();
    let output = store.run(&["registry", "check", path_text(&good)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("deletions.toml is absent: it counts as empty"),
        "{text}"
    );
    assert!(
        text.contains("is valid: 2 datasets, 2 people, 1 grants, 0 deletions"),
        "{text}"
    );
    let (code, report) = check_json(&store, &good);
    assert_eq!(code, 0);
    assert_eq!(report["valid"], true);
    assert_eq!(report["counts"]["people"], 2);
    assert_eq!(report["files"][3]["present"], false);
    assert_eq!(report["problems"].as_array().unwrap().len(), 0);

    let bad = bad_registry(&store);
    let output = store.run(&["registry", "check", path_text(&bad)]);
    assert_eq!(output.status.code(), Some(2));
    let text = stdout(&output);
    for problem in BAD_REGISTRY_PROBLEMS {
        assert!(
            text.lines().any(|line| line.starts_with(problem)),
            "no line `{problem}` in:\n{text}"
        );
    }
    let (code, report) = check_json(&store, &bad);
    assert_eq!(code, 2);
    assert_eq!(report["valid"], false);
    assert_eq!(report["counts"], Value::Null);
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 4, "{report:#}");
    assert_eq!(problems[0]["file"], "datasets.toml");
    assert_eq!(problems[0]["entry"], "dataset `skisse`");
    assert_eq!(problems[0]["field"], "class");

    std::fs::write(good.join("notes.toml"), "todo = true\n").unwrap();
    let (code, report) = check_json(&store, &good);
    assert_eq!(code, 2);
    assert_eq!(report["problems"][0]["file"], "notes.toml");
}

/// A JSON Lines file of two file accesses by ola, one in `hudreg`.
fn access_log(store: &TestStore) -> PathBuf {
    let path = store.dir.path().join("access.jsonl");
    let line = |time: &str, path: &str| {
        format!(
            r#"{{"stream":"access","time":"{time}","host":"fs1","user":"ola","operation":"read","path":"{path}","success":true}}"#
        )
    };
    let text = format!(
        "{}\n{}\n",
        line("2026-03-02T08:00:00Z", "/data/hudreg/2026/uttrekk.csv"),
        line("2026-03-02T08:05:00Z", "/home/ola/notater.txt")
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn file_accesses_get_their_dataset_from_the_registry_for_timelines() {
    let store = TestStore::new();
    let log = access_log(&store);
    let summary = ingest_registry_ok(&store, &good_registry(&store), &[&log]);
    assert_eq!(summary["datasets"]["from"], "folder", "{summary:#}");
    assert_eq!(summary["datasets"]["filled"], 1);
    let output = store.run(&["timeline", "--dataset", "hudreg", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows: Value = serde_json::from_slice(&output.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["stream"], "access");
    let datasets = sql_rows(&store, "SELECT path, dataset FROM access ORDER BY seq");
    assert_eq!(datasets[1]["dataset"], Value::Null, "{datasets:?}");
}
