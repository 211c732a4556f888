//! `vakt index`, and bringing the full-text index up to date before an
//! ingest: records are read through `vakt-query` and written through
//! `vakt-index`, so the data flows ingest -> store <- query -> index.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use vakt_index::writer::{install, rebuild_dir, settle};
use vakt_index::{INDEXED_STREAMS, IndexError, IndexWriter};
use vakt_ingest::StoreWriter;
use vakt_ingest::fulltext::FulltextHook;
use vakt_query::StoreReader;
use vakt_query::search::{committed_sizes, index_dir};
use vakt_schemas::Stream;

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

/// What a rebuild or catch-up did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct IndexSummary {
    /// Documents added, per stream.
    pub added: BTreeMap<Stream, u64>,
    /// Records covered afterwards, per stream.
    pub covered: BTreeMap<Stream, u64>,
    pub seconds: f64,
}

pub fn run(global: &GlobalArgs, args: IndexArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let store_dir = global.store_dir(&config);
    if args.rebuild {
        // Holding the ingest lock keeps the store still while we read it.
        let writer = StoreWriter::open(&store_dir)?;
        let store = StoreReader::open(&store_dir)?;
        let summary = rebuild(&store, progress_bar())?;
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
    let committed = committed_sizes(&store);
    let dir = index_dir(&store);
    let state = match vakt_index::IndexSearcher::open(&dir) {
        Ok(searcher) => Some(searcher.state().clone()),
        Err(IndexError::Missing(_) | IndexError::Incompatible { .. }) => None,
        Err(error) => return Err(error.into()),
    };
    let state = state.filter(|state| state.store_id == store.info().store_id);
    let up_to_date = state.as_ref().is_some_and(|state| {
        committed
            .iter()
            .all(|(stream, size)| state.covered(*stream) >= *size)
    });
    match args.format {
        IndexFormat::Json => {
            let streams: BTreeMap<Stream, serde_json::Value> = committed
                .iter()
                .map(|(stream, size)| {
                    let covered = state.as_ref().map(|state| state.covered(*stream));
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
                let covered = state.as_ref().map_or(0, |state| state.covered(*stream));
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

/// Builds a fresh index of every committed record of `store` next to the
/// old one and swaps it in. The caller holds the store's ingest lock.
pub fn rebuild(store: &StoreReader, bar: ProgressBar) -> anyhow::Result<IndexSummary> {
    let started = Instant::now();
    let dir = index_dir(store);
    settle(&dir)?;
    let building = rebuild_dir(&dir);
    let mut index = IndexWriter::create(&building, &store.info().store_id)?;
    let summary = add_missing(store, &mut index, bar)?;
    index.finish()?;
    install(&building, &dir)?;
    Ok(IndexSummary {
        seconds: started.elapsed().as_secs_f64(),
        ..summary
    })
}

/// Adds to `index` every committed record it does not cover yet, commits,
/// and checks that it then covers the whole store.
fn add_missing(
    store: &StoreReader,
    index: &mut IndexWriter,
    bar: ProgressBar,
) -> anyhow::Result<IndexSummary> {
    let committed = committed_sizes(store);
    let missing: u64 = committed
        .iter()
        .map(|(stream, size)| size.saturating_sub(index.state().covered(*stream)))
        .sum();
    bar.set_length(missing.max(1));
    let mut summary = IndexSummary::default();
    for stream in INDEXED_STREAMS {
        let covered = index.state().covered(stream);
        let mut added = 0;
        if covered < committed[&stream] {
            bar.set_message(stream.name());
            for line in store.manifest(stream)? {
                let entry = line.entry.map_err(|detail| {
                    anyhow::anyhow!("{stream} manifest line {}: {detail}", line.number)
                })?;
                if entry.first_seq + entry.count <= covered {
                    continue;
                }
                let records = store.segment_records(stream, &entry)?;
                let count = index.add(stream, &records)?;
                added += count;
                bar.inc(count);
            }
        }
        summary.added.insert(stream, added);
    }
    index.commit(store.head().txn)?;
    bar.finish_and_clear();
    for (stream, size) in &committed {
        let covered = index.state().covered(*stream);
        if covered != *size {
            bail!(
                "the full-text index covers {covered} {stream} records after indexing the store, \
                 which commits {size}; run `vakt verify`"
            );
        }
    }
    summary.covered = index.state().covered.clone();
    Ok(summary)
}

/// The full-text index of the store `writer` holds open, brought up to the
/// store's `HEAD`, as the hook that keeps it there in every commit: built
/// when it is missing or unusable, cut back when it holds records of a
/// commit that never completed, and given the records it lacks.
pub fn open_hook(writer: &StoreWriter) -> anyhow::Result<FulltextHook> {
    let store = StoreReader::open(writer.root())?;
    let dir = index_dir(&store);
    let store_id = &store.info().store_id;
    let mut index = match IndexWriter::open(&dir, store_id) {
        Ok(index) => index,
        Err(IndexError::Missing(_) | IndexError::Incompatible { .. }) => {
            if committed_sizes(&store).values().any(|size| *size > 0) {
                eprintln!("note: building the full-text index from the store first");
            }
            rebuild(&store, progress_bar())?;
            IndexWriter::open(&dir, store_id)?
        }
        Err(error) => return Err(error.into()),
    };
    index
        .truncate(store.head().txn, &committed_sizes(&store))
        .context("cannot drop uncommitted records from the full-text index")?;
    let behind = committed_sizes(&store)
        .iter()
        .any(|(stream, size)| index.state().covered(*stream) < *size);
    if behind {
        eprintln!("note: bringing the full-text index up to date with the store first");
        add_missing(&store, &mut index, progress_bar())?;
    }
    Ok(FulltextHook::new(index))
}

/// A progress bar on a terminal, nothing when piped.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stderr());
    let style =
        ProgressStyle::with_template("indexing {bar:30} {pos}/{len} records {per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}
