//! `people.toml`: everyone who may use the secure zone, one `[[person]]` each.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What a person is to the institute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Employee,
    /// Not paid by the institute; works through a project (3.3.h).
    External,
    Student,
    /// Operations staff (driftspersonell, 6.1.f): the only users of the
    /// system and program areas (3.4.c).
    Operations,
}

/// One person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// The user name the logs show.
    pub user: String,
    pub name: String,
    pub kind: Kind,
    pub employer: Option<String>,
    pub project: Option<String>,
    /// The local project leader supervising an external (3.3.h).
    pub supervisor: Option<String>,
    /// First day.
    #[serde(default, with = "crate::registry::moment::day::optional")]
    pub start: Option<NaiveDate>,
    /// Last day (left on): the person must be blocked after it (3.3.k).
    #[serde(default, with = "crate::registry::moment::day::optional")]
    pub end: Option<NaiveDate>,
    /// Day the secure-zone confidentiality declaration was signed (3.3.i).
    #[serde(default, with = "crate::registry::moment::day::optional")]
    pub declaration_signed: Option<NaiveDate>,
    /// The director allows use from outside the premises (3.3.h).
    #[serde(default)]
    pub remote_allowed: bool,
}
