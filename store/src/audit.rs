//! Appending to the `audit` stream: vakt's own use (queries, exports, spot
//! checks) recorded by the commands themselves. An audit append does not
//! need the ingest lock, only the short commit lock, so queries are
//! recorded even while a long ingest runs.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, SubsecRound, Utc};
use vakt_schemas::{AuditEvent, Event};

use crate::commit::Committer;
use crate::writer::{PendingRecord, WriteError};

/// The `source` of audit records.
pub const AUDIT_SOURCE: &str = "vakt";

/// Appends one audit record and returns its sequence number in the `audit` stream.
pub fn append_audit(root: &Path, event: AuditEvent) -> Result<u64, WriteError> {
    let committer = Committer::open(root)?;
    let record = audit_record(event, Utc::now());
    let (head, _) = committer.commit(vec![record], BTreeMap::new(), None)?;
    let size = head
        .stream(vakt_schemas::Stream::Audit)
        .map_or(0, |stream| stream.tree_size);
    Ok(size.saturating_sub(1))
}

/// An audit record of `event` at `time`: its `raw` is the event's JSON.
pub(crate) fn audit_record(event: AuditEvent, time: DateTime<Utc>) -> PendingRecord {
    let raw = serde_json::to_string(&event).unwrap_or_default();
    PendingRecord {
        time: time.trunc_subsecs(6),
        source: AUDIT_SOURCE.to_string(),
        raw,
        event: Event::Audit(event),
    }
}

/// The operating-system user running this process: the name of its uid
/// (from the system's user database, LDAP included), else `uid:N`.
pub fn os_user() -> String {
    match uzers::get_current_username() {
        Some(name) => name.to_string_lossy().into_owned(),
        None => format!("uid:{}", uzers::get_current_uid()),
    }
}
