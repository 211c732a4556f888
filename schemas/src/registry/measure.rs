//! `measures.toml` (optional): what the institute does about each finding
//! of the yearly review (5.6.c: the review's result and the measures it
//! leads to are documented), one `[[measure]]` each.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A measure taken for one finding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// The finding, as the review names it: its check and subject, e.g.
    /// `uncovered_session user=sigrid`.
    pub finding: String,
    /// What is done about it.
    pub measure: String,
    /// Who is responsible.
    pub owner: Option<String>,
    /// When it is to be done by.
    #[serde(default, with = "crate::registry::moment::day::optional")]
    pub deadline: Option<NaiveDate>,
}

impl Measure {
    /// Whether the measure is for the finding of `check` and `subject`.
    pub fn is_for(&self, check: &str, subject: &str) -> bool {
        self.finding
            .split_once(' ')
            .is_some_and(|(named_check, named_subject)| {
                named_check == check && named_subject.trim() == subject
            })
    }
}
