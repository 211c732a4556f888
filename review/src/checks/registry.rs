//! Checks that judge the registry alone, as it stood at the cutoff:
//! classification and storage (a), overdue deletions (b), and the
//! authorisations themselves (c).

use chrono::{Days, Months};
use vakt_schemas::registry::{Class, Dataset, Grant, Scope, Sensitivity};

use crate::context::{Context, cite_dataset, cite_deletion, cite_grant, cite_person};
use crate::draft::{Draft, Drafts, Statement};
use crate::finding::Check;
use crate::statements;

/// Every registry-only check.
pub fn check(context: &Context, drafts: &mut Drafts) {
    classification(context, drafts);
    deletions(context, drafts);
    grants(context, drafts);
}

fn dataset_draft<'d>(
    drafts: &'d mut Drafts,
    check: Check,
    dataset: &Dataset,
    statement: Statement,
) -> &'d mut Draft {
    drafts
        .entry(check, format!("dataset={}", dataset.id), statement)
        .registry(cite_dataset(&dataset.id))
        .fact("name", &dataset.name)
}

fn classification(context: &Context, drafts: &mut Drafts) {
    let registry = context.registry();
    for dataset in &registry.datasets {
        let expected = dataset.expected_class();
        if expected.is_some_and(|expected| expected != dataset.class) {
            dataset_draft(
                drafts,
                Check::ClassMismatch,
                dataset,
                statements::class_mismatch,
            )
            .fact("declared", dataset.class)
            .fact(
                "expected",
                expected.map_or(String::new(), |class| class.to_string()),
            );
        }

        let outside_secure = dataset.zone != "secure";
        let wrong_zone = match dataset.class {
            Class::A | Class::B => outside_secure,
            Class::C => outside_secure && dataset.exception.is_none(),
            Class::D | Class::E => dataset.zone == "external" && dataset.exception.is_none(),
            Class::F => false,
        };
        if wrong_zone {
            let draft = dataset_draft(drafts, Check::WrongZone, dataset, statements::wrong_zone);
            draft
                .fact("class", dataset.class)
                .fact("zone", &dataset.zone);
            if let Some(exception) = &dataset.exception {
                draft.fact("exception", exception);
            }
        }

        let class_a = dataset.class == Class::A || expected == Some(Class::A);
        if class_a {
            class_a_kept(context, drafts, dataset);
        }

        let user_prefixes = context
            .config
            .areas
            .get("user")
            .cloned()
            .unwrap_or_default();
        let in_user_area = dataset.area == "user"
            || dataset
                .paths
                .iter()
                .any(|path| context.config.area_of(path) == Some("user"))
            || dataset.paths.iter().any(|path| {
                user_prefixes
                    .iter()
                    .any(|prefix| vakt_schemas::registry::dataset::path_in(path, prefix))
            });
        if in_user_area {
            dataset_draft(drafts, Check::UserArea, dataset, statements::user_area);
        }

        if dataset.class.is_confidential() && dataset.owner.is_none() {
            dataset_draft(drafts, Check::NoOwner, dataset, statements::no_owner);
        }
    }
}

/// `class_a_kept` (4.5.a): a class A dataset not deleted within
/// `review.class_a_days` of its receipt. One deleted too late is a finding
/// of the year it was deleted in (and of the years it was kept through);
/// one deleted before the year began is not.
fn class_a_kept(context: &Context, drafts: &mut Drafts, dataset: &Dataset) {
    let registry = context.registry();
    let period = &context.period;
    let year_start_day = period.day_of(period.start);
    let deleted = registry
        .deletions_of(&dataset.id)
        .map(|deletion| deletion.date)
        .min();
    if deleted.is_some_and(|deleted| deleted < year_start_day) {
        return;
    }
    let allowed = dataset.received.and_then(|received| {
        received.checked_add_days(Days::new(u64::from(context.config.review.class_a_days)))
    });
    let kept_too_long = match (allowed, deleted) {
        // Deleted on the last allowed day or before.
        (Some(allowed), Some(deleted)) => deleted > allowed,
        (Some(allowed), None) => period.end_of_day(allowed) <= period.cutoff,
        (None, _) => true,
    };
    if !kept_too_long {
        return;
    }
    let draft = dataset_draft(drafts, Check::ClassAKept, dataset, statements::class_a_kept);
    if let Some(received) = dataset.received {
        draft.fact("received", received);
    }
    if let Some(allowed) = allowed {
        draft.fact("allowed", allowed);
    }
    if let Some(deleted) = deleted {
        draft
            .fact("deleted", deleted)
            .registry(cite_deletion(&dataset.id, deleted));
    }
}

fn deletions(context: &Context, drafts: &mut Drafts) {
    let registry = context.registry();
    let period = &context.period;
    let year_start_day = period.day_of(period.start);
    for dataset in &registry.datasets {
        if let Some(delete_by) = dataset.delete_by
            && period.end_of_day(delete_by) <= period.cutoff
        {
            let first_deletion = registry
                .deletions_of(&dataset.id)
                .map(|deletion| deletion.date)
                .min();
            let overdue = match first_deletion {
                None => true,
                Some(done) => done > delete_by && done >= year_start_day,
            };
            if overdue {
                let draft = dataset_draft(
                    drafts,
                    Check::DeletionOverdue,
                    dataset,
                    statements::deletion_overdue,
                );
                draft.fact("delete_by", delete_by);
                if let Some(done) = first_deletion {
                    draft
                        .fact("done", done)
                        .registry(cite_deletion(&dataset.id, done));
                }
            }
        }

        let temporarily_outside =
            dataset.class == Class::C && dataset.zone != "secure" && dataset.exception.is_some();
        if temporarily_outside {
            let expired = match dataset.exception_until {
                Some(until) => {
                    period.end_of_day(until) <= period.cutoff
                        && !registry
                            .deletions_of(&dataset.id)
                            .any(|deletion| deletion.date <= until)
                }
                None => true,
            };
            if expired {
                let draft = dataset_draft(
                    drafts,
                    Check::ClassCOutside,
                    dataset,
                    statements::class_c_outside,
                );
                if let Some(until) = dataset.exception_until {
                    draft.fact("until", until);
                }
            }
        }
    }
}

fn grants(context: &Context, drafts: &mut Drafts) {
    let registry = context.registry();
    let period = &context.period;
    let zone = period.zone;
    for grant in &registry.grants {
        if !context.grant_in_year(grant) {
            continue;
        }
        let subject = format!("grant={}", grant.id);

        // 3.3.k: renewed at least once a year, so valid at most to the
        // same date a year after `from` (28 February for 29 February).
        let renew_by = grant.from.date(zone).checked_add_months(Months::new(12));
        let too_long = match grant.until {
            None => true,
            Some(until) => renew_by.is_some_and(|renew_by| until.date(zone) > renew_by),
        };
        if too_long {
            let draft = drafts
                .entry(
                    Check::GrantNotRenewed,
                    subject.clone(),
                    statements::grant_not_renewed,
                )
                .registry(cite_grant(&grant.id))
                .fact("grant", format!("{} {}", grant.user, grant.scope))
                .fact("from", grant.from.date(zone));
            if let Some(until) = grant.until {
                draft.fact("until", until.date(zone));
            }
            if let Some(renew_by) = renew_by {
                draft.fact("renew_by", renew_by);
            }
        }

        if let Some(person) = registry.person(&grant.user)
            && let Some(end) = person.end
            && period.end_of_day(end) <= period.cutoff
        {
            let blocked_by = period.end_of_day(end);
            let still_open = context
                .grant_ends(grant)
                .is_none_or(|ends| ends > blocked_by);
            if still_open {
                drafts
                    .entry(
                        Check::LeaverOpenGrant,
                        subject.clone(),
                        statements::leaver_open_grant,
                    )
                    .registry(cite_grant(&grant.id))
                    .registry(cite_person(&person.user))
                    .fact("holder", format!("{} ({})", person.user, person.name))
                    .fact("end", end);
                if let Some(ends) = grant.revoked.or(grant.until) {
                    drafts
                        .entry(
                            Check::LeaverOpenGrant,
                            subject.clone(),
                            statements::leaver_open_grant,
                        )
                        .fact("grant_ends", ends);
                }
            }
        }

        let sensitive: Vec<&Dataset> = match &grant.scope {
            Scope::Dataset(id) => registry
                .dataset(id)
                .filter(|dataset| dataset.sensitivity == Sensitivity::S)
                .into_iter()
                .collect(),
            // A project grant reaches every dataset of the project.
            Scope::Project(project) => registry
                .datasets
                .iter()
                .filter(|dataset| {
                    dataset.project.as_deref() == Some(project.as_str())
                        && dataset.sensitivity == Sensitivity::S
                })
                .collect(),
            _ => Vec::new(),
        };
        if !sensitive.is_empty() && !independently_verified(grant) {
            let draft = drafts
                .entry(
                    Check::SingleVerification,
                    subject.clone(),
                    statements::single_verification,
                )
                .registry(cite_grant(&grant.id))
                .fact("holder", &grant.user)
                .fact("approved_by", grant.approved_by.as_deref().unwrap_or(""))
                .fact("verified_by", grant.verified_by.as_deref().unwrap_or(""));
            for dataset in sensitive {
                draft.registry(cite_dataset(&dataset.id)).name(&dataset.id);
            }
        }
    }
}

/// Whether a grant's need was verified by two persons other than each
/// other and than its holder (agency statement).
fn independently_verified(grant: &Grant) -> bool {
    match (grant.approved_by.as_deref(), grant.verified_by.as_deref()) {
        (Some(approved), Some(verified)) => {
            approved != verified && approved != grant.user && verified != grant.user
        }
        _ => false,
    }
}
