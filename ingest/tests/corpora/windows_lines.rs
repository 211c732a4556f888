//! Windows events given as lines, read through `LineParser`: CrowdSec's
//! Event Viewer XML line (its `parser.assert` as ground truth), the OTRF
//! NXLog JSON lines and plaso's `pfirewall.log` (each its own ground truth
//! for the values). Automatic detection must give what the format's own
//! parser gives; the mapped fields are checked as in `windows`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, SubsecRound, TimeZone, Utc};
use serde_json::Value as Json;
use vakt_ingest::parse::windows::xml::events_from_xml;
use vakt_ingest::parse::{Format, LineParser, ParseContext, Parsed};
use vakt_schemas::Event;

use super::windows::{Record, Tally, owned};
use super::windows_evtx::xml_events;
use super::{corpus, crowdsec_assertions, reference_time};

/// The event of an outcome, or why there is none.
fn outcome(parsed: &Parsed) -> Result<&Event, &str> {
    match parsed {
        Parsed::Event { event, .. } => Ok(event),
        Parsed::Rejected { reason, .. } => Err(reason),
        other => Err(if matches!(other, Parsed::Held) {
            "held"
        } else {
            "skipped"
        }),
    }
}

/// One outcome per line of `text` read in `format`.
fn parse_as(text: &str, format: Format) -> Vec<Parsed> {
    let mut parser = LineParser::new(ParseContext::new(reference_time()), format);
    text.lines().map(|line| parser.parse(line)).collect()
}

/// Whether automatic detection gave what the format's own parser gives.
fn check_detection(tally: &mut Tally, place: &str, auto: &Parsed, explicit: &Parsed) {
    tally.compared += 1;
    if auto != explicit {
        let file = &tally.file;
        let reason = format!("{file} {place}: automatic detection gave {auto:?}");
        tally.disagreements.push(reason);
    }
}

#[test]
fn crowdsec_windows_logs_agree_with_the_assertions() {
    let file = "session/crowdsec_windows-logs/windows-logs.log";
    let (Some(log), Some(asserts)) = (
        corpus(file),
        corpus("session/crowdsec_windows-logs/parser.assert"),
    ) else {
        return;
    };
    let mut tally = Tally::new(file);
    let lines: Vec<&str> = log.lines().collect();
    let (auto, explicit) = (
        parse_as(&log, Format::Auto),
        parse_as(&log, Format::Windows),
    );
    tally.records = lines.len();
    for (index, line) in lines.iter().enumerate() {
        let place = format!("line {}", index + 1);
        check_detection(&mut tally, &place, &auto[index], &explicit[index]);
        // The mapped fields against the line's own XML, read without Event
        // Viewer's `- ` markers, which are not XML.
        let element = &line[line.find('<').expect("an element")..].replace("- <", "<");
        for (record, _) in xml_events(element) {
            tally.check_mapping(&place, &record, outcome(&explicit[index]));
        }
    }
    let assertions = [
        crowdsec_assertions(&asserts, "s00-raw"),
        crowdsec_assertions(&asserts, "s02-enrich"),
    ];
    for (index, key, value) in assertions.concat() {
        let place = format!("line {}", index + 1);
        let windows = &events_from_xml(lines[index]).expect("the line is windows xml")[0];
        let Parsed::Event {
            time,
            event: Event::Sessions(event),
            ..
        } = &explicit[index]
        else {
            panic!(
                "{file} {place}: expected a session event, got {:?}",
                explicit[index]
            );
        };
        let mut check =
            |field: &str, ours: &str| tally.check(&place, field, Some(&value), Some(ours));
        match key.as_str() {
            "Parsed.Channel" => check("channel", &windows.channel),
            "Parsed.Source" => check("provider", &windows.provider),
            "Parsed.EventID" => {
                check("event id", &windows.event_id.to_string());
                // 4625: an account failed to log on.
                check(
                    "event id of the action",
                    if event.action == "failed" { "4625" } else { "" },
                );
            }
            "Parsed.Computer" => {
                check("computer", &windows.computer);
                check("server", &event.server);
            }
            "Meta.timestamp" | "Enriched.MarshaledTime" => {
                let expected = DateTime::parse_from_rfc3339(&value).expect("rfc 3339");
                let expected = expected.with_timezone(&Utc).trunc_subsecs(6).to_rfc3339();
                for (field, ours) in [("time", time), ("windows time", &windows.time)] {
                    tally.check(&place, field, Some(&expected), Some(&ours.to_rfc3339()));
                }
            }
            _ => {}
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
    let keywords = object
        .get("Keywords")
        .and_then(Json::as_i64)
        .map(|signed| signed as u64);
    Record {
        event_id: object["EventID"]
            .as_u64()
            .and_then(|id| id.try_into().ok())
            .expect("EventID"),
        provider: object["SourceName"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        computer: object["Hostname"].as_str().unwrap_or_default().to_string(),
        keywords,
        data: object
            .iter()
            .filter_map(|(key, value)| Some((key.clone(), json_text(value)?)))
            .collect(),
    }
}

fn check_nxlog_file(file: &str) {
    let Some(text) = corpus(file) else {
        return;
    };
    let mut tally = Tally::new(file);
    let time_zone = ParseContext::new(reference_time()).time_zone;
    for (index, (line, parsed)) in text.lines().zip(parse_as(&text, Format::Auto)).enumerate() {
        tally.records += 1;
        let object: serde_json::Map<String, Json> =
            serde_json::from_str(line).expect("json object");
        let record = nxlog_record(&object);
        let place = format!("line {} (event {})", index + 1, record.event_id);
        tally.check_mapping(&place, &record, outcome(&parsed));
        if let Parsed::Event { time, .. } = parsed {
            // `EventTime` has no offset: local time in the context's zone.
            let logged = object["EventTime"].as_str().expect("EventTime");
            let naive = NaiveDateTime::parse_from_str(logged, "%Y-%m-%d %H:%M:%S").expect("time");
            let expected = time_zone
                .from_local_datetime(&naive)
                .earliest()
                .expect("local time");
            let expected = expected.with_timezone(&Utc).to_rfc3339();
            tally.check(&place, "time", Some(&expected), Some(&time.to_rfc3339()));
        }
    }
    tally.finish();
}

#[test]
fn otrf_session_json_lines_agree_with_their_own_fields() {
    check_nxlog_file(
        "session/otrf_mordor_security_jsonl/empire_persistence_run_keys_session_subset.jsonl",
    );
}

#[test]
fn otrf_access_json_lines_agree_with_their_own_fields() {
    check_nxlog_file(
        "access/otrf_mordor_security_jsonl/empire_persistence_run_keys_access_subset.jsonl",
    );
}

#[test]
fn plaso_pfirewall_lines_agree_with_their_own_fields() {
    let file = "firewall/plaso_windows_firewall/pfirewall.log";
    let Some(text) = corpus(file) else {
        return;
    };
    let mut tally = Tally::new(file);
    let time_zone = ParseContext::new(reference_time()).time_zone;
    let (auto, explicit) = (
        parse_as(&text, Format::Auto),
        parse_as(&text, Format::Pfirewall),
    );
    let mut names: Vec<&str> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        tally.records += 1;
        let place = format!("line {}", index + 1);
        let parsed = &explicit[index];
        check_detection(&mut tally, &place, &auto[index], parsed);
        if let Some(fields) = line.strip_prefix("#Fields: ") {
            names = fields.split(' ').collect();
        }
        if line.starts_with('#') {
            let skipped = matches!(parsed, Parsed::Skipped { .. }).to_string();
            tally.check(&place, "header skipped", Some("true"), Some(&skipped));
            continue;
        }
        let values: BTreeMap<&str, &str> = names.iter().copied().zip(line.split(' ')).collect();
        let value = |name: &str| Some(values[name]).filter(|value| *value != "-");
        if values["action"] == "INFO-EVENTS-LOST" {
            let Parsed::Rejected { reason, .. } = parsed else {
                panic!("{file} {place}: expected a rejection, got {parsed:?}");
            };
            tally.rejected += 1;
            let says_how_many = reason.contains(&format!("lost {} events", values["info"]));
            tally.check(
                &place,
                "rejection says how many",
                Some("true"),
                Some(&says_how_many.to_string()),
            );
            continue;
        }
        let Parsed::Event {
            time: ours,
            event: Event::Firewall(event),
            ..
        } = parsed
        else {
            panic!("{file} {place}: expected a firewall event, got {parsed:?}");
        };
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
        // `#Time Format: Local`: the context's zone.
        let stamp = format!("{} {}", values["date"], values["time"]);
        let naive = NaiveDateTime::parse_from_str(&stamp, "%Y-%m-%d %H:%M:%S").expect("time");
        let time = time_zone
            .from_local_datetime(&naive)
            .earliest()
            .expect("local time");
        let pairs = [
            (
                "time",
                Some(time.with_timezone(&Utc).to_rfc3339()),
                Some(ours.to_rfc3339()),
            ),
            ("action", owned(action), Some(event.action.clone())),
            (
                "protocol",
                value("protocol").and_then(owned),
                Some(event.protocol.clone()),
            ),
            (
                "src_ip",
                value("src-ip").and_then(owned),
                Some(event.src_ip.clone()),
            ),
            (
                "dst_ip",
                value("dst-ip").and_then(owned),
                Some(event.dst_ip.clone()),
            ),
            (
                "src_port",
                value("src-port").and_then(owned),
                port(event.src_port),
            ),
            (
                "dst_port",
                value("dst-port").and_then(owned),
                port(event.dst_port),
            ),
            (
                "new_connection",
                Some(opens),
                Some(event.new_connection.to_string()),
            ),
        ];
        for (field, expected, ours) in pairs {
            tally.check(&place, field, expected.as_deref(), ours.as_deref());
        }
    }
    tally.finish();
}
