//! Compaction: one file holding the records of many small segments, listed
//! by a manifest line of its own that replaces them (FORMAT.md §5
//! "Compaction").
//!
//! The tree, the checkpoints and every proof stay as they were: a
//! compaction keeps every record with its sequence number, so the leaves
//! are the same; only where the records are kept changes. A manifest line
//! with `replaces` is a compaction's: its records `first_seq .. first_seq +
//! count` must be exactly those of `replaces` segments that were live just
//! before it (listed, and not yet replaced), which from then on are not.
//! [`holders`] follows the manifest and says, for every line, which line's
//! file holds its records now.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::manifest::ManifestEntry;

/// Where the records of each manifest line are now.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Holders {
    /// For each line (by position): the position of the line whose file
    /// holds its records now, itself when nothing replaced it; `None` for a
    /// line that was not given (it did not parse).
    pub holder: Vec<Option<usize>>,
    /// The lines whose files hold records now, in sequence order.
    pub live: Vec<usize>,
    /// For each line: the earliest and the latest `ingest_time` of the
    /// records its file holds (a compaction line's own `ingest_time` is
    /// when it compacted them); retention counts from the latest
    /// (FORMAT.md §9).
    pub stored: Vec<Option<(DateTime<Utc>, DateTime<Utc>)>>,
}

/// A compaction line that does not replace what it should.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TilingError {
    #[error(
        "manifest line {line} compacts records {first_seq}..{end_seq}, but the live segments \
         do not begin and end there: {detail}"
    )]
    NotTiled {
        line: usize,
        first_seq: u64,
        end_seq: u64,
        detail: String,
    },
    #[error(
        "manifest line {line} says it replaces {claimed} segments, but {actual} held its records"
    )]
    Count {
        line: usize,
        claimed: u64,
        actual: u64,
    },
}

/// Follows a stream's manifest (`entries[i]` is line `i + 1`'s entry, or
/// `None` when it does not parse) and says which line holds the records of
/// each. A compaction line that does not replace live segments exactly is
/// reported and ignored: the segments it names stay where they were.
pub fn holders(entries: &[Option<&ManifestEntry>]) -> (Holders, Vec<TilingError>) {
    // Live lines by their first sequence number: (line position, end).
    let mut live: BTreeMap<u64, (usize, u64)> = BTreeMap::new();
    let mut replaced_by: Vec<Option<usize>> = vec![None; entries.len()];
    let mut stored: Vec<Option<(DateTime<Utc>, DateTime<Utc>)>> = vec![None; entries.len()];
    let mut errors = Vec::new();
    for (position, entry) in entries.iter().enumerate() {
        let Some(entry) = entry else { continue };
        let Some(claimed) = entry.replaces else {
            live.insert(entry.first_seq, (position, entry.end_seq()));
            stored[position] = Some((entry.ingest_time, entry.ingest_time));
            continue;
        };
        let (first_seq, end_seq) = (entry.first_seq, entry.end_seq());
        let not_tiled = |detail: String| TilingError::NotTiled {
            line: position + 1,
            first_seq,
            end_seq,
            detail,
        };
        let inside: Vec<(u64, usize, u64)> = live
            .range(first_seq..end_seq)
            .map(|(start, (line, end))| (*start, *line, *end))
            .collect();
        let mut next = first_seq;
        for (start, _, end) in &inside {
            if *start != next {
                break;
            }
            next = *end;
        }
        let gap = match next.cmp(&end_seq) {
            std::cmp::Ordering::Equal => None,
            std::cmp::Ordering::Less => Some(format!("no live segment begins at {next}")),
            std::cmp::Ordering::Greater => Some(format!(
                "the last live segment inside ends at {next}, past the compaction's end"
            )),
        };
        if let Some(detail) = gap {
            errors.push(not_tiled(detail));
            continue;
        }
        if claimed != inside.len() as u64 {
            errors.push(TilingError::Count {
                line: position + 1,
                claimed,
                actual: inside.len() as u64,
            });
            continue;
        }
        for (start, line, _) in inside {
            live.remove(&start);
            replaced_by[line] = Some(position);
            stored[position] = match (stored[position], stored[line]) {
                (Some((from, until)), Some((line_from, line_until))) => {
                    Some((from.min(line_from), until.max(line_until)))
                }
                (mine, theirs) => mine.or(theirs),
            };
        }
        live.insert(first_seq, (position, end_seq));
    }
    // A line replaced later is always replaced by a later line, so walking
    // backwards finds each line's final holder after its replacer's.
    let mut holder: Vec<Option<usize>> = vec![None; entries.len()];
    for position in (0..entries.len()).rev() {
        if entries[position].is_none() {
            continue;
        }
        holder[position] = match replaced_by[position] {
            Some(replacer) => holder[replacer],
            None => Some(position),
        };
    }
    let live = live.values().map(|(line, _)| *line).collect();
    (
        Holders {
            holder,
            live,
            stored,
        },
        errors,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDate};

    fn line(first_seq: u64, count: u64, replaces: Option<u64>) -> ManifestEntry {
        let time = DateTime::from_timestamp(1_772_400_000, 0).unwrap();
        ManifestEntry {
            index: 0,
            prev: String::new(),
            txn: 1,
            path: String::new(),
            day: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            first_seq,
            count,
            replaces,
            min_time: time,
            max_time: time,
            ingest_time: time,
            file_sha256: String::new(),
            file_size: 0,
            tail_offset: None,
            tail_sha256: None,
            tree_size: first_seq + count,
            root: String::new(),
            frontier: Vec::new(),
        }
    }

    fn run(lines: &[ManifestEntry]) -> (Holders, Vec<TilingError>) {
        let given: Vec<Option<&ManifestEntry>> = lines.iter().map(Some).collect();
        holders(&given)
    }

    #[test]
    fn segments_alone_hold_their_own_records() {
        let (found, errors) = run(&[line(0, 3, None), line(3, 2, None)]);
        assert!(errors.is_empty());
        assert_eq!(found.holder, vec![Some(0), Some(1)]);
        assert_eq!(found.live, vec![0, 1]);
    }

    #[test]
    fn a_compaction_holds_what_it_replaced_and_a_later_one_takes_over() {
        let lines = [
            line(0, 3, None),
            line(3, 2, None),
            line(5, 4, None),
            line(0, 5, Some(2)),
            line(9, 1, None),
            line(0, 10, Some(3)),
        ];
        let (found, errors) = run(&lines);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            found.holder,
            vec![Some(5), Some(5), Some(5), Some(5), Some(5), Some(5)]
        );
        assert_eq!(found.live, vec![5]);
    }

    #[test]
    fn a_compacted_file_was_stored_when_its_newest_record_was() {
        let mut lines = vec![line(0, 3, None), line(3, 2, None), line(0, 5, Some(2))];
        lines[0].ingest_time += chrono::TimeDelta::days(3);
        lines[2].ingest_time += chrono::TimeDelta::days(30);
        let (found, _) = run(&lines);
        assert_eq!(
            found.stored[2],
            Some((lines[1].ingest_time, lines[0].ingest_time))
        );
        assert_eq!(
            found.stored[1],
            Some((lines[1].ingest_time, lines[1].ingest_time))
        );
    }

    #[test]
    fn live_lines_come_in_sequence_order() {
        let lines = [line(0, 3, None), line(3, 2, None), line(3, 2, Some(1))];
        let (found, errors) = run(&lines);
        assert!(errors.is_empty());
        assert_eq!(found.live, vec![0, 2]);
        assert_eq!(found.holder, vec![Some(0), Some(2), Some(2)]);
    }

    #[test]
    fn a_compaction_that_cuts_a_segment_or_leaves_a_gap_is_refused() {
        let base = [line(0, 3, None), line(3, 2, None)];
        for (bad, expected) in [
            (line(1, 4, Some(1)), "no live segment begins at 1"),
            (line(0, 4, Some(2)), "ends at 5"),
            (line(0, 6, Some(2)), "no live segment begins at 5"),
            (line(7, 1, Some(1)), "no live segment begins at 7"),
        ] {
            let lines = [base[0].clone(), base[1].clone(), bad.clone()];
            let (found, errors) = run(&lines);
            assert_eq!(errors.len(), 1, "{bad:?}");
            assert!(errors[0].to_string().contains(expected), "{}", errors[0]);
            // Ignored: the segments stay where they were.
            assert_eq!(found.live, vec![0, 1]);
            assert_eq!(found.holder, vec![Some(0), Some(1), Some(2)]);
        }
    }

    #[test]
    fn a_compaction_counting_wrong_or_replacing_a_replaced_segment_is_refused() {
        let lines = [line(0, 3, None), line(3, 2, None), line(0, 5, Some(3))];
        let (_, errors) = run(&lines);
        assert_eq!(
            errors,
            vec![TilingError::Count {
                line: 3,
                claimed: 3,
                actual: 2
            }]
        );
        // Line 1 was replaced by line 3: a fourth line cannot replace it again.
        let lines = [
            line(0, 3, None),
            line(3, 2, None),
            line(0, 5, Some(2)),
            line(0, 3, Some(1)),
        ];
        let (found, errors) = run(&lines);
        assert_eq!(errors.len(), 1);
        assert_eq!(found.live, vec![2]);
    }

    #[test]
    fn a_line_that_did_not_parse_holds_nothing() {
        let first = line(0, 3, None);
        let (found, errors) = holders(&[Some(&first), None]);
        assert!(errors.is_empty());
        assert_eq!(found.holder, vec![Some(0), None]);
        assert_eq!(found.live, vec![0]);
    }
}
