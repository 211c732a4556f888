//! Checks that judge the registry alone.

use super::*;

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
            ("single_verification", "grant=forever"),
            ("single_verification", "grant=one-person"),
        ])
    );
    let mismatch = finding(&review, Check::ClassMismatch, "dataset=mismatch");
    assert_eq!(
        mismatch.statement,
        "dataset mismatch (Declared D, Table 1 says C) is declared class D, but Table 1 gives C"
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
