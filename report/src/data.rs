//! The document the template lays out: the review put into the shape of the
//! pages, with every time already in the institute's zone and every date
//! already written in the document's language, so the template only
//! arranges text. Serialised as `/review.json`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};
use vakt_review::{Check, Finding, Review, Severity};

use crate::anchors::{self, Anchors};
use crate::previous::Previous;
use crate::{Language, RenderOptions, ReportError};

/// Notes shown per finding; the rest are counted.
const NOTES_SHOWN: usize = 6;

/// A check with more findings than this gets one line per finding.
const COMPACT_FROM: usize = 16;

/// Sequence numbers shown on a finding's line.
const SEQS_SHORT: usize = 4;

/// The findings of an area grouped by check, in their order; a check with
/// many findings is marked `compact`.
fn groups(findings: &[Finding], zone: Tz, language: Language) -> Vec<Value> {
    let mut groups: Vec<(&str, Vec<&Finding>)> = Vec::new();
    for finding in findings {
        match groups.last_mut() {
            Some((check, members)) if *check == finding.check => members.push(finding),
            _ => groups.push((finding.check, vec![finding])),
        }
    }
    groups
        .into_iter()
        .map(|(check, members)| {
            let first = members[0];
            json!({
                "check": check,
                "clause": first.clause,
                "severity": first.severity,
                "count": members.len(),
                "compact": members.len() >= COMPACT_FROM,
                "findings": members.iter().map(|finding| finding_view(finding, zone, language)).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// The date of the document: the one given, else the local day the review
/// was made.
pub fn document_date(review: &Review, options: &RenderOptions) -> NaiveDate {
    options
        .date
        .unwrap_or_else(|| review.period.day_of(review.made))
}

/// The whole document as JSON.
pub fn document(review: &Review, options: &RenderOptions) -> Result<Value, ReportError> {
    let language = options.language;
    let zone = review.period.zone;
    let local = |time: DateTime<Utc>| local_time(zone, time);
    let first_day = review.period.day_of(review.period.start);
    let last_day = review
        .period
        .day_of(review.period.cutoff - Duration::microseconds(1));
    let date = document_date(review, options);

    let areas: Vec<Value> = review
        .areas
        .iter()
        .map(|area| {
            json!({
                "letter": area.area.letter(),
                "title": area.title,
                "verdict": area.verdict,
                "not_assessable": area.not_assessable.iter().map(|reason| reason.id()).collect::<Vec<_>>(),
                "counts": severity_counts(&area.counts),
                "total": area.findings.len(),
                "checks": area.checks.iter().map(|check| json!({
                    "id": check.check,
                    "clause": check.clause,
                    "severity": check.severity,
                    "verifies": check.verifies,
                    "findings": check.findings,
                    "multi_factor": check.multi_factor,
                    "not_assessable": check.not_assessable.map(|reason| reason.id()),
                })).collect::<Vec<_>>(),
                "findings": area.findings.iter().map(|finding| finding_view(finding, zone, language)).collect::<Vec<_>>(),
                "groups": groups(&area.findings, zone, language),
            })
        })
        .collect();

    let anchors = match &options.anchors {
        Some(anchors) => anchors.clone(),
        None => anchors::unchecked(review),
    };
    let streams = streams_view(review, options, &anchors);

    let silent: Vec<Value> = review
        .areas
        .iter()
        .flat_map(|area| &area.findings)
        .filter(|finding| finding.check == Check::SilentSource.id())
        .map(|finding| {
            let gaps: Vec<Value> = finding
                .evidence
                .notes
                .iter()
                .map(|note| gap(note))
                .collect();
            let longest = gaps.iter().filter_map(|gap| gap["hours"].as_u64()).max();
            json!({
                "host": finding.subject.trim_start_matches("host="),
                "times": gaps.len(),
                "longest": longest,
                "gaps": gaps,
            })
        })
        .collect();
    let days_without_logs: Vec<&String> = review
        .areas
        .iter()
        .flat_map(|area| &area.findings)
        .filter(|finding| finding.check == Check::DaysWithoutLogs.id())
        .flat_map(|finding| &finding.evidence.notes)
        .collect();

    let spot = &review.spot_checks;
    let spot_checks = json!({
        "draws": spot.draws,
        "items_drawn": spot.items_drawn,
        "items_checked": spot.items_checked,
        "findings": spot.findings.iter().map(|finding| json!({
            "draw": finding.draw,
            "stream": finding.stream,
            "item": finding.item,
            "finding": finding.finding,
        })).collect::<Vec<_>>(),
        "by_draw": spot.by_draw.iter().map(|draw| json!({
            "draw": draw.draw,
            "drawn_at": local(draw.drawn_at),
            "drawn_by": draw.drawn_by,
            "stream": draw.stream,
            "items": draw.items,
            "checked": draw.checked,
            "findings": draw.findings,
        })).collect::<Vec<_>>(),
    });

    let registry = &review.registry;
    let all_checks: Vec<Value> = Check::ALL
        .iter()
        .map(|check| {
            json!({
                "id": check.id(),
                "area": check.area().letter(),
                "clause": check.clause(),
                "severity": check.severity(),
                "verifies": check.describe(),
            })
        })
        .collect();

    let changes = options
        .previous
        .as_ref()
        .map(|previous| changes(review, previous));

    Ok(json!({
        "lang": language.code(),
        "institute": review.institute,
        "year": review.period.year,
        "zone": zone.name(),
        "date": long_date(date, language),
        "date_iso": date.to_string(),
        "period": {
            "from": long_date(first_day, language),
            "to": long_date(last_day, language),
            "cutoff": local(review.period.cutoff),
            "complete": review.period.cutoff >= review.period.end,
        },
        "sources": options.figures.as_ref().map(|figures| figures.sources.iter().map(|span| json!({
            "stream": span.stream,
            "source": span.source,
            "records": span.records,
            "first": local(span.first),
            "last": local(span.last),
        })).collect::<Vec<_>>()).unwrap_or_default(),
        "measures": review.measures.iter().map(|row| json!({
            "check": row.check,
            "subject": row.subject,
            "severity": row.severity,
            "measure": row.measure,
            "owner": row.owner,
            "deadline": row.deadline.map(|day| day.to_string()),
        })).collect::<Vec<_>>(),
        "measures_unmatched": review.measures_unmatched.iter().map(|measure| json!({
            "finding": measure.finding,
            "measure": measure.measure,
        })).collect::<Vec<_>>(),
        "director": options.director,
        "prepared_by": options.prepared_by,
        "vakt_version": review.vakt_version,
        "renderer_version": env!("CARGO_PKG_VERSION"),
        "config_digest": options.config_digest,
        "verified": review.integrity.verified,
        "problems": review.integrity.problems,
        "key_fingerprint": anchors.key_fingerprint.clone().or_else(|| review.integrity.key_fingerprint.clone()),
        "witnessing": review.integrity.witnessing.as_ref().map(|witnessing| json!({
            "witnesses": witnessing.witnesses,
            "max_age_hours": witnessing.max_age_hours,
            "gaps": witnessing.gaps.len(),
        })),
        "key_problem": anchors.key_problem,
        "registry": {
            "snapshots": registry.snapshots,
            "first_recorded": registry.first_recorded.map(local),
            "files": registry.files.iter().map(|(file, sha256)| json!({"file": file, "sha256": sha256})).collect::<Vec<_>>(),
            "recorded_after_start": registry
                .first_recorded
                .is_some_and(|first| first > review.period.start),
            "last_recorded": registry.last_recorded.map(local),
            "datasets": registry.datasets,
            "people": registry.people,
            "grants": registry.grants,
            "deletions": registry.deletions,
            "unreadable": registry.unreadable.len(),
        },
        "totals": severity_counts(&review.totals),
        "total": review.totals.values().sum::<usize>(),
        "areas": areas,
        "spot_checks": spot_checks,
        "streams": streams,
        "silent": silent,
        "days_without_logs": days_without_logs,
        "figures": options.figures,
        "changes": changes,
        "all_checks": all_checks,
    }))
}

fn severity_counts(counts: &BTreeMap<Severity, usize>) -> Value {
    let count = |severity| counts.get(&severity).copied().unwrap_or(0);
    json!({
        "high": count(Severity::High),
        "medium": count(Severity::Medium),
        "low": count(Severity::Low),
    })
}

fn finding_view(finding: &Finding, zone: Tz, language: Language) -> Value {
    let records: Vec<Value> = finding
        .evidence
        .records
        .iter()
        .map(|(stream, records)| {
            json!({
                "stream": stream.name(),
                "count": records.count,
                "first": local_time(zone, records.first),
                "last": local_time(zone, records.last),
                "seqs": seq_ranges(&records.seqs),
                "seqs_short": seq_ranges(&records.seqs[..records.seqs.len().min(SEQS_SHORT)]),
                "more": records.count.saturating_sub(records.seqs.len() as u64),
            })
        })
        .collect();
    let hours = match language {
        Language::Nb => "t",
        Language::En => "h",
    };
    let notes: Vec<String> = finding
        .evidence
        .notes
        .iter()
        .map(|note| {
            let gap = gap(note);
            match (
                gap["from"].as_str(),
                gap["to"].as_str(),
                gap["hours"].as_u64(),
            ) {
                (Some(from), Some(to), Some(count)) => {
                    format!("{from} \u{2192} {to} ({count} {hours})")
                }
                _ => note.clone(),
            }
        })
        .collect();
    json!({
        "check": finding.check,
        "clause": finding.clause,
        "severity": finding.severity,
        "subject": finding.subject,
        "statement": finding.statements.get(&language).unwrap_or(&finding.statement),
        "records": records,
        "registry": finding.evidence.registry.iter().map(|entry| cited(entry, language)).collect::<Vec<_>>(),
        "notes": notes.iter().take(NOTES_SHOWN).collect::<Vec<_>>(),
        "notes_more": notes.len().saturating_sub(NOTES_SHOWN),
        "lang": language.code(),
    })
}

/// A silent source's gap, from the review's note `silent from A to B (N
/// hours)`; a note in another form is kept as text.
fn gap(note: &str) -> Value {
    // A silent source's gap, or a time without a witness's cosignature.
    let parsed = note
        .strip_prefix("silent from ")
        .or_else(|| note.strip_prefix("no cosignature by a configured witness from "))
        .and_then(|rest| rest.split_once(" to "))
        .and_then(|(from, rest)| {
            let (to, hours) = rest.split_once(" (")?;
            let hours: u64 = hours.strip_suffix(" hours)")?.parse().ok()?;
            Some((from, to, hours))
        });
    match parsed {
        Some((from, to, hours)) => json!({"from": from, "to": to, "hours": hours}),
        None => json!({"text": note}),
    }
}

/// A registry entry cited by the review (`authorizations.toml grant
/// `g7``), in the document's language: the file names stay as they are.
pub(crate) fn cited(entry: &str, language: Language) -> String {
    if language == Language::En {
        return entry.to_string();
    }
    entry
        .replacen(".toml dataset `", ".toml datasett `", 1)
        .replacen(".toml grant `", ".toml autorisasjon `", 1)
        .replacen(".toml deletion of `", ".toml sletting av `", 1)
        .replacen("` on ", "` ", 1)
}

/// Sequence numbers written as ranges: `4, 7-9, 12`.
pub fn seq_ranges(seqs: &[u64]) -> String {
    let mut sorted = seqs.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut index = 0;
    while index < sorted.len() {
        let start = sorted[index];
        let mut end = start;
        while index + 1 < sorted.len() && sorted[index + 1] == end + 1 {
            index += 1;
            end = sorted[index];
        }
        parts.push(if end == start {
            start.to_string()
        } else {
            format!("{start}\u{2013}{end}")
        });
        index += 1;
    }
    parts.join(", ")
}

fn streams_view(review: &Review, options: &RenderOptions, anchors: &Anchors) -> Vec<Value> {
    let zone = review.period.zone;
    review
        .integrity
        .streams
        .iter()
        .map(|state| {
            let name = state.stream.name();
            let anchor = anchors.streams.iter().find(|anchor| anchor.stream == name);
            let days = options
                .figures
                .as_ref()
                .and_then(|figures| figures.days_covered.get(name).copied());
            json!({
                "stream": name,
                "records": state.records,
                "root": state.root,
                "oldest": state.oldest.map(|time| local_time(zone, time)),
                "newest": state.newest.map(|time| local_time(zone, time)),
                "days_covered": days,
                "checkpoint": anchor.and_then(|anchor| anchor.checkpoint.clone()),
                "cosigned": state.cosigned.as_ref().map(|cosigned| json!({
                    "size": cosigned.size,
                    "cosignatures": cosigned.cosignatures.iter().map(|shown| json!({
                        "witness": shown.witness,
                        "time": local_time(zone, shown.time),
                    })).collect::<Vec<_>>(),
                })),
                "consistency": anchor.and_then(|anchor| anchor.since_previous.clone()),
            })
        })
        .collect()
}

/// What changed since last year's review.
fn changes(review: &Review, previous: &Previous) -> Value {
    let key = |check: &str, subject: &str| (check.to_string(), subject.to_string());
    let now: BTreeMap<(String, String), (&str, Severity)> = review
        .areas
        .iter()
        .flat_map(|area| &area.findings)
        .map(|finding| {
            (
                key(finding.check, &finding.subject),
                (finding.area.letter(), finding.severity),
            )
        })
        .collect();
    let before: BTreeMap<(String, String), (String, String)> = previous
        .findings()
        .map(|(area, finding)| {
            (
                key(&finding.check, &finding.subject),
                (area.to_string(), finding.severity.clone()),
            )
        })
        .collect();
    let new: Vec<Value> = now
        .iter()
        .filter(|(key, _)| !before.contains_key(*key))
        .map(|((check, subject), (area, severity))| {
            json!({"area": area, "check": check, "subject": subject, "severity": severity})
        })
        .collect();
    let resolved: Vec<Value> = before
        .iter()
        .filter(|(key, _)| !now.contains_key(*key))
        .map(|((check, subject), (area, severity))| {
            json!({"area": area, "check": check, "subject": subject, "severity": severity})
        })
        .collect();
    let recurring = now.keys().filter(|key| before.contains_key(*key)).count();
    let areas: Vec<Value> = review
        .areas
        .iter()
        .map(|area| {
            let letter = area.area.letter();
            let last = previous.area(letter);
            json!({
                "letter": letter,
                "verdict_before": last.map(|area| area.verdict.clone()),
                "verdict_now": area.verdict,
                "before": last.map(|area| area.findings.len()),
                "now": area.findings.len(),
            })
        })
        .collect();
    let streams: Vec<Value> = review
        .integrity
        .streams
        .iter()
        .map(|state| {
            let name = state.stream.name();
            json!({
                "stream": name,
                "before": previous.records(name),
                "now": state.records,
            })
        })
        .collect();
    let streams_seen: BTreeSet<&str> = previous.streams().collect();
    json!({
        "year": previous.year,
        "institute": previous.institute,
        "same_institute": previous.institute == review.institute,
        "totals_before": {
            "high": previous.total("high"),
            "medium": previous.total("medium"),
            "low": previous.total("low"),
        },
        "total_before": previous.finding_count(),
        "areas": areas,
        "new": new,
        "resolved": resolved,
        "recurring": recurring,
        "streams": streams,
        "streams_with_checkpoint": streams_seen.len(),
    })
}

/// A time in the zone as the review writes it: `2025-03-14 09:12 +01:00`.
pub fn local_time(zone: Tz, time: DateTime<Utc>) -> String {
    vakt_review::period::local_time(zone, time)
}

const MONTHS_NB: [&str; 12] = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
];

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date written out: `1. januar 2026` or `1 January 2026`.
pub fn long_date(date: NaiveDate, language: Language) -> String {
    let month = date.month0() as usize;
    match language {
        Language::Nb => format!("{}. {} {}", date.day(), MONTHS_NB[month], date.year()),
        Language::En => format!("{} {} {}", date.day(), MONTHS_EN[month], date.year()),
    }
}
