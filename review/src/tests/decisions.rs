//! The decisions CHECKS.md records for each check, one test each: the
//! registry in force at an event's time, renewal within a year, the zones
//! classes A and B may never leave, class A deleted too late, project
//! grants to sensitive data, the ports of a terminal session, public data,
//! and secure-zone users missing from people.toml.

use chrono::{DateTime, Utc};
use vakt_ingest::registry::RegistryFolder;
use vakt_schemas::Stream;

use super::*;

fn at(time: &str) -> DateTime<Utc> {
    time.parse().unwrap()
}

/// A registry folder holding the standard files with some replaced.
fn folder(dir: &Path, replace: &[(&str, &str)]) -> vakt_ingest::registry::CheckedRegistry {
    std::fs::create_dir_all(dir).unwrap();
    let mut texts: BTreeMap<&str, &str> = [
        ("datasets.toml", DATASETS),
        ("people.toml", PEOPLE),
        ("authorizations.toml", GRANTS),
    ]
    .into_iter()
    .collect();
    for (name, text) in replace {
        texts.insert(name, text);
    }
    for (name, text) in texts {
        std::fs::write(dir.join(name), text).unwrap();
    }
    RegistryFolder::read(dir).unwrap().check().unwrap()
}

const NEW_DATASET: &str = r#"
[[dataset]]
id = "new"
name = "Registered in June"
sensitivity = "I"
identifiability = 3
class = "C"
zone = "secure"
area = "data"
paths = ["/data/new"]
owner = "kari"
"#;

/// Registry snapshots recorded during the year, the logs of the whole year
/// ingested after the last of them (so the stored `dataset` column is
/// filled from the newest registry): each access is judged by the snapshot
/// in force when it happened.
#[test]
fn an_access_is_judged_by_the_registry_in_force_when_it_happened() {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("store");
    init_store(&root).unwrap();
    let config = Config::parse(CONFIG).unwrap();
    // March: no dataset holds /data/new. June: "new" is registered.
    // November: "old" is recorded deleted on 26 October.
    let march = folder(&dir.path().join("march"), &[]);
    let june_datasets = format!("{DATASETS}{NEW_DATASET}");
    let june = folder(
        &dir.path().join("june"),
        &[("datasets.toml", &june_datasets)],
    );
    let deletions = "[[deletion]]\ndataset = \"old\"\ndate = 2025-10-26\n";
    let november = folder(
        &dir.path().join("november"),
        &[
            ("datasets.toml", &june_datasets),
            ("deletions.toml", deletions),
        ],
    );
    let mut writer = StoreWriter::open(&root).unwrap();
    for (registry, time) in [
        (&march, "2025-03-01T00:00:00Z"),
        (&june, "2025-06-01T00:00:00Z"),
        (&november, "2025-11-01T00:00:00Z"),
    ] {
        writer
            .commit(registry.snapshot_records(at(time)), BTreeMap::new())
            .unwrap();
    }
    let events = [
        access("2025-04-01T08:00:00Z", "kari", "read", "/data/new/a.csv"),
        access("2025-07-01T08:00:00Z", "kari", "read", "/data/new/a.csv"),
        access("2025-11-05T08:00:00Z", "kari", "read", "/data/old/b.csv"),
    ];
    let input = dir.path().join("events.jsonl");
    let lines: Vec<String> = events.iter().map(Json::to_string).collect();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let options = IngestOptions {
        format: Format::Jsonl,
        registry: Some(november),
        ..IngestOptions::from_config(&config)
    };
    ingest(&mut writer, &config, &[input], &options, &mut |_| {}).unwrap();
    drop(writer);
    let reader = StoreReader::open(&root).unwrap();
    let history = History::load(&reader).unwrap();
    assert_eq!(history.snapshots.len(), 3);
    let options = ReviewOptions {
        year: 2025,
        now: at("2026-02-01T00:00:00Z"),
        verify: false,
    };
    let review = review_against(&reader, &config, &history, &options).unwrap();

    assert_eq!(
        found(
            &review,
            &[
                Check::UnregisteredData,
                Check::UncoveredAccess,
                Check::AccessAfterDeletion
            ]
        ),
        pairs(&[
            ("unregistered_data", "path=/data/new"),
            ("uncovered_access", "user=kari dataset=new"),
            ("access_after_deletion", "dataset=old"),
        ])
    );
    let time_of = |finding: &Finding| finding.evidence.records[&Stream::Access].first;
    assert_eq!(
        time_of(finding(&review, Check::UnregisteredData, "path=/data/new")),
        at("2025-04-01T08:00:00Z"),
        "April's access came before /data/new was registered"
    );
    let uncovered = finding(&review, Check::UncoveredAccess, "user=kari dataset=new");
    assert_eq!(uncovered.evidence.records[&Stream::Access].count, 1);
    assert_eq!(time_of(uncovered), at("2025-07-01T08:00:00Z"));
}

#[test]
fn a_grant_may_run_to_the_same_date_a_year_later_and_not_a_day_more() {
    let grants = format!(
        "{GRANTS}{}",
        r#"
[[grant]]
id = "a-year"
user = "kari"
scope = "secure-zone"
granted_by = "dir"
from = 2025-03-02
until = 2026-03-02
[[grant]]
id = "a-day-more"
user = "kari"
scope = "secure-zone"
granted_by = "dir"
from = 2025-03-02
until = 2026-03-03
[[grant]]
id = "leap"
user = "kari"
scope = "secure-zone"
granted_by = "dir"
from = 2024-02-29
until = 2025-02-28
[[grant]]
id = "leap-more"
user = "kari"
scope = "secure-zone"
granted_by = "dir"
from = 2024-02-29
until = 2025-03-01
"#
    );
    let (_dir, reader, config) = store(&[login("2025-03-03T08:00:00Z", "kari")]);
    let review = review_2025(
        &reader,
        &config,
        registry(&[("authorizations.toml", &grants)]),
    );
    assert_eq!(
        found(&review, &[Check::GrantNotRenewed]),
        pairs(&[
            ("grant_not_renewed", "grant=a-day-more"),
            ("grant_not_renewed", "grant=leap-more"),
        ])
    );
    assert_eq!(
        finding(&review, Check::GrantNotRenewed, "grant=a-day-more").statement,
        "authorisation a-day-more (kari secure-zone) is valid from 2025-03-02 until 2026-03-03, \
         longer than a year: it was to be renewed by 2026-03-02"
    );
}

#[test]
fn class_a_and_b_outside_the_secure_zone_are_wrong_whatever_their_exception() {
    let datasets = format!(
        "{DATASETS}{}",
        r#"
[[dataset]]
id = "b-exception"
name = "Class B at a partner"
sensitivity = "S"
identifiability = 2
class = "B"
zone = "external"
area = "data"
owner = "kari"
exception = "agreement 2025-3"
[[dataset]]
id = "c-exception"
name = "Class C at a partner"
sensitivity = "I"
identifiability = 3
class = "C"
zone = "external"
area = "data"
owner = "kari"
exception = "agreement 2025-4"
exception_until = 2026-06-30
"#
    );
    let (_dir, reader, config) = store(&[login("2025-03-03T08:00:00Z", "kari")]);
    let review = review_2025(&reader, &config, registry(&[("datasets.toml", &datasets)]));
    assert_eq!(
        found(&review, &[Check::WrongZone, Check::ClassCOutside]),
        pairs(&[("wrong_zone", "dataset=b-exception")])
    );
    let statement = &finding(&review, Check::WrongZone, "dataset=b-exception").statement;
    assert!(!statement.contains("without"), "{statement}");
    assert!(statement.contains("agreement 2025-3"), "{statement}");
}

#[test]
fn class_a_deleted_too_late_is_said_to_be_deleted_late_and_not_kept() {
    let datasets = format!(
        "{DATASETS}{}",
        r#"
[[dataset]]
id = "late"
name = "Class A deleted after 50 days"
sensitivity = "S"
identifiability = 1
class = "A"
zone = "secure"
area = "data"
owner = "kari"
received = 2025-01-10
[[dataset]]
id = "last-year"
name = "Class A deleted late, but last year"
sensitivity = "S"
identifiability = 1
class = "A"
zone = "secure"
area = "data"
owner = "kari"
received = 2024-09-01
"#
    );
    let deletions = "[[deletion]]\ndataset = \"late\"\ndate = 2025-03-01\n\
                     [[deletion]]\ndataset = \"last-year\"\ndate = 2024-12-01\n";
    let (_dir, reader, config) = store(&[login("2025-03-03T08:00:00Z", "kari")]);
    let review = review_2025(
        &reader,
        &config,
        registry(&[("datasets.toml", &datasets), ("deletions.toml", deletions)]),
    );
    assert_eq!(
        found(&review, &[Check::ClassAKept]),
        pairs(&[("class_a_kept", "dataset=late")])
    );
    let late = finding(&review, Check::ClassAKept, "dataset=late");
    assert_eq!(
        late.statement,
        "class A dataset late (Class A deleted after 50 days) received 2025-01-10 was to be \
         deleted by 2025-02-09 and was deleted only on 2025-03-01"
    );
    assert!(
        late.evidence
            .registry
            .contains(&"deletions.toml deletion of `late` on 2025-03-01".to_string())
    );
}

#[test]
fn a_project_grant_reaching_sensitive_data_needs_two_independent_verifiers() {
    let grants = format!(
        "{GRANTS}{}",
        r#"
[[grant]]
id = "p1-unverified"
user = "kari"
scope = "project:p1"
granted_by = "dir"
approved_by = "dir"
from = 2025-01-01
until = 2025-12-31
[[grant]]
id = "p1-verified"
user = "kari"
scope = "project:p1"
granted_by = "dir"
approved_by = "dir"
verified_by = "sec"
from = 2025-01-01
until = 2025-12-31
[[grant]]
id = "p9-unverified"
user = "kari"
scope = "project:p9"
granted_by = "dir"
from = 2025-01-01
until = 2025-12-31
"#
    );
    let datasets = format!(
        "{DATASETS}{}",
        r#"
[[dataset]]
id = "firms"
name = "Firm panel"
sensitivity = "T"
identifiability = 7
class = "E"
zone = "secure"
area = "project"
paths = ["/prosjekt/p9/firms"]
owner = "kari"
project = "p9"
"#
    );
    let (_dir, reader, config) = store(&[login("2025-03-03T08:00:00Z", "kari")]);
    let review = review_2025(
        &reader,
        &config,
        registry(&[
            ("datasets.toml", &datasets),
            ("authorizations.toml", &grants),
        ]),
    );
    // Project p1 holds the sensitive dataset hud; p9 only firm data.
    assert_eq!(
        found(&review, &[Check::SingleVerification]),
        pairs(&[("single_verification", "grant=p1-unverified")])
    );
    let unverified = finding(&review, Check::SingleVerification, "grant=p1-unverified");
    assert!(
        unverified.statement.contains("(hud)"),
        "{}",
        unverified.statement
    );
    assert!(
        unverified
            .statement
            .ends_with("(approved by dir, verified by no one)"),
        "{}",
        unverified.statement
    );
    assert!(
        unverified
            .evidence
            .registry
            .contains(&"datasets.toml dataset `hud`".to_string())
    );
}

#[test]
fn only_the_terminal_ports_of_a_terminal_server_are_a_terminal_session() {
    let events = [
        packet("2025-03-03T08:00:00Z", "10.10.1.5", "10.20.0.10", 22),
        packet("2025-03-03T08:01:00Z", "10.10.1.5", "10.20.0.10", 3389),
        packet("2025-03-03T08:02:00Z", "10.10.1.5", "10.20.0.10", 445),
    ];
    let (_dir, reader, config) = store(&events);
    let review = review_2025(&reader, &config, registry(&[]));
    assert_eq!(
        found(&review, &[Check::InboundToSecure]),
        pairs(&[("inbound_to_secure", "from=internal to=10.20.0.10:445/tcp")])
    );

    let rdp_only = Config::parse(&CONFIG.replace(
        "terminal_servers = { ts1 = \"10.20.0.10\" }",
        "terminal_servers = { ts1 = \"10.20.0.10\" }\nterminal_ports = [3389]",
    ))
    .unwrap();
    let review = review_2025(&reader, &rdp_only, registry(&[]));
    assert_eq!(
        found(&review, &[Check::InboundToSecure]),
        pairs(&[
            ("inbound_to_secure", "from=internal to=10.20.0.10:22/tcp"),
            ("inbound_to_secure", "from=internal to=10.20.0.10:445/tcp"),
        ])
    );
}

#[test]
fn public_data_needs_no_grant_but_confidential_data_does() {
    let datasets = format!(
        "{DATASETS}{}",
        r#"
[[dataset]]
id = "open"
name = "Public statistics"
sensitivity = "O"
identifiability = 7
class = "F"
zone = "secure"
area = "data"
paths = ["/data/open"]
[[dataset]]
id = "firms"
name = "Firm panel"
sensitivity = "T"
identifiability = 7
class = "E"
zone = "secure"
area = "data"
paths = ["/data/firms"]
owner = "kari"
"#
    );
    let (_dir, reader, config) = store(&[
        access("2025-03-03T08:00:00Z", "kari", "read", "/data/open/kpi.csv"),
        access(
            "2025-03-03T08:01:00Z",
            "kari",
            "read",
            "/data/firms/panel.csv",
        ),
    ]);
    let review = review_2025(&reader, &config, registry(&[("datasets.toml", &datasets)]));
    assert_eq!(
        found(&review, &[Check::UncoveredAccess]),
        pairs(&[("uncovered_access", "user=kari dataset=firms")])
    );
}

#[test]
fn a_secure_zone_user_missing_from_people_toml_has_no_declaration() {
    let (_dir, reader, config) = store(&[
        login("2025-03-03T08:00:00Z", "kari"),
        login("2025-03-04T08:00:00Z", "mallory"),
    ]);
    let review = review_2025(&reader, &config, registry(&[]));
    assert_eq!(
        found(&review, &[Check::NoDeclaration]),
        pairs(&[("no_declaration", "user=mallory")])
    );
    let statement = &finding(&review, Check::NoDeclaration, "user=mallory").statement;
    assert!(statement.contains("not in people.toml"), "{statement}");
}

#[test]
fn a_share_connect_is_activity_but_no_access_to_a_file() {
    let (_dir, reader, config) = store(&[
        // A connect to the share holding the system area, and to a data
        // folder no dataset holds: neither opens a file.
        access("2025-03-03T08:00:00Z", "kari", "connect", "/system"),
        access("2025-03-03T08:01:00Z", "kari", "connect", "/data/unknown"),
        access(
            "2025-03-03T08:02:00Z",
            "kari",
            "disconnect",
            "/data/unknown",
        ),
        // ola left on 30 June: connecting after that is activity.
        access("2025-07-03T08:00:00Z", "ola", "connect", "/data"),
    ]);
    let review = review_2025(&reader, &config, registry(&[]));
    assert_eq!(
        found(
            &review,
            &[
                Check::OperationsArea,
                Check::UnregisteredData,
                Check::UncoveredAccess,
                Check::LeaverActivity
            ]
        ),
        pairs(&[("leaver_activity", "user=ola")])
    );
}

#[test]
fn statements_are_made_in_bokmal_and_english_and_cite_the_grant_behind() {
    // kari's grant to hud ended 2025-06-01 12:00; she reads it in July.
    let (_dir, reader, config) = store(&[access(
        "2025-07-01T08:00:00Z",
        "kari",
        "read",
        "/data/hud/a.csv",
    )]);
    let review = review_2025(&reader, &config, registry(&[]));
    let uncovered = finding(&review, Check::UncoveredAccess, "user=kari dataset=hud");
    assert_eq!(
        uncovered.statements[&Language::En],
        "kari (Kari) accessed dataset hud (Hud) 1 time without a valid authorisation; the \
         nearest authorisation is k-hud (valid from 2025-01-01, until 2025-06-01T12:00:00, \
         approved by dir)"
    );
    assert_eq!(
        uncovered.statements[&Language::Nb],
        "kari (Kari) brukte datasettet hud (Hud) 1 gang uten gyldig autorisasjon; nærmeste \
         autorisasjon er k-hud (gyldig fra 2025-01-01, til og med 2025-06-01T12:00:00, \
         godkjent av dir)"
    );
    assert_eq!(uncovered.statement, uncovered.statements[&Language::En]);
    assert!(
        uncovered
            .evidence
            .registry
            .contains(&"authorizations.toml grant `k-hud`".to_string())
    );
    assert_eq!(uncovered.facts["grant_until"], "2025-06-01T12:00:00");
    let json = serde_json::to_value(uncovered).unwrap();
    assert!(
        json["statements"]["nb"]
            .as_str()
            .unwrap()
            .contains("1 gang")
    );
    assert_eq!(json["facts"]["grant"], "k-hud");
}

#[test]
fn times_in_the_repeated_autumn_hour_carry_their_offset_and_the_first_is_the_earliest() {
    // ola left on 30 June. On 26 October 2025 Oslo's clocks went from
    // 03:00 +02:00 back to 02:00 +01:00: 00:30Z is 02:30 +02:00, 01:15Z is
    // 02:15 +01:00, later though it reads earlier.
    let (_dir, reader, config) = store(&[
        access("2025-10-26T01:15:00Z", "ola", "read", "/home/ola/a.txt"),
        access("2025-10-26T00:30:00Z", "ola", "read", "/home/ola/b.txt"),
    ]);
    let review = review_2025(&reader, &config, registry(&[]));
    let leaver = finding(&review, Check::LeaverActivity, "user=ola");
    assert_eq!(leaver.facts["first"], "2025-10-26 02:30 +02:00");
    assert!(
        leaver.statements[&Language::Nb].contains("første gang 2025-10-26 02:30 +02:00"),
        "{}",
        leaver.statements[&Language::Nb]
    );
}
