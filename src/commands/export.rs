//! `vakt export` and `vakt verify-bundle`

use std::path::PathBuf;

use anyhow::anyhow;
use clap::{ArgGroup, Args};
use vakt_query::evidence::{Selection, check_bundle, export_bundle};
use vakt_query::sql::{SessionOptions, SqlSession};
use vakt_query::timeline::timeline;
use vakt_schemas::Stream;
use vakt_store::StoreReader;

use crate::Outcome;
use crate::commands::timeline::SubjectArgs;
use crate::settings::{GlobalArgs, OutputFormat, parse_window};
use crate::usage::record_use;

/// Write an evidence bundle a third party can check without access to the store.
///
/// The bundle holds the selected records, each with its Merkle inclusion
/// proof to the newest signed checkpoint of its stream, those checkpoints,
/// the store's verifier key, a README with the procedure, and
/// verify_bundle.py (Python 3 + the `cryptography` package) that checks it
/// without vakt. Select with --sql (the query must return `seq`, and a
/// `stream` column or --stream) or with the timeline options. The export is
/// recorded in the audit stream.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("selection").required(true).args(["sql", "user", "host", "ip", "dataset"])))]
pub struct ExportArgs {
    /// The new folder for the bundle.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Select records by SQL (must return `seq`, and `stream` unless --stream is given).
    #[arg(long, value_name = "QUERY")]
    sql: Option<String>,
    /// The stream of every row the --sql query returns, if it has no `stream` column.
    #[arg(long, requires = "sql")]
    stream: Option<Stream>,
    #[command(flatten)]
    timeline: SubjectArgs,
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
}

pub fn run(global: &GlobalArgs, args: ExportArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let time_zone = config.time_zone()?;
    let store_dir = global.store_dir(&config);
    let store = StoreReader::open(&store_dir)?;
    let options = SessionOptions {
        time_zone,
        ..SessionOptions::default()
    };
    let session = SqlSession::open(&store, &options)?;
    let selection = match &args.sql {
        Some(sql) => {
            let result = session.query(sql)?;
            Selection::from_query(format!("SQL: {sql}"), &result, args.stream)
                .map_err(|error| anyhow!(error))?
        }
        None => {
            let subject = args.timeline.subject()?;
            let (from, to) = parse_window(
                args.timeline.from.as_deref(),
                args.timeline.to.as_deref(),
                &time_zone,
            )?;
            let result = timeline(&session, &subject, from, to)?;
            Selection::from_query(args.timeline.describe(), &result, None)
                .map_err(|error| anyhow!(error))?
        }
    };
    record_use(
        &store_dir,
        "export",
        Some(format!(
            "{} -> {}",
            selection.description,
            args.out.display()
        )),
        Some(selection.records.len() as u64),
        None,
    )?;
    let witness_keys: Vec<String> = config
        .witnesses
        .iter()
        .filter_map(|witness| witness.key.clone())
        .collect();
    let summary = export_bundle(&store, &selection, &args.out, &witness_keys)?;
    if args.format == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "wrote {} records with proofs to {} (key {}); check it with `vakt verify-bundle {}` or `python3 {}/verify_bundle.py {}`",
            summary.records,
            summary.out.display(),
            summary.key_fingerprint,
            summary.out.display(),
            summary.out.display(),
            summary.out.display()
        );
    }
    Ok(Outcome::Success)
}

/// Check an evidence bundle written by `vakt export`, from its files alone.
///
/// Every record is encoded again from its fields, hashed, and its proof
/// folded up to the root of its stream's checkpoint, whose signature must
/// verify with the bundle's key. Give --key with the store's verifier key
/// from another source to be sure the bundle's key is the store's. The
/// witnesses' cosignatures on the checkpoints are checked with the keys in
/// the bundle's witnesses.vkey and reported (`cosigned` in JSON: stream to
/// [[witness, POSIX time]]). Exit 0 when every record is proven, 1
/// otherwise.
#[derive(Debug, Args)]
pub struct VerifyBundleArgs {
    /// The bundle folder.
    dir: PathBuf,
    /// The verifier key the bundle must be signed with.
    #[arg(long, value_name = "VKEY")]
    key: Option<String>,
    /// A witness's cosigner key, known from elsewhere: every checkpoint of
    /// the bundle must carry its valid cosignature (repeatable).
    #[arg(long, value_name = "VKEY")]
    witness: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
}

pub fn run_verify_bundle(_global: &GlobalArgs, args: VerifyBundleArgs) -> anyhow::Result<Outcome> {
    let mut check = check_bundle(&args.dir, args.key.as_deref())?;
    for vkey in &args.witness {
        let witness = vakt_schemas::cosignature::CosignatureVerifier::parse(vkey)
            .map_err(|error| anyhow::anyhow!("--witness {vkey}: {error}"))?;
        check.require_cosigner(&args.dir, &witness);
    }
    if args.format == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&check)?);
    } else {
        for problem in &check.problems {
            println!("PROBLEM: {problem}");
        }
        for (stream, witnesses) in &check.cosigned {
            for (witness, time) in witnesses {
                let when = chrono::DateTime::from_timestamp(*time as i64, 0)
                    .map_or_else(|| time.to_string(), |time| time.to_rfc3339());
                println!("{stream} checkpoint cosigned by witness {witness} at {when}");
            }
        }
        if check.ok() {
            println!(
                "verified: {} records of store {} are in its signed checkpoints (key {})",
                check.verified, check.store_id, check.key_fingerprint
            );
        } else {
            println!(
                "NOT VERIFIED: {} of {} records proven",
                check.verified, check.records
            );
        }
    }
    Ok(if check.ok() {
        Outcome::Success
    } else {
        Outcome::Problems
    })
}
