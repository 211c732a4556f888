//! Windows events against the corpus: CrowdSec's Event Viewer XML line, the
//! OTRF NXLog JSON lines and plaso's `pfirewall.log`, all read through
//! `LineParser` in automatic mode; the `.evtx` files are in `windows_evtx`.
//!
//! The mapping to vakt's events is computed here again, from the values of
//! each record's own source (the derived XML, the JSON object, the line), by
//! the rules of `ingest/src/parse/windows/{security,access,firewall}.rs`, and
//! compared field by field with what the parsers give. Each file prints one
//! row: `file | records read | events (by stream) | rejected | fields compared | disagreements`.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use chrono::{DateTime, NaiveDateTime, SubsecRound, TimeZone, Utc};
use serde_json::Value as Json;
use vakt_ingest::parse::windows::xml::events_from_xml;
use vakt_ingest::parse::{Format, LineParser, ParseContext, Parsed};
use vakt_schemas::Event;

use super::windows_evtx::xml_events;
use super::{corpus, crowdsec_assertions, firewall, reference_time, session};

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
    file: String,
    pub records: usize,
    streams: BTreeMap<&'static str, usize>,
    rejected: usize,
    pub compared: usize,
    pub disagreements: Vec<String>,
}

impl Tally {
    pub fn new(file: &str) -> Tally {
        Tally {
            file: file.to_string(),
            records: 0,
            streams: BTreeMap::new(),
            rejected: 0,
            compared: 0,
            disagreements: Vec::new(),
        }
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
        println!(
            "{} | {} | {} | {} | {} | {}",
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
        let (ours, reason) = match outcome {
            Ok(event) => (Some(event_fields(event)), None),
            Err(reason) => (None, Some(reason)),
        };
        match (expected_fields(record), ours) {
            (Some((stream, expected)), Some((our_stream, ours))) => {
                *self.streams.entry(our_stream).or_default() += 1;
                self.check(place, "stream", Some(stream), Some(our_stream));
                for (field, value) in &ours {
                    let wanted = expected.iter().find(|(name, _)| name == field);
                    let wanted = wanted.and_then(|(_, value)| value.as_deref());
                    self.check(place, field, wanted, value.as_deref());
                }
            }
            (None, None) => {
                self.rejected += 1;
                let names_id = reason.is_some_and(|reason| {
                    reason.contains(&format!("event {}", record.event_id))
                });
                self.check(place, "rejection names the event id", Some("yes"), {
                    Some(if names_id { "yes" } else { "no" })
                });
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

fn owned(text: &str) -> Option<String> {
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
    let mapped = text.strip_prefix("::ffff:").and_then(|v4| v4.parse::<Ipv4Addr>().ok());
    Some(mapped.map_or(text.to_string(), |v4| v4.to_string()))
}

fn hex(text: &str) -> Option<u64> {
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
        ("auth_methods", auth.or(record.value("LogonProcessName")).and_then(owned)),
    ]
}

fn session_change_fields(record: &Record) -> Fields {
    let console = record.value("SessionName") == Some("Console");
    vec![
        ("server", owned(&record.computer)),
        ("action", owned(if record.event_id == 4778 { "reconnect" } else { "disconnect" })),
        ("protocol", owned(if console { "console" } else { "rdp" })),
        ("user", user(record, "AccountDomain", "AccountName")),
        ("src_ip", record.value("ClientAddress").and_then(address)),
        ("session_id", record.value("LogonID").map(logon_id)),
    ]
}

/// The operation of the strongest right in `AccessMask` (else `AccessList`).
fn operation(record: &Record, is_root: bool) -> &'static str {
    let list = |list: &str| {
        let rights = [("%%1537", 0x10000), ("%%1539", 0x40000), ("%%1540", 0x80000)];
        let data = [("%%4416", 0x1), ("%%4417", 0x2), ("%%4418", 0x4), ("%%4421", 0x20)];
        let words: Vec<&str> = list.split_whitespace().collect();
        let rights = rights.iter().chain(&data);
        rights.filter(|(id, _)| words.contains(id)).fold(0, |mask, (_, bit)| mask | bit)
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
    let success = record.keywords.is_none_or(|keywords| keywords & AUDIT_FAILURE == 0);
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
    let relative = record.value("RelativeTargetName").filter(|name| *name != "\\");
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
    let local = (owned(record.value("SourceAddress")?), port(record, "SourcePort"));
    let remote = (owned(record.value("DestAddress")?), port(record, "DestPort"));
    let inbound = record.value("Direction") == Some("%%14592");
    let (source, destination) = if inbound { (remote, local) } else { (local, remote) };
    let protocol = match record.value("Protocol").unwrap_or("") {
        "6" => "TCP",
        "17" => "UDP",
        "1" => "ICMP",
        "58" => "ICMPv6",
        other => other,
    };
    Some(vec![
        ("device", owned(&record.computer)),
        ("action", owned(if record.event_id == 5156 { "allow" } else { "deny" })),
        ("src_ip", source.0),
        ("src_port", source.1),
        ("dst_ip", destination.0),
        ("dst_port", destination.1),
        ("protocol", owned(protocol)),
        ("rule", record.value("FilterRTID").and_then(owned)),
    ])
}

fn parse_auto(text: &str) -> Vec<Parsed> {
    let mut parser = LineParser::new(ParseContext::new(reference_time()), Format::Auto);
    text.lines().map(|line| parser.parse(line)).collect()
}

fn outcome(parsed: &Parsed) -> Result<&Event, &str> {
    match parsed {
        Parsed::Event { event, .. } => Ok(event),
        Parsed::Rejected { reason, .. } => Err(reason),
        other => Err(if matches!(other, Parsed::Held) { "held" } else { "skipped" }),
    }
}

#[test]
fn crowdsec_windows_logs_agree_with_the_assertions() {
    let file = "session/crowdsec_windows-logs/windows-logs.log";
    let (Some(log), Some(asserts)) =
        (corpus(file), corpus("session/crowdsec_windows-logs/parser.assert"))
    else {
        return;
    };
    let mut tally = Tally::new(file);
    let lines: Vec<&str> = log.lines().collect();
    let parsed = parse_auto(&log);
    tally.records = lines.len();
    let assertions = [
        crowdsec_assertions(&asserts, "s00-raw"),
        crowdsec_assertions(&asserts, "s02-enrich"),
    ];
    for (index, key, value) in assertions.concat() {
        let place = format!("line {}", index + 1);
        let windows = &events_from_xml(lines[index]).expect("the line is windows xml")[0];
        let (time, event) = match &parsed[index] {
            Parsed::Event { time, event: Event::Sessions(event), .. } => (time, event),
            other => panic!("{file} {place}: expected a session event, got {other:?}"),
        };
        let mut check = |field: &str, ours: String| tally.check(&place, field, Some(&value), Some(&ours));
        match key.as_str() {
            "Parsed.Channel" => check("channel", windows.channel.clone()),
            "Parsed.Source" => check("provider", windows.provider.clone()),
            "Parsed.EventID" => {
                check("event id", windows.event_id.to_string());
                // 4625 is "an account failed to log on".
                let action = if event.action == "failed" { "4625" } else { &event.action };
                check("action of the event id", action.to_string());
            }
            "Parsed.Computer" => {
                check("computer", windows.computer.clone());
                check("server", event.server.clone());
            }
            "Meta.timestamp" | "Enriched.MarshaledTime" => {
                let expected = DateTime::parse_from_rfc3339(&value).expect("rfc 3339");
                let expected = expected.with_timezone(&Utc).trunc_subsecs(6).to_rfc3339();
                tally.check(&place, "time", Some(&expected), Some(&time.to_rfc3339()));
                tally.check(&place, "windows time", Some(&expected), Some(&windows.time.to_rfc3339()));
            }
            _ => {}
        }
    }
    // The mapped fields against the line's own XML (Event Viewer's `- ` markers dropped).
    for (index, line) in lines.iter().enumerate() {
        let element = &line[line.find('<').expect("an element")..].replace("- <", "<");
        for (record, _) in xml_events(element) {
            tally.check_mapping(&format!("line {}", index + 1), &record, outcome(&parsed[index]));
        }
    }
    tally.finish();
}

/// A JSON value as the text of an event data item.
fn json_text(value: &Json) -> Option<String> {
    match value {
        Json::String(text) => Some(text.clone()),
        Json::Number(number) => Some(number.to_string()),
        Json::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// An NXLog JSON line as a record: `SourceName`, `Hostname`, `Keywords`, the scalars.
fn nxlog_record(object: &serde_json::Map<String, Json>) -> Record {
    let keywords = object.get("Keywords").and_then(Json::as_i64).map(|signed| signed as u64);
    Record {
        event_id: object["EventID"].as_u64().and_then(|id| id.try_into().ok()).expect("EventID"),
        provider: object["SourceName"].as_str().unwrap_or_default().to_string(),
        computer: object["Hostname"].as_str().unwrap_or_default().to_string(),
        keywords,
        data: object.iter().filter_map(|(key, value)| Some((key.clone(), json_text(value)?))).collect(),
    }
}

fn check_nxlog_file(file: &str) {
    let Some(text) = corpus(file) else {
        return;
    };
    let mut tally = Tally::new(file);
    let time_zone = ParseContext::new(reference_time()).time_zone;
    for (index, (line, parsed)) in text.lines().zip(parse_auto(&text)).enumerate() {
        tally.records += 1;
        let object: serde_json::Map<String, Json> = serde_json::from_str(line).expect("json object");
        let record = nxlog_record(&object);
        let place = format!("line {} (event {})", index + 1, record.event_id);
        tally.check_mapping(&place, &record, outcome(&parsed));
        if let Parsed::Event { time, .. } = parsed {
            // `EventTime` has no offset: local time in the context's zone.
            let logged = object["EventTime"].as_str().expect("EventTime");
            let naive = NaiveDateTime::parse_from_str(logged, "%Y-%m-%d %H:%M:%S").expect("time");
            let expected = time_zone.from_local_datetime(&naive).earliest().expect("local time");
            let expected = expected.with_timezone(&Utc).to_rfc3339();
            tally.check(&place, "time", Some(&expected), Some(&time.to_rfc3339()));
        }
    }
    tally.finish();
}

#[test]
fn otrf_session_json_lines_agree_with_their_own_fields() {
    check_nxlog_file("session/otrf_mordor_security_jsonl/empire_persistence_run_keys_session_subset.jsonl");
}

#[test]
fn otrf_access_json_lines_agree_with_their_own_fields() {
    check_nxlog_file("access/otrf_mordor_security_jsonl/empire_persistence_run_keys_access_subset.jsonl");
}

#[test]
fn plaso_pfirewall_lines_agree_with_their_own_fields() {
    let file = "firewall/plaso_windows_firewall/pfirewall.log";
    let Some(text) = corpus(file) else {
        return;
    };
    let mut tally = Tally::new(file);
    let time_zone = ParseContext::new(reference_time()).time_zone;
    let mut names: Vec<&str> = Vec::new();
    for (index, (line, parsed)) in text.lines().zip(parse_auto(&text)).enumerate() {
        tally.records += 1;
        let place = format!("line {}", index + 1);
        if let Some(fields) = line.strip_prefix("#Fields: ") {
            names = fields.split(' ').collect();
        }
        if line.starts_with('#') {
            assert!(matches!(parsed, Parsed::Skipped { .. }), "{file} {place}: {parsed:?}");
            continue;
        }
        let values: BTreeMap<&str, &str> = names.iter().copied().zip(line.split(' ')).collect();
        let value = |name: &str| Some(values[name]).filter(|value| *value != "-");
        if values["action"] == "INFO-EVENTS-LOST" {
            let Parsed::Rejected { reason, .. } = &parsed else {
                panic!("{file} {place}: expected a rejection, got {parsed:?}");
            };
            tally.rejected += 1;
            let says_how_many = reason.contains(&format!("lost {} events", values["info"]));
            tally.check(&place, "rejection says how many", Some("true"), Some(&says_how_many.to_string()));
            continue;
        }
        let event = firewall(&parsed);
        *tally.streams.entry("firewall").or_default() += 1;
        let (action, opens) = match values["action"] {
            "DROP" => ("deny", None),
            "OPEN" | "OPEN-INBOUND" => ("allow", Some(true)),
            "CLOSE" => ("allow", Some(false)),
            _ => ("allow", None),
        };
        let flags = value("tcpflags").unwrap_or("");
        let opens_tcp = values["protocol"] == "TCP" && flags.contains('S') && !flags.contains('A');
        let opens = opens.unwrap_or(opens_tcp).to_string();
        let port = |port: Option<u16>| port.map(|port| port.to_string());
        let stamp = format!("{} {}", values["date"], values["time"]);
        let naive = NaiveDateTime::parse_from_str(&stamp, "%Y-%m-%d %H:%M:%S").expect("time");
        let time = time_zone.from_local_datetime(&naive).earliest().expect("local time");
        let Parsed::Event { time: ours, .. } = &parsed else { unreachable!() };
        let pairs = [
            ("time", Some(time.with_timezone(&Utc).to_rfc3339()), Some(ours.to_rfc3339())),
            ("action", owned(action), Some(event.action.clone())),
            ("protocol", value("protocol").and_then(owned), Some(event.protocol.clone())),
            ("src_ip", value("src-ip").and_then(owned), Some(event.src_ip.clone())),
            ("dst_ip", value("dst-ip").and_then(owned), Some(event.dst_ip.clone())),
            ("src_port", value("src-port").and_then(owned), port(event.src_port)),
            ("dst_port", value("dst-port").and_then(owned), port(event.dst_port)),
            ("new_connection", Some(opens), Some(event.new_connection.to_string())),
        ];
        for (field, expected, ours) in pairs {
            tally.check(&place, field, expected.as_deref(), ours.as_deref());
        }
    }
    tally.finish();
}
