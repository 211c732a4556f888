use std::collections::BTreeMap;

use super::*;

const DATASETS: &str = r#"
[[dataset]]
id = "hudreg"
name = "Hudregisteret"
sensitivity = "S"
identifiability = 3
class = "B"
zone = "secure"
area = "data"
paths = ["/data/hudreg"]
owner = "kari"
project = "p-hud"
delete_by = 2027-12-31
"#;

const PEOPLE: &str = r#"
[[person]]
user = "kari"
name = "Kari Nordmann"
kind = "employee"
declaration_signed = 2024-01-10

[[person]]
user = "ola"
name = "Ola Hansen"
kind = "external"
supervisor = "kari"
end = 2026-06-30
"#;

const GRANTS: &str = r#"
[[grant]]
id = "g1"
user = "ola"
scope = "dataset:hudreg"
granted_by = "kari"
approved_by = "direktor"
verified_by = "kari"
from = 2026-01-01
until = 2026-06-30T23:59:59
"#;

fn texts(replace: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut texts: BTreeMap<String, String> = [
        (DATASETS_FILE, DATASETS),
        (PEOPLE_FILE, PEOPLE),
        (AUTHORIZATIONS_FILE, GRANTS),
    ]
    .into_iter()
    .map(|(name, text)| (name.to_string(), text.to_string()))
    .collect();
    for (name, text) in replace {
        texts.insert(name.to_string(), text.to_string());
    }
    texts
}

fn problems(replace: &[(&str, &str)]) -> Vec<String> {
    match Registry::parse(&texts(replace)) {
        Ok(_) => Vec::new(),
        Err(RegistryError(problems)) => problems.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_consistent_registry_parses_with_its_references() {
    let registry = Registry::parse(&texts(&[])).unwrap();
    assert_eq!(registry.datasets.len(), 1);
    assert_eq!(registry.people[1].kind, Kind::External);
    let grant = &registry.grants[0];
    assert_eq!(grant.scope, Scope::Dataset("hudreg".into()));
    assert_eq!(grant.until.unwrap().to_string(), "2026-06-30T23:59:59");
    assert_eq!(
        registry
            .dataset_of_path("/data/hudreg/2024/a.csv")
            .unwrap()
            .id,
        "hudreg"
    );
    assert!(
        registry
            .dataset_of_path("/data/hudregister/a.csv")
            .is_none()
    );
    assert!(
        registry.deletions.is_empty(),
        "an absent deletions.toml is empty"
    );
}

#[test]
fn a_bad_class_names_file_entry_and_field() {
    let bad = DATASETS.replace("class = \"B\"", "class = \"G\"");
    let found = problems(&[(DATASETS_FILE, &bad)]);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("datasets.toml: dataset `hudreg`: field `class`: unknown variant `G`"),
        "{found:?}"
    );
    // The grant now points at a dataset that did not parse.
    assert!(found[1].contains("grant `g1`: field `scope`"), "{found:?}");
}

#[test]
fn an_identifiability_of_9_is_refused() {
    let bad = DATASETS.replace("identifiability = 3", "identifiability = 9");
    let found = problems(&[(DATASETS_FILE, &bad)]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains(
            "dataset `hudreg`: field `identifiability`: 9 is not an identifiability group"
        ),
        "{found:?}"
    );
}

#[test]
fn an_until_before_from_is_refused() {
    let bad = GRANTS.replace("until = 2026-06-30T23:59:59", "until = 2025-12-31");
    let found = problems(&[(AUTHORIZATIONS_FILE, &bad)]);
    assert_eq!(
        found,
        vec![
            "authorizations.toml: grant `g1`: field `until`: 2025-12-31 is before `from` 2026-01-01"
        ]
    );
}

#[test]
fn grants_for_unknown_people_or_datasets_are_refused() {
    let bad = GRANTS
        .replace("user = \"ola\"", "user = \"nobody\"")
        .replace("dataset:hudreg", "dataset:nothing");
    let found = problems(&[(AUTHORIZATIONS_FILE, &bad)]);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].contains("field `user`: `nobody` is not in people.toml"),
        "{found:?}"
    );
    assert!(
        found[1].contains("field `scope`: `nothing` is not a dataset"),
        "{found:?}"
    );
}

#[test]
fn duplicate_ids_and_unknown_fields_are_refused() {
    let twice = format!(
        "{GRANTS}\n{}",
        GRANTS.replace("from = 2026-01-01", "from = 2026-02-01")
    );
    let found = problems(&[(AUTHORIZATIONS_FILE, &twice)]);
    assert_eq!(
        found,
        vec!["authorizations.toml: grant `g1`: field `id`: the id `g1` is used more than once"]
    );
    let typo = PEOPLE.replace(
        "kind = \"employee\"",
        "kind = \"employee\"\nremote_alowed = true",
    );
    let found = problems(&[(PEOPLE_FILE, &typo)]);
    assert!(
        found
            .iter()
            .any(|p| p
                .starts_with("people.toml: person `kari`: field `remote_alowed`: unknown field")),
        "{found:?}"
    );
}

#[test]
fn unknown_scopes_and_broken_toml_are_reported() {
    let bad = GRANTS.replace("dataset:hudreg", "everything");
    let found = problems(&[(AUTHORIZATIONS_FILE, &bad)]);
    assert!(
        found[0].contains("grant `g1`: field `scope`: unknown scope `everything`"),
        "{found:?}"
    );
    let found = problems(&[(PEOPLE_FILE, "[[person]\nuser = ")]);
    assert!(found[0].starts_with("people.toml: "), "{found:?}");
}
