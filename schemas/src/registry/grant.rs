//! `authorizations.toml`: time-limited authorisations, one `[[grant]]` each
//! (3.3.g-k, 3.4.d-f).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::moment::Moment;

/// What a grant allows.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Terminal sessions into the secure zone.
    SecureZone,
    /// A storage area (`system`, `program`, ...).
    Area(String),
    /// One dataset of the data overview.
    Dataset(String),
    /// A project's area and datasets.
    Project(String),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::SecureZone => f.write_str("secure-zone"),
            Scope::Area(name) => write!(f, "area:{name}"),
            Scope::Dataset(id) => write!(f, "dataset:{id}"),
            Scope::Project(id) => write!(f, "project:{id}"),
        }
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let named = |kind: &str, name: &str| {
            if name.is_empty() {
                Err(format!("`{text}` names no {kind}"))
            } else {
                Ok(name.to_string())
            }
        };
        if text == "secure-zone" {
            return Ok(Scope::SecureZone);
        }
        if let Some(name) = text.strip_prefix("area:") {
            return named("area", name).map(Scope::Area);
        }
        if let Some(id) = text.strip_prefix("dataset:") {
            return named("dataset", id).map(Scope::Dataset);
        }
        if let Some(id) = text.strip_prefix("project:") {
            return named("project", id).map(Scope::Project);
        }
        Err(format!(
            "unknown scope `{text}`: use secure-zone, area:<name>, dataset:<id> or project:<id>"
        ))
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One authorisation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub id: String,
    pub user: String,
    pub scope: Scope,
    /// Who granted it (the director, a register owner or project leader).
    pub granted_by: String,
    /// Who approved the need; for sensitive data one of two independent persons.
    pub approved_by: Option<String>,
    /// The second, independent person who verified the need.
    pub verified_by: Option<String>,
    pub from: Moment,
    /// End of the grant (a date: through that day).
    pub until: Option<Moment>,
    /// When it was revoked, if it was.
    pub revoked: Option<Moment>,
}
