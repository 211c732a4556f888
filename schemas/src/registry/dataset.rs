//! `datasets.toml`: the data overview (4.1.f), one `[[dataset]]` per dataset.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::class::{Class, Sensitivity, table_1};

/// One dataset of the data overview.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    pub id: String,
    pub name: String,
    pub sensitivity: Sensitivity,
    /// 1 (directly identifying) to 7 (anonymous).
    pub identifiability: u8,
    /// The class as declared; the review compares it with Table 1.
    pub class: Class,
    /// Zone it is stored in: `secure`, `internal` or `external`.
    pub zone: String,
    /// Storage area: `data`, `project`, `user`, `program` or `system`.
    pub area: String,
    /// Path prefixes holding the dataset (as file access logs show them).
    #[serde(default)]
    pub paths: Vec<String>,
    /// The register owner (registeransvarlig, 4.4.c): a user of people.toml.
    pub owner: Option<String>,
    pub project: Option<String>,
    pub source: Option<String>,
    pub documentation: Option<String>,
    /// Licence (konsesjon) reference.
    pub licence: Option<String>,
    /// Last day the dataset may be kept.
    #[serde(default, with = "crate::registry::moment::day::optional")]
    pub delete_by: Option<NaiveDate>,
    pub deletion_rule: Option<String>,
    /// The dataset this one was extracted from (4.1.d).
    pub derived_from: Option<String>,
    /// A documented decision allowing storage outside the class's zone
    /// (4.4.d for D and E, 4.7.b for C).
    pub exception: Option<String>,
    /// Last day the exception allows it (class C kept temporarily outside).
    #[serde(default, with = "crate::registry::moment::day::optional")]
    pub exception_until: Option<NaiveDate>,
    /// Day the dataset was received (class A must not be kept over time, 4.5.a).
    #[serde(default, with = "crate::registry::moment::day::optional")]
    pub received: Option<NaiveDate>,
}

impl Dataset {
    /// The class Table 1 gives this dataset's groups.
    pub fn expected_class(&self) -> Option<Class> {
        table_1(self.sensitivity, self.identifiability)
    }

    /// Whether a path lies in one of the dataset's path prefixes (whole
    /// path components: `/data/a` holds `/data/a/x`, not `/data/ab`).
    pub fn holds(&self, path: &str) -> bool {
        self.paths.iter().any(|prefix| path_in(path, prefix))
    }

    /// The length of the longest of its prefixes that holds `path`.
    pub fn match_length(&self, path: &str) -> Option<usize> {
        self.paths
            .iter()
            .filter(|prefix| path_in(path, prefix))
            .map(|prefix| prefix.trim_end_matches('/').len())
            .max()
    }
}

/// Whether `path` equals `prefix` or lies below it.
pub fn path_in(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}
