//! The files in a stream's folder: each listed by a manifest line, a
//! leftover of a compaction or of an interrupted commit, or a problem.

use std::collections::BTreeSet;

use vakt_schemas::layout;
use vakt_schemas::prune::leaves_path;

use super::report::Problem;
use super::stream::StreamCheck;

impl StreamCheck<'_> {
    /// Files in the stream's partitions that the manifest does not list,
    /// and files of segments a compaction replaced that are still there.
    pub(super) fn check_unlisted_files(
        &mut self,
        listed: &BTreeSet<String>,
        replaced: &BTreeSet<String>,
    ) {
        let stream = self.stream;
        let stream_dir = layout::stream_dir(stream);
        let committed_txn = self.store.head().txn;
        let pruned_leaves: BTreeSet<String> =
            self.pruned.keys().map(|path| leaves_path(path)).collect();
        let Ok(files) = self.store.storage().list(&stream_dir) else {
            return;
        };
        for file in files {
            let relative = file.relative;
            let depth = relative.matches('/').count();
            if depth != 2 {
                if relative != layout::manifest(stream)
                    && relative != layout::checkpoints(stream)
                    && relative != layout::cosignatures(stream)
                {
                    let message = format!("unexpected file {relative} in the stream's folder");
                    self.problem(Problem::new(stream, "unlisted-file", message).in_file(relative));
                }
                continue;
            }
            let file_name = relative.rsplit('/').next().unwrap_or_default().to_string();
            if replaced.contains(&relative) && !self.pruned.contains_key(&relative) {
                let message = format!(
                    "{relative} was replaced by a compaction but its file is still there (the \
                     compaction was interrupted); it is never read, and the next `vakt compact` \
                     removes it"
                );
                self.warnings
                    .push(Problem::new(stream, "compacted-leftover", message).in_file(relative));
                continue;
            }
            if listed.contains(&relative) || pruned_leaves.contains(&relative) {
                continue;
            }
            let txn = layout::segment_txn(&file_name);
            if txn.is_some_and(|txn| txn > committed_txn + 1) {
                let message = format!(
                    "{relative} was written by commit {}, but HEAD names commit {committed_txn}: \
                     later commits than HEAD's exist, HEAD is behind the store",
                    txn.unwrap_or_default()
                );
                self.problem(Problem::new(stream, "head-behind", message).in_file(relative));
            } else if txn.is_some_and(|txn| txn > committed_txn) {
                let message = format!(
                    "{relative} belongs to commit {} that was interrupted before it completed; \
                     it is not part of the store and the next writer sets it aside in recovered/",
                    txn.unwrap_or_default()
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
