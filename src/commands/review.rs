//! `vakt review`

use chrono::Utc;
use clap::{Args, ValueEnum};
use vakt_review::{ReviewOptions, markdown, review};
use vakt_store::StoreReader;

use crate::Outcome;
use crate::settings::GlobalArgs;
use crate::usage::record_use;

/// The yearly security review (instruction 5.6): findings by area.
///
/// Computes every check of review/CHECKS.md over the year (local time of
/// the configured zone), judging each event against the registry as it
/// stood at that moment: (a) classification and storage, (b) deletions,
/// (c) user rights, (d) barriers, plus the year's spot checks and the
/// store's verification. Each finding names its clause, a severity, its
/// subject and its evidence (stream and sequence numbers that `vakt
/// timeline` and `vakt export` can prove, or registry entries).
/// `--format json` is the stable form scripts and `vakt report` read.
/// The review is recorded in the audit stream. Exit 0 when the review ran,
/// whatever it found; 2 when it could not run.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ReviewArgs {
    /// The calendar year to review.
    #[arg(long)]
    year: i32,
    /// md: Markdown for a person; json: the stable document for scripts.
    #[arg(long, value_enum, default_value_t = ReviewFormat::Md)]
    format: ReviewFormat,
    /// Skip verifying the store (faster; the review then says it was not verified).
    #[arg(long)]
    no_verify: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ReviewFormat {
    Md,
    Json,
}

pub fn run(global: &GlobalArgs, args: ReviewArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let store_dir = global.store_dir(&config);
    let store = StoreReader::open(&store_dir)?;
    let options = ReviewOptions {
        year: args.year,
        now: Utc::now(),
        verify: !args.no_verify,
    };
    let review = review(&store, &config, &options)?;
    let findings: usize = review.areas.iter().map(|area| area.findings.len()).sum();
    let verdicts: Vec<String> = review
        .areas
        .iter()
        .map(|area| format!("{}={}", area.area.letter(), area.verdict))
        .collect();
    record_use(
        &store_dir,
        "review",
        Some(serde_json::json!({ "year": args.year, "verify": !args.no_verify }).to_string()),
        Some(findings as u64),
        Some(verdicts.join(" ")),
    )?;
    match args.format {
        ReviewFormat::Json => println!("{}", serde_json::to_string_pretty(&review)?),
        ReviewFormat::Md => print!("{}", markdown(&review)),
    }
    Ok(Outcome::Success)
}
