//! The parsers against real, public log samples and their ground truth.
//!
//! The samples live outside the repository (their licences differ, see
//! `shared/corpora/MANIFEST.md`) and are read at run time; each test says
//! that it skipped when they are absent.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::Value as Json;
use vakt_ingest::parse::{Format, LineParser, ParseContext, Parsed};
use vakt_schemas::{AccessEvent, Event, FirewallEvent, SessionEvent};

mod fuzz_regressions;
mod linux;
mod table;
mod windows;
mod windows_evtx;
mod windows_lines;

const CORPORA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpora");

/// The corpus file, or `None` (after saying so) when the corpora are absent.
fn corpus(relative: &str) -> Option<String> {
    let path = PathBuf::from(CORPORA).join(relative);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(_) => {
            println!("skipped: ../shared/corpora not found ({})", path.display());
            None
        }
    }
}

fn reference_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z")
        .map(|time| time.with_timezone(&Utc))
        .unwrap_or_default()
}

/// Every line of `text` through one parser, one outcome per line (for
/// formats whose records are one line each).
fn parse_all(text: &str, format: Format) -> Vec<Parsed> {
    let mut parser = LineParser::new(ParseContext::new(reference_time()), format);
    text.lines().map(|line| parser.parse(line)).collect()
}

/// Every record of `text` read by `parser`, in order: records of several
/// lines once they end, several records of one line each, held lines and
/// skipped lines left out.
fn read_all(text: &str, mut parser: LineParser) -> Vec<Parsed> {
    let mut records = Vec::new();
    for line in text.lines() {
        let outcome = parser.parse(line);
        while let Some(completed) = parser.take_completed() {
            records.push(completed);
        }
        records.push(outcome);
        while let Some(more) = parser.take_more() {
            records.push(more);
        }
    }
    while let Some(held) = parser.finish() {
        records.push(held);
    }
    records.retain(|record| !matches!(record, Parsed::Held | Parsed::Skipped { .. }));
    records
}

fn session(parsed: &Parsed) -> &SessionEvent {
    match parsed {
        Parsed::Event {
            event: Event::Sessions(event),
            ..
        } => event,
        other => panic!("expected a session event, got {other:?}"),
    }
}

fn firewall(parsed: &Parsed) -> &FirewallEvent {
    match parsed {
        Parsed::Event {
            event: Event::Firewall(event),
            ..
        } => event,
        other => panic!("expected a firewall event, got {other:?}"),
    }
}

fn access(parsed: &Parsed) -> &AccessEvent {
    match parsed {
        Parsed::Event {
            event: Event::Access(event),
            ..
        } => event,
        other => panic!("expected an access event, got {other:?}"),
    }
}

/// The fields of one CSV line, with `"` quoting.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut characters = line.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '"' if quoted && characters.peek() == Some(&'"') => {
                characters.next();
                field.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            _ => field.push(character),
        }
    }
    fields.push(field);
    fields
}

/// The action each loghub OpenSSH template must give.
fn loghub_action(event_id: &str) -> &'static str {
    match event_id {
        "E1" => "login",
        "E8" | "E9" | "E10" | "E13" | "E14" | "E19" | "E20" => "failed",
        "E2" | "E6" | "E7" | "E24" | "E25" | "E26" => "disconnect",
        "E22" => "logout",
        "E23" => "open",
        _ => "other",
    }
}

#[test]
fn loghub_openssh_every_line_is_a_session_event_of_its_template() {
    let (Some(log), Some(structured)) = (
        corpus("session/loghub_openssh/OpenSSH_2k.log"),
        corpus("session/loghub_openssh/OpenSSH_2k.log_structured.csv"),
    ) else {
        return;
    };
    let parsed = parse_all(&log, Format::Auto);
    let rows: Vec<Vec<String>> = structured.lines().skip(1).map(csv_fields).collect();
    assert_eq!(parsed.len(), 2000);
    assert_eq!(rows.len(), parsed.len());
    let mut by_template: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_action: BTreeMap<String, usize> = BTreeMap::new();
    for (index, (outcome, row)) in parsed.iter().zip(&rows).enumerate() {
        let event = session(outcome);
        let event_id = &row[7];
        assert_eq!(
            event.action,
            loghub_action(event_id),
            "line {}: {row:?}",
            index + 1
        );
        assert_eq!(event.server, row[4], "line {}", index + 1);
        assert_eq!(
            event.session_id.as_deref(),
            Some(row[5].as_str()),
            "line {}",
            index + 1
        );
        if ["E1", "E8", "E9", "E10"].contains(&event_id.as_str()) {
            assert!(
                event.src_ip.is_some() && event.src_port.is_some(),
                "line {}",
                index + 1
            );
            assert!(
                event.user.is_some() && event.auth_methods.is_some(),
                "line {}",
                index + 1
            );
        }
        if event_id == "E13" {
            assert!(
                event.user.is_some() && event.src_ip.is_some(),
                "line {}",
                index + 1
            );
        }
        *by_template.entry(event_id.clone()).or_default() += 1;
        *by_action.entry(event.action.clone()).or_default() += 1;
    }
    let count = |ids: &[&str]| {
        ids.iter()
            .map(|id| by_template.get(*id).copied().unwrap_or(0))
            .sum::<usize>()
    };
    let logins = by_action.get("login").copied().unwrap_or(0);
    let failed_methods = parsed
        .iter()
        .map(session)
        .filter(|event| event.action == "failed" && event.auth_methods.is_some())
        .count();
    assert_eq!(logins, count(&["E1"]));
    assert_eq!(failed_methods, count(&["E8", "E9", "E10", "E14"]));
    println!("loghub OpenSSH_2k: actions {by_action:?}; templates {by_template:?}");
}

/// `(line index, key, value)` of the string assertions of one CrowdSec parser stage.
fn crowdsec_assertions(text: &str, stage: &str) -> Vec<(usize, String, String)> {
    let prefix = format!("results[\"{stage}\"]");
    text.lines()
        .filter_map(|line| line.strip_prefix(&prefix))
        .filter_map(|rest| {
            let (_, rest) = rest.split_once("][")?;
            let (index, rest) = rest.split_once("].Evt.")?;
            let (kind_key, value) = rest.split_once(" == \"")?;
            let key = kind_key.split_once("[\"")?.1.trim_end_matches("\"]");
            let kind = kind_key.split_once('[')?.0;
            Some((
                index.parse().ok()?,
                format!("{kind}.{key}"),
                value.strip_suffix('"')?.to_string(),
            ))
        })
        .collect()
}

/// Checks the sshd parser against the CrowdSec assertions; returns how many agreed.
fn check_crowdsec_sshd(log: &str, asserts: &str) -> usize {
    let parsed = parse_all(log, Format::Auto);
    let mut agreed = 0;
    for (index, key, value) in crowdsec_assertions(asserts, "s01-parse") {
        let event = session(&parsed[index]);
        let ours = match key.as_str() {
            "Parsed.sshd_client_ip" => event.src_ip.clone(),
            "Parsed.sshd_client_port" => event.src_port.map(|port| port.to_string()),
            "Parsed.sshd_invalid_user"
            | "Parsed.sshd_auth_user"
            | "Meta.user"
            | "Meta.target_user" => event.user.clone(),
            _ => continue,
        };
        assert_eq!(ours.as_deref(), Some(value.as_str()), "line {index}: {key}");
        agreed += 1;
    }
    agreed
}

#[test]
fn crowdsec_sshd_logs_agree_on_address_and_user() {
    let (Some(log), Some(asserts)) = (
        corpus("session/crowdsec_sshd-logs/sshd-logs.log"),
        corpus("session/crowdsec_sshd-logs/parser.assert"),
    ) else {
        return;
    };
    let agreed = check_crowdsec_sshd(&log, &asserts);
    let parsed = parse_all(&log, Format::Sshd);
    assert!(
        parsed
            .iter()
            .all(|outcome| matches!(outcome, Parsed::Event { .. }))
    );
    assert_eq!(session(&parsed[17]).action, "failed");
    assert_eq!(session(&parsed[5]).action, "disconnect");
    println!(
        "crowdsec sshd-logs: {agreed} assertions agree, {} lines",
        parsed.len()
    );
    assert!(agreed >= 40, "only {agreed} assertions checked");
}

#[test]
fn crowdsec_sshd_success_logs_agree_on_address_and_user() {
    let (Some(log), Some(asserts)) = (
        corpus("session/crowdsec_sshd-success-logs/sshd-success-logs.log"),
        corpus("session/crowdsec_sshd-success-logs/parser.assert"),
    ) else {
        return;
    };
    let agreed = check_crowdsec_sshd(&log, &asserts);
    let parsed = parse_all(&log, Format::Auto);
    assert!(
        parsed
            .iter()
            .map(session)
            .all(|event| event.action == "login")
    );
    assert_eq!(
        session(&parsed[3]).auth_methods.as_deref(),
        Some("password")
    );
    println!("crowdsec sshd-success-logs: {agreed} assertions agree");
    assert!(agreed >= 8, "only {agreed} assertions checked");
}

/// The documents of an Elastic `-expected.json`: a list, or `{"expected": [...]}`.
fn expected_documents(text: &str) -> Vec<Json> {
    match serde_json::from_str(text).unwrap_or_default() {
        Json::Array(documents) => documents,
        Json::Object(mut object) => match object.remove("expected") {
            Some(Json::Array(documents)) => documents,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn check_packet(
    event: &FirewallEvent,
    src: (&str, Option<u16>),
    dst: (&str, Option<u16>),
    protocol: &str,
) {
    assert_eq!((event.src_ip.as_str(), event.src_port), src);
    assert_eq!((event.dst_ip.as_str(), event.dst_port), dst);
    assert_eq!(event.protocol, protocol);
}

#[test]
fn crowdsec_iptables_agrees_and_rejects_the_broken_line() {
    let (Some(log), Some(asserts)) = (
        corpus("firewall/crowdsec_iptables-logs/iptables-logs.log"),
        corpus("firewall/crowdsec_iptables-logs/parser.assert"),
    ) else {
        return;
    };
    let parsed = parse_all(&log, Format::Auto);
    let mut agreed = 0;
    for (index, key, value) in crowdsec_assertions(&asserts, "s01-parse") {
        let event = firewall(&parsed[index]);
        let ours = match key.as_str() {
            "Parsed.src_ip" => event.src_ip.clone(),
            "Parsed.dst_ip" => event.dst_ip.clone(),
            "Parsed.src_port" => event
                .src_port
                .map(|port| port.to_string())
                .unwrap_or_default(),
            "Parsed.dst_port" => event
                .dst_port
                .map(|port| port.to_string())
                .unwrap_or_default(),
            "Parsed.proto" => event.protocol.clone(),
            "Parsed.int_eth" => event.in_iface.clone().unwrap_or_default(),
            _ => continue,
        };
        assert_eq!(ours, value, "line {index}: {key}");
        agreed += 1;
    }
    assert!(
        matches!(&parsed[2], Parsed::Rejected { .. }),
        "{:?}",
        parsed[2]
    );
    let explicit = parse_all(&log, Format::Netfilter);
    assert!(
        matches!(&explicit[2], Parsed::Rejected { reason, .. } if reason == "netfilter: expected `IN=`")
    );
    assert_eq!(firewall(&parsed[3]).action, "deny");
    println!("crowdsec iptables: {agreed} assertions agree, line 3 rejected");
    assert!(agreed >= 15, "only {agreed} assertions checked");
}

#[test]
fn elastic_iptables_agrees_with_the_expected_documents() {
    let (Some(log), Some(expected)) = (
        corpus("firewall/elastic_beats_iptables/iptables.log"),
        corpus("firewall/elastic_beats_iptables/iptables.log-expected.json"),
    ) else {
        return;
    };
    let documents = expected_documents(&expected);
    let parsed = parse_all(&log, Format::Auto);
    assert_eq!(parsed.len(), 12);
    for (index, document) in documents.iter().enumerate() {
        let event = firewall(&parsed[index]);
        let port = |key: &str| {
            document[key]
                .as_u64()
                .and_then(|port| u16::try_from(port).ok())
        };
        let transport = document["network.transport"]
            .as_str()
            .unwrap_or_default()
            .to_uppercase();
        check_packet(
            event,
            (
                document["source.ip"].as_str().unwrap_or_default(),
                port("source.port"),
            ),
            (
                document["destination.ip"].as_str().unwrap_or_default(),
                port("destination.port"),
            ),
            &transport,
        );
        let denied = document["event.type"]
            .as_array()
            .is_some_and(|types| types.contains(&"denied".into()));
        assert_eq!(event.action == "deny", denied, "line {index}");
        assert_eq!(
            event.in_iface.as_deref(),
            document["iptables.input_device"].as_str()
        );
    }
    let router = firewall(&parsed[11]);
    assert_eq!(
        (router.device.as_str(), router.rule.as_deref()),
        ("Abc-A1", Some("SOMETHING-1234-A"))
    );
    check_packet(router, ("10.251.1.1", None), ("10.251.1.1", None), "ICMP");
    println!(
        "elastic iptables: {} documents agree, 2 router lines parsed",
        documents.len()
    );
    assert_eq!(documents.len(), 10);
}

#[test]
fn csirtg_ufw_lines_are_blocked_packets() {
    let (Some(ufw), Some(ubuntu16)) = (
        corpus("firewall/csirtg_ufw/ufw.log"),
        corpus("firewall/csirtg_ufw/ufw_ubuntu16.log"),
    ) else {
        return;
    };
    let parsed = parse_all(&ufw, Format::Auto);
    let parsed16 = parse_all(&ubuntu16, Format::Auto);
    for event in parsed.iter().chain(&parsed16).map(firewall) {
        assert_eq!(
            (event.action.as_str(), event.rule.as_deref()),
            ("deny", Some("UFW BLOCK"))
        );
        assert!(event.new_connection);
    }
    check_packet(
        firewall(&parsed[0]),
        ("114.33.197.193", Some(43861)),
        ("172.30.0.64", Some(23)),
        "TCP",
    );
    assert_eq!(firewall(&parsed16[0]).src_ip, "10.0.2.2");
    assert_eq!(firewall(&parsed16[1]).src_ip, "61.7.190.140");
    println!("csirtg ufw: {} lines parsed", parsed.len() + parsed16.len());
}

#[test]
fn canarytek_samba_full_audit_lines_are_renames_and_writes() {
    let Some(log) = corpus("access/canarytek_samba_full_audit/messages_smbd_audit.log") else {
        return;
    };
    let parsed = parse_all(&log, Format::Auto);
    assert_eq!(parsed.len(), 12);
    for (line, outcome) in log.lines().zip(&parsed) {
        let event = access(outcome);
        assert_eq!(event.host, "test");
        assert_eq!(event.user.as_deref(), Some("test"));
        assert_eq!(event.client_ip.as_deref(), Some("192.168.122.68"));
        assert_eq!(event.client_name.as_deref(), Some("ctk-pc"));
        assert_eq!(event.share.as_deref(), Some("test"));
        assert!(event.success);
        let fields: Vec<&str> = line.split('|').collect();
        let expected_path = format!("/test/{}", fields[6]);
        assert_eq!(event.path, expected_path);
        match fields[4] {
            "rename" => {
                assert_eq!(event.operation, "rename");
                assert_eq!(event.target, Some(format!("/test/{}", fields[7])));
            }
            _ => assert_eq!(
                (event.operation.as_str(), event.target.as_deref()),
                ("write", None)
            ),
        }
    }
    println!("canarytek samba: {} lines parsed", parsed.len());
}

/// Every text file under `dir`, recursively, except the binary samples.
fn text_files(dir: &std::path::Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(Result::ok).map(|entry| entry.path()) {
        if path.is_dir() {
            text_files(&path, files);
        } else if std::fs::read(&path).is_ok_and(|bytes| !bytes.contains(&0)) {
            files.push(path);
        }
    }
}

#[test]
fn every_corpus_line_is_an_event_or_a_reasoned_rejection() {
    let root = PathBuf::from(CORPORA);
    if !root.is_dir() {
        println!("skipped: ../shared/corpora not found");
        return;
    }
    let mut files = Vec::new();
    text_files(&root, &mut files);
    let (mut events, mut rejected) = (0, 0);
    for path in &files {
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned();
        for name in Format::ALL_NAMES {
            let format: Format = name.parse().expect("a format name");
            let parser = LineParser::new(ParseContext::new(reference_time()), format);
            for outcome in read_all(&text, parser) {
                match outcome {
                    Parsed::Event { .. } => events += 1,
                    Parsed::Rejected { reason, .. } => {
                        assert!(!reason.is_empty(), "{}", path.display());
                        rejected += 1;
                    }
                    Parsed::Held | Parsed::Skipped { .. } => {}
                }
            }
        }
    }
    println!(
        "{} corpus files in every format: {events} events, {rejected} rejections",
        files.len()
    );
}
