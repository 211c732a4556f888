//! The leaf hashes of a stream, for building proofs: read column-only from
//! a format-2 segment that stores them, computed from the canonical
//! columns of one that does not. They are not trusted: a proof built from
//! a changed hash does not lead to the signed root, so a checker catches it.

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use vakt_schemas::arrow::canonical_batch;
use vakt_schemas::leaf::batch_leaf_hashes;
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::merkle::Hash;
use vakt_schemas::table::SegmentLayout;
use vakt_schemas::{Stream, layout};

use crate::reader::{ReadError, StoreReader, pruned_leaves};

impl StoreReader {
    /// The first `size` stored leaf hashes of `stream`, in sequence order.
    pub fn leaf_hashes(&self, stream: Stream, size: u64) -> Result<Vec<Hash>, ReadError> {
        self.leaf_hashes_between(stream, 0, size)
    }

    /// The stored leaf hashes of `stream` from sequence number `from` up to
    /// (not including) `to`, reading only the segments that hold them.
    pub fn leaf_hashes_between(
        &self,
        stream: Stream,
        from: u64,
        to: u64,
    ) -> Result<Vec<Hash>, ReadError> {
        let size = to.saturating_sub(from);
        let mut skipped = 0u64;
        let mut hashes = Vec::with_capacity(size as usize);
        let manifest_path = self.path(&layout::manifest(stream));
        let pruned = self.pruned()?;
        for entry in self.live_entries(stream)? {
            if hashes.len() as u64 >= size + from.saturating_sub(skipped) {
                break;
            }
            if entry.end_seq() <= from {
                skipped = entry.end_seq();
                continue;
            }
            if let Some(pruned) = pruned.get(&entry.path) {
                hashes.extend(pruned_leaves(self.storage(), pruned)?);
                continue;
            }
            hashes.extend(self.segment_leaves(stream, &entry)?);
        }
        // The first segment read may begin before `from`.
        let lead = from.saturating_sub(skipped) as usize;
        hashes.drain(..lead.min(hashes.len()));
        hashes.truncate(size as usize);
        if (hashes.len() as u64) < size {
            return Err(ReadError::Damaged {
                path: manifest_path,
                detail: format!("{} leaf hashes where {size} are needed", hashes.len()),
            });
        }
        Ok(hashes)
    }

    /// The leaf hashes of one segment file's records, in sequence order
    /// (a compacted file keeps its rows in time order, with their `seq`).
    fn segment_leaves(
        &self,
        stream: Stream,
        entry: &ManifestEntry,
    ) -> Result<Vec<Hash>, ReadError> {
        let path = self.path(&entry.path);
        let damaged = |detail: String| ReadError::Damaged {
            path: path.clone(),
            detail,
        };
        let file = bytes::Bytes::from(self.storage().read(&entry.path).map_err(|source| {
            ReadError::Io {
                path: path.clone(),
                source,
            }
        })?);
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|error| damaged(format!("not a readable Parquet file: {error}")))?;
        let stores_leaves =
            SegmentLayout::of_schema(stream, builder.schema()) == Some(SegmentLayout::WithLeafHash);
        let builder = if stores_leaves {
            let leaf_column = builder.schema().fields().len() - 1;
            let mask = ProjectionMask::roots(builder.parquet_schema(), [0, leaf_column]);
            builder.with_projection(mask)
        } else {
            builder
        };
        let reader = builder
            .build()
            .map_err(|error| damaged(error.to_string()))?;
        let mut placed: Vec<Option<Hash>> = vec![None; entry.count as usize];
        for batch in reader {
            let batch = batch.map_err(|error| damaged(error.to_string()))?;
            let (seqs, leaves) = if stores_leaves {
                let stored = batch.column(1).as_fixed_size_binary();
                let leaves: Vec<Hash> = (0..batch.num_rows())
                    .map(|row| {
                        stored
                            .value(row)
                            .try_into()
                            .map_err(|_| damaged("a leaf hash is not 32 bytes".into()))
                    })
                    .collect::<Result<_, _>>()?;
                (batch.column(0).clone(), leaves)
            } else {
                let canonical = canonical_batch(stream, &batch, self.nonce_key())
                    .map_err(|error| damaged(error.to_string()))?;
                let leaves = batch_leaf_hashes(stream, &canonical.batch)
                    .map_err(|error| damaged(error.to_string()))?
                    .into_iter()
                    .collect::<Result<Vec<Hash>, _>>()
                    .map_err(|error| damaged(error.to_string()))?;
                (canonical.batch.column(0).clone(), leaves)
            };
            let seqs = seqs
                .as_primitive_opt::<UInt64Type>()
                .ok_or_else(|| damaged("its first column is not `seq`".into()))?;
            for (row, hash) in leaves.into_iter().enumerate() {
                let slot = seqs
                    .value(row)
                    .checked_sub(entry.first_seq)
                    .and_then(|offset| placed.get_mut(offset as usize))
                    .ok_or_else(|| {
                        damaged(format!(
                            "record {} lies outside its manifest line's {}..{}",
                            seqs.value(row),
                            entry.first_seq,
                            entry.end_seq()
                        ))
                    })?;
                *slot = Some(hash);
            }
        }
        placed
            .into_iter()
            .enumerate()
            .map(|(offset, hash)| {
                hash.ok_or_else(|| {
                    damaged(format!(
                        "record {} is missing",
                        entry.first_seq + offset as u64
                    ))
                })
            })
            .collect()
    }
}
