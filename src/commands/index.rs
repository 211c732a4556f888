//! `vakt index`: the state of the full-text index, or a rebuild of it
//! (`vakt_store::fulltext` does the work).

use std::collections::BTreeMap;

use clap::{Args, ValueEnum};
use indicatif::ProgressBar;
use vakt_schemas::Stream;
use vakt_store::fulltext::{IndexProgress, coverage, index_dir, rebuild, tree_sizes};
use vakt_store::{StoreReader, StoreWriter};

use crate::Outcome;
use crate::settings::GlobalArgs;
/// Show or rebuild the full-text index that `vakt search` uses.
///
/// The index (`<store>/index/`) is derived from the store: `vakt ingest`
/// updates it in the same commit as the records it adds, and it can always
/// be built again from the committed records. Without options this prints
/// how many records of each indexed stream (sessions, firewall, access,
/// quarantine) it covers against how many the store holds: exit 0 when it
/// is up to date, 1 when it is missing or behind.
///
/// --rebuild builds a fresh index from every committed record (in
/// `<store>/index.rebuild/`, then swapped in, so an interruption leaves the
/// old index or the new one) and prints the counts. It takes the store's
/// ingest lock, so it waits for no ingest and no ingest runs meanwhile.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Build the index again from every committed record.
    #[arg(long)]
    rebuild: bool,
    /// text for a person, json for scripts.
    #[arg(long, value_enum, default_value_t)]
    format: IndexFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum IndexFormat {
    #[default]
    Text,
    Json,
}

pub fn run(global: &GlobalArgs, args: IndexArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let store_dir = global.store_dir(&config);
    if args.rebuild {
        // Holding the ingest lock keeps the store still while we read it.
        let writer = StoreWriter::open(&store_dir)?;
        let bar = progress_bar();
        let summary = rebuild(&writer.reader(), &mut on_progress(&bar))?;
        bar.finish_and_clear();
        drop(writer);
        match args.format {
            IndexFormat::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
            IndexFormat::Text => {
                let total: u64 = summary.added.values().sum();
                let streams: Vec<String> = summary
                    .added
                    .iter()
                    .map(|(stream, count)| format!("{stream} {count}"))
                    .collect();
                println!(
                    "indexed {total} records ({}) in {:.2} s ({:.0} records/s)",
                    streams.join(", "),
                    summary.seconds,
                    total as f64 / summary.seconds.max(1e-9)
                );
            }
        }
        return Ok(Outcome::Success);
    }
    let store = StoreReader::open(&store_dir)?;
    let committed = tree_sizes(store.head());
    let dir = index_dir(&store);
    let state = coverage(&store)?;
    let covered = |stream: &Stream| {
        state
            .as_ref()
            .and_then(|state| state.get(stream).copied())
            .unwrap_or(0)
    };
    let up_to_date = state.is_some()
        && committed
            .iter()
            .all(|(stream, size)| covered(stream) >= *size);
    match args.format {
        IndexFormat::Json => {
            let streams: BTreeMap<Stream, serde_json::Value> = committed
                .iter()
                .map(|(stream, size)| {
                    let covered = state.as_ref().map(|_| covered(stream));
                    (
                        *stream,
                        serde_json::json!({ "committed": size, "covered": covered }),
                    )
                })
                .collect();
            let report = serde_json::json!({
                "index": dir.display().to_string(),
                "present": state.is_some(),
                "up_to_date": up_to_date,
                "streams": streams,
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        IndexFormat::Text => {
            if state.is_none() {
                println!(
                    "no usable full-text index at {}; build it with `vakt index --rebuild`",
                    dir.display()
                );
            }
            for (stream, size) in &committed {
                let covered = covered(stream);
                let name = stream.name();
                println!("{name:<11} {covered:>12} of {size:>12} committed records indexed");
            }
            if state.is_some() {
                println!(
                    "{}",
                    if up_to_date {
                        "the index is up to date"
                    } else {
                        "the index is behind the store; run `vakt index --rebuild` or `vakt ingest`"
                    }
                );
            }
        }
    }
    Ok(if up_to_date {
        Outcome::Success
    } else {
        Outcome::Problems
    })
}

/// Reports indexing progress on `bar`.
pub fn on_progress(bar: &ProgressBar) -> impl FnMut(IndexProgress) + '_ {
    move |progress: IndexProgress| {
        bar.set_length(progress.total.max(1));
        bar.set_position(progress.done);
        bar.set_message(progress.stream.name());
    }
}

/// A progress bar on a terminal, nothing when piped.
pub fn progress_bar() -> ProgressBar {
    crate::progress::bar("indexing {bar:30} {pos}/{len} records {per_sec} {msg}")
}
