//! The review as Markdown, for a person reading it in a terminal or a
//! ticket: verdicts first, then each area's findings with their evidence.

use std::fmt::Write;

use crate::{Review, Severity};

/// The whole review as Markdown.
pub fn markdown(review: &Review) -> String {
    let mut out = String::new();
    let period = &review.period;
    let local = |time: chrono::DateTime<chrono::Utc>| {
        time.with_timezone(&period.zone)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let _ = writeln!(
        out,
        "# Security review {} — {}\n",
        period.year, review.institute
    );
    let _ = writeln!(
        out,
        "Period: {} to {} ({}). Registry: {} snapshot(s); {} datasets, {} people, {} grants, {} deletions.\n",
        local(period.start),
        local(period.cutoff),
        period.zone.name(),
        review.registry.snapshots,
        review.registry.datasets,
        review.registry.people,
        review.registry.grants,
        review.registry.deletions
    );
    if review.registry.snapshots == 0 {
        let _ = writeln!(
            out,
            "**No registry has been recorded in this store** (`vakt ingest --registry DIR`): no dataset, person or authorisation is known, so every session and file access counts as unauthorised.\n"
        );
    }
    let _ = writeln!(
        out,
        "| area | verdict | high | medium | low |\n|---|---|---:|---:|---:|"
    );
    for area in &review.areas {
        let count = |severity| area.counts.get(&severity).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "| ({}) {} | {} | {} | {} | {} |",
            area.area.letter(),
            area.title,
            area.verdict.replace('_', " "),
            count(Severity::High),
            count(Severity::Medium),
            count(Severity::Low)
        );
    }
    let integrity = match review.integrity.verified {
        Some(true) => "verified".to_string(),
        Some(false) => format!("FAILED ({} problems)", review.integrity.problems.len()),
        None => "not verified in this run".to_string(),
    };
    let _ = writeln!(out, "\nLog integrity: {integrity}.\n");

    for area in &review.areas {
        let _ = writeln!(
            out,
            "## ({}) {}: {}\n",
            area.area.letter(),
            area.title,
            area.verdict.replace('_', " ")
        );
        if !area.not_assessable.is_empty() {
            let reasons: Vec<&str> = area
                .not_assessable
                .iter()
                .map(|reason| reason.describe())
                .collect();
            let _ = writeln!(
                out,
                "Could not be fully assessed: {}.\n",
                reasons.join("; ")
            );
        }
        for check in &area.checks {
            let outcome = match check.not_assessable {
                Some(reason) if check.findings == 0 => {
                    format!("not assessable ({})", reason.describe())
                }
                _ => format!("{} finding(s)", check.findings),
            };
            let _ = writeln!(
                out,
                "- `{}` ({}): {} — {outcome}",
                check.check, check.clause, check.verifies
            );
            if let Some(basis) = &check.multi_factor
                && basis.from_policy + basis.unknown > 0
            {
                let _ = writeln!(
                    out,
                    "  - of the logins into the secure zone, {} judged by their log, {} by the \
                     terminal server's configured policy (secure_zone.multi_factor; the log does \
                     not say), {} not judged (neither says)",
                    basis.from_log, basis.from_policy, basis.unknown
                );
            }
        }
        if area.findings.is_empty() {
            let _ = writeln!(out, "\nNo findings.\n");
            continue;
        }
        let _ = writeln!(out);
        for finding in &area.findings {
            let severity = match finding.severity {
                Severity::High => "high",
                Severity::Medium => "medium",
                Severity::Low => "low",
            };
            let _ = writeln!(
                out,
                "### {} [{}, {}] {}\n",
                finding.check, finding.clause, severity, finding.subject
            );
            let _ = writeln!(out, "{}\n", finding.statement);
            for (stream, records) in &finding.evidence.records {
                let seqs: Vec<String> = records.seqs.iter().map(u64::to_string).collect();
                let more = if records.count as usize > records.seqs.len() {
                    ", …"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "- {stream}: {} record(s), {} to {}, seq {}{more}",
                    records.count,
                    local(records.first),
                    local(records.last),
                    seqs.join(", ")
                );
            }
            for entry in &finding.evidence.registry {
                let _ = writeln!(out, "- {entry}");
            }
            for note in &finding.evidence.notes {
                let _ = writeln!(out, "- {note}");
            }
            let _ = writeln!(out);
        }
    }

    let spot = &review.spot_checks;
    let _ = writeln!(
        out,
        "## Spot checks\n\n{} draw(s), {} item(s) drawn, {} checked, {} finding(s).\n",
        spot.draws,
        spot.items_drawn,
        spot.items_checked,
        spot.findings.len()
    );
    for finding in &spot.findings {
        let _ = writeln!(
            out,
            "- draw {} {} seq {}: {}",
            finding.draw, finding.stream, finding.item, finding.finding
        );
    }
    let _ = writeln!(out, "\n## Log integrity and retention\n");
    for stream in &review.integrity.streams {
        let _ = writeln!(
            out,
            "- {}: {} records, root {}",
            stream.stream, stream.records, stream.root
        );
    }
    for problem in &review.integrity.problems {
        let _ = writeln!(out, "- problem: {problem}");
    }
    out
}
