//! Checks that judge the registry alone, as it stood at the cutoff:
//! classification and storage (a), overdue deletions (b), and the
//! authorisations themselves (c).

use chrono::Days;
use vakt_schemas::registry::{Class, Dataset, Scope, Sensitivity};

use crate::context::{Context, cite_dataset, cite_deletion, cite_grant, cite_person};
use crate::draft::{Draft, Drafts};
use crate::finding::Check;

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
    statement: fn(&Draft) -> String,
) -> &'d mut Draft {
    drafts
        .entry(check, format!("dataset={}", dataset.id), statement)
        .registry(cite_dataset(&dataset.id))
}

fn classification(context: &Context, drafts: &mut Drafts) {
    let registry = context.registry();
    let cutoff_day = context.period.day_of(context.period.cutoff);
    for dataset in &registry.datasets {
        let expected = dataset.expected_class();
        if expected.is_some_and(|expected| expected != dataset.class) {
            dataset_draft(drafts, Check::ClassMismatch, dataset, |draft| {
                format!(
                    "dataset {} is declared class {}, but Table 1 gives {}",
                    draft.subject_value(),
                    draft.get("declared"),
                    draft.get("expected")
                )
            })
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
            dataset_draft(drafts, Check::WrongZone, dataset, |draft| {
                format!(
                    "dataset {} (class {}) is stored in the {} zone without a documented exception",
                    draft.subject_value(),
                    draft.get("class"),
                    draft.get("zone")
                )
            })
            .fact("class", dataset.class)
            .fact("zone", &dataset.zone);
        }

        let class_a = dataset.class == Class::A || expected == Some(Class::A);
        if class_a {
            let allowed = dataset.received.and_then(|received| {
                received.checked_add_days(Days::new(u64::from(context.config.review.class_a_days)))
            });
            let deleted_by_then = allowed.is_some_and(|allowed| {
                registry
                    .deletions_of(&dataset.id)
                    .any(|deletion| deletion.date <= allowed)
            });
            let kept = match allowed {
                Some(allowed) => allowed < cutoff_day && !deleted_by_then,
                None => true,
            };
            if kept {
                let draft = dataset_draft(drafts, Check::ClassAKept, dataset, |draft| {
                    if draft.has("received") {
                        format!(
                            "class A dataset {} received {} is still kept after the allowed days",
                            draft.subject_value(),
                            draft.get("received")
                        )
                    } else {
                        format!(
                            "class A dataset {} has no receipt date and is kept",
                            draft.subject_value()
                        )
                    }
                });
                if let Some(received) = dataset.received {
                    draft.fact("received", received);
                }
            }
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
            dataset_draft(drafts, Check::UserArea, dataset, |draft| {
                format!("dataset {} is kept in a user area", draft.subject_value())
            });
        }

        if dataset.class.is_confidential() && dataset.owner.is_none() {
            dataset_draft(drafts, Check::NoOwner, dataset, |draft| {
                format!(
                    "confidential dataset {} has no register owner",
                    draft.subject_value()
                )
            });
        }
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
                let draft = dataset_draft(drafts, Check::DeletionOverdue, dataset, |draft| {
                    if draft.has("done") {
                        format!(
                            "dataset {} was to be deleted by {} and was deleted only on {}",
                            draft.subject_value(),
                            draft.get("delete_by"),
                            draft.get("done")
                        )
                    } else {
                        format!(
                            "dataset {} was to be deleted by {} and no deletion is recorded",
                            draft.subject_value(),
                            draft.get("delete_by")
                        )
                    }
                });
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
                let draft = dataset_draft(drafts, Check::ClassCOutside, dataset, |draft| {
                    if draft.has("until") {
                        format!(
                            "class C dataset {} is still outside the secure zone after its exception ended on {}",
                            draft.subject_value(),
                            draft.get("until")
                        )
                    } else {
                        format!(
                            "class C dataset {} is kept outside the secure zone with no end to its exception",
                            draft.subject_value()
                        )
                    }
                });
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
    let year_end_day = period.day_of(period.cutoff);
    for grant in &registry.grants {
        if !context.grant_in_year(grant) {
            continue;
        }
        let subject = format!("grant={}", grant.id);

        let too_long = match grant.until {
            None => true,
            Some(until) => (until.end(zone) - grant.from.start(zone)).num_days() > 366,
        };
        if too_long {
            drafts
                .entry(Check::GrantNotRenewed, subject.clone(), |draft| {
                    format!(
                        "authorisation {} ({}) runs longer than a year without renewal",
                        draft.subject_value(),
                        draft.get("grant")
                    )
                })
                .registry(cite_grant(&grant.id))
                .fact("grant", format!("{} {}", grant.user, grant.scope));
        }

        if let Some(person) = registry.person(&grant.user)
            && let Some(end) = person.end
            && end <= year_end_day
        {
            let blocked_by = period.end_of_day(end);
            let still_open = context
                .grant_ends(grant)
                .is_none_or(|ends| ends > blocked_by);
            if still_open {
                drafts
                    .entry(Check::LeaverOpenGrant, subject.clone(), |draft| {
                        format!(
                            "authorisation {} stayed open after its holder left ({})",
                            draft.subject_value(),
                            draft.get("left")
                        )
                    })
                    .registry(cite_grant(&grant.id))
                    .registry(cite_person(&person.user))
                    .fact("left", format!("{} left {end}", person.user));
            }
        }

        if let Scope::Dataset(id) = &grant.scope
            && registry
                .dataset(id)
                .is_some_and(|dataset| dataset.sensitivity == Sensitivity::S)
        {
            let approved = grant.approved_by.as_deref();
            let verified = grant.verified_by.as_deref();
            let independent = match (approved, verified) {
                (Some(approved), Some(verified)) => {
                    approved != verified && approved != grant.user && verified != grant.user
                }
                _ => false,
            };
            if !independent {
                drafts
                    .entry(Check::SingleVerification, subject.clone(), |draft| {
                        format!("authorisation {} to sensitive data was not approved by two independent persons", draft.subject_value())
                    })
                    .registry(cite_grant(&grant.id))
                    .registry(cite_dataset(id));
            }
        }
    }
}
