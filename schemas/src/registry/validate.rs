//! Checks across entries and files that the types alone cannot make:
//! unique ids, known references, ranges and the order of dates.

use std::collections::{BTreeMap, BTreeSet};

use super::class::IDENTIFIABILITY;
use super::{
    AUTHORIZATIONS_FILE, DATASETS_FILE, DELETIONS_FILE, Grant, MEASURES_FILE, PEOPLE_FILE, Problem,
    Registry, Scope,
};

/// Zones a dataset can be stored in.
const ZONES: [&str; 3] = ["secure", "internal", "external"];
/// Storage areas of the secure zone (3.4.a).
const AREAS: [&str; 5] = ["system", "program", "data", "project", "user"];

/// Every problem of a parsed registry.
pub(super) fn problems(registry: &Registry) -> Vec<Problem> {
    let mut found = Vec::new();
    let mut report = |file: &str, entry: String, field: &str, message: String| {
        found.push(Problem {
            file: file.to_string(),
            entry: Some(entry),
            field: Some(field.to_string()),
            message,
        });
    };

    let datasets: BTreeSet<&str> = registry.datasets.iter().map(|d| d.id.as_str()).collect();
    let people: BTreeSet<&str> = registry.people.iter().map(|p| p.user.as_str()).collect();
    let projects = registry.projects();

    for id in duplicates(registry.datasets.iter().map(|d| d.id.as_str())) {
        report(
            DATASETS_FILE,
            format!("dataset `{id}`"),
            "id",
            format!("the id `{id}` is used more than once"),
        );
    }
    for user in duplicates(registry.people.iter().map(|p| p.user.as_str())) {
        report(
            PEOPLE_FILE,
            format!("person `{user}`"),
            "user",
            format!("the user `{user}` is listed more than once"),
        );
    }
    for id in duplicates(registry.grants.iter().map(|g| g.id.as_str())) {
        report(
            AUTHORIZATIONS_FILE,
            format!("grant `{id}`"),
            "id",
            format!("the id `{id}` is used more than once"),
        );
    }

    for dataset in &registry.datasets {
        let entry = format!("dataset `{}`", dataset.id);
        if !IDENTIFIABILITY.contains(&dataset.identifiability) {
            report(
                DATASETS_FILE,
                entry.clone(),
                "identifiability",
                format!(
                    "{} is not an identifiability group: use 1 (directly identifying) to 7 (anonymous)",
                    dataset.identifiability
                ),
            );
        }
        if !ZONES.contains(&dataset.zone.as_str()) {
            report(
                DATASETS_FILE,
                entry.clone(),
                "zone",
                format!("unknown zone `{}`: use {}", dataset.zone, ZONES.join(", ")),
            );
        }
        if !AREAS.contains(&dataset.area.as_str()) {
            report(
                DATASETS_FILE,
                entry.clone(),
                "area",
                format!("unknown area `{}`: use {}", dataset.area, AREAS.join(", ")),
            );
        }
        for path in &dataset.paths {
            if !path.starts_with('/') {
                report(
                    DATASETS_FILE,
                    entry.clone(),
                    "paths",
                    format!(
                        "`{path}` is not an absolute path (it must start with /, as the access log shows paths)"
                    ),
                );
            }
        }
        if let Some(owner) = &dataset.owner
            && !people.contains(owner.as_str())
        {
            report(
                DATASETS_FILE,
                entry.clone(),
                "owner",
                format!("`{owner}` is not in {PEOPLE_FILE}"),
            );
        }
        if let Some(parent) = &dataset.derived_from
            && !datasets.contains(parent.as_str())
        {
            report(
                DATASETS_FILE,
                entry.clone(),
                "derived_from",
                format!("`{parent}` is not a dataset of {DATASETS_FILE}"),
            );
        }
        if let (Some(received), Some(delete_by)) = (dataset.received, dataset.delete_by)
            && delete_by < received
        {
            report(
                DATASETS_FILE,
                entry.clone(),
                "delete_by",
                format!("{delete_by} is before `received` {received}"),
            );
        }
        if dataset.exception_until.is_some() && dataset.exception.is_none() {
            report(
                DATASETS_FILE,
                entry.clone(),
                "exception_until",
                "an end of an exception without the `exception` it ends: name the decision"
                    .to_string(),
            );
        }
    }

    for person in &registry.people {
        let entry = format!("person `{}`", person.user);
        if let (Some(start), Some(end)) = (person.start, person.end)
            && end < start
        {
            report(
                PEOPLE_FILE,
                entry.clone(),
                "end",
                format!("{end} is before `start` {start}"),
            );
        }
        if let Some(supervisor) = &person.supervisor
            && !people.contains(supervisor.as_str())
        {
            report(
                PEOPLE_FILE,
                entry.clone(),
                "supervisor",
                format!("`{supervisor}` is not in {PEOPLE_FILE}"),
            );
        }
    }

    for grant in &registry.grants {
        let entry = format!("grant `{}`", grant.id);
        if !people.contains(grant.user.as_str()) {
            report(
                AUTHORIZATIONS_FILE,
                entry.clone(),
                "user",
                format!(
                    "`{}` is not in {PEOPLE_FILE}: add the person first",
                    grant.user
                ),
            );
        }
        match &grant.scope {
            Scope::Dataset(id) if !datasets.contains(id.as_str()) => {
                report(
                    AUTHORIZATIONS_FILE,
                    entry.clone(),
                    "scope",
                    format!("`{id}` is not a dataset of {DATASETS_FILE}"),
                );
            }
            Scope::Project(id) if !projects.contains(id.as_str()) => {
                report(
                    AUTHORIZATIONS_FILE,
                    entry.clone(),
                    "scope",
                    format!("no dataset or person of the registry belongs to project `{id}`"),
                );
            }
            Scope::Area(area) if !AREAS.contains(&area.as_str()) => {
                report(
                    AUTHORIZATIONS_FILE,
                    entry.clone(),
                    "scope",
                    format!("unknown area `{area}`: use {}", AREAS.join(", ")),
                );
            }
            _ => {}
        }
        for (field, moment) in [("until", grant.until), ("revoked", grant.revoked)] {
            if let Some(moment) = moment
                && ends_before_start(grant, moment)
            {
                report(
                    AUTHORIZATIONS_FILE,
                    entry.clone(),
                    field,
                    format!("{moment} is before `from` {}", grant.from),
                );
            }
        }
    }

    for (index, deletion) in registry.deletions.iter().enumerate() {
        let entry = format!("deletion #{} (`{}`)", index + 1, deletion.dataset);
        if !datasets.contains(deletion.dataset.as_str()) {
            report(
                DELETIONS_FILE,
                entry,
                "dataset",
                format!("`{}` is not a dataset of {DATASETS_FILE}", deletion.dataset),
            );
        }
    }

    for (index, measure) in registry.measures.iter().enumerate() {
        let entry = format!("measure #{}", index + 1);
        let named = measure
            .finding
            .split_once(' ')
            .is_some_and(|(check, subject)| !check.is_empty() && !subject.trim().is_empty());
        if !named {
            report(
                MEASURES_FILE,
                entry.clone(),
                "finding",
                "name the finding by its check and subject, as the review writes them, \
                 e.g. `uncovered_session user=sigrid`"
                    .to_string(),
            );
        }
        if measure.measure.trim().is_empty() {
            report(
                MEASURES_FILE,
                entry,
                "measure",
                "say what is done about the finding".to_string(),
            );
        }
    }
    found
}

/// Whether an end leaves the grant no time at all (lies at or before its start), compared as the registry
/// wrote them (a date against a date, otherwise by UTC instant of the
/// written wall clock, which is exact for equal kinds and close otherwise).
fn ends_before_start(grant: &Grant, end: super::Moment) -> bool {
    let utc = chrono_tz::UTC;
    end.end(utc) <= grant.from.start(utc)
}

fn duplicates<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for id in ids {
        *seen.entry(id).or_default() += 1;
    }
    seen.into_iter()
        .filter(|(_, count)| *count > 1)
        .map(|(id, _)| id)
        .collect()
}
