//! The audit record of a job's run.

use chrono::{DateTime, SecondsFormat, Utc};
use vakt_schemas::AuditEvent;
use vakt_store::audit::os_user;

use crate::job::{Action, Job};
use crate::runner::Outcome;

/// The `command` of a job's audit records.
pub const AUDIT_COMMAND: &str = "job";

/// The audit record of one run of `job`, which started at `started` doing
/// `action` (`job.action(started, zone)`) and ended with `outcome`.
pub fn audit_event(
    job: &Job,
    action: &Action,
    started: DateTime<Utc>,
    outcome: &Outcome,
) -> AuditEvent {
    let detail = format!(
        "{} ({}) started {}: {}",
        job.name(),
        job.kind(),
        started.to_rfc3339_opts(SecondsFormat::Secs, true),
        describe(action)
    );
    let verdict = match (outcome.ok, outcome.exit_code) {
        (true, _) => "ok".to_string(),
        (false, Some(code)) => format!("failed (exit {code})"),
        (false, None) => "failed".to_string(),
    };
    let mut result = format!("{verdict} in {:.1} s", outcome.seconds);
    if !outcome.message.is_empty() {
        result.push_str(": ");
        result.push_str(&outcome.message);
    }
    AuditEvent {
        user: os_user(),
        command: AUDIT_COMMAND.to_string(),
        detail: Some(detail),
        rows: None,
        result: Some(result),
    }
}

/// The action as a person reads it: the command lines, `;` between them.
fn describe(action: &Action) -> String {
    match action {
        Action::Heartbeat => "heartbeat by vakt run".to_string(),
        Action::Prune => "prune by vakt run".to_string(),
        Action::Compact => "compaction by vakt run".to_string(),
        Action::Commands(commands) => commands
            .iter()
            .map(|arguments| {
                let words: Vec<String> = arguments.iter().map(|word| quoted(word)).collect();
                format!("vakt {}", words.join(" "))
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// `word` as a shell reads it back: in single quotes when it holds
/// anything but plain characters.
fn quoted(word: &str) -> String {
    let plain = |c: char| c.is_alphanumeric() || "-_./:,=@+%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use chrono_tz::Europe::Oslo;
    use vakt_schemas::config::{JobConfig, JobKind};

    use super::*;

    fn review() -> Job {
        Job::from_config(&JobConfig {
            name: "yearly review".to_string(),
            kind: JobKind::Review,
            schedule: "0 6 2 1 *".to_string(),
            streams: Vec::new(),
            n: 10,
            window_days: 7,
            output: Some("/srv/vakt/my reviews".to_string()),
            lang: None,
            timeout_minutes: 1440,
        })
        .unwrap()
    }

    #[test]
    fn a_run_is_recorded_with_its_commands_and_outcome() {
        let job = review();
        let started: DateTime<Utc> = "2027-01-02T05:00:00Z".parse().unwrap();
        let action = job.action(started, Oslo);
        let failed = audit_event(
            &job,
            &action,
            started,
            &Outcome::failure(Some(2), 3.24, "error: no checkpoint"),
        );
        assert_eq!(failed.user, os_user());
        assert_eq!(failed.command, "job");
        assert_eq!(failed.rows, None);
        assert_eq!(
            failed.detail.as_deref(),
            Some(
                "yearly review (review) started 2027-01-02T05:00:00Z: vakt report --year 2026 \
                 --out '/srv/vakt/my reviews/review-2026.pdf' \
                 --data '/srv/vakt/my reviews/review-2026.json' --lang nb"
            )
        );
        assert_eq!(
            failed.result.as_deref(),
            Some("failed (exit 2) in 3.2 s: error: no checkpoint")
        );
        let ok = audit_event(&job, &action, started, &Outcome::success(61.0, ""));
        assert_eq!(ok.result.as_deref(), Some("ok in 61.0 s"));
        let killed = audit_event(&job, &action, started, &Outcome::failure(None, 0.04, "x"));
        assert_eq!(killed.result.as_deref(), Some("failed in 0.0 s: x"));
    }

    #[test]
    fn jobs_vakt_run_does_itself_say_so() {
        let job = review();
        let started: DateTime<Utc> = "2026-05-05T10:00:00Z".parse().unwrap();
        let event = audit_event(
            &job,
            &Action::Heartbeat,
            started,
            &Outcome::success(0.0, "seq 7"),
        );
        assert!(event.detail.unwrap().ends_with(": heartbeat by vakt run"));
        assert_eq!(event.result.as_deref(), Some("ok in 0.0 s: seq 7"));
        assert_eq!(quoted("it's"), "'it'\\''s'");
        assert_eq!(quoted(""), "''");
    }
}
