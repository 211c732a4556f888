//! The registry the director's office keeps (DESIGN.md, "Registry files"):
//! the data overview, the people, their authorisations and the deletions
//! done, as four TOML files. [`Registry::parse`] reads them and checks every
//! entry, naming the file, the entry and the field of each problem.

pub mod class;
pub mod dataset;
pub mod deletion;
pub mod grant;
pub mod measure;
pub mod moment;
pub mod person;
mod validate;

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use class::{Class, Sensitivity, table_1};
pub use dataset::Dataset;
pub use deletion::Deletion;
pub use grant::{Grant, Scope};
pub use measure::Measure;
pub use moment::Moment;
pub use person::{Kind, Person};

/// The registry files, in the order a snapshot stores them.
pub const FILES: [&str; 5] = [
    DATASETS_FILE,
    PEOPLE_FILE,
    AUTHORIZATIONS_FILE,
    DELETIONS_FILE,
    MEASURES_FILE,
];
/// Files a registry folder need not have: absent, they are not mentioned.
pub const OPTIONAL_FILES: [&str; 1] = [MEASURES_FILE];
pub const DATASETS_FILE: &str = "datasets.toml";
pub const PEOPLE_FILE: &str = "people.toml";
pub const AUTHORIZATIONS_FILE: &str = "authorizations.toml";
pub const DELETIONS_FILE: &str = "deletions.toml";
pub const MEASURES_FILE: &str = "measures.toml";

/// The whole registry at one moment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Registry {
    pub datasets: Vec<Dataset>,
    pub people: Vec<Person>,
    pub grants: Vec<Grant>,
    pub deletions: Vec<Deletion>,
    /// What is done about the yearly review's findings (optional file).
    #[serde(default)]
    pub measures: Vec<Measure>,
}

/// One thing wrong in a registry file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    /// The entry, e.g. "dataset `hudreg`" or "grant #3" when it has no id.
    pub entry: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(entry) = &self.entry {
            write!(f, ": {entry}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The files' texts could not be read as a registry.
#[derive(Debug, thiserror::Error)]
#[error("{} problem(s) in the registry, the first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
pub struct RegistryError(pub Vec<Problem>);

impl Registry {
    /// Reads the registry from the texts of its files (file name to text);
    /// a file that is absent counts as empty. Every problem is reported,
    /// not only the first.
    pub fn parse(texts: &BTreeMap<String, String>) -> Result<Registry, RegistryError> {
        let mut problems = Vec::new();
        for name in texts.keys() {
            if !FILES.contains(&name.as_str()) {
                problems.push(Problem {
                    file: name.clone(),
                    entry: None,
                    field: None,
                    message: format!("not a registry file: expected {}", FILES.join(", ")),
                });
            }
        }
        let text = |name: &str| texts.get(name).map(String::as_str).unwrap_or("");
        let registry = Registry {
            datasets: entries(DATASETS_FILE, text(DATASETS_FILE), "dataset", &mut problems),
            people: entries(PEOPLE_FILE, text(PEOPLE_FILE), "person", &mut problems),
            grants: entries(
                AUTHORIZATIONS_FILE,
                text(AUTHORIZATIONS_FILE),
                "grant",
                &mut problems,
            ),
            deletions: entries(
                DELETIONS_FILE,
                text(DELETIONS_FILE),
                "deletion",
                &mut problems,
            ),
            measures: entries(MEASURES_FILE, text(MEASURES_FILE), "measure", &mut problems),
        };
        problems.extend(validate::problems(&registry));
        if problems.is_empty() {
            Ok(registry)
        } else {
            Err(RegistryError(problems))
        }
    }

    pub fn dataset(&self, id: &str) -> Option<&Dataset> {
        self.datasets.iter().find(|dataset| dataset.id == id)
    }

    pub fn person(&self, user: &str) -> Option<&Person> {
        self.people.iter().find(|person| person.user == user)
    }

    /// The dataset holding a path: the one with the longest matching prefix.
    pub fn dataset_of_path(&self, path: &str) -> Option<&Dataset> {
        self.datasets
            .iter()
            .filter_map(|dataset| dataset.match_length(path).map(|length| (length, dataset)))
            .max_by_key(|(length, _)| *length)
            .map(|(_, dataset)| dataset)
    }

    /// The grants of one user.
    pub fn grants_of<'a>(&'a self, user: &'a str) -> impl Iterator<Item = &'a Grant> + 'a {
        self.grants.iter().filter(move |grant| grant.user == user)
    }

    /// The recorded deletions of a dataset.
    pub fn deletions_of<'a>(&'a self, dataset: &'a str) -> impl Iterator<Item = &'a Deletion> + 'a {
        self.deletions
            .iter()
            .filter(move |deletion| deletion.dataset == dataset)
    }

    /// Project ids the registry mentions (datasets' and people's `project`).
    pub fn projects(&self) -> std::collections::BTreeSet<&str> {
        let of_datasets = self.datasets.iter().filter_map(|d| d.project.as_deref());
        let of_people = self.people.iter().filter_map(|p| p.project.as_deref());
        of_datasets.chain(of_people).collect()
    }
}

/// The `[[key]]` array of one file, each entry read on its own so that a
/// problem names its entry; entries with problems are left out.
fn entries<T: DeserializeOwned>(
    file: &str,
    text: &str,
    key: &str,
    problems: &mut Vec<Problem>,
) -> Vec<T> {
    let problem = |entry: Option<String>, field: Option<String>, message: String| Problem {
        file: file.to_string(),
        entry,
        field,
        message,
    };
    let table: toml::Table = match toml::from_str(text) {
        Ok(table) => table,
        Err(error) => {
            problems.push(problem(
                None,
                None,
                error.to_string().trim().replace('\n', " "),
            ));
            return Vec::new();
        }
    };
    for other in table.keys().filter(|name| name.as_str() != key) {
        problems.push(problem(
            None,
            None,
            format!("unknown table `{other}`: this file holds [[{key}]] entries"),
        ));
    }
    let Some(items) = table.get(key) else {
        return Vec::new();
    };
    let Some(items) = items.as_array() else {
        problems.push(problem(
            None,
            None,
            format!("`{key}` must be written as [[{key}]] entries"),
        ));
        return Vec::new();
    };
    let mut parsed = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let label = entry_label(key, index, item);
        let Some(fields) = item.as_table() else {
            problems.push(problem(Some(label), None, "not a table".to_string()));
            continue;
        };
        match T::deserialize(item.clone()) {
            Ok(value) => parsed.push(value),
            Err(error) => {
                let message = error.message().trim().to_string();
                let field = field_of(&message, fields);
                problems.push(problem(Some(label), field, message));
            }
        }
    }
    parsed
}

/// "dataset `hudreg`" when the entry has an id, else "dataset #3" (1-based).
fn entry_label(key: &str, index: usize, item: &toml::Value) -> String {
    let id_field = match key {
        "person" => "user",
        "deletion" => "dataset",
        _ => "id",
    };
    match item.get(id_field).and_then(toml::Value::as_str) {
        Some(id) => format!("{key} `{id}`"),
        None => format!("{key} #{}", index + 1),
    }
}

/// The field a serde message is about, where it names one.
fn field_of(message: &str, fields: &toml::Table) -> Option<String> {
    let quoted = |text: &str| {
        let start = text.find('`')? + 1;
        let end = text[start..].find('`')? + start;
        Some(text[start..end].to_string())
    };
    if let Some(rest) = message.strip_prefix("missing field ") {
        return quoted(rest);
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        return quoted(rest);
    }
    // A bad value: the message quotes the value; find the field holding it.
    let value = quoted(message)?;
    fields
        .iter()
        .find(|(_, field_value)| match field_value {
            toml::Value::String(text) => *text == value,
            other => other.to_string() == value,
        })
        .map(|(name, _)| name.clone())
}

#[cfg(test)]
mod tests;
