//! What the follower is doing, for `vakt status`: the files of each
//! source with their positions, the listeners' counts, the lag.

use std::time::Instant;

use vakt_schemas::status::{FileStatus, ListenerStatus, RunStatus, SourceStatus};

use super::Follower;
use crate::receiver::Receiver;

impl Follower<'_> {
    /// Fills the follower's part of `status`: counts, sources, listeners.
    pub fn fill_status(&self, status: &mut RunStatus, receiver: Option<&Receiver>, now: Instant) {
        let summary = &self.batch.summary;
        status.commits = summary.commits;
        status.last_commit = self.batch.last_commit_at;
        status.records_stored = summary.records_stored;
        status.lines_quarantined = summary.lines_quarantined;
        status.quarantined_by_reason = summary.quarantined_by_reason.clone();
        status.uncommitted_records = self.batch.pending_records() as u64;
        status.lag_seconds = match self.oldest_uncommitted {
            Some(since) if !self.batch.is_empty() => now.duration_since(since).as_secs_f64(),
            _ => 0.0,
        };
        status.sources = self
            .sources
            .iter()
            .enumerate()
            .map(|(index, source)| SourceStatus {
                name: source.name.clone(),
                path: source.pattern.clone(),
                files: self
                    .open
                    .values()
                    .filter(|open| open.source == index)
                    .map(|open| {
                        let position = open.lines.offset();
                        let pending_bytes = open.lines.pending_bytes();
                        FileStatus {
                            path: open.input.path.display().to_string(),
                            position,
                            lines: open.lines.lines(),
                            size: open.last_size,
                            pending_bytes,
                            unread_bytes: open.last_size.saturating_sub(position + pending_bytes),
                            rotated: open.unmatched_since.is_some(),
                        }
                    })
                    .collect(),
            })
            .collect();
        status.listeners = match receiver {
            None => Vec::new(),
            Some(receiver) => receiver
                .listeners
                .iter()
                .zip(&receiver.counts)
                .map(|(listener, counts)| ListenerStatus {
                    name: listener.name.clone(),
                    protocol: listener.protocol.name().to_string(),
                    address: listener
                        .bound
                        .map_or_else(|| listener.address.clone(), |bound| bound.to_string()),
                    received: counts.received.load(std::sync::atomic::Ordering::Relaxed),
                    dropped: counts.dropped.load(std::sync::atomic::Ordering::Relaxed),
                    connections: counts
                        .connections
                        .load(std::sync::atomic::Ordering::Relaxed),
                })
                .collect(),
        };
    }
}
