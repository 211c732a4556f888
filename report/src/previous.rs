//! Last year's review, read from its JSON document (`vakt review --format
//! json`, or `vakt report --data`'s file, which holds it under `review`):
//! the findings, verdicts and totals to compare with, and the signed
//! checkpoints the store must have grown from. Only the fields of
//! CHECKS.md's "JSON output" are read; unknown ones are ignored.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::ReportError;

/// Last year's review.
#[derive(Clone, Debug, Deserialize)]
pub struct Previous {
    #[serde(skip)]
    pub year: i32,
    #[serde(default)]
    pub institute: String,
    period: PreviousPeriod,
    #[serde(default)]
    areas: Vec<PreviousArea>,
    #[serde(default)]
    totals: BTreeMap<String, usize>,
    integrity: Option<PreviousIntegrity>,
}

#[derive(Clone, Debug, Deserialize)]
struct PreviousPeriod {
    year: i32,
}

#[derive(Clone, Debug, Deserialize)]
pub struct PreviousArea {
    pub area: String,
    #[serde(default)]
    pub verdict: String,
    #[serde(default)]
    pub findings: Vec<PreviousFinding>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct PreviousFinding {
    pub check: String,
    pub subject: String,
    #[serde(default)]
    pub severity: String,
}

#[derive(Clone, Debug, Deserialize)]
struct PreviousIntegrity {
    #[serde(default)]
    streams: Vec<PreviousStream>,
}

#[derive(Clone, Debug, Deserialize)]
struct PreviousStream {
    stream: String,
    #[serde(default)]
    records: u64,
    checkpoint: Option<String>,
}

impl Previous {
    /// Reads last year's review from its JSON bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Previous, ReportError> {
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|error| ReportError::Previous(format!("not JSON: {error}")))?;
        let review = match value.get("review") {
            Some(review) if review.is_object() => review.clone(),
            _ => value,
        };
        let mut previous: Previous = serde_json::from_value(review).map_err(|error| {
            ReportError::Previous(format!(
                "not the JSON document of `vakt review --format json`: {error}"
            ))
        })?;
        previous.year = previous.period.year;
        Ok(previous)
    }

    /// Every finding with its area's letter.
    pub fn findings(&self) -> impl Iterator<Item = (&str, &PreviousFinding)> {
        self.areas.iter().flat_map(|area| {
            area.findings
                .iter()
                .map(move |finding| (area.area.as_str(), finding))
        })
    }

    pub fn finding_count(&self) -> usize {
        self.areas.iter().map(|area| area.findings.len()).sum()
    }

    pub fn area(&self, letter: &str) -> Option<&PreviousArea> {
        self.areas.iter().find(|area| area.area == letter)
    }

    /// Findings of one severity (`high`, `medium`, `low`) over all areas.
    pub fn total(&self, severity: &str) -> usize {
        self.totals.get(severity).copied().unwrap_or(0)
    }

    fn stream(&self, stream: &str) -> Option<&PreviousStream> {
        self.integrity
            .as_ref()?
            .streams
            .iter()
            .find(|state| state.stream == stream)
    }

    /// Records in a stream last year.
    pub fn records(&self, stream: &str) -> Option<u64> {
        self.stream(stream).map(|state| state.records)
    }

    /// Last year's newest signed checkpoint of a stream, as a note.
    pub fn checkpoint(&self, stream: &str) -> Option<&str> {
        self.stream(stream)?.checkpoint.as_deref()
    }

    /// The streams that had a checkpoint last year.
    pub fn streams(&self) -> impl Iterator<Item = &str> {
        self.integrity
            .iter()
            .flat_map(|integrity| &integrity.streams)
            .filter(|state| state.checkpoint.is_some())
            .map(|state| state.stream.as_str())
    }
}
