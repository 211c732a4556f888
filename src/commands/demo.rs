//! `vakt demo`

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use clap::Args;
use vakt_ingest::{IngestOptions, RegistryFolder, ingest};
use vakt_query::spotcheck::{DRAW_COMMAND, DrawRequest, ItemOutcome, RECORD_COMMAND, draw};
use vakt_query::sql::{SessionOptions, SqlSession};
use vakt_schemas::Stream;
use vakt_schemas::config::Config;
use vakt_store::{StoreReader, verify};
use vakt_store::{StoreWriter, init_store};

use crate::Outcome;
use crate::commands::ingest::print_summary;
use crate::commands::verify::print_report;
use crate::settings::GlobalArgs;
use crate::usage::record_use;

/// The sample institute's logs, registry and configuration, built into the binary.
const SAMPLE_FILES: [(&str, &[u8]); 11] = [
    ("vakt.toml", include_bytes!("../../sample-logs/vakt.toml")),
    (
        "logs/ts1/auth.log",
        include_bytes!("../../sample-logs/logs/ts1/auth.log"),
    ),
    (
        "logs/fs1/sshd.log",
        include_bytes!("../../sample-logs/logs/fs1/sshd.log"),
    ),
    (
        "logs/fs1/samba-audit.log",
        include_bytes!("../../sample-logs/logs/fs1/samba-audit.log"),
    ),
    (
        "logs/fs1/print.jsonl",
        include_bytes!("../../sample-logs/logs/fs1/print.jsonl"),
    ),
    (
        "logs/fw-ext/kern.log",
        include_bytes!("../../sample-logs/logs/fw-ext/kern.log"),
    ),
    (
        "logs/fw-sec/kern.log",
        include_bytes!("../../sample-logs/logs/fw-sec/kern.log"),
    ),
    (
        "registry/datasets.toml",
        include_bytes!("../../sample-logs/registry/datasets.toml"),
    ),
    (
        "registry/people.toml",
        include_bytes!("../../sample-logs/registry/people.toml"),
    ),
    (
        "registry/authorizations.toml",
        include_bytes!("../../sample-logs/registry/authorizations.toml"),
    ),
    (
        "registry/deletions.toml",
        include_bytes!("../../sample-logs/registry/deletions.toml"),
    ),
];

/// Marks a folder as made by `vakt demo`, so a later demo may replace it.
const MARKER: &str = ".vakt-demo";

/// Build a store from the built-in sample institute and verify it.
///
/// Writes the sample logs (the year 2025 of a small institute: sshd
/// sessions, two firewalls, Samba file access, print jobs), their registry
/// and vakt.toml into DIR, creates a store in DIR/store, ingests the logs
/// with the registry and verifies the store. A folder made by an earlier
/// demo is replaced; any other existing folder is left alone.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to put the demo.
    #[arg(long, default_value = "vakt-demo", value_name = "DIR")]
    dir: PathBuf,
}

pub fn run(_global: &GlobalArgs, args: DemoArgs) -> anyhow::Result<Outcome> {
    prepare_dir(&args.dir)?;
    for (relative, bytes) in SAMPLE_FILES {
        let path = args.dir.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        if relative.starts_with("logs/") {
            // The sample's logs end with 2025: dated as if last written
            // then, so the year-less lines' dates agree with the file.
            fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|file| file.set_modified(end_of_sample_year()))
                .with_context(|| format!("cannot date {}", path.display()))?;
        }
    }
    let config_text = fs::read_to_string(args.dir.join("vakt.toml"))?;
    let config =
        Config::parse(&config_text).context("the built-in sample configuration is invalid")?;
    let store_dir = args.dir.join("store");
    let created = init_store(&store_dir)?;
    println!(
        "created store {} at {}",
        created.info.store_id,
        store_dir.display()
    );

    let mut writer = StoreWriter::open(&store_dir)?;
    writer.maintain_index(&mut |_| {})?;
    let mut options = IngestOptions::from_config(&config);
    let registry = RegistryFolder::read(&args.dir.join("registry"))?
        .check()
        .context("the built-in sample registry is invalid")?;
    options.registry = Some(registry);
    let summary = ingest(
        &mut writer,
        &config,
        &[args.dir.join("logs")],
        &options,
        &mut |_| {},
    )?;
    drop(writer);
    print_summary(&summary);

    let store = StoreReader::open(&store_dir)?;
    let report = verify(&store, None);
    print_report(&report);
    println!();
    if report.ok {
        spot_checks(&store_dir, &config)?;
    }
    crate::commands::report::write_demo_review(&args.dir, &store_dir, &config, &report)?;
    println!(
        "the demo store is at {}; look at it with",
        store_dir.display()
    );
    println!("  vakt --store {} verify", store_dir.display());
    println!("  vakt --store {} checkpoint", store_dir.display());
    Ok(if report.ok {
        Outcome::Success
    } else {
        Outcome::Problems
    })
}

fn prepare_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let is_empty = fs::read_dir(dir)?.next().is_none();
        if !is_empty && !dir.join(MARKER).exists() {
            bail!(
                "{} exists and was not made by `vakt demo`; choose another folder with --dir",
                dir.display()
            );
        }
        fs::remove_dir_all(dir)
            .with_context(|| format!("cannot replace the earlier demo in {}", dir.display()))?;
    }
    fs::create_dir_all(dir)?;
    fs::write(
        dir.join(MARKER),
        "made by vakt demo; `vakt demo` replaces this folder\n",
    )?;
    Ok(())
}

/// 2026-01-01 00:00 UTC: the sample's logs were last written as 2025 ended.
fn end_of_sample_year() -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_767_225_600)
}

/// Spot checks of the sample year as an institute would make them (3.3.l):
/// one draw of file accesses per quarter of 2025, each drawn record checked
/// and its outcome recorded in the audit stream, one of them a finding.
/// The draws are made now, over each quarter's records, so the review of
/// 2025 reports them.
fn spot_checks(store_dir: &Path, config: &Config) -> anyhow::Result<()> {
    let zone = config.time_zone()?;
    let store = StoreReader::open(store_dir)?;
    let session = SqlSession::open(
        &store,
        &SessionOptions {
            time_zone: zone,
            ..SessionOptions::default()
        },
    )?;
    let local_midnight = |month: u32, year: i32| -> anyhow::Result<DateTime<Utc>> {
        let day = NaiveDate::from_ymd_opt(year, month, 1).context("a quarter's first day")?;
        let local = zone
            .from_local_datetime(&day.and_time(NaiveTime::MIN))
            .earliest()
            .context("a local midnight")?;
        Ok(local.with_timezone(&Utc))
    };
    let quarters = [(1, 4, 2025), (4, 7, 2025), (7, 10, 2025), (10, 1, 2026)];
    let mut checked = 0;
    for (index, (first_month, next_month, next_year)) in quarters.into_iter().enumerate() {
        let request = DrawRequest {
            stream: Stream::Access,
            n: 5,
            from: Some(local_midnight(first_month, 2025)?),
            to: Some(local_midnight(next_month, next_year)?),
        };
        let drawn = draw(&store, &session, &request, &[])?;
        let id = record_use(
            store_dir,
            DRAW_COMMAND,
            Some(serde_json::to_string(&drawn)?),
            Some(drawn.items.len() as u64),
            None,
        )?;
        for (position, item) in drawn.items.iter().enumerate() {
            let finding = (index == 1 && position == 0).then(|| {
                "eksempel fra vakt demo: lesingen har ikke dokumentert prosjektbehov; fulgt opp med brukeren"
                    .to_string()
            });
            let outcome = ItemOutcome {
                draw: id,
                item: *item,
                outcome: if finding.is_some() { "finding" } else { "ok" }.to_string(),
                finding,
            };
            record_use(
                store_dir,
                RECORD_COMMAND,
                Some(serde_json::to_string(&outcome)?),
                None,
                None,
            )?;
            checked += 1;
        }
    }
    println!(
        "spot checks: 4 draws of file accesses, one per quarter of 2025; {checked} records checked, 1 finding recorded"
    );
    Ok(())
}
