//! Manifest entries: one JSON line per segment, each holding the hash of the
//! line before it, so that an edited, removed or reordered entry breaks the
//! chain (FORMAT.md, "Manifest").

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev` of a stream's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One segment of a stream, as the manifest lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    /// Position of the entry in its manifest, from 0.
    pub index: u64,
    /// Lowercase hex SHA-256 of the previous entry's line (without its newline),
    /// or [`GENESIS`] for the first entry.
    pub prev: String,
    /// The commit that wrote the segment.
    pub txn: u64,
    /// The segment's path relative to the store root.
    pub path: String,
    /// The UTC day all of the segment's records fall on.
    #[serde(deserialize_with = "fast_time::day")]
    pub day: NaiveDate,
    /// Sequence number of the segment's first record.
    pub first_seq: u64,
    /// Number of records in the segment.
    pub count: u64,
    /// On a compaction line only (`compaction.rs`): how many segments,
    /// live until this line, its file replaces. Absent on the line of a
    /// segment of new records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<u64>,
    /// Earliest and latest event time in the segment.
    #[serde(deserialize_with = "fast_time::instant")]
    pub min_time: DateTime<Utc>,
    #[serde(deserialize_with = "fast_time::instant")]
    pub max_time: DateTime<Utc>,
    /// The ingest time of every record in the segment.
    #[serde(deserialize_with = "fast_time::instant")]
    pub ingest_time: DateTime<Utc>,
    /// Lowercase hex SHA-256 of the segment file's bytes.
    pub file_sha256: String,
    pub file_size: u64,
    /// Where the segment's tail (its page indexes and footer) begins: the
    /// bytes before it are the regions the footer lists (`regions`).
    /// Absent, with `tail_sha256`, on segments written before regions:
    /// their readers check the whole file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tail_offset: Option<u64>,
    /// Lowercase hex SHA-256 of the bytes from `tail_offset` to the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tail_sha256: Option<String>,
    /// Size of the stream's Merkle tree after this segment (= first_seq + count).
    pub tree_size: u64,
    /// Root of the stream's Merkle tree after this segment, lowercase hex.
    pub root: String,
    /// The tree's right edge after this segment (merkle::Frontier), lowercase hex.
    pub frontier: Vec<String>,
}

impl ManifestEntry {
    /// The entry as one manifest line, without the newline.
    pub fn to_line(&self) -> String {
        // Serialising a struct of strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Whether this line is a compaction's: its file holds records that
    /// segments listed before it held, and it adds none to the tree.
    pub fn is_compaction(&self) -> bool {
        self.replaces.is_some()
    }

    /// The sequence number after the segment's last record.
    pub fn end_seq(&self) -> u64 {
        self.first_seq.saturating_add(self.count)
    }

    /// Reads one manifest line (without its newline).
    pub fn from_line(line: &str) -> Result<ManifestEntry, serde_json::Error> {
        serde_json::from_str(line)
    }
}

/// Reading the times of a manifest line quickly: every command reads every
/// line of every manifest, and chrono's general parser was most of that.
/// The form vakt writes (`2026-03-02T10:00:00.123456Z`, `2026-03-02`) is
/// read directly; anything else goes to chrono's RFC 3339 parser.
mod fast_time {
    use chrono::{DateTime, NaiveDate, Utc};
    use serde::{Deserialize, Deserializer};

    fn digits(bytes: &[u8]) -> Option<u32> {
        bytes.iter().try_fold(0u32, |value, byte| {
            byte.is_ascii_digit()
                .then(|| value * 10 + u32::from(byte - b'0'))
        })
    }

    /// `YYYY-MM-DD`.
    fn parse_day(text: &str) -> Option<NaiveDate> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let year = i32::try_from(digits(&bytes[0..4])?).ok()?;
        NaiveDate::from_ymd_opt(year, digits(&bytes[5..7])?, digits(&bytes[8..10])?)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
    pub(super) fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
        let bytes = text.as_bytes();
        if bytes.len() < 20 || bytes[10] != b'T' || bytes[13] != b':' || bytes[16] != b':' {
            return None;
        }
        let day = parse_day(&text[..10])?;
        let (rest, zulu) = bytes[19..].split_at(bytes.len() - 20);
        if zulu != b"Z" {
            return None;
        }
        let nanos = match rest {
            [] => 0,
            [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
                digits(fraction)? * 10u32.pow(9 - fraction.len() as u32)
            }
            _ => return None,
        };
        let time = day.and_hms_nano_opt(
            digits(&bytes[11..13])?,
            digits(&bytes[14..16])?,
            digits(&bytes[17..19])?,
            nanos,
        )?;
        Some(time.and_utc())
    }

    pub(super) fn instant<'de, D: Deserializer<'de>>(from: D) -> Result<DateTime<Utc>, D::Error> {
        let text = <&str>::deserialize(from)?;
        if let Some(instant) = parse_instant(text) {
            return Ok(instant);
        }
        DateTime::parse_from_rfc3339(text)
            .map(|instant| instant.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }

    pub(super) fn day<'de, D: Deserializer<'de>>(from: D) -> Result<NaiveDate, D::Error> {
        let text = <&str>::deserialize(from)?;
        if let Some(day) = parse_day(text) {
            return Ok(day);
        }
        text.parse::<NaiveDate>().map_err(serde::de::Error::custom)
    }
}

/// The chain hash of a manifest line: lowercase hex SHA-256 of its bytes,
/// without the newline. The next entry's `prev` must equal it.
pub fn line_hash(line: &str) -> String {
    hex::encode(Sha256::digest(line.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_fast_are_the_times_chrono_reads() {
        let samples = [
            "2026-03-02T10:00:00Z",
            "2026-03-02T10:00:00.1Z",
            "2026-03-02T23:59:59.999999Z",
            "2024-02-29T00:00:00.123456789Z",
            "1999-12-31T12:34:56.000001Z",
        ];
        for text in samples {
            let expected = DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(fast_time::parse_instant(text), Some(expected), "{text}");
        }
        // Other forms are left to chrono, or refused.
        for text in [
            "2026-03-02T10:00:00+01:00",
            "2026-03-02 10:00:00Z",
            "2026-02-30T10:00:00Z",
            "2026-03-02T10:00:00.Z",
            "2026-03-02T1x:00:00Z",
        ] {
            assert_eq!(fast_time::parse_instant(text), None, "{text}");
        }
        // Written by chrono, read back by the fast path.
        let written = DateTime::from_timestamp(1_772_409_600, 123_456_000).unwrap();
        let json = serde_json::to_string(&written).unwrap();
        assert_eq!(
            fast_time::parse_instant(json.trim_matches('"')),
            Some(written)
        );
    }

    #[test]
    fn a_line_reads_back_to_the_same_entry_and_its_hash_covers_every_byte() {
        let entry = ManifestEntry {
            index: 3,
            prev: GENESIS.to_string(),
            txn: 7,
            path: "sessions/day=2026-03-02/0000000007-000000000100.parquet".into(),
            day: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            first_seq: 100,
            count: 5,
            replaces: None,
            min_time: DateTime::from_timestamp(1_772_400_000, 0).unwrap(),
            max_time: DateTime::from_timestamp(1_772_400_100, 0).unwrap(),
            ingest_time: DateTime::from_timestamp(1_772_500_000, 0).unwrap(),
            file_sha256: "ab".repeat(32),
            file_size: 1234,
            tail_offset: Some(1000),
            tail_sha256: Some("12".repeat(32)),
            tree_size: 105,
            root: "cd".repeat(32),
            frontier: vec!["ef".repeat(32)],
        };
        let line = entry.to_line();
        assert_eq!(ManifestEntry::from_line(&line).unwrap(), entry);
        let edited = line.replace("\"count\":5", "\"count\":6");
        assert_ne!(line_hash(&line), line_hash(&edited));
        assert!(ManifestEntry::from_line(&line.replace("\"txn\"", "\"extra\":1,\"txn\"")).is_err());
    }

    #[test]
    fn a_line_without_a_tail_is_a_segment_checked_whole() {
        let line = r#"{"index":0,"prev":"0000000000000000000000000000000000000000000000000000000000000000","txn":1,"path":"sessions/day=2026-03-02/0000000001-000000000000.parquet","day":"2026-03-02","first_seq":0,"count":1,"min_time":"2026-03-02T10:00:00Z","max_time":"2026-03-02T10:00:00Z","ingest_time":"2026-03-03T10:00:00Z","file_sha256":"abababababababababababababababababababababababababababababababab","file_size":10,"tree_size":1,"root":"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd","frontier":[]}"#;
        let entry = ManifestEntry::from_line(line).unwrap();
        assert_eq!(
            (entry.tail_offset, entry.tail_sha256.as_deref()),
            (None, None)
        );
        assert_eq!(entry.to_line(), line);
    }
}
