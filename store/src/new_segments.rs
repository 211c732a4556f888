//! The segments a commit writes for a stream's new records, one per UTC
//! day: the records numbered and given their nonces, their leaves hashed
//! and appended to the stream's tree, and each day's Parquet file encoded.
//! Hashing and encoding run on all cores (they depend on nothing but the
//! records); numbering and the tree go in order. Nothing is written here:
//! the commit writes the files in order, then the manifest lines.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use rayon::prelude::*;
use vakt_schemas::merkle::{Frontier, Hash};
use vakt_schemas::nonce::NonceKey;
use vakt_schemas::record::EncodeError;
use vakt_schemas::table::SegmentLayout;
use vakt_schemas::{Envelope, Record, Stream, layout};

use crate::segment::{SegmentError, WrittenSegment, encode_segment};
use crate::writer::PendingRecord;

/// One day's new segment, ready to be written.
pub(crate) struct DaySegment {
    pub day: NaiveDate,
    /// Its path relative to the store root.
    pub relative: String,
    pub first_seq: u64,
    pub records: Vec<Record>,
    /// The stream's tree after this day's records.
    pub tree_size: u64,
    pub root: String,
    pub frontier: Vec<String>,
    /// The Parquet file and its digest.
    pub bytes: Vec<u8>,
    pub written: WrittenSegment,
}

/// Why the segments could not be made.
pub(crate) enum DaysError {
    /// A record has no canonical form (its leaf cannot be hashed).
    Leaf(EncodeError),
    /// A segment could not be encoded.
    Segment {
        relative: String,
        source: SegmentError,
    },
}

/// The segments of `days` (a stream's new records by UTC day, in order),
/// continuing `frontier`, for commit `txn` at `now`.
pub(crate) fn day_segments(
    stream: Stream,
    txn: u64,
    now: DateTime<Utc>,
    nonce_key: &NonceKey,
    days: BTreeMap<NaiveDate, Vec<PendingRecord>>,
    frontier: &mut Frontier,
) -> Result<Vec<DaySegment>, DaysError> {
    // Numbered in order: sequence numbers follow day by day.
    let mut next_seq = frontier.size();
    let numbered: Vec<(NaiveDate, u64, Vec<Record>)> = days
        .into_iter()
        .map(|(day, pending)| {
            let first_seq = next_seq;
            let records: Vec<Record> = pending
                .into_iter()
                .enumerate()
                .map(|(offset, item)| {
                    let seq = first_seq + offset as u64;
                    Record {
                        envelope: Envelope {
                            seq,
                            time: item.time.trunc_subsecs(6),
                            ingest_time: now,
                            source: item.source,
                            raw: item.raw,
                            nonce: nonce_key.nonce(stream, seq),
                        },
                        event: item.event,
                    }
                })
                .collect();
            next_seq += records.len() as u64;
            (day, first_seq, records)
        })
        .collect();
    // Leaves hashed on all cores, appended in order.
    let hashes: Vec<Vec<Hash>> = numbered
        .par_iter()
        .map(|(_, _, records)| {
            records
                .par_iter()
                .map(Record::leaf_hash)
                .collect::<Result<Vec<Hash>, EncodeError>>()
        })
        .collect::<Result<Vec<_>, EncodeError>>()
        .map_err(DaysError::Leaf)?;
    let mut trees = Vec::with_capacity(numbered.len());
    for day_hashes in hashes {
        for hash in day_hashes {
            frontier.push(hash);
        }
        trees.push((
            frontier.size(),
            hex::encode(frontier.root()),
            frontier
                .subtrees()
                .iter()
                .map(hex::encode)
                .collect::<Vec<String>>(),
        ));
    }
    // Files encoded on all cores.
    let encoded: Vec<(Vec<u8>, WrittenSegment)> = numbered
        .par_iter()
        .map(|(day, first_seq, records)| {
            encode_segment(stream, records, SegmentLayout::DerivedNonce).map_err(|source| {
                DaysError::Segment {
                    relative: layout::segment(stream, *day, txn, *first_seq),
                    source,
                }
            })
        })
        .collect::<Result<Vec<_>, DaysError>>()?;
    Ok(numbered
        .into_iter()
        .zip(trees)
        .zip(encoded)
        .map(
            |(((day, first_seq, records), (tree_size, root, frontier)), (bytes, written))| {
                DaySegment {
                    day,
                    relative: layout::segment(stream, day, txn, first_seq),
                    first_seq,
                    records,
                    tree_size,
                    root,
                    frontier,
                    bytes,
                    written,
                }
            },
        )
        .collect())
}
