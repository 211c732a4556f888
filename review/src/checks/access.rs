//! File access in the secure zone's areas: authorisation of every access
//! (c), use of deleted or unregistered data (a, b), printing (d).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use vakt_query::sql::SqlSession;
use vakt_schemas::Stream;
use vakt_schemas::registry::dataset::path_in;
use vakt_schemas::registry::{Class, Dataset, Kind, Registry, Scope};

use crate::ReviewError;
use crate::context::{Context, cite_dataset, cite_deletion};
use crate::draft::Drafts;
use crate::finding::Check;
use crate::rows::Rows;
use crate::statements;

/// A copy of dataset data to a path outside the dataset (`copy`, `rename`).
struct Copy {
    dataset: String,
    target: String,
    seq: u64,
    time: DateTime<Utc>,
}

/// Checks every successful file access of the year; returns how many
/// there were.
pub fn check(
    context: &Context,
    session: &SqlSession,
    drafts: &mut Drafts,
) -> Result<usize, ReviewError> {
    let sql = format!(
        "SELECT seq, time, \"user\", operation, path, target, area FROM access \
         WHERE success AND {}",
        context.period.sql_condition()
    );
    let rows = Rows::query(session, &sql)?;
    let final_registry = context.registry();
    let mut copies: Vec<Copy> = Vec::new();
    let mut deletes: HashMap<String, Vec<DateTime<Utc>>> = HashMap::new();

    for row in rows.each() {
        let (seq, time) = (row.seq(), row.time());
        let path = row.text("path").unwrap_or("");
        let operation = row.text("operation").unwrap_or("");
        let registry = context.registry_at(time);
        let area = row
            .text("area")
            .map(str::to_string)
            .or_else(|| context.config.area_of(path).map(str::to_string));
        // A share connect or disconnect names no file: it is activity
        // (leaver_activity), not an access to a dataset, project or home.
        let names_a_file = !matches!(operation, "connect" | "disconnect");
        let dataset = context.dataset_at(path, time).filter(|_| names_a_file);

        if operation == "delete" {
            deletes.entry(path.to_string()).or_default().push(time);
        }
        if let (Some(dataset), Some(target)) = (dataset, row.text("target"))
            && matches!(operation, "copy" | "rename")
            && !dataset.holds(target)
        {
            copies.push(Copy {
                dataset: dataset.id.clone(),
                target: target.to_string(),
                seq,
                time,
            });
        }

        if let Some(dataset) = dataset {
            after_deletion(
                context,
                final_registry,
                drafts,
                &dataset.id,
                operation,
                seq,
                time,
            );
            let personal = dataset.sensitivity.is_personal() && dataset.identifiability <= 6;
            if operation == "print" && personal {
                drafts
                    .entry(
                        Check::PrintPersonal,
                        format!("dataset={}", dataset.id),
                        statements::print_personal,
                    )
                    .record(Stream::Access, seq, time)
                    .registry(cite_dataset(&dataset.id))
                    .name(row.text("user").unwrap_or("?"));
            }
        } else if names_a_file
            && area.as_deref() == Some("data")
            && let Some(folder) = first_folder(context, "data", path)
        {
            drafts
                .entry(
                    Check::UnregisteredData,
                    format!("path={folder}"),
                    statements::unregistered_data,
                )
                .record(Stream::Access, seq, time);
        }

        let Some(user) = row.text("user") else {
            continue;
        };
        let person = registry.person(user);
        if let Some(person) = person {
            super::leaver_activity(context, drafts, person, Stream::Access, seq, time);
        }
        if !names_a_file {
            continue;
        }

        match area.as_deref() {
            Some(area @ ("system" | "program")) => {
                if person.is_none_or(|person| person.kind != Kind::Operations) {
                    drafts
                        .entry(
                            Check::OperationsArea,
                            format!("user={user} area={area}"),
                            statements::operations_area,
                        )
                        .record(Stream::Access, seq, time)
                        .fact("area", area);
                    if let Some(person) = person {
                        drafts
                            .entry(
                                Check::OperationsArea,
                                format!("user={user} area={area}"),
                                statements::operations_area,
                            )
                            .fact("person", &person.name);
                    }
                }
            }
            _ => uncovered(
                context,
                drafts,
                user,
                dataset,
                area.as_deref(),
                path,
                seq,
                time,
            ),
        }
    }

    copies_remaining(context, final_registry, drafts, &copies, &deletes);
    Ok(rows.each().count())
}

/// `uncovered_access`: an access to a dataset, a project folder or another
/// user's home without a grant in force.
#[allow(clippy::too_many_arguments)]
fn uncovered(
    context: &Context,
    drafts: &mut Drafts,
    user: &str,
    dataset: Option<&Dataset>,
    area: Option<&str>,
    path: &str,
    seq: u64,
    time: DateTime<Utc>,
) {
    let (scopes, kind, target): (Vec<Scope>, &str, String) = match (dataset, area) {
        // 4.10.a: public data (class F) is not restricted in use.
        (Some(dataset), _) if dataset.class == Class::F => return,
        (Some(dataset), _) => {
            let mut scopes = vec![Scope::Dataset(dataset.id.clone())];
            if let Some(project) = dataset.project.clone() {
                scopes.push(Scope::Project(project));
            }
            (scopes, "dataset", dataset.id.clone())
        }
        (None, Some("project")) => {
            let Some(folder) = first_folder(context, "project", path) else {
                return;
            };
            let project = folder.rsplit('/').next().unwrap_or_default().to_string();
            (vec![Scope::Project(project.clone())], "project", project)
        }
        (None, Some("user")) => {
            let Some(folder) = first_folder(context, "user", path) else {
                return;
            };
            let owner = folder.rsplit('/').next().unwrap_or_default().to_string();
            if owner == user {
                return;
            }
            // No grant opens another user's home (3.4.f).
            (Vec::new(), "home", owner)
        }
        _ => return,
    };
    if !scopes.is_empty() && context.covered(user, &scopes, time) {
        return;
    }
    let draft = drafts
        .entry(
            Check::UncoveredAccess,
            format!("user={user} {kind}={target}"),
            statements::uncovered_access,
        )
        .record(Stream::Access, seq, time)
        .fact("kind", kind)
        .fact("target", &target);
    if let Some(dataset) = dataset {
        draft
            .registry(cite_dataset(&dataset.id))
            .fact("name", &dataset.name);
    }
    if let Some(person) = context.registry_at(time).person(user) {
        draft.fact("person", &person.name);
    }
    if let Some(grant) = context.nearest_grant(user, &scopes, time) {
        draft.grant(grant);
    }
}

/// The first folder below an area's prefix that holds `path`:
/// `/data/hudreg/x.csv` in area `data` (prefix `/data`) gives `/data/hudreg`.
fn first_folder(context: &Context, area: &str, path: &str) -> Option<String> {
    let prefixes = context.config.areas.get(area)?;
    let prefix = prefixes
        .iter()
        .filter(|prefix| path_in(path, prefix))
        .max_by_key(|prefix| prefix.len())?
        .trim_end_matches('/');
    let rest = path[prefix.len()..].trim_start_matches('/');
    let name = rest.split('/').next().filter(|name| !name.is_empty())?;
    Some(format!("{prefix}/{name}"))
}

/// `access_after_deletion`: use of a dataset after its deletion day (the
/// recorded deletion, else `delete_by`).
fn after_deletion(
    context: &Context,
    registry: &Registry,
    drafts: &mut Drafts,
    dataset: &str,
    operation: &str,
    seq: u64,
    time: DateTime<Utc>,
) {
    if operation == "delete" {
        return;
    }
    let recorded = registry
        .deletions_of(dataset)
        .map(|deletion| deletion.date)
        .min();
    let deletion_day = recorded.or_else(|| registry.dataset(dataset).and_then(|d| d.delete_by));
    let Some(day) = deletion_day else {
        return;
    };
    if time < context.period.end_of_day(day) {
        return;
    }
    let draft = drafts.entry(
        Check::AccessAfterDeletion,
        format!("dataset={dataset}"),
        statements::access_after_deletion,
    );
    draft
        .record(Stream::Access, seq, time)
        .registry(cite_dataset(dataset))
        .fact("day", day)
        .earliest("first", time, context.local(time));
    if let Some(date) = recorded {
        draft.registry(cite_deletion(dataset, date));
    }
}

/// `copies_remain`: copies made before a recorded deletion that were
/// neither deleted by the end of the deletion day nor listed as deleted.
fn copies_remaining(
    context: &Context,
    registry: &Registry,
    drafts: &mut Drafts,
    copies: &[Copy],
    deletes: &HashMap<String, Vec<DateTime<Utc>>>,
) {
    for deletion in &registry.deletions {
        let deadline = context.period.end_of_day(deletion.date);
        for copy in copies
            .iter()
            .filter(|copy| copy.dataset == deletion.dataset && copy.time < deadline)
        {
            let listed = deletion
                .copies
                .iter()
                .any(|listed| path_in(&copy.target, listed));
            let deleted = ancestors(&copy.target).any(|path| {
                deletes.get(path).is_some_and(|times| {
                    times
                        .iter()
                        .any(|time| *time >= copy.time && *time < deadline)
                })
            });
            if listed || deleted {
                continue;
            }
            drafts
                .entry(
                    Check::CopiesRemain,
                    format!("dataset={}", deletion.dataset),
                    statements::copies_remain,
                )
                .record(Stream::Access, copy.seq, copy.time)
                .registry(cite_deletion(&deletion.dataset, deletion.date))
                .fact("date", deletion.date)
                .name(&copy.target);
        }
    }
}

/// A path and every folder above it: `/a/b/c`, `/a/b`, `/a`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let path = path.trim_end_matches('/');
    std::iter::once(path).chain(
        path.match_indices('/')
            .map(move |(at, _)| &path[..at])
            .filter(|folder| !folder.is_empty()),
    )
}
