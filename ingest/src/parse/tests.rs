//! Tests of the format choice, the stream filter and the state across lines.

use super::*;
use vakt_schemas::config::{LineSettings, UserNames};
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
        Parsed::Rejected {
            reason, intended, ..
        } => (reason, intended),
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
    let Parsed::Event { time, event, .. } = parser.parse(SSHD) else {
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

#[test]
fn auto_recognises_every_format_by_its_shape() {
    let mut parser = parser(Format::Auto);
    let sudo = "Mar  2 08:15:00 ts1 sudo:      ola : TTY=pts/0 ; PWD=/home/ola ; USER=root ; COMMAND=/bin/ls";
    let event = session(parser.parse(sudo));
    assert_eq!(
        (event.action.as_str(), event.protocol.as_str()),
        ("elevate", "sudo")
    );
    let filterlog = "Mar  2 08:22:00 fw1 filterlog[4321]: 5,,,1000000103,em0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,203.0.113.5,10.20.0.10,50123,3389,0,S,1234,,64240,,mss";
    assert_eq!(firewall(parser.parse(filterlog)).action, "deny");
    let pve = "100 6 tap100i0-IN 02/Mar/2026:08:21:00 +0100 ACCEPT: IN=fwbr100i0 OUT=fwbr100i0 SRC=10.20.0.5 DST=10.30.0.9 LEN=60 PROTO=TCP SPT=50000 DPT=22 SYN URGP=0";
    assert_eq!(firewall(parser.parse(pve)).dst_port, Some(22));
    let page =
        "Laser1 ola 42 [02/Mar/2026:08:20:00 +0100] total 3 - 10.20.0.5 report.pdf A4 one-sided";
    assert_eq!(access(parser.parse(page)).operation, "print");
    let journal = r#"{"__REALTIME_TIMESTAMP":"1772439840000000","_HOSTNAME":"ts2","SYSLOG_IDENTIFIER":"sshd","_PID":"77","MESSAGE":"Accepted password for kari from 10.20.0.6 port 40000 ssh2"}"#;
    assert_eq!(session(parser.parse(journal)).user.as_deref(), Some("kari"));
    let xml = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing"/><EventID>4625</EventID><TimeCreated SystemTime="2026-03-02T07:25:00.1234567Z"/><Channel>Security</Channel><Computer>ts3</Computer></System><EventData><Data Name="TargetUserName">ola</Data><Data Name="LogonType">10</Data><Data Name="IpAddress">10.20.0.5</Data></EventData></Event>"#;
    let Parsed::Event { time, event, .. } = parser.parse(xml) else {
        panic!("windows xml rejected");
    };
    assert_eq!(time, utc("2026-03-02T07:25:00.123456Z"));
    assert_eq!(
        session(Parsed::Event {
            time,
            event,
            span: None
        })
        .action,
        "failed"
    );
    // vakt's own JSON Lines still read.
    assert_eq!(access(parser.parse(JSON)).operation, "print");
}

#[test]
fn the_records_of_one_auditd_event_come_out_together_with_their_lines() {
    let mut parser = parser(Format::Auto);
    let lines = [
        "type=SYSCALL msg=audit(1772439300.120:812): arch=c000003e syscall=87 success=yes exit=0 a0=7ffc a1=0 a2=0 a3=0 items=2 ppid=900 pid=901 auid=1000 uid=1000 gid=1000 euid=1000 tty=pts0 ses=4 comm=\"rm\" exe=\"/usr/bin/rm\"",
        "type=CWD msg=audit(1772439300.120:812): cwd=\"/data\"",
        "type=PATH msg=audit(1772439300.120:812): item=0 name=\"/data/\" inode=2 nametype=PARENT",
        "type=PATH msg=audit(1772439300.120:812): item=1 name=\"hudreg/a.csv\" inode=131 nametype=DELETE",
        "type=EOE msg=audit(1772439300.120:812):",
    ];
    for (index, line) in lines.iter().take(4).enumerate() {
        let at = LineAt {
            number: index as u64 + 10,
            offset: index as u64 * 100,
        };
        assert_eq!(parser.parse_at(line, at), Parsed::Held, "{line}");
        assert!(parser.is_holding());
    }
    assert_eq!(parser.parse_at(lines[4], LineAt::default()), Parsed::Held);
    let Some(Parsed::Event { event, span, .. }) = parser.take_completed() else {
        panic!("the EOE record ends the event");
    };
    assert_eq!(parser.take_completed(), None);
    let span = span.expect("a record of several lines says which");
    assert_eq!((span.number, span.offset, span.lines), (10, 0, 5));
    assert_eq!(span.raw, lines.join("\n"));
    let Event::Access(access) = event else {
        panic!("not an access")
    };
    assert_eq!(access.operation, "delete");
    assert_eq!(access.path, "/data/hudreg/a.csv");
    assert!(!parser.is_holding());
    assert_eq!(parser.finish(), None);
}

#[test]
fn a_held_record_ends_at_a_line_not_its_own_and_at_the_end_of_the_input() {
    let mut parser = parser(Format::Auto);
    let single = "type=SYSCALL msg=audit(1772439300.120:813): arch=c000003e syscall=2 success=yes exit=3 a0=7ffc a1=0 a2=0 a3=0 items=1 ppid=1 pid=2 auid=1000 uid=1000 gid=1000 euid=1000 tty=pts0 ses=4 comm=\"cat\" exe=\"/usr/bin/cat\"";
    assert_eq!(parser.parse(single), Parsed::Held);
    // An sshd line ends the event before it.
    assert_eq!(session(parser.parse(SSHD)).action, "login");
    let Some(Parsed::Event { event, .. }) = parser.take_completed() else {
        panic!("the held event comes out");
    };
    assert_eq!(event.stream(), Stream::Access);
    // A Samba header and its message, ended by the end of the input.
    let header =
        "[2026/03/02 08:23:01.000000,  1] ../../source3/smbd/service.c:1125(make_connection_snum)";
    let message = "  ws01 (ipv4:10.20.0.5:50123) connect to service projects initially as user ola (uid=1000, gid=1000) (pid 12345)";
    assert_eq!(parser.parse(header), Parsed::Held);
    assert_eq!(parser.parse(message), Parsed::Held);
    let Some(Parsed::Event { time, event, span }) = parser.finish() else {
        panic!("the end of the input ends the record");
    };
    assert_eq!(time, utc("2026-03-02T07:23:01Z"), "the header's local time");
    assert_eq!(span.map(|span| span.lines), Some(2));
    assert_eq!(
        access(Parsed::Event {
            time,
            event,
            span: None
        })
        .share
        .as_deref(),
        Some("projects")
    );
}

#[test]
fn a_journald_export_entry_ends_at_its_empty_line() {
    let mut parser = parser(Format::Auto);
    let entry = [
        "__CURSOR=s=1;i=2",
        "__REALTIME_TIMESTAMP=1772439900000000",
        "_HOSTNAME=ts2",
        "SYSLOG_IDENTIFIER=sudo",
        "MESSAGE=kari : TTY=pts/2 ; PWD=/root ; USER=root ; COMMAND=/bin/ls",
    ];
    for line in entry {
        assert_eq!(parser.parse(line), Parsed::Held, "{line}");
    }
    let Parsed::Event { event, span, .. } = parser.parse("") else {
        panic!("the empty line ends the entry");
    };
    assert_eq!(span.map(|span| span.lines), Some(6));
    let Event::Sessions(session) = event else {
        panic!("not a session")
    };
    assert_eq!(
        (session.user.as_deref(), session.action.as_str()),
        (Some("kari"), "elevate")
    );
}

#[test]
fn settings_skip_programs_and_shorten_user_names() {
    let context = ParseContext {
        settings: LineSettings {
            skip_programs: Some(vec!["cron".to_string()]),
            user_names: Some(UserNames::Short),
            ..LineSettings::default()
        },
        ..context()
    };
    let mut parser = LineParser::new(context, Format::Auto);
    let cron = "Mar  2 08:17:01 ts1 CRON[300]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)";
    assert_eq!(
        parser.parse(cron),
        Parsed::Skipped {
            reason: "program `CRON` (skip_programs)".to_string()
        }
    );
    let domain = SSHD.replace("for ola", "for CORP\\ola");
    assert_eq!(session(parser.parse(&domain)).user.as_deref(), Some("ola"));
    let realm = SSHD.replace("for ola", "for ola@CORP.EXAMPLE");
    assert_eq!(session(parser.parse(&realm)).user.as_deref(), Some("ola"));
}

#[test]
fn an_event_viewer_export_on_one_line_gives_every_event() {
    let mut parser = parser(Format::Windows);
    let event = |id: u32, user: &str| {
        format!(
            r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing"/><EventID>{id}</EventID><TimeCreated SystemTime="2026-03-02T07:25:00Z"/><Channel>Security</Channel><Computer>ts3</Computer></System><EventData><Data Name="TargetUserName">{user}</Data><Data Name="LogonType">10</Data></EventData></Event>"#
        )
    };
    let line = format!(
        "<Events>{}{}</Events>",
        event(4624, "ola"),
        event(4634, "kari")
    );
    assert_eq!(session(parser.parse(&line)).action, "login");
    let Some(Parsed::Event { span, event, .. }) = parser.take_more() else {
        panic!("the second event comes after");
    };
    assert_eq!(
        span.map(|span| span.lines),
        Some(0),
        "counted as sharing a line"
    );
    assert_eq!(event.stream(), Stream::Sessions);
    assert_eq!(parser.take_more(), None);
    assert!(matches!(parser.parse("<Events>"), Parsed::Skipped { .. }));
}

#[test]
fn text_read_as_evtx_says_what_an_evtx_file_is() {
    let mut parser = parser(Format::Evtx);
    let (reason, _) = rejected(parser.parse(SSHD));
    assert!(reason.starts_with("evtx: a line of text"), "{reason}");
}

#[test]
fn a_windows_event_written_over_several_lines_is_read_whole() {
    let mut parser = parser(Format::Auto);
    let lines = [
        r#"<?xml version="1.0" encoding="utf-8" standalone="yes" ?>"#,
        "<Events>",
        r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing"></Provider>"#,
        "<EventID>4624</EventID>",
        r#"<TimeCreated SystemTime="2019-02-13 15:14:52.409735+00:00"></TimeCreated>"#,
        "<Channel>Security</Channel>",
        "<Computer>PC02.example.corp</Computer>",
        "</System>",
        r#"<EventData><Data Name="TargetUserName">ola</Data>"#,
        r#"<Data Name="LogonType">10</Data>"#,
        "</EventData>",
        "</Event>",
        "</Events>",
    ];
    let outcomes: Vec<Parsed> = lines.iter().map(|line| parser.parse(line)).collect();
    assert!(matches!(outcomes[0], Parsed::Skipped { .. }));
    assert!(matches!(outcomes[1], Parsed::Skipped { .. }));
    assert!(
        outcomes[2..11]
            .iter()
            .all(|outcome| *outcome == Parsed::Held)
    );
    let Parsed::Event { time, event, span } = outcomes[11].clone() else {
        panic!("`</Event>` ends the event: {:?}", outcomes[11]);
    };
    assert_eq!(span.map(|span| span.lines), Some(10));
    assert_eq!(time, utc("2019-02-13T15:14:52.409735Z"));
    assert_eq!(
        session(Parsed::Event {
            time,
            event,
            span: None
        })
        .action,
        "login"
    );
    assert!(matches!(outcomes[12], Parsed::Skipped { .. }));
}
