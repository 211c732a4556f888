//! Which segment files hold a stream's records now: every segment line
//! but those a compaction replaced, and the compactions not replaced in
//! turn (`vakt_schemas::compaction`), with when their records were stored.

use vakt_schemas::Stream;
use vakt_schemas::compaction;
use vakt_schemas::layout;
use vakt_schemas::manifest::ManifestEntry;

use super::{ReadError, StoreReader};

/// When the records of one segment file were stored: the earliest and the
/// latest of their `ingest_time`s (a compacted file holds records of many
/// commits; its line's own `ingest_time` is when it compacted them).
/// Retention counts from the latest (FORMAT.md §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestSpan {
    pub first: chrono::DateTime<chrono::Utc>,
    pub last: chrono::DateTime<chrono::Utc>,
}

/// A manifest entry whose file holds records now, and when they were stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSegment {
    pub entry: ManifestEntry,
    pub ingested: IngestSpan,
}

impl StoreReader {
    /// The committed manifest entries of a stream whose files hold its
    /// records now, in sequence order: every segment line, except those a
    /// compaction replaced, and the compaction lines not replaced in turn
    /// (`vakt_schemas::compaction`), each with when its records were
    /// stored. Pruned ones are included.
    pub fn live_segments(&self, stream: Stream) -> Result<Vec<LiveSegment>, ReadError> {
        let entries = self.cached_entries(stream)?;
        let given: Vec<Option<&ManifestEntry>> = entries.iter().map(Some).collect();
        let (holders, errors) = compaction::holders(&given);
        if let Some(error) = errors.first() {
            return Err(ReadError::Damaged {
                path: self.path(&layout::manifest(stream)),
                detail: format!("{error} (run `vakt verify` to see what is wrong)"),
            });
        }
        Ok(holders
            .live
            .iter()
            .map(|position| {
                let entry = &entries[*position];
                let (first, last) =
                    holders.stored[*position].unwrap_or((entry.ingest_time, entry.ingest_time));
                LiveSegment {
                    entry: entry.clone(),
                    ingested: IngestSpan { first, last },
                }
            })
            .collect())
    }

    /// The entries of [`StoreReader::live_segments`].
    pub fn live_entries(&self, stream: Stream) -> Result<Vec<ManifestEntry>, ReadError> {
        Ok(self
            .live_segments(stream)?
            .into_iter()
            .map(|live| live.entry)
            .collect())
    }

    /// The live segments of a stream whose rows are still kept (not
    /// pruned), in sequence order.
    pub fn present_segments(&self, stream: Stream) -> Result<Vec<LiveSegment>, ReadError> {
        let pruned = self.pruned()?;
        Ok(self
            .live_segments(stream)?
            .into_iter()
            .filter(|live| !pruned.contains_key(&live.entry.path))
            .collect())
    }

    /// The entries of [`StoreReader::present_segments`].
    pub fn present_entries(&self, stream: Stream) -> Result<Vec<ManifestEntry>, ReadError> {
        Ok(self
            .present_segments(stream)?
            .into_iter()
            .map(|live| live.entry)
            .collect())
    }
}
