//! `vakt backup` and `vakt restore`

use std::path::PathBuf;

use clap::Args;
use indicatif::ProgressBar;
use vakt_store::backup::{CopySummary, backup, restore};
use vakt_store::{StoreReader, verify};

use crate::Outcome;
use crate::settings::{GlobalArgs, OutputFormat};

/// Copy the store, as its last commit left it, to a new folder.
///
/// Runs while ingests and queries go on: the copy holds exactly what one
/// commit (the HEAD read at the start) commits, and a commit made
/// meanwhile changes nothing it reads. Every segment is checked against
/// its manifest line as it is copied. The backup is itself a store: `vakt
/// --store DEST verify` checks it. The full-text index is not copied (a
/// restore rebuilds it on the first ingest, or with `vakt index
/// --rebuild`), nor is the signing key unless --include-key is given:
/// whoever holds a backup with the key can sign.
///
/// --format json prints one object: txn (the commit copied), records (per
/// stream), segments, bytes, key (whether the key was copied), seconds.
/// Exit 0 when the copy is complete, 2 when it could not be made (DEST
/// not empty, a segment that is not the file its manifest lists, an I/O
/// error); a partial copy is left for inspection and is no valid store.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// A new or empty folder for the copy, or an empty `s3://bucket/prefix`.
    dest: PathBuf,
    /// Copy the signing key too, to `<DEST>.key` (mode 0600).
    #[arg(long)]
    include_key: bool,
    /// text for a person, json for scripts.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
}

/// Put a backup back as a store in a new folder, and verify it.
///
/// The copy holds exactly what the backup's HEAD commits, each segment
/// checked on the way (and the signing key when the backup has it). The
/// restored store is then verified in full. A backup of an older state
/// verifies on its own; `vakt --store DIR verify --against` checkpoints
/// kept from later (`vakt checkpoint`) tells that records are missing.
///
/// --format json prints {"restored": {as for backup}, "verify": {the
/// report of `vakt verify --format json`}}. Exit 0 when the restored
/// store verifies, 1 when it was restored but does not verify, 2 when it
/// could not be restored.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup (a folder or `s3://` prefix `vakt backup` wrote).
    source: PathBuf,
    /// A new or empty folder (or `s3://bucket/prefix`) for the restored store.
    dir: PathBuf,
    /// text for a person, json for scripts.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
}

pub fn run_backup(global: &GlobalArgs, args: BackupArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let store_dir = global.store_dir(&config);
    let bar = progress_bar();
    let summary = backup(
        &store_dir,
        &args.dest,
        args.include_key,
        &mut |done, total| {
            bar.set_length(total.max(1));
            bar.set_position(done);
        },
    )?;
    bar.finish_and_clear();
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
        OutputFormat::Text => {
            println!("{}", describe(&summary, &args.dest));
            if !summary.key {
                println!(
                    "the signing key was not copied: keep a copy of it apart (`vakt key show` \
                     says where it is), or give --include-key"
                );
            }
        }
    }
    Ok(Outcome::Success)
}

pub fn run_restore(_global: &GlobalArgs, args: RestoreArgs) -> anyhow::Result<Outcome> {
    let bar = progress_bar();
    let summary = restore(&args.source, &args.dir, &mut |done, total| {
        bar.set_length(total.max(1));
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    let report = verify(&StoreReader::open(&args.dir)?, None);
    match args.format {
        OutputFormat::Json => {
            let document = serde_json::json!({ "restored": summary, "verify": report });
            println!("{}", serde_json::to_string_pretty(&document)?);
        }
        OutputFormat::Text => {
            println!("{}", describe(&summary, &args.dir));
            crate::commands::verify::print_report(&report);
        }
    }
    Ok(if report.ok {
        Outcome::Success
    } else {
        Outcome::Problems
    })
}

fn describe(summary: &CopySummary, dir: &std::path::Path) -> String {
    let records: u64 = summary.records.values().sum();
    format!(
        "copied commit {} ({records} records, {} segments, {:.1} MB) to {} in {:.2} s",
        summary.txn,
        summary.segments,
        summary.bytes as f64 / 1e6,
        dir.display(),
        summary.seconds
    )
}

/// A progress bar on a terminal, nothing when piped.
fn progress_bar() -> ProgressBar {
    crate::progress::bar("copying {bar:30} {bytes}/{total_bytes} {bytes_per_sec}")
}
