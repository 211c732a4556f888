//! The logging barrier itself (3.3.l): every source kept logging, every day
//! is covered.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use vakt_query::sql::SqlSession;

use crate::ReviewError;
use crate::context::Context;
use crate::draft::Drafts;
use crate::finding::Check;
use crate::rows::Rows;
use crate::statements;

/// When one host logged, hour by hour (exact first and last record per hour).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hour {
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
}

/// Per host, the hours with records, in time order.
pub type Activity = BTreeMap<String, Vec<Hour>>;

/// Reads, per host of the three log streams, the hours of the year in which
/// it logged.
pub fn activity(context: &Context, session: &SqlSession) -> Result<Activity, ReviewError> {
    let mut activity: Activity = BTreeMap::new();
    for (stream, host) in [
        ("sessions", "server"),
        ("firewall", "device"),
        ("access", "host"),
    ] {
        let sql = format!(
            "SELECT {host} AS host, min(time) AS first, max(time) AS last FROM {stream} \
             WHERE {} GROUP BY {host}, date_trunc('hour', time)",
            context.period.sql_condition()
        );
        let rows = Rows::query(session, &sql)?;
        for row in rows.each() {
            let (Some(host), Some(first), Some(last)) =
                (row.text("host"), row.time_of("first"), row.time_of("last"))
            else {
                continue;
            };
            activity
                .entry(host.to_string())
                .or_default()
                .push(Hour { first, last });
        }
    }
    for hours in activity.values_mut() {
        hours.sort();
    }
    Ok(activity)
}

/// `silent_source` and `days_without_logs`.
pub fn check(context: &Context, activity: &Activity, drafts: &mut Drafts) {
    let limit = Duration::hours(i64::from(context.config.review.silent_hours));
    let cutoff = context.period.cutoff;
    for (host, hours) in activity {
        let mut gaps: Vec<(DateTime<Utc>, DateTime<Utc>)> = hours
            .windows(2)
            .map(|pair| (pair[0].last, pair[1].first))
            .filter(|(from, to)| *to - *from > limit)
            .collect();
        if let Some(last) = hours.last()
            && cutoff - last.last > limit
        {
            gaps.push((last.last, cutoff));
        }
        if gaps.is_empty() {
            continue;
        }
        let draft = drafts.entry(
            Check::SilentSource,
            format!("host={host}"),
            statements::silent_source,
        );
        let longest = gaps
            .iter()
            .map(|(from, to)| *to - *from)
            .max()
            .unwrap_or_default();
        draft
            .fact("limit", context.config.review.silent_hours)
            .fact("longest_hours", longest.num_hours());
        for (from, to) in gaps {
            let hours = (to - from).num_hours();
            draft.note(format!(
                "silent from {} to {} ({hours} hours)",
                context.local(from),
                context.local(to)
            ));
        }
    }

    let covered: BTreeSet<NaiveDate> = activity
        .values()
        .flatten()
        .flat_map(|hour| {
            [
                context.period.day_of(hour.first),
                context.period.day_of(hour.last),
            ]
        })
        .collect();
    let first_day = context.period.day_of(context.period.start);
    let last_day = context.period.day_of(cutoff - Duration::microseconds(1));
    let missing: Vec<NaiveDate> = first_day
        .iter_days()
        .take_while(|day| *day <= last_day)
        .filter(|day| !covered.contains(day))
        .collect();
    if missing.is_empty() {
        return;
    }
    let draft = drafts.entry(
        Check::DaysWithoutLogs,
        "days".to_string(),
        statements::days_without_logs,
    );
    for day in missing {
        draft.note(day.to_string());
    }
}
