//! Records read from several lines: the lines are held until the record
//! ends, then read together (auditd's events, which may interleave, are
//! joined in [`super::audit_events`]).
//!
//! * Samba's `log.smbd`: a `[date time, level] file:line(function)` header
//!   and the indented message lines after it;
//! * `journalctl -o export`: `KEY=value` lines, an empty line after each entry;
//! * a Windows `<Event>` written over several lines (python-evtx's dumps,
//!   pretty-printed exports), to its `</Event>`.
//!
//! A held record also ends at the end of the input and before a line that
//! cannot be read (too long, not UTF-8): it is read as it stands then.

use chrono::NaiveDateTime;

use super::journald::ExportEntry;
use super::windows::xml::MAX_XML_BYTES;
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
    /// A Samba log header (its local time) and the message lines after it.
    SambaLog {
        time: NaiveDateTime,
        message: String,
    },
    /// A `journalctl -o export` entry.
    JournalExport(Box<ExportEntry>),
    /// A Windows XML event not closed on its first line (its text is the span's).
    WindowsXml,
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
            GroupKind::WindowsXml => {
                let too_long = self.span.raw.len() + line.len() > MAX_XML_BYTES;
                if line.contains("</Event>") || too_long {
                    Extension::Ended
                } else {
                    Extension::Taken
                }
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
