//! `vakt status`

use chrono::{DateTime, Utc};
use clap::Args;
use serde::Serialize;
use vakt_schemas::Stream;
use vakt_schemas::status::{RunState, RunStatus};
use vakt_store::StoreReader;

use crate::Outcome;
use crate::settings::{GlobalArgs, OutputFormat};

/// Say whether `vakt run` runs and how far it is.
///
/// Reads the status `vakt run` writes into the store after each commit
/// (and every few seconds when idle) and the store's signed head: the
/// state of the run, its last commit and lag, each source's files with
/// their positions, pending and unread bytes, each syslog address's
/// counts, each witness's last submission, the jobs' last and next runs,
/// and the quarantine per reason.
///
/// The state is `running` (its process is there and wrote its status in
/// the last 30 s, or 5 commit intervals if longer), `stale` (its process
/// is there but silent: hung, the store cannot be written, or a prune
/// job, which runs inside the run, is under way), `stopped`
/// (stopped by SIGTERM or Ctrl-C), `dead` (its process is gone without
/// stopping: killed, crashed, the machine went down) or `never`.
///
/// --format json prints one object: state; store; head {txn,
/// committed_at}; streams {name: size}; checked_at; run (the status
/// as written, null when no run ever wrote one: pid, started, updated,
/// stopped, config_sha256, last_commit, commits, uncommitted_records,
/// lag_seconds, records_stored, lines_quarantined, quarantined_by_reason,
/// sources [{name, path, files [{path, position, lines, size,
/// pending_bytes, unread_bytes, rotated}]}], listeners [{name, protocol,
/// address, received, dropped, connections}], witnesses [{name,
/// last_vouched, problem, failing_since}], jobs [{name, kind,
/// schedule, scheduled_since, last_started, last_finished, last_ok,
/// last_exit_code, last_seconds, last_message, running_since, next}]).
/// Times are RFC 3339 UTC.
///
/// Exit 0 when the run is running, 1 when it is not (stale, stopped,
/// dead, never: for a monitoring check), 2 when the store cannot be read.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// text for a person, json for scripts.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
}

#[derive(Serialize)]
struct StatusReport<'a> {
    state: RunState,
    store: String,
    head: HeadSummary,
    streams: std::collections::BTreeMap<&'static str, u64>,
    checked_at: DateTime<Utc>,
    run: Option<&'a RunStatus>,
}

#[derive(Serialize)]
struct HeadSummary {
    txn: u64,
    committed_at: DateTime<Utc>,
}

pub fn run(global: &GlobalArgs, args: StatusArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let store_dir = global.store_dir(&config);
    let store = StoreReader::open(&store_dir)?;
    let status = store.run_status()?;
    let now = Utc::now();
    let max_age_ms = (config.run.commit_interval_ms * 5).max(30_000);
    let max_age = chrono::Duration::milliseconds(i64::try_from(max_age_ms).unwrap_or(i64::MAX));
    let state = match &status {
        None => RunState::Never,
        Some(status) => status.state(now, process_exists(status.pid), max_age),
    };
    let head = store.head();
    let streams = Stream::ALL
        .into_iter()
        .map(|stream| {
            let size = head.stream(stream).map_or(0, |stream| stream.tree_size);
            (stream.name(), size)
        })
        .collect();
    let report = StatusReport {
        state,
        store: store_dir.display().to_string(),
        head: HeadSummary {
            txn: head.txn,
            committed_at: head.committed_at,
        },
        streams,
        checked_at: now,
        run: status.as_ref(),
    };
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        OutputFormat::Text => print_text(&report, now),
    }
    Ok(if state == RunState::Running {
        Outcome::Success
    } else {
        Outcome::Problems
    })
}

/// Whether process `pid` exists, where this system can tell (`/proc`).
fn process_exists(pid: u32) -> Option<bool> {
    let proc = std::path::Path::new("/proc");
    if !proc.join("self").exists() {
        return None;
    }
    Some(proc.join(pid.to_string()).exists())
}

fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds();
    match seconds {
        ..=0 => "just now".to_string(),
        1..=119 => format!("{seconds} s ago"),
        120..=7199 => format!("{} min ago", seconds / 60),
        _ => format!("{} h ago", seconds / 3600),
    }
}

fn time(instant: Option<DateTime<Utc>>) -> String {
    instant.map_or_else(|| "never".to_string(), |instant| instant.to_rfc3339())
}

fn print_text(report: &StatusReport<'_>, now: DateTime<Utc>) {
    println!(
        "store {}: commit {} at {} ({})",
        report.store,
        report.head.txn,
        report.head.committed_at.to_rfc3339(),
        ago(now, report.head.committed_at)
    );
    let sizes: Vec<String> = report
        .streams
        .iter()
        .map(|(name, size)| format!("{name} {size}"))
        .collect();
    println!("  records by stream: {}", sizes.join(", "));
    let Some(run) = report.run else {
        println!("vakt run: never ran on this store");
        return;
    };
    let state = match report.state {
        RunState::Running => format!("running (pid {})", run.pid),
        RunState::Stale => format!(
            "STALE: pid {} has not written its status since {} ({}); it may hang or fail to write the store",
            run.pid,
            run.updated.to_rfc3339(),
            ago(now, run.updated)
        ),
        RunState::Stopped => format!("stopped at {}", time(run.stopped)),
        RunState::Dead => format!(
            "NOT RUNNING: pid {} is gone without stopping (killed, crashed or the machine went down); last status {}",
            run.pid,
            run.updated.to_rfc3339()
        ),
        RunState::Never => "never ran".to_string(),
    };
    println!("vakt run: {state}; started {}", run.started.to_rfc3339());
    println!(
        "  last commit {} ({} since start); {} records waiting, lag {:.1} s",
        time(run.last_commit),
        run.commits,
        run.uncommitted_records,
        run.lag_seconds
    );
    println!(
        "  since start: {} records stored, {} lines quarantined",
        run.records_stored, run.lines_quarantined
    );
    for (reason, count) in &run.quarantined_by_reason {
        println!("    {count:>8}  {reason}");
    }
    for source in &run.sources {
        println!("  source {} ({}):", source.name, source.path);
        if source.files.is_empty() {
            println!("    no file open");
        }
        for file in &source.files {
            println!(
                "    {}{}: {} {}, at byte {} of {}; {} unread, {} pending (a line without its newline)",
                file.path,
                if file.rotated { " (rotated away)" } else { "" },
                file.lines,
                if file.lines == 1 { "line" } else { "lines" },
                file.position,
                file.size,
                file.unread_bytes,
                file.pending_bytes
            );
        }
    }
    for listener in &run.listeners {
        println!(
            "  listen {} ({} {}): {} received, {} dropped, {} connections",
            listener.name,
            listener.protocol,
            listener.address,
            listener.received,
            listener.dropped,
            listener.connections
        );
    }
    for witness in &run.witnesses {
        let state = match (&witness.problem, witness.last_vouched) {
            (Some(problem), _) => {
                format!("FAILING since {}: {problem}", time(witness.failing_since))
            }
            (None, Some(vouched)) => format!("last vouched {}", vouched.to_rfc3339()),
            (None, None) => "not asked yet".to_string(),
        };
        println!("  witness {}: {state}", witness.name);
    }
    for job in &run.jobs {
        let last = match (job.running_since, job.last_started, job.last_ok) {
            (Some(since), _, _) => format!("running since {}", since.to_rfc3339()),
            (None, None, _) => "never run".to_string(),
            (None, Some(started), Some(true)) => format!("last {} ok", started.to_rfc3339()),
            (None, Some(started), _) => format!(
                "last {} FAILED: {}",
                started.to_rfc3339(),
                job.last_message.as_deref().unwrap_or("")
            ),
        };
        println!(
            "  job {} ({}, `{}`): {last}; next {}",
            job.name,
            job.kind,
            job.schedule,
            time(job.next)
        );
    }
}
