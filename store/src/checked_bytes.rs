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

use bytes::{Buf, Bytes, BytesMut};
use parquet::errors::ParquetError;
use parquet::file::reader::{ChunkReader, Length};
use sha2::{Digest, Sha256};
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::regions::{Region, touched};

use crate::segment::{check_segment_bytes, regions_of_tail};
use crate::storage::Storage;

/// A segment file whose parts are read and checked as the Parquet reader
/// asks for them.
#[derive(Clone)]
pub(crate) struct CheckedBytes {
    size: u64,
    parts: Parts,
}

#[derive(Clone)]
enum Parts {
    /// A file without regions, read and checked whole.
    Whole(Bytes),
    /// A file with regions: its tail, checked when opened, and each region
    /// read from storage and checked the first time it is touched.
    Regions {
        storage: Storage,
        relative: String,
        tail_offset: u64,
        tail: Bytes,
        regions: Arc<Vec<Region>>,
        loaded: Arc<Mutex<Vec<Option<Bytes>>>>,
    },
}

/// A read of a segment that was refused or failed: `Tampered` when the
/// file is not the one the manifest lists.
#[derive(Debug)]
pub(crate) enum OpenError {
    Io(std::io::Error),
    Tampered(String),
}

impl CheckedBytes {
    /// Opens the segment `entry` lists: its tail (or, without one, the
    /// whole file) is read and checked now, the rest when it is read.
    pub(crate) fn open(
        storage: &Storage,
        entry: &ManifestEntry,
    ) -> Result<CheckedBytes, OpenError> {
        let (Some(tail_offset), Some(tail_sha256)) = (entry.tail_offset, &entry.tail_sha256) else {
            let bytes = Bytes::from(storage.read(&entry.path).map_err(OpenError::Io)?);
            check_segment_bytes(entry, &bytes).map_err(OpenError::Tampered)?;
            return Ok(CheckedBytes {
                size: bytes.len() as u64,
                parts: Parts::Whole(bytes),
            });
        };
        let size = storage.len(&entry.path).map_err(OpenError::Io)?;
        if size != entry.file_size || tail_offset > size {
            return Err(OpenError::Tampered(format!(
                "{size} bytes; listed: {}",
                entry.file_size
            )));
        }
        let tail = Bytes::from(
            storage
                .read_range(&entry.path, tail_offset..size)
                .map_err(OpenError::Io)?,
        );
        let found = hex::encode(Sha256::digest(&tail));
        if &found != tail_sha256 {
            return Err(OpenError::Tampered(format!(
                "the tail (bytes {tail_offset}..{size}) has SHA-256 {found}; listed: {tail_sha256}"
            )));
        }
        let regions = regions_of_tail(&tail, tail_offset).map_err(OpenError::Tampered)?;
        let loaded = vec![None; regions.len()];
        Ok(CheckedBytes {
            size,
            parts: Parts::Regions {
                storage: storage.clone(),
                relative: entry.path.clone(),
                tail_offset,
                tail,
                regions: Arc::new(regions),
                loaded: Arc::new(Mutex::new(loaded)),
            },
        })
    }

    /// The bytes `range` of the file, every part of them checked.
    fn bytes(&self, range: Range<u64>) -> Result<Bytes, ParquetError> {
        if range.end > self.size || range.start > range.end {
            return Err(ParquetError::EOF(format!(
                "bytes {}..{} lie past the file's {} bytes",
                range.start, range.end, self.size
            )));
        }
        let (storage, relative, tail_offset, tail, regions, loaded) = match &self.parts {
            Parts::Whole(bytes) => {
                return Ok(bytes.slice(range.start as usize..range.end as usize));
            }
            Parts::Regions {
                storage,
                relative,
                tail_offset,
                tail,
                regions,
                loaded,
            } => (storage, relative, tail_offset, tail, regions, loaded),
        };
        if range.start >= *tail_offset {
            return Ok(tail
                .slice((range.start - tail_offset) as usize..(range.end - tail_offset) as usize));
        }
        let mut loaded = loaded
            .lock()
            .map_err(|_| ParquetError::General("a reader of this file panicked".into()))?;
        let mut out = BytesMut::with_capacity((range.end - range.start) as usize);
        for index in touched(regions, &range) {
            let region = &regions[index];
            if loaded[index].is_none() {
                let part = storage
                    .read_range(relative, region.range.clone())
                    .map_err(|error| ParquetError::External(Box::new(error)))?;
                let found: [u8; 32] = Sha256::digest(&part).into();
                if found != region.sha256 {
                    return Err(ParquetError::General(format!(
                        "bytes {}..{} have SHA-256 {}; the footer lists {}: the file was changed",
                        region.range.start,
                        region.range.end,
                        hex::encode(found),
                        hex::encode(region.sha256)
                    )));
                }
                loaded[index] = Some(Bytes::from(part));
            }
            let part = loaded[index].clone().unwrap_or_default();
            let from = range.start.max(region.range.start) - region.range.start;
            let to = range.end.min(region.range.end) - region.range.start;
            out.extend_from_slice(&part[from as usize..to as usize]);
        }
        if range.end > *tail_offset {
            out.extend_from_slice(&tail[..(range.end - tail_offset) as usize]);
        }
        Ok(out.freeze())
    }

    /// Where the part `start` lies in ends: a region's end, or the file's.
    fn part_end(&self, start: u64) -> u64 {
        match &self.parts {
            Parts::Regions {
                tail_offset,
                regions,
                ..
            } if start < *tail_offset => touched(regions, &(start..start + 1))
                .next()
                .map_or(self.size, |index| regions[index].range.end),
            _ => self.size,
        }
    }
}

impl Length for CheckedBytes {
    fn len(&self) -> u64 {
        self.size
    }
}

impl ChunkReader for CheckedBytes {
    type T = bytes::buf::Reader<Bytes>;

    /// A reader from `start` to the end of the part it lies in (the
    /// Parquet reader reads a page header this way): never past bytes that
    /// were checked.
    fn get_read(&self, start: u64) -> Result<Self::T, ParquetError> {
        let end = self.part_end(start).max(start);
        Ok(self.bytes(start..end)?.reader())
    }

    fn get_bytes(&self, start: u64, length: usize) -> Result<Bytes, ParquetError> {
        self.bytes(start..start.saturating_add(length as u64))
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
    use vakt_schemas::table::SegmentLayout;

    /// `bytes` as the file `entry` names in a new local store folder.
    fn stored(bytes: &[u8], entry: &ManifestEntry) -> (tempfile::TempDir, Storage) {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        storage.create(&entry.path, bytes).unwrap();
        (dir, storage)
    }

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
        let (bytes, written) =
            encode_segment(Stream::Sessions, &records, SegmentLayout::StoredNonce).unwrap();
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
        let (_dir, storage) = stored(&bytes, &entry);
        let file = CheckedBytes::open(&storage, &entry).unwrap();
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
        let (_dir, storage) = stored(&changed, &entry);
        let file = CheckedBytes::open(&storage, &entry).unwrap();
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
        let (_dir, storage) = stored(&changed, &entry);
        assert!(matches!(
            CheckedBytes::open(&storage, &entry),
            Err(OpenError::Tampered(_))
        ));
        let mut longer = bytes;
        longer.push(0);
        let (_dir, storage) = stored(&longer, &entry);
        assert!(matches!(
            CheckedBytes::open(&storage, &entry),
            Err(OpenError::Tampered(_))
        ));
    }
}
