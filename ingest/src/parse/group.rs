//! Records read from several lines: the lines are held until the record
//! ends, then read together.
//!
//! * auditd: the records of one event share `msg=audit(TIME:SERIAL)`; the
//!   event ends at its `EOE` record or at the first line of another event;
//! * Samba's `log.smbd`: a `[date time, level] file:line(function)` header
//!   and the indented message lines after it;
//! * `journalctl -o export`: `KEY=value` lines, an empty line after each entry.
//!
//! A held record also ends at the end of the input and before a line that
//! cannot be read (too long, not UTF-8): it is read as it stands then.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::auditd::{AuditRecord, audit_event, ends_event};
use super::journald::ExportEntry;
use super::{LineAt, Span};

/// The lines held, and what they hold so far.
#[derive(Debug)]
pub(super) struct Group {
    pub(super) span: Span,
    pub(super) kind: GroupKind,
}

/// What the held lines are.
#[derive(Debug)]
pub(super) enum GroupKind {
    /// auditd records of one event.
    Audit(Vec<AuditRecord>),
    /// A Samba log header (its local time) and the message lines after it.
    SambaLog {
        time: NaiveDateTime,
        message: String,
    },
    /// A `journalctl -o export` entry.
    JournalExport(Box<ExportEntry>),
}

/// What a held group does with the next line.
pub(super) enum Extension {
    /// The line belongs to it and it goes on.
    Taken,
    /// The line belongs to it and ends it.
    Ended,
    /// The line is not its own: the group ended before it.
    NotMine,
}

impl Group {
    /// A group starting with `line`.
    pub(super) fn new(line: &str, at: LineAt, kind: GroupKind) -> Group {
        Group {
            span: Span {
                number: at.number,
                offset: at.offset,
                lines: 1,
                raw: line.to_string(),
            },
            kind,
        }
    }

    /// Offers the group the next line.
    pub(super) fn extend(&mut self, line: &str) -> Extension {
        let extension = match &mut self.kind {
            GroupKind::Audit(records) => {
                let Ok(record) = super::auditd::parse_audit_record(line) else {
                    return Extension::NotMine;
                };
                let same_event = records.first().is_some_and(|first| {
                    first.serial == record.serial
                        && first.time == record.time
                        && first.node == record.node
                });
                if !same_event {
                    return Extension::NotMine;
                }
                let ends = ends_event(&record);
                records.push(record);
                if ends {
                    Extension::Ended
                } else {
                    Extension::Taken
                }
            }
            GroupKind::SambaLog { message, .. } => {
                let is_message_line = line.starts_with(' ') || line.starts_with('\t');
                if !is_message_line || super::samba_log::parse_log_header(line).is_some() {
                    return Extension::NotMine;
                }
                if !message.is_empty() {
                    message.push('\n');
                }
                message.push_str(line.trim());
                Extension::Taken
            }
            GroupKind::JournalExport(entry) => {
                if line.is_empty() {
                    Extension::Ended
                } else if entry.push_field(line).is_ok() {
                    Extension::Taken
                } else {
                    return Extension::NotMine;
                }
            }
        };
        self.span.lines += 1;
        self.span.raw.push('\n');
        self.span.raw.push_str(line);
        extension
    }
}

/// The auditd event of held records, with its time.
pub(super) fn audit_outcome(
    records: &[AuditRecord],
    host: &str,
) -> Result<(DateTime<Utc>, vakt_schemas::AccessEvent), String> {
    let event = audit_event(records, host)?;
    let time = records
        .first()
        .map(|record| record.time)
        .ok_or("auditd: expected at least one record")?;
    Ok((time, event))
}
