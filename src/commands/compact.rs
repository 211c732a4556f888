//! `vakt compact`

use clap::Args;
use vakt_store::StoreWriter;
use vakt_store::audit::os_user;
use vakt_store::compaction::{CompactOptions, CompactionSummary, DEFAULT_TARGET_ROWS, compact};

use crate::Outcome;
use crate::progress;
use crate::settings::{GlobalArgs, OutputFormat};

/// Merge small segments into large files, so queries open few files.
///
/// Every commit writes a file per stream and UTC day, so a year of
/// ingests leaves thousands of small files, and every query pays for
/// opening them. A compaction merges consecutive segments of the
/// sessions, firewall, access and quarantine streams whose records fall
/// in one calendar month (UTC) into one file of at most --target-rows
/// records, sorted by time, in row groups of 131,072 rows. Every record
/// keeps its values, its sequence number and its leaf, so the trees, all
/// checkpoints, inclusion proofs and evidence bundles stay valid; each new
/// file's manifest line names how many segments it replaces, and `vakt
/// verify` checks it against them. The files are committed with a record
/// in the audit stream (who, how many), then the replaced files are
/// deleted; files an interrupted compaction left are deleted the next
/// time. The registry and audit streams are kept as written.
///
/// It takes the store's ingest lock, so it waits for no ingest and none
/// runs meanwhile; `vakt run` compacts by itself when a job of kind
/// "compact" is scheduled. --dry-run only says what would be merged.
///
/// --format json prints one object: dry_run, target_rows, streams (per
/// stream: files_before and files_after (live segment files),
/// segments_replaced, files_written, records, bytes_replaced,
/// bytes_written), commits, audit_seqs (the compaction's audit records),
/// finished_earlier (replaced files of an interrupted compaction removed
/// now), seconds. Exit 0 when the compaction ran (also when there was
/// nothing to merge), 2 when it could not.
#[derive(Debug, Args)]
pub struct CompactArgs {
    /// At most this many records per compacted file.
    #[arg(long, default_value_t = DEFAULT_TARGET_ROWS, value_parser = clap::value_parser!(u64).range(1..))]
    target_rows: u64,
    /// Only say what would be merged.
    #[arg(long)]
    dry_run: bool,
    /// text for a person, json for scripts.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
}

pub fn run(global: &GlobalArgs, args: CompactArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let mut writer = StoreWriter::open(&global.store_dir(&config))?;
    let options = CompactOptions {
        target_rows: args.target_rows,
        dry_run: args.dry_run,
    };
    let bar = progress::bar("compacting {bar:40} {pos}/{len} records ({elapsed})");
    let summary = compact(&mut writer, &options, &os_user(), &mut |done| {
        bar.set_length(done.records_total);
        bar.set_position(done.records_done);
    })?;
    bar.finish_and_clear();
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
        OutputFormat::Text => print_summary(&summary),
    }
    Ok(Outcome::Success)
}

fn print_summary(summary: &CompactionSummary) {
    let verb = if summary.dry_run {
        "would merge"
    } else {
        "merged"
    };
    for (stream, done) in &summary.streams {
        if done.segments_replaced == 0 {
            println!("{stream}: {} files, nothing to merge", done.files_before);
            continue;
        }
        let written = if summary.dry_run {
            String::new()
        } else {
            format!(", {} MB written", mb(done.bytes_written))
        };
        println!(
            "{stream}: {verb} {} segments ({} records, {} MB) into {} files; {} files before, {} after{written}",
            done.segments_replaced,
            done.records,
            mb(done.bytes_replaced),
            done.files_written,
            done.files_before,
            done.files_after,
        );
    }
    if !summary.audit_seqs.is_empty() {
        let seqs: Vec<String> = summary.audit_seqs.iter().map(u64::to_string).collect();
        println!(
            "{} commits in {:.1} s, recorded as audit records {}",
            summary.commits,
            summary.seconds,
            seqs.join(", ")
        );
    }
    if summary.finished_earlier > 0 {
        println!(
            "finished an interrupted compaction: {} replaced files removed",
            summary.finished_earlier
        );
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1e6)
}
