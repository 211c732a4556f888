//! Live and rotated log files: every line stored exactly once, whatever
//! happens to the files between two ingests (a line still being written,
//! rotation by rename, copy-truncate, compression, files that only start
//! alike, the same bytes on standard input), and files of formats vakt does
//! not read skipped whole.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use vakt_schemas::Stream;
use vakt_store::StoreReader;

use crate::common::{TestStore, stderr, stdout};

/// The `n`-th sshd line of a test: each one different.
fn sshd_line(n: usize) -> String {
    format!(
        "Mar  2 08:{:02}:{:02} ts1 sshd[{}]: Accepted publickey for user{n} from 10.10.1.{} port {} ssh2: ED25519 SHA256:abc",
        (n / 60) % 60,
        n % 60,
        1000 + n,
        n % 250 + 1,
        40000 + n
    )
}

/// Lines `range` as a file's text, each with its newline.
fn text(range: std::ops::Range<usize>) -> String {
    range.map(|n| sshd_line(n) + "\n").collect()
}

/// How often each `raw` is stored, over every stream that holds log lines.
fn stored_raws(store: &TestStore) -> BTreeMap<String, usize> {
    let reader = StoreReader::open(&store.path()).unwrap();
    let mut counts = BTreeMap::new();
    for stream in [
        Stream::Sessions,
        Stream::Firewall,
        Stream::Access,
        Stream::Quarantine,
    ] {
        for record in reader.records(stream).unwrap() {
            *counts.entry(record.envelope.raw).or_default() += 1;
        }
    }
    counts
}

/// Asserts that the store holds exactly lines `range`, each once.
fn assert_each_once(store: &TestStore, range: std::ops::Range<usize>) {
    let stored = stored_raws(store);
    let expected: BTreeMap<String, usize> = range.map(|n| (sshd_line(n), 1)).collect();
    let twice: Vec<_> = stored.iter().filter(|(_, count)| **count > 1).collect();
    assert!(twice.is_empty(), "stored more than once: {twice:?}");
    let missing: Vec<_> = expected
        .keys()
        .filter(|line| !stored.contains_key(*line))
        .collect();
    assert!(missing.is_empty(), "never stored: {missing:?}");
    let extra: Vec<_> = stored
        .keys()
        .filter(|line| !expected.contains_key(*line))
        .collect();
    assert!(
        extra.is_empty(),
        "stored but never written whole: {extra:?}"
    );
}

fn assert_balanced(summary: &serde_json::Value) {
    let count = |field: &str| {
        summary[field]
            .as_u64()
            .unwrap_or_else(|| panic!("{field}: {summary:#}"))
    };
    assert_eq!(
        count("lines_read"),
        count("records_stored")
            + count("lines_quarantined")
            + count("lines_pending")
            + count("lines_skipped"),
        "{summary:#}"
    );
}

fn ingest(store: &TestStore, paths: &[&Path], extra: &[&str]) -> serde_json::Value {
    let paths: Vec<PathBuf> = paths.iter().map(|path| path.to_path_buf()).collect();
    let summary = store.ingest(&paths, extra);
    assert_balanced(&summary);
    summary
}

fn notes(summary: &serde_json::Value) -> String {
    summary["notes"]
        .as_array()
        .map(|notes| {
            notes
                .iter()
                .filter_map(|note| note.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

#[test]
fn a_line_still_being_written_is_never_stored_half() {
    let store = TestStore::new();
    let log = store.dir.path().join("auth.log");
    // The writer stopped in the middle of line 3, at `10.10.1.`.
    let line_three = sshd_line(3);
    let cut = line_three.find("10.10.1.").unwrap() + "10.10.1.".len();
    fs::write(&log, text(0..3) + &line_three[..cut]).unwrap();
    let first = ingest(&store, &[&log], &[]);
    assert_eq!(first["records_stored"], 3, "{first:#}");
    assert_eq!(first["lines_pending"], 1, "{first:#}");
    assert_eq!(first["bytes_pending"], cut as u64, "{first:#}");
    assert!(notes(&first).contains("no newline yet"), "{first:#}");
    assert_each_once(&store, 0..3);

    // Again before the writer goes on: nothing new, still pending.
    let again = ingest(&store, &[&log], &[]);
    assert_eq!(again["records_stored"], 0, "{again:#}");
    assert_eq!(again["lines_pending"], 1, "{again:#}");
    assert_eq!(again["lines_already_stored"], 3, "{again:#}");

    // The writer finishes the line and writes two more.
    let mut file = fs::OpenOptions::new().append(true).open(&log).unwrap();
    write!(file, "{}\n{}", &line_three[cut..], text(4..6)).unwrap();
    drop(file);
    let last = ingest(&store, &[&log], &[]);
    assert_eq!(last["records_stored"], 3, "{last:#}");
    assert_eq!(last["lines_pending"], 0, "{last:#}");
    assert_each_once(&store, 0..6);
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn finished_reads_a_last_line_without_newline() {
    let store = TestStore::new();
    let log = store.dir.path().join("export.log");
    fs::write(&log, text(0..2) + &sshd_line(2)).unwrap();
    let summary = ingest(&store, &[&log], &["--finished"]);
    assert_eq!(summary["records_stored"], 3, "{summary:#}");
    assert_eq!(summary["lines_pending"], 0, "{summary:#}");
    assert_each_once(&store, 0..3);
    // Its newline written later adds nothing.
    fs::write(&log, text(0..3)).unwrap();
    let again = ingest(&store, &[&log], &[]);
    assert_eq!(again["records_stored"], 0, "{again:#}");
    assert_each_once(&store, 0..3);
}

#[test]
fn two_files_that_start_with_the_same_line_are_both_read_whole() {
    let store = TestStore::new();
    let dir = store.dir.path();
    let (first, second) = (dir.join("a.log"), dir.join("b.log"));
    fs::write(&first, text(0..4)).unwrap();
    // Same first line, then other lines: longer than the first file, so a
    // reader keyed by the first line alone would resume it mid-way.
    fs::write(&second, text(0..1) + &text(10..20)).unwrap();
    ingest(&store, &[&first], &[]);
    let summary = ingest(&store, &[&second], &[]);
    assert_eq!(summary["records_stored"], 11, "{summary:#}");
    assert!(notes(&summary).contains("same line"), "{summary:#}");
    let stored = stored_raws(&store);
    assert_eq!(stored[&sshd_line(0)], 2, "line 0 is in both files");
    for n in (1..4).chain(10..20) {
        assert_eq!(stored.get(&sshd_line(n)), Some(&1), "line {n}");
    }
    // Both grow; each is read on from where it was stored.
    fs::write(&first, text(0..5)).unwrap();
    fs::write(&second, text(0..1) + &text(10..21)).unwrap();
    let summary = ingest(&store, &[&first, &second], &[]);
    assert_eq!(summary["records_stored"], 2, "{summary:#}");
    assert_eq!(summary["lines_already_stored"], 15, "{summary:#}");
}

#[test]
fn rotation_by_rename_and_compression_stores_every_line_once() {
    let store = TestStore::new();
    let logs = store.dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    let live = logs.join("auth.log");
    fs::write(&live, text(0..10)).unwrap();
    ingest(&store, &[&logs], &[]);

    // More lines, then logrotate: auth.log -> auth.log.1, a new auth.log.
    let mut file = fs::OpenOptions::new().append(true).open(&live).unwrap();
    file.write_all(text(10..12).as_bytes()).unwrap();
    drop(file);
    fs::rename(&live, logs.join("auth.log.1")).unwrap();
    fs::write(&live, text(12..15)).unwrap();
    let summary = ingest(&store, &[&logs], &[]);
    assert_eq!(summary["records_stored"], 5, "{summary:#}");
    assert_each_once(&store, 0..15);

    // The next rotation: auth.log.1 -> auth.log.2.gz, auth.log -> auth.log.1.
    let rotated = fs::read(logs.join("auth.log.1")).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&rotated).unwrap();
    fs::write(logs.join("auth.log.2.gz"), encoder.finish().unwrap()).unwrap();
    fs::remove_file(logs.join("auth.log.1")).unwrap();
    fs::rename(&live, logs.join("auth.log.1")).unwrap();
    fs::write(&live, text(15..17)).unwrap();
    let summary = ingest(&store, &[&logs], &[]);
    assert_eq!(summary["records_stored"], 2, "{summary:#}");
    assert_eq!(
        summary["problems"].as_array().map(Vec::len),
        Some(0),
        "{summary:#}"
    );
    assert_each_once(&store, 0..17);

    // A fresh store reads the compressed file like any other.
    let other = TestStore::new();
    let summary = other.ingest(&[logs.join("auth.log.2.gz")], &[]);
    assert_eq!(summary["records_stored"], 12, "{summary:#}");
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn copy_truncate_and_a_replaced_file_store_every_line_once() {
    let store = TestStore::new();
    let logs = store.dir.path().join("logs");
    fs::create_dir(&logs).unwrap();
    let live = logs.join("auth.log");
    fs::write(&live, text(0..6)).unwrap();
    ingest(&store, &[&logs], &[]);

    // copy-truncate: lines 6 and 7 were written after the last ingest,
    // the file is copied to auth.log.1 and truncated in place.
    let mut file = fs::OpenOptions::new().append(true).open(&live).unwrap();
    file.write_all(text(6..8).as_bytes()).unwrap();
    drop(file);
    fs::copy(&live, logs.join("auth.log.1")).unwrap();
    let file = fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&live)
        .unwrap();
    drop(file);
    fs::OpenOptions::new()
        .append(true)
        .open(&live)
        .unwrap()
        .write_all(text(8..10).as_bytes())
        .unwrap();
    let summary = ingest(&store, &[&logs], &[]);
    assert_eq!(summary["records_stored"], 4, "{summary:#}");
    assert!(notes(&summary).contains("truncated"), "{summary:#}");
    assert_each_once(&store, 0..10);

    // Replaced: a new file at the same path, whose first line is that of
    // the old one but whose other lines are not.
    fs::remove_file(&live).unwrap();
    fs::write(&live, text(8..9) + &text(20..23)).unwrap();
    let summary = ingest(&store, &[&logs], &[]);
    assert_eq!(summary["records_stored"], 4, "{summary:#}");
    let stored = stored_raws(&store);
    assert_eq!(stored[&sshd_line(8)], 2, "line 8 was written twice");
    for n in (0..8).chain(9..10).chain(20..23) {
        assert_eq!(stored.get(&sshd_line(n)), Some(&1), "line {n}");
    }
}

#[test]
fn the_same_bytes_on_standard_input_are_stored_once() {
    let store = TestStore::new();
    let feed = |bytes: &[u8], name: &str| -> serde_json::Value {
        let mut child = store
            .command()
            .args([
                "--store",
                store.path().to_str().unwrap(),
                "--config",
                crate::common::sample_config().to_str().unwrap(),
                "ingest",
                "--output",
                "json",
                "--source",
                name,
                "-",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(bytes).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}{}",
            stdout(&output),
            stderr(&output)
        );
        let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_balanced(&summary);
        summary
    };
    // `zcat auth.log.2.gz | vakt ingest --source auth.log.2 -`, twice.
    let bytes = text(0..5);
    let first = feed(bytes.as_bytes(), "auth.log.2");
    assert_eq!(first["records_stored"], 5, "{first:#}");
    let second = feed(bytes.as_bytes(), "auth.log.2");
    assert_eq!(second["records_stored"], 0, "{second:#}");
    assert_eq!(second["lines_already_stored"], 5, "{second:#}");
    // The same content with more lines: only those are new; stdin is
    // finished, so its last line needs no newline.
    let longer = text(0..7) + &sshd_line(7);
    let third = feed(longer.as_bytes(), "auth.log.2");
    assert_eq!(third["records_stored"], 3, "{third:#}");
    assert_each_once(&store, 0..8);
    let reader = StoreReader::open(&store.path()).unwrap();
    let sources: Vec<String> = reader
        .records(Stream::Sessions)
        .unwrap()
        .into_iter()
        .map(|record| record.envelope.source)
        .collect();
    assert!(
        sources.iter().all(|source| source == "auth.log.2"),
        "{sources:?}"
    );
    // The same content as a file is known too.
    let file = store.dir.path().join("auth.log");
    fs::write(&file, text(0..8)).unwrap();
    let summary = ingest(&store, &[&file], &[]);
    assert_eq!(summary["records_stored"], 0, "{summary:#}");
}

#[test]
fn a_file_of_a_format_vakt_does_not_read_is_skipped_whole() {
    let store = TestStore::new();
    let dir = store.dir.path();
    let dpkg = dir.join("dpkg.log");
    fs::write(
        &dpkg,
        "2026-03-02 08:14:03 startup archives unpack\n\
         2026-03-02 08:14:04 install openssh-server:amd64 <none> 1:9.2p1-2\n\
         2026-03-02 08:14:04 status half-installed openssh-server:amd64 1:9.2p1-2\n",
    )
    .unwrap();
    let auth = dir.join("auth.log");
    fs::write(&auth, text(0..2)).unwrap();
    let summary = ingest(&store, &[&dpkg, &auth], &[]);
    assert_eq!(summary["files_skipped"], 1, "{summary:#}");
    assert_eq!(summary["lines_skipped"], 3, "{summary:#}");
    assert_eq!(summary["lines_quarantined"], 0, "{summary:#}");
    assert_eq!(summary["records_stored"], 2, "{summary:#}");
    let notes = notes(&summary);
    assert!(notes.contains("dpkg.log: skipped"), "{notes}");
    assert!(notes.contains("--format"), "{notes}");
    assert_each_once(&store, 0..2);

    // A file whose first lines are not read but a later one is: read whole.
    let mixed = dir.join("mixed.log");
    fs::write(&mixed, "not a log line\n".to_string() + &text(5..6)).unwrap();
    let summary = ingest(&store, &[&mixed], &[]);
    assert_eq!(summary["lines_quarantined"], 1, "{summary:#}");
    assert_eq!(summary["records_stored"], 1, "{summary:#}");
    assert_eq!(
        summary["quarantined_by_reason"]
            .as_object()
            .map(|reasons| reasons.len()),
        Some(1)
    );

    // --format forces the format: every line then goes somewhere.
    let forced = ingest(&store, &[&dpkg], &["--format", "sshd"]);
    assert_eq!(forced["files_skipped"], 0, "{forced:#}");
    assert_eq!(forced["lines_quarantined"], 3, "{forced:#}");
}
