//! `vakt prune`

use chrono::Utc;
use clap::Args;
use vakt_store::StoreWriter;
use vakt_store::audit::os_user;
use vakt_store::prune::{PruneSummary, prune};

use crate::Outcome;
use crate::settings::{GlobalArgs, OutputFormat};

/// Remove the rows of records kept past the retention period.
///
/// A segment of the sessions, firewall, access or quarantine stream goes
/// when every one of its records happened, and was stored, more than the
/// retention before now: `store.retention_days` of the configuration, but
/// never less than 365 days whatever it says (clause 3.3.l). The registry
/// and audit streams are kept whole. Each removed segment's leaf hashes
/// are kept, so every tree, checkpoint and proof stays verifiable, and the
/// prune is recorded in the audit stream (who, when, the cutoff, how many)
/// in the same commit that lists the segments in pruned.jsonl; `vakt
/// verify` then reports each prune. Their documents leave the full-text
/// index too.
///
/// --dry-run only says what would go. It takes the store's ingest lock, so
/// it waits for no ingest and none runs meanwhile.
///
/// --format json prints one object: dry_run, configured_days,
/// retention_days, cutoff (RFC 3339), segments and records (per stream),
/// bytes, oldest and newest (event times of what went, or null),
/// audit_seq (the prune's audit record, or null), finished_earlier
/// (segments of an interrupted prune removed now), seconds. Exit 0 when
/// the prune ran (also when nothing was old enough), 2 when it could not.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Only say what would be removed.
    #[arg(long)]
    dry_run: bool,
    /// text for a person, json for scripts.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
}

pub fn run(global: &GlobalArgs, args: PruneArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let mut writer = StoreWriter::open(&global.store_dir(&config))?;
    let summary = prune(
        &mut writer,
        config.store.retention_days,
        Utc::now(),
        &os_user(),
        args.dry_run,
    )?;
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
        OutputFormat::Text => print_summary(&summary),
    }
    Ok(Outcome::Success)
}

fn print_summary(summary: &PruneSummary) {
    if summary.configured_days < summary.retention_days {
        eprintln!(
            "note: store.retention_days is {}, but records are kept at least {} days",
            summary.configured_days, summary.retention_days
        );
    }
    let records: u64 = summary.records.values().sum();
    let segments: u64 = summary.segments.values().sum();
    let verb = if summary.dry_run {
        "would remove"
    } else {
        "removed"
    };
    let per_stream: Vec<String> = summary
        .records
        .iter()
        .map(|(stream, count)| format!("{stream} {count}"))
        .collect();
    println!(
        "{verb} the rows of {segments} segments ({records} records{}{}) that happened and were \
         stored before {} (retention {} days); their leaf hashes are kept",
        if per_stream.is_empty() {
            String::new()
        } else {
            format!(": {}", per_stream.join(", "))
        },
        match (summary.oldest, summary.newest) {
            (Some(oldest), Some(newest)) => format!(
                ", from {} to {}",
                oldest.format("%Y-%m-%d"),
                newest.format("%Y-%m-%d")
            ),
            _ => String::new(),
        },
        summary.cutoff.format("%Y-%m-%d %H:%M:%SZ"),
        summary.retention_days
    );
    if let Some(seq) = summary.audit_seq {
        println!("recorded as audit record {seq}");
    }
    if summary.finished_earlier > 0 {
        println!(
            "finished an interrupted prune: {} segment files removed",
            summary.finished_earlier
        );
    }
}
