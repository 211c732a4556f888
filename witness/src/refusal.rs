//! `refusals.jsonl`: the evidence a witness keeps for its owner. Each line
//! is one refused checkpoint whose log signature verified (a fork, a proof
//! that does not verify, a checkpoint smaller than the one already
//! witnessed): what the witness held, what it was sent, and why it said no.
//! Signed by the log, such a pair is proof of the log's misbehaviour that
//! anyone can check.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::files::append_durably;

/// The name of the refusals file in a witness's folder.
pub const REFUSALS_FILE: &str = "refusals.jsonl";

/// One line of `refusals.jsonl`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// When the checkpoint was refused, RFC 3339 UTC.
    pub time: String,
    /// The checkpoint's origin.
    pub origin: String,
    /// The latest checkpoint note the witness held for the origin, if any.
    pub stored_note: Option<String>,
    /// The refused checkpoint note, as submitted.
    pub submitted_note: String,
    /// Why it was refused.
    pub reason: String,
}

impl Refusal {
    /// A refusal at `now` (POSIX seconds).
    pub fn new(
        now: u64,
        origin: &str,
        stored_note: Option<&str>,
        submitted_note: &str,
        reason: &str,
    ) -> Self {
        let time = i64::try_from(now)
            .ok()
            .and_then(|seconds| DateTime::<Utc>::from_timestamp(seconds, 0))
            .map(|time| time.to_rfc3339_opts(SecondsFormat::Secs, true))
            .unwrap_or_else(|| now.to_string());
        Self {
            time,
            origin: origin.to_string(),
            stored_note: stored_note.map(str::to_string),
            submitted_note: submitted_note.to_string(),
            reason: reason.to_string(),
        }
    }

    /// Appends this refusal as one JSON line to `path`, fsync'd.
    pub(crate) fn append_to(&self, path: &Path) -> std::io::Result<()> {
        let mut line = serde_json::to_string(self).map_err(std::io::Error::other)?;
        line.push('\n');
        append_durably(path, &line)
    }
}

/// Reads every refusal of a `refusals.jsonl`; none when it does not exist.
pub fn read_refusals(path: &Path) -> std::io::Result<Vec<Refusal>> {
    let Some(text) = crate::files::read_optional(path)? else {
        return Ok(Vec::new());
    };
    text.lines()
        .map(|line| serde_json::from_str(line).map_err(std::io::Error::other))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_and_reads_back() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join(REFUSALS_FILE);
        assert_eq!(read_refusals(&path).unwrap(), Vec::new());
        let first = Refusal::new(0, "o", None, "note\n", "fork");
        let second = Refusal::new(1_700_000_000, "o", Some("old\n"), "new\n", "proof");
        first.append_to(&path).unwrap();
        second.append_to(&path).unwrap();
        assert_eq!(first.time, "1970-01-01T00:00:00Z");
        assert_eq!(read_refusals(&path).unwrap(), vec![first, second]);
    }
}
