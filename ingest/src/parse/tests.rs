//! Tests of the format choice, the stream filter and the state across lines.

use super::*;
use vakt_schemas::{AccessEvent, FirewallEvent, SessionEvent};

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn context() -> ParseContext {
    ParseContext {
        year: Some(2026),
        ..ParseContext::new(utc("2026-12-01T00:00:00Z"))
    }
}

fn parser(format: Format) -> LineParser {
    LineParser::new(context(), format)
}

fn session(parsed: Parsed) -> SessionEvent {
    match parsed {
        Parsed::Event {
            event: Event::Sessions(event),
            ..
        } => event,
        other => panic!("not a session event: {other:?}"),
    }
}

fn firewall(parsed: Parsed) -> FirewallEvent {
    match parsed {
        Parsed::Event {
            event: Event::Firewall(event),
            ..
        } => event,
        other => panic!("not a firewall event: {other:?}"),
    }
}

fn access(parsed: Parsed) -> AccessEvent {
    match parsed {
        Parsed::Event {
            event: Event::Access(event),
            ..
        } => event,
        other => panic!("not an access event: {other:?}"),
    }
}

fn rejected(parsed: Parsed) -> (String, Option<Stream>) {
    match parsed {
        Parsed::Rejected { reason, intended } => (reason, intended),
        other => panic!("not rejected: {other:?}"),
    }
}

const SSHD: &str =
    "Mar  2 08:14:03 ts1 sshd[4121]: Accepted publickey for ola from 10.20.0.5 port 50522 ssh2";
const KERNEL: &str = "Mar  2 08:14:04 fw1 kernel: [ 12.5] DROP IN=eth0 OUT= SRC=203.0.113.5 DST=10.20.0.5 \
    LEN=40 PROTO=TCP SPT=4444 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0";
const SAMBA: &str =
    "Mar  2 08:14:05 fs1 smbd_audit: ola|10.20.0.5|ws-ola|data|pread|ok|hudreg/a.csv";
const JSON: &str = r#"{"stream":"access","time":"2026-03-02T08:14:06Z","host":"fs2","operation":"print","path":"/print/x.pdf","success":true}"#;

#[test]
fn format_names_round_trip() {
    for name in Format::ALL_NAMES {
        let format: Format = name.parse().unwrap();
        assert_eq!(format.to_string(), name);
    }
    assert_eq!("iptables".parse::<Format>().unwrap(), Format::Netfilter);
    let error = "cef".parse::<Format>().unwrap_err();
    assert!(error.to_string().contains("unknown log format `cef`"));
    assert_eq!(Format::default(), Format::Auto);
}

#[test]
fn auto_picks_the_parser_per_line() {
    let mut parser = parser(Format::Auto);
    let Parsed::Event { time, event } = parser.parse(SSHD) else {
        panic!("sshd line rejected");
    };
    assert_eq!(time, utc("2026-03-02T07:14:03Z"));
    assert_eq!(event.stream(), Stream::Sessions);
    assert_eq!(firewall(parser.parse(KERNEL)).action, "deny");
    assert_eq!(access(parser.parse(SAMBA)).path, "/data/hudreg/a.csv");
    assert_eq!(access(parser.parse(JSON)).operation, "print");
    let rsyslog = "2026-03-02T08:14:03.123456+01:00 ts1 sshd-session[9]: Connection closed by 10.0.0.1 port 2";
    assert_eq!(session(parser.parse(rsyslog)).action, "disconnect");
}

#[test]
fn auto_rejects_other_programs_and_non_syslog_lines() {
    let mut parser = parser(Format::Auto);
    let cron = rejected(parser.parse("Mar  2 08:17:01 ts1 CRON[300]: (root) CMD (run-parts)"));
    assert_eq!(
        cron,
        ("no parser for syslog program `CRON`".to_string(), None)
    );
    let garbage = rejected(parser.parse("hello there"));
    assert_eq!(garbage.0, "not a syslog line (RFC 3164 or 5424) nor JSON");
    let kernel = rejected(parser.parse("Mar  2 08:17:01 fw1 kernel: usb 1-1: new device"));
    assert!(kernel.0.contains("without `IN=`"), "{}", kernel.0);
    let bad_sshd = rejected(parser.parse("Mar  2 08:17:01 ts1 sshd[1]: Accepted password for ola"));
    assert_eq!(
        bad_sshd,
        (
            "sshd: expected `from <address>`".to_string(),
            Some(Stream::Sessions)
        )
    );
}

#[test]
fn explicit_formats_insist_on_their_program() {
    let mut sshd = parser(Format::Sshd);
    let sudo = rejected(sshd.parse("Mar  2 08:17:01 ts1 sudo: ola : TTY=pts/0 ; COMMAND=/bin/ls"));
    assert_eq!(
        sudo,
        (
            "sshd: expected program `sshd`, found `sudo`".to_string(),
            Some(Stream::Sessions)
        )
    );
    let not_syslog = rejected(sshd.parse("{\"stream\":\"sessions\"}"));
    assert_eq!(not_syslog.0, "not a syslog line (RFC 3164 or 5424)");
    let mut samba = parser(Format::Samba);
    let wrong = rejected(samba.parse(SSHD));
    assert_eq!(
        wrong.0,
        "samba: expected program `smbd_audit`, found `sshd`"
    );
    let mut netfilter = parser(Format::Netfilter);
    let router = "Jun 28 04:35:30 Abc-A1 [RULE-1] IN=abc OUT= SRC=10.0.0.1 DST=10.0.0.2 PROTO=UDP SPT=1 DPT=2";
    assert_eq!(
        firewall(netfilter.parse(router)).rule.as_deref(),
        Some("RULE-1")
    );
    let mut jsonl = parser(Format::Jsonl);
    assert!(
        rejected(jsonl.parse(SSHD))
            .0
            .starts_with("jsonl: invalid json")
    );
}

#[test]
fn the_source_stream_filters_events() {
    let context = ParseContext {
        stream: Some(Stream::Sessions),
        ..context()
    };
    let mut parser = LineParser::new(context, Format::Auto);
    assert_eq!(session(parser.parse(SSHD)).user.as_deref(), Some("ola"));
    let packet = rejected(parser.parse(KERNEL));
    assert_eq!(
        packet,
        (
            "expected a sessions event (the source's stream), found a firewall event".to_string(),
            Some(Stream::Firewall)
        )
    );
    let unknown = rejected(parser.parse("garbage"));
    assert_eq!(unknown.1, Some(Stream::Sessions));
    let json =
        r#"{"time":"2026-03-02T08:14:06Z","server":"ts2","protocol":"rdp","action":"logout"}"#;
    assert_eq!(session(parser.parse(json)).protocol, "rdp");
}

#[test]
fn year_rolls_over_inside_one_file() {
    let mut parser = parser(Format::Sshd);
    let lines = [
        "Dec 31 23:59:58 ts1 sshd[1]: Invalid user a from 203.0.113.1 port 1",
        "Jan  1 00:00:02 ts1 sshd[1]: Invalid user b from 203.0.113.1 port 1",
    ];
    let times: Vec<_> = lines
        .iter()
        .map(|line| match parser.parse(line) {
            Parsed::Event { time, .. } => time,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        times,
        [utc("2026-12-31T22:59:58Z"), utc("2026-12-31T23:00:02Z")]
    );
}

#[test]
fn a_log_through_the_repeated_autumn_hour_stays_in_order() {
    let mut parser = parser(Format::Sshd);
    let lines = [
        "Oct 25 02:40:00 ts1 sshd[1]: Server listening on :: port 22.",
        "Oct 25 02:10:00 ts1 sshd[1]: Server listening on :: port 22.",
    ];
    let times: Vec<_> = lines
        .iter()
        .map(|line| match parser.parse(line) {
            Parsed::Event { time, .. } => time,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        times,
        [utc("2026-10-25T00:40:00Z"), utc("2026-10-25T01:10:00Z")]
    );
}
