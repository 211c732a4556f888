//! The charts' data, which the review does not hold: events per month per
//! stream, connections into the secure zone per month (allowed and
//! denied), sessions per user, and the days each stream covers. Read by
//! SQL through `vakt-query`, counted per UTC hour and then put into the
//! institute's local months and days (the zone's offsets are whole hours).

use std::collections::{BTreeMap, BTreeSet};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType, UInt64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use vakt_query::sql::{SessionOptions, SqlSession};
use vakt_review::Period;
use vakt_store::StoreReader;

use crate::ReportError;

/// How many users the sessions chart names; the rest are summed up.
pub const USERS_SHOWN: usize = 15;

/// Counts per month of the year, January first.
pub type MonthCounts = [u64; 12];

/// Everything the charts and the retention table need.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Figures {
    /// Records per local month, per stream (`sessions`, `firewall`, `access`).
    pub events_per_month: BTreeMap<String, MonthCounts>,
    /// Local days of the year up to the cutoff with at least one record, per
    /// stream.
    pub days_covered: BTreeMap<String, u32>,
    /// Local days of the year up to the cutoff.
    pub days_in_period: u32,
    /// New connections into the secure zone from outside it that the
    /// firewalls let through, per month.
    pub secure_allowed: MonthCounts,
    /// Packets into the secure zone from outside it that the firewalls
    /// denied, per month.
    pub secure_denied: MonthCounts,
    /// Logins to secure-zone servers per user, most first (then by name),
    /// the first [`USERS_SHOWN`] of them.
    pub sessions_per_user: Vec<UserCount>,
    /// Logins of the users not shown, and how many users those are.
    pub sessions_other: UserCount,
    /// The users not shown, with their logins, most first: named under
    /// the chart.
    pub sessions_other_users: Vec<UserCount>,
    /// Every log source of the year (a file, a receiver or a host, as the
    /// `source` column names it) per stream, with its first and last
    /// record and how many it gave: what the auditor checks the logging
    /// against.
    pub sources: Vec<SourceSpan>,
}

/// One log source's records in the year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceSpan {
    pub stream: String,
    pub source: String,
    pub records: u64,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UserCount {
    pub user: String,
    pub sessions: u64,
    /// For the sum of the users not shown: how many users.
    pub users: u64,
}

/// Computes the charts' data of `period` from the store.
pub fn figures(store: &StoreReader, period: &Period) -> Result<Figures, ReportError> {
    let session = SqlSession::open(
        store,
        &SessionOptions {
            time_zone: period.zone,
            threads: None,
        },
    )
    .map_err(|error| ReportError::Session(error.to_string()))?;
    let condition = period.sql_condition();
    let mut figures = Figures {
        days_in_period: days_in_period(period),
        ..Figures::default()
    };

    for stream in ["sessions", "firewall", "access"] {
        let sql = format!(
            "SELECT date_trunc('hour', time) AS hour, count(*) AS n FROM {stream} \
             WHERE {condition} GROUP BY 1"
        );
        let mut months = [0u64; 12];
        let mut days = BTreeSet::new();
        for row in query(&session, &sql)? {
            let (Some(hour), Some(count)) = (row.time("hour"), row.count("n")) else {
                continue;
            };
            let local = hour.with_timezone(&period.zone).date_naive();
            months[local.month0() as usize] += count;
            days.insert(local);
        }
        figures.events_per_month.insert(stream.to_string(), months);
        figures
            .days_covered
            .insert(stream.to_string(), days.len() as u32);
    }

    let sql = format!(
        "SELECT date_trunc('hour', time) AS hour, action, count(*) AS n FROM firewall \
         WHERE {condition} AND dst_zone = 'secure' AND coalesce(src_zone, '') <> 'secure' \
         AND (action <> 'allow' OR new_connection) GROUP BY 1, 2"
    );
    for row in query(&session, &sql)? {
        let (Some(hour), Some(action), Some(count)) =
            (row.time("hour"), row.text("action"), row.count("n"))
        else {
            continue;
        };
        let month = hour.with_timezone(&period.zone).month0() as usize;
        match action {
            "allow" => figures.secure_allowed[month] += count,
            _ => figures.secure_denied[month] += count,
        }
    }

    let sql = format!(
        "SELECT coalesce(\"user\", '?') AS who, count(*) AS n FROM sessions \
         WHERE {condition} AND action = 'login' AND server_zone = 'secure' GROUP BY 1"
    );
    let mut users: Vec<UserCount> = query(&session, &sql)?
        .iter()
        .filter_map(|row| {
            Some(UserCount {
                user: row.text("who")?.to_string(),
                sessions: row.count("n")?,
                users: 1,
            })
        })
        .collect();
    users.sort_by(|a, b| b.sessions.cmp(&a.sessions).then(a.user.cmp(&b.user)));
    let rest = users.split_off(users.len().min(USERS_SHOWN));
    figures.sessions_other = UserCount {
        user: String::new(),
        sessions: rest.iter().map(|user| user.sessions).sum(),
        users: rest.len() as u64,
    };
    figures.sessions_other_users = rest;
    figures.sessions_per_user = users;

    for stream in ["sessions", "firewall", "access"] {
        let sql = format!(
            "SELECT source, count(*) AS n, min(time) AS first, max(time) AS last FROM {stream} \
             WHERE {condition} GROUP BY source ORDER BY source"
        );
        for row in query(&session, &sql)? {
            let (Some(source), Some(records), Some(first), Some(last)) = (
                row.text("source"),
                row.count("n"),
                row.time("first"),
                row.time("last"),
            ) else {
                continue;
            };
            figures.sources.push(SourceSpan {
                stream: stream.to_string(),
                source: source.to_string(),
                records,
                first,
                last,
            });
        }
    }
    Ok(figures)
}

/// Local days from the start of the year to the cutoff (a started day counts).
fn days_in_period(period: &Period) -> u32 {
    let first = period.day_of(period.start);
    let last = period.day_of(period.cutoff - chrono::Duration::microseconds(1));
    let days = (last - first).num_days() + 1;
    u32::try_from(days.max(0)).unwrap_or(0)
}

fn query(session: &SqlSession, sql: &str) -> Result<Vec<Row>, ReportError> {
    let result = session.query(sql).map_err(|error| ReportError::Query {
        sql: sql.to_string(),
        detail: error.to_string(),
    })?;
    Ok(result
        .batches
        .iter()
        .flat_map(|batch| (0..batch.num_rows()).map(move |index| Row::new(batch, index)))
        .collect())
}

/// One row of a result.
struct Row {
    batch: RecordBatch,
    index: usize,
}

impl Row {
    fn new(batch: &RecordBatch, index: usize) -> Row {
        Row {
            batch: batch.clone(),
            index,
        }
    }

    fn column(&self, name: &str) -> Option<&ArrayRef> {
        let column = self.batch.column_by_name(name)?;
        (!column.is_null(self.index)).then_some(column)
    }

    fn text(&self, name: &str) -> Option<&str> {
        let column = self.column(name)?;
        if let Some(array) = column.as_string_opt::<i32>() {
            return Some(array.value(self.index));
        }
        column
            .as_string_view_opt()
            .map(|array| array.value(self.index))
    }

    fn count(&self, name: &str) -> Option<u64> {
        let column = self.column(name)?;
        if let Some(array) = column.as_primitive_opt::<Int64Type>() {
            return u64::try_from(array.value(self.index)).ok();
        }
        column
            .as_primitive_opt::<UInt64Type>()
            .map(|array| array.value(self.index))
    }

    fn time(&self, name: &str) -> Option<DateTime<Utc>> {
        let array = self
            .column(name)?
            .as_primitive_opt::<TimestampMicrosecondType>()?;
        DateTime::from_timestamp_micros(array.value(self.index))
    }
}
