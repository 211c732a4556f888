//! Bad input gets a clear message; nothing is dropped silently; the exit
//! code is non-zero only when nothing could be done.

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use vakt_schemas::{Event, Stream};
use vakt_store::StoreReader;

use crate::common::{TestStore, stderr, stdout};

const SSHD_LINE: &str = "Mar  2 08:14:03 ts1 sshd[23810]: Accepted publickey for ola from 10.10.1.21 port 51234 ssh2: ED25519 SHA256:abc";

#[test]
fn damaged_lines_go_to_quarantine_with_their_reason_and_the_count_balances() {
    let store = TestStore::new();
    let log = store.dir.path().join("mixed.log");
    let mut bytes = Vec::new();
    bytes.extend_from_slice(SSHD_LINE.as_bytes());
    bytes.extend_from_slice(b"\nMar  2 08:14:04 ts1 sshd[23811]: Failed password for \xff\xfe from 10.10.1.21 port 1 ssh2\n");
    bytes.extend(std::iter::repeat_n(b'A', 10 * 1024 * 1024));
    bytes.extend_from_slice(b"\n\nthis is not a log line\n");
    bytes.extend_from_slice(SSHD_LINE.replace("08:14:03", "08:15:03").as_bytes());
    bytes.push(b'\n');
    std::fs::write(&log, &bytes).unwrap();

    let summary = store.ingest(std::slice::from_ref(&log), &[]);
    assert_eq!(summary["lines_read"], 6, "{summary:#}");
    assert_eq!(summary["records_stored"], 2, "{summary:#}");
    assert_eq!(summary["lines_quarantined"], 4, "{summary:#}");

    let reader = StoreReader::open(&store.path()).unwrap();
    let quarantined: Vec<_> = reader
        .records(Stream::Quarantine)
        .unwrap()
        .into_iter()
        .map(|record| match record.event {
            Event::Quarantine(event) => (
                event.line,
                event.reason,
                event.raw_length,
                record.envelope.raw.len(),
            ),
            other => panic!("not a quarantine event: {other:?}"),
        })
        .collect();
    let reason_of = |line: u64| {
        quarantined
            .iter()
            .find(|entry| entry.0 == line)
            .unwrap_or_else(|| panic!("line {line} is quarantined: {quarantined:?}"))
    };
    assert!(reason_of(2).1.contains("invalid utf-8"), "{quarantined:?}");
    let long = reason_of(3);
    assert!(long.1.contains("longer than the limit"), "{long:?}");
    assert_eq!(long.2, 10 * 1024 * 1024);
    assert!(long.3 <= 64 * 1024, "only the start of a huge line is kept");
    assert!(reason_of(4).1.contains("blank"));
    assert!(
        reason_of(5).1.contains("not a syslog line"),
        "{quarantined:?}"
    );
    let (code, _) = store.verify(&[]);
    assert_eq!(code, 0);
}

#[test]
fn unreadable_inputs_get_a_message_and_fail_only_when_nothing_was_read() {
    let store = TestStore::new();
    let dir = store.dir.path();
    let binary = dir.join("garbage.bin");
    std::fs::write(
        &binary,
        [0x7f, b'E', b'L', b'F', 0, 0, 1, 2, 0xff, b'\n', 0, 3],
    )
    .unwrap();
    let empty = dir.join("empty.log");
    std::fs::write(&empty, b"").unwrap();
    let missing = dir.join("no-such.log");
    let logs = dir.join("logs");
    std::fs::create_dir_all(logs.join("ts1")).unwrap();
    std::fs::write(logs.join("ts1/auth.log"), format!("{SSHD_LINE}\n")).unwrap();
    let empty_dir = dir.join("nothing-here");
    std::fs::create_dir_all(&empty_dir).unwrap();

    let only = |path: &std::path::Path| store.run(&["ingest", path.to_str().unwrap()]);
    let output = only(&binary);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("binary data"),
        "{}",
        stderr(&output)
    );
    let output = only(&missing);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no such file"),
        "{}",
        stderr(&output)
    );
    let output = only(&empty);
    assert_eq!(
        output.status.code(),
        Some(0),
        "an empty file is not an error"
    );
    assert!(
        stderr(&output).contains("empty file"),
        "{}",
        stderr(&output)
    );
    let output = only(&empty_dir);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stderr(&output).contains("holds no files"),
        "{}",
        stderr(&output)
    );

    // A directory is read file by file; bad inputs beside good ones are reported, not fatal.
    let output = store.run(&[
        "ingest",
        "--output",
        "json",
        binary.to_str().unwrap(),
        missing.to_str().unwrap(),
        logs.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["records_stored"], 1);
    assert_eq!(
        summary["problems"].as_array().unwrap().len(),
        2,
        "{summary:#}"
    );
}

#[test]
fn a_missing_store_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let output = crate::common::vakt(dir.path(), &["--store", "nowhere", "ingest", "x.log"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("vakt init"), "{}", stderr(&output));
    let output = crate::common::vakt(dir.path(), &["--store", "nowhere", "verify"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_second_ingest_while_one_runs_is_refused() {
    let store = TestStore::new();
    let mut args: Vec<String> = vec![
        "--store".into(),
        store.path().display().to_string(),
        "ingest".into(),
        "-".into(),
    ];
    let mut first = crate::common::vakt_command(store.dir.path())
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = first.stdin.take().unwrap();
    writeln!(stdin, "{SSHD_LINE}").unwrap();

    // The first ingest takes the lock, then waits for more input. Wait
    // until the kernel lists its lock (Linux /proc/locks), without probing it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let pid = first.id().to_string();
    while !std::fs::read_to_string("/proc/locks")
        .unwrap_or_default()
        .lines()
        .any(|line| line.split_whitespace().nth(4) == Some(pid.as_str()))
    {
        assert!(
            Instant::now() < deadline,
            "the first ingest never took the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    args[3] = "/dev/null".into();
    let refused = crate::common::vakt_command(store.dir.path())
        .args(&args)
        .output()
        .unwrap();
    assert!(
        stderr(&refused).contains("another vakt process"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(refused.status.code(), Some(2));

    drop(stdin);
    let output = first.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["streams"][0]["records"], 1);
}
