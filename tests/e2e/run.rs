//! `vakt run`: files followed as they are written and rotated, a clean
//! stop on SIGTERM, and every line stored exactly once across SIGKILLs at
//! random moments.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use vakt_schemas::Stream;
use vakt_store::StoreReader;

use crate::common::{TestStore, sample_config, stderr, stdout};

/// The `n`-th line the test writes: each one different.
fn sshd_line(n: usize) -> String {
    format!(
        "Mar  3 09:{:02}:{:02} ts1 sshd[{}]: Accepted publickey for user{n} from 10.10.1.{} port {} ssh2: ED25519 SHA256:abc",
        (n / 60) % 60,
        n % 60,
        2000 + n,
        n % 250 + 1,
        30000 + n
    )
}

/// A configuration: the sample's, following `logs/auth.log*` with short timings.
fn write_config(dir: &Path) -> PathBuf {
    let mut text = fs::read_to_string(sample_config()).unwrap();
    text.push_str(&format!(
        "\n[[source]]\nname = \"auth\"\npath = \"{}/logs/auth.log*\"\n\n\
         [run]\ncommit_interval_ms = 200\npoll_interval_ms = 50\nrotated_grace_seconds = 1\n",
        dir.display()
    ));
    let path = dir.join("run.toml");
    fs::write(&path, text).unwrap();
    path
}

fn start(store: &TestStore, config: &Path) -> Child {
    store
        .command()
        .args([
            "--store",
            store.path().to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "run",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("vakt run starts")
}

fn signal(child: &Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// How often each `raw` is stored, over every stream of log lines.
fn stored_raws(store: &TestStore) -> BTreeMap<String, usize> {
    let Ok(reader) = StoreReader::open(&store.path()) else {
        return BTreeMap::new();
    };
    let mut counts = BTreeMap::new();
    for stream in [Stream::Sessions, Stream::Quarantine] {
        for record in reader.records(stream).unwrap() {
            *counts.entry(record.envelope.raw).or_default() += 1;
        }
    }
    counts
}

/// Waits until lines `0..count` are all stored (or 60 s have passed).
fn wait_for_all(store: &TestStore, count: usize) -> BTreeMap<String, usize> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let stored = stored_raws(store);
        let all = (0..count).all(|n| stored.contains_key(&sshd_line(n)));
        if all || Instant::now() > deadline {
            return stored;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn assert_each_once(stored: &BTreeMap<String, usize>, count: usize) {
    let expected: BTreeMap<String, usize> = (0..count).map(|n| (sshd_line(n), 1)).collect();
    let wrong: Vec<_> = stored
        .iter()
        .filter(|(line, times)| expected.get(*line) != Some(times))
        .collect();
    let missing: Vec<_> = expected
        .keys()
        .filter(|line| !stored.contains_key(*line))
        .collect();
    assert!(
        wrong.is_empty() && missing.is_empty(),
        "stored wrongly: {wrong:?}; never stored: {missing:?}"
    );
}

/// Appends `text` to the live log.
fn append(log: &Path, text: &str) {
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

/// logrotate with `compress` and `delaycompress`, keeping every rotation:
/// auth.log.N.gz becomes auth.log.N+1.gz, auth.log.1 auth.log.2.gz,
/// auth.log auth.log.1, and the writer starts a new auth.log.
fn rotate(logs: &Path) {
    let gz = |n: usize| logs.join(format!("auth.log.{n}.gz"));
    let mut last = 2;
    while gz(last).exists() {
        last += 1;
    }
    for n in (2..last).rev() {
        fs::rename(gz(n), gz(n + 1)).unwrap();
    }
    let live = logs.join("auth.log");
    let first = logs.join("auth.log.1");
    if first.exists() {
        let bytes = fs::read(&first).unwrap();
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&bytes).unwrap();
        let partial = logs.join("auth.log.2.gz.tmp");
        fs::write(&partial, encoder.finish().unwrap()).unwrap();
        fs::rename(&partial, gz(2)).unwrap();
        fs::remove_file(&first).unwrap();
    }
    if live.exists() {
        fs::rename(&live, &first).unwrap();
    }
}

#[test]
fn run_follows_a_growing_and_rotating_log_and_stops_cleanly_on_sigterm() {
    let store = TestStore::new();
    let dir = store.dir.path();
    let logs = dir.join("logs");
    fs::create_dir(&logs).unwrap();
    let config = write_config(dir);
    let live = logs.join("auth.log");
    append(
        &live,
        &(0..5).map(|n| sshd_line(n) + "\n").collect::<String>(),
    );
    let mut child = start(&store, &config);
    // A line written in two halves, a moment apart.
    let half = sshd_line(5);
    append(&live, &half[..30]);
    std::thread::sleep(Duration::from_millis(300));
    append(&live, &format!("{}\n", &half[30..]));
    append(
        &live,
        &(6..10).map(|n| sshd_line(n) + "\n").collect::<String>(),
    );
    let stored = wait_for_all(&store, 10);
    assert_each_once(&stored, 10);
    // Investigators query while it runs.
    let query = store
        .command()
        .args([
            "--store",
            store.path().to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "sql",
            "--format",
            "json",
            "SELECT count(*) AS n FROM sessions",
        ])
        .output()
        .unwrap();
    assert!(query.status.success(), "{}", stderr(&query));
    let rows: serde_json::Value = serde_json::from_slice(&query.stdout).unwrap();
    assert_eq!(rows[0]["n"], 10, "{rows}");
    // Rotation twice, with lines before and after each.
    rotate(&logs);
    append(
        &live,
        &(10..15).map(|n| sshd_line(n) + "\n").collect::<String>(),
    );
    wait_for_all(&store, 15);
    append(
        &live,
        &(15..18).map(|n| sshd_line(n) + "\n").collect::<String>(),
    );
    rotate(&logs);
    append(
        &live,
        &(18..20).map(|n| sshd_line(n) + "\n").collect::<String>(),
    );
    let stored = wait_for_all(&store, 20);
    assert_each_once(&stored, 20);
    assert!(logs.join("auth.log.2.gz").exists());

    signal(&child, "TERM");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "vakt run did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(
        stdout(&output).contains("lines read"),
        "{}",
        stdout(&output)
    );
    assert_each_once(&stored_raws(&store), 20);
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn run_killed_at_random_moments_stores_every_line_exactly_once() {
    let store = TestStore::new();
    let dir = store.dir.path();
    let logs = dir.join("logs");
    fs::create_dir(&logs).unwrap();
    let config = write_config(dir);
    let live = logs.join("auth.log");
    let mut random = rand::rngs::StdRng::seed_from_u64(20261206);
    let mut written = 0;
    let kills = 20;
    for round in 0..kills {
        let mut child = start(&store, &config);
        // Lines written while it runs, the last one sometimes cut in two.
        let lines = random.gen_range(1..40);
        let mut text: String = (written..written + lines)
            .map(|n| sshd_line(n) + "\n")
            .collect();
        written += lines;
        let cut = if random.gen_bool(0.5) {
            let line = sshd_line(written);
            let at = random.gen_range(1..line.len());
            text.push_str(&line[..at]);
            Some((line, at))
        } else {
            None
        };
        if round % 5 == 4 {
            rotate(&logs);
        }
        append(&live, &text);
        std::thread::sleep(Duration::from_millis(random.gen_range(0..600)));
        child.kill().unwrap();
        child.wait().unwrap();
        if let Some((line, at)) = cut {
            // The writer finishes its line while vakt is down.
            append(&live, &format!("{}\n", &line[at..]));
            written += 1;
        }
    }
    // Once more, to the end, then stopped cleanly.
    let child = start(&store, &config);
    let stored = wait_for_all(&store, written);
    signal(&child, "TERM");
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_each_once(&stored, written);
    assert_each_once(&stored_raws(&store), written);
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
}
