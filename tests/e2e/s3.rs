//! Stores on S3-compatible object storage, served by a real S3 server
//! (moto's server mode, `.ci/run` installs it) that the tests start on the
//! loopback address: the round trip, two writers that race for `HEAD`,
//! locks held on object storage, tampering and killed ingests (those last
//! two run the local suites' cases again on S3, in `tamper.rs` and
//! `crash.rs`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use vakt_schemas::{AuditEvent, Stream, layout};
use vakt_store::storage::{InstallError, Storage};
use vakt_store::{StoreReader, append_audit};

use crate::common::{TestStore, sample_logs, stderr, stdout};

/// The bucket every test store lives in, each under a prefix of its own.
const BUCKET: &str = "vakt-test";

/// The S3 server of this test process.
pub struct S3Server {
    port: u16,
    /// The shell that runs the server and stops it with this process.
    _watcher: std::process::Child,
    prefixes: AtomicUsize,
}

/// Starts the server on first use (once per test process: nextest runs
/// each test in a process of its own) and points this process's
/// environment, which `vakt` children inherit, at it.
pub fn server() -> &'static S3Server {
    static SERVER: OnceLock<S3Server> = OnceLock::new();
    SERVER.get_or_init(S3Server::start)
}

impl S3Server {
    fn start() -> S3Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        // The server is stopped when this test process ends: the shell
        // watches its parent.
        let script = format!(
            "python3 -m moto.server -H 127.0.0.1 -p {port} >/dev/null 2>&1 & server=$!; \
             while kill -0 {parent} 2>/dev/null; do sleep 1; done; kill $server",
            parent = std::process::id()
        );
        let watcher = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sh runs");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = http(port, "PUT", &format!("/{BUCKET}"))
                && status == 200
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the S3 test server did not start on port {port}: is moto installed? \
                 `python3 -m pip install 'moto[server]==5.2.5'` (.ci/run does it)"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        let endpoint = format!("http://127.0.0.1:{port}");
        // SAFETY: set once, before any store on the server is used; every
        // test process starts its own server.
        unsafe {
            std::env::set_var("AWS_ENDPOINT_URL", &endpoint);
            std::env::set_var("AWS_ACCESS_KEY_ID", "test");
            std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
            std::env::set_var("AWS_REGION", "us-east-1");
            std::env::set_var("AWS_ALLOW_HTTP", "true");
        }
        S3Server {
            port,
            _watcher: watcher,
            prefixes: AtomicUsize::new(0),
        }
    }

    /// The URL of a new, empty prefix of the bucket.
    pub fn new_prefix(&self) -> String {
        let number = self.prefixes.fetch_add(1, Ordering::SeqCst);
        format!("s3://{BUCKET}/store-{}-{number}", self.port)
    }

    /// Copies a local store folder to a new prefix and returns its URL.
    pub fn upload(&self, dir: &Path) -> String {
        let url = self.new_prefix();
        let storage = Storage::open(Path::new(&url)).expect("S3 storage");
        upload_tree(&storage, dir, "");
        url
    }
}

fn upload_tree(storage: &Storage, dir: &Path, prefix: &str) {
    for entry in std::fs::read_dir(dir).expect("read folder") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if entry.path().is_dir() {
            upload_tree(storage, &entry.path(), &relative);
        } else {
            let bytes = std::fs::read(entry.path()).expect("read file");
            storage.replace(&relative, &bytes).expect("upload");
        }
    }
}

/// One bare HTTP request; the status code, if the server answered.
fn http(port: u16, method: &str, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split_whitespace().nth(1)?.parse().ok()
}

fn storage_of(store: &TestStore) -> Storage {
    Storage::open(&store.path()).expect("S3 storage")
}

fn inputs() -> Vec<PathBuf> {
    vec![
        sample_logs().join("logs/ts1"),
        sample_logs().join("logs/fw-sec"),
    ]
}

fn sql(store: &TestStore, query: &str) -> String {
    let output = store.run(&["sql", "--format", "json", query]);
    assert!(output.status.success(), "sql failed: {}", stderr(&output));
    stdout(&output)
}

#[test]
fn a_store_on_s3_holds_and_answers_what_a_local_store_does() {
    let local = TestStore::new();
    let remote = TestStore::on_s3();
    for store in [&local, &remote] {
        store.ingest(&inputs(), &["--commit-every", "2500"]);
        let (code, report) = store.verify(&[]);
        assert_eq!(code, 0, "{}: {report:#}", store.path().display());
        assert!(
            report["warnings"].as_array().unwrap().is_empty(),
            "no warnings: {report:#}"
        );
    }
    let queries = [
        "SELECT count(*) AS n, count(DISTINCT \"user\") AS users FROM sessions",
        "SELECT action, count(*) AS n FROM firewall GROUP BY action ORDER BY action",
        "SELECT seq, time, raw FROM sessions ORDER BY seq LIMIT 5 OFFSET 100",
    ];
    for query in queries {
        assert_eq!(sql(&local, query), sql(&remote, query), "{query}");
    }
    let search = |store: &TestStore| {
        let output = store.run(&["search", "--format", "json", "Accepted"]);
        assert!(output.status.success(), "search: {}", stderr(&output));
        let found: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        found["total"].clone()
    };
    assert_eq!(search(&local), search(&remote));

    // Compacted on S3: the replaced objects go, the answers stay, and the
    // store verifies without a warning.
    let compacted = crate::common::json(&remote.run(&["compact", "--format", "json"]));
    let sessions = &compacted["streams"]["sessions"];
    assert!(
        sessions["segments_replaced"].as_u64().unwrap()
            > sessions["files_written"].as_u64().unwrap(),
        "{compacted}"
    );
    let (code, report) = remote.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(
        report["warnings"].as_array().unwrap().is_empty(),
        "no warnings: {report:#}"
    );
    for query in queries {
        assert_eq!(
            sql(&local, query),
            sql(&remote, query),
            "{query} after compaction"
        );
    }
    assert_eq!(search(&local), search(&remote));

    // A backup of the S3 store to a folder, restored to another prefix.
    let backup_dir = remote.dir.path().join("backup");
    let output = remote.run(&["backup", backup_dir.to_str().unwrap()]);
    assert!(output.status.success(), "backup: {}", stderr(&output));
    let restored = server().new_prefix();
    let output = remote.run(&["restore", backup_dir.to_str().unwrap(), &restored]);
    assert!(output.status.success(), "restore: {}", stderr(&output));
    let reader = StoreReader::open(Path::new(&restored)).unwrap();
    let original = StoreReader::open(&remote.path()).unwrap();
    for stream in [Stream::Sessions, Stream::Firewall] {
        assert_eq!(
            reader.records(stream).unwrap(),
            original.records(stream).unwrap(),
            "{stream} restored"
        );
    }
}

#[test]
fn of_two_writers_that_read_the_same_head_only_one_commits() {
    let store = TestStore::on_s3();
    let storage = storage_of(&store);
    let (stale_text, stale_version) = storage.read_head().unwrap();
    // Another writer commits meanwhile.
    let output = store.run(&["sql", "SELECT 1"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let (committed, _) = storage.read_head().unwrap();
    assert_ne!(committed, stale_text, "the other commit moved HEAD");
    // This writer's HEAD, based on what it read, loses.
    storage
        .replace(layout::HEAD_TEMP, stale_text.as_bytes())
        .unwrap();
    assert!(matches!(
        storage.install_head(&stale_version),
        Err(InstallError::Raced)
    ));
    assert_eq!(storage.read_head().unwrap().0, committed, "HEAD kept");
    // The leftover is set aside by the next writer; nothing is lost.
    let output = store.run(&["sql", "SELECT 1"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn concurrent_writers_on_s3_take_turns_and_every_commit_lands() {
    let store = TestStore::on_s3();
    let root = store.path();
    // This test commits in its own process: its key is the test's.
    vakt_store::keys::use_signing_key_file(store.key_file());
    const WRITERS: usize = 3;
    const COMMITS: usize = 4;
    std::thread::scope(|scope| {
        for writer in 0..WRITERS {
            let root = root.clone();
            scope.spawn(move || {
                for commit in 0..COMMITS {
                    let event = AuditEvent {
                        user: format!("writer{writer}"),
                        command: "test".into(),
                        detail: Some(format!("commit {commit}")),
                        rows: None,
                        result: None,
                    };
                    append_audit(&root, event).expect("audit append");
                }
            });
        }
    });
    let reader = StoreReader::open(&root).unwrap();
    let audit = reader.records(Stream::Audit).unwrap();
    assert_eq!(audit.len(), WRITERS * COMMITS, "every append landed once");
    assert_eq!(reader.head().txn, (WRITERS * COMMITS) as u64);
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn an_ingest_lock_on_s3_keeps_a_second_ingest_out_until_its_holder_dies() {
    let store = TestStore::on_s3();
    let storage = storage_of(&store);
    let held = storage.lock(layout::LOCK, false).unwrap().expect("free");
    let started = Instant::now();
    let output = store
        .command()
        .env("VAKT_LEASE_SECONDS", "3")
        .args([
            "--store",
            store.path().to_str().unwrap(),
            "ingest",
            sample_logs().join("logs/fw-sec").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("another vakt process is writing"),
        "{}",
        stderr(&output)
    );
    assert!(started.elapsed() < Duration::from_secs(60));
    drop(held);
    let output = store.run(&[
        "ingest",
        sample_logs().join("logs/fw-sec").to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
}
