//! The checks of CHECKS.md, grouped by what they read.

pub mod access;
pub mod firewall;
pub mod logging;
pub mod registry;
pub mod sessions;

use chrono::{DateTime, Utc};
use vakt_schemas::Stream;
use vakt_schemas::registry::Person;

use crate::context::{Context, cite_person};
use crate::draft::Drafts;
use crate::finding::Check;
use crate::statements;

/// `leaver_activity`: a session or access after the end of the person's
/// last day.
pub fn leaver_activity(
    context: &Context,
    drafts: &mut Drafts,
    person: &Person,
    stream: Stream,
    seq: u64,
    time: DateTime<Utc>,
) {
    let Some(end) = person.end else {
        return;
    };
    if time < context.period.end_of_day(end) {
        return;
    }
    drafts
        .entry(
            Check::LeaverActivity,
            format!("user={}", person.user),
            statements::leaver_activity,
        )
        .record(stream, seq, time)
        .registry(cite_person(&person.user))
        .fact("person", &person.name)
        .fact("end", end)
        .earliest("first", time, context.local(time));
}
