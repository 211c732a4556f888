//! Every check of CHECKS.md on a small store, with the edges of its time
//! windows. Events are written as JSON Lines and ingested as a user would;
//! the registry is given directly.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value as Json, json};
use tempfile::TempDir;
use vakt_ingest::parse::Format;
use vakt_ingest::{IngestOptions, StoreWriter, ingest, init_store};
use vakt_query::StoreReader;
use vakt_schemas::config::Config;
use vakt_schemas::registry::Registry;

use super::*;

const CONFIG: &str = r#"
institute = "Test"
[zones]
internal = ["10.10.0.0/16"]
secure = ["10.20.0.0/24"]
hosts = { ts1 = "secure", fs1 = "secure", prt1 = "secure" }
[[zones.exceptions]]
name = "web"
destination = ["10.10.0.25/32"]
ports = [443]
protocol = "tcp"
approved_by = "it"
[secure_zone]
terminal_servers = { ts1 = "10.20.0.10" }
transfer_hosts = ["10.10.0.40/32"]
[areas]
system = ["/system"]
program = ["/program"]
data = ["/data"]
project = ["/prosjekt"]
user = ["/home"]
"#;

const PEOPLE: &str = r#"
[[person]]
user = "kari"
name = "Kari"
kind = "employee"
declaration_signed = 2024-01-01
[[person]]
user = "ola"
name = "Ola"
kind = "employee"
declaration_signed = 2024-01-01
end = 2025-06-30
[[person]]
user = "drift"
name = "Drift"
kind = "operations"
declaration_signed = 2024-01-01
[[person]]
user = "eva"
name = "Eva"
kind = "external"
supervisor = "kari"
declaration_signed = 2025-03-01
[[person]]
user = "nils"
name = "Nils"
kind = "student"
"#;

const DATASETS: &str = r#"
[[dataset]]
id = "hud"
name = "Hud"
sensitivity = "S"
identifiability = 3
class = "B"
zone = "secure"
area = "data"
paths = ["/data/hud"]
owner = "kari"
project = "p1"
[[dataset]]
id = "old"
name = "Old"
sensitivity = "I"
identifiability = 3
class = "C"
zone = "secure"
area = "data"
paths = ["/data/old"]
owner = "kari"
delete_by = 2025-10-26
"#;

const GRANTS: &str = r#"
[[grant]]
id = "k-zone"
user = "kari"
scope = "secure-zone"
granted_by = "dir"
from = 2025-01-01
until = 2025-12-31
[[grant]]
id = "k-hud"
user = "kari"
scope = "dataset:hud"
granted_by = "dir"
approved_by = "dir"
verified_by = "sec"
from = 2025-01-01
until = 2025-06-01T12:00:00
[[grant]]
id = "k-old"
user = "kari"
scope = "dataset:old"
granted_by = "dir"
from = 2025-01-01
until = 2025-12-31
[[grant]]
id = "o-zone"
user = "ola"
scope = "secure-zone"
granted_by = "dir"
from = 2025-01-01
until = 2025-06-30
[[grant]]
id = "d-zone"
user = "drift"
scope = "secure-zone"
granted_by = "dir"
from = 2025-01-01
until = 2025-12-31
[[grant]]
id = "e-zone"
user = "eva"
scope = "secure-zone"
granted_by = "dir"
from = 2025-01-01
until = 2025-12-31
"#;

/// A registry from the standard texts with some files replaced.
fn registry(replace: &[(&str, &str)]) -> Registry {
    let mut texts: BTreeMap<String, String> = [
        ("datasets.toml", DATASETS),
        ("people.toml", PEOPLE),
        ("authorizations.toml", GRANTS),
    ]
    .into_iter()
    .map(|(name, text)| (name.to_string(), text.to_string()))
    .collect();
    for (name, text) in replace {
        texts.insert(name.to_string(), text.to_string());
    }
    Registry::parse(&texts).unwrap()
}

fn login(time: &str, user: &str) -> Json {
    json!({"stream": "sessions", "time": time, "server": "ts1", "protocol": "ssh", "action": "login",
           "user": user, "src_ip": "10.10.1.5", "multi_factor": true, "auth_methods": "publickey,keyboard-interactive"})
}

fn access(time: &str, user: &str, operation: &str, path: &str) -> Json {
    json!({"stream": "access", "time": time, "host": "fs1", "user": user, "operation": operation,
           "path": path, "success": true})
}

fn packet(time: &str, src: &str, dst: &str, port: u16) -> Json {
    json!({"stream": "firewall", "time": time, "device": "fw", "action": "allow", "src_ip": src,
           "dst_ip": dst, "dst_port": port, "protocol": "TCP", "new_connection": true})
}

/// A store holding the events.
fn store(events: &[Json]) -> (TempDir, StoreReader, Config) {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("store");
    init_store(&root).unwrap();
    let input = dir.path().join("events.jsonl");
    let lines: Vec<String> = events.iter().map(Json::to_string).collect();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let config = Config::parse(CONFIG).unwrap();
    let mut writer = StoreWriter::open(&root).unwrap();
    let options = IngestOptions {
        format: Format::Jsonl,
        ..IngestOptions::from_config(&config)
    };
    let summary = ingest(&mut writer, &config, &[input], &options, &mut |_| {}).unwrap();
    assert_eq!(summary.lines_quarantined, 0, "{summary:?}");
    drop(writer);
    let reader = StoreReader::open(Path::new(&root)).unwrap();
    (dir, reader, config)
}

/// The review of 2025 as seen on 2026-02-01, without verification.
fn review_2025(reader: &StoreReader, config: &Config, registry: Registry) -> Review {
    let options = ReviewOptions {
        year: 2025,
        now: "2026-02-01T00:00:00Z".parse().unwrap(),
        verify: false,
    };
    review_against(reader, config, &History::single(registry), &options).unwrap()
}

/// (check, subject) of every finding of the given checks.
fn found(review: &Review, checks: &[Check]) -> Vec<(String, String)> {
    let ids: Vec<&str> = checks.iter().map(|check| check.id()).collect();
    let mut found: Vec<(String, String)> = review
        .areas
        .iter()
        .flat_map(|area| &area.findings)
        .filter(|finding| ids.contains(&finding.check))
        .map(|finding| (finding.check.to_string(), finding.subject.clone()))
        .collect();
    found.sort();
    found
}

fn finding<'a>(review: &'a Review, check: Check, subject: &str) -> &'a Finding {
    review
        .areas
        .iter()
        .flat_map(|area| &area.findings)
        .find(|finding| finding.check == check.id() && finding.subject == subject)
        .unwrap_or_else(|| panic!("no {} finding for {subject}", check.id()))
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = list
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    pairs.sort();
    pairs
}

fn seqs(finding: &Finding, stream: vakt_schemas::Stream) -> Vec<u64> {
    finding
        .evidence
        .records
        .get(&stream)
        .map(|records| records.seqs.clone())
        .unwrap_or_default()
}

#[test]
fn a_grant_ending_the_second_before_an_access_does_not_cover_it() {
    // k-hud ends 2025-06-01 12:00:00 local (10:00:00Z, summer time).
    let (_dir, reader, config) = store(&[
        access("2025-06-01T09:59:59Z", "kari", "read", "/data/hud/a.csv"),
        access("2025-06-01T10:00:00Z", "kari", "read", "/data/hud/a.csv"),
    ]);
    let review = review_2025(&reader, &config, registry(&[]));
    assert_eq!(
        found(&review, &[Check::UncoveredAccess]),
        pairs(&[("uncovered_access", "user=kari dataset=hud")])
    );
    let uncovered = finding(&review, Check::UncoveredAccess, "user=kari dataset=hud");
    assert_eq!(
        seqs(uncovered, vakt_schemas::Stream::Access),
        vec![1],
        "only the access at the end instant"
    );
}

#[test]
fn a_leaver_may_work_on_the_last_day_but_not_after() {
    // ola's end is 2025-06-30: until 2025-07-01 00:00 local = 2025-06-30T22:00Z.
    let (_dir, reader, config) = store(&[
        login("2025-06-30T21:59:59Z", "ola"),
        login("2025-06-30T22:00:01Z", "ola"),
    ]);
    let review = review_2025(&reader, &config, registry(&[]));
    let leaver = finding(&review, Check::LeaverActivity, "user=ola");
    assert_eq!(seqs(leaver, vakt_schemas::Stream::Sessions), vec![1]);
    // o-zone's `until` is the same day, so the second login is also uncovered.
    assert_eq!(
        found(
            &review,
            &[
                Check::LeaverActivity,
                Check::UncoveredSession,
                Check::LeaverOpenGrant
            ]
        ),
        pairs(&[
            ("leaver_activity", "user=ola"),
            ("uncovered_session", "user=ola")
        ])
    );
}

#[test]
fn a_deletion_day_on_the_autumn_clock_change_lasts_25_hours() {
    // `old` is to be deleted by 2025-10-26, the day clocks go back: that
    // local day ends 2025-10-26T23:00Z, 25 hours after it began.
    let (_dir, reader, config) = store(&[
        access("2025-10-26T22:30:00Z", "kari", "read", "/data/old/x.csv"),
        access("2025-10-26T23:00:00Z", "kari", "read", "/data/old/x.csv"),
        access("2025-10-26T23:30:00Z", "kari", "delete", "/data/old/x.csv"),
    ]);
    let review = review_2025(&reader, &config, registry(&[]));
    let after = finding(&review, Check::AccessAfterDeletion, "dataset=old");
    assert_eq!(
        seqs(after, vakt_schemas::Stream::Access),
        vec![1],
        "the delete itself is not use"
    );
    assert_eq!(
        found(
            &review,
            &[Check::AccessAfterDeletion, Check::DeletionOverdue]
        ),
        pairs(&[
            ("access_after_deletion", "dataset=old"),
            ("deletion_overdue", "dataset=old")
        ])
    );
    // Recorded as deleted on its day: no longer overdue, still used after.
    let deleted = registry(&[(
        "deletions.toml",
        "[[deletion]]\ndataset = \"old\"\ndate = 2025-10-26\n",
    )]);
    let review = review_2025(&reader, &config, deleted);
    assert_eq!(
        found(
            &review,
            &[Check::AccessAfterDeletion, Check::DeletionOverdue]
        ),
        pairs(&[("access_after_deletion", "dataset=old")])
    );
}

#[test]
fn registry_checks_find_each_fault_once() {
    let datasets = format!(
        "{DATASETS}{}",
        r#"
[[dataset]]
id = "mismatch"
name = "Declared D, Table 1 says C"
sensitivity = "I"
identifiability = 4
class = "D"
zone = "secure"
area = "data"
owner = "kari"
[[dataset]]
id = "outside"
name = "Class B in the internal zone"
sensitivity = "S"
identifiability = 2
class = "B"
zone = "internal"
area = "data"
owner = "kari"
[[dataset]]
id = "raw"
name = "Class A received in January"
sensitivity = "S"
identifiability = 1
class = "A"
zone = "secure"
area = "data"
owner = "kari"
received = 2025-01-10
[[dataset]]
id = "raw-ok"
name = "Class A split and deleted in time"
sensitivity = "S"
identifiability = 1
class = "A"
zone = "secure"
area = "data"
owner = "kari"
received = 2025-01-10
[[dataset]]
id = "home"
name = "In a home folder"
sensitivity = "T"
identifiability = 6
class = "D"
zone = "secure"
area = "user"
paths = ["/home/kari/d"]
owner = "kari"
[[dataset]]
id = "orphan"
name = "No owner"
sensitivity = "T"
identifiability = 7
class = "E"
zone = "internal"
area = "data"
[[dataset]]
id = "partner"
name = "Class C at a partner until June"
sensitivity = "I"
identifiability = 3
class = "C"
zone = "external"
area = "data"
owner = "kari"
exception = "decision 2024-17"
exception_until = 2025-06-30
"#
    );
    let grants = format!(
        "{GRANTS}{}",
        r#"
[[grant]]
id = "forever"
user = "kari"
scope = "project:p1"
granted_by = "dir"
from = 2024-06-01
[[grant]]
id = "one-person"
user = "eva"
scope = "dataset:hud"
granted_by = "kari"
approved_by = "kari"
verified_by = "kari"
from = 2025-02-01
until = 2025-12-31
"#
    );
    let deletions = "[[deletion]]\ndataset = \"raw-ok\"\ndate = 2025-01-20\n";
    let (_dir, reader, config) = store(&[login("2025-03-03T08:00:00Z", "kari")]);
    let review = review_2025(
        &reader,
        &config,
        registry(&[
            ("datasets.toml", &datasets),
            ("authorizations.toml", &grants),
            ("deletions.toml", deletions),
        ]),
    );
    let area_checks = [
        Check::ClassMismatch,
        Check::WrongZone,
        Check::ClassAKept,
        Check::UserArea,
        Check::NoOwner,
        Check::DeletionOverdue,
        Check::ClassCOutside,
        Check::GrantNotRenewed,
        Check::LeaverOpenGrant,
        Check::SingleVerification,
    ];
    assert_eq!(
        found(&review, &area_checks),
        pairs(&[
            ("class_mismatch", "dataset=mismatch"),
            ("wrong_zone", "dataset=outside"),
            ("class_a_kept", "dataset=raw"),
            ("user_area", "dataset=home"),
            ("no_owner", "dataset=orphan"),
            ("deletion_overdue", "dataset=old"),
            ("class_c_outside", "dataset=partner"),
            ("grant_not_renewed", "grant=forever"),
            ("single_verification", "grant=one-person"),
        ])
    );
    let mismatch = finding(&review, Check::ClassMismatch, "dataset=mismatch");
    assert_eq!(
        mismatch.statement,
        "dataset mismatch is declared class D, but Table 1 gives C"
    );
    assert_eq!(
        mismatch.evidence.registry,
        vec!["datasets.toml dataset `mismatch`"]
    );
    assert_eq!(mismatch.clause, "4.1.a");
}

#[test]
fn a_grant_left_open_after_its_holder_left_is_found() {
    let grants = GRANTS.replace("id = \"o-zone\"\nuser = \"ola\"\nscope = \"secure-zone\"\ngranted_by = \"dir\"\nfrom = 2025-01-01\nuntil = 2025-06-30", "id = \"o-zone\"\nuser = \"ola\"\nscope = \"secure-zone\"\ngranted_by = \"dir\"\nfrom = 2025-01-01\nuntil = 2025-07-01");
    let (_dir, reader, config) = store(&[login("2025-03-03T08:00:00Z", "kari")]);
    let review = review_2025(
        &reader,
        &config,
        registry(&[("authorizations.toml", &grants)]),
    );
    assert_eq!(
        found(&review, &[Check::LeaverOpenGrant]),
        pairs(&[("leaver_open_grant", "grant=o-zone")])
    );
}

#[test]
fn access_checks_cover_datasets_projects_homes_and_operations_areas() {
    let grants = format!(
        "{GRANTS}{}",
        "[[grant]]\nid = \"k-p2\"\nuser = \"kari\"\nscope = \"project:p2\"\ngranted_by = \"dir\"\nfrom = 2025-01-01\nuntil = 2025-12-31\n"
    );
    let people = format!(
        "{PEOPLE}[[person]]\nuser = \"per\"\nname = \"Per\"\nkind = \"employee\"\nproject = \"p2\"\n"
    );
    let (_dir, reader, config) = store(&[
        // Covered: kari's dataset grant, her project grant, her own home, drift in system.
        access("2025-03-03T08:00:00Z", "kari", "read", "/data/hud/a.csv"),
        access(
            "2025-03-03T08:01:00Z",
            "kari",
            "write",
            "/prosjekt/p2/out.csv",
        ),
        access(
            "2025-03-03T08:02:00Z",
            "kari",
            "write",
            "/home/kari/notes.txt",
        ),
        access("2025-03-03T08:03:00Z", "drift", "write", "/system/etc/x"),
        // Not covered.
        access("2025-03-03T09:00:00Z", "nils", "read", "/data/hud/a.csv"),
        access(
            "2025-03-03T09:01:00Z",
            "nils",
            "read",
            "/prosjekt/p2/out.csv",
        ),
        access(
            "2025-03-03T09:02:00Z",
            "nils",
            "read",
            "/home/kari/notes.txt",
        ),
        access("2025-03-03T09:03:00Z", "kari", "read", "/program/stata/x"),
        access(
            "2025-03-03T09:04:00Z",
            "kari",
            "read",
            "/data/secret/file.dta",
        ),
        // Printing personal data; two copies out of `old`, one deleted before `old` was.
        access("2025-03-03T09:05:00Z", "kari", "print", "/data/hud/a.csv"),
        {
            let mut copy = access("2025-03-03T09:06:00Z", "kari", "rename", "/data/old/x.csv");
            copy["target"] = json!("/prosjekt/p2/x.csv");
            copy
        },
        {
            let mut copy = access("2025-03-03T09:07:00Z", "kari", "rename", "/data/old/y.csv");
            copy["target"] = json!("/prosjekt/p2/y.csv");
            copy
        },
        access(
            "2025-05-01T09:00:00Z",
            "kari",
            "delete",
            "/prosjekt/p2/y.csv",
        ),
    ]);
    let deletions = "[[deletion]]\ndataset = \"old\"\ndate = 2025-10-01\n";
    let review = review_2025(
        &reader,
        &config,
        registry(&[
            ("authorizations.toml", &grants),
            ("people.toml", &people),
            ("deletions.toml", deletions),
        ]),
    );
    assert_eq!(
        found(
            &review,
            &[
                Check::UncoveredAccess,
                Check::OperationsArea,
                Check::UnregisteredData,
                Check::PrintPersonal,
                Check::CopiesRemain
            ]
        ),
        pairs(&[
            ("uncovered_access", "user=nils dataset=hud"),
            ("uncovered_access", "user=nils project=p2"),
            ("uncovered_access", "user=nils home=kari"),
            ("operations_area", "user=kari area=program"),
            ("unregistered_data", "path=/data/secret"),
            ("print_personal", "dataset=hud"),
            ("copies_remain", "dataset=old"),
        ])
    );
    let copies = finding(&review, Check::CopiesRemain, "dataset=old");
    assert!(
        copies.statement.contains("/prosjekt/p2/x.csv"),
        "{}",
        copies.statement
    );
    assert!(
        !copies.statement.contains("y.csv"),
        "a deleted copy does not remain: {}",
        copies.statement
    );
}

#[test]
fn session_checks_declaration_premises_and_factors() {
    let (_dir, reader, config) = store(&[
        // eva signed on 2025-03-01: a session the day before is a finding.
        login("2025-02-28T10:00:00Z", "eva"),
        login("2025-03-01T10:00:00Z", "eva"),
        // eva from home (external address), not allowed remote use.
        {
            let mut remote = login("2025-03-02T10:00:00Z", "eva");
            remote["src_ip"] = json!("84.1.2.3");
            remote
        },
        // kari with one factor.
        {
            let mut single = login("2025-03-03T10:00:00Z", "kari");
            single["multi_factor"] = json!(false);
            single["auth_methods"] = json!("password");
            single
        },
        // someone not in the registry.
        login("2025-03-04T10:00:00Z", "mallory"),
    ]);
    let review = review_2025(&reader, &config, registry(&[]));
    assert_eq!(
        found(
            &review,
            &[
                Check::NoDeclaration,
                Check::ExternalRemote,
                Check::SingleFactor,
                Check::UncoveredSession
            ]
        ),
        pairs(&[
            ("no_declaration", "user=eva"),
            ("external_remote", "user=eva"),
            ("single_factor", "user=kari"),
            ("uncovered_session", "user=mallory"),
        ])
    );
    assert_eq!(
        seqs(
            finding(&review, Check::NoDeclaration, "user=eva"),
            vakt_schemas::Stream::Sessions
        ),
        vec![0]
    );
    assert!(
        finding(&review, Check::UncoveredSession, "user=mallory")
            .statement
            .contains("not in people.toml")
    );
}

#[test]
fn firewall_checks_spare_terminal_sessions_exceptions_and_transfer_hosts() {
    let (_dir, reader, config) = store(&[
        packet("2025-03-03T08:00:00Z", "10.10.1.5", "10.20.0.10", 22), // terminal session: fine
        packet("2025-03-03T08:01:00Z", "81.1.2.3", "10.20.0.10", 22),  // from outside into secure
        packet("2025-03-03T08:02:00Z", "10.10.1.5", "10.20.0.20", 445), // internal to the file server
        packet("2025-03-03T08:03:00Z", "81.1.2.3", "10.10.0.25", 443),  // listed exception
        packet("2025-03-03T08:04:00Z", "81.1.2.3", "10.10.0.25", 22),   // not listed
        packet("2025-03-03T08:05:00Z", "10.20.0.10", "10.10.0.40", 22), // transfer host
        packet("2025-03-03T08:06:00Z", "10.20.0.10", "142.250.1.1", 443), // out to the internet
    ]);
    let review = review_2025(&reader, &config, registry(&[]));
    assert_eq!(
        found(
            &review,
            &[
                Check::InboundToSecure,
                Check::UnlistedException,
                Check::SecureEgress
            ]
        ),
        pairs(&[
            ("inbound_to_secure", "from=external to=10.20.0.10:22/tcp"),
            ("inbound_to_secure", "from=internal to=10.20.0.20:445/tcp"),
            ("unlisted_exception", "to=10.10.0.25:22/tcp"),
            ("secure_egress", "to=142.250.1.1:443/tcp"),
        ])
    );
}

#[test]
fn silent_sources_and_days_without_logs() {
    let (_dir, reader, config) = store(&[
        packet("2025-12-01T08:00:00Z", "10.10.1.5", "10.20.0.10", 22),
        packet("2025-12-03T07:59:00Z", "10.10.1.5", "10.20.0.10", 22), // 47:59 h later: fine
        packet("2025-12-28T08:00:00Z", "10.10.1.5", "10.20.0.10", 22), // 25 days later
    ]);
    let review = review_2025(&reader, &config, registry(&[]));
    let silent = finding(&review, Check::SilentSource, "host=fw");
    assert_eq!(
        silent.evidence.notes,
        vec![
            "silent from 2025-12-03 08:59 to 2025-12-28 09:00 (600 hours)",
            "silent from 2025-12-28 09:00 to 2026-01-01 00:00 (87 hours)",
        ]
    );
    let days = finding(&review, Check::DaysWithoutLogs, "days");
    assert_eq!(days.evidence.notes.len(), 365 - 3);
    assert_eq!(days.evidence.notes[0], "2025-01-01");
    // With a limit of 96 hours the quiet end of the year is no finding.
    let mut quiet = config.clone();
    quiet.review.silent_hours = 96;
    let review = review_2025(&reader, &quiet, registry(&[]));
    assert_eq!(
        finding(&review, Check::SilentSource, "host=fw")
            .evidence
            .notes
            .len(),
        1
    );
}

#[test]
fn verdicts_follow_the_worst_finding_and_the_store_verifies() {
    let (_dir, reader, config) = store(&[login("2025-03-03T08:00:00Z", "kari")]);
    let options = ReviewOptions {
        year: 2025,
        now: "2026-02-01T00:00:00Z".parse().unwrap(),
        verify: true,
    };
    let review =
        review_against(&reader, &config, &History::single(registry(&[])), &options).unwrap();
    let verdict = |letter: &str| {
        review
            .areas
            .iter()
            .find(|area| area.area.letter() == letter)
            .unwrap()
            .verdict
    };
    assert_eq!(verdict("a"), "passed");
    assert_eq!(verdict("b"), "deviations", "old is overdue: medium");
    assert_eq!(verdict("c"), "passed");
    assert_eq!(verdict("d"), "deviations", "days without logs: medium");
    assert_eq!(review.integrity.verified, Some(true));
    assert!(found(&review, &[Check::StoreVerification]).is_empty());
    let json = serde_json::to_value(&review).unwrap();
    assert_eq!(json["areas"][0]["area"], "a");
    assert_eq!(json["areas"][1]["findings"][0]["check"], "deletion_overdue");
    assert_eq!(json["period"]["zone"], "Europe/Oslo");
}

#[test]
fn events_are_judged_against_the_registry_recorded_before_them() {
    // kari's dataset grant was only recorded on 2025-06-01, although it
    // says it runs from 2025-01-01: a March access is judged against the
    // registry as recorded then, which did not hold it.
    let without = registry(&[(
        "authorizations.toml",
        &GRANTS.replace("scope = \"dataset:hud\"", "scope = \"dataset:old\""),
    )]);
    let with = registry(&[(
        "authorizations.toml",
        &GRANTS.replace("until = 2025-06-01T12:00:00", "until = 2025-12-31"),
    )]);
    let history = History {
        snapshots: vec![
            history::Snapshot {
                recorded: "2025-01-01T00:00:00Z".parse().unwrap(),
                first_seq: 0,
                registry: without,
            },
            history::Snapshot {
                recorded: "2025-06-01T00:00:00Z".parse().unwrap(),
                first_seq: 4,
                registry: with,
            },
        ],
        unreadable: Vec::new(),
    };
    let (_dir, reader, config) = store(&[
        access("2025-03-03T08:00:00Z", "kari", "read", "/data/hud/a.csv"),
        access("2025-07-03T08:00:00Z", "kari", "read", "/data/hud/a.csv"),
    ]);
    let options = ReviewOptions {
        year: 2025,
        now: "2026-02-01T00:00:00Z".parse().unwrap(),
        verify: false,
    };
    let review = review_against(&reader, &config, &history, &options).unwrap();
    let uncovered = finding(&review, Check::UncoveredAccess, "user=kari dataset=hud");
    assert_eq!(seqs(uncovered, vakt_schemas::Stream::Access), vec![0]);
    assert_eq!(
        history
            .at("2024-06-01T00:00:00Z".parse().unwrap())
            .unwrap()
            .first_seq,
        0,
        "before the first: the first"
    );
    assert_eq!(
        history
            .at("2025-06-01T00:00:00Z".parse().unwrap())
            .unwrap()
            .first_seq,
        4
    );
}

#[test]
fn the_history_holds_each_ingested_snapshot_even_when_a_file_is_added() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("store");
    init_store(&root).unwrap();
    let folder = dir.path().join("registry");
    std::fs::create_dir(&folder).unwrap();
    let config = Config::parse(CONFIG).unwrap();
    let snapshot = |folder: &Path| {
        let checked = vakt_ingest::RegistryFolder::read(folder)
            .unwrap()
            .check()
            .unwrap();
        let mut writer = StoreWriter::open(&root).unwrap();
        let options = IngestOptions {
            registry: Some(checked),
            ..IngestOptions::from_config(&config)
        };
        ingest(&mut writer, &config, &[], &options, &mut |_| {}).unwrap();
    };
    // First people only, then datasets.toml (first in file order) is added.
    std::fs::write(folder.join("people.toml"), PEOPLE).unwrap();
    snapshot(&folder);
    std::fs::write(folder.join("datasets.toml"), DATASETS).unwrap();
    snapshot(&folder);
    let reader = StoreReader::open(&root).unwrap();
    let history = History::load(&reader).unwrap();
    assert!(history.unreadable.is_empty(), "{:?}", history.unreadable);
    assert_eq!(history.snapshots.len(), 2);
    assert_eq!(history.snapshots[0].registry.datasets.len(), 0);
    assert_eq!(history.snapshots[0].registry.people.len(), 5);
    assert_eq!(history.snapshots[1].registry.datasets.len(), 2);
    assert!(history.snapshots[0].recorded < history.snapshots[1].recorded);
}

#[test]
fn a_store_that_does_not_verify_is_a_high_finding() {
    let (dir, reader, config) = store(&[login("2025-03-03T08:00:00Z", "kari")]);
    // Change one byte of the sessions segment, as an administrator might.
    let manifest = reader.manifest(vakt_schemas::Stream::Sessions).unwrap();
    let segment = manifest[0].entry.as_ref().unwrap().path.clone();
    let path = dir.path().join("store").join(segment);
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();
    let options = ReviewOptions {
        year: 2025,
        now: "2026-02-01T00:00:00Z".parse().unwrap(),
        verify: true,
    };
    let review =
        review_against(&reader, &config, &History::single(registry(&[])), &options).unwrap();
    assert_eq!(review.integrity.verified, Some(false));
    let broken = finding(&review, Check::StoreVerification, "store");
    assert_eq!(broken.severity, Severity::High);
    assert!(!broken.evidence.notes.is_empty());
    assert!(
        broken.evidence.notes[0].starts_with("sessions: "),
        "{:?}",
        broken.evidence.notes
    );
    let barriers = review
        .areas
        .iter()
        .find(|area| area.area == Area::D)
        .unwrap();
    assert_eq!(barriers.verdict, "failed");
}
