//! `vakt generate`

use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Args;
use vakt_loggen::{GeneratorConfig, Summary, generate};

use crate::Outcome;
use crate::settings::{GlobalArgs, OutputFormat};

/// Write a realistic, deterministic year of an institute's logs for tests and benchmarks.
///
/// Writes DIR/<host>/<YYYY-MM>.log in the formats `vakt ingest` reads: sshd
/// on terminal and file servers (ISO 8601 syslog, RFC 5424 on some hosts),
/// netfilter LOG lines of four firewalls, and Samba vfs_full_audit file
/// access done during each user's SSH session; about 10 % sessions, 55 %
/// firewall and 35 % access lines, exactly EVENTS in total. Also writes
/// DIR/vakt.toml (zones and areas of the generated institute). The same
/// options and seed give byte-identical files. The summary names two
/// needles (strings written exactly once) and query values (a user, a day,
/// an address, a dataset) for benchmarks. DIR must be new or empty.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of lines (events) in total.
    #[arg(long, default_value_t = 1_000_000, value_name = "N")]
    events: u64,
    /// Seed of the random generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output folder (new or empty).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// First local day of the span (YYYY-MM-DD).
    #[arg(long, default_value = "2025-01-01", value_name = "DATE")]
    start: NaiveDate,
    /// Number of days in the span.
    #[arg(long, default_value_t = 365, value_name = "D")]
    days: u32,
    /// Number of people at the institute.
    #[arg(long, default_value_t = 400, value_name = "N")]
    users: usize,
    /// The summary: text for a person, json for scripts.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
}

pub fn run(_global: &GlobalArgs, args: GenerateArgs) -> anyhow::Result<Outcome> {
    let config = GeneratorConfig {
        events: args.events,
        seed: args.seed,
        start: args.start,
        days: args.days,
        users: args.users,
        ..GeneratorConfig::default()
    };
    let summary = generate(&config, &args.out)
        .with_context(|| format!("cannot generate logs into {}", args.out.display()))?;
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
        OutputFormat::Text => print_summary(&summary),
    }
    Ok(Outcome::Success)
}

fn print_summary(summary: &Summary) {
    let lines = &summary.lines;
    println!(
        "wrote {} lines ({:.1} MB) in {} files to {} in {:.1} s: sessions {}, firewall {}, access {}",
        summary.events,
        summary.bytes as f64 / 1e6,
        summary.files.len(),
        summary.out_dir,
        summary.seconds,
        lines.sessions,
        lines.firewall,
        lines.access
    );
    println!(
        "institute: {} people, {} projects, {} datasets; {} days from {} ({})",
        summary.users,
        summary.projects,
        summary.datasets,
        summary.days,
        summary.start,
        summary.time_zone
    );
    for host in &summary.hosts {
        println!(
            "  {:<7} {:<11} {:<8} {:<14} {:>10} lines",
            host.name, host.address, host.zone, host.format, host.lines
        );
    }
    for needle in &summary.needles {
        println!(
            "needle ({}, once, {} stream): {}  in {} at {}",
            needle.kind, needle.stream, needle.text, needle.file, needle.time
        );
    }
    let probes = &summary.probes;
    println!(
        "probes: user {} ({}), day {}, month {}, address {}, dataset {}",
        probes.user, probes.user_address, probes.day, probes.month, probes.address, probes.dataset
    );
    println!("configuration: {}", summary.config);
}
