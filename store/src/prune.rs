//! Retention: removing the rows of segments kept past the retention
//! period, without breaking any tree, checkpoint or proof.
//!
//! A segment of a prunable stream (`PRUNABLE`) is pruned when every one of
//! its records happened, and was stored, more than the retention period
//! before now; the period is the configured one but never less than
//! [`MIN_RETENTION_DAYS`]. For each such segment, in this order:
//!
//! 1. its leaf hashes, recomputed from its rows (read from the checked
//!    file), are written to its `.leaves` file;
//! 2. one commit appends the prune's record to the `audit` stream (who,
//!    when, the cutoff, how many) and the segments' lines to
//!    `pruned.jsonl`;
//! 3. their documents are deleted from the full-text index;
//! 4. the segment files are deleted.
//!
//! A crash before 2 leaves `.leaves` files nothing lists (the next prune
//! writes them again); after 2, segments listed as pruned but still
//! present, which readers no longer read and the next prune finishes.
//! Manifest lines, checkpoints and the tree are untouched, so `vakt
//! verify` rebuilds every tree from the kept leaf hashes and checks each
//! pruned segment against the prune's record.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::prune::{MIN_RETENTION_DAYS, PRUNABLE, PrunedSegment, leaves_path};
use vakt_schemas::{AuditEvent, Stream};

use crate::audit::audit_record;
use crate::fulltext::{FulltextError, FulltextHook};
use crate::reader::{LiveSegment, ReadError};
use crate::writer::{StoreWriter, WriteError, io_error};

/// The `command` of a prune's audit record.
pub const PRUNE_COMMAND: &str = "prune";

/// A prune could not be done.
#[derive(Debug, thiserror::Error)]
pub enum PruneError {
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Fulltext(#[from] FulltextError),
}

/// What a prune removed (or, with `dry_run`, would remove).
#[derive(Debug, Clone, Serialize)]
pub struct PruneSummary {
    pub dry_run: bool,
    /// The configured retention, in days.
    pub configured_days: u32,
    /// The retention applied: the configured one, never below 365 days.
    pub retention_days: u32,
    /// Records that happened or were stored at or after this are kept.
    pub cutoff: DateTime<Utc>,
    /// Segments whose rows were removed, per stream.
    pub segments: BTreeMap<Stream, u64>,
    /// Records whose rows were removed, per stream.
    pub records: BTreeMap<Stream, u64>,
    /// Bytes of segment files removed.
    pub bytes: u64,
    /// The earliest and latest event time among the removed records.
    pub oldest: Option<DateTime<Utc>>,
    pub newest: Option<DateTime<Utc>>,
    /// The prune's record in the `audit` stream.
    pub audit_seq: Option<u64>,
    /// Files of an earlier, interrupted prune removed now.
    pub finished_earlier: u64,
    pub seconds: f64,
}

/// The retention a configuration asks for, never below the minimum.
pub fn effective_retention(configured_days: u32) -> u32 {
    configured_days.max(MIN_RETENTION_DAYS)
}

/// Removes the rows of every segment older than the retention from the
/// store `writer` holds (with its ingest lock); `user` is recorded as who
/// pruned. The writer must not be keeping the full-text index itself
/// ([`StoreWriter::maintain_index`]): the prune opens it.
pub fn prune(
    writer: &mut StoreWriter,
    configured_days: u32,
    now: DateTime<Utc>,
    user: &str,
    dry_run: bool,
) -> Result<PruneSummary, PruneError> {
    let started = Instant::now();
    let retention_days = effective_retention(configured_days);
    let cutoff = now - TimeDelta::days(i64::from(retention_days));
    let reader = writer.reader();
    let already = reader.pruned()?;
    let mut candidates: Vec<(Stream, ManifestEntry)> = Vec::new();
    for stream in PRUNABLE {
        for LiveSegment { entry, ingested } in reader.present_segments(stream)? {
            if entry.max_time < cutoff && ingested.last < cutoff {
                candidates.push((stream, entry));
            }
        }
    }
    let storage = reader.storage().clone();
    let mut leftovers: Vec<PrunedSegment> = Vec::new();
    for segment in already.values() {
        let path = storage.path(&segment.path);
        if storage.exists(&segment.path).map_err(io_error(&path))? {
            leftovers.push(segment.clone());
        }
    }
    let mut summary = PruneSummary {
        dry_run,
        configured_days,
        retention_days,
        cutoff,
        segments: BTreeMap::new(),
        records: BTreeMap::new(),
        bytes: 0,
        oldest: None,
        newest: None,
        audit_seq: None,
        finished_earlier: 0,
        seconds: 0.0,
    };
    for (stream, entry) in &candidates {
        *summary.segments.entry(*stream).or_default() += 1;
        *summary.records.entry(*stream).or_default() += entry.count;
        summary.bytes += entry.file_size;
        summary.oldest = Some(
            summary
                .oldest
                .map_or(entry.min_time, |t| t.min(entry.min_time)),
        );
        summary.newest = Some(
            summary
                .newest
                .map_or(entry.max_time, |t| t.max(entry.max_time)),
        );
    }
    if dry_run || (candidates.is_empty() && leftovers.is_empty()) {
        summary.seconds = started.elapsed().as_secs_f64();
        return Ok(summary);
    }

    let mut lines = Vec::with_capacity(candidates.len());
    for (stream, entry) in &candidates {
        let mut leaves = Vec::with_capacity(entry.count as usize * 32);
        for record in reader.segment_records(*stream, entry)? {
            let hash = record.leaf_hash().map_err(|source| WriteError::Encode {
                stream: *stream,
                source,
            })?;
            leaves.extend_from_slice(&hash);
        }
        let relative = leaves_path(&entry.path);
        storage
            .replace(&relative, &leaves)
            .map_err(io_error(&storage.path(&relative)))?;
        lines.push(PrunedSegment {
            stream: *stream,
            path: entry.path.clone(),
            first_seq: entry.first_seq,
            count: entry.count,
            leaves_sha256: hex::encode(Sha256::digest(&leaves)),
            txn: 0,
        });
    }
    let removed: u64 = summary.records.values().sum();
    if !lines.is_empty() {
        let detail = serde_json::json!({
            "retention_days": retention_days,
            "cutoff": cutoff,
            "segments": lines.len(),
            "records": removed,
        });
        let event = AuditEvent {
            user: user.to_string(),
            command: PRUNE_COMMAND.to_string(),
            detail: Some(detail.to_string()),
            rows: Some(i64::try_from(removed).unwrap_or(i64::MAX)),
            result: Some(format!(
                "removed the rows of {} segments ({removed} records) older than {}",
                lines.len(),
                cutoff.to_rfc3339()
            )),
        };
        writer.commit_prune(vec![audit_record(event, now)], lines.clone())?;
        summary.audit_seq = writer
            .head()
            .stream(Stream::Audit)
            .map(|audit| audit.tree_size.saturating_sub(1));
    }

    let gone: Vec<PrunedSegment> = lines.into_iter().chain(leftovers.iter().cloned()).collect();
    let reader = writer.reader();
    let mut index = FulltextHook::open(&reader, &mut |_| {})?;
    for segment in &gone {
        index
            .index_mut()
            .delete_range(
                segment.stream,
                segment.first_seq,
                segment.first_seq + segment.count,
            )
            .map_err(FulltextError::from)?;
    }
    index
        .index_mut()
        .commit(reader.head().txn)
        .map_err(FulltextError::from)?;
    index.finish().map_err(FulltextError::from)?;
    for segment in &gone {
        storage
            .remove(&segment.path)
            .map_err(io_error(&storage.path(&segment.path)))?;
    }
    summary.finished_earlier = leftovers.len() as u64;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}
