//! What verification reports: problems with their location, per-stream
//! summaries, and the verdict.

use chrono::{DateTime, Utc};
use serde::Serialize;
use vakt_schemas::Stream;
use vakt_schemas::manifest::ManifestEntry;

/// One thing verification found wrong (or, as a warning, worth knowing).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    pub stream: Option<Stream>,
    /// A stable identifier of the kind of problem, for scripts.
    pub kind: &'static str,
    pub message: String,
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub file: Option<String>,
}

impl Problem {
    pub fn new(stream: Stream, kind: &'static str, message: String) -> Problem {
        Problem {
            stream: Some(stream),
            ..Problem::store_wide(kind, message)
        }
    }

    /// A problem of the store as a whole, not of one stream.
    pub fn store_wide(kind: &'static str, message: String) -> Problem {
        Problem {
            stream: None,
            kind,
            message,
            first_seq: None,
            last_seq: None,
            from: None,
            to: None,
            file: None,
        }
    }

    pub(super) fn in_entry(mut self, entry: &ManifestEntry) -> Problem {
        self.first_seq = Some(entry.first_seq);
        self.last_seq = Some((entry.first_seq + entry.count).saturating_sub(1));
        self.from = Some(entry.min_time);
        self.to = Some(entry.max_time);
        self.file = Some(entry.path.clone());
        self
    }

    pub(super) fn at_seq(mut self, seq: u64, time: Option<DateTime<Utc>>) -> Problem {
        self.first_seq = Some(seq);
        self.last_seq = Some(seq);
        self.from = time;
        self.to = time;
        self
    }

    pub(super) fn in_file(mut self, file: String) -> Problem {
        self.file = Some(file);
        self
    }
}

/// What verification found for one stream.
#[derive(Debug, Clone, Serialize)]
pub struct StreamReport {
    pub stream: Stream,
    pub records: u64,
    pub segments: u64,
    /// Root of the tree rebuilt from the records, lowercase hex.
    pub root: String,
    pub checkpoints: u64,
    pub first_time: Option<DateTime<Utc>>,
    pub last_time: Option<DateTime<Utc>>,
}

/// The outcome of a verification.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// True when no problem was found.
    pub ok: bool,
    pub store_id: String,
    /// The fingerprint of the key the store signs with now.
    pub key_fingerprint: String,
    /// Every key that signed the store, oldest first (more than one after
    /// a rotation).
    pub keys: Vec<KeyReport>,
    pub streams: Vec<StreamReport>,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Problem>,
    /// Checkpoints from outside the store that were checked.
    pub external_checkpoints: u64,
    /// Checkpoints that witnesses hold that were checked.
    pub witnessed_checkpoints: u64,
    /// Per stream, which witnesses vouched for it recently enough
    /// (`[witness_policy]`); empty when no policy is set.
    pub witnessing: Vec<WitnessingReport>,
    /// What prunes removed, one entry per prune, oldest first.
    pub pruned: Vec<PruneReport>,
}

/// One prune, as verification found it.
#[derive(Debug, Clone, Serialize)]
pub struct PruneReport {
    /// The commit that pruned.
    pub txn: u64,
    /// When, and by whom, as the prune's `audit` record says (absent when
    /// there is none, which is a problem).
    pub time: Option<DateTime<Utc>>,
    pub user: Option<String>,
    /// Segments and records whose rows were removed, per stream.
    pub segments: std::collections::BTreeMap<Stream, u64>,
    pub records: std::collections::BTreeMap<Stream, u64>,
}

/// One key of the store's chain of keys.
#[derive(Debug, Clone, Serialize)]
pub struct KeyReport {
    /// `SHA256:` and the hex SHA-256 of the public key.
    pub fingerprint: String,
    /// The signed-note verifier key.
    pub verifier_key: String,
    /// The first commit it signed.
    pub from_txn: u64,
    /// When it took over (none for the store's first key).
    pub since: Option<chrono::DateTime<chrono::Utc>>,
}

/// One stream's witnessing against `[witness_policy]`.
#[derive(Debug, Clone, Serialize)]
pub struct WitnessingReport {
    pub stream: Stream,
    /// The witnesses that vouched for it within the policy's hours.
    pub recent: Vec<String>,
    /// The newest time any configured witness vouched for it.
    pub newest: Option<DateTime<Utc>>,
    /// How many the policy asks for.
    pub required: usize,
    pub met: bool,
}
