//! Each manifest line on its own: its place in the chain, its numbering
//! and path, and, for a compaction's line, what it may replace.

use std::collections::BTreeSet;

use vakt_schemas::compaction::Holders;
use vakt_schemas::layout;
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::merkle::empty_root;

use super::report::Problem;
use super::stream::StreamCheck;
use crate::compaction::COMPACTABLE;
use crate::reader::ManifestLine;

impl StreamCheck<'_> {
    /// Checks one manifest line's place in the chain and returns its entry.
    pub(super) fn check_chain(
        &mut self,
        line: &ManifestLine,
        previous_hash: &str,
        previous: Option<&ManifestEntry>,
    ) -> Option<ManifestEntry> {
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
        // The tree as the line before left it (after a broken line, as it claimed).
        let tree_size = previous.map_or(0, |previous| previous.tree_size);
        if entry.is_compaction() {
            self.check_compaction_line(line.number, &entry, previous);
        } else if entry.first_seq != tree_size || entry.tree_size != entry.first_seq + entry.count {
            let message = format!(
                "manifest line {} claims records {}..{} (tree size {}) where record {} comes next",
                line.number,
                entry.first_seq,
                entry.first_seq + entry.count,
                entry.tree_size,
                tree_size
            );
            self.problem(Problem::new(stream, "manifest-sequence", message).in_entry(&entry));
        }
        let expected_path = if entry.is_compaction() {
            layout::compacted(stream, entry.txn, entry.first_seq)
        } else {
            layout::segment(stream, entry.day, entry.txn, entry.first_seq)
        };
        if entry.path != expected_path {
            let message = format!(
                "manifest line {} names file {} where {expected_path} belongs",
                line.number, entry.path
            );
            self.problem(Problem::new(stream, "manifest-path", message).in_entry(&entry));
        }
        Some(entry)
    }

    /// A compaction line adds no record: the tree after it is the one
    /// before it, and the records it holds were stored before it.
    fn check_compaction_line(
        &mut self,
        number: usize,
        entry: &ManifestEntry,
        previous: Option<&ManifestEntry>,
    ) {
        let (tree_size, root, frontier) = previous.map_or_else(
            || (0, hex::encode(empty_root()), Vec::new()),
            |previous| {
                (
                    previous.tree_size,
                    previous.root.clone(),
                    previous.frontier.clone(),
                )
            },
        );
        let problem = if !COMPACTABLE.contains(&self.stream) {
            Some(format!(
                "manifest line {number} compacts {} records, but the {} stream is never compacted",
                entry.count, self.stream
            ))
        } else if entry.replaces == Some(0) || entry.count == 0 {
            Some(format!(
                "manifest line {number} is a compaction that replaces nothing"
            ))
        } else if entry.end_seq() > tree_size {
            Some(format!(
                "manifest line {number} compacts records {}..{}, but the stream holds {tree_size}",
                entry.first_seq,
                entry.end_seq()
            ))
        } else if entry.tree_size != tree_size || entry.root != root || entry.frontier != frontier {
            Some(format!(
                "manifest line {number} is a compaction but claims the tree of {} records with \
                 root {}, where the line before left {tree_size} records with root {root}",
                entry.tree_size, entry.root
            ))
        } else if entry.day != entry.min_time.date_naive() {
            Some(format!(
                "manifest line {number} is a compaction whose day {} is not that of its earliest \
                 record ({})",
                entry.day,
                entry.min_time.to_rfc3339()
            ))
        } else {
            None
        };
        if let Some(message) = problem {
            self.problem(Problem::new(self.stream, "compaction-range", message).in_entry(entry));
        }
    }

    /// A pruned segment must be one whose file holds records: a compaction
    /// never replaces a pruned segment, and a prune never removes a
    /// replaced one.
    pub(super) fn check_pruned_are_live(
        &mut self,
        entries: &[Option<ManifestEntry>],
        holders: &Holders,
    ) {
        let live: BTreeSet<&str> = holders
            .live
            .iter()
            .filter_map(|position| entries[*position].as_ref())
            .map(|entry| entry.path.as_str())
            .collect();
        let stray: Vec<String> = self
            .pruned
            .values()
            .filter(|pruned| pruned.stream == self.stream && !live.contains(pruned.path.as_str()))
            .map(|pruned| pruned.path.clone())
            .collect();
        for path in stray {
            let message = format!(
                "pruned.jsonl lists {path}, which is no live segment of the manifest (a compaction \
                 replaced it, or no line lists it)"
            );
            self.problem(Problem::new(self.stream, "pruned-leaves", message).in_file(path));
        }
    }
}
