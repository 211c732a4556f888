//! The commits along one stream: their order and ingest times, one
//! signed checkpoint per commit, and what lies past `HEAD`.

use vakt_schemas::checkpoint::split_notes;
use vakt_schemas::layout;
use vakt_schemas::manifest::ManifestEntry;

use super::report::Problem;
use super::stream::StreamCheck;

impl StreamCheck<'_> {
    /// Commits follow each other along the manifest: `txn` never
    /// decreases and is at most `HEAD`'s, the segments of one commit share
    /// its ingest time, and ingest times never decrease.
    pub(super) fn check_commit_order(
        &mut self,
        number: usize,
        previous: Option<&ManifestEntry>,
        entry: &ManifestEntry,
    ) {
        let stream = self.stream;
        let head_txn = self.store.head().txn;
        if entry.txn > head_txn {
            let message = format!(
                "manifest line {number} is a segment of commit {}, but HEAD names commit {head_txn}: \
                 HEAD is behind its manifest",
                entry.txn
            );
            self.problem(Problem::new(stream, "head-behind", message).in_entry(entry));
        }
        let Some(previous) = previous else { return };
        let message = if entry.txn < previous.txn {
            Some(format!(
                "manifest line {number} is a segment of commit {}, after a segment of commit {}",
                entry.txn, previous.txn
            ))
        } else if entry.txn == previous.txn && entry.ingest_time != previous.ingest_time {
            Some(format!(
                "manifest line {number} has ingest time {}, the line before of the same commit {} has {}",
                entry.ingest_time.to_rfc3339(),
                entry.txn,
                previous.ingest_time.to_rfc3339()
            ))
        } else if entry.ingest_time < previous.ingest_time {
            Some(format!(
                "manifest line {number} has ingest time {}, earlier than the line before ({})",
                entry.ingest_time.to_rfc3339(),
                previous.ingest_time.to_rfc3339()
            ))
        } else {
            None
        };
        if let Some(message) = message {
            self.problem(Problem::new(stream, "manifest-txn", message).in_entry(entry));
        }
    }

    /// The segments of `HEAD`'s own commit were stored at its commit time.
    pub(super) fn check_last_commit(&mut self, last: Option<&ManifestEntry>) {
        let head = self.store.head();
        let Some(last) = last.filter(|last| last.txn == head.txn) else {
            return;
        };
        if last.ingest_time != head.committed_at {
            let message = format!(
                "the segments of commit {} have ingest time {}, HEAD says it committed at {}",
                head.txn,
                last.ingest_time.to_rfc3339(),
                head.committed_at.to_rfc3339()
            );
            self.problem(Problem::new(self.stream, "head", message).in_file(layout::HEAD.into()));
        }
    }

    /// Each checkpoint is signed by the key in force at the commit that
    /// wrote it (`keyring.rs`): a retired key signs nothing after its
    /// successor took over, and a new key nothing before.
    pub(super) fn check_checkpoint_keys(&mut self) {
        let stream = self.stream;
        let file = layout::checkpoints(stream);
        let txn_at_size: std::collections::BTreeMap<u64, u64> = std::iter::once((0, 0))
            .chain(self.commit_ends.iter().map(|(txn, size)| (*size, *txn)))
            .collect();
        for (size, key) in std::mem::take(&mut self.checkpoint_keys) {
            let Some(txn) = txn_at_size.get(&size).copied() else {
                continue;
            };
            let expected = self.keys.index_at(txn);
            if key == expected {
                continue;
            }
            let message = format!(
                "the checkpoint of size {size} (commit {txn}) is signed with key {}, but key {} \
                 signs commit {txn}: a retired key was used, or the key rotations were changed",
                self.keys.keys()[key].verifier.fingerprint(),
                self.keys.keys()[expected].verifier.fingerprint()
            );
            self.problem(Problem::new(stream, "checkpoint-key", message).in_file(file.clone()));
        }
    }

    /// One checkpoint for the empty tree, then one per commit that changed
    /// the stream, at the tree size that commit left, in order.
    pub(super) fn check_checkpoint_per_commit(&mut self) {
        let stream = self.stream;
        let file = layout::checkpoints(stream);
        let sizes = std::mem::take(&mut self.checkpoint_sizes);
        let increasing = sizes.windows(2).all(|pair| pair[0] < pair[1]);
        if !increasing {
            let message = format!(
                "the checkpoint sizes {} do not strictly increase",
                summarize(&sizes)
            );
            self.problem(Problem::new(stream, "checkpoint-order", message).in_file(file.clone()));
            return;
        }
        let expected: Vec<u64> = std::iter::once(0)
            .chain(self.commit_ends.iter().map(|(_, size)| *size))
            .collect();
        if sizes == expected {
            return;
        }
        let missing: Vec<u64> = expected
            .iter()
            .filter(|size| !sizes.contains(size))
            .copied()
            .collect();
        let extra: Vec<u64> = sizes
            .iter()
            .filter(|size| !expected.contains(size))
            .copied()
            .collect();
        let message = format!(
            "each commit signs one checkpoint at the tree size it leaves; missing at sizes {}, \
             not at the end of a commit: {}",
            summarize(&missing),
            summarize(&extra)
        );
        let mut problem = Problem::new(stream, "checkpoint-missing", message).in_file(file);
        if let (Some(first), Some(last)) = (missing.first(), missing.last()) {
            problem.first_seq = Some(first.saturating_sub(1));
            problem.last_seq = Some(last.saturating_sub(1));
        }
        self.problem(problem);
    }

    /// Text past what `HEAD` commits: the leftover of one interrupted
    /// commit is a warning (with the checkpoint of a commit its `HEAD.tmp`
    /// decided); a later commit's lines or another signed checkpoint there
    /// mean `HEAD` was put back (recovery refuses to undo them).
    pub(super) fn judge_tail(&mut self, relative: &str, committed: u64) {
        let stream = self.stream;
        let head_txn = self.store.head().txn;
        let bytes = self.store.storage().read(relative).unwrap_or_default();
        let tail = String::from_utf8_lossy(bytes.get(committed as usize..).unwrap_or_default());
        let later_commits: Vec<u64> = tail
            .lines()
            .filter_map(|line| ManifestEntry::from_line(line).ok())
            .map(|entry| entry.txn)
            .filter(|txn| *txn != head_txn + 1)
            .collect();
        // The checkpoint of the commit an interrupted writer decided is
        // completed by the next writer, not a sign of `HEAD` put back.
        let decided = self
            .decided
            .and_then(|next| next.stream(stream))
            .map(|next| (next.tree_size, next.root.clone()));
        let signed: Vec<u64> = split_notes(&tail)
            .iter()
            .filter_map(|note| self.keys.verify(note).ok())
            .filter(|checkpoint| {
                decided.as_ref() != Some(&(checkpoint.size, hex::encode(checkpoint.root)))
            })
            .map(|checkpoint| checkpoint.size)
            .collect();
        let length = bytes.len() as u64 - committed;
        if later_commits.is_empty() && signed.is_empty() {
            let next_step = if self.decided.is_some() {
                "the next writer completes the commit HEAD.tmp decided"
            } else {
                "the next writer sets it aside in recovered/"
            };
            let message = format!(
                "{relative} has {length} bytes past what HEAD committed: an interrupted commit's \
                 text, not read until it is committed; {next_step}"
            );
            self.warnings.push(
                Problem::new(stream, "uncommitted-tail", message).in_file(relative.to_string()),
            );
            return;
        }
        let message = if signed.is_empty() {
            format!(
                "{relative} holds, past what HEAD commits, segments of commits {} while HEAD names \
                 commit {head_txn}: HEAD is behind the store (replaced by an older copy?)",
                summarize(&later_commits)
            )
        } else {
            format!(
                "{relative} holds, past what HEAD commits, signed checkpoints of sizes {} while HEAD \
                 commits {} records: HEAD is behind what the store signed",
                summarize(&signed),
                self.store
                    .head()
                    .stream(stream)
                    .map_or(0, |head| head.tree_size)
            )
        };
        self.problem(Problem::new(stream, "head-behind", message).in_file(relative.to_string()));
    }
}

/// A list of numbers for a message, long lists shortened.
fn summarize(numbers: &[u64]) -> String {
    if numbers.is_empty() {
        return "none".to_string();
    }
    let shown: Vec<String> = numbers.iter().take(8).map(u64::to_string).collect();
    if numbers.len() > shown.len() {
        format!(
            "{} and {} more",
            shown.join(", "),
            numbers.len() - shown.len()
        )
    } else {
        shown.join(", ")
    }
}
