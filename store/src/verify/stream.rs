//! The verification of one stream, in two passes over its manifest: first
//! each line (`chain.rs`) and where its records are now, then the records
//! in sequence order (`segment.rs`, `compacted.rs`); and its checkpoints,
//! `HEAD` (`commits.rs`) and the files in its folder (`files.rs`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use vakt_schemas::checkpoint::split_notes;
use vakt_schemas::compaction::holders;
use vakt_schemas::head::Head;
use vakt_schemas::keyring::KeyRing;
use vakt_schemas::manifest::{GENESIS, ManifestEntry, line_hash};
use vakt_schemas::merkle::{Frontier, Hash, empty_root};
use vakt_schemas::prune::PrunedSegment;
use vakt_schemas::{Stream, layout};

use super::report::{Problem, StreamReport};
use super::{Expectation, expectation};
use crate::reader::{StoreReader, manifest_lines};
use vakt_index::digest::RecordsDigest;

/// The verification of one stream.
pub(super) struct StreamCheck<'a> {
    pub(super) store: &'a StoreReader,
    pub(super) keys: &'a KeyRing,
    pub(super) stream: Stream,
    pub(super) problems: &'a mut Vec<Problem>,
    pub(super) warnings: &'a mut Vec<Problem>,
    /// The segments prunes removed, by path.
    pub(super) pruned: &'a BTreeMap<String, PrunedSegment>,
    pub(super) frontier: Frontier,
    /// Roots the rebuilt tree must have at given sizes.
    pub(super) expectations: BTreeMap<u64, Vec<Expectation>>,
    /// Chain hash of the last manifest line ending at each tree size.
    pub(super) line_hash_at_size: BTreeMap<u64, String>,
    pub(super) first_time: Option<DateTime<Utc>>,
    pub(super) last_time: Option<DateTime<Utc>>,
    /// Sizes of the store's valid checkpoints of the stream, oldest first.
    pub(super) checkpoint_sizes: Vec<u64>,
    /// The tree size after each commit that wrote to the stream, in order.
    pub(super) commit_ends: Vec<(u64, u64)>,
    /// The size of each valid checkpoint and the position in the key
    /// chain of the key that signed it.
    pub(super) checkpoint_keys: Vec<(u64, usize)>,
    /// What the full-text index should hold of the records below a bound.
    pub(super) index: Option<(u64, &'a mut RecordsDigest)>,
    /// The next commit an interrupted writer decided (its `HEAD.tmp`).
    pub(super) decided: Option<&'a Head>,
}

impl<'a> StreamCheck<'a> {
    pub(super) fn new(
        store: &'a StoreReader,
        keys: &'a KeyRing,
        stream: Stream,
        problems: &'a mut Vec<Problem>,
        warnings: &'a mut Vec<Problem>,
        pruned: &'a BTreeMap<String, PrunedSegment>,
        index: Option<(u64, &'a mut RecordsDigest)>,
    ) -> Self {
        StreamCheck {
            store,
            keys,
            stream,
            problems,
            warnings,
            pruned,
            frontier: Frontier::new(),
            expectations: BTreeMap::new(),
            line_hash_at_size: BTreeMap::new(),
            first_time: None,
            last_time: None,
            checkpoint_sizes: Vec::new(),
            commit_ends: Vec::new(),
            checkpoint_keys: Vec::new(),
            index,
            decided: None,
        }
    }

    /// Knows the commit an interrupted writer decided, whose checkpoints
    /// past `HEAD` the next writer completes rather than refuses.
    pub(super) fn with_decided(mut self, decided: Option<&'a Head>) -> Self {
        self.decided = decided;
        self
    }

    pub(super) fn problem(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    pub(super) fn run(mut self, external: Vec<Expectation>) -> StreamReport {
        let stream = self.stream;
        let manifest_file = layout::manifest(stream);
        let checkpoint_count = self.load_checkpoints();
        for expectation in external {
            if let Some(key) = expectation.key {
                self.checkpoint_keys.push((expectation.size, key));
            }
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
        // First the chain, the commits and the paths, line by line, and
        // where each line's records are now (a compaction moves them).
        let mut listed = BTreeSet::new();
        let mut previous_hash = GENESIS.to_string();
        let mut previous: Option<ManifestEntry> = None;
        let mut entries: Vec<Option<ManifestEntry>> = Vec::with_capacity(lines.len());
        for line in &lines {
            let entry = self.check_chain(line, &previous_hash, previous.as_ref());
            previous_hash = line_hash(&line.text);
            if let Some(entry) = &entry {
                self.check_commit_order(line.number, previous.as_ref(), entry);
                if !entry.is_compaction() {
                    match self.commit_ends.last_mut() {
                        Some((txn, size)) if *txn == entry.txn => *size = entry.tree_size,
                        _ => self.commit_ends.push((entry.txn, entry.tree_size)),
                    }
                    self.line_hash_at_size
                        .insert(entry.tree_size, previous_hash.clone());
                }
                previous = Some(entry.clone());
                listed.insert(entry.path.clone());
            }
            entries.push(entry);
        }
        let given: Vec<Option<&ManifestEntry>> = entries.iter().map(Option::as_ref).collect();
        let (holders, tiling_errors) = holders(&given);
        for error in tiling_errors {
            let message = format!("{error}: the compaction is ignored");
            self.problem(
                Problem::new(stream, "compaction-range", message).in_file(manifest_file.clone()),
            );
        }
        self.check_pruned_are_live(&entries, &holders);
        // Then the records, in sequence order: each segment line's from
        // the file that holds them now.
        let mut held = None;
        for (position, entry) in entries.iter().enumerate() {
            let Some(entry) = entry else { continue };
            if entry.is_compaction() {
                continue;
            }
            match holders.holder[position] {
                Some(holder) if holder != position => {
                    if let Some(compaction) = &entries[holder] {
                        self.check_replaced(entry, compaction, &mut held);
                    }
                }
                _ => self.check_segment(entry),
            }
        }
        let replaced: BTreeSet<String> = entries
            .iter()
            .enumerate()
            .filter(|(position, _)| holders.holder[*position] != Some(*position))
            .filter_map(|(_, entry)| entry.as_ref().map(|entry| entry.path.clone()))
            .collect();
        self.check_head(lines.len() as u64, &previous_hash);
        self.check_last_commit(previous.as_ref());
        self.check_checkpoint_per_commit();
        self.check_checkpoint_keys();
        self.check_manifest_hashes();
        self.check_unlisted_files(&listed, &replaced);
        self.finish(holders.live.len() as u64, checkpoint_count)
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
            self.judge_tail(relative, log.committed_bytes);
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
            let checkpoint = match self.keys.verify_checkpoint(note) {
                Ok((checkpoint, key)) => {
                    self.checkpoint_keys.push((checkpoint.size, key));
                    checkpoint
                }
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
            self.checkpoint_sizes.push(checkpoint.size);
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

    pub(super) fn push_leaf(&mut self, hash: Hash) {
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
            // A checkpoint from outside names the manifest line that ended
            // at its size: the manifest may not have been chained anew
            // behind the same root (the store's own: `check_manifest_hashes`).
            if expectation.external
                && size > 0
                && let Some(claimed) = &expectation.manifest_hash
                && self.line_hash_at_size.get(&size) != Some(claimed)
            {
                let message = format!(
                    "{}: it signed manifest line hash {claimed}, the manifest has {}: the \
                     manifest was rewritten",
                    expectation.label,
                    self.line_hash_at_size
                        .get(&size)
                        .map_or("no line ending there", String::as_str)
                );
                self.problem(
                    Problem::new(self.stream, "manifest-edited", message)
                        .in_file(layout::manifest(self.stream)),
                );
            }
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
                        "{}: {} records were signed, the store holds {size} (root {}): records \
                         {size}..{} were removed",
                        expectation.label,
                        expectation.size,
                        hex::encode(self.frontier.root()),
                        expectation.size
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
            let Ok(checkpoint) = self.keys.verify(&note) else {
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
}
