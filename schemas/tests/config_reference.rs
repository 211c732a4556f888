//! The configuration reference (`docs/CONFIG.md`), the commented sample
//! (`deploy/vakt.toml`) and the configuration types name the same
//! settings: a setting added to the types without a line in the reference
//! and the sample, or a documented setting the program does not read,
//! fails here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use vakt_schemas::config::Config;

/// Settings whose value is a table of names the user chooses (its keys are
/// not settings).
const NAMED_TABLES: [&str; 4] = [
    "areas",
    "zones.hosts",
    "secure_zone.terminal_servers",
    "secure_zone.multi_factor",
];

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

/// The dotted names of every setting in `value`: `store.path`, and for a
/// list of tables the list (`source`) and its tables' fields (`source.name`).
fn settings(value: &serde_json::Value, prefix: &str, into: &mut BTreeSet<String>) {
    let serde_json::Value::Object(fields) = value else {
        return;
    };
    for (name, field) in fields {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        if NAMED_TABLES.contains(&path.as_str()) {
            into.insert(path);
            continue;
        }
        // A section (`[store]`) is no setting; its fields are. A list of
        // tables (`[[source]]`) is one, and so are its tables' fields.
        if is_value(field) {
            into.insert(path);
            continue;
        }
        match field {
            serde_json::Value::Object(_) => settings(field, &path, into),
            serde_json::Value::Array(items) => {
                into.insert(path.clone());
                for item in items {
                    settings(item, &path, into);
                }
            }
            _ => {}
        }
    }
}

/// Whether `field` is a setting's value: anything but a table, and a list
/// of tables, or a date (which toml writes as a table of one private key).
fn is_value(field: &serde_json::Value) -> bool {
    match field {
        serde_json::Value::Object(table) => {
            !table.is_empty() && table.keys().all(|key| key.starts_with('$'))
        }
        serde_json::Value::Array(items) => {
            items.is_empty() || !items.iter().all(serde_json::Value::is_object)
        }
        _ => true,
    }
}

/// The settings the reference documents: the first cell of its table rows.
fn documented(reference: &str) -> BTreeSet<String> {
    reference
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`'))
        .map(|(name, _)| name.to_string())
        .collect()
}

#[test]
fn the_reference_the_sample_and_the_types_name_the_same_settings() {
    let sample_text =
        std::fs::read_to_string(repository().join("deploy/vakt.toml")).expect("deploy/vakt.toml");
    let sample = Config::parse(&sample_text).expect("the sample configuration is valid");
    let mut in_sample = BTreeSet::new();
    settings(&serde_json::to_value(&sample).unwrap(), "", &mut in_sample);

    // The sample shows every setting the types have: the settings written
    // in its text are those of the configuration it parses into.
    let written: toml::Value = toml::from_str(&sample_text).unwrap();
    let mut in_text = BTreeSet::new();
    settings(&serde_json::to_value(&written).unwrap(), "", &mut in_text);
    let unshown: Vec<_> = in_sample.difference(&in_text).collect();
    assert!(
        unshown.is_empty(),
        "deploy/vakt.toml leaves {unshown:?} to their defaults instead of showing them"
    );

    let reference =
        std::fs::read_to_string(repository().join("docs/CONFIG.md")).expect("docs/CONFIG.md");
    let in_reference = documented(&reference);
    let undocumented: Vec<_> = in_sample.difference(&in_reference).collect();
    assert!(
        undocumented.is_empty(),
        "docs/CONFIG.md does not describe {undocumented:?}"
    );
    let unknown: Vec<_> = in_reference.difference(&in_sample).collect();
    assert!(
        unknown.is_empty(),
        "docs/CONFIG.md describes {unknown:?}, which the program does not read (or the sample does not show)"
    );
}
