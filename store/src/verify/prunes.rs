//! The prunes of a store: every segment `pruned.jsonl` lists was removed
//! by a prune that the `audit` stream records (who, when), and only after
//! all its records were older than the minimum retention at that time.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::prune::{MIN_RETENTION_DAYS, PrunedSegment};
use vakt_schemas::{Event, Stream, layout};

use super::report::{Problem, PruneReport};
use crate::prune::PRUNE_COMMAND;
use crate::reader::StoreReader;

/// Checks every prune and reports what each removed.
pub(super) fn check(
    store: &StoreReader,
    pruned: &BTreeMap<String, PrunedSegment>,
    problems: &mut Vec<Problem>,
) -> Vec<PruneReport> {
    let mut by_txn: BTreeMap<u64, Vec<&PrunedSegment>> = BTreeMap::new();
    for segment in pruned.values() {
        by_txn.entry(segment.txn).or_default().push(segment);
    }
    if by_txn.is_empty() {
        return Vec::new();
    }
    let mut entries: BTreeMap<String, ManifestEntry> = BTreeMap::new();
    let mut stored_until = BTreeMap::new();
    for stream in Stream::ALL {
        if let Ok(stream_entries) = store.manifest_entries(stream) {
            entries.extend(
                stream_entries
                    .into_iter()
                    .map(|entry| (entry.path.clone(), entry)),
            );
        }
        stored_until.extend(
            store
                .live_segments(stream)
                .unwrap_or_default()
                .into_iter()
                .map(|live| (live.entry.path, live.ingested.last)),
        );
    }
    let audit_entries = store.manifest_entries(Stream::Audit).unwrap_or_default();
    let mut reports = Vec::new();
    for (txn, segments) in by_txn {
        let record = audit_entries
            .iter()
            .filter(|entry| entry.txn == txn)
            .filter_map(|entry| store.segment_records(Stream::Audit, entry).ok())
            .flatten()
            .find(|record| {
                matches!(&record.event, Event::Audit(audit) if audit.command == PRUNE_COMMAND)
            });
        let mut report = PruneReport {
            txn,
            time: record.as_ref().map(|record| record.envelope.time),
            user: record.as_ref().and_then(|record| match &record.event {
                Event::Audit(audit) => Some(audit.user.clone()),
                _ => None,
            }),
            segments: BTreeMap::new(),
            records: BTreeMap::new(),
        };
        if record.is_none() {
            problems.push(
                Problem::store_wide(
                    "prune-record",
                    format!(
                        "{} segments are listed as pruned in commit {txn}, but the audit stream \
                         holds no prune record of that commit: rows were removed without a prune",
                        segments.len()
                    ),
                )
                .in_file(layout::PRUNED.into()),
            );
        }
        let limit = report
            .time
            .map(|time| time - TimeDelta::days(i64::from(MIN_RETENTION_DAYS)));
        for segment in segments {
            *report.segments.entry(segment.stream).or_default() += 1;
            *report.records.entry(segment.stream).or_default() += segment.count;
            let Some(entry) = entries.get(&segment.path) else {
                problems.push(
                    Problem::new(
                        segment.stream,
                        "prune-record",
                        format!(
                            "pruned.jsonl lists {}, which no manifest line names",
                            segment.path
                        ),
                    )
                    .in_file(layout::PRUNED.into()),
                );
                continue;
            };
            // A compacted file's records were stored when the segments
            // it replaced were.
            let stored = stored_until
                .get(&segment.path)
                .copied()
                .unwrap_or(entry.ingest_time);
            if let Some(limit) = limit
                && (entry.max_time >= limit || stored >= limit)
            {
                problems.push(
                    Problem::new(
                        segment.stream,
                        "prune-too-early",
                        format!(
                            "{} was pruned at {} although it holds records of {} stored at {}: \
                             less than {MIN_RETENTION_DAYS} days before",
                            entry.path,
                            report
                                .time
                                .map(|time| time.to_rfc3339())
                                .unwrap_or_default(),
                            entry.max_time.to_rfc3339(),
                            stored.to_rfc3339()
                        ),
                    )
                    .in_entry(entry),
                );
            }
        }
        reports.push(report);
    }
    reports
}
