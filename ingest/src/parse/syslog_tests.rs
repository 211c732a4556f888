//! Tests of the syslog header parser.

use super::*;
use chrono_tz::Europe::Oslo;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn parse(line: &str) -> Result<SyslogLine<'_>, SyslogError> {
    let mut clock = SyslogClock::new(Oslo, Some(2026), utc("2026-12-01T00:00:00Z"));
    parse_syslog(line, &mut clock)
}

#[test]
fn reads_rfc3164_with_two_spaces_before_the_day() {
    let line = parse("Mar  2 08:14:03 ts1 sshd[4121]: Accepted password for ola").unwrap();
    assert_eq!(line.time, utc("2026-03-02T07:14:03Z"));
    assert_eq!(line.host, "ts1");
    assert_eq!(line.program, "sshd");
    assert_eq!(line.pid.as_deref(), Some("4121"));
    assert_eq!(line.message, "Accepted password for ola");
}

#[test]
fn reads_single_space_and_zero_padded_days_and_priority() {
    let single = parse("Nov 2 15:40:14 workshop sshd[28179]: x").unwrap();
    assert_eq!(single.time, utc("2026-11-02T14:40:14Z"));
    let padded = parse("<86>Aug 03 21:39:20 hostname sshd[69420]: y").unwrap();
    assert_eq!(padded.time, utc("2026-08-03T19:39:20Z"));
    assert_eq!(padded.host, "hostname");
    assert_eq!(padded.message, "y");
}

#[test]
fn reads_tags_without_pid_and_lines_without_host_or_tag() {
    let kernel = parse("Jun  8 14:34:33 fw1 kernel: [ 1.5] IN=eth0").unwrap();
    assert_eq!((kernel.program.as_str(), kernel.pid), ("kernel", None));
    assert_eq!(kernel.message, "[ 1.5] IN=eth0");
    let no_host = parse("Jun  8 14:34:33 sshd-session[77]: Connection closed").unwrap();
    assert_eq!(no_host.host, "");
    assert_eq!(no_host.program, "sshd-session");
    let no_tag = parse("Jun 28 04:35:30 Abc-A1 [RULE-1] IN=abc.123 OUT=").unwrap();
    assert_eq!(no_tag.host, "Abc-A1");
    assert_eq!(no_tag.program, "");
    assert_eq!(no_tag.message, "[RULE-1] IN=abc.123 OUT=");
}

#[test]
fn reads_iso_timestamps_in_the_rfc3164_position() {
    let line = parse("2023-11-14T00:20:42.738197+01:00 myserver sshd[1112652]: User root").unwrap();
    assert_eq!(line.time, utc("2023-11-13T23:20:42.738197Z"));
    assert_eq!(line.host, "myserver");
    let local = parse("2026-07-01T12:00:00 myserver sshd[1]: x").unwrap();
    assert_eq!(local.time, utc("2026-07-01T10:00:00Z"));
}

#[test]
fn reads_rfc5424_with_and_without_structured_data() {
    let plain = "<38>1 2026-03-03T09:12:44.201338+01:00 ts1 sshd 4121 - - Accepted publickey";
    let line = parse(plain).unwrap();
    assert_eq!(line.time, utc("2026-03-03T08:12:44.201338Z"));
    assert_eq!((line.host.as_str(), line.program.as_str()), ("ts1", "sshd"));
    assert_eq!(line.pid.as_deref(), Some("4121"));
    assert_eq!(line.message, "Accepted publickey");
    let structured = "<134>1 2026-03-03T08:12:44Z fw1 filterlog - ID7 [meta a=\"x] \\\"y\"][b c=\"1\"] \u{feff}5,,,1";
    let line = parse(structured).unwrap();
    assert_eq!(line.time, utc("2026-03-03T08:12:44Z"));
    assert_eq!(line.pid, None);
    assert_eq!(line.message, "5,,,1");
    let empty = parse("<13>1 2026-03-03T08:12:44Z - - - - -").unwrap();
    assert_eq!(
        (empty.host.as_str(), empty.program.as_str(), empty.message),
        ("", "", "")
    );
}

#[test]
fn reads_journalctl_short_iso_offsets() {
    let expected = utc("2024-03-14T11:34:56Z");
    for stamp in [
        "2024-03-14T12:34:56+0100",
        "2024-03-14T12:34:56+01:00",
        "2024-03-14T12:34:56+01",
        "2024-03-14T11:34:56Z",
        "2024-03-14T07:04:56-0430",
    ] {
        let text = format!("{stamp} ts1 sshd[7]: Accepted");
        let line = parse(&text).unwrap();
        assert_eq!(line.time, expected, "{stamp}");
        assert_eq!((line.host.as_str(), line.program.as_str()), ("ts1", "sshd"));
        assert_eq!(line.message, "Accepted");
    }
    let precise = parse("2024-03-14T12:34:56.123456+01:00 ts1 sshd[7]: x").unwrap();
    assert_eq!(precise.time, utc("2024-03-14T11:34:56.123456Z"));
    let rfc5424 = parse("<38>1 2024-03-14T12:34:56.5+0100 ts1 sshd 7 - - x").unwrap();
    assert_eq!(rfc5424.time, utc("2024-03-14T11:34:56.5Z"));
}

#[test]
fn an_unreadable_offset_says_so() {
    for stamp in [
        "2024-03-14T12:34:56+1",
        "2024-03-14T12:34:56+01:0",
        "2024-03-14T12:34:56+2500",
        "2024-03-14T12:34:56CET",
    ] {
        let error = parse(&format!("{stamp} ts1 sshd[7]: x")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("syslog: expected a utc offset"),
            "{stamp}: {error}"
        );
    }
    let error = parse("<38>1 2024-03-14T12:34:56+1 ts1 sshd 7 - - x").unwrap_err();
    assert!(error.to_string().contains("found `+1`"), "{error}");
}

#[test]
fn reads_journalctl_short_precise() {
    let line = parse("Mar 14 12:34:56.123456 ts1 sshd[7]: Accepted").unwrap();
    assert_eq!(line.time, utc("2026-03-14T11:34:56.123456Z"));
    assert_eq!(line.pid.as_deref(), Some("7"));
}

#[test]
fn reads_journalctl_short_full_with_zone_names_and_offsets() {
    let winter = parse("Thu 2024-03-14 12:34:56 CET ts1 sshd[7]: Accepted").unwrap();
    assert_eq!(winter.time, utc("2024-03-14T11:34:56Z"));
    assert_eq!(
        (winter.host.as_str(), winter.program.as_str()),
        ("ts1", "sshd")
    );
    assert_eq!(winter.message, "Accepted");
    let summer = parse("Fri 2024-06-14 12:34:56.5 CEST ts1 sshd[7]: x").unwrap();
    assert_eq!(summer.time, utc("2024-06-14T10:34:56.5Z"));
    let universal = parse("Fri 2024-06-14 12:34:56 UTC ts1 sshd[7]: x").unwrap();
    assert_eq!(universal.time, utc("2024-06-14T12:34:56Z"));
    let numeric = parse("Fri 2024-06-14 12:34:56 +0300 ts1 sshd[7]: x").unwrap();
    assert_eq!(numeric.time, utc("2024-06-14T09:34:56Z"));
    let first = parse("Sun 2026-10-25 02:30:00 CEST ts1 sshd[7]: x").unwrap();
    assert_eq!(first.time, utc("2026-10-25T00:30:00Z"));
    let second = parse("Sun 2026-10-25 02:30:00 CET ts1 sshd[7]: x").unwrap();
    assert_eq!(second.time, utc("2026-10-25T01:30:00Z"));
}

#[test]
fn short_full_zones_the_configured_zone_does_not_use_are_refused() {
    let wrong_season = parse("Fri 2024-06-14 12:34:56 CET ts1 sshd[7]: x").unwrap_err();
    assert_eq!(
        wrong_season.to_string(),
        "syslog: zone `CET` is not UTC, GMT, an offset or what the configured zone \
         Europe/Oslo uses at 2024-06-14 12:34:56 (`CEST`)"
    );
    let elsewhere = parse("Fri 2024-06-14 12:34:56 EDT ts1 sshd[7]: x").unwrap_err();
    assert!(elsewhere.to_string().contains("`EDT`"), "{elsewhere}");
    let gap = parse("Sun 2026-03-29 02:30:00 CET ts1 sshd[7]: x").unwrap_err();
    assert!(gap.to_string().contains("does not exist"), "{gap}");
    let bad_date = parse("Fri 2024-02-30 12:34:56 UTC ts1 sshd[7]: x").unwrap_err();
    assert!(bad_date.to_string().contains("short-full"), "{bad_date}");
    let short = parse("Fri 2024-06-14").unwrap_err();
    assert!(short.to_string().contains("short-full"), "{short}");
    assert_eq!(parse("Fri day"), Err(SyslogError::NotSyslog));
}

#[test]
fn refuses_what_is_not_syslog() {
    assert_eq!(parse("hello world"), Err(SyslogError::NotSyslog));
    assert_eq!(
        parse("Mar 2 25:00:00 host x: y"),
        Err(SyslogError::NotSyslog)
    );
    assert_eq!(
        parse("Marty 2 08:00:00 host x: y"),
        Err(SyslogError::NotSyslog)
    );
    assert_eq!(
        parse("2026-13-01T00:00:00Z host x: y"),
        Err(SyslogError::NotSyslog)
    );
    let nil_time = parse("<13>1 - host app - - - msg").unwrap_err();
    assert!(nil_time.to_string().contains("without a timestamp"));
    let bad_day = parse("Feb 30 08:00:00 host x: y").unwrap_err();
    assert!(bad_day.to_string().contains("no day 30"), "{bad_day}");
}
