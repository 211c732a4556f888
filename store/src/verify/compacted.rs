//! The verification of compacted files: a compaction line's file must
//! hold exactly the records of its range, each once, and every segment
//! line it replaced is checked against the records it holds, as if they
//! were still in the segment's own file (FORMAT.md §5 "Compaction", §8).

use arrow_array::cast::AsArray;
use arrow_array::types::{TimestampMicrosecondType, UInt64Type};
use arrow_array::{Array, RecordBatch};
use chrono::{DateTime, Utc};
use vakt_schemas::arrow::{batch_to_rows, canonical_batch};
use vakt_schemas::leaf::batch_leaf_hashes;
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::merkle::Hash;
use vakt_schemas::{Record, Stream};

use super::report::Problem;
use super::segment::value_problem;
use super::stream::StreamCheck;
use crate::reader::pruned_leaves;
use crate::segment::{batch_reader, check_regions};

/// What verification keeps of one record of a compacted file until the
/// segment line that stored it is checked.
#[derive(Debug, Clone, Copy)]
struct Held {
    leaf: Hash,
    /// Its `time` and `ingest_time`; unknown when only its leaf hash was
    /// kept (the compacted file was pruned).
    times: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// What one batch of a compacted file held: its rows, and their earliest
/// and latest time.
struct BatchChecked {
    rows: usize,
    earliest: Option<DateTime<Utc>>,
    latest: Option<DateTime<Utc>>,
}

/// The records of the compacted file being checked, by sequence number.
pub(super) struct HeldFile {
    path: String,
    first_seq: u64,
    /// `None` where the file holds no such record (reported when loaded).
    records: Vec<Option<Held>>,
    /// The file could not be read: its lines resume from their claims.
    unreadable: bool,
}

impl StreamCheck<'_> {
    /// A segment line a compaction replaced: its records, read from the
    /// compacted file that holds them now, must be the ones it stored.
    pub(super) fn check_replaced(
        &mut self,
        entry: &ManifestEntry,
        compaction: &ManifestEntry,
        held: &mut Option<HeldFile>,
    ) {
        let stream = self.stream;
        if held
            .as_ref()
            .is_none_or(|file| file.path != compaction.path)
        {
            *held = Some(self.load_compacted(compaction));
        }
        let Some(file) = held.as_ref() else { return };
        if file.unreadable {
            self.resume_after(entry);
            return;
        }
        let mut row_problems = Vec::new();
        let mut earliest: Option<DateTime<Utc>> = None;
        let mut latest: Option<DateTime<Utc>> = None;
        let mut leaves = Vec::with_capacity(entry.count as usize);
        for seq in entry.first_seq..entry.end_seq() {
            let found = seq
                .checked_sub(file.first_seq)
                .and_then(|offset| file.records.get(offset as usize))
                .copied()
                .flatten();
            let Some(record) = found else {
                let message = format!(
                    "record {seq} is in neither its segment (replaced by {}) nor the compacted file",
                    compaction.path
                );
                row_problems.push(Problem::new(stream, "row-sequence", message).at_seq(seq, None));
                break;
            };
            leaves.push(record.leaf);
            let Some((time, ingest_time)) = record.times else {
                continue;
            };
            earliest = Some(earliest.map_or(time, |first| first.min(time)));
            latest = Some(latest.map_or(time, |last| last.max(time)));
            self.first_time = Some(self.first_time.map_or(time, |first| first.min(time)));
            self.last_time = Some(self.last_time.map_or(time, |last| last.max(time)));
            if ingest_time != entry.ingest_time {
                let message = format!(
                    "record {seq} has ingest time {ingest_time}, the segment that stored it has {}",
                    entry.ingest_time
                );
                row_problems
                    .push(Problem::new(stream, "row-ingest-time", message).at_seq(seq, Some(time)));
            }
            if time.date_naive() != entry.day || time < entry.min_time || time > entry.max_time {
                let message = format!(
                    "record {seq} has time {time}, outside the {} .. {} of the segment that stored it",
                    entry.min_time, entry.max_time
                );
                row_problems
                    .push(Problem::new(stream, "row-time", message).at_seq(seq, Some(time)));
            }
        }
        if leaves.len() as u64 != entry.count {
            self.report_rows(entry, row_problems);
            self.resume_after(entry);
            return;
        }
        if let (Some(earliest), Some(latest)) = (earliest, latest)
            && (earliest != entry.min_time || latest != entry.max_time)
        {
            let message = format!(
                "the segment's records span {} .. {}, its manifest line claims {} .. {}",
                earliest.to_rfc3339(),
                latest.to_rfc3339(),
                entry.min_time.to_rfc3339(),
                entry.max_time.to_rfc3339()
            );
            row_problems.push(Problem::new(stream, "manifest-time-range", message).in_entry(entry));
        }
        self.report_rows(entry, row_problems);
        for leaf in leaves {
            self.push_leaf(leaf);
        }
        self.check_tree_after(entry);
    }

    /// Reads a compacted file (or, once pruned, the leaf hashes kept for
    /// it) and checks what it must hold on its own: the file its line
    /// lists, every record of its range exactly once, valid values,
    /// stored leaf hashes that match, and exactly its time range.
    fn load_compacted(&mut self, compaction: &ManifestEntry) -> HeldFile {
        let stream = self.stream;
        let mut file = HeldFile {
            path: compaction.path.clone(),
            first_seq: compaction.first_seq,
            records: vec![None; compaction.count as usize],
            unreadable: false,
        };
        let storage = self.store.storage();
        let exists = storage.exists(&compaction.path).unwrap_or(true);
        if let Some(pruned) = self.pruned.get(&compaction.path).cloned()
            && !exists
        {
            if pruned.first_seq != compaction.first_seq || pruned.count != compaction.count {
                let message = format!(
                    "pruned.jsonl lists records {}..{} for {}, its manifest line {}..{}",
                    pruned.first_seq,
                    pruned.first_seq + pruned.count,
                    compaction.path,
                    compaction.first_seq,
                    compaction.end_seq()
                );
                self.problem(Problem::new(stream, "pruned-leaves", message).in_entry(compaction));
                file.unreadable = true;
                return file;
            }
            match pruned_leaves(storage, &pruned) {
                Ok(leaves) => {
                    for (slot, leaf) in file.records.iter_mut().zip(leaves) {
                        *slot = Some(Held { leaf, times: None });
                    }
                }
                Err(error) => {
                    self.problem(
                        Problem::new(stream, "pruned-leaves", error.to_string())
                            .in_entry(compaction),
                    );
                    file.unreadable = true;
                }
            }
            return file;
        }
        let path = storage.path(&compaction.path);
        let bytes = match storage.read(&compaction.path) {
            Ok(bytes) => bytes,
            Err(error) => {
                let message = if error.kind() == std::io::ErrorKind::NotFound {
                    format!(
                        "compacted file is missing: records {}..{} are gone",
                        compaction.first_seq,
                        compaction.end_seq()
                    )
                } else {
                    format!("{}: {error}", path.display())
                };
                let kind = if error.kind() == std::io::ErrorKind::NotFound {
                    "segment-missing"
                } else {
                    "segment-unreadable"
                };
                self.problem(Problem::new(stream, kind, message).in_entry(compaction));
                file.unreadable = true;
                return file;
            }
        };
        self.check_file_digest(compaction, &bytes);
        if let Err(detail) = check_regions(compaction, &bytes) {
            let message = format!(
                "the segment's regions are not what its line and footer list ({detail}): readers \
                 refuse to read it"
            );
            self.problem(Problem::new(stream, "segment-regions", message).in_entry(compaction));
        }
        // Batch by batch: a compacted file holds up to a million records.
        let batches = match batch_reader(&path, bytes::Bytes::from(bytes)) {
            Ok(batches) => batches,
            Err(error) => {
                self.problem(
                    Problem::new(stream, "segment-unreadable", error.to_string())
                        .in_entry(compaction),
                );
                file.unreadable = true;
                return file;
            }
        };
        let mut row_problems = Vec::new();
        let mut earliest: Option<DateTime<Utc>> = None;
        let mut latest: Option<DateTime<Utc>> = None;
        let mut position = 0usize;
        for batch in batches {
            let checked = batch
                .map_err(|error| format!("unreadable row group: {error}"))
                .and_then(|batch| {
                    self.check_batch(compaction, &batch, position, &mut file, &mut row_problems)
                });
            match checked {
                Ok(BatchChecked {
                    rows,
                    earliest: first,
                    latest: last,
                }) => {
                    position += rows;
                    earliest = match (earliest, first) {
                        (Some(known), Some(first)) => Some(known.min(first)),
                        (known, first) => known.or(first),
                    };
                    latest = latest.max(last);
                }
                Err(detail) => {
                    self.problem(
                        Problem::new(stream, "segment-unreadable", detail).in_entry(compaction),
                    );
                    file.unreadable = true;
                    return file;
                }
            }
        }
        if position as u64 != compaction.count {
            let message = format!(
                "compacted file holds {position} rows, its line lists {}: records removed or inserted",
                compaction.count
            );
            self.problem(Problem::new(stream, "row-count", message).in_entry(compaction));
        }
        if position > 0
            && (earliest != Some(compaction.min_time) || latest != Some(compaction.max_time))
        {
            let shown = |time: Option<DateTime<Utc>>| {
                time.map_or("none".to_string(), |time| time.to_rfc3339())
            };
            let message = format!(
                "the compacted file's records span {} .. {}, its manifest line claims {} .. {}",
                shown(earliest),
                shown(latest),
                compaction.min_time.to_rfc3339(),
                compaction.max_time.to_rfc3339()
            );
            row_problems.push(Problem::new(stream, "manifest-time-range", message));
        }
        self.report_rows(compaction, row_problems);
        file
    }

    /// Checks one batch of a compacted file (its rows from `position` on)
    /// and keeps what each of its records is checked against later: the
    /// leaf hashes come straight from the typed columns, and a record is
    /// built only where the index check or a value check needs one.
    /// Returns the rows and their earliest and latest time, or why the
    /// batch cannot be read at all.
    fn check_batch(
        &mut self,
        compaction: &ManifestEntry,
        batch: &RecordBatch,
        position: usize,
        file: &mut HeldFile,
        row_problems: &mut Vec<Problem>,
    ) -> Result<BatchChecked, String> {
        let stream = self.stream;
        let canonical = canonical_batch(stream, batch, self.store.nonce_key())
            .map_err(|error| error.to_string())?;
        let stored = canonical.stored_leaf_hashes.as_ref();
        let batch = &canonical.batch;
        let hashes = batch_leaf_hashes(stream, batch).map_err(|error| error.to_string())?;
        let column = |index: usize| batch.column(index).as_ref();
        let (Some(seqs), Some(times), Some(ingests)) = (
            column(0).as_primitive_opt::<UInt64Type>(),
            column(1).as_primitive_opt::<TimestampMicrosecondType>(),
            column(2).as_primitive_opt::<TimestampMicrosecondType>(),
        ) else {
            return Err("the envelope's columns are not seq, time and ingest_time".into());
        };
        let indexed = self.index.as_ref().map(|(bound, _)| *bound);
        let needs_records = indexed.is_some() || needs_records_checked(stream);
        // A firewall action is checked from its column (FORMAT.md §2).
        let actions = (stream == Stream::Firewall && !needs_records)
            .then(|| {
                batch
                    .column_by_name("action")
                    .and_then(|column| column.as_string_opt::<i32>())
            })
            .flatten();
        let rows = if needs_records {
            Some(batch_to_rows(stream, batch, None).map_err(|error| error.to_string())?)
        } else {
            None
        };
        let mut earliest: Option<DateTime<Utc>> = None;
        let mut latest: Option<DateTime<Utc>> = None;
        for (row, hash) in hashes.into_iter().enumerate() {
            let seq = seqs.value(row);
            let micros = times.value(row);
            let (Some(time), Some(ingest_time)) = (
                DateTime::from_timestamp_micros(micros),
                DateTime::from_timestamp_micros(ingests.value(row)),
            ) else {
                let message = format!("row {} holds a time out of range", position + row);
                row_problems.push(Problem::new(stream, "row-shape", message).at_seq(seq, None));
                continue;
            };
            earliest = Some(earliest.map_or(time, |first| first.min(time)));
            latest = Some(latest.map_or(time, |last| last.max(time)));
            if let Some(rows) = &rows {
                match Record::from_values(stream, &rows[row].values) {
                    Ok(record) => {
                        if let Some((bound, digest)) = &mut self.index
                            && seq < *bound
                        {
                            digest.add_record(&record);
                        }
                        if let Some(detail) = value_problem(&record) {
                            row_problems.push(
                                Problem::new(
                                    stream,
                                    "row-value",
                                    format!("record {seq}: {detail}"),
                                )
                                .at_seq(seq, Some(time)),
                            );
                        }
                    }
                    Err(error) => {
                        let message = format!("row {} cannot be read: {error}", position + row);
                        row_problems.push(Problem::new(stream, "row-shape", message));
                        continue;
                    }
                }
            }
            if let Some(actions) = actions
                && !actions.is_null(row)
                && !matches!(actions.value(row), "allow" | "deny" | "unknown")
            {
                let detail = format!(
                    "firewall action `{}` is none of allow, deny, unknown",
                    actions.value(row)
                );
                row_problems.push(
                    Problem::new(stream, "row-value", format!("record {seq}: {detail}"))
                        .at_seq(seq, Some(time)),
                );
            }
            let leaf = match hash {
                Ok(leaf) => leaf,
                Err(error) => {
                    row_problems.push(
                        Problem::new(stream, "row-shape", error.to_string())
                            .at_seq(seq, Some(time)),
                    );
                    continue;
                }
            };
            if let Some(stored) = stored
                && (stored.is_null(row) || leaf.as_slice() != stored.value(row))
            {
                let message = format!(
                    "record {seq}: its columns do not hash to its stored leaf hash: the row was changed"
                );
                row_problems
                    .push(Problem::new(stream, "row-changed", message).at_seq(seq, Some(time)));
            }
            let slot = seq
                .checked_sub(compaction.first_seq)
                .and_then(|offset| file.records.get_mut(offset as usize));
            match slot {
                Some(slot) if slot.is_none() => {
                    *slot = Some(Held {
                        leaf,
                        times: Some((time, ingest_time)),
                    });
                }
                Some(_) => {
                    let message =
                        format!("row {} holds record {seq} a second time", position + row);
                    row_problems.push(
                        Problem::new(stream, "row-sequence", message).at_seq(seq, Some(time)),
                    );
                }
                None => {
                    let message = format!(
                        "row {} holds record {seq}, outside the file's {}..{}",
                        position + row,
                        compaction.first_seq,
                        compaction.end_seq()
                    );
                    row_problems.push(
                        Problem::new(stream, "row-sequence", message).at_seq(seq, Some(time)),
                    );
                }
            }
        }
        Ok(BatchChecked {
            rows: batch.num_rows(),
            earliest,
            latest,
        })
    }
}

/// Whether records of `stream` have values beyond their types that only
/// a whole record shows (`value_problem`): the registry's digests and
/// quarantine's intended streams. (A firewall action is checked from its
/// column.)
fn needs_records_checked(stream: Stream) -> bool {
    matches!(stream, Stream::Registry | Stream::Quarantine)
}
