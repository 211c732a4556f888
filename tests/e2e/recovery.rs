//! A store whose `HEAD` was put back or edited is reported by `vakt verify`
//! and refused by every writer, never cut back to it; what an interrupted
//! commit left is set aside, not deleted; readers never answer from a
//! changed segment; a new store is private to its owner.

use std::fs;
use std::path::{Path, PathBuf};

use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use vakt_schemas::{Event, Record, Stream, layout};
use vakt_store::StoreReader;

use crate::common::{
    TestStore, copy_tree, problem_kinds, sample_logs, stderr, stdout, warning_kinds,
};
use crate::forge::{read_head, write_signed_head};

/// Every file below `dir`, as paths relative to it.
fn files_below(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        for entry in fs::read_dir(&path).unwrap().flatten() {
            if entry.path().is_dir() {
                pending.push(entry.path());
            } else {
                let relative = entry
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .display()
                    .to_string();
                found.push(relative);
            }
        }
    }
    found.sort();
    found
}

fn segment_files(store: &Path) -> Vec<String> {
    files_below(store)
        .into_iter()
        .filter(|path| path.ends_with(".parquet") && !path.starts_with("recovered/"))
        .collect()
}

fn two_ingests() -> (TestStore, String) {
    let store = TestStore::new();
    store.ingest(
        &[sample_logs().join("logs/ts1")],
        &["--commit-every", "2500"],
    );
    let first_head = fs::read_to_string(store.path().join(layout::HEAD)).unwrap();
    store.ingest(
        &[sample_logs().join("logs/fs1")],
        &["--commit-every", "2500"],
    );
    (store, first_head)
}

/// `vakt sql` appends to the audit stream, so it commits: it must refuse.
fn assert_writers_refuse(store: &TestStore, segments_before: &[String]) {
    let output = store.run(&["sql", "SELECT count(*) FROM sessions"]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let message = stderr(&output);
    assert!(message.contains("HEAD is behind"), "{message}");
    assert!(message.contains("nothing was removed"), "{message}");
    let output = store.run(&[
        "ingest",
        &sample_logs().join("logs/fw-sec").display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert_eq!(
        segment_files(&store.path()),
        segments_before,
        "no segment file was removed or added"
    );
}

#[test]
fn a_head_with_a_lowered_txn_is_reported_and_no_writer_deletes_anything() {
    let (store, _) = two_ingests();
    let segments = segment_files(&store.path());
    // Lowered and signed again, as someone holding the key would.
    let mut head = read_head(&store.path());
    head.txn = 0;
    write_signed_head(&store.path(), &head);

    let (code, report) = store.verify(&[]);
    assert_eq!(code, 1, "{report:#}");
    assert!(
        problem_kinds(&report)
            .iter()
            .any(|kind| kind == "head-behind"),
        "{report:#}"
    );
    assert_writers_refuse(&store, &segments);
}

#[test]
fn an_edited_head_is_refused_by_writers_and_reported() {
    let store = TestStore::new();
    store.ingest(
        &[sample_logs().join("logs/ts1")],
        &["--commit-every", "2500"],
    );
    let segments = segment_files(&store.path());
    let path = store.path().join(layout::HEAD);
    let text = fs::read_to_string(&path).unwrap();
    // One digit of a source's line count changed, signature kept.
    let at = text.find("\"lines\": ").unwrap() + "\"lines\": ".len();
    let digit = text.as_bytes()[at];
    let mut edited = text.into_bytes();
    edited[at] = if digit == b'1' { b'2' } else { b'1' };
    fs::write(&path, edited).unwrap();
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 1, "{report:#}");
    assert!(
        problem_kinds(&report)
            .iter()
            .any(|kind| kind == "head-signature"),
        "{report:#}"
    );
    let output = store.run(&[
        "ingest",
        &sample_logs().join("logs/ts1").display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("HEAD cannot be trusted"),
        "{}",
        stderr(&output)
    );
    assert_eq!(segment_files(&store.path()), segments);
}

#[test]
fn a_head_put_back_to_an_earlier_commit_is_reported_and_nothing_is_cut() {
    let (store, first_head) = two_ingests();
    let segments = segment_files(&store.path());
    let sessions_manifest =
        fs::read(store.path().join(layout::manifest(Stream::Sessions))).unwrap();
    fs::write(store.path().join(layout::HEAD), first_head).unwrap();

    let (code, report) = store.verify(&[]);
    assert_eq!(code, 1, "{report:#}");
    let behind: Vec<&serde_json::Value> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|problem| problem["kind"] == "head-behind")
        .collect();
    assert!(!behind.is_empty(), "{report:#}");
    assert!(behind.iter().all(|problem| !problem["file"].is_null()));
    assert_writers_refuse(&store, &segments);
    assert_eq!(
        fs::read(store.path().join(layout::manifest(Stream::Sessions))).unwrap(),
        sessions_manifest,
        "the manifest was not cut back"
    );
}

#[test]
fn an_interrupted_commit_is_set_aside_not_deleted() {
    let store = TestStore::new();
    store.ingest(
        &[sample_logs().join("logs/ts1")],
        &["--commit-every", "2500"],
    );
    let reader = StoreReader::open(&store.path()).unwrap();
    let head = reader.head().clone();
    let last = reader
        .manifest_entries(Stream::Sessions)
        .unwrap()
        .pop()
        .unwrap();
    // What a commit killed after its segment and manifest line, before
    // HEAD.tmp, leaves: a segment of the next commit and a manifest tail.
    let next = head.txn + 1;
    let orphan = layout::segment(Stream::Sessions, last.day, next, last.tree_size);
    fs::copy(store.path().join(&last.path), store.path().join(&orphan)).unwrap();
    let manifest = store.path().join(layout::manifest(Stream::Sessions));
    let mut entry = last.clone();
    entry.txn = next;
    entry.index += 1;
    entry.path = orphan.clone();
    let mut text = fs::read_to_string(&manifest).unwrap();
    text.push_str(&entry.to_line());
    text.push('\n');
    fs::write(&manifest, text).unwrap();

    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
    let output = store.run(&["sql", "SELECT count(*) AS n FROM sessions"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let kept = files_below(&store.path().join("recovered"));
    assert!(
        kept.iter().any(|path| path.ends_with(&orphan)),
        "the orphan segment was moved aside: {kept:?}"
    );
    assert!(
        kept.iter()
            .any(|path| path.ends_with("sessions/manifest.jsonl.tail")),
        "{kept:?}"
    );
    assert!(!store.path().join(&orphan).exists());
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(
        report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|warning| warning["kind"] == "recovered"),
        "{report:#}"
    );
}

/// A commit killed after `HEAD.tmp` (its decision) and some of its
/// checkpoints, before `HEAD` was renamed: the signed checkpoint past
/// `HEAD` is no sign of a `HEAD` put back, and the next writer completes
/// the commit rather than setting it aside.
#[test]
fn a_commit_killed_after_it_decided_verifies_and_the_next_writer_completes_it() {
    let store = TestStore::new();
    store.ingest(&[sample_logs().join("logs/ts1")], &[]);
    let before_text = fs::read_to_string(store.path().join(layout::HEAD)).unwrap();
    let before = read_head(&store.path());
    store.ingest(&[sample_logs().join("logs/fs1")], &[]);
    let decided_text = fs::read_to_string(store.path().join(layout::HEAD)).unwrap();
    let decided = read_head(&store.path());
    assert_eq!(
        decided.txn,
        before.txn + 1,
        "the second ingest is one commit"
    );
    let changed: Vec<Stream> = Stream::ALL
        .into_iter()
        .filter(|stream| before.stream(*stream) != decided.stream(*stream))
        .collect();
    assert!(changed.len() >= 2, "{changed:?}");

    // The kill: HEAD is still the old one, HEAD.tmp is the decision, the
    // first changed stream has its checkpoint, the last one half of it.
    fs::write(store.path().join(layout::HEAD_TEMP), &decided_text).unwrap();
    fs::write(store.path().join(layout::HEAD), &before_text).unwrap();
    let last = changed[changed.len() - 1];
    let checkpoints = store.path().join(layout::checkpoints(last));
    let old_length = before.stream(last).unwrap().checkpoints_bytes;
    let new_length = decided.stream(last).unwrap().checkpoints_bytes;
    let file = fs::OpenOptions::new()
        .write(true)
        .open(&checkpoints)
        .unwrap();
    file.set_len(old_length + (new_length - old_length) / 2)
        .unwrap();

    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(
        warning_kinds(&report)
            .iter()
            .any(|kind| kind == "interrupted-commit"),
        "{report:#}"
    );

    // `vakt sql` commits its audit record, completing the decided commit first.
    let output = store.run(&["sql", "SELECT count(*) AS n FROM access"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!store.path().join(layout::HEAD_TEMP).exists());
    assert!(
        !store.path().join("recovered").exists(),
        "nothing set aside"
    );
    assert_eq!(
        fs::metadata(&checkpoints).unwrap().len(),
        new_length,
        "the half-written checkpoint was completed"
    );
    let after = read_head(&store.path());
    assert_eq!(after.txn, decided.txn + 1, "the audit commit came after it");
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
}

/// Rewrites a sessions segment with one user changed, padded to the size
/// the manifest lists.
fn rewrite_padded(store: &Path) -> String {
    let reader = StoreReader::open(store).unwrap();
    let entry = reader
        .manifest_entries(Stream::Sessions)
        .unwrap()
        .into_iter()
        .find(|entry| entry.count >= 5)
        .unwrap();
    let rows = reader.read_segment_rows(Stream::Sessions, &entry).unwrap();
    let mut records: Vec<Record> = rows
        .iter()
        .map(|row| Record::from_values(Stream::Sessions, &row.values).unwrap())
        .collect();
    if let Event::Sessions(session) = &mut records[2].event {
        session.user = Some("mallory".into());
    }
    let batch = crate::forge::batch_of(Stream::Sessions, &records);
    // Padding in the file's key-value metadata, grown until the valid
    // Parquet file has exactly the listed size.
    let write = |padding: usize| {
        let properties = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_statistics_enabled(EnabledStatistics::None)
            .set_key_value_metadata(Some(vec![KeyValue::new("pad".into(), "x".repeat(padding))]))
            .build();
        let mut bytes = Vec::new();
        let mut writer =
            ArrowWriter::try_new(&mut bytes, batch.schema(), Some(properties)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        bytes
    };
    let mut padding = 0usize;
    let mut bytes = write(padding);
    for _ in 0..8 {
        let missing = entry.file_size as i64 - bytes.len() as i64;
        if missing == 0 {
            break;
        }
        padding = (padding as i64 + missing).max(0) as usize;
        bytes = write(padding);
    }
    assert_eq!(
        bytes.len() as u64,
        entry.file_size,
        "the forgery has the listed size"
    );
    fs::write(store.join(&entry.path), bytes).unwrap();
    entry.path
}

#[test]
fn queries_never_answer_from_a_changed_segment() {
    let store = TestStore::new();
    store.ingest(
        &[sample_logs().join("logs/ts1")],
        &["--commit-every", "2500"],
    );
    let copy = tempfile::tempdir().unwrap();
    let forged = copy.path().join("store");
    copy_tree(&store.path(), &forged);
    let path = rewrite_padded(&forged);
    let run = |args: &[&str]| {
        let mut all = vec!["--store", forged.to_str().unwrap()];
        all.extend_from_slice(args);
        crate::common::vakt(copy.path(), &all)
    };
    let output = run(&["sql", "SELECT user FROM sessions WHERE user = 'mallory'"]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(!stdout(&output).contains("mallory"));
    assert!(stderr(&output).contains(&path), "{}", stderr(&output));
    let output = run(&["timeline", "--user", "mallory"]);
    assert_ne!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(!stdout(&output).contains("mallory"));
    // The untouched store answers.
    let output = store.run(&["sql", "SELECT count(*) AS n FROM sessions"]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[cfg(unix)]
#[test]
fn a_new_store_is_private_to_its_owner_and_verify_warns_when_it_is_not() {
    use std::os::unix::fs::PermissionsExt;
    let store = TestStore::new();
    store.ingest(
        &[sample_logs().join("logs/ts1")],
        &["--commit-every", "2500"],
    );
    for (path, mode) in modes_below(&store.path()) {
        let expected = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, expected, "{}", path.display());
    }
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(
        report["warnings"].as_array().unwrap().is_empty(),
        "{report:#}"
    );

    fs::set_permissions(store.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let manifest = store.path().join(layout::manifest(Stream::Sessions));
    fs::set_permissions(
        store.path().join("sessions"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    fs::set_permissions(&manifest, fs::Permissions::from_mode(0o644)).unwrap();
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "permissions are a warning: {report:#}");
    let warning = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|warning| warning["kind"] == "store-permissions")
        .cloned()
        .unwrap_or_else(|| panic!("{report:#}"));
    assert!(
        warning["message"].as_str().unwrap().contains("chmod"),
        "{warning:#}"
    );
}

/// The modes (with the set-group-ID bit) of a store's folders and files,
/// the full-text index's (tantivy's own) left out.
fn modes_below(root: &Path) -> Vec<(PathBuf, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut modes = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(path) = pending.pop() {
        if path.starts_with(root.join("index")) {
            continue;
        }
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        if path.is_dir() {
            pending.extend(
                fs::read_dir(&path)
                    .unwrap()
                    .flatten()
                    .map(|entry| entry.path()),
            );
        }
        modes.push((path, mode));
    }
    modes
}

#[test]
fn a_store_shared_with_a_group_is_readable_by_it_except_the_signing_key() {
    let group = std::process::Command::new("id")
        .arg("-gn")
        .output()
        .unwrap();
    let group = String::from_utf8(group.stdout).unwrap().trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let run = |args: &[&str]| {
        let mut all = vec!["--store", root.to_str().unwrap()];
        all.extend_from_slice(args);
        crate::common::vakt(dir.path(), &all)
    };
    let output = run(&["init", "--group", "no-such-group-of-vakt"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no group named"),
        "{}",
        stderr(&output)
    );

    let output = run(&["init", "--group", &group]);
    assert!(output.status.success(), "{}", stderr(&output));
    let logs = sample_logs().join("logs/ts1");
    let output = run(&["ingest", "--commit-every", "2500", logs.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    for (path, mode) in modes_below(&root) {
        let relative = path.strip_prefix(&root).unwrap();
        // The key's folder may keep the set-group-ID bit it inherited:
        // the group cannot enter it all the same.
        let mode = if relative.starts_with("keys") {
            mode & 0o777
        } else {
            mode
        };
        let expected = match (relative.starts_with("keys"), path.is_dir()) {
            (true, true) => 0o700,
            (true, false) => 0o600,
            (false, true) => 0o2750,
            (false, false) => 0o640,
        };
        assert_eq!(mode, expected, "{}", path.display());
    }
    let output = run(&["verify", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        report["warnings"].as_array().unwrap().is_empty(),
        "{report:#}"
    );
}
