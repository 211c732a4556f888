//! Windows events against the corpus: what vakt should make of a Windows
//! event, and the counts each corpus file prints. The tests are in
//! `windows_evtx` (the `.evtx` files against python-evtx's XML) and
//! `windows_lines` (CrowdSec's Event Viewer XML line, the OTRF NXLog JSON
//! lines and plaso's `pfirewall.log`, read through `LineParser`).
//!
//! The mapping to vakt's events is computed here again, from the values of
//! each record's own source (the derived XML, the JSON object, the line), by
//! the rules of `ingest/src/parse/windows/{security,access,firewall}.rs`, and
//! compared field by field with what the parsers give. Each file prints one
//! row: `file | records read | events (by stream) | rejected | fields compared
//! | disagreements`, the differences where vakt is right counted apart.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use vakt_schemas::Event;

const SECURITY: &str = "Microsoft-Windows-Security-Auditing";
const AUDIT_FAILURE: u64 = 0x0010_0000_0000_0000;

/// A Windows event as this test reads it from its own source.
pub(crate) struct Record {
    pub event_id: u32,
    pub provider: String,
    pub computer: String,
    pub keywords: Option<u64>,
    pub data: BTreeMap<String, String>,
}

impl Record {
    /// The item `name`, trimmed, unless empty or `-`.
    fn value(&self, name: &str) -> Option<&str> {
        let value = self.data.get(name)?.trim();
        (!value.is_empty() && value != "-").then_some(value)
    }
}

/// The counts of one corpus file.
pub(crate) struct Tally {
    pub file: String,
    pub records: usize,
    pub streams: BTreeMap<&'static str, usize>,
    pub rejected: usize,
    pub compared: usize,
    pub disagreements: Vec<String>,
    /// Differences where vakt is right, by why (see where they are counted).
    explained: BTreeMap<&'static str, usize>,
}

impl Tally {
    /// No record read yet of `file` (its path under the corpora).
    pub fn new(file: &str) -> Tally {
        Tally {
            file: file.to_string(),
            records: 0,
            streams: BTreeMap::new(),
            rejected: 0,
            compared: 0,
            disagreements: Vec::new(),
            explained: BTreeMap::new(),
        }
    }

    /// Counts a compared field that differs for a reason where vakt is right.
    pub fn explain(&mut self, why: &'static str) {
        self.compared += 1;
        *self.explained.entry(why).or_default() += 1;
    }

    /// Compares one field; a difference is recorded with its place.
    pub fn check(&mut self, place: &str, field: &str, expected: Option<&str>, ours: Option<&str>) {
        self.compared += 1;
        if expected != ours {
            self.disagreements.push(format!(
                "{} {place} `{field}`: expected {expected:?}, vakt {ours:?}",
                self.file
            ));
        }
    }

    /// Prints the row and fails on any disagreement.
    pub fn finish(self) {
        let disagreements = self.report();
        assert!(
            disagreements.is_empty(),
            "{} disagreements:\n{}",
            disagreements.len(),
            disagreements.join("\n")
        );
    }

    /// Prints the row; the disagreements.
    pub fn report(self) -> Vec<String> {
        let streams: Vec<String> = ["sessions", "access", "firewall"]
            .iter()
            .map(|stream| format!("{stream} {}", self.streams.get(stream).unwrap_or(&0)))
            .collect();
        let explained: Vec<String> = self
            .explained
            .iter()
            .map(|(why, count)| format!("{why} {count}"))
            .collect();
        let explained = if explained.is_empty() {
            String::new()
        } else {
            format!(" (explained: {})", explained.join(", "))
        };
        println!(
            "{} | {} | {} | {} | {} | {}{explained}",
            self.file,
            self.records,
            streams.join(", "),
            self.rejected,
            self.compared,
            self.disagreements.len()
        );
        self.disagreements
    }

    /// Checks vakt's outcome for `record` against the mapping computed here;
    /// a record vakt does not read must be refused with a reason naming its id.
    pub fn check_mapping(&mut self, place: &str, record: &Record, outcome: Result<&Event, &str>) {
        let ours = outcome.map(event_fields);
        match &ours {
            Ok((stream, _)) => *self.streams.entry(stream).or_default() += 1,
            Err(_) => self.rejected += 1,
        }
        match (expected_fields(record), ours) {
            (Some((stream, expected)), Ok((our_stream, ours))) => {
                self.check(place, "stream", Some(stream), Some(our_stream));
                for (field, value) in &ours {
                    let wanted = expected.iter().find(|(name, _)| name == field);
                    let wanted = wanted.and_then(|(_, value)| value.as_deref());
                    self.check(place, field, wanted, value.as_deref());
                }
            }
            (None, Err(reason)) => {
                let names_id = reason.contains(&format!("event {}", record.event_id));
                let names_id = if names_id { "yes" } else { "no" };
                self.check(
                    place,
                    "rejection names the event id",
                    Some("yes"),
                    Some(names_id),
                );
            }
            (expected, _) => {
                self.compared += 1;
                self.disagreements.push(format!(
                    "{} {place}: event {} expected {}, vakt {outcome:?}",
                    self.file,
                    record.event_id,
                    expected.map_or("a rejection", |(stream, _)| stream),
                ));
            }
        }
    }
}

type Fields = Vec<(&'static str, Option<String>)>;

/// The fields vakt compares, by the stream's name.
fn event_fields(event: &Event) -> (&'static str, Fields) {
    let text = |value: &Option<u16>| value.map(|value| value.to_string());
    match event {
        Event::Sessions(event) => (
            "sessions",
            vec![
                ("server", Some(event.server.clone())),
                ("action", Some(event.action.clone())),
                ("protocol", Some(event.protocol.clone())),
                ("user", event.user.clone()),
                ("src_ip", event.src_ip.clone()),
                ("src_port", text(&event.src_port)),
                ("session_id", event.session_id.clone()),
                ("auth_methods", event.auth_methods.clone()),
            ],
        ),
        Event::Access(event) => (
            "access",
            vec![
                ("host", Some(event.host.clone())),
                ("operation", Some(event.operation.clone())),
                ("path", Some(event.path.clone())),
                ("user", event.user.clone()),
                ("success", Some(event.success.to_string())),
                ("session", event.session.clone()),
                ("share", event.share.clone()),
                ("client_ip", event.client_ip.clone()),
            ],
        ),
        Event::Firewall(event) => (
            "firewall",
            vec![
                ("device", Some(event.device.clone())),
                ("action", Some(event.action.clone())),
                ("src_ip", Some(event.src_ip.clone())),
                ("src_port", text(&event.src_port)),
                ("dst_ip", Some(event.dst_ip.clone())),
                ("dst_port", text(&event.dst_port)),
                ("protocol", Some(event.protocol.clone())),
                ("rule", event.rule.clone()),
            ],
        ),
        other => panic!("a Windows event mapped to {other:?}"),
    }
}

/// The stream and fields vakt should give, or `None` when it should refuse the record.
fn expected_fields(record: &Record) -> Option<(&'static str, Fields)> {
    if !record.provider.eq_ignore_ascii_case(SECURITY) {
        return None;
    }
    match record.event_id {
        4624 | 4625 | 4634 | 4647 => Some(("sessions", logon_fields(record))),
        4778 | 4779 => Some(("sessions", session_change_fields(record))),
        4663 | 5140 | 5145 => Some(("access", access_fields(record)?)),
        5152 | 5156 | 5157 => Some(("firewall", connection_fields(record)?)),
        _ => None,
    }
}

/// `Some` of an owned copy, for the field lists.
pub(crate) fn owned(text: &str) -> Option<String> {
    Some(text.to_string())
}

/// `DOMAIN\name`, the name alone without a domain or for `name@domain`.
fn user(record: &Record, domain: &str, name: &str) -> Option<String> {
    let name = record.value(name)?;
    match record.value(domain) {
        Some(domain) if !name.contains('@') => Some(format!("{domain}\\{name}")),
        _ => owned(name),
    }
}

/// An address as logged, `::ffff:a.b.c.d` as `a.b.c.d`, `LOCAL` none.
fn address(text: &str) -> Option<String> {
    if text == "LOCAL" || text == "Unknown" {
        return None;
    }
    let mapped = text
        .strip_prefix("::ffff:")
        .and_then(|v4| v4.parse::<Ipv4Addr>().ok());
    Some(mapped.map_or(text.to_string(), |v4| v4.to_string()))
}

/// A `0x` hexadecimal number.
pub(crate) fn hex(text: &str) -> Option<u64> {
    u64::from_str_radix(text.strip_prefix("0x")?, 16).ok()
}

/// A logon id as `0x` and lowercase hex without leading zeros.
fn logon_id(text: &str) -> String {
    hex(text).map_or(text.to_string(), |id| format!("{id:#x}"))
}

fn port(record: &Record, name: &str) -> Option<String> {
    let port = record.value(name)?.parse::<u16>().ok()?;
    Some(port.to_string())
}

fn logon_fields(record: &Record) -> Fields {
    let logon_type = record.value("LogonType").and_then(|text| text.parse().ok());
    let by_type = match logon_type {
        Some(10) => "rdp",
        Some(2 | 11) => "console",
        _ => "windows",
    };
    let (action, protocol) = match (record.event_id, logon_type) {
        (4624, Some(10 | 2 | 11)) => ("login", by_type),
        (4624, Some(7)) => ("unlock", "windows"),
        (4624, _) => ("logon", "windows"),
        (4625, _) => ("failed", by_type),
        _ => ("logout", by_type),
    };
    let auth = record.value("AuthenticationPackageName");
    vec![
        ("server", owned(&record.computer)),
        ("action", owned(action)),
        ("protocol", owned(protocol)),
        ("user", user(record, "TargetDomainName", "TargetUserName")),
        ("src_ip", record.value("IpAddress").and_then(address)),
        ("src_port", port(record, "IpPort")),
        ("session_id", record.value("TargetLogonId").map(logon_id)),
        (
            "auth_methods",
            auth.or(record.value("LogonProcessName")).and_then(owned),
        ),
    ]
}

fn session_change_fields(record: &Record) -> Fields {
    let console = record.value("SessionName") == Some("Console");
    vec![
        ("server", owned(&record.computer)),
        (
            "action",
            owned(if record.event_id == 4778 {
                "reconnect"
            } else {
                "disconnect"
            }),
        ),
        ("protocol", owned(if console { "console" } else { "rdp" })),
        ("user", user(record, "AccountDomain", "AccountName")),
        ("src_ip", record.value("ClientAddress").and_then(address)),
        ("session_id", record.value("LogonID").map(logon_id)),
    ]
}

/// The operation of the strongest right in `AccessMask` (else `AccessList`).
fn operation(record: &Record, is_root: bool) -> &'static str {
    let list = |list: &str| {
        let rights = [
            ("%%1537", 0x10000),
            ("%%1539", 0x40000),
            ("%%1540", 0x80000),
        ];
        let data = [
            ("%%4416", 0x1),
            ("%%4417", 0x2),
            ("%%4418", 0x4),
            ("%%4421", 0x20),
        ];
        let words: Vec<&str> = list.split_whitespace().collect();
        let rights = rights.iter().chain(&data);
        rights
            .filter(|(id, _)| words.contains(id))
            .fold(0, |mask, (_, bit)| mask | bit)
    };
    let mask = match record.value("AccessMask").and_then(hex) {
        Some(mask) => mask,
        None => record.value("AccessList").map_or(0, list),
    };
    match mask {
        _ if mask & 0x10000 != 0 => "delete",
        _ if mask & 0xc0000 != 0 => "chmod",
        _ if mask & 0x6 != 0 => "write",
        _ if mask & 0x20 != 0 => "execute",
        _ if mask & 0x1 != 0 && is_root => "list",
        _ if mask & 0x1 != 0 => "read",
        _ => "other",
    }
}

fn access_fields(record: &Record) -> Option<Fields> {
    let local = |name: &str| {
        let path = record.value(name)?;
        owned(path.strip_prefix("\\??\\").unwrap_or(path))
    };
    let id = record.event_id;
    let is_file = record.value("ObjectType").is_none_or(|kind| kind == "File");
    if id == 4663 && !is_file {
        return None;
    }
    let success = record
        .keywords
        .is_none_or(|keywords| keywords & AUDIT_FAILURE == 0);
    let mut fields = vec![
        ("host", owned(&record.computer)),
        ("user", user(record, "SubjectDomainName", "SubjectUserName")),
        ("success", Some(success.to_string())),
        ("session", record.value("SubjectLogonId").map(logon_id)),
    ];
    if id == 4663 {
        fields.push(("path", Some(local("ObjectName")?)));
        fields.push(("operation", owned(operation(record, false))));
        return Some(fields);
    }
    let share = record.value("ShareName").and_then(owned);
    let base = local("ShareLocalPath").or(share.clone())?;
    let relative = record
        .value("RelativeTargetName")
        .filter(|name| *name != "\\");
    let (path, operation) = match (id, relative) {
        (5140, _) => (base, "connect"),
        (_, None) => (base, operation(record, true)),
        (_, Some(relative)) => {
            let base = base.trim_end_matches('\\');
            let path = format!("{base}\\{}", relative.trim_start_matches('\\'));
            (path, operation(record, false))
        }
    };
    fields.extend([
        ("path", Some(path)),
        ("operation", owned(operation)),
        ("share", share),
        ("client_ip", record.value("IpAddress").and_then(address)),
    ]);
    Some(fields)
}

fn connection_fields(record: &Record) -> Option<Fields> {
    let local = (
        owned(record.value("SourceAddress")?),
        port(record, "SourcePort"),
    );
    let remote = (
        owned(record.value("DestAddress")?),
        port(record, "DestPort"),
    );
    let inbound = record.value("Direction") == Some("%%14592");
    let (source, destination) = if inbound {
        (remote, local)
    } else {
        (local, remote)
    };
    let protocol = match record.value("Protocol").unwrap_or("") {
        "6" => "TCP",
        "17" => "UDP",
        "1" => "ICMP",
        "58" => "ICMPv6",
        other => other,
    };
    Some(vec![
        ("device", owned(&record.computer)),
        (
            "action",
            owned(if record.event_id == 5156 {
                "allow"
            } else {
                "deny"
            }),
        ),
        ("src_ip", source.0),
        ("src_port", source.1),
        ("dst_ip", destination.0),
        ("dst_port", destination.1),
        ("protocol", owned(protocol)),
        ("rule", record.value("FilterRTID").and_then(owned)),
    ])
}
