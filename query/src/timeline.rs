//! Timelines for investigations: everything one person, machine, address or
//! dataset did across the three log streams, as one list ordered by time,
//! each line carrying its stream and sequence number so it can be proven
//! (`vakt export`).

use chrono::{DateTime, SecondsFormat, Utc};

use crate::sql::{QueryResult, SqlError, SqlSession};

/// Whose timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A user name: their sessions and file accesses, and the firewall
    /// records of the addresses their sessions came from in the window.
    User(String),
    /// A host name: sessions on that server, firewall records of that device,
    /// accesses on that file server.
    Host(String),
    /// An address: sessions from it, firewall records to or from it, file
    /// accesses by clients at it.
    Ip(String),
    /// A dataset id: accesses to its paths.
    Dataset(String),
}

impl Subject {
    pub fn describe(&self) -> String {
        match self {
            Subject::User(user) => format!("user {user}"),
            Subject::Host(host) => format!("host {host}"),
            Subject::Ip(ip) => format!("address {ip}"),
            Subject::Dataset(dataset) => format!("dataset {dataset}"),
        }
    }
}

/// A SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn time_literal(time: DateTime<Utc>) -> String {
    format!(
        "TIMESTAMP '{}'",
        time.to_rfc3339_opts(SecondsFormat::Micros, true)
    )
}

/// The SQL of a timeline: columns time, stream, seq, user, host, source,
/// target, action, detail, raw; ordered by time, stream, seq.
pub fn timeline_sql(
    subject: &Subject,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> String {
    let mut window = String::new();
    if let Some(from) = from {
        window.push_str(&format!(" AND time >= {}", time_literal(from)));
    }
    if let Some(to) = to {
        window.push_str(&format!(" AND time < {}", time_literal(to)));
    }
    let (sessions, firewall, access) = match subject {
        Subject::User(user) => {
            let user = literal(user);
            (
                Some(format!("\"user\" = {user}")),
                Some(format!(
                    "src_ip IN (SELECT DISTINCT src_ip FROM sessions WHERE \"user\" = {user} AND src_ip IS NOT NULL{window})"
                )),
                Some(format!("\"user\" = {user}")),
            )
        }
        Subject::Host(host) => {
            let host = literal(host);
            (
                Some(format!("server = {host}")),
                Some(format!("device = {host}")),
                Some(format!("host = {host}")),
            )
        }
        Subject::Ip(ip) => {
            let ip = literal(ip);
            (
                Some(format!("src_ip = {ip}")),
                Some(format!("(src_ip = {ip} OR dst_ip = {ip})")),
                Some(format!("client_ip = {ip}")),
            )
        }
        Subject::Dataset(dataset) => (None, None, Some(format!("dataset = {}", literal(dataset)))),
    };
    let mut parts = Vec::new();
    if let Some(condition) = sessions {
        parts.push(format!(
            "SELECT time, 'sessions' AS stream, seq, \"user\", server AS host, src_ip AS source, \
             server AS target, action, auth_methods AS detail, raw FROM sessions WHERE {condition}{window}"
        ));
    }
    if let Some(condition) = firewall {
        parts.push(format!(
            "SELECT time, 'firewall' AS stream, seq, CAST(NULL AS VARCHAR) AS \"user\", device AS host, \
             concat(src_ip, ':', coalesce(CAST(src_port AS VARCHAR), '-')) AS source, \
             concat(dst_ip, ':', coalesce(CAST(dst_port AS VARCHAR), '-')) AS target, action, \
             concat(protocol, CASE WHEN new_connection THEN ' new' ELSE '' END, ' ', coalesce(rule, '')) AS detail, \
             raw FROM firewall WHERE {condition}{window}"
        ));
    }
    if let Some(condition) = access {
        parts.push(format!(
            "SELECT time, 'access' AS stream, seq, \"user\", host, client_ip AS source, path AS target, \
             operation AS action, concat(CASE WHEN success THEN 'ok' ELSE 'failed' END, \
             coalesce(concat(' -> ', target), '')) AS detail, raw FROM access WHERE {condition}{window}"
        ));
    }
    format!("{} ORDER BY time, stream, seq", parts.join(" UNION ALL "))
}

/// Runs a timeline.
pub fn timeline(
    session: &SqlSession,
    subject: &Subject,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<QueryResult, SqlError> {
    session.query(&timeline_sql(subject, from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_in_names_cannot_break_out_of_the_literal() {
        let sql = timeline_sql(&Subject::User("o'brien".into()), None, None);
        assert!(sql.contains("'o''brien'"));
        assert!(!sql.contains("'o'brien'"));
    }

    #[test]
    fn a_dataset_timeline_reads_only_file_accesses() {
        let sql = timeline_sql(&Subject::Dataset("hudreg".into()), None, None);
        assert!(
            sql.contains("FROM access")
                && !sql.contains("FROM sessions")
                && !sql.contains("FROM firewall")
        );
    }
}
