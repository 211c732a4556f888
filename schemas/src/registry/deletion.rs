//! `deletions.toml`: deletions carried out, one `[[deletion]]` each (5.5).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One recorded deletion of a dataset and its copies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deletion {
    pub dataset: String,
    /// Day the deletion was done.
    #[serde(with = "crate::registry::moment::day")]
    pub date: NaiveDate,
    pub method: Option<String>,
    /// Paths of copies deleted with it (outside the dataset's own paths).
    #[serde(default)]
    pub copies: Vec<String>,
    pub by: Option<String>,
}
