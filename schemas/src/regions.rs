//! The regions of a segment file: the file split where its column chunks
//! begin, each with its own SHA-256, so that a reader can check just the
//! bytes it reads instead of hashing the whole file (FORMAT.md §5,
//! "Regions").
//!
//! A segment whose manifest line has `tail_offset` and `tail_sha256` is, in
//! order, regions that tile `0 .. tail_offset` and the tail
//! `tail_offset .. file_size` (page indexes, footer, magic). The tail's
//! digest is in the manifest line; the regions' lengths and digests are in
//! the footer, under the key [`REGIONS_KEY`], as the JSON array
//! `[[length, "hex sha256"], …]`. So a reader checks the tail against the
//! manifest, then every region it reads against the footer.

use std::ops::Range;

use sha2::{Digest, Sha256};

/// The key of the region table in a segment's Parquet key-value metadata.
pub const REGIONS_KEY: &str = "vakt.regions";

/// One region: where it lies in the file and what it hashes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    pub range: Range<u64>,
    pub sha256: [u8; 32],
}

/// A region table that cannot be the one of a file with this tail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    #[error("the region table is not a JSON array of [length, sha256] pairs: {0}")]
    Syntax(String),
    #[error("region {index}'s SHA-256 is not 64 hex digits")]
    Digest { index: usize },
    #[error("a region of length 0 (region {index})")]
    Empty { index: usize },
    #[error("the regions cover 0..{covered}, not 0..{tail_offset} (up to the tail)")]
    Coverage { covered: u64, tail_offset: u64 },
}

/// The regions that tile `0 .. tail_offset`, split at `starts` (offsets
/// where column chunks begin; 0, duplicates and offsets outside the file
/// are ignored), each hashed from `bytes`.
pub fn split(bytes: &[u8], starts: &[u64], tail_offset: u64) -> Vec<Region> {
    let mut bounds: Vec<u64> = starts
        .iter()
        .copied()
        .filter(|start| *start > 0 && *start < tail_offset)
        .collect();
    bounds.sort_unstable();
    bounds.dedup();
    bounds.insert(0, 0);
    bounds.push(tail_offset);
    bounds
        .windows(2)
        .filter(|pair| pair[0] < pair[1])
        .map(|pair| {
            let range = pair[0]..pair[1];
            let sha256 = Sha256::digest(&bytes[range.start as usize..range.end as usize]).into();
            Region { range, sha256 }
        })
        .collect()
}

/// The table as it is written in the footer.
pub fn to_json(regions: &[Region]) -> String {
    let pairs: Vec<serde_json::Value> = regions
        .iter()
        .map(|region| {
            serde_json::json!([
                region.range.end - region.range.start,
                hex::encode(region.sha256)
            ])
        })
        .collect();
    serde_json::Value::Array(pairs).to_string()
}

/// Reads a table and checks that it tiles `0 .. tail_offset`.
pub fn from_json(text: &str, tail_offset: u64) -> Result<Vec<Region>, RegionError> {
    let pairs: Vec<(u64, String)> =
        serde_json::from_str(text).map_err(|error| RegionError::Syntax(error.to_string()))?;
    let mut regions = Vec::with_capacity(pairs.len());
    let mut start = 0u64;
    for (index, (length, digest)) in pairs.into_iter().enumerate() {
        if length == 0 {
            return Err(RegionError::Empty { index });
        }
        let sha256 = hex::decode(&digest)
            .ok()
            .filter(|_| digest.len() == 64 && digest == digest.to_lowercase())
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or(RegionError::Digest { index })?;
        let end = start.saturating_add(length);
        regions.push(Region {
            range: start..end,
            sha256,
        });
        start = end;
    }
    if start != tail_offset {
        return Err(RegionError::Coverage {
            covered: start,
            tail_offset,
        });
    }
    Ok(regions)
}

/// The indices of the regions that `range` touches (the regions tile
/// `0 .. tail_offset`; the part of `range` past it is the tail's).
pub fn touched(regions: &[Region], range: &Range<u64>) -> Range<usize> {
    let first = regions.partition_point(|region| region.range.end <= range.start);
    let end = regions.partition_point(|region| region.range.start < range.end);
    first..end.max(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes() -> Vec<u8> {
        (0..100u8).collect()
    }

    #[test]
    fn split_tiles_the_file_up_to_the_tail_and_reads_back() {
        let regions = split(&bytes(), &[4, 30, 30, 0, 95, 120], 90);
        let ranges: Vec<_> = regions.iter().map(|region| region.range.clone()).collect();
        assert_eq!(ranges, vec![0..4, 4..30, 30..90]);
        assert_eq!(
            regions[1].sha256,
            <[u8; 32]>::from(Sha256::digest(&bytes()[4..30]))
        );
        assert_eq!(from_json(&to_json(&regions), 90).unwrap(), regions);
    }

    #[test]
    fn a_table_that_does_not_reach_the_tail_or_overshoots_it_is_refused() {
        let regions = split(&bytes(), &[30], 90);
        let json = to_json(&regions);
        assert_eq!(
            from_json(&json, 91),
            Err(RegionError::Coverage {
                covered: 90,
                tail_offset: 91
            })
        );
        assert!(matches!(
            from_json(&json, 89),
            Err(RegionError::Coverage { .. })
        ));
        assert!(matches!(
            from_json(&json.replace("30,", "0,"), 90),
            Err(RegionError::Empty { index: 0 })
        ));
        let upper = json.replace(&hex::encode(regions[0].sha256), &"AB".repeat(32));
        assert_eq!(from_json(&upper, 90), Err(RegionError::Digest { index: 0 }));
        assert!(matches!(from_json("{}", 90), Err(RegionError::Syntax(_))));
    }

    #[test]
    fn touched_names_every_region_a_range_overlaps() {
        let regions = split(&bytes(), &[10, 20, 30], 40);
        assert_eq!(touched(&regions, &(0..1)), 0..1);
        assert_eq!(touched(&regions, &(9..11)), 0..2);
        assert_eq!(touched(&regions, &(10..20)), 1..2);
        assert_eq!(touched(&regions, &(15..35)), 1..4);
        assert_eq!(touched(&regions, &(35..60)), 3..4);
        assert_eq!(touched(&regions, &(40..60)), 4..4);
        assert_eq!(touched(&regions, &(20..20)), 2..2);
    }
}
