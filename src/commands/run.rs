//! `vakt run`

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Args;
use vakt_ingest::follow::{FollowOptions, FollowedSource, follow};
use vakt_store::StoreWriter;

use crate::Outcome;
use crate::settings::GlobalArgs;

/// Follow the configured logs into the store until stopped.
///
/// Reads every `[[source]]` of vakt.toml (a path or glob pattern, e.g.
/// /var/log/auth.log*) as the files grow and rotate: renamed, copied and
/// truncated, or compressed, content already stored is recognised and
/// only new lines are read; a line still being written waits for its
/// newline. Records are committed at most `run.commit_interval_ms` (2000)
/// after they were read, or as soon as `run.commit_records` (100000) wait,
/// together with how far each file was read, so a crash or a kill loses
/// nothing from files: the next start reads on from the last commit.
///
/// Holds the store's ingest lock while it runs (a `vakt ingest` meanwhile
/// is refused). SIGTERM or SIGINT (Ctrl-C) commits what was read and exits
/// 0. Notes and problems (files skipped, truncated, unreadable) go to
/// standard error as they happen; the summary of the run goes to standard
/// output at the end, as `vakt ingest` prints it.
///
/// Exit 0 when stopped by a signal, 2 when it cannot start (no store, no
/// [[source]], a source that is not valid) or the store fails.
#[derive(Debug, Args)]
pub struct RunArgs {}

pub fn run(global: &GlobalArgs, _args: RunArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let sources = FollowedSource::from_config(&config)?;
    let store_dir = global.store_dir(&config);
    let mut writer = StoreWriter::open(&store_dir)?;
    // As `vakt ingest` does: the full-text index brought up to date, and
    // kept with every commit.
    let index_bar = crate::commands::index::progress_bar();
    writer.maintain_index(&mut crate::commands::index::on_progress(&index_bar))?;
    index_bar.finish_and_clear();
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    eprintln!(
        "vakt run: following {} {} into {}; SIGTERM or Ctrl-C stops",
        sources.len(),
        if sources.len() == 1 {
            "source"
        } else {
            "sources"
        },
        store_dir.display()
    );
    let options = FollowOptions::from_config(&config);
    let summary = follow(
        &mut writer,
        &config,
        sources,
        options,
        &stop,
        &mut |messages| {
            for message in messages {
                eprintln!("{message}");
            }
        },
    )?;
    crate::commands::ingest::print_summary(&summary);
    Ok(Outcome::Success)
}
