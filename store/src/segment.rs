//! One Parquet segment: writing it (one stream, one UTC day, rows in
//! sequence order, zstd, row groups of 128Ki rows, statistics on every
//! column), and reading it back: its bytes checked against the manifest,
//! its rows, or the leaf hashes a prune kept in its place.

use std::path::Path;

use bytes::Bytes;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use sha2::{Digest, Sha256};
use vakt_schemas::Record;
use vakt_schemas::Stream;
use vakt_schemas::arrow::records_to_batch;
use vakt_schemas::arrow::{StoredRow, batch_to_rows};
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::merkle::Hash;
use vakt_schemas::prune::{PrunedSegment, leaves_path};
use vakt_schemas::table::arrow_schema;

use crate::reader::ReadError;
use crate::storage::Storage;

/// Rows per Parquet row group.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;
/// Rows converted to Arrow at a time.
const BATCH_ROWS: usize = 16 * 1024;

/// A segment could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("{0}")]
    Batch(#[from] vakt_schemas::arrow::BatchError),
}

/// The file a segment became.
#[derive(Debug, Clone)]
pub struct WrittenSegment {
    pub sha256: String,
    pub size: u64,
}

fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_created_by(format!("vakt {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// The Parquet file of `records` (all of `stream`, in sequence order)
/// with their leaf hashes, and its digest and size.
pub fn encode_segment(
    stream: Stream,
    records: &[Record],
    leaf_hashes: &[Hash],
) -> Result<(Vec<u8>, WrittenSegment), SegmentError> {
    let mut writer = ArrowWriter::try_new(
        Vec::with_capacity(records.len() * 128),
        arrow_schema(stream),
        Some(writer_properties()),
    )?;
    for (chunk, hashes) in records
        .chunks(BATCH_ROWS)
        .zip(leaf_hashes.chunks(BATCH_ROWS))
    {
        writer.write(&records_to_batch(stream, chunk, hashes)?)?;
    }
    let bytes = writer.into_inner()?;
    let written = WrittenSegment {
        sha256: hex::encode(Sha256::digest(&bytes)),
        size: bytes.len() as u64,
    };
    Ok((bytes, written))
}

/// The leaf hashes kept for a pruned segment, checked against its line.
pub(crate) fn pruned_leaves(
    storage: &Storage,
    pruned: &PrunedSegment,
) -> Result<Vec<[u8; 32]>, ReadError> {
    let relative = leaves_path(&pruned.path);
    let path = storage.path(&relative);
    let bytes = storage.read(&relative).map_err(|source| ReadError::Io {
        path: path.clone(),
        source,
    })?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    if sha256 != pruned.leaves_sha256 || bytes.len() as u64 != pruned.count * 32 {
        return Err(ReadError::Tampered {
            path,
            detail: format!(
                "{} bytes with SHA-256 {sha256}; pruned.jsonl lists {} hashes, {}",
                bytes.len(),
                pruned.count,
                pruned.leaves_sha256
            ),
        });
    }
    Ok(bytes
        .chunks_exact(32)
        .filter_map(|chunk| <[u8; 32]>::try_from(chunk).ok())
        .collect())
}

/// Whether `bytes` are the segment file `entry` lists: `Err` says how they differ.
pub(crate) fn check_segment_bytes(entry: &ManifestEntry, bytes: &[u8]) -> Result<(), String> {
    let size = bytes.len() as u64;
    let sha256 = hex::encode(Sha256::digest(bytes));
    if size == entry.file_size && sha256 == entry.file_sha256 {
        return Ok(());
    }
    Err(format!(
        "{size} bytes with SHA-256 {sha256}; listed: {} bytes, {}",
        entry.file_size, entry.file_sha256
    ))
}

/// The rows of a segment's bytes.
pub(crate) fn rows_of(
    stream: Stream,
    path: &Path,
    bytes: Bytes,
) -> Result<Vec<StoredRow>, ReadError> {
    let damaged = |detail: String| ReadError::Damaged {
        path: path.to_path_buf(),
        detail,
    };
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .and_then(|builder| builder.with_batch_size(8192).build())
        .map_err(|error| damaged(format!("not a readable Parquet file: {error}")))?;
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|error| damaged(format!("unreadable row group: {error}")))?;
        rows.extend(batch_to_rows(stream, &batch).map_err(|error| damaged(error.to_string()))?);
    }
    Ok(rows)
}
