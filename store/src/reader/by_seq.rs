//! Records read by sequence number (search hits, spot-check draws,
//! evidence bundles): only the segments that hold them, and in each only
//! the regions their rows are in, each checked on first use.

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection, RowSelector,
};
use parquet::file::metadata::PageIndexPolicy;
use vakt_schemas::arrow::{StoredRow, batch_to_rows};
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::{Record, Stream, layout};

use super::{ReadError, StoreReader};
use crate::checked_bytes::{CheckedBytes, OpenError};

impl StoreReader {
    /// The committed records of `stream` with the sequence numbers `seqs`,
    /// in sequence order. Only the segments holding them are read (found by
    /// the manifest's `first_seq` and `count`), and in each only the pages
    /// of those rows. A number the store does not hold is an error.
    pub fn records_at(&self, stream: Stream, seqs: &[u64]) -> Result<Vec<Record>, ReadError> {
        let mut wanted = seqs.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let manifest_path = self.path(&layout::manifest(stream));
        let pruned = self.pruned()?;
        let mut records = Vec::with_capacity(wanted.len());
        let mut rest: &[u64] = &wanted;
        for entry in self.live_entries(stream)? {
            if rest.is_empty() {
                break;
            }
            if rest[0] < entry.first_seq {
                // Before this segment and not in the ones before it.
                break;
            }
            let inside = rest.partition_point(|seq| *seq < entry.end_seq());
            let in_segment = &rest[..inside];
            rest = &rest[inside..];
            if in_segment.is_empty() {
                continue;
            }
            if pruned.contains_key(&entry.path) {
                return Err(ReadError::Pruned {
                    stream,
                    seq: in_segment[0],
                });
            }
            // Only the parts these rows are in are checked (a compacted
            // file holds up to a million records).
            let path = self.path(&entry.path);
            let file = CheckedBytes::open(&self.storage, &entry).map_err(|error| match error {
                OpenError::Io(source) => ReadError::Io { path, source },
                OpenError::Tampered(detail) => ReadError::Tampered { path, detail },
            })?;
            let offsets: Vec<usize> = if entry.is_compaction() {
                self.positions_of(&entry, file.clone(), in_segment)?
            } else {
                in_segment
                    .iter()
                    .map(|seq| (seq - entry.first_seq) as usize)
                    .collect()
            };
            let rows = self.read_segment_rows_at(stream, &entry, file, &offsets)?;
            let mut found = self.rows_to_records(stream, &entry.path, rows)?;
            found.sort_by_key(|record| record.envelope.seq);
            let found_seqs: Vec<u64> = found.iter().map(|record| record.envelope.seq).collect();
            if found_seqs != in_segment {
                return Err(ReadError::Damaged {
                    path: self.path(&entry.path),
                    detail: format!(
                        "rows at offsets {offsets:?} hold sequence numbers {found_seqs:?}, \
                         the manifest says {in_segment:?}"
                    ),
                });
            }
            records.extend(found);
        }
        if let Some(missing) = rest.first() {
            return Err(ReadError::Damaged {
                path: manifest_path,
                detail: format!("no committed segment holds {stream} record {missing}"),
            });
        }
        Ok(records)
    }

    /// Where in a compacted file (kept in time order) the records `seqs`
    /// (ascending) are: their row positions, ascending. Only the `seq`
    /// column is read.
    fn positions_of(
        &self,
        entry: &ManifestEntry,
        file: CheckedBytes,
        seqs: &[u64],
    ) -> Result<Vec<usize>, ReadError> {
        let path = self.path(&entry.path);
        let damaged = |detail: String| ReadError::Damaged {
            path: path.clone(),
            detail,
        };
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|error| damaged(format!("not a readable Parquet file: {error}")))?;
        let mask = ProjectionMask::roots(builder.parquet_schema(), [0]);
        let reader = builder
            .with_projection(mask)
            .build()
            .map_err(|error| damaged(format!("not a readable Parquet file: {error}")))?;
        let mut positions = Vec::with_capacity(seqs.len());
        let mut position = 0usize;
        for batch in reader {
            let batch = batch.map_err(|error| damaged(format!("unreadable row group: {error}")))?;
            let column = batch
                .column(0)
                .as_primitive_opt::<UInt64Type>()
                .ok_or_else(|| damaged("its first column is not `seq`".into()))?;
            for seq in column.values() {
                if seqs.binary_search(seq).is_ok() {
                    positions.push(position);
                }
                position += 1;
            }
        }
        Ok(positions)
    }

    /// The rows at `offsets` (0-based, ascending) of one segment.
    fn read_segment_rows_at(
        &self,
        stream: Stream,
        entry: &ManifestEntry,
        file: CheckedBytes,
        offsets: &[usize],
    ) -> Result<Vec<StoredRow>, ReadError> {
        let path = self.path(&entry.path);
        let damaged = |detail: String| ReadError::Damaged {
            path: path.clone(),
            detail,
        };
        // The offset index lets the reader skip the pages of rows not asked for.
        let options = ArrowReaderOptions::new().with_offset_index_policy(PageIndexPolicy::Optional);
        let builder = ParquetRecordBatchReaderBuilder::try_new_with_options(file, options)
            .map_err(|error| damaged(format!("not a readable Parquet file: {error}")))?;
        let mut groups = Vec::new();
        let mut selectors = Vec::new();
        let mut start = 0usize;
        let mut next = 0usize;
        for (group, metadata) in builder.metadata().row_groups().iter().enumerate() {
            let end = start + usize::try_from(metadata.num_rows()).unwrap_or(0);
            let mut position = start;
            while next < offsets.len() && offsets[next] < end {
                if groups.last() != Some(&group) {
                    groups.push(group);
                }
                let offset = offsets[next].max(position);
                if offset > position {
                    selectors.push(RowSelector::skip(offset - position));
                }
                selectors.push(RowSelector::select(1));
                position = offset + 1;
                next += 1;
            }
            if groups.last() == Some(&group) && end > position {
                selectors.push(RowSelector::skip(end - position));
            }
            start = end;
        }
        if next < offsets.len() {
            return Err(damaged(format!(
                "{start} rows, but row {} was asked for",
                offsets[next]
            )));
        }
        let reader = builder
            .with_row_groups(groups)
            .with_row_selection(RowSelection::from(selectors))
            .with_batch_size(offsets.len().clamp(1, 8192))
            .build()
            .map_err(|error| damaged(format!("not a readable Parquet file: {error}")))?;
        let mut rows = Vec::with_capacity(offsets.len());
        for batch in reader {
            let batch = batch.map_err(|error| damaged(format!("unreadable row group: {error}")))?;
            rows.extend(
                batch_to_rows(stream, &batch, self.nonce_key())
                    .map_err(|error| damaged(error.to_string()))?,
            );
        }
        Ok(rows)
    }
}
