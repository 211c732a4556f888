//! Linux sources beyond sshd and netfilter against the corpus: the
//! authentication log (sudo, account tools, PAM), pfSense/OPNsense
//! `filterlog`, auditd and CUPS.

use chrono::{DateTime, Utc};
use vakt_ingest::parse::clock::SyslogClock;
use vakt_ingest::parse::linux_auth::parse_auth;
use vakt_ingest::parse::syslog::parse_syslog;
use vakt_ingest::parse::{Format, LineParser, ParseContext, Parsed};
use vakt_schemas::{Event, FirewallEvent};

use super::{
    access, corpus, crowdsec_assertions, expected_documents, parse_all, read_all, reference_time,
    session,
};

/// A parser in a fixed zone and year, as the ground truth's pipeline read the file.
fn parser_in(zone: chrono_tz::Tz, year: i32) -> LineParser {
    let context = ParseContext {
        time_zone: zone,
        year: Some(year),
        ..ParseContext::new(reference_time())
    };
    LineParser::new(context, Format::Auto)
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .unwrap_or_else(|error| panic!("{text}: {error}"))
}

#[test]
fn elastic_system_auth_agrees_with_the_expected_documents() {
    let (Some(log), Some(expected)) = (
        corpus("session/elastic_integrations_system_auth/test-auth.log"),
        corpus("session/elastic_integrations_system_auth/test-auth.log-expected.json"),
    ) else {
        return;
    };
    let documents = expected_documents(&expected);
    let parsed = parse_all(&log, Format::Auto);
    let mut compared = 0;
    for (index, (line, outcome)) in log.lines().zip(&parsed).enumerate() {
        let event = session(outcome);
        // The expected documents cover the first ten lines.
        let Some(document) = documents.get(index) else {
            continue;
        };
        let expected_user = document["user"]["name"].as_str();
        if line.contains(" sshd[") {
            assert_eq!(
                event.src_ip.as_deref(),
                document["source"]["ip"].as_str(),
                "line {index}"
            );
            assert_eq!(
                event.src_port.map(u64::from),
                document["source"]["port"].as_u64(),
                "line {index}"
            );
            assert_eq!(
                event.session_id,
                document["process"]["pid"]
                    .as_u64()
                    .map(|pid| pid.to_string()),
                "line {index}"
            );
            compared += 3;
        }
        if line.contains(" sudo") {
            let mut clock = SyslogClock::new(chrono_tz::UTC, Some(2026), reference_time());
            let header = parse_syslog(line, &mut clock).expect("a syslog line");
            let auth = parse_auth(&header).expect("a sudo line");
            let sudo = &document["system"]["auth"]["sudo"];
            assert_eq!(
                auth.command.as_deref(),
                sudo["command"].as_str(),
                "line {index}"
            );
            assert_eq!(
                auth.target_user.as_deref(),
                document["user"]["effective"]["name"].as_str(),
                "line {index}"
            );
            let failed = sudo.get("error").is_some();
            assert_eq!(
                event.action,
                if failed { "failed" } else { "elevate" },
                "line {index}"
            );
            compared += 3;
        }
        // Elastic names the account a `useradd` line creates as the user;
        // a group-only line (`groupadd`) has none, nor does sshd's
        // "did not receive identification" line.
        assert_eq!(event.user.as_deref(), expected_user, "line {index}: user");
        compared += 1;
    }
    // The two lines added after the expected documents were written.
    let pam_failure = session(&parsed[11]);
    assert_eq!(
        (pam_failure.action.as_str(), pam_failure.user.as_deref()),
        ("failed", Some("root"))
    );
    println!(
        "elastic system auth: {} lines, {compared} fields compared, 0 disagree",
        parsed.len()
    );
    assert!(compared >= 25, "{compared}");
}

/// The addresses, ports and action a `filterlog` CSV says, read here
/// independently of the parser from the pfSense field layout.
fn filterlog_fields(message: &str) -> (String, String, Option<u16>, Option<u16>, &'static str) {
    let fields: Vec<&str> = message.split(',').collect();
    let action = if fields[6] == "pass" { "allow" } else { "deny" };
    let (addresses, protocol) = if fields[8] == "4" {
        (18, fields[16])
    } else {
        (15, fields[12])
    };
    let port = |at: usize| {
        ["tcp", "udp"]
            .contains(&protocol.to_ascii_lowercase().as_str())
            .then(|| fields[at].parse().ok())
            .flatten()
    };
    (
        fields[addresses].to_string(),
        fields[addresses + 1].to_string(),
        port(addresses + 2),
        port(addresses + 3),
        action,
    )
}

fn check_filterlog(event: &FirewallEvent, message: &str, label: &str) -> usize {
    let (src, dst, src_port, dst_port, action) = filterlog_fields(message);
    assert_eq!(event.src_ip, src, "{label}");
    assert_eq!(event.dst_ip, dst, "{label}");
    assert_eq!(event.src_port, src_port, "{label}");
    assert_eq!(event.dst_port, dst_port, "{label}");
    assert_eq!(event.action, action, "{label}");
    5
}

#[test]
fn pfsense_filterlog_agrees_with_crowdsec_and_elastic() {
    if let (Some(log), Some(asserts)) = (
        corpus("firewall/crowdsec_pfsense-rfc5424-filterlog/pfsense-rfc5424-filterlog.log"),
        corpus("firewall/crowdsec_pfsense-rfc5424-filterlog/parser.assert"),
    ) {
        let parsed = parse_all(&log, Format::Auto);
        let mut compared = 0;
        for (index, key, value) in crowdsec_assertions(&asserts, "s02-enrich") {
            let Parsed::Event {
                time,
                event: Event::Firewall(event),
                ..
            } = &parsed[index]
            else {
                panic!("line {index} is not a firewall event: {:?}", parsed[index]);
            };
            match key.as_str() {
                "Meta.timestamp" => assert_eq!(*time, instant(&value), "line {index}"),
                "Meta.machine" => assert_eq!(event.device, value, "line {index}"),
                "Parsed.message" => {
                    compared += check_filterlog(event, &value, &format!("line {index}"))
                }
                _ => continue,
            }
            compared += 1;
        }
        println!(
            "crowdsec pfsense filterlog: {} lines, {compared} fields compared, 0 disagree",
            parsed.len()
        );
        assert!(compared >= 4 * 7, "{compared}");
    }
    let (Some(log), Some(expected)) = (
        corpus("firewall/elastic_integrations_pfsense_opnsense/test-opensense.log"),
        corpus("firewall/elastic_integrations_pfsense_opnsense/test-opensense.log-expected.json"),
    ) else {
        return;
    };
    let documents = expected_documents(&expected);
    // Elastic's test pipeline read the file at -04:00 in 2022.
    let zone: chrono_tz::Tz = "Etc/GMT+4".parse().expect("a zone");
    let mut parser = parser_in(zone, 2022);
    let mut compared = 0;
    for (index, line) in log.lines().enumerate() {
        let outcome = parser.parse(line);
        if !line.contains("filterlog") {
            // dhcpd and unbound lines are not firewall decisions.
            assert!(
                matches!(outcome, Parsed::Rejected { .. }),
                "line {index}: {outcome:?}"
            );
            continue;
        }
        let Parsed::Event {
            time,
            event: Event::Firewall(event),
            ..
        } = outcome
        else {
            panic!("line {index}: {outcome:?}");
        };
        let Some(document) = documents.get(index) else {
            // The RFC 5424 line added after the documents were written.
            assert_eq!(time, instant("2022-06-09T14:44:11-06:00"));
            continue;
        };
        assert_eq!(
            Some(event.src_ip.as_str()),
            document["source"]["ip"].as_str(),
            "line {index}"
        );
        assert_eq!(
            Some(event.dst_ip.as_str()),
            document["destination"]["ip"].as_str()
        );
        assert_eq!(
            event.src_port.map(u64::from),
            document["source"]["port"].as_u64()
        );
        assert_eq!(
            event.dst_port.map(u64::from),
            document["destination"]["port"].as_u64()
        );
        assert_eq!(
            event.protocol.to_ascii_lowercase(),
            document["network"]["transport"].as_str().unwrap_or(""),
        );
        let blocked = document["event"]["action"].as_str() == Some("block");
        assert_eq!(event.action, if blocked { "deny" } else { "allow" });
        assert_eq!(event.rule.as_deref(), document["rule"]["id"].as_str());
        assert_eq!(
            event.in_iface.as_deref(),
            document["observer"]["ingress"]["interface"]["name"].as_str()
        );
        let expected_time = instant(document["@timestamp"].as_str().unwrap_or(""));
        if index == 1 {
            // The file goes from Jan 1 to Dec 31: Elastic's test gives every
            // line the year of its run (2022), 364 days apart; vakt reads the
            // lines as written in order, so Dec 31 is the day before Jan 1.
            // The one field where vakt differs from this ground truth.
            assert_eq!(
                time,
                expected_time - chrono::Duration::days(365),
                "line {index}"
            );
        } else {
            assert_eq!(time, expected_time, "line {index}");
        }
        compared += 9;
    }
    println!(
        "elastic opnsense filterlog: {compared} fields compared, 1 disagrees (line 1's year: see above)"
    );
    assert_eq!(compared, 18);
}

#[test]
fn auditd_agrees_with_crowdsec_and_elastic() {
    if let (Some(log), Some(asserts)) = (
        corpus("access/crowdsec_auditd-logs/auditd-logs.log"),
        corpus("access/crowdsec_auditd-logs/parser.assert"),
    ) {
        let records = read_all(
            &log,
            LineParser::new(ParseContext::new(reference_time()), Format::Auto),
        );
        let mut compared = 0;
        for (index, key, value) in crowdsec_assertions(&asserts, "s01-parse") {
            let Parsed::Event {
                time,
                event: Event::Access(event),
                ..
            } = &records[index]
            else {
                panic!("record {index}: {:?}", records[index]);
            };
            match key.as_str() {
                "Meta.auid" => assert_eq!(
                    event.user.as_deref(),
                    Some(value.as_str()),
                    "record {index}"
                ),
                "Parsed.timestamp" => {
                    let (seconds, millis) = value.split_once('.').expect("seconds.millis");
                    let expected = DateTime::from_timestamp(
                        seconds.parse().expect("seconds"),
                        millis.parse::<u32>().expect("millis") * 1_000_000,
                    );
                    assert_eq!(Some(*time), expected, "record {index}");
                }
                "Meta.exe" if event.success => {
                    // A successful execve without a PATH record: the program run.
                    assert_eq!(event.path, value, "record {index}");
                    assert_eq!(event.operation, "execute");
                }
                _ => continue,
            }
            compared += 1;
        }
        println!(
            "crowdsec auditd: {} records, {compared} fields compared, 0 disagree",
            records.len()
        );
        assert!(compared >= 9, "{compared}");
    }
    let (Some(log), Some(expected)) = (
        corpus("access/elastic_integrations_auditd/test-enhanced-syscall.log"),
        corpus("access/elastic_integrations_auditd/test-enhanced-syscall.log-expected.json"),
    ) else {
        return;
    };
    let document = &expected_documents(&expected)[0];
    let records = read_all(
        &log,
        LineParser::new(ParseContext::new(reference_time()), Format::Auto),
    );
    let Parsed::Event {
        time,
        event: Event::Access(event),
        ..
    } = &records[0]
    else {
        panic!("{:?}", records[0]);
    };
    assert_eq!(
        *time,
        instant(document["@timestamp"].as_str().unwrap_or(""))
    );
    assert_eq!(
        Some(event.host.as_str()),
        document["auditd"]["log"]["node"].as_str()
    );
    assert_eq!(
        event.user.as_deref(),
        document["auditd"]["log"]["AUID"].as_str()
    );
    assert_eq!(document["event"]["action"][0], "deleted");
    assert_eq!(event.operation, "delete");
    assert_eq!(
        Some(event.success),
        document["auditd"]["log"]["success"].as_bool()
    );
    println!("elastic auditd: 1 record, 5 fields compared, 0 disagree");
}

/// `auparse_test.ref` lists every field of every record of `test.log` and
/// `test2.log` as libauparse decodes it (`name=raw (decoded)`, or
/// `name="text"`): the string fields vakt decodes (hex strings, quoted
/// strings) must read the same, record by record.
#[test]
fn auditd_records_decode_as_libauparse_decodes_them() {
    let Some(reference) = corpus("access/auparse_tests/auparse_test.ref") else {
        return;
    };
    // Test 5 walks test.log and test2.log: (serial, record type, field, decoded value).
    let walk = reference
        .split("Starting Test 5")
        .nth(1)
        .and_then(|rest| rest.split("Test 5 Done").next())
        .unwrap_or("");
    let mut fields: Vec<(u64, String, String, String)> = Vec::new();
    let (mut serial, mut kind) = (0, String::new());
    for line in walk.lines() {
        let line = line.trim();
        if let Some(time) = line.strip_prefix("event time: ") {
            serial = time
                .split([':', ','])
                .nth(1)
                .and_then(|number| number.parse().ok())
                .unwrap_or(0);
            continue;
        }
        let Some((name, rest)) = line.split_once('=') else {
            continue;
        };
        if name.contains(' ') {
            continue;
        }
        if name == "type" {
            kind = rest.split(' ').next().unwrap_or("").to_string();
        }
        let decoded = match rest.split_once(" (") {
            Some((_, interpreted)) => interpreted.strip_suffix(')').unwrap_or(interpreted),
            None => rest.trim_matches('"'),
        };
        fields.push((serial, kind.clone(), name.to_string(), decoded.to_string()));
    }
    let (Some(first), Some(second)) = (
        corpus("access/auparse_tests/test.log"),
        corpus("access/auparse_tests/test2.log"),
    ) else {
        return;
    };
    let mut compared = 0;
    for line in first.lines().chain(second.lines()) {
        let record = vakt_ingest::parse::auditd::parse_audit_record(line)
            .unwrap_or_else(|reason| panic!("{line}: {reason}"));
        for name in [
            "proctitle",
            "name",
            "cwd",
            "exe",
            "comm",
            "key",
            "acct",
            "terminal",
        ] {
            let Some(ours) = record.field(name) else {
                continue;
            };
            let theirs = fields
                .iter()
                .find(|(serial, kind, field, _)| {
                    *serial == record.serial && *kind == record.kind && field == name
                })
                .map(|(_, _, _, decoded)| decoded.as_str());
            let Some(theirs) = theirs else { continue };
            // libauparse shows a NUL-separated proctitle with spaces.
            let ours = ours.replace('\0', " ");
            assert_eq!(ours.trim_end(), theirs, "serial {} {name}", record.serial);
            compared += 1;
        }
    }
    println!("auparse reference: {compared} decoded string fields compared, 0 disagree");
    assert!(compared >= 5, "{compared}");
}

#[test]
fn cups_page_log_lines_are_print_jobs() {
    let Some(log) = corpus("access/ksystemlog_cups/page_log") else {
        return;
    };
    let parsed = parse_all(&log, Format::Auto);
    let mut jobs = 0;
    for (line, outcome) in log.lines().zip(&parsed) {
        if line.trim().is_empty() {
            continue;
        }
        let event = access(outcome);
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(event.operation, "print");
        assert_eq!(event.share.as_deref(), Some(words[0]), "the printer");
        assert_eq!(event.user.as_deref(), Some(words[1]));
        assert_eq!(event.session.as_deref(), Some(words[2]), "the job");
        jobs += 1;
    }
    println!("cups page_log: {jobs} print jobs, 4 fields each compared with the line, 0 disagree");
    assert!(jobs >= 2);
}
