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

/// The operating-system user running this process: the name of its real
/// uid in /etc/passwd, else `$USER`, else `uid:N`.
pub fn os_user() -> String {
    let uid = current_uid();
    let from_passwd = std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|passwd| {
            passwd.lines().find_map(|line| {
                let mut fields = line.split(':');
                let name = fields.next()?;
                let entry_uid = fields.nth(1)?;
                (entry_uid == uid).then(|| name.to_string())
            })
        });
    from_passwd
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| format!("uid:{uid}"))
}

fn current_uid() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().next().map(str::to_string))
        })
        .unwrap_or_else(|| "unknown".to_string())
}
