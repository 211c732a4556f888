//! Every use of the logs is itself logged: the commands that read records
//! (sql, timeline, search, export, spot checks) append one record to the
//! store's `audit` stream with the OS user, the command, what was asked and
//! how many rows came back, before they show anything.

use std::path::Path;

use anyhow::Context;
use vakt_schemas::AuditEvent;
use vakt_store::append_audit;
use vakt_store::audit::os_user;

/// Appends a use to the audit stream and returns its sequence number. A
/// command must not show its result when this fails.
pub fn record_use(
    store: &Path,
    command: &str,
    detail: Option<String>,
    rows: Option<u64>,
    result: Option<String>,
) -> anyhow::Result<u64> {
    let event = AuditEvent {
        user: os_user(),
        command: command.to_string(),
        detail,
        rows: rows.map(|rows| i64::try_from(rows).unwrap_or(i64::MAX)),
        result,
    };
    append_audit(store, event).with_context(|| {
        format!(
            "cannot record this use of the logs in the audit stream of {}; nothing is shown",
            store.display()
        )
    })
}
