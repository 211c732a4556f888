//! Backups taken while an ingest commits are consistent stores; a restore
//! holds every record its backup held and verifies; a restore of an older
//! state is caught by checkpoints kept from later.

use std::fs;
use std::process::Stdio;

use crate::common::{TestStore, problem_kinds, sample_config, sample_logs, stderr, stdout, vakt};

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("JSON: {}{}", stdout(output), stderr(output)))
}

#[test]
fn backups_taken_during_an_ingest_restore_and_verify() {
    let store = TestStore::new();
    store.ingest(
        &[sample_logs().join("logs/ts1")],
        &["--commit-every", "2500"],
    );
    let work = store.dir.path();
    let store_path = store.path().display().to_string();
    let config = sample_config().display().to_string();
    let mut ingest = crate::common::vakt_command(work)
        .args([
            "--store",
            &store_path,
            "--config",
            &config,
            "ingest",
            "--commit-every",
            "300",
        ])
        .arg(sample_logs().join("logs/fs1"))
        .arg(sample_logs().join("logs/fw-sec"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut backups = Vec::new();
    for round in 0..4 {
        let dest = work.join(format!("backup-{round}"));
        let output = store.run(&["backup", "--format", "json", dest.to_str().unwrap()]);
        assert!(
            output.status.success(),
            "backup {round}: {}",
            stderr(&output)
        );
        backups.push((dest, json(&output)));
    }
    assert!(ingest.wait().unwrap().success());
    let mut txns = Vec::new();
    for (dest, summary) in &backups {
        let output = vakt(
            work,
            &[
                "--store",
                dest.to_str().unwrap(),
                "verify",
                "--format",
                "json",
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
        assert_eq!(summary["key"], false, "no key unless asked for");
        assert!(!dest.join("keys").exists());
        txns.push(summary["txn"].as_u64().unwrap());
    }
    println!("backups of commits {txns:?}");

    // The newest backup, restored, holds what it held and verifies.
    let (dest, summary) = backups.last().unwrap();
    let restored = work.join("restored");
    let output = vakt(
        work,
        &[
            "restore",
            "--format",
            "json",
            dest.to_str().unwrap(),
            restored.to_str().unwrap(),
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    let document = json(&output);
    assert_eq!(document["restored"]["records"], summary["records"]);
    assert_eq!(document["verify"]["ok"], true);
    // A restore goes into a new or empty folder only.
    let again = vakt(
        work,
        &[
            "restore",
            dest.to_str().unwrap(),
            restored.to_str().unwrap(),
        ],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("not empty"), "{}", stderr(&again));
}

#[test]
fn a_restore_of_an_older_state_is_caught_by_a_newer_checkpoint() {
    let store = TestStore::new();
    store.ingest(
        &[sample_logs().join("logs/ts1")],
        &["--commit-every", "2500"],
    );
    let work = store.dir.path();
    let older = work.join("older");
    let output = store.run(&["backup", "--include-key", older.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(crate::forge::key_file(&older).exists());
    store.ingest(
        &[sample_logs().join("logs/fw-sec")],
        &["--commit-every", "2500"],
    );
    let checkpoints = work.join("later.checkpoints");
    fs::write(&checkpoints, store.run(&["checkpoint"]).stdout).unwrap();

    let restored = work.join("restored");
    let output = vakt(
        work,
        &[
            "restore",
            older.to_str().unwrap(),
            restored.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let output = vakt(
        work,
        &[
            "--store",
            restored.to_str().unwrap(),
            "verify",
            "--format",
            "json",
            "--against",
            checkpoints.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let kinds = problem_kinds(&json(&output));
    assert!(kinds.iter().any(|kind| kind == "truncated"), "{kinds:?}");
    // The restored store, with its key, takes new records.
    let output = vakt(
        work,
        &[
            "--store",
            restored.to_str().unwrap(),
            "sql",
            "SELECT count(*) AS n FROM sessions",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
}
