//! The blocks of one segment of the index, as their documents' fast fields
//! give them: what searching, verifying and truncating all start from.

use std::path::Path;

use tantivy::{DocId, SegmentReader};
use vakt_schemas::Stream;

use crate::document::INDEXED_STREAMS;
use crate::error::IndexError;
use crate::fields::{COUNT, FIRST_SEQ, STREAM, TIME_MAX, TIME_MIN};

/// One block: its document, stream, records and time range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BlockIdentity {
    pub doc: DocId,
    pub stream: Stream,
    pub first_seq: u64,
    pub count: u64,
    pub time_min: i64,
    pub time_max: i64,
}

/// Every live block of `segment` (of an indexed stream), in document order.
pub(crate) fn segment_blocks(
    dir: &Path,
    segment: &SegmentReader,
) -> Result<Vec<BlockIdentity>, IndexError> {
    let fast = segment.fast_fields();
    let Some(streams) = fast.str(STREAM).map_err(IndexError::tantivy(dir))? else {
        return Ok(Vec::new());
    };
    let first_seqs = fast.u64(FIRST_SEQ).map_err(IndexError::tantivy(dir))?;
    let counts = fast.u64(COUNT).map_err(IndexError::tantivy(dir))?;
    let time_mins = fast.date(TIME_MIN).map_err(IndexError::tantivy(dir))?;
    let time_maxs = fast.date(TIME_MAX).map_err(IndexError::tantivy(dir))?;
    let mut names = Vec::with_capacity(streams.num_terms());
    let mut name = String::new();
    for ord in 0..streams.num_terms() as u64 {
        streams
            .ord_to_str(ord, &mut name)
            .map_err(IndexError::io(dir))?;
        names.push(
            name.parse::<Stream>()
                .ok()
                .filter(|stream| INDEXED_STREAMS.contains(stream)),
        );
    }
    let alive = segment.alive_bitset();
    let mut blocks = Vec::with_capacity(segment.num_docs() as usize);
    for doc in 0..segment.max_doc() {
        if alive.is_some_and(|bits| !bits.is_alive(doc)) {
            continue;
        }
        let stream = streams
            .ords()
            .first(doc)
            .and_then(|ord| names.get(ord as usize).copied().flatten());
        let (Some(stream), Some(first_seq), Some(count)) =
            (stream, first_seqs.first(doc), counts.first(doc))
        else {
            continue;
        };
        blocks.push(BlockIdentity {
            doc,
            stream,
            first_seq,
            count,
            time_min: time_mins
                .first(doc)
                .map_or(i64::MIN, |time| time.into_timestamp_micros()),
            time_max: time_maxs
                .first(doc)
                .map_or(i64::MAX, |time| time.into_timestamp_micros()),
        });
    }
    Ok(blocks)
}
