//! Terminal sessions into the secure zone: who may log in (c), from where
//! (3.3.h) and how (d, 3.3.c).

use std::net::IpAddr;

use serde::Serialize;

use vakt_query::sql::SqlSession;
use vakt_schemas::Stream;
use vakt_schemas::config::SECURE;
use vakt_schemas::registry::{Kind, Scope};

use crate::ReviewError;
use crate::context::{Context, cite_person};
use crate::draft::Drafts;
use crate::finding::Check;
use crate::rows::Rows;
use crate::statements;

/// Where the multi-factor verdict on the year's logins into the secure
/// zone came from: the log, the configured policy of the terminal server
/// (`secure_zone.multi_factor`), or neither.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MultiFactorBasis {
    /// Logins whose log said how many factors were used.
    pub from_log: usize,
    /// Logins whose log did not say, judged by the server's policy.
    pub from_policy: usize,
    /// Logins neither the log nor a policy says anything of: not judged.
    pub unknown: usize,
}

impl MultiFactorBasis {
    /// Every login into the secure zone of the year.
    pub fn logins(&self) -> usize {
        self.from_log + self.from_policy + self.unknown
    }

    fn count(&mut self, logged: Option<bool>, policy: Option<bool>) {
        match (logged, policy) {
            (Some(_), _) => self.from_log += 1,
            (None, Some(_)) => self.from_policy += 1,
            (None, None) => self.unknown += 1,
        }
    }
}

/// Checks every login of the year into a secure-zone server; says where
/// the multi-factor verdicts came from.
pub fn check(
    context: &Context,
    session: &SqlSession,
    drafts: &mut Drafts,
) -> Result<MultiFactorBasis, ReviewError> {
    let mut basis = MultiFactorBasis::default();
    let sql = format!(
        "SELECT seq, time, server, server_zone, \"user\", src_ip, multi_factor FROM sessions \
         WHERE action = 'login' AND {}",
        context.period.sql_condition()
    );
    let rows = Rows::query(session, &sql)?;
    let terminal_servers = &context.config.secure_zone.terminal_servers;
    for row in rows.each() {
        let server = row.text("server").unwrap_or("");
        let into_secure =
            row.text("server_zone") == Some(SECURE) || terminal_servers.contains_key(server);
        if !into_secure {
            continue;
        }
        let (seq, time) = (row.seq(), row.time());
        let Some(user) = row.text("user") else {
            continue;
        };
        let registry = context.registry_at(time);
        let person = registry.person(user);

        if !context.covered(user, &[Scope::SecureZone], time) {
            let draft = drafts.entry(
                Check::UncoveredSession,
                format!("user={user}"),
                statements::uncovered_session,
            );
            draft.record(Stream::Sessions, seq, time).name(server);
            match person {
                Some(person) => draft.fact("person", &person.name),
                None => draft.fact("unknown", true),
            };
            if let Some(grant) = context.nearest_grant(user, &[Scope::SecureZone], time) {
                draft.grant(grant);
            }
        }

        // 3.3.i: every user of the secure zone signs; one missing from
        // people.toml has no signature on record.
        let signed_in_time = person
            .and_then(|person| person.declaration_signed)
            .is_some_and(|signed| signed <= context.period.day_of(time));
        if !signed_in_time {
            let draft = drafts
                .entry(
                    Check::NoDeclaration,
                    format!("user={user}"),
                    statements::no_declaration,
                )
                .record(Stream::Sessions, seq, time);
            match person {
                Some(person) => draft
                    .registry(cite_person(user))
                    .fact("person", &person.name),
                None => draft.fact("unknown", true),
            };
        }

        let Some(person) = person else {
            continue;
        };
        super::leaver_activity(context, drafts, person, Stream::Sessions, seq, time);

        if person.kind == Kind::External && !person.remote_allowed {
            let source = row
                .text("src_ip")
                .and_then(|text| text.parse::<IpAddr>().ok());
            if source.is_some_and(|address| !context.config.zones.on_premises(address)) {
                drafts
                    .entry(
                        Check::ExternalRemote,
                        format!("user={user}"),
                        statements::external_remote,
                    )
                    .record(Stream::Sessions, seq, time)
                    .registry(cite_person(user))
                    .fact("person", &person.name)
                    .name(row.text("src_ip").unwrap_or("?"));
            }
        }

        let logged = row.flag("multi_factor");
        let policy = context.config.secure_zone.multi_factor.get(server).copied();
        basis.count(logged, policy);
        if logged.or(policy) == Some(false) {
            let draft = drafts
                .entry(
                    Check::SingleFactor,
                    format!("user={user}"),
                    statements::single_factor,
                )
                .record(Stream::Sessions, seq, time)
                .fact("person", &person.name)
                .name(server);
            if logged.is_none() {
                draft.fact("by_policy", true);
            }
        }
    }
    Ok(basis)
}
