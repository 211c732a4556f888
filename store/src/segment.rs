//! One Parquet segment: writing it (one stream, one UTC day, rows in
//! sequence order, zstd, row groups of 128Ki rows, statistics on every
//! column, `seq` and the times delta-encoded), and reading it back: its
//! bytes checked against the manifest, its rows in canonical columns
//! whatever its layout, or the leaf hashes a prune kept in its place.

use std::path::Path;

use arrow_array::RecordBatch;
use bytes::Bytes;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::{KeyValue, ParquetMetaDataReader};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use sha2::{Digest, Sha256};
use vakt_schemas::Record;
use vakt_schemas::Stream;
use vakt_schemas::arrow::{StoredRow, batch_to_rows, canonical_batch, records_to_batch};
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::nonce::NonceKey;
use vakt_schemas::prune::{PrunedSegment, leaves_path};
use vakt_schemas::regions::{self, Region};
use vakt_schemas::table::{SegmentLayout, layout_schema};

use crate::reader::ReadError;
use crate::storage::Storage;

/// Rows per Parquet row group.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;
/// Rows converted to Arrow at a time.
const BATCH_ROWS: usize = 16 * 1024;
/// A Parquet file ends in the metadata's length (4 bytes) and `PAR1`.
const FOOTER_SIZE: usize = 8;

/// A segment could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("{0}")]
    Batch(#[from] vakt_schemas::arrow::BatchError),
    #[error("arrow: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
}

/// The file a segment became.
#[derive(Debug, Clone)]
pub struct WrittenSegment {
    pub sha256: String,
    pub size: u64,
    /// Where its tail begins, and the tail's SHA-256 (`vakt_schemas::regions`).
    pub tail_offset: u64,
    pub tail_sha256: String,
}

/// Columns whose values grow steadily from row to row: delta-encoded, so
/// that a million sequence numbers take a few bytes, not 8 MB.
const DELTA_COLUMNS: [&str; 3] = ["seq", "time", "ingest_time"];

fn writer_properties() -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_created_by(format!("vakt {}", env!("CARGO_PKG_VERSION")));
    for column in DELTA_COLUMNS {
        let path = ColumnPath::from(column);
        builder = builder
            .set_column_dictionary_enabled(path.clone(), false)
            .set_column_encoding(path, Encoding::DELTA_BINARY_PACKED);
    }
    builder.build()
}

/// The Parquet file of `records` (all of `stream`, in sequence order) in
/// `layout`, and its digest, size and tail. Its footer lists the file's
/// regions (split where each column chunk begins) with their SHA-256, so
/// that readers can check what they read without hashing the whole file
/// (FORMAT.md §5).
pub fn encode_segment(
    stream: Stream,
    records: &[Record],
    layout: SegmentLayout,
) -> Result<(Vec<u8>, WrittenSegment), SegmentError> {
    let batches = records
        .chunks(BATCH_ROWS)
        .map(|chunk| Ok(records_to_batch(stream, chunk, layout)?));
    encode_batches(stream, layout, records.len(), batches)
}

/// The Parquet segment of `batches` (rows of `stream` in `layout`, in the
/// order the file is to keep them; `rows` of them, for the buffer's size),
/// and its digest, size and tail, as [`encode_segment`] writes it.
pub fn encode_batches(
    stream: Stream,
    layout: SegmentLayout,
    rows: usize,
    batches: impl Iterator<Item = Result<RecordBatch, SegmentError>>,
) -> Result<(Vec<u8>, WrittenSegment), SegmentError> {
    let mut writer = ArrowWriter::try_new(
        Vec::with_capacity(rows * 128),
        layout_schema(stream, layout),
        Some(writer_properties()),
    )?;
    for batch in batches {
        writer.write(&batch?)?;
    }
    // Every row group written out (and out of the writer's buffer), so the
    // bytes so far are the regions and what follows is the tail.
    writer.flush()?;
    writer.sync().map_err(parquet::errors::ParquetError::from)?;
    let tail_offset = writer.inner().len() as u64;
    let starts: Vec<u64> = writer
        .flushed_row_groups()
        .iter()
        .flat_map(|group| group.columns().iter().map(|column| column.byte_range().0))
        .collect();
    let regions = regions::split(writer.inner(), &starts, tail_offset);
    writer.append_key_value_metadata(KeyValue::new(
        regions::REGIONS_KEY.to_string(),
        regions::to_json(&regions),
    ));
    let bytes = writer.into_inner()?;
    let written = WrittenSegment {
        sha256: hex::encode(Sha256::digest(&bytes)),
        size: bytes.len() as u64,
        tail_offset,
        tail_sha256: hex::encode(Sha256::digest(&bytes[tail_offset as usize..])),
    };
    Ok((bytes, written))
}

/// The record batches of a segment's bytes (already checked), in file
/// order, in the canonical columns of `stream` (`nonce_key` derives the
/// nonces a file does not store), with the layout the file has.
pub(crate) fn batches_of(
    stream: Stream,
    path: &Path,
    bytes: Bytes,
    nonce_key: Option<&NonceKey>,
) -> Result<(Vec<RecordBatch>, Option<SegmentLayout>), ReadError> {
    let damaged = |detail: String| ReadError::Damaged {
        path: path.to_path_buf(),
        detail,
    };
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .and_then(|builder| builder.with_batch_size(BATCH_ROWS).build())
        .map_err(|error| damaged(format!("not a readable Parquet file: {error}")))?;
    let mut batches = Vec::new();
    let mut layout = None;
    for batch in reader {
        let batch = batch.map_err(|error| damaged(format!("unreadable row group: {error}")))?;
        let canonical = canonical_batch(stream, &batch, nonce_key)
            .map_err(|error| damaged(error.to_string()))?;
        layout = Some(canonical.layout);
        batches.push(canonical.batch);
    }
    Ok((batches, layout))
}

/// The regions a segment's tail lists (`tail` is the bytes from
/// `tail_offset` to the end of the file, already checked against the
/// manifest line): `Err` says why it lists none that tile the file.
pub fn regions_of_tail(tail: &[u8], tail_offset: u64) -> Result<Vec<Region>, String> {
    let footer = tail
        .len()
        .checked_sub(FOOTER_SIZE)
        .map(|at| &tail[at..])
        .ok_or_else(|| format!("a tail of {} bytes holds no Parquet footer", tail.len()))?;
    let metadata_length = footer
        .get(..4)
        .and_then(|length| <[u8; 4]>::try_from(length).ok())
        .map(|length| u32::from_le_bytes(length) as usize)
        .filter(|_| &footer[4..] == b"PAR1")
        .ok_or("the tail does not end in a Parquet footer")?;
    let metadata_start = (tail.len() - FOOTER_SIZE)
        .checked_sub(metadata_length)
        .ok_or("the footer's metadata is longer than the tail")?;
    let metadata =
        ParquetMetaDataReader::decode_metadata(&tail[metadata_start..tail.len() - FOOTER_SIZE])
            .map_err(|error| format!("the footer does not decode: {error}"))?;
    let table = metadata
        .file_metadata()
        .key_value_metadata()
        .and_then(|pairs| pairs.iter().find(|pair| pair.key == regions::REGIONS_KEY))
        .and_then(|pair| pair.value.as_deref())
        .ok_or_else(|| format!("the footer has no {}", regions::REGIONS_KEY))?;
    regions::from_json(table, tail_offset).map_err(|error| error.to_string())
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

/// Whether the tail and regions `entry` and the file's footer name are
/// those of `bytes` (the whole file): `Err` says how they differ. A line
/// without a tail has nothing to check.
pub(crate) fn check_regions(entry: &ManifestEntry, bytes: &[u8]) -> Result<(), String> {
    let (tail_offset, tail_sha256) = match (entry.tail_offset, &entry.tail_sha256) {
        (None, None) => return Ok(()),
        (Some(offset), Some(sha256)) => (offset, sha256),
        _ => {
            return Err("the line has one of tail_offset and tail_sha256 without the other".into());
        }
    };
    let tail = usize::try_from(tail_offset)
        .ok()
        .and_then(|offset| bytes.get(offset..))
        .ok_or_else(|| {
            format!(
                "tail_offset {tail_offset} lies past the file's {} bytes",
                bytes.len()
            )
        })?;
    let found = hex::encode(Sha256::digest(tail));
    if &found != tail_sha256 {
        return Err(format!(
            "the tail (bytes {tail_offset}..{}) has SHA-256 {found}; listed: {tail_sha256}",
            bytes.len()
        ));
    }
    for region in regions_of_tail(tail, tail_offset)? {
        let part = &bytes[region.range.start as usize..region.range.end as usize];
        let found: [u8; 32] = Sha256::digest(part).into();
        if found != region.sha256 {
            return Err(format!(
                "bytes {}..{} have SHA-256 {}; the footer lists {}",
                region.range.start,
                region.range.end,
                hex::encode(found),
                hex::encode(region.sha256)
            ));
        }
    }
    Ok(())
}

/// A reader of a segment's record batches, in file order.
pub(crate) fn batch_reader(
    path: &Path,
    bytes: Bytes,
) -> Result<parquet::arrow::arrow_reader::ParquetRecordBatchReader, ReadError> {
    ParquetRecordBatchReaderBuilder::try_new(bytes)
        .and_then(|builder| builder.with_batch_size(8192).build())
        .map_err(|error| ReadError::Damaged {
            path: path.to_path_buf(),
            detail: format!("not a readable Parquet file: {error}"),
        })
}

/// The rows of a segment's bytes, in canonical cells.
pub(crate) fn rows_of(
    stream: Stream,
    path: &Path,
    bytes: Bytes,
    nonce_key: Option<&NonceKey>,
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
        rows.extend(
            batch_to_rows(stream, &batch, nonce_key).map_err(|error| damaged(error.to_string()))?,
        );
    }
    Ok(rows)
}
