//! `vakt run`

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use chrono::Utc;
use clap::Args;
use vakt_ingest::follow::{FollowOptions, FollowedSource, follow};
use vakt_ingest::receiver::Receiver;
use vakt_jobs::{Runner, Supervisor};
use vakt_schemas::config::Config;
use vakt_store::StoreWriter;

use crate::Outcome;
use crate::settings::GlobalArgs;

/// Follow the configured logs, receive syslog and run the scheduled jobs
/// until stopped.
///
/// Reads every `[[source]]` of vakt.toml (a path or glob pattern, e.g.
/// /var/log/auth.log*) as the files grow and rotate: renamed, copied and
/// truncated, or compressed, content already stored is recognised and
/// only new lines are read; a line still being written waits for its
/// newline. Receives syslog (RFC 3164 and 5424) on every `[[listen]]`
/// address: UDP, TCP (octet-counted or newline-framed, RFC 6587) or TLS
/// (RFC 5425). Records are committed at most `run.commit_interval_ms`
/// (2000) after they were read, or as soon as `run.commit_records`
/// (100000) wait, together with how far each file was read, so a crash or
/// a kill loses nothing from files (the next start reads on from the last
/// commit) and from the receiver at most the messages of that window.
///
/// Runs each `[[job]]` at the times of its cron expression, in the
/// configured time zone: heartbeat, verify, spotcheck, prune, review. A
/// time missed while vakt was down is caught up once at the next start.
/// Every run of a job and its outcome go to the audit stream.
///
/// Writes its status into the store every 2 s (`vakt status` reads it).
/// Looks at its configuration file every 2 s: a changed, valid file is
/// taken up (the run commits and starts again with it, recorded in the
/// audit stream); a changed file that is not valid is refused with a
/// problem on standard error, and the run goes on with the configuration
/// it has.
///
/// Holds the store's ingest lock while it runs (a `vakt ingest` meanwhile
/// is refused). SIGTERM or SIGINT (Ctrl-C) commits what was read and exits
/// 0. Notes and problems (files skipped, truncated, unreadable, jobs'
/// outcomes) go to standard error as they happen; the summary of the run
/// goes to standard output at the end, as `vakt ingest` prints it.
///
/// Exit 0 when stopped by a signal, 2 when it cannot start (no store,
/// nothing to follow or receive, a source, address or job that is not
/// valid, a port taken) or the store fails.
#[derive(Debug, Args)]
pub struct RunArgs {}

/// The configuration a run uses, and where it came from.
#[derive(Clone)]
struct Loaded {
    config: Config,
    path: Option<PathBuf>,
    bytes: Vec<u8>,
}

fn load(global: &GlobalArgs) -> anyhow::Result<Loaded> {
    let path = global
        .config_file()
        .map(|path| std::fs::canonicalize(&path).unwrap_or(path));
    let bytes = match &path {
        Some(path) => std::fs::read(path)
            .with_context(|| format!("cannot read the configuration {}", path.display()))?,
        None => Vec::new(),
    };
    let config = match &path {
        Some(path) => Config::parse(&String::from_utf8_lossy(&bytes))
            .with_context(|| format!("configuration {} is not valid", path.display()))?,
        None => Config::default(),
    };
    Ok(Loaded {
        config,
        path,
        bytes,
    })
}

pub fn run(global: &GlobalArgs, _args: RunArgs) -> anyhow::Result<Outcome> {
    let mut loaded = load(global)?;
    let store_dir = global.store_dir(&loaded.config);
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
    let mut first = true;
    // The configuration the run had before a reload, to go back to when
    // the changed one cannot start (a port taken, a certificate missing).
    let mut fallback: Option<Loaded> = None;
    loop {
        let supervisor = match run_once(&loaded, &store_dir, &mut writer, &stop, first) {
            Ok(supervisor) => supervisor,
            Err(error) => match fallback.take() {
                Some(previous) => {
                    eprintln!(
                        "problem: vakt run cannot go on with the changed configuration: {error:#}; \
                         it goes back to the one it had"
                    );
                    loaded = previous;
                    continue;
                }
                None => return Err(error),
            },
        };
        first = false;
        if !supervisor.reload_requested() || stop.load(Ordering::Relaxed) {
            return Ok(Outcome::Success);
        }
        // Started again with the changed configuration; one that names
        // another store is refused and the run goes on with the one it had.
        let previous = loaded;
        fallback = Some(previous.clone());
        loaded = match load(global) {
            Ok(changed) if global.store_dir(&changed.config) != store_dir => {
                eprintln!(
                    "problem: the changed configuration names another store ({}); vakt run goes \
                     on writing to {}: restart it to change stores",
                    global.store_dir(&changed.config).display(),
                    store_dir.display()
                );
                previous
            }
            Ok(changed) => changed,
            Err(error) => {
                eprintln!("problem: {error:#}; vakt run goes on with the configuration it had");
                previous
            }
        };
    }
}

/// One run with one configuration, until a signal or a changed
/// configuration stops it.
fn run_once(
    loaded: &Loaded,
    store_dir: &Path,
    writer: &mut StoreWriter,
    stop: &AtomicBool,
    first: bool,
) -> anyhow::Result<Supervisor> {
    let config = &loaded.config;
    let sources = FollowedSource::from_config(config)?;
    let receiver = start_receiver(config)?;
    let mut leading_args = vec!["--store".to_string(), store_dir.display().to_string()];
    if let Some(path) = &loaded.path {
        leading_args.extend(["--config".to_string(), path.display().to_string()]);
    }
    let executable = std::env::current_exe().context("cannot find vakt's own executable")?;
    let previous = writer.reader().run_status()?;
    let mut supervisor = Supervisor::new(
        config,
        config.time_zone()?,
        loaded.path.clone(),
        &loaded.bytes,
        store_dir.to_path_buf(),
        Runner::new(executable, leading_args),
        previous.as_ref(),
        Utc::now(),
    )?;
    let what = if first {
        "started"
    } else {
        "configuration reloaded"
    };
    if let Err(problem) = supervisor.record(
        format!(
            "{what}: {} sources, {} listen addresses, {} jobs; configuration sha256 {}",
            sources.len(),
            config.listeners.len(),
            config.jobs.len(),
            vakt_jobs::config_sha256(&loaded.bytes)
        ),
        None,
    ) {
        eprintln!("problem: {problem}");
    }
    eprintln!(
        "vakt run: {what}: following {} {}, {} syslog {} and {} {} into {}; SIGTERM or Ctrl-C stops",
        sources.len(),
        if sources.len() == 1 {
            "source"
        } else {
            "sources"
        },
        config.listeners.len(),
        if config.listeners.len() == 1 {
            "address"
        } else {
            "addresses"
        },
        config.jobs.len(),
        if config.jobs.len() == 1 {
            "job"
        } else {
            "jobs"
        },
        store_dir.display()
    );
    for job in supervisor.job_statuses() {
        let next = job
            .next
            .map_or_else(|| "never".to_string(), |next| next.to_rfc3339());
        eprintln!(
            "vakt run: job {} ({}, `{}`): next {next}",
            job.name, job.kind, job.schedule
        );
    }
    let options = FollowOptions::from_config(config);
    let summary = follow(
        writer,
        config,
        sources,
        receiver,
        options,
        stop,
        &mut supervisor,
        &mut |messages| {
            for message in messages {
                eprintln!("{message}");
            }
        },
    )?;
    crate::commands::ingest::print_summary(&summary);
    if !supervisor.reload_requested()
        && let Err(problem) = supervisor.record(
            "stopped".to_string(),
            Some(format!(
                "{} records stored, {} lines quarantined, {} messages received ({} dropped)",
                summary.records_stored,
                summary.lines_quarantined,
                summary.messages_received,
                summary.messages_dropped
            )),
        )
    {
        eprintln!("problem: {problem}");
    }
    Ok(supervisor)
}

fn start_receiver(config: &Config) -> anyhow::Result<Option<Receiver>> {
    if config.listeners.is_empty() {
        return Ok(None);
    }
    let receiver = Receiver::start(
        &config.listeners,
        config.run.receive_queue,
        config.ingest.max_line_bytes.max(1),
    )?;
    for listener in &receiver.listeners {
        let bound = listener
            .bound
            .map_or_else(|| listener.address.clone(), |bound| bound.to_string());
        eprintln!(
            "vakt run: listening for syslog ({}) on {bound} as `{}`",
            listener.protocol.name(),
            listener.name
        );
    }
    Ok(Some(receiver))
}
