//! `vakt run`: files followed as they are written and rotated, a clean
//! stop on SIGTERM, and every line stored exactly once across SIGKILLs at
//! random moments, with syslog clients sending over TCP and UDP meanwhile
//! (each message stored at most once, and lost only when it was sent in
//! the last moments before a kill).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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

/// A configuration: the sample's, following `logs/auth.log*` with short
/// timings, and receiving syslog on the `ports` given (UDP, TCP).
fn write_config(dir: &Path, ports: Option<(u16, u16)>) -> PathBuf {
    let mut text = fs::read_to_string(sample_config()).unwrap();
    text.push_str(&format!(
        "\n[[source]]\nname = \"auth\"\npath = \"{}/logs/auth.log*\"\n\n\
         [run]\ncommit_interval_ms = 200\npoll_interval_ms = 50\nrotated_grace_seconds = 1\n",
        dir.display()
    ));
    if let Some((udp, tcp)) = ports {
        text.push_str(&format!(
            "\n[[listen]]\nname = \"udp\"\naddress = \"127.0.0.1:{udp}\"\nprotocol = \"udp\"\n\
             \n[[listen]]\nname = \"tcp\"\naddress = \"127.0.0.1:{tcp}\"\nprotocol = \"tcp\"\n"
        ));
    }
    let path = dir.join("run.toml");
    fs::write(&path, text).unwrap();
    path
}

/// A port free on the loopback address now.
fn free_port(udp: bool) -> u16 {
    if udp {
        UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    } else {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }
}

/// The `n`-th syslog message the test sends over `protocol`: each one different.
fn syslog_message(protocol: &str, n: usize) -> String {
    format!(
        "<38>Mar  4 10:{:02}:{:02} ts2 sshd[{}]: Accepted password for {protocol}{n} from 10.10.2.{} port {} ssh2",
        (n / 60) % 60,
        n % 60,
        5000 + n,
        n % 250 + 1,
        40000 + n
    )
}

/// A syslog client sending over TCP (octet-counted) and UDP, one message
/// of each every few milliseconds, until told to stop or its connection
/// breaks; what it sent, and when.
struct SyslogClient {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Vec<(String, Instant)>>,
}

impl SyslogClient {
    fn start(ports: (u16, u16), first: usize) -> SyslogClient {
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut sent = Vec::new();
            // The run binds UDP before TCP: once TCP connects, both listen.
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut tcp = loop {
                if thread_stop.load(Ordering::Relaxed) || Instant::now() > deadline {
                    return sent;
                }
                match TcpStream::connect(("127.0.0.1", ports.1)) {
                    Ok(stream) => break stream,
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            };
            let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
            let mut n = first;
            while !thread_stop.load(Ordering::Relaxed) {
                let message = syslog_message("udp", n);
                if udp
                    .send_to(message.as_bytes(), ("127.0.0.1", ports.0))
                    .is_ok()
                {
                    sent.push((message, Instant::now()));
                }
                let message = syslog_message("tcp", n);
                let framed = format!("{} {message}", message.len());
                if tcp.write_all(framed.as_bytes()).is_err() {
                    break;
                }
                sent.push((message, Instant::now()));
                n += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
            sent
        });
        SyslogClient { stop, thread }
    }

    fn stop(self) -> Vec<(String, Instant)> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap()
    }
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

/// The stored raws of file lines, without the syslog messages received.
fn file_lines(stored: &BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    stored
        .iter()
        .filter(|(raw, _)| !raw.starts_with("<38>"))
        .map(|(raw, count)| (raw.clone(), *count))
        .collect()
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
    let config = write_config(dir, None);
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
    let ports = (free_port(true), free_port(false));
    let config = write_config(dir, Some(ports));
    let live = logs.join("auth.log");
    let mut random = rand::rngs::StdRng::seed_from_u64(20261206);
    let mut written = 0;
    let mut messages_sent = 0;
    // Each message sent, and the moment of the kill that followed it.
    let mut sent: Vec<(String, Instant, Option<Instant>)> = Vec::new();
    let kills = 20;
    for round in 0..kills {
        let mut child = start(&store, &config);
        let client = SyslogClient::start(ports, messages_sent);
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
        std::thread::sleep(Duration::from_millis(random.gen_range(100..1000)));
        let killed = Instant::now();
        child.kill().unwrap();
        child.wait().unwrap();
        let round_sent = client.stop();
        messages_sent += round_sent.len();
        sent.extend(
            round_sent
                .into_iter()
                .map(|(message, at)| (message, at, Some(killed))),
        );
        if let Some((line, at)) = cut {
            // The writer finishes its line while vakt is down.
            append(&live, &format!("{}\n", &line[at..]));
            written += 1;
        }
    }
    // Once more, to the end, then stopped cleanly: what was sent to a
    // running vakt that is then stopped is all stored.
    let child = start(&store, &config);
    let client = SyslogClient::start(ports, messages_sent);
    let stored = wait_for_all(&store, written);
    std::thread::sleep(Duration::from_millis(500));
    let last_sent = client.stop();
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "TERM");
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!last_sent.is_empty());
    sent.extend(
        last_sent
            .into_iter()
            .map(|(message, at)| (message, at, None)),
    );

    let all = stored_raws(&store);
    assert_each_once(&file_lines(&stored), written);
    assert_each_once(&file_lines(&all), written);
    // Received messages: none twice, none invented, and a message lost
    // only when it was sent within the uncommitted window before a kill
    // (200 ms commits here; 3 s allows for a loaded machine).
    let window = Duration::from_secs(3);
    let mut lost_by_protocol: BTreeMap<&str, usize> = BTreeMap::new();
    let mut stored_by_protocol: BTreeMap<&str, usize> = BTreeMap::new();
    for (message, at, killed) in &sent {
        let protocol = if message.contains("for udp") {
            "udp"
        } else {
            "tcp"
        };
        match all.get(message) {
            Some(1) => *stored_by_protocol.entry(protocol).or_default() += 1,
            Some(times) => panic!("stored {times} times: {message}"),
            None => {
                *lost_by_protocol.entry(protocol).or_default() += 1;
                let killed = killed
                    .unwrap_or_else(|| panic!("lost although vakt stopped cleanly: {message}"));
                assert!(
                    killed.duration_since(*at) <= window,
                    "lost although sent {:?} before the kill: {message}",
                    killed.duration_since(*at)
                );
            }
        }
    }
    let received = all.keys().filter(|raw| raw.starts_with("<38>")).count();
    assert_eq!(
        received,
        stored_by_protocol.values().sum::<usize>(),
        "messages stored that were never sent"
    );
    for protocol in ["udp", "tcp"] {
        let stored = stored_by_protocol.get(protocol).copied().unwrap_or(0);
        assert!(stored > 100, "only {stored} {protocol} messages stored");
    }
    eprintln!(
        "{} messages sent over 21 runs: stored {stored_by_protocol:?}, lost in the window before a kill {lost_by_protocol:?}",
        sent.len()
    );
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
}

/// The `job` and `run` records of the audit stream: (command, detail, result).
fn run_audit(store: &TestStore) -> Vec<(String, String, String)> {
    let reader = StoreReader::open(&store.path()).unwrap();
    reader
        .records(Stream::Audit)
        .unwrap()
        .into_iter()
        .filter_map(|record| match record.event {
            vakt_schemas::Event::Audit(event)
                if event.command == "job" || event.command == "run" =>
            {
                Some((
                    event.command,
                    event.detail.unwrap_or_default(),
                    event.result.unwrap_or_default(),
                ))
            }
            _ => None,
        })
        .collect()
}

/// `vakt status --format json`: its exit code and report.
fn status(store: &TestStore, config: &Path) -> (i32, serde_json::Value) {
    let output = store
        .command()
        .args([
            "--store",
            store.path().to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "status",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}{}", stdout(&output), stderr(&output)));
    (output.status.code().unwrap_or(-1), report)
}

/// Waits up to 60 s for `done` to hold.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn run_keeps_its_schedule_writes_its_status_and_takes_up_a_changed_configuration() {
    let store = TestStore::new();
    let dir = store.dir.path();
    let logs = dir.join("logs");
    fs::create_dir(&logs).unwrap();
    let config = write_config(dir, None);
    let base = fs::read_to_string(&config).unwrap();
    // A heartbeat every second, a verify every three and a compaction
    // every two (6-field cron).
    let job_tables = "\n[[job]]\nname = \"beat\"\nkind = \"heartbeat\"\nschedule = \"* * * * * *\"\n\
                \n[[job]]\nname = \"check\"\nkind = \"verify\"\nschedule = \"*/3 * * * * *\"\n\
                \n[[job]]\nname = \"merge\"\nkind = \"compact\"\nschedule = \"*/2 * * * * *\"\n";
    fs::write(&config, format!("{base}{job_tables}")).unwrap();
    append(&logs.join("auth.log"), &(sshd_line(0) + "\n"));
    let (code, report) = status(&store, &config);
    assert_eq!(
        (code, report["state"].as_str()),
        (1, Some("never")),
        "{report:#}"
    );

    let child = start(&store, &config);
    wait_until("a heartbeat, a verify and a compaction recorded", || {
        let audit = run_audit(&store);
        let ok = |name: &str| {
            audit.iter().any(|(command, detail, result)| {
                command == "job" && detail.starts_with(name) && result.starts_with("ok")
            })
        };
        ok("beat (heartbeat)") && ok("check (verify)") && ok("merge (compact)")
    });
    let (code, report) = status(&store, &config);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["state"], "running", "{report:#}");
    let run = &report["run"];
    assert_eq!(run["sources"][0]["name"], "auth", "{report:#}");
    let file = &run["sources"][0]["files"][0];
    assert_eq!(file["lines"], 1, "{report:#}");
    assert_eq!(file["unread_bytes"], 0, "{report:#}");
    let jobs: Vec<&str> = run["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|job| job["name"].as_str().unwrap())
        .collect();
    assert_eq!(jobs, ["beat", "check", "merge"], "{report:#}");
    assert!(run["jobs"][0]["next"].is_string(), "{report:#}");

    // A broken configuration is refused; the run goes on with its own.
    fs::write(
        &config,
        format!("{base}{job_tables}\n[[job]]\nname = \"bad\"\n"),
    )
    .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    append(&logs.join("auth.log"), &(sshd_line(1) + "\n"));
    wait_for_all(&store, 2);
    // A valid change is taken up: the heartbeat goes, a second source comes.
    let second = "\n[[source]]\nname = \"more\"\npath = \"";
    let changed = format!("{base}{second}{}/more/*.log\"\n", dir.display());
    fs::create_dir(dir.join("more")).unwrap();
    append(&dir.join("more/a.log"), &(sshd_line(2) + "\n"));
    fs::write(&config, &changed).unwrap();
    wait_for_all(&store, 3);
    wait_until("the status to show the new source", || {
        let (_, report) = status(&store, &config);
        report["run"]["sources"].as_array().map(Vec::len) == Some(2)
    });
    let beats = |audit: &[(String, String, String)]| {
        audit
            .iter()
            .filter(|(_, detail, _)| detail.starts_with("beat"))
            .count()
    };
    let before = beats(&run_audit(&store));
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        beats(&run_audit(&store)),
        before,
        "the heartbeat was removed from the configuration"
    );

    signal(&child, "TERM");
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let log = stderr(&output);
    assert!(log.contains("changed but cannot be used"), "{log}");
    assert!(log.contains("starts again with it"), "{log}");
    let audit = run_audit(&store);
    let runs: Vec<&str> = audit
        .iter()
        .filter(|(command, _, _)| command == "run")
        .map(|(_, detail, _)| detail.split(':').next().unwrap())
        .collect();
    assert_eq!(
        runs,
        ["started", "configuration reloaded", "stopped"],
        "{audit:#?}"
    );
    let (code, report) = status(&store, &config);
    assert_eq!(
        (code, report["state"].as_str()),
        (1, Some("stopped")),
        "{report:#}"
    );
    assert_each_once(&stored_raws(&store), 3);
    // Compacted while the run read and committed: the store verifies.
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn run_hands_each_commit_to_its_witnesses() {
    let store = TestStore::new();
    let dir = store.dir.path();
    let logs = dir.join("logs");
    fs::create_dir(&logs).unwrap();
    let usb = dir.join("usb");
    fs::create_dir(&usb).unwrap();
    let config = write_config(dir, None);
    let mut text = fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[[witness]]\nname = \"usb\"\ndir = \"{}\"\n",
        usb.display()
    ));
    fs::write(&config, text).unwrap();
    let live = logs.join("auth.log");
    append(
        &live,
        &(0..10).map(|n| sshd_line(n) + "\n").collect::<String>(),
    );
    let child = start(&store, &config);
    assert_each_once(&wait_for_all(&store, 10), 10);
    let origin = StoreReader::open(&store.path())
        .unwrap()
        .info()
        .origin(Stream::Sessions);
    let copy = usb.join(vakt_witness::checkpoint_file_name(&origin));
    let size_held = || {
        let note = fs::read_to_string(&copy).ok()?;
        Some(vakt_witness::checkpoint_of_note(&note).ok()?.size)
    };
    // The run hands each commit to the witness within seconds.
    let deadline = Instant::now() + Duration::from_secs(30);
    while size_held() != Some(10) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    // `vakt status` says the witness vouched.
    let vouched = || {
        let output = store.run(&["status", "--format", "json"]);
        let status: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
        let witness = status["run"]["witnesses"].get(0)?.clone();
        (witness["name"] == "usb" && witness["problem"].is_null())
            .then(|| witness["last_vouched"].as_str().map(str::to_string))
            .flatten()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while vouched().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        vouched().is_some(),
        "vakt status shows the witness vouching"
    );
    signal(&child, "TERM");
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        size_held(),
        Some(10),
        "the directory witness holds the sessions checkpoint: {}",
        stderr(&output)
    );
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
}
