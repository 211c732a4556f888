//! What every check reads: the configuration, the year, the registry's
//! history, and how grants and dates are judged at a moment.

use chrono::{DateTime, Utc};
use vakt_schemas::config::Config;
use vakt_schemas::registry::{Dataset, Grant, Registry, Scope};

use crate::history::History;
use crate::period::Period;

pub struct Context<'a> {
    pub config: &'a Config,
    pub period: Period,
    pub history: &'a History,
    empty: Registry,
}

impl<'a> Context<'a> {
    pub fn new(config: &'a Config, period: Period, history: &'a History) -> Context<'a> {
        Context {
            config,
            period,
            history,
            empty: Registry::default(),
        }
    }

    /// The dataset a path belonged to at a moment, in the registry in
    /// force then: never one registered later (CHECKS.md).
    pub fn dataset_at(&self, path: &str, time: DateTime<Utc>) -> Option<&Dataset> {
        self.registry_at(time).dataset_of_path(path)
    }

    /// The registry in force at a moment (empty when none was ever recorded).
    pub fn registry_at(&self, time: DateTime<Utc>) -> &Registry {
        self.history
            .at(time)
            .map(|snapshot| &snapshot.registry)
            .unwrap_or(&self.empty)
    }

    /// The registry as it stood at the cutoff: what registry-only checks judge.
    pub fn registry(&self) -> &Registry {
        self.registry_at(self.period.cutoff)
    }

    /// Whether a grant is in force at a moment: from its `from`, before the
    /// end of its `until`, before its `revoked`.
    pub fn grant_valid_at(&self, grant: &Grant, time: DateTime<Utc>) -> bool {
        let zone = self.period.zone;
        grant.from.start(zone) <= time
            && grant.until.is_none_or(|until| time < until.end(zone))
            && grant
                .revoked
                .is_none_or(|revoked| time < revoked.start(zone))
    }

    /// The first instant a grant is no longer in force (`None`: open-ended).
    pub fn grant_ends(&self, grant: &Grant) -> Option<DateTime<Utc>> {
        let zone = self.period.zone;
        let until = grant.until.map(|until| until.end(zone));
        let revoked = grant.revoked.map(|revoked| revoked.start(zone));
        match (until, revoked) {
            (Some(until), Some(revoked)) => Some(until.min(revoked)),
            (until, revoked) => until.or(revoked),
        }
    }

    /// Whether a grant was in force at some moment of the year.
    pub fn grant_in_year(&self, grant: &Grant) -> bool {
        self.period
            .overlaps(grant.from.start(self.period.zone), self.grant_ends(grant))
    }

    /// Whether `user` holds a grant of one of `scopes` in force at `time`
    /// (in the registry of that moment).
    pub fn covered(&self, user: &str, scopes: &[Scope], time: DateTime<Utc>) -> bool {
        self.registry_at(time)
            .grants_of(user)
            .any(|grant| scopes.contains(&grant.scope) && self.grant_valid_at(grant, time))
    }

    /// Of `user`'s grants of one of `scopes` in the registry at `time`, the
    /// one whose validity lies nearest to `time` (the finding cites it):
    /// one that ended most recently, or starts soonest.
    pub fn nearest_grant<'s>(
        &'s self,
        user: &'s str,
        scopes: &[Scope],
        time: DateTime<Utc>,
    ) -> Option<&'s Grant> {
        let zone = self.period.zone;
        self.registry_at(time)
            .grants_of(user)
            .filter(|grant| scopes.contains(&grant.scope))
            .min_by_key(|grant| {
                let starts = grant.from.start(zone);
                if time < starts {
                    return starts - time;
                }
                match self.grant_ends(grant) {
                    Some(ends) if ends <= time => time - ends,
                    _ => chrono::TimeDelta::zero(),
                }
            })
    }

    /// A local time for statements (see [`crate::period::local_time`]).
    pub fn local(&self, time: DateTime<Utc>) -> String {
        crate::period::local_time(self.period.zone, time)
    }
}

/// How registry entries are cited in evidence.
pub fn cite_dataset(id: &str) -> String {
    format!("datasets.toml dataset `{id}`")
}

pub fn cite_person(user: &str) -> String {
    format!("people.toml person `{user}`")
}

pub fn cite_grant(id: &str) -> String {
    format!("authorizations.toml grant `{id}`")
}

pub fn cite_deletion(dataset: &str, date: chrono::NaiveDate) -> String {
    format!("deletions.toml deletion of `{dataset}` on {date}")
}
