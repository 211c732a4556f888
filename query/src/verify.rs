//! `vakt verify`: derives every record's leaf hash again from its typed
//! columns, rebuilds each stream's Merkle tree, and checks it against the
//! manifest's hash chain, the segment files' digests, the signed checkpoints
//! in the store and, when given, checkpoints kept outside it. Every problem
//! names the stream, sequence range, time range and file it concerns.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;
use vakt_schemas::checkpoint::{Checkpoint, NoteVerifier, split_notes};
use vakt_schemas::manifest::{GENESIS, ManifestEntry, line_hash};
use vakt_schemas::merkle::{Frontier, Hash, empty_root};
use vakt_schemas::{Record, Stream, layout};

use crate::reader::{ManifestLine, StoreReader, manifest_lines};

/// Row problems reported per segment before the rest are summed up.
const ROW_PROBLEMS_PER_SEGMENT: usize = 5;

/// One thing verification found wrong (or, as a warning, worth knowing).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    pub stream: Option<Stream>,
    /// A stable identifier of the kind of problem, for scripts.
    pub kind: &'static str,
    pub message: String,
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub file: Option<String>,
}

impl Problem {
    fn new(stream: Stream, kind: &'static str, message: String) -> Problem {
        Problem {
            stream: Some(stream),
            kind,
            message,
            first_seq: None,
            last_seq: None,
            from: None,
            to: None,
            file: None,
        }
    }

    fn in_entry(mut self, entry: &ManifestEntry) -> Problem {
        self.first_seq = Some(entry.first_seq);
        self.last_seq = Some((entry.first_seq + entry.count).saturating_sub(1));
        self.from = Some(entry.min_time);
        self.to = Some(entry.max_time);
        self.file = Some(entry.path.clone());
        self
    }

    fn at_seq(mut self, seq: u64, time: Option<DateTime<Utc>>) -> Problem {
        self.first_seq = Some(seq);
        self.last_seq = Some(seq);
        self.from = time;
        self.to = time;
        self
    }

    fn in_file(mut self, file: String) -> Problem {
        self.file = Some(file);
        self
    }
}

/// What verification found for one stream.
#[derive(Debug, Clone, Serialize)]
pub struct StreamReport {
    pub stream: Stream,
    pub records: u64,
    pub segments: u64,
    /// Root of the tree rebuilt from the records, lowercase hex.
    pub root: String,
    pub checkpoints: u64,
    pub first_time: Option<DateTime<Utc>>,
    pub last_time: Option<DateTime<Utc>>,
}

/// The outcome of a verification.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// True when no problem was found.
    pub ok: bool,
    pub store_id: String,
    pub key_fingerprint: String,
    pub streams: Vec<StreamReport>,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Problem>,
    /// Checkpoints from outside the store that were checked.
    pub external_checkpoints: u64,
}

/// A tree size at which the rebuilt root must equal a signed root.
struct Expectation {
    size: u64,
    root: Hash,
    /// The chain hash of the manifest line that ends at `size`, when the
    /// checkpoint names one.
    manifest_hash: Option<String>,
    external: bool,
    label: String,
}

/// Verifies the whole store. `external` is the text of checkpoints kept
/// outside the store (as `vakt checkpoint` printed them), if any.
pub fn verify(store: &StoreReader, external: Option<&str>) -> VerifyReport {
    let mut report = VerifyReport {
        ok: false,
        store_id: store.info().store_id.clone(),
        key_fingerprint: String::new(),
        streams: Vec::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
        external_checkpoints: 0,
    };
    let verifier = match store.verifier() {
        Ok(verifier) => verifier,
        Err(error) => {
            report.problems.push(Problem {
                stream: None,
                kind: "store-key",
                message: format!("the store's verifier key cannot be read: {error}"),
                first_seq: None,
                last_seq: None,
                from: None,
                to: None,
                file: Some(layout::STORE_INFO.to_string()),
            });
            return report;
        }
    };
    report.key_fingerprint = verifier.fingerprint();
    let mut external_by_stream = external
        .map(|text| external_expectations(store, &verifier, text, &mut report))
        .unwrap_or_default();
    for stream in Stream::ALL {
        let external = external_by_stream.remove(&stream).unwrap_or_default();
        let stream_report = StreamCheck::new(
            store,
            &verifier,
            stream,
            &mut report.problems,
            &mut report.warnings,
        )
        .run(external);
        report.streams.push(stream_report);
    }
    report.ok = report.problems.is_empty();
    report
}

/// Reads checkpoints kept outside the store: each must carry the store's
/// signature and one of its streams' origins.
fn external_expectations(
    store: &StoreReader,
    verifier: &NoteVerifier,
    text: &str,
    report: &mut VerifyReport,
) -> BTreeMap<Stream, Vec<Expectation>> {
    let mut by_stream: BTreeMap<Stream, Vec<Expectation>> = BTreeMap::new();
    let notes = split_notes(text);
    if notes.is_empty() {
        report.problems.push(external_problem(
            "no signed checkpoint found in the file given with --against".into(),
        ));
    }
    for (index, note) in notes.iter().enumerate() {
        let checkpoint = match verifier.verify(note) {
            Ok(checkpoint) => checkpoint,
            Err(error) => {
                report.problems.push(external_problem(format!(
                    "external checkpoint {} does not verify with this store's key {}: {error}; \
                     either it belongs to another store or the store's key was replaced",
                    index + 1,
                    verifier.fingerprint()
                )));
                continue;
            }
        };
        let Some(stream) = Stream::ALL
            .into_iter()
            .find(|stream| store.info().origin(*stream) == checkpoint.origin)
        else {
            report.problems.push(external_problem(format!(
                "external checkpoint {} has origin `{}`, which is none of this store's streams",
                index + 1,
                checkpoint.origin
            )));
            continue;
        };
        report.external_checkpoints += 1;
        by_stream.entry(stream).or_default().push(expectation(
            &checkpoint,
            true,
            format!(
                "external checkpoint {} (size {})",
                index + 1,
                checkpoint.size
            ),
        ));
    }
    by_stream
}

fn external_problem(message: String) -> Problem {
    Problem {
        stream: None,
        kind: "external-checkpoint",
        message,
        first_seq: None,
        last_seq: None,
        from: None,
        to: None,
        file: None,
    }
}

fn expectation(checkpoint: &Checkpoint, external: bool, label: String) -> Expectation {
    let manifest_hash = checkpoint
        .extensions
        .iter()
        .find_map(|line| line.strip_prefix("manifest "))
        .map(str::to_string);
    Expectation {
        size: checkpoint.size,
        root: checkpoint.root,
        manifest_hash,
        external,
        label,
    }
}

/// The verification of one stream.
struct StreamCheck<'a> {
    store: &'a StoreReader,
    verifier: &'a NoteVerifier,
    stream: Stream,
    problems: &'a mut Vec<Problem>,
    warnings: &'a mut Vec<Problem>,
    frontier: Frontier,
    /// Roots the rebuilt tree must have at given sizes.
    expectations: BTreeMap<u64, Vec<Expectation>>,
    /// Chain hash of the last manifest line ending at each tree size.
    line_hash_at_size: BTreeMap<u64, String>,
    first_time: Option<DateTime<Utc>>,
    last_time: Option<DateTime<Utc>>,
}

impl<'a> StreamCheck<'a> {
    fn new(
        store: &'a StoreReader,
        verifier: &'a NoteVerifier,
        stream: Stream,
        problems: &'a mut Vec<Problem>,
        warnings: &'a mut Vec<Problem>,
    ) -> Self {
        StreamCheck {
            store,
            verifier,
            stream,
            problems,
            warnings,
            frontier: Frontier::new(),
            expectations: BTreeMap::new(),
            line_hash_at_size: BTreeMap::new(),
            first_time: None,
            last_time: None,
        }
    }

    fn problem(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    fn run(mut self, external: Vec<Expectation>) -> StreamReport {
        let stream = self.stream;
        let manifest_file = layout::manifest(stream);
        let checkpoint_count = self.load_checkpoints();
        for expectation in external {
            self.expectations
                .entry(expectation.size)
                .or_default()
                .push(expectation);
        }
        let (committed, _) = self.store.committed_lengths(stream);
        let Some(text) = self.read_log(&manifest_file, committed) else {
            return self.finish(0, checkpoint_count);
        };
        let lines = manifest_lines(&text);
        self.check_size(0);
        let mut listed = BTreeSet::new();
        let mut previous_hash = GENESIS.to_string();
        let mut segments = 0;
        for line in &lines {
            let entry = self.check_chain(line, &previous_hash);
            previous_hash = line_hash(&line.text);
            let Some(entry) = entry else { continue };
            listed.insert(entry.path.clone());
            self.line_hash_at_size
                .insert(entry.tree_size, previous_hash.clone());
            self.check_segment(&entry);
            segments += 1;
        }
        self.check_head(lines.len() as u64, &previous_hash);
        self.check_manifest_hashes();
        self.check_unlisted_files(&listed);
        self.finish(segments, checkpoint_count)
    }

    /// Reads a manifest or checkpoint log as far as HEAD commits it,
    /// reporting a log shorter than that and noting an uncommitted tail.
    fn read_log(&mut self, relative: &str, committed: u64) -> Option<String> {
        let stream = self.stream;
        let log = match self.store.log_text(relative, committed) {
            Ok(log) => log,
            Err(error) => {
                self.problem(
                    Problem::new(stream, "log-unreadable", error.to_string())
                        .in_file(relative.to_string()),
                );
                return None;
            }
        };
        if log.actual_bytes < log.committed_bytes {
            let message = format!(
                "{relative} has {} bytes, HEAD committed {}: it was cut or rewritten",
                log.actual_bytes, log.committed_bytes
            );
            self.problem(Problem::new(stream, "log-length", message).in_file(relative.to_string()));
        } else if log.actual_bytes > log.committed_bytes {
            let message = format!(
                "{relative} has {} bytes past what HEAD committed: an interrupted commit's or appended text, never read",
                log.actual_bytes - log.committed_bytes
            );
            self.warnings.push(
                Problem::new(stream, "uncommitted-tail", message).in_file(relative.to_string()),
            );
        }
        Some(log.text)
    }

    fn finish(self, segments: u64, checkpoints: u64) -> StreamReport {
        StreamReport {
            stream: self.stream,
            records: self.frontier.size(),
            segments,
            root: hex::encode(self.frontier.root()),
            checkpoints,
            first_time: self.first_time,
            last_time: self.last_time,
        }
    }

    /// Reads the stream's own checkpoints: each must verify, and the newest
    /// must describe the committed tree.
    fn load_checkpoints(&mut self) -> u64 {
        let stream = self.stream;
        let file = layout::checkpoints(stream);
        let (_, committed) = self.store.committed_lengths(stream);
        let Some(text) = self.read_log(&file, committed) else {
            return 0;
        };
        let notes = split_notes(&text);
        let head_size = self
            .store
            .head()
            .stream(stream)
            .map_or(0, |head| head.tree_size);
        let mut newest_size = None;
        for (index, note) in notes.iter().enumerate() {
            let checkpoint = match self.verifier.verify(note) {
                Ok(checkpoint) => checkpoint,
                Err(error) => {
                    let message = format!(
                        "checkpoint {} in the store does not verify: {error}",
                        index + 1
                    );
                    self.problem(
                        Problem::new(stream, "checkpoint-signature", message).in_file(file.clone()),
                    );
                    continue;
                }
            };
            if checkpoint.origin != self.store.info().origin(stream) {
                let message = format!(
                    "checkpoint {} names origin `{}`, not this stream's `{}`",
                    index + 1,
                    checkpoint.origin,
                    self.store.info().origin(stream)
                );
                self.problem(
                    Problem::new(stream, "checkpoint-origin", message).in_file(file.clone()),
                );
                continue;
            }
            newest_size = Some(checkpoint.size);
            let label = format!(
                "checkpoint {} in the store (size {})",
                index + 1,
                checkpoint.size
            );
            self.expectations
                .entry(checkpoint.size)
                .or_default()
                .push(expectation(&checkpoint, false, label));
        }
        if newest_size != Some(head_size) {
            let message = format!(
                "the newest valid checkpoint covers {} records but HEAD commits {head_size}",
                newest_size.map_or("no".to_string(), |size| size.to_string())
            );
            self.problem(Problem::new(stream, "checkpoint-behind", message).in_file(file));
        }
        notes.len() as u64
    }

    /// Checks one manifest line's place in the chain and returns its entry.
    fn check_chain(&mut self, line: &ManifestLine, previous_hash: &str) -> Option<ManifestEntry> {
        let stream = self.stream;
        let file = layout::manifest(stream);
        let entry = match &line.entry {
            Ok(entry) => entry.clone(),
            Err(error) => {
                let message = format!(
                    "manifest line {} is not a valid entry: {error}",
                    line.number
                );
                self.problem(Problem::new(stream, "manifest-entry", message).in_file(file));
                return None;
            }
        };
        let expected_index = (line.number - 1) as u64;
        if entry.index != expected_index || entry.prev != previous_hash {
            let message = format!(
                "manifest line {} breaks the hash chain: it should be entry {expected_index} following {}, \
                 it claims entry {} following {}; an entry before it was edited, removed or inserted",
                line.number, previous_hash, entry.index, entry.prev
            );
            self.problem(Problem::new(stream, "manifest-chain", message).in_entry(&entry));
        }
        if entry.first_seq != self.frontier.size()
            || entry.tree_size != entry.first_seq + entry.count
        {
            let message = format!(
                "manifest line {} claims records {}..{} (tree size {}) where record {} comes next",
                line.number,
                entry.first_seq,
                entry.first_seq + entry.count,
                entry.tree_size,
                self.frontier.size()
            );
            self.problem(Problem::new(stream, "manifest-sequence", message).in_entry(&entry));
        }
        let expected_path = layout::segment(stream, entry.day, entry.txn, entry.first_seq);
        if entry.path != expected_path {
            let message = format!(
                "manifest line {} names file {} where {expected_path} belongs",
                line.number, entry.path
            );
            self.problem(Problem::new(stream, "manifest-path", message).in_entry(&entry));
        }
        Some(entry)
    }

    /// Checks a segment file against its entry, re-derives every record's
    /// leaf hash and extends the tree; the root after it must be the entry's.
    fn check_segment(&mut self, entry: &ManifestEntry) {
        let stream = self.stream;
        let path = self.store.root().join(&entry.path);
        let rows = match fs::metadata(&path) {
            Err(_) => {
                let message = format!(
                    "segment file is missing: records {}..{} are gone",
                    entry.first_seq, entry.tree_size
                );
                self.problem(Problem::new(stream, "segment-missing", message).in_entry(entry));
                self.resume_after(entry);
                return;
            }
            Ok(_) => {
                self.check_file_digest(entry, &path);
                self.store.read_segment_rows(stream, &entry.path)
            }
        };
        let rows = match rows {
            Ok(rows) => rows,
            Err(error) => {
                self.problem(
                    Problem::new(stream, "segment-unreadable", error.to_string()).in_entry(entry),
                );
                self.resume_after(entry);
                return;
            }
        };
        if rows.len() as u64 != entry.count {
            let message = format!(
                "segment holds {} rows, the manifest lists {}: records removed or inserted",
                rows.len(),
                entry.count
            );
            self.problem(Problem::new(stream, "row-count", message).in_entry(entry));
        }
        let mut row_problems = Vec::new();
        for (position, row) in rows.iter().enumerate() {
            let expected_seq = entry.first_seq + position as u64;
            let record = match Record::from_values(stream, &row.values) {
                Ok(record) => record,
                Err(error) => {
                    row_problems.push(
                        Problem::new(
                            stream,
                            "row-shape",
                            format!("row {position} cannot be read: {error}"),
                        )
                        .at_seq(expected_seq, None),
                    );
                    continue;
                }
            };
            let seq = record.envelope.seq;
            let time = record.envelope.time;
            if seq != expected_seq {
                row_problems.push(
                    Problem::new(
                        stream,
                        "row-sequence",
                        format!("row {position} holds record {seq} where record {expected_seq} belongs: records removed, inserted or reordered"),
                    )
                    .at_seq(expected_seq, Some(time)),
                );
            }
            if time.date_naive() != entry.day || time < entry.min_time || time > entry.max_time {
                row_problems.push(
                    Problem::new(
                        stream,
                        "row-time",
                        format!(
                            "record {seq} has time {time}, outside the segment's {} .. {}",
                            entry.min_time, entry.max_time
                        ),
                    )
                    .at_seq(seq, Some(time)),
                );
            }
            match record.leaf_hash() {
                Ok(hash) => {
                    if hash.as_slice() != row.stored_leaf_hash.as_slice() {
                        row_problems.push(
                            Problem::new(
                                stream,
                                "row-changed",
                                format!("record {seq}: its columns do not hash to its stored leaf hash: the row was changed"),
                            )
                            .at_seq(seq, Some(time)),
                        );
                    }
                    self.push_leaf(hash);
                }
                Err(error) => row_problems.push(
                    Problem::new(stream, "row-shape", error.to_string()).at_seq(seq, Some(time)),
                ),
            }
            self.first_time = Some(self.first_time.map_or(time, |first| first.min(time)));
            self.last_time = Some(self.last_time.map_or(time, |last| last.max(time)));
        }
        let extra = row_problems.len().saturating_sub(ROW_PROBLEMS_PER_SEGMENT);
        for problem in row_problems.into_iter().take(ROW_PROBLEMS_PER_SEGMENT) {
            self.problem(problem.in_file(entry.path.clone()));
        }
        if extra > 0 {
            let message = format!("and {extra} more row problems in this segment");
            self.problem(Problem::new(stream, "row-more", message).in_entry(entry));
        }
        let root = hex::encode(self.frontier.root());
        if self.frontier.size() != entry.tree_size || root != entry.root {
            let message = format!(
                "the Merkle tree rebuilt from records {}..{} has {} leaves and root {root}, the manifest says {} and {}: \
                 records were changed, removed, inserted or reordered",
                entry.first_seq,
                entry.tree_size,
                self.frontier.size(),
                entry.tree_size,
                entry.root
            );
            self.problem(Problem::new(stream, "tree-root", message).in_entry(entry));
            self.resume_after(entry);
        }
    }

    fn check_file_digest(&mut self, entry: &ManifestEntry, path: &Path) {
        match file_sha256(path) {
            Ok((sha256, size)) if sha256 == entry.file_sha256 && size == entry.file_size => {}
            Ok((sha256, size)) => {
                let message = format!(
                    "segment file differs from the one the manifest lists ({size} bytes, SHA-256 {sha256}; listed: {} bytes, {}): \
                     it was rewritten or replaced",
                    entry.file_size, entry.file_sha256
                );
                self.problem(Problem::new(self.stream, "segment-changed", message).in_entry(entry));
            }
            Err(error) => {
                self.problem(
                    Problem::new(self.stream, "segment-unreadable", error.to_string())
                        .in_entry(entry),
                );
            }
        }
    }

    /// After a broken segment, goes on from the tree state the manifest
    /// claims for its end, so that later segments are judged on their own.
    fn resume_after(&mut self, entry: &ManifestEntry) {
        let subtrees: Option<Vec<Hash>> = entry
            .frontier
            .iter()
            .map(|text| {
                hex::decode(text)
                    .ok()
                    .and_then(|bytes| bytes.try_into().ok())
            })
            .collect();
        match subtrees.map(|subtrees| Frontier::from_parts(entry.tree_size, subtrees)) {
            Some(Ok(frontier)) => self.frontier = frontier,
            _ => {
                let message = "the manifest entry's tree edge is malformed; later segments cannot be checked on their own".to_string();
                self.problem(Problem::new(self.stream, "manifest-entry", message).in_entry(entry));
            }
        }
    }

    fn push_leaf(&mut self, hash: Hash) {
        self.frontier.push(hash);
        self.check_size(self.frontier.size());
    }

    /// Compares the rebuilt root with every signed root of the current size.
    fn check_size(&mut self, size: u64) {
        let Some(expectations) = self.expectations.remove(&size) else {
            return;
        };
        let root = if size == 0 {
            empty_root()
        } else {
            self.frontier.root()
        };
        for expectation in expectations {
            if expectation.root == root {
                continue;
            }
            let (kind, message) = if expectation.external {
                (
                    "fork",
                    format!(
                        "{}: the store's first {size} records do not match what was signed then \
                         (root {} signed, {} now): history was rewritten",
                        expectation.label,
                        hex::encode(expectation.root),
                        hex::encode(root)
                    ),
                )
            } else {
                (
                    "checkpoint-root",
                    format!(
                        "{}: signed root {} but the records give {}",
                        expectation.label,
                        hex::encode(expectation.root),
                        hex::encode(root)
                    ),
                )
            };
            let mut problem = Problem::new(self.stream, kind, message);
            problem.last_seq = size.checked_sub(1);
            problem.first_seq = Some(0);
            self.problem(problem);
        }
    }

    /// Expectations left over are sizes the tree never reached.
    fn check_head(&mut self, entries: u64, last_hash: &str) {
        let stream = self.stream;
        let size = self.frontier.size();
        let pending: Vec<Expectation> = std::mem::take(&mut self.expectations)
            .into_values()
            .flatten()
            .collect();
        for expectation in pending {
            let (kind, message) = if expectation.external {
                (
                    "truncated",
                    format!(
                        "{}: {} records were signed, the store holds {size}: records {size}..{} were removed",
                        expectation.label, expectation.size, expectation.size
                    ),
                )
            } else {
                (
                    "checkpoint-size",
                    format!(
                        "{}: {} records were signed, the store holds {size}",
                        expectation.label, expectation.size
                    ),
                )
            };
            let mut problem = Problem::new(stream, kind, message);
            problem.first_seq = Some(size);
            problem.last_seq = expectation.size.checked_sub(1);
            self.problem(problem);
        }
        let Some(head) = self.store.head().stream(stream) else {
            self.problem(
                Problem::new(stream, "head", "HEAD has no entry for this stream".into())
                    .in_file(layout::HEAD.into()),
            );
            return;
        };
        if head.entries != entries || head.last_entry_hash != last_hash {
            let message = format!(
                "HEAD commits {} manifest entries ending in {}, the manifest has {entries} ending in {last_hash}",
                head.entries, head.last_entry_hash
            );
            self.problem(Problem::new(stream, "head", message).in_file(layout::manifest(stream)));
        }
        if head.tree_size != size || head.root != hex::encode(self.frontier.root()) {
            let message = format!(
                "HEAD commits {} records with root {}, the records give {size} with root {}",
                head.tree_size,
                head.root,
                hex::encode(self.frontier.root())
            );
            self.problem(Problem::new(stream, "head", message).in_file(layout::HEAD.into()));
        }
    }

    /// Every signed checkpoint that names a manifest line hash must name the
    /// line that really ends at its size.
    fn check_manifest_hashes(&mut self) {
        let stream = self.stream;
        let (_, committed) = self.store.committed_lengths(stream);
        let Ok(log) = self.store.log_text(&layout::checkpoints(stream), committed) else {
            return;
        };
        for note in split_notes(&log.text) {
            let Ok(checkpoint) = self.verifier.verify(&note) else {
                continue;
            };
            let Some(claimed) = expectation(&checkpoint, false, String::new()).manifest_hash else {
                continue;
            };
            let actual = self.line_hash_at_size.get(&checkpoint.size);
            if actual != Some(&claimed) {
                let message = format!(
                    "the checkpoint of size {} signed manifest line hash {claimed}, the manifest has {}: a manifest entry was edited",
                    checkpoint.size,
                    actual.map_or("no entry ending there", String::as_str)
                );
                self.problem(
                    Problem::new(stream, "manifest-edited", message)
                        .in_file(layout::manifest(stream)),
                );
            }
        }
    }

    /// Files in the stream's partitions that the manifest does not list.
    fn check_unlisted_files(&mut self, listed: &BTreeSet<String>) {
        let stream = self.stream;
        let dir = self.store.root().join(layout::stream_dir(stream));
        let committed_txn = self.store.head().txn;
        let Ok(entries) = fs::read_dir(&dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let relative = format!("{}/{name}", layout::stream_dir(stream));
            if entry.path().is_file() {
                if relative != layout::manifest(stream) && relative != layout::checkpoints(stream) {
                    let message = format!("unexpected file {relative} in the stream's folder");
                    self.problem(Problem::new(stream, "unlisted-file", message).in_file(relative));
                }
                continue;
            }
            let Ok(files) = fs::read_dir(entry.path()) else {
                continue;
            };
            for file in files.flatten() {
                let file_name = file.file_name().to_string_lossy().to_string();
                let relative = format!("{relative}/{file_name}");
                if listed.contains(&relative) {
                    continue;
                }
                if layout::segment_txn(&file_name).is_some_and(|txn| txn > committed_txn) {
                    let message = format!(
                        "{relative} belongs to commit {} that was interrupted before it completed; \
                         it is not part of the store and the next `vakt ingest` removes it",
                        layout::segment_txn(&file_name).unwrap_or_default()
                    );
                    self.warnings
                        .push(Problem::new(stream, "uncommitted-file", message).in_file(relative));
                } else {
                    let message = format!(
                        "{relative} is not listed in the manifest: it was added by hand or its entry was removed"
                    );
                    self.problem(Problem::new(stream, "unlisted-file", message).in_file(relative));
                }
            }
        }
    }
}

fn file_sha256(path: &Path) -> std::io::Result<(String, u64)> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}
