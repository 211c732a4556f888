//! `vakt ingest` killed (SIGKILL) at random moments, each time followed by
//! the same ingest again: the store verifies after the kill and after the
//! rerun, and holds every input line exactly once.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use vakt_schemas::Stream;
use vakt_store::StoreReader;

use crate::common::{TestStore, sample_config, sample_logs, stderr};

/// Kills that must land while the ingest runs.
const KILLS: usize = 20;
/// The same on object storage.
const KILLS_ON_S3: usize = 4;
/// Rounds tried at most to get them.
const MAX_ROUNDS: usize = 60;

/// Sessions (RFC 5424) and firewall (RFC 3164) lines, about 1.5 MB: a
/// folder and a file, small enough for sixty rounds of two ingests.
fn inputs() -> Vec<PathBuf> {
    vec![
        sample_logs().join("logs/fs1/sshd.log"),
        sample_logs().join("logs/fw-sec"),
    ]
}

/// Every line of the inputs, counted, keyed by (file, line).
fn input_lines() -> BTreeMap<(String, String), u64> {
    let mut counts = BTreeMap::new();
    let (files, _) = vakt_ingest::source::expand_inputs(&inputs());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines() {
            *counts
                .entry((file.display().to_string(), line.to_string()))
                .or_insert(0) += 1;
        }
    }
    counts
}

fn stored_lines(store: &TestStore) -> BTreeMap<(String, String), u64> {
    let reader = StoreReader::open(&store.path()).unwrap();
    let mut counts = BTreeMap::new();
    for stream in [
        Stream::Sessions,
        Stream::Firewall,
        Stream::Access,
        Stream::Quarantine,
    ] {
        for record in reader.records(stream).unwrap() {
            *counts
                .entry((record.envelope.source, record.envelope.raw))
                .or_insert(0) += 1;
        }
    }
    counts
}

fn ingest_args(store: &TestStore) -> Vec<String> {
    let mut args = vec![
        "--store".to_string(),
        store.path().display().to_string(),
        "--config".to_string(),
        sample_config().display().to_string(),
        "ingest".to_string(),
        "--commit-every".to_string(),
        "1500".to_string(),
    ];
    args.extend(inputs().iter().map(|path| path.display().to_string()));
    args
}

#[test]
fn killed_ingests_leave_a_verifying_store_and_a_rerun_stores_every_line_once() {
    killed_ingests(KILLS, TestStore::new);
}

/// The same on object storage, with fewer kills (each request is a round
/// trip to the server); a killed writer's locks are taken over once their
/// leases (2 s here) expire.
#[test]
fn killed_ingests_on_s3_leave_a_verifying_store_and_a_rerun_stores_every_line_once() {
    killed_ingests(KILLS_ON_S3, TestStore::on_s3);
}

/// A `vakt ingest` of the inputs into `store`.
fn ingest(store: &TestStore) -> std::process::Command {
    let mut command = store.command();
    command
        .env("VAKT_LEASE_SECONDS", "2")
        .args(ingest_args(store));
    command
}

fn killed_ingests(kills: usize, new_store: fn() -> TestStore) {
    let expected = input_lines();
    // The fastest of two full runs sets the window in which kills land.
    let mut full_run = std::time::Duration::MAX;
    for _ in 0..2 {
        let timing_store = new_store();
        let started = Instant::now();
        let output = ingest(&timing_store).output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        full_run = full_run.min(started.elapsed());
    }

    let seed: u64 = std::env::var("VAKT_CRASH_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().r#gen());
    println!(
        "crash test seed {seed} (set VAKT_CRASH_SEED to repeat); a full ingest takes {full_run:?}"
    );
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut killed_midway = 0;
    let mut round = 0;
    while killed_midway < kills && round < MAX_ROUNDS {
        round += 1;
        let store = new_store();
        let mut child = ingest(&store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = full_run.mul_f64(rng.gen_range(0.02..0.95));
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            killed_midway += 1;
        }
        child.kill().ok();
        child.wait().unwrap();

        let (code, report) = store.verify(&[]);
        assert_eq!(
            code, 0,
            "round {round} (seed {seed}, kill after {delay:?}): store does not verify: {report:#}"
        );

        let output = ingest(&store).output().unwrap();
        assert!(
            output.status.success(),
            "round {round}: rerun failed: {}",
            stderr(&output)
        );
        let (code, report) = store.verify(&[]);
        assert_eq!(
            code, 0,
            "round {round}: store does not verify after the rerun: {report:#}"
        );
        // What an interrupted commit left is kept aside, never deleted,
        // and never read as part of the store.
        assert!(
            report["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .all(|warning| warning["kind"] == "recovered"),
            "leftovers set aside: {report:#}"
        );
        let stored = stored_lines(&store);
        if stored != expected {
            let missing: Vec<_> = expected
                .iter()
                .filter(|(line, count)| stored.get(*line) != Some(count))
                .take(3)
                .collect();
            panic!(
                "round {round} (seed {seed}, kill after {delay:?}): lines lost or doubled, e.g. {missing:?}"
            );
        }
    }
    println!("{killed_midway} kills landed in a running ingest in {round} rounds");
    assert!(
        killed_midway >= kills,
        "only {killed_midway} of {round} kills hit a running ingest; the test is not exercising crashes"
    );
}
