//! `vakt verify`

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use vakt_store::StoreReader;
use vakt_store::verify::{Problem, VerifyReport};
use vakt_witness::log_side::check::verify_witnessed;
use vakt_witness::log_side::witnesses::Witness;

use crate::Outcome;
use crate::settings::{GlobalArgs, OutputFormat};

/// Check the whole store: every record, segment, manifest entry and checkpoint.
///
/// Every record's leaf hash is derived again from its typed columns and each
/// stream's Merkle tree rebuilt; the manifest's hash chain, the segment files'
/// SHA-256, and every signed checkpoint must agree with them. With --against,
/// checkpoints kept outside the store (from `vakt checkpoint`) must be
/// covered too, which catches a store cut back or rewritten since.
/// Every check of schemas/FORMAT.md §8 runs: HEAD's signature, the
/// manifests' chains and commit order, every segment and row, the trees,
/// one signed checkpoint per commit, prunes against their audit records,
/// what lies past HEAD (the leftover of one interrupted commit is a
/// warning; anything more means HEAD was put back: `head-behind`), and
/// the full-text index against the records, posting by posting (a
/// doctored index that hides records from searches: `index-postings`).
///
/// Witnesses: the store is also checked against what each witness holds
/// (the `[[witness]]` of vakt.toml, and any given with --witness): the
/// newest checkpoint a cosigning witness cosigned for each stream (asked
/// over HTTP), every checkpoint a directory witness copied, and the
/// cosigned checkpoints kept in the store. A store shorter than what a
/// witness saw is `truncated`, one that differs from it a `fork`, a
/// witness's checkpoint that the store's keys did not sign
/// `witness-checkpoint` (the key was replaced); a witness that cannot be
/// asked is the warning `witness-unreachable`. With `[witness_policy]`,
/// a stream that too few witnesses vouched for recently is
/// `witness-policy`.
///
/// --format json prints one object: ok, store_id, key_fingerprint, keys
/// (every key that signed the store: fingerprint, verifier_key,
/// from_txn, since), streams (stream, records, segments, root, checkpoints, first_time,
/// last_time), problems and warnings (each: stream or null, kind, message,
/// first_seq, last_seq, from, to, file; null when unknown),
/// external_checkpoints (how many --against gave), witnessed_checkpoints
/// (how many the witnesses gave), witnessing (per stream under a policy:
/// stream, recent (witness names), newest, required, met), and pruned (per prune:
/// txn, time, user, segments and records per stream). Times are RFC 3339
/// UTC. The kinds are named in FORMAT.md §8.
///
/// Exit 0 when everything verifies (warnings allowed), 1 when a problem
/// was found, 2 when the store could not be read at all.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Checkpoints exported earlier with `vakt checkpoint`.
    #[arg(long, value_name = "FILE")]
    against: Option<PathBuf>,
    /// A witness to check the store against besides the configured ones:
    /// the URL of a cosigning witness or the folder of a directory
    /// witness (repeatable).
    #[arg(long, value_name = "URL|DIR")]
    witness: Vec<String>,
    /// Do not ask the configured witnesses (the cosigned checkpoints kept
    /// in the store and --witness are still checked).
    #[arg(long)]
    no_configured_witnesses: bool,
    /// text for a person, json for scripts.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
}

pub fn run(global: &GlobalArgs, args: VerifyArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let store = StoreReader::open(&global.store_dir(&config))?;
    let external = match &args.against {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the checkpoints in {}", path.display()))?,
        ),
        None => None,
    };
    let mut witnesses = Vec::new();
    if !args.no_configured_witnesses {
        for witness in &config.witnesses {
            witnesses.push(Witness::from_config(witness)?);
        }
    }
    for argument in &args.witness {
        witnesses.push(Witness::from_argument(argument, &config.witnesses));
    }
    let report = verify_witnessed(
        &store,
        external,
        &witnesses,
        &config.witness_policy,
        chrono::Utc::now(),
    );
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        OutputFormat::Text => print_report(&report),
    }
    Ok(if report.ok {
        Outcome::Success
    } else {
        Outcome::Problems
    })
}

pub fn print_report(report: &VerifyReport) {
    println!("store {} (key {})", report.store_id, report.key_fingerprint);
    for stream in &report.streams {
        let span = match (stream.first_time, stream.last_time) {
            (Some(first), Some(last)) => format!(
                ", {} .. {}",
                first.format("%Y-%m-%d %H:%M:%SZ"),
                last.format("%Y-%m-%d %H:%M:%SZ")
            ),
            _ => String::new(),
        };
        println!(
            "  {:<10} {:>9} records in {:>4} segments, {:>4} checkpoints, root {}{span}",
            stream.stream.name(),
            stream.records,
            stream.segments,
            stream.checkpoints,
            &stream.root
        );
    }
    for prune in &report.pruned {
        let records: u64 = prune.records.values().sum();
        let segments: u64 = prune.segments.values().sum();
        println!(
            "  pruned in commit {}: {records} records' rows in {segments} segments, {} by {} \
             (their leaf hashes kept and checked)",
            prune.txn,
            prune
                .time
                .map_or("at an unknown time".to_string(), |time| time
                    .format("%Y-%m-%d %H:%M:%SZ")
                    .to_string()),
            prune.user.as_deref().unwrap_or("an unknown user")
        );
    }
    for warning in &report.warnings {
        println!("warning: {}", describe(warning));
    }
    for problem in &report.problems {
        println!("PROBLEM: {}", describe(problem));
    }
    if report.witnessed_checkpoints > 0 {
        println!(
            "checked against {} checkpoints held by witnesses",
            report.witnessed_checkpoints
        );
    }
    for witnessing in &report.witnessing {
        println!(
            "  {:<10} vouched for by {} of {} required witnesses recently{}",
            witnessing.stream.name(),
            witnessing.recent.len(),
            witnessing.required,
            if witnessing.recent.is_empty() {
                String::new()
            } else {
                format!(" ({})", witnessing.recent.join(", "))
            }
        );
    }
    if report.external_checkpoints > 0 {
        println!(
            "checked against {} external checkpoints",
            report.external_checkpoints
        );
    }
    if report.ok {
        println!("verified: every record, segment, manifest entry and checkpoint agrees");
    } else {
        println!("NOT VERIFIED: {} problems", report.problems.len());
    }
}

fn describe(problem: &Problem) -> String {
    let mut parts = Vec::new();
    if let Some(stream) = problem.stream {
        parts.push(stream.name().to_string());
    }
    match (problem.first_seq, problem.last_seq) {
        (Some(first), Some(last)) if first == last => parts.push(format!("record {first}")),
        (Some(first), Some(last)) => parts.push(format!("records {first}..={last}")),
        _ => {}
    }
    if let (Some(from), Some(to)) = (problem.from, problem.to) {
        parts.push(format!(
            "{} .. {}",
            from.format("%Y-%m-%d %H:%M:%SZ"),
            to.format("%Y-%m-%d %H:%M:%SZ")
        ));
    }
    if let Some(file) = &problem.file {
        parts.push(file.clone());
    }
    format!(
        "[{}] {} ({})",
        problem.kind,
        problem.message,
        parts.join(", ")
    )
}
