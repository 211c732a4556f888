//! The sample institute in `sample-logs/`: its registry and configuration
//! are valid, and `expected-findings.json` names every check of
//! `review/CHECKS.md` with subjects written as that contract says.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use vakt_schemas::config::Config;
use vakt_schemas::registry::{FILES, Kind, OPTIONAL_FILES, Registry, Scope};

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

fn sample(relative: &str) -> String {
    let path = repository().join("sample-logs").join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn registry() -> Registry {
    let texts: BTreeMap<String, String> = FILES
        .iter()
        .filter(|name| !OPTIONAL_FILES.contains(name))
        .map(|name| (name.to_string(), sample(&format!("registry/{name}"))))
        .collect();
    Registry::parse(&texts).unwrap_or_else(|error| panic!("{:#?}", error.0))
}

#[test]
fn the_sample_registry_parses_and_describes_a_plausible_institute() {
    let registry = registry();
    assert!((8..=15).contains(&registry.datasets.len()));
    assert!((10..=20).contains(&registry.people.len()));
    for kind in [
        Kind::Employee,
        Kind::External,
        Kind::Student,
        Kind::Operations,
    ] {
        assert!(
            registry.people.iter().any(|person| person.kind == kind),
            "{kind:?}"
        );
    }
    let classes: BTreeSet<String> = registry
        .datasets
        .iter()
        .map(|dataset| dataset.class.to_string())
        .collect();
    assert_eq!(classes.into_iter().collect::<String>(), "ABCDEF");
    let areas: BTreeSet<&str> = registry
        .datasets
        .iter()
        .map(|dataset| dataset.area.as_str())
        .collect();
    assert!(areas.is_superset(&BTreeSet::from(["data", "project", "user"])));
    let scope_kinds: BTreeSet<&str> = registry
        .grants
        .iter()
        .map(|grant| match grant.scope {
            Scope::SecureZone => "secure-zone",
            Scope::Area(_) => "area",
            Scope::Dataset(_) => "dataset",
            Scope::Project(_) => "project",
        })
        .collect();
    assert_eq!(scope_kinds.len(), 4, "{scope_kinds:?}");
    assert!(!registry.deletions.is_empty());
}

#[test]
fn the_sample_configuration_parses() {
    let config = Config::parse(&sample("vakt.toml")).unwrap();
    assert_eq!(config.ingest.syslog_year, Some(2025));
    assert_eq!(config.timezone, "Europe/Oslo");
    assert!(!config.zones.exceptions.is_empty());
    assert!(!config.zones.premises.is_empty());
    assert!(config.secure_zone.terminal_servers.contains_key("ts1"));
    assert!(!config.secure_zone.transfer_hosts.is_empty());
    for area in ["system", "program", "data", "project", "user"] {
        assert!(config.areas.contains_key(area), "{area}");
    }
}

/// Check id to the subject forms `review/CHECKS.md` gives it, each as the
/// keys of its `key=value` pairs in order (or the literal word).
fn contract() -> BTreeMap<String, Vec<Vec<String>>> {
    let path = repository().join("review/CHECKS.md");
    let text = std::fs::read_to_string(&path).expect("review/CHECKS.md");
    let mut checks = BTreeMap::new();
    // The rows of the check tables: | `id` | clause | severity | subject | when |
    for line in text.lines().filter(|line| line.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() != 7 {
            continue;
        }
        let id = cells[1].trim_matches('`').to_string();
        let forms = cells[4]
            .split('`')
            .skip(1)
            .step_by(2)
            .map(|form| {
                form.split(' ')
                    .map(|pair| pair.split('=').next().unwrap_or_default().to_string())
                    .collect()
            })
            .collect();
        checks.insert(id, forms);
    }
    checks
}

#[test]
fn expected_findings_name_every_check_with_subjects_as_the_contract_writes_them() {
    let contract = contract();
    assert!(contract.len() >= 25, "{contract:?}");
    let findings: serde_json::Value =
        serde_json::from_str(&sample("expected-findings.json")).unwrap();
    let mut seen = BTreeSet::new();
    let mut checks = BTreeSet::new();
    for finding in findings.as_array().expect("a JSON array") {
        let object = finding.as_object().unwrap();
        assert_eq!(object.len(), 3, "{finding}");
        let check = finding["check"].as_str().unwrap();
        let subject = finding["subject"].as_str().unwrap();
        assert!(!finding["why"].as_str().unwrap().is_empty(), "{finding}");
        let forms = contract
            .get(check)
            .unwrap_or_else(|| panic!("{check} is not a check of CHECKS.md"));
        let keys: Vec<String> = subject
            .split(' ')
            .map(|pair| pair.split('=').next().unwrap().to_string())
            .collect();
        assert!(
            forms.contains(&keys),
            "{check}: `{subject}` is not written as {forms:?}"
        );
        assert!(
            subject
                .split(' ')
                .all(|pair| !pair.contains('=') || !pair.ends_with('=')),
            "{subject}"
        );
        assert!(seen.insert((check, subject)), "{check} {subject} twice");
        checks.insert(check.to_string());
    }
    // The store's own verification and its witnessing depend on the store
    // and its witnesses, not on log data (the sample configures none).
    let missing: Vec<&String> = contract
        .keys()
        .filter(|check| !checks.contains(*check))
        .collect();
    assert_eq!(missing, vec!["store_verification", "unwitnessed"]);
}

#[test]
fn registry_subjects_of_the_expected_findings_exist() {
    let registry = registry();
    let findings: serde_json::Value =
        serde_json::from_str(&sample("expected-findings.json")).unwrap();
    for finding in findings.as_array().unwrap() {
        for pair in finding["subject"].as_str().unwrap().split(' ') {
            match pair.split_once('=') {
                Some(("dataset", id)) => assert!(registry.dataset(id).is_some(), "{finding}"),
                Some(("grant", id)) => assert!(
                    registry.grants.iter().any(|grant| grant.id == id),
                    "{finding}"
                ),
                Some(("project", id)) => {
                    assert!(registry.projects().contains(id), "{finding}")
                }
                _ => {}
            }
        }
    }
}
