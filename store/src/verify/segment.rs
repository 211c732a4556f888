//! The verification of one segment: the file's digest, and every row
//! re-derived into its canonical record and leaf hash.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::merkle::{Frontier, Hash};
use vakt_schemas::prune::PrunedSegment;
use vakt_schemas::registry::FILES;
use vakt_schemas::{Event, Record, Stream};

use super::report::Problem;
use super::stream::StreamCheck;
use crate::reader::pruned_leaves;
use crate::segment::{check_regions, rows_of};

/// Row problems reported per segment before the rest are summed up.
const ROW_PROBLEMS_PER_SEGMENT: usize = 5;

impl StreamCheck<'_> {
    /// Checks a segment file against its entry, re-derives every record's
    /// leaf hash and extends the tree; the root after it must be the entry's.
    pub(super) fn check_segment(&mut self, entry: &ManifestEntry) {
        let stream = self.stream;
        let storage = self.store.storage();
        let path = storage.path(&entry.path);
        if let Some(pruned) = self.pruned.get(&entry.path) {
            if !storage.exists(&entry.path).unwrap_or(true) {
                self.check_pruned(entry, pruned);
                return;
            }
            let message = format!(
                "{} was pruned in commit {} but its file is still there; the next `vakt prune` \
                 removes it",
                entry.path, pruned.txn
            );
            self.warnings
                .push(Problem::new(stream, "pruned-leftover", message).in_entry(entry));
        }
        let bytes = match storage.read(&entry.path) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let message = format!(
                    "segment file is missing: records {}..{} are gone",
                    entry.first_seq, entry.tree_size
                );
                self.problem(Problem::new(stream, "segment-missing", message).in_entry(entry));
                self.resume_after(entry);
                return;
            }
            Err(error) => Err(crate::reader::ReadError::Io {
                path: path.clone(),
                source: error,
            }),
            Ok(bytes) => {
                self.check_file_digest(entry, &bytes);
                if let Err(detail) = check_regions(entry, &bytes) {
                    let message = format!(
                        "the segment's regions are not what its line and footer list \
                         ({detail}): readers refuse to read it"
                    );
                    self.problem(Problem::new(stream, "segment-regions", message).in_entry(entry));
                }
                Ok(bytes::Bytes::from(bytes))
            }
        };
        let nonce_key = self.store.nonce_key();
        let rows = bytes.and_then(|bytes| rows_of(stream, &path, bytes, nonce_key));
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
        let mut earliest: Option<DateTime<Utc>> = None;
        let mut latest: Option<DateTime<Utc>> = None;
        for (position, row) in rows.iter().enumerate() {
            let expected_seq = entry.first_seq + position as u64;
            let record = match Record::from_values(stream, &row.values) {
                Ok(record) => {
                    if let Some((bound, digest)) = &mut self.index
                        && record.envelope.seq < *bound
                    {
                        digest.add_record(&record);
                    }
                    record
                }
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
            earliest = Some(earliest.map_or(time, |first| first.min(time)));
            latest = Some(latest.map_or(time, |last| last.max(time)));
            if record.envelope.ingest_time != entry.ingest_time {
                row_problems.push(
                    Problem::new(
                        stream,
                        "row-ingest-time",
                        format!(
                            "record {seq} has ingest time {}, the segment's is {}",
                            record.envelope.ingest_time, entry.ingest_time
                        ),
                    )
                    .at_seq(seq, Some(time)),
                );
            }
            if let Some(detail) = value_problem(&record) {
                row_problems.push(
                    Problem::new(stream, "row-value", format!("record {seq}: {detail}"))
                        .at_seq(seq, Some(time)),
                );
            }
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
                    if row.stored_leaf_hash.is_some_and(|stored| stored != hash) {
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
        if !rows.is_empty() && (earliest != Some(entry.min_time) || latest != Some(entry.max_time))
        {
            let shown = |time: Option<DateTime<Utc>>| {
                time.map_or("none".to_string(), |time| time.to_rfc3339())
            };
            let message = format!(
                "the segment's records span {} .. {}, its manifest line claims {} .. {}",
                shown(earliest),
                shown(latest),
                entry.min_time.to_rfc3339(),
                entry.max_time.to_rfc3339()
            );
            row_problems.push(Problem::new(stream, "manifest-time-range", message).in_entry(entry));
        }
        self.report_rows(entry, row_problems);
        self.check_tree_after(entry);
    }

    /// Reports the first row problems of a segment, and how many more.
    pub(super) fn report_rows(&mut self, entry: &ManifestEntry, row_problems: Vec<Problem>) {
        let extra = row_problems.len().saturating_sub(ROW_PROBLEMS_PER_SEGMENT);
        for problem in row_problems.into_iter().take(ROW_PROBLEMS_PER_SEGMENT) {
            self.problem(problem.in_file(entry.path.clone()));
        }
        if extra > 0 {
            let message = format!("and {extra} more row problems in this segment");
            self.problem(Problem::new(self.stream, "row-more", message).in_entry(entry));
        }
    }

    /// After a segment's records, the rebuilt tree must have the size,
    /// root and right edge its line claims.
    pub(super) fn check_tree_after(&mut self, entry: &ManifestEntry) {
        let stream = self.stream;
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
            return;
        }
        let frontier: Vec<String> = self.frontier.subtrees().iter().map(hex::encode).collect();
        if frontier != entry.frontier {
            let message = format!(
                "the manifest line's frontier is not the right edge of the tree of {} records \
                 (it lists {} hashes, the tree has {})",
                entry.tree_size,
                entry.frontier.len(),
                frontier.len()
            );
            self.problem(Problem::new(stream, "manifest-frontier", message).in_entry(entry));
        }
    }

    /// A pruned segment: its kept leaf hashes take the place of its rows.
    fn check_pruned(&mut self, entry: &ManifestEntry, pruned: &PrunedSegment) {
        let stream = self.stream;
        if pruned.first_seq != entry.first_seq || pruned.count != entry.count {
            let message = format!(
                "pruned.jsonl lists records {}..{} for {}, its manifest line {}..{}",
                pruned.first_seq,
                pruned.first_seq + pruned.count,
                entry.path,
                entry.first_seq,
                entry.tree_size
            );
            self.problem(Problem::new(stream, "pruned-leaves", message).in_entry(entry));
            self.resume_after(entry);
            return;
        }
        let leaves = match pruned_leaves(self.store.storage(), pruned) {
            Ok(leaves) => leaves,
            Err(error) => {
                self.problem(
                    Problem::new(stream, "pruned-leaves", error.to_string()).in_entry(entry),
                );
                self.resume_after(entry);
                return;
            }
        };
        for leaf in leaves {
            self.push_leaf(leaf);
        }
        let root = hex::encode(self.frontier.root());
        if self.frontier.size() != entry.tree_size || root != entry.root {
            let message = format!(
                "the leaf hashes kept for pruned records {}..{} give root {root}, the manifest \
                 says {}: they were changed",
                entry.first_seq, entry.tree_size, entry.root
            );
            self.problem(Problem::new(stream, "tree-root", message).in_entry(entry));
            self.resume_after(entry);
        }
    }

    pub(super) fn check_file_digest(&mut self, entry: &ManifestEntry, bytes: &[u8]) {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let size = bytes.len() as u64;
        if sha256 == entry.file_sha256 && size == entry.file_size {
            return;
        }
        let message = format!(
            "segment file differs from the one the manifest lists ({size} bytes, SHA-256 {sha256}; listed: {} bytes, {}): \
             it was rewritten or replaced",
            entry.file_size, entry.file_sha256
        );
        self.problem(Problem::new(self.stream, "segment-changed", message).in_entry(entry));
    }

    /// After a broken segment, goes on from the tree state the manifest
    /// claims for its end, so that later segments are judged on their own.
    pub(super) fn resume_after(&mut self, entry: &ManifestEntry) {
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
}

/// What is wrong with a record's values beyond their types: the values an
/// enumeration allows and the registry's digests (FORMAT.md §2).
pub(super) fn value_problem(record: &Record) -> Option<String> {
    match &record.event {
        Event::Firewall(event)
            if !matches!(event.action.as_str(), "allow" | "deny" | "unknown") =>
        {
            Some(format!(
                "firewall action `{}` is none of allow, deny, unknown",
                event.action
            ))
        }
        Event::Registry(event) => {
            if !FILES.contains(&event.file.as_str()) {
                return Some(format!(
                    "registry file `{}` is none of {FILES:?}",
                    event.file
                ));
            }
            let digest = hex::encode(Sha256::digest(event.content.as_bytes()));
            (digest != event.digest).then(|| {
                format!(
                    "registry digest {} is not the SHA-256 of its content ({digest})",
                    event.digest
                )
            })
        }
        Event::Quarantine(event) => event
            .intended_stream
            .as_deref()
            .filter(|name| name.parse::<Stream>().is_err())
            .map(|name| format!("quarantine intended_stream `{name}` is no stream")),
        _ => None,
    }
}
