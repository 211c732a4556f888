//! Checks of sessions, file accesses, connections, logging and the store.

use chrono::{DateTime, Duration, Utc};

use super::*;

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
            ("no_declaration", "user=mallory"),
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
            "silent from 2025-12-03 08:59 +01:00 to 2025-12-28 09:00 +01:00 (600 hours)",
            "silent from 2025-12-28 09:00 +01:00 to 2026-01-01 00:00 +01:00 (87 hours)",
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
    let (_dir, reader, config) = store(&[
        login("2025-03-03T08:00:00Z", "kari"),
        access("2025-03-03T08:05:00Z", "kari", "read", "/data/hud/a.csv"),
    ]);
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
    // Area d found days without logs; it also could not judge the
    // firewalls, and says so per check.
    let d = &review.areas[3];
    assert_eq!(d.not_assessable, vec![NotAssessable::NoFirewall]);
    let json = serde_json::to_value(&review).unwrap();
    assert_eq!(json["areas"][0]["area"], "a");
    assert_eq!(json["areas"][1]["findings"][0]["check"], "deletion_overdue");
    assert_eq!(json["period"]["zone"], "Europe/Oslo");
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

#[test]
fn a_terminal_server_policy_judges_the_logins_whose_log_does_not_say() {
    let rdp = |time: &str, user: &str, server: &str| {
        let mut login = login(time, user);
        login["server"] = json!(server);
        login["protocol"] = json!("rdp");
        login["multi_factor"] = Json::Null;
        login["auth_methods"] = json!("Negotiate");
        login
    };
    let (_dir, reader, mut config) = store(&[
        rdp("2025-03-03T10:00:00Z", "kari", "ts1"),
        rdp("2025-03-04T10:00:00Z", "kari", "ts2"),
        login("2025-03-05T10:00:00Z", "kari"),
    ]);
    config
        .secure_zone
        .terminal_servers
        .insert("ts2".into(), "10.20.0.11".parse().unwrap());
    // Without a policy, logins whose log does not say are not judged.
    let review = review_2025(&reader, &config, registry(&[]));
    assert_eq!(found(&review, &[Check::SingleFactor]), pairs(&[]));
    let basis = |review: &Review| {
        review
            .areas
            .iter()
            .flat_map(|area| &area.checks)
            .find(|check| check.check == "single_factor")
            .and_then(|check| check.multi_factor.clone())
            .expect("single_factor says where its verdicts came from")
    };
    assert_eq!(
        basis(&review),
        MultiFactorBasis {
            from_log: 1,
            from_policy: 0,
            unknown: 2
        }
    );
    // ts1 requires two factors, ts2 does not: kari's login to ts2 is one factor.
    config.secure_zone.multi_factor =
        [("ts1".to_string(), true), ("ts2".to_string(), false)].into();
    let review = review_2025(&reader, &config, registry(&[]));
    assert_eq!(
        found(&review, &[Check::SingleFactor]),
        pairs(&[("single_factor", "user=kari")])
    );
    let single = finding(&review, Check::SingleFactor, "user=kari");
    assert!(
        single.statement.contains("configured policy"),
        "{}",
        single.statement
    );
    assert_eq!(
        basis(&review),
        MultiFactorBasis {
            from_log: 1,
            from_policy: 2,
            unknown: 0
        }
    );
}

#[test]
fn an_area_without_the_records_it_needs_is_not_assessable_never_passed() {
    // A login every day of the year (no silent source, no day without
    // logs), one file access, no firewall log at all.
    let start: DateTime<Utc> = "2025-01-01T08:00:00Z".parse().unwrap();
    let mut events: Vec<Json> = (0..365)
        .map(|day| login(&(start + Duration::days(day)).to_rfc3339(), "kari"))
        .collect();
    let mut read = access("2025-03-03T08:05:00Z", "kari", "read", "/data/hud/a.csv");
    read["host"] = json!("ts1");
    events.push(read);
    let (_dir, reader, config) = store(&events);
    let verified = ReviewOptions {
        year: 2025,
        now: "2026-02-01T00:00:00Z".parse().unwrap(),
        verify: true,
    };
    let review =
        review_against(&reader, &config, &History::single(registry(&[])), &verified).unwrap();
    let d = &review.areas[3];
    assert_eq!(d.verdict, "not_assessable", "{:?}", d.findings);
    assert_eq!(d.not_assessable, vec![NotAssessable::NoFirewall]);
    let inbound = d
        .checks
        .iter()
        .find(|check| check.check == "inbound_to_secure")
        .unwrap();
    assert_eq!(inbound.not_assessable, Some(NotAssessable::NoFirewall));
    let json = serde_json::to_value(&review).unwrap();
    assert_eq!(json["areas"][3]["verdict"], "not_assessable");
    assert_eq!(json["areas"][3]["not_assessable"][0], "no_firewall");

    // Without any registry, areas a to c cannot be judged either.
    let options = ReviewOptions {
        year: 2025,
        now: "2026-02-01T00:00:00Z".parse().unwrap(),
        verify: false,
    };
    let review = review_against(&reader, &config, &History::default(), &options).unwrap();
    assert_eq!(review.areas[1].verdict, "not_assessable");
    assert_eq!(
        review.areas[1].not_assessable,
        vec![NotAssessable::NoRegistry]
    );
    // Area a still reports what it found: /data/hud is in no data overview.
    assert_eq!(review.areas[0].verdict, "deviations");
    assert_eq!(
        review.areas[0].not_assessable,
        vec![NotAssessable::NoRegistry]
    );
    assert!(
        review.areas[3]
            .not_assessable
            .contains(&NotAssessable::NotVerified)
    );
}
