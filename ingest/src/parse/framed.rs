//! Lines that carry their own framing rather than a syslog header: JSON
//! objects (vakt's JSON Lines, journald, Windows events, Samba's JSON audit),
//! Windows XML events, auditd records, Samba log headers, journald export
//! fields, and the fixed-column files of CUPS, Proxmox and Windows Firewall.
//!
//! In automatic mode each line's shape picks the parser ([`Shape::of`]); an
//! explicit format reads every line with its own parser.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value as Json};
use vakt_schemas::{Event, Stream};

use super::audit_events::{OpenEvent, audit_outcome};
use super::group::{Extension, Group, GroupKind};
use super::jsonl::parse_jsonl;
use super::syslog::SyslogLine;
use super::windows::json::{event_from_json, looks_like_windows_json};
use super::windows::security::to_event;
use super::windows::xml::events_from_xml;
use super::{
    Format, LineAt, LineParser, Outcome, Parsed, Span, auditd, cups, journald, pfirewall,
    pve_firewall, reject, samba_event, samba_log,
};

/// The shape of a line, which picks its parser in automatic mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    Json,
    WindowsXml,
    Audit,
    SambaLogHeader,
    JournalExport,
    PveFirewall,
    PageLog,
    Pfirewall,
    Syslog,
}

impl Shape {
    /// The shape of a line read in automatic mode.
    pub(super) fn of(line: &str) -> Shape {
        let trimmed = line.trim_start();
        if trimmed.starts_with('{') {
            return Shape::Json;
        }
        if is_windows_xml(trimmed) {
            return Shape::WindowsXml;
        }
        if auditd::looks_like_audit(line) {
            return Shape::Audit;
        }
        if samba_log::parse_log_header(line).is_some() {
            return Shape::SambaLogHeader;
        }
        if journald::looks_like_export_field(line) {
            return Shape::JournalExport;
        }
        if pve_firewall::looks_like_pve_firewall(line) {
            return Shape::PveFirewall;
        }
        if cups::looks_like_page_log(line) {
            return Shape::PageLog;
        }
        if pfirewall::looks_like_pfirewall(line) {
            return Shape::Pfirewall;
        }
        Shape::Syslog
    }
}

/// Whether a line starts like Windows XML: `<Event …>`, `<Events>`, an XML
/// declaration, or Event Viewer's copied form with `- ` before elements.
fn is_windows_xml(trimmed: &str) -> bool {
    let element = trimmed.strip_prefix("- ").unwrap_or(trimmed);
    ["<Event ", "<Event>", "<Events", "</Events>", "<?xml"]
        .iter()
        .any(|start| element.starts_with(start))
}

impl LineParser {
    /// Reads a line given while no record of several lines is held.
    pub(super) fn read_line(&mut self, line: &str, at: LineAt) -> Parsed {
        let shape = match self.format {
            Format::Auto => Shape::of(line),
            Format::Jsonl => Shape::Json,
            Format::Windows if line.trim_start().starts_with('{') => Shape::Json,
            Format::Windows => Shape::WindowsXml,
            Format::Auditd => Shape::Audit,
            Format::PveFirewall => Shape::PveFirewall,
            Format::Cups => Shape::PageLog,
            Format::Pfirewall => Shape::Pfirewall,
            Format::Journald | Format::SambaLog => match Shape::of(line) {
                shape @ (Shape::Json | Shape::JournalExport | Shape::SambaLogHeader) => shape,
                _ => Shape::Syslog,
            },
            _ => Shape::Syslog,
        };
        if shape != Shape::Audit {
            // auditd's open events end before a line of another format.
            self.complete_audit_events();
        }
        if self.format == Format::Evtx {
            return self.rejected(
                "evtx: a line of text, not a windows event log (an .evtx file is recognised by \
                 its first bytes, `ElfFile`; exported events are --format windows)"
                    .to_string(),
                None,
            );
        }
        if line.trim().is_empty() {
            // Given while records were held (a journald export entry ends
            // at one, and took it): the line itself is no record.
            return Parsed::Rejected {
                reason: "blank line".to_string(),
                intended: None,
                span: None,
            };
        }
        match shape {
            Shape::Json => self.read_json(line),
            Shape::WindowsXml => self.read_windows_xml(line, at),
            Shape::Audit => match auditd::parse_audit_record(line) {
                Ok(record) => {
                    for event in self.audit.push(record, line, at) {
                        let parsed = self.read_audit_event(event);
                        self.completed.push_back(parsed);
                    }
                    Parsed::Held
                }
                Err(reason) => self.rejected(reason, Some(Stream::Access)),
            },
            Shape::SambaLogHeader => match samba_log::parse_log_header(line) {
                Some(time) => {
                    let kind = GroupKind::SambaLog {
                        time,
                        message: String::new(),
                    };
                    self.group = Some(Group::new(line, at, kind));
                    Parsed::Held
                }
                None => self.rejected(
                    "samba-log: expected a `[YYYY/MM/DD HH:MM:SS.ffffff, LEVEL] file:line(function)` \
                     header"
                        .to_string(),
                    None,
                ),
            },
            Shape::JournalExport => {
                let mut entry = journald::ExportEntry::default();
                match entry.push_field(line) {
                    Ok(()) => {
                        self.group = Some(Group::new(line, at, GroupKind::JournalExport(Box::new(entry))));
                        Parsed::Held
                    }
                    Err(reason) => self.rejected(reason, None),
                }
            }
            Shape::PveFirewall => {
                let outcome = pve_firewall::parse_pve_firewall(line, self.context.host())
                    .map(|(time, event)| (time, Event::Firewall(event)))
                    .map_err(|reason| reject(reason, Some(Stream::Firewall)));
                self.finish_outcome(outcome, None)
            }
            Shape::PageLog => {
                let outcome = cups::parse_page_log(line, self.context.host())
                    .map(|(time, job)| (time, Event::Access(job.event)))
                    .map_err(|reason| reject(reason, Some(Stream::Access)));
                self.finish_outcome(outcome, None)
            }
            Shape::Pfirewall => {
                let host = self.context.host().to_string();
                match self.pfirewall.parse(line, &host, self.context.time_zone) {
                    Ok(Some((time, event))) => {
                        self.finish_outcome(Ok((time, Event::Firewall(event))), None)
                    }
                    Ok(None) => Parsed::Skipped {
                        reason: "pfirewall: header line".to_string(),
                    },
                    Err(reason) => self.rejected(reason, Some(Stream::Firewall)),
                }
            }
            Shape::Syslog => match self.parse_syslog_line(line) {
                Ok(outcome) => self.finish_outcome(outcome, None),
                Err(reason) => Parsed::Skipped { reason },
            },
        }
    }

    fn rejected(&self, reason: String, intended: Option<Stream>) -> Parsed {
        self.finish_outcome(Err(reject(reason, intended)), None)
    }

    /// Offers a held record the next line; `None` when the line is not its
    /// own (the record is then kept for [`LineParser::take_completed`]).
    pub(super) fn extend_group(&mut self, line: &str) -> Option<Parsed> {
        let group = self.group.as_mut()?;
        match group.extend(line) {
            Extension::Taken => Some(Parsed::Held),
            Extension::Ended => {
                let group = self.group.take()?;
                Some(self.read_group(group))
            }
            Extension::NotMine => {
                if let Some(group) = self.group.take() {
                    let parsed = self.read_group(group);
                    self.completed.push_back(parsed);
                }
                None
            }
        }
    }

    /// The record of the lines held, read now.
    pub(super) fn read_group(&mut self, group: Group) -> Parsed {
        let span = Some(group.span);
        let outcome = match group.kind {
            GroupKind::SambaLog { time, message } => {
                let time = samba_log::message_time(&message)
                    .unwrap_or_else(|| self.clock.local_instant(time));
                samba_log::parse_samba_message(self.context.host(), &message)
                    .map(|event| (time, samba_event(event)))
                    .map_err(|reason| reject(reason, None))
            }
            GroupKind::WindowsXml => {
                let text = span
                    .as_ref()
                    .map(|span| span.raw.clone())
                    .unwrap_or_default();
                return self.windows_xml_events(&text, span);
            }
            GroupKind::JournalExport(entry) => match entry.finish() {
                Ok(entry) => return self.read_journal_entry(&entry, span),
                Err(reason) => Err(reject(reason, None)),
            },
        };
        self.finish_outcome(outcome, span)
    }

    /// The access event of auditd records joined into one event.
    pub(super) fn read_audit_event(&self, event: OpenEvent) -> Parsed {
        let outcome = audit_outcome(&event.records, self.context.host())
            .map(|(time, access)| (time, Event::Access(access)))
            .map_err(|reason| reject(reason, Some(Stream::Access)));
        self.finish_outcome(outcome, Some(event.span))
    }

    /// Ends every open auditd event, oldest first, into the completed records.
    pub(super) fn complete_audit_events(&mut self) {
        for event in self.audit.take_all() {
            let parsed = self.read_audit_event(event);
            self.completed.push_back(parsed);
        }
    }

    /// A JSON line: a Windows event, a journald entry, Samba's JSON audit or
    /// vakt's own JSON Lines.
    fn read_json(&mut self, line: &str) -> Parsed {
        let object = match serde_json::from_str::<Json>(line) {
            Ok(Json::Object(object)) => object,
            // vakt's reader says what is wrong with it.
            _ => return self.read_vakt_json(line),
        };
        let wants = |format: Format| matches!(self.format, Format::Auto) || self.format == format;
        if wants(Format::Windows) && looks_like_windows_json(&object) {
            let outcome = event_from_json(&object, self.context.time_zone)
                .and_then(|event| Ok((event.time, to_event(&event)?)))
                .map_err(|reason| reject(reason, None));
            return self.finish_outcome(outcome, None);
        }
        if wants(Format::Journald) && journald::is_journal_json(&object) {
            return match journald::journal_entry(&object) {
                Ok(entry) => self.read_journal_entry(&entry, None),
                Err(reason) => self.rejected(reason, None),
            };
        }
        if wants(Format::SambaLog) && is_samba_json(&object) {
            let outcome = samba_json(line, self.context.host());
            return self.finish_outcome(outcome, None);
        }
        if !wants(Format::Jsonl) {
            let reason = format!(
                "{}: expected a {} object",
                self.format,
                match self.format {
                    Format::Windows => "windows event",
                    Format::Journald => "`journalctl -o json`",
                    _ => "samba `auth_json_audit`",
                }
            );
            return self.rejected(reason, None);
        }
        self.read_vakt_json(line)
    }

    fn read_vakt_json(&mut self, line: &str) -> Parsed {
        let outcome = parse_jsonl(line, self.context.stream)
            .map_err(|rejection| reject(rejection.reason, rejection.intended));
        self.finish_outcome(outcome, None)
    }

    /// A journald entry read as the syslog message it holds.
    fn read_journal_entry(&mut self, entry: &journald::JournalEntry, span: Option<Span>) -> Parsed {
        let header = SyslogLine {
            time: entry.time,
            host: entry.host.clone(),
            program: entry.program.clone(),
            pid: entry.pid.clone(),
            message: &entry.message,
        };
        if let Err(setting) = self.context.settings.takes_program(&header.program) {
            return Parsed::Skipped {
                reason: format!("program `{}` ({setting})", header.program),
            };
        }
        let outcome = self.read_message(&header);
        self.finish_outcome(outcome, span)
    }

    /// A line of Windows XML: one event or several (Event Viewer writes a
    /// whole export on one line), or the start of one written over several
    /// lines (held to its `</Event>`).
    fn read_windows_xml(&mut self, line: &str, at: LineAt) -> Parsed {
        if opens_an_event(line) {
            self.group = Some(Group::new(line, at, GroupKind::WindowsXml));
            return Parsed::Held;
        }
        self.windows_xml_events(line, None)
    }

    /// The events of Windows XML `text`: the first as the outcome (with
    /// `span` when the text spans lines), each after it for
    /// [`LineParser::take_more`].
    pub(super) fn windows_xml_events(&mut self, text: &str, span: Option<Span>) -> Parsed {
        let events = match events_from_xml(text) {
            Ok(events) => events,
            Err(reason) => return self.finish_outcome(Err(reject(reason, None)), span),
        };
        let mut outcomes = events.iter().map(|event| {
            to_event(event)
                .map(|vakt_event| (event.time, vakt_event))
                .map_err(|reason| reject(reason, None))
        });
        let Some(first) = outcomes.next() else {
            // Only the wrappers (`<?xml …?>`, `<Events>`): held lines were
            // read with them, so they count as joined to this skipped line.
            return Parsed::Skipped {
                reason: "windows: xml without events".to_string(),
            };
        };
        let rest: Vec<Outcome> = outcomes.collect();
        for outcome in rest {
            let more = Span {
                number: 0,
                offset: 0,
                lines: 0,
                raw: text.to_string(),
            };
            let parsed = self.finish_outcome(outcome, Some(more));
            self.more.push_back(parsed);
        }
        self.finish_outcome(first, span)
    }
}

/// Whether a line starts a Windows `<Event>` it does not close.
fn opens_an_event(line: &str) -> bool {
    let last_start = ["<Event ", "<Event>"]
        .iter()
        .filter_map(|start| line.rfind(start))
        .max();
    match (last_start, line.rfind("</Event>")) {
        (Some(start), Some(end)) => start > end,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Whether a JSON object is Samba's `auth_json_audit`.
fn is_samba_json(object: &Map<String, Json>) -> bool {
    let kind = object.get("type").and_then(Json::as_str);
    matches!(kind, Some("Authentication" | "Authorization")) && object.contains_key("timestamp")
}

fn samba_json(line: &str, host: &str) -> Outcome {
    let event =
        samba_log::parse_samba_message(host, line).map_err(|reason| reject(reason, None))?;
    let time: DateTime<Utc> = samba_log::message_time(line)
        .ok_or_else(|| reject("samba-log: expected a `timestamp` with an offset", None))?;
    Ok((time, samba_event(event)))
}
