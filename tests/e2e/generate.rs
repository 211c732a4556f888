//! `vakt generate`: the same seed gives the same bytes, and a generated
//! institute-year ingests with (almost) nothing quarantined, verifies, and
//! its generated registry authorises the generated activity.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{TestStore, stderr, stdout, vakt};

const EVENTS: u64 = 20_000;

fn generate(dir: &Path, out: &str, seed: &str) -> serde_json::Value {
    let events = EVENTS.to_string();
    let output = vakt(
        dir,
        &[
            "generate", "--events", &events, "--seed", seed, "--out", out, "--format", "json",
        ],
    );
    assert!(
        output.status.success(),
        "generate failed: {}{}",
        stdout(&output),
        stderr(&output)
    );
    serde_json::from_slice(&output.stdout).expect("generate prints a JSON summary")
}

/// Every file below `dir` with its bytes, by relative path.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs::read_dir(&folder).expect("read folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = fs::read(&path).expect("read file");
                out.push((path.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn generated_logs_are_deterministic_ingest_cleanly_and_verify() {
    let work = tempfile::tempdir().expect("temporary folder");
    let first = generate(work.path(), "a", "5");
    let second = generate(work.path(), "b", "5");
    assert_eq!(first["lines"], second["lines"]);
    assert_eq!(first["needles"], second["needles"]);
    let (a, b) = (files(&work.path().join("a")), files(&work.path().join("b")));
    assert!(a.len() > 10, "a year of several hosts: {:?}", a.len());
    assert!(a == b, "the same seed must give byte-identical files");
    let lines = &first["lines"];
    let total: u64 = ["sessions", "firewall", "access"]
        .iter()
        .map(|stream| lines[stream].as_u64().unwrap())
        .sum();
    assert_eq!(total, EVENTS);

    let store = TestStore::new();
    let store_path = store.path();
    let config = work.path().join("a").join("vakt.toml");
    let mut args: Vec<String> = [
        "--store",
        store_path.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "ingest",
        "--output",
        "json",
    ]
    .iter()
    .map(|arg| arg.to_string())
    .collect();
    let registry = work.path().join("a").join("registry");
    args.extend(["--registry".to_string(), registry.display().to_string()]);
    for entry in fs::read_dir(work.path().join("a")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && path != registry {
            args.push(path.display().to_string());
        }
    }
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = vakt(work.path(), &arg_refs);
    assert!(
        output.status.success(),
        "ingest failed: {}{}",
        stdout(&output),
        stderr(&output)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let read = summary["lines_read"].as_u64().unwrap();
    let stored = summary["records_stored"].as_u64().unwrap();
    let quarantined = summary["lines_quarantined"].as_u64().unwrap();
    assert_eq!(read, EVENTS, "{summary}");
    assert_eq!(read, stored + quarantined, "{summary}");
    assert!(
        quarantined * 100 < read,
        "quarantined {quarantined} of {read}: {summary}"
    );
    for stream in ["sessions", "firewall", "access"] {
        assert_eq!(
            summary["by_stream"][stream], lines[stream],
            "{stream}: {summary}"
        );
    }

    let output = vakt(
        work.path(),
        &[
            "--store",
            store_path.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "verify",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "verify: {}{}",
        stdout(&output),
        stderr(&output)
    );

    // The generated registry covers the generated people, grants and data.
    let output = vakt(
        work.path(),
        &[
            "--store",
            store_path.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "review",
            "--year",
            "2025",
            "--no-verify",
            "--format",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "review: {}", stderr(&output));
    let review: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(review["registry"]["snapshots"], 1);
    let covered_by_the_registry = [
        "class_mismatch",
        "no_owner",
        "unregistered_data",
        "uncovered_session",
        "uncovered_access",
        "grant_not_renewed",
        "leaver_activity",
        "leaver_open_grant",
        "no_declaration",
        "single_verification",
        "external_remote",
    ];
    for area in review["areas"].as_array().unwrap() {
        for finding in area["findings"].as_array().unwrap() {
            let check = finding["check"].as_str().unwrap();
            assert!(
                !covered_by_the_registry.contains(&check),
                "the generated registry should authorise this: {finding}"
            );
        }
    }
}
