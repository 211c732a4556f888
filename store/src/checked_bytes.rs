//! A segment file's bytes for the Parquet reader, each part checked
//! against the manifest before it is handed out: the tail (footer and page
//! indexes) against the line's `tail_sha256` when the file is opened, each
//! region (a column chunk) against the footer's table the first time a
//! read touches it (FORMAT.md §5, "Regions"). A reader that wants a few
//! rows of a compacted file of a million records hashes the footer and the
//! chunks those rows are in, not the whole file. A file without a tail is
//! checked whole.

use std::ops::Range;
use std::sync::{Arc, Mutex};

use bytes::{Buf, Bytes};
use parquet::errors::ParquetError;
use parquet::file::reader::{ChunkReader, Length};
use sha2::{Digest, Sha256};
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::regions::{Region, touched};

use crate::segment::{check_segment_bytes, regions_of_tail};

/// A segment's bytes whose parts are checked as they are read.
#[derive(Clone)]
pub(crate) struct CheckedBytes {
    bytes: Bytes,
    tail_offset: u64,
    regions: Arc<Vec<Region>>,
    /// Which regions were found to be the manifest's.
    checked: Arc<Mutex<Vec<bool>>>,
}

impl CheckedBytes {
    /// The file's `bytes`, as read, for the segment `entry` lists: its tail
    /// (or, without one, the whole file) is checked now; `Err` says how it
    /// differs from the manifest's.
    pub(crate) fn new(entry: &ManifestEntry, bytes: Bytes) -> Result<CheckedBytes, String> {
        let (Some(tail_offset), Some(tail_sha256)) = (entry.tail_offset, &entry.tail_sha256) else {
            check_segment_bytes(entry, &bytes)?;
            let size = bytes.len() as u64;
            return Ok(CheckedBytes {
                bytes,
                tail_offset: size,
                regions: Arc::default(),
                checked: Arc::default(),
            });
        };
        if bytes.len() as u64 != entry.file_size {
            return Err(format!(
                "{} bytes; listed: {}",
                bytes.len(),
                entry.file_size
            ));
        }
        let tail = bytes
            .get(tail_offset as usize..)
            .ok_or_else(|| format!("tail_offset {tail_offset} lies past the file's end"))?;
        let found = hex::encode(Sha256::digest(tail));
        if &found != tail_sha256 {
            return Err(format!(
                "the tail (bytes {tail_offset}..) has SHA-256 {found}; listed: {tail_sha256}"
            ));
        }
        let regions = regions_of_tail(tail, tail_offset)?;
        let checked = vec![false; regions.len()];
        Ok(CheckedBytes {
            bytes,
            tail_offset,
            regions: Arc::new(regions),
            checked: Arc::new(Mutex::new(checked)),
        })
    }

    /// Checks every region `range` touches that was not checked yet.
    fn check(&self, range: Range<u64>) -> Result<(), ParquetError> {
        if range.start >= self.tail_offset {
            return Ok(());
        }
        let mut checked = self
            .checked
            .lock()
            .map_err(|_| ParquetError::General("a reader of this file panicked".into()))?;
        for index in touched(&self.regions, &range) {
            if checked[index] {
                continue;
            }
            let region = &self.regions[index];
            let part = &self.bytes[region.range.start as usize..region.range.end as usize];
            let found: [u8; 32] = Sha256::digest(part).into();
            if found != region.sha256 {
                return Err(ParquetError::General(format!(
                    "bytes {}..{} have SHA-256 {}; the footer lists {}: the file was changed",
                    region.range.start,
                    region.range.end,
                    hex::encode(found),
                    hex::encode(region.sha256)
                )));
            }
            checked[index] = true;
        }
        Ok(())
    }
}

impl Length for CheckedBytes {
    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }
}

impl ChunkReader for CheckedBytes {
    type T = bytes::buf::Reader<Bytes>;

    /// A reader from `start` to the end of the part it lies in (the
    /// Parquet reader reads a page header this way): never past bytes that
    /// were checked.
    fn get_read(&self, start: u64) -> Result<Self::T, ParquetError> {
        let size = self.bytes.len() as u64;
        let end = if start >= self.tail_offset {
            size
        } else {
            touched(&self.regions, &(start..start + 1))
                .next()
                .map_or(size, |index| self.regions[index].range.end)
        };
        if start > end {
            return Err(ParquetError::EOF(format!(
                "byte {start} lies past the file's {size} bytes"
            )));
        }
        self.check(start..end)?;
        Ok(self.bytes.slice(start as usize..end as usize).reader())
    }

    fn get_bytes(&self, start: u64, length: usize) -> Result<Bytes, ParquetError> {
        let end = start.saturating_add(length as u64);
        if end > self.bytes.len() as u64 {
            return Err(ParquetError::EOF(format!(
                "bytes {start}..{end} lie past the file's {} bytes",
                self.bytes.len()
            )));
        }
        self.check(start..end)?;
        Ok(self.bytes.slice(start as usize..end as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use parquet::arrow::ProjectionMask;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use vakt_schemas::record::{Envelope, Record};
    use vakt_schemas::{Event, SessionEvent, Stream};

    use crate::segment::encode_segment;

    /// A segment of 40 logins and the manifest line that lists it.
    fn segment() -> (Vec<u8>, ManifestEntry) {
        let time = DateTime::from_timestamp(1_772_400_000, 0).unwrap();
        let records: Vec<Record> = (0..40)
            .map(|seq| Record {
                envelope: Envelope {
                    seq,
                    time,
                    ingest_time: time,
                    source: "s".into(),
                    raw: format!("Accepted publickey for user{seq}"),
                    nonce: [seq as u8; 16],
                },
                event: Event::Sessions(SessionEvent {
                    server: "ts1".into(),
                    user: Some(format!("user{seq}")),
                    protocol: "ssh".into(),
                    action: "login".into(),
                    ..SessionEvent::default()
                }),
            })
            .collect();
        let hashes: Vec<_> = records.iter().map(|r| r.leaf_hash().unwrap()).collect();
        let (bytes, written) = encode_segment(Stream::Sessions, &records, &hashes).unwrap();
        let entry = ManifestEntry {
            index: 0,
            prev: String::new(),
            txn: 1,
            path: "sessions/day=2026-03-01/0000000001-000000000000.parquet".into(),
            day: time.date_naive(),
            first_seq: 0,
            count: 40,
            replaces: None,
            min_time: time,
            max_time: time,
            ingest_time: time,
            file_sha256: written.sha256,
            file_size: written.size,
            tail_offset: Some(written.tail_offset),
            tail_sha256: Some(written.tail_sha256),
            tree_size: 40,
            root: String::new(),
            frontier: Vec::new(),
        };
        (bytes, entry)
    }

    /// The values of one column, read through the checks.
    fn column(file: CheckedBytes, index: usize) -> Result<usize, ParquetError> {
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
        let mask = ProjectionMask::roots(builder.parquet_schema(), [index]);
        let mut rows = 0;
        for batch in builder.with_projection(mask).build()? {
            rows += batch?.num_rows();
        }
        Ok(rows)
    }

    #[test]
    fn reads_check_only_what_they_touch_and_refuse_a_changed_part() {
        let (bytes, entry) = segment();
        let file = CheckedBytes::new(&entry, Bytes::from(bytes.clone())).unwrap();
        assert_eq!(column(file.clone(), 0).unwrap(), 40);
        assert_eq!(column(file, 4).unwrap(), 40);

        // A byte of the `raw` column's chunk (column 4) changed.
        let metadata = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(bytes.clone()))
            .unwrap()
            .metadata()
            .clone();
        let (start, length) = metadata.row_group(0).column(4).byte_range();
        let mut changed = bytes.clone();
        changed[(start + length / 2) as usize] ^= 1;
        let file = CheckedBytes::new(&entry, Bytes::from(changed)).unwrap();
        // `seq` reads, never touching the changed part; `raw` is refused.
        assert_eq!(column(file.clone(), 0).unwrap(), 40);
        let error = column(file, 4).unwrap_err().to_string();
        assert!(error.contains("the file was changed"), "{error}");
    }

    #[test]
    fn a_changed_tail_or_size_is_refused_at_once() {
        let (bytes, entry) = segment();
        let mut changed = bytes.clone();
        let last = changed.len() - 20;
        changed[last] ^= 1;
        assert!(CheckedBytes::new(&entry, Bytes::from(changed)).is_err());
        let mut longer = bytes;
        longer.push(0);
        assert!(CheckedBytes::new(&entry, Bytes::from(longer)).is_err());
    }
}
