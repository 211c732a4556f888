//! The measures the institute records for the review's findings
//! (`measures.toml`, 5.6.c): each finding with its measure, and the
//! measures that match no finding.

use serde::Serialize;
use vakt_schemas::registry::Measure;

use crate::{AreaReview, Finding, History, Severity};

/// A finding and what is done about it.
#[derive(Debug, Serialize)]
pub struct MeasureRow {
    pub check: &'static str,
    pub subject: String,
    pub severity: Severity,
    pub measure: Option<String>,
    pub owner: Option<String>,
    pub deadline: Option<chrono::NaiveDate>,
}

/// Each finding with its recorded measure, and the measures that match none.
pub fn of_findings(areas: &[AreaReview], history: &History) -> (Vec<MeasureRow>, Vec<Measure>) {
    let recorded = history
        .snapshots
        .last()
        .map_or(&[][..], |snapshot| &snapshot.registry.measures[..]);
    let findings: Vec<&Finding> = areas.iter().flat_map(|area| &area.findings).collect();
    let rows = findings
        .iter()
        .map(|finding| {
            let measure = recorded
                .iter()
                .find(|measure| measure.is_for(finding.check, &finding.subject));
            MeasureRow {
                check: finding.check,
                subject: finding.subject.clone(),
                severity: finding.severity,
                measure: measure.map(|measure| measure.measure.clone()),
                owner: measure.and_then(|measure| measure.owner.clone()),
                deadline: measure.and_then(|measure| measure.deadline),
            }
        })
        .collect();
    let unmatched = recorded
        .iter()
        .filter(|measure| {
            !findings
                .iter()
                .any(|finding| measure.is_for(finding.check, &finding.subject))
        })
        .cloned()
        .collect();
    (rows, unmatched)
}
