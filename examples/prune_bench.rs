//! The time of a prune that removes most of a large store: the logs `vakt
//! generate` wrote for a year (one file per host and month, `YYYY-MM.log`)
//! are ingested month by month as if each month had been stored at its end
//! (`StoreWriter::commit_as_of`, which the command line does not offer: a
//! store must never be backdated in use), verified (full-text index
//! included), pruned at a time past the retention, verified again, and
//! pruned again (nothing left to do). Prints one
//! line per step with its seconds; BENCHMARKS.md quotes the figures.
//!
//! Usage (release): cargo run --release --example prune_bench -- LOGS STORE [NOW]
//!   LOGS   what `vakt generate` wrote (its vakt.toml is used)
//!   STORE  a new folder for the store
//!   NOW    the prune's time (RFC 3339) [default: the system's]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use vakt_ingest::{IngestOptions, ingest};
use vakt_schemas::config::Config;
use vakt_store::prune::prune;
use vakt_store::{StoreReader, StoreWriter, init_store, verify};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [logs, store, rest @ ..] = args.as_slice() else {
        bail!("usage: prune_bench LOGS STORE [NOW]");
    };
    let now = match rest.first() {
        Some(text) => DateTime::parse_from_rfc3339(text)?.with_timezone(&Utc),
        None => Utc::now(),
    };
    let logs = Path::new(logs);
    let store = Path::new(store);
    let config_text = std::fs::read_to_string(logs.join("vakt.toml"))
        .with_context(|| format!("{}/vakt.toml", logs.display()))?;
    let config = Config::parse(&config_text)?;
    let months = files_by_month(logs)?;
    init_store(store)?;
    let mut writer = StoreWriter::open(store)?;
    // As `vakt ingest` does: the full-text index kept with every commit.
    writer.maintain_index(&mut |_| {})?;
    let options = IngestOptions::from_config(&config);
    let started = Instant::now();
    let mut lines = 0;
    for (month, files) in &months {
        // Stored at the start of the next month.
        let stored = next_month(*month)
            .and_hms_opt(0, 0, 0)
            .map(|time| time.and_utc());
        writer.commit_as_of(stored);
        let summary = ingest(&mut writer, &config, files, &options, &mut |_| {})?;
        lines += summary.lines_read;
        println!(
            "ingest {month}: {} files, {} lines (as of {})",
            files.len(),
            summary.lines_read,
            stored.map(|time| time.to_rfc3339()).unwrap_or_default()
        );
    }
    println!(
        "ingest         {:8.2} s  {lines} lines",
        started.elapsed().as_secs_f64()
    );
    writer.commit_as_of(None);
    drop(writer);
    let (seconds, report) = timed_verify(store)?;
    println!(
        "verify before  {seconds:8.2} s  ok: {}, {} problems, {} warnings",
        report.ok,
        report.problems.len(),
        report.warnings.len()
    );
    // As `vakt prune` does: the prune keeps the index in step itself.
    let mut writer = StoreWriter::open(store)?;
    let store_bytes = folder_bytes(store);
    let started = Instant::now();
    let summary = prune(
        &mut writer,
        config.store.retention_days,
        now,
        "bench",
        false,
    )?;
    let removed: u64 = summary.records.values().sum();
    let segments: u64 = summary.segments.values().sum();
    println!(
        "prune          {:8.2} s  {segments} segments, {removed} records, {:.1} MB of {:.1} MB (cutoff {})",
        started.elapsed().as_secs_f64(),
        summary.bytes as f64 / 1e6,
        store_bytes as f64 / 1e6,
        summary.cutoff.to_rfc3339()
    );
    drop(writer);
    let (seconds, report) = timed_verify(store)?;
    println!(
        "verify after   {seconds:8.2} s  ok: {}, {} problems, {} pruned records reported",
        report.ok,
        report.problems.len(),
        report
            .pruned
            .iter()
            .map(|prune| prune.records.values().sum::<u64>())
            .sum::<u64>()
    );
    let mut writer = StoreWriter::open(store)?;
    let started = Instant::now();
    let again = prune(
        &mut writer,
        config.store.retention_days,
        now,
        "bench",
        false,
    )?;
    println!(
        "prune again    {:8.2} s  {} segments",
        started.elapsed().as_secs_f64(),
        again.segments.values().sum::<u64>()
    );
    Ok(())
}

/// Verifies the store; the seconds it took and the report.
fn timed_verify(store: &Path) -> anyhow::Result<(f64, vakt_store::VerifyReport)> {
    let started = Instant::now();
    let report = verify(&StoreReader::open(store)?, None);
    Ok((started.elapsed().as_secs_f64(), report))
}

/// The log files of each month, by the `YYYY-MM.log` names `vakt generate` gives.
fn files_by_month(logs: &Path) -> anyhow::Result<BTreeMap<NaiveDate, Vec<PathBuf>>> {
    let mut months: BTreeMap<NaiveDate, Vec<PathBuf>> = BTreeMap::new();
    for host in std::fs::read_dir(logs)? {
        let host = host?.path();
        if !host.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&host)? {
            let path = file?.path();
            let Some(stem) = path.file_name().and_then(|name| name.to_str()) else {
                continue;
            };
            let Some(month) = stem.strip_suffix(".log").and_then(|month| {
                NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()
            }) else {
                continue;
            };
            months.entry(month).or_default().push(path);
        }
    }
    if months.is_empty() {
        bail!("no YYYY-MM.log files under {}", logs.display());
    }
    for files in months.values_mut() {
        files.sort();
    }
    Ok(months)
}

fn next_month(month: NaiveDate) -> NaiveDate {
    let (year, month) = if month.month() == 12 {
        (month.year() + 1, 1)
    } else {
        (month.year(), month.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MAX)
}

fn folder_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => folder_bytes(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}
