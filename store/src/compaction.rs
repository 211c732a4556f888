//! Compaction: merging a stream's small segments into large files, so that
//! a year of commits does not leave thousands of files for every query to
//! open, without changing one record, sequence number or leaf (FORMAT.md §5
//! "Compaction").
//!
//! A compaction plans, per compactable stream ([`COMPACTABLE`]: the four a
//! prune may remove rows from; `registry` and `audit` stay as written),
//! groups of consecutive live segments (in sequence order, none pruned)
//! whose records fall in one calendar month (UTC), up to
//! [`CompactOptions::target_rows`] records each. For each group of two or
//! more, in this order:
//!
//! 1. the segments' files are read, each checked against its manifest
//!    line, and their rows written to one Parquet file sorted by time (then
//!    sequence number), in row groups of 128Ki rows;
//! 2. one commit writes the files and their manifest lines (each replacing
//!    the segments it holds the records of) and appends the compaction's
//!    record to the `audit` stream; the compacted streams' trees do not
//!    change, so they get no checkpoint;
//! 3. the replaced segment files are deleted.
//!
//! A crash before 2 leaves files of an uncommitted commit, which the next
//! writer sets aside (`recovery.rs`); after 2, replaced files still
//! present, which readers no longer read, `vakt verify` reports as a
//! warning and the next compaction deletes. Files are committed in batches
//! of at most [`COMMIT_BYTES`], so memory stays bounded on a large store.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::{TimestampMicrosecondType, UInt64Type};
use arrow_schema::ArrowError;
use arrow_select::interleave::interleave_record_batch;
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use vakt_schemas::compaction::holders;
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::prune::PRUNABLE;
use vakt_schemas::table::{SegmentLayout, canonical_columns, layout_columns};
use vakt_schemas::{AuditEvent, Stream, layout};

use crate::audit::audit_record;
use crate::reader::{ReadError, StoreReader};
use crate::segment::{SegmentError, WrittenSegment, batches_of, encode_batches};
use crate::storage::Storage;
use crate::writer::{StoreWriter, WriteError, io_error};

/// The `command` of a compaction's audit record.
pub const COMPACT_COMMAND: &str = "compact";

/// The streams a compaction merges segments of.
pub const COMPACTABLE: [Stream; 4] = PRUNABLE;

/// Records per compacted file unless asked otherwise: 8 row groups.
pub const DEFAULT_TARGET_ROWS: u64 = 1 << 20;

/// Compacted bytes held in memory before they are committed.
pub const COMMIT_BYTES: usize = 256 << 20;

/// Rows handed to the Parquet writer at a time.
const CHUNK_ROWS: usize = 16 * 1024;

/// A compaction could not be done.
#[derive(Debug, thiserror::Error)]
pub enum CompactionError {
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("compacting {path}: {source}")]
    Segment { path: String, source: SegmentError },
}

/// What to compact.
#[derive(Debug, Clone)]
pub struct CompactOptions {
    /// At most this many records per compacted file.
    pub target_rows: u64,
    /// Plan only: say what would be compacted, write nothing.
    pub dry_run: bool,
}

impl Default for CompactOptions {
    fn default() -> Self {
        CompactOptions {
            target_rows: DEFAULT_TARGET_ROWS,
            dry_run: false,
        }
    }
}

/// A file a compaction wrote, waiting for its commit (`commit.rs`).
#[derive(Debug, Clone)]
pub struct CompactedFile {
    pub(crate) stream: Stream,
    pub(crate) first_seq: u64,
    pub(crate) count: u64,
    pub(crate) replaces: u64,
    pub(crate) min_time: DateTime<Utc>,
    pub(crate) max_time: DateTime<Utc>,
    pub(crate) bytes: Vec<u8>,
    pub(crate) written: WrittenSegment,
    /// The stream's committed manifest lines when the file was planned:
    /// the commit refuses it if the stream changed since.
    pub(crate) planned_on_entries: u64,
}

/// Consecutive live segments of one stream to be merged into one file.
#[derive(Debug, Clone)]
pub struct Group {
    pub stream: Stream,
    pub entries: Vec<ManifestEntry>,
}

impl Group {
    fn records(&self) -> u64 {
        self.entries.iter().map(|entry| entry.count).sum()
    }
}

/// What a compaction did to one stream (or, with `dry_run`, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct StreamCompaction {
    /// Live segment files before and after.
    pub files_before: u64,
    pub files_after: u64,
    /// Segments merged, and the files they became.
    pub segments_replaced: u64,
    pub files_written: u64,
    /// Records moved into the new files.
    pub records: u64,
    /// Bytes of the replaced files, and of the files written.
    pub bytes_replaced: u64,
    pub bytes_written: u64,
}

/// What a compaction did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CompactionSummary {
    pub dry_run: bool,
    pub target_rows: u64,
    pub streams: BTreeMap<Stream, StreamCompaction>,
    /// The commits made, and their records in the `audit` stream.
    pub commits: u64,
    pub audit_seqs: Vec<u64>,
    /// Replaced files an earlier, interrupted compaction left, removed now.
    pub finished_earlier: u64,
    pub seconds: f64,
}

/// Progress of a compaction: records written so far of all it plans.
#[derive(Debug, Clone, Copy)]
pub struct CompactProgress {
    pub records_done: u64,
    pub records_total: u64,
}

/// What a compaction of the store would do.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The groups of segments to merge, each into one file.
    pub groups: Vec<Group>,
    /// Live segment files per stream now.
    pub live_files: BTreeMap<Stream, u64>,
    /// Files of segments already replaced that are still there (an
    /// interrupted compaction's).
    pub leftovers: Vec<String>,
}

/// Plans a compaction of the store into files of at most `target_rows`
/// records.
pub fn plan(reader: &StoreReader, target_rows: u64) -> Result<Plan, ReadError> {
    let pruned = reader.pruned()?;
    let mut groups = Vec::new();
    let mut live_files = BTreeMap::new();
    let mut leftovers = Vec::new();
    for stream in COMPACTABLE {
        let entries = reader.manifest_entries(stream)?;
        let given: Vec<Option<&ManifestEntry>> = entries.iter().map(Some).collect();
        let (found, errors) = holders(&given);
        if let Some(error) = errors.first() {
            return Err(ReadError::Damaged {
                path: reader.path(&layout::manifest(stream)),
                detail: format!("{error} (run `vakt verify` to see what is wrong)"),
            });
        }
        let replaced: BTreeSet<&str> = found
            .holder
            .iter()
            .enumerate()
            .filter(|(position, holder)| **holder != Some(*position))
            .map(|(position, _)| entries[position].path.as_str())
            .filter(|path| !pruned.contains_key(*path))
            .collect();
        if !replaced.is_empty() {
            let stream_dir = layout::stream_dir(stream);
            let files = reader
                .storage()
                .list(&stream_dir)
                .map_err(|source| ReadError::Io {
                    path: reader.path(&stream_dir),
                    source,
                })?;
            leftovers.extend(
                files
                    .into_iter()
                    .map(|file| file.relative)
                    .filter(|path| replaced.contains(path.as_str())),
            );
        }
        let live: Vec<&ManifestEntry> = found.live.iter().map(|line| &entries[*line]).collect();
        live_files.insert(stream, live.len() as u64);
        let mut current: Vec<ManifestEntry> = Vec::new();
        let info = reader.info();
        let mut close = |current: &mut Vec<ManifestEntry>| {
            // One file alone is rewritten only to drop format 2's leaf hashes.
            let format2 = current
                .iter()
                .any(|entry| info.stores_leaf_hashes(entry.txn));
            if current.len() >= 2 || format2 {
                groups.push(Group {
                    stream,
                    entries: std::mem::take(current),
                });
            }
            current.clear();
        };
        for entry in live {
            let month = month_of(entry.min_time);
            let alone = pruned.contains_key(&entry.path) || month != month_of(entry.max_time);
            let fits = current.first().is_some_and(|first| {
                month_of(first.min_time) == month
                    && current.iter().map(|e| e.count).sum::<u64>() + entry.count <= target_rows
            });
            if alone || !fits {
                close(&mut current);
            }
            if !alone {
                current.push(entry.clone());
            }
        }
        close(&mut current);
    }
    Ok(Plan {
        groups,
        live_files,
        leftovers,
    })
}

fn month_of(time: DateTime<Utc>) -> (i32, u32) {
    (time.year(), time.month())
}

/// Compacts the store `writer` holds (with its ingest lock); `user` is
/// recorded as who compacted.
pub fn compact(
    writer: &mut StoreWriter,
    options: &CompactOptions,
    user: &str,
    on_progress: &mut dyn FnMut(CompactProgress),
) -> Result<CompactionSummary, CompactionError> {
    let started = Instant::now();
    let reader = writer.reader();
    let Plan {
        groups,
        live_files,
        leftovers,
    } = plan(&reader, options.target_rows.max(1))?;
    let mut summary = CompactionSummary {
        dry_run: options.dry_run,
        target_rows: options.target_rows,
        ..CompactionSummary::default()
    };
    for (stream, files) in &live_files {
        let stream_summary = summary.streams.entry(*stream).or_default();
        stream_summary.files_before = *files;
        stream_summary.files_after = *files;
    }
    for group in &groups {
        let stream_summary = summary.streams.entry(group.stream).or_default();
        stream_summary.segments_replaced += group.entries.len() as u64;
        stream_summary.files_written += 1;
        stream_summary.files_after -= group.entries.len() as u64 - 1;
        stream_summary.records += group.records();
        stream_summary.bytes_replaced += group
            .entries
            .iter()
            .map(|entry| entry.file_size)
            .sum::<u64>();
    }
    if options.dry_run {
        summary.seconds = started.elapsed().as_secs_f64();
        return Ok(summary);
    }
    let storage = reader.storage().clone();
    remove_replaced(&storage, &leftovers)?;
    summary.finished_earlier = leftovers.len() as u64;

    let records_total: u64 = groups.iter().map(Group::records).sum();
    let mut records_done = 0;
    let mut pending: Vec<(CompactedFile, Vec<String>)> = Vec::new();
    let mut pending_bytes = 0;
    for group in &groups {
        let file = merge(&reader, group)?;
        records_done += file.count;
        pending_bytes += file.bytes.len();
        summary
            .streams
            .entry(group.stream)
            .or_default()
            .bytes_written += file.bytes.len() as u64;
        let replaced = group
            .entries
            .iter()
            .map(|entry| entry.path.clone())
            .collect();
        pending.push((file, replaced));
        if pending_bytes >= COMMIT_BYTES {
            commit_pending(writer, &mut pending, user, &mut summary)?;
            pending_bytes = 0;
        }
        on_progress(CompactProgress {
            records_done,
            records_total,
        });
    }
    if !pending.is_empty() {
        commit_pending(writer, &mut pending, user, &mut summary)?;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Commits the files waiting, with one audit record, then deletes the
/// files they replace.
fn commit_pending(
    writer: &mut StoreWriter,
    pending: &mut Vec<(CompactedFile, Vec<String>)>,
    user: &str,
    summary: &mut CompactionSummary,
) -> Result<(), CompactionError> {
    let mut files = Vec::with_capacity(pending.len());
    let mut replaced_paths = Vec::new();
    let mut per_stream: BTreeMap<Stream, (u64, u64, u64)> = BTreeMap::new();
    for (mut file, replaced) in pending.drain(..) {
        file.planned_on_entries = writer
            .head()
            .stream(file.stream)
            .map_or(0, |stream| stream.entries);
        let counts = per_stream.entry(file.stream).or_default();
        counts.0 += file.replaces;
        counts.1 += 1;
        counts.2 += file.count;
        replaced_paths.extend(replaced);
        files.push(file);
    }
    let segments: u64 = per_stream.values().map(|counts| counts.0).sum();
    let records: u64 = per_stream.values().map(|counts| counts.2).sum();
    let detail = serde_json::json!({
        "streams": per_stream
            .iter()
            .map(|(stream, (replaced, written, records))| {
                (stream.name().to_string(), serde_json::json!({
                    "segments": replaced,
                    "files": written,
                    "records": records,
                }))
            })
            .collect::<serde_json::Map<String, serde_json::Value>>(),
    });
    let event = AuditEvent {
        user: user.to_string(),
        command: COMPACT_COMMAND.to_string(),
        detail: Some(detail.to_string()),
        rows: Some(i64::try_from(records).unwrap_or(i64::MAX)),
        result: Some(format!(
            "merged {segments} segments into {} files ({records} records)",
            files.len()
        )),
    };
    writer.commit_compaction(vec![audit_record(event, Utc::now())], files)?;
    summary.commits += 1;
    if let Some(audit) = writer.head().stream(Stream::Audit) {
        summary.audit_seqs.push(audit.tree_size.saturating_sub(1));
    }
    let storage = writer.reader().storage().clone();
    remove_replaced(&storage, &replaced_paths)
}

/// Deletes replaced segment files, then the day folders they leave
/// empty: every commit lists a stream's folders to find what an
/// interrupted one left, and thousands of empty ones slow each down.
fn remove_replaced(storage: &Storage, paths: &[String]) -> Result<(), CompactionError> {
    let mut folders = BTreeSet::new();
    for path in paths {
        storage
            .remove(path)
            .map_err(io_error(&storage.path(path)))?;
        if let Some((folder, _)) = path.rsplit_once('/') {
            folders.insert(folder);
        }
    }
    for folder in folders {
        storage
            .remove_empty_dir(folder)
            .map_err(io_error(&storage.path(folder)))?;
    }
    Ok(())
}

/// The file of one group: every row of its segments (each file checked
/// against its line), sorted by time, then sequence number.
fn merge(reader: &StoreReader, group: &Group) -> Result<CompactedFile, CompactionError> {
    let first = &group.entries[0];
    let failed = |source: SegmentError| CompactionError::Segment {
        path: first.path.clone(),
        source,
    };
    let mut batches: Vec<RecordBatch> = Vec::new();
    // Nonces the key derives stay derived; random ones (format 2) are kept.
    let mut layout = SegmentLayout::DerivedNonce;
    for entry in &group.entries {
        let bytes = reader.segment_bytes(entry)?;
        let path = reader.path(&entry.path);
        let (canonical, stored) = batches_of(group.stream, &path, bytes, reader.nonce_key())?;
        if stored.is_some_and(|stored| stored != SegmentLayout::DerivedNonce) {
            layout = SegmentLayout::StoredNonce;
        }
        batches.extend(canonical);
    }
    let order = time_order(&batches).map_err(|error| failed(error.into()))?;
    let count = order.len() as u64;
    let expected = group.records();
    if count != expected {
        return Err(ReadError::Damaged {
            path: reader.path(&first.path),
            detail: format!("its segments hold {count} rows, their lines list {expected}"),
        }
        .into());
    }
    let sources: Vec<&RecordBatch> = batches.iter().collect();
    let kept: Vec<usize> = {
        let canonical = canonical_columns(group.stream);
        let stored = layout_columns(group.stream, layout);
        canonical
            .iter()
            .enumerate()
            .filter(|(_, column)| stored.contains(column))
            .map(|(index, _)| index)
            .collect()
    };
    let chunks = order.chunks(CHUNK_ROWS).map(|chunk| {
        let merged = interleave_record_batch(&sources, chunk)?;
        Ok(merged.project(&kept)?)
    });
    let (bytes, written) =
        encode_batches(group.stream, layout, order.len(), chunks).map_err(failed)?;
    let min_time = group.entries.iter().map(|entry| entry.min_time).min();
    let max_time = group.entries.iter().map(|entry| entry.max_time).max();
    Ok(CompactedFile {
        stream: group.stream,
        first_seq: first.first_seq,
        count,
        replaces: group.entries.len() as u64,
        min_time: min_time.unwrap_or(first.min_time),
        max_time: max_time.unwrap_or(first.max_time),
        bytes,
        written,
        planned_on_entries: 0,
    })
}

/// Every row of `batches` as (batch, row), sorted by `time`, then `seq`.
fn time_order(batches: &[RecordBatch]) -> Result<Vec<(usize, usize)>, ArrowError> {
    let mut keyed: Vec<(i64, u64, usize, usize)> = Vec::new();
    for (number, batch) in batches.iter().enumerate() {
        let seqs = batch
            .column(0)
            .as_primitive_opt::<UInt64Type>()
            .ok_or_else(|| ArrowError::SchemaError("the first column is not `seq`".into()))?;
        let times = batch
            .column(1)
            .as_primitive_opt::<TimestampMicrosecondType>()
            .ok_or_else(|| ArrowError::SchemaError("the second column is not `time`".into()))?;
        for row in 0..batch.num_rows() {
            keyed.push((times.value(row), seqs.value(row), number, row));
        }
    }
    keyed.sort_unstable();
    Ok(keyed
        .into_iter()
        .map(|(_, _, number, row)| (number, row))
        .collect())
}
