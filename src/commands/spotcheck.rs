//! `vakt spotcheck`

use anyhow::{Context, bail};
use chrono::Datelike;
use clap::{Args, Subcommand};
use vakt_query::spotcheck::{
    DRAW_COMMAND, DrawRequest, ItemOutcome, RECORD_COMMAND, draw, draws, recompute,
};
use vakt_query::sql::{SessionOptions, SqlSession};
use vakt_schemas::Stream;
use vakt_store::StoreReader;

use crate::Outcome;
use crate::settings::{GlobalArgs, OutputFormat, parse_window};
use crate::usage::record_use;

/// Random spot checks of the logs (instruction 3.3.l).
///
/// `draw` picks N records at random for a person to check. The randomness
/// comes from the stream's newest checkpoint a witness cosigned (with the
/// witness's cosignature, which the store's administrator cannot make),
/// else its newest signed checkpoint, and the draw's own parameters; only
/// records that checkpoint covers are drawn. So the sample cannot be
/// chosen after the fact and anyone can
/// recompute it (`recompute`; the formula is in query/src/spotcheck.rs).
/// Every draw and every recorded outcome is appended to the audit stream;
/// the draw's number is its sequence number there.
#[derive(Debug, Args)]
pub struct SpotcheckArgs {
    #[command(subcommand)]
    action: SpotcheckAction,
}

#[derive(Debug, Subcommand)]
enum SpotcheckAction {
    /// Draw records to check.
    Draw {
        /// sessions, firewall, access (or another stream).
        #[arg(long)]
        stream: Stream,
        /// How many records.
        #[arg(long)]
        n: u64,
        /// Only records from this time on (RFC 3339 or a local date).
        #[arg(long)]
        from: Option<String>,
        /// Only records before this time (a local date means the end of that day).
        #[arg(long)]
        to: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
    /// Record the outcome of checking one drawn record.
    Record {
        /// The draw's number.
        draw: u64,
        /// The drawn record's sequence number.
        item: u64,
        /// The record was checked and found in order.
        #[arg(long, conflicts_with = "finding", required_unless_present = "finding")]
        ok: bool,
        /// What was found wrong.
        #[arg(long, value_name = "TEXT")]
        finding: Option<String>,
    },
    /// List draws, checked items and findings.
    List {
        /// Only draws made in this year.
        #[arg(long)]
        year: Option<i32>,
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
    /// Recompute a draw from its checkpoint and say whether it is the same.
    Recompute {
        /// The draw's number.
        draw: u64,
    },
}

pub fn run(global: &GlobalArgs, args: SpotcheckArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let time_zone = config.time_zone()?;
    let store_dir = global.store_dir(&config);
    let store = StoreReader::open(&store_dir)?;
    let options = SessionOptions {
        time_zone,
        ..SessionOptions::default()
    };
    match args.action {
        SpotcheckAction::Draw {
            stream,
            n,
            from,
            to,
            format,
        } => {
            let (from, to) = parse_window(from.as_deref(), to.as_deref(), &time_zone)?;
            let session = SqlSession::open(&store, &options)?;
            let request = DrawRequest {
                stream,
                n,
                from,
                to,
            };
            let witness_keys: Vec<String> = config
                .witnesses
                .iter()
                .filter_map(|witness| witness.key.clone())
                .collect();
            let drawn = draw(&store, &session, &request, &witness_keys)?;
            let detail = serde_json::to_string(&drawn)?;
            let id = record_use(
                &store_dir,
                DRAW_COMMAND,
                Some(detail),
                Some(drawn.items.len() as u64),
                None,
            )?;
            let records = store.records_at(stream, &drawn.items)?;
            if format == OutputFormat::Json {
                let json = serde_json::json!({ "draw": id, "detail": drawn, "records": records });
                println!("{}", serde_json::to_string_pretty(&json)?);
                return Ok(Outcome::Success);
            }
            println!(
                "draw {id}: {} of {} {stream} records, seed {} from the checkpoint of size {}",
                drawn.items.len(),
                drawn.candidates,
                drawn.seed,
                drawn.checkpoint_size
            );
            for record in records {
                let local = record.envelope.time.with_timezone(&time_zone);
                println!(
                    "  {stream} {:>8}  {}  {}",
                    record.envelope.seq,
                    local.format("%Y-%m-%d %H:%M:%S %Z"),
                    record.envelope.raw
                );
            }
            println!(
                "record each outcome with: vakt spotcheck record {id} SEQ --ok | --finding \"TEXT\""
            );
            Ok(Outcome::Success)
        }
        SpotcheckAction::Record {
            draw,
            item,
            ok,
            finding,
        } => {
            let statuses = draws(&store)?;
            let Some(status) = statuses.iter().find(|status| status.id == draw) else {
                bail!("there is no draw {draw}; `vakt spotcheck list` shows the draws");
            };
            if !status.draw.items.contains(&item) {
                bail!(
                    "record {item} is not one of draw {draw}'s records: {:?}",
                    status.draw.items
                );
            }
            let outcome = ItemOutcome {
                draw,
                item,
                outcome: if ok { "ok".into() } else { "finding".into() },
                finding,
            };
            record_use(
                &store_dir,
                RECORD_COMMAND,
                Some(serde_json::to_string(&outcome)?),
                None,
                None,
            )?;
            println!(
                "recorded: draw {draw}, {} record {item}: {}",
                status.draw.request.stream, outcome.outcome
            );
            Ok(Outcome::Success)
        }
        SpotcheckAction::List { year, format } => {
            let mut statuses = draws(&store)?;
            if let Some(year) = year {
                statuses.retain(|status| status.drawn_at.with_timezone(&time_zone).year() == year);
            }
            let checked: usize = statuses.iter().map(|status| status.checked()).sum();
            let findings: usize = statuses
                .iter()
                .map(|status| status.findings().count())
                .sum();
            record_use(
                &store_dir,
                "spotcheck list",
                year.map(|year| format!("year {year}")),
                Some(statuses.len() as u64),
                None,
            )?;
            if format == OutputFormat::Json {
                let json = serde_json::json!({
                    "draws": statuses.len(),
                    "drawn": statuses.iter().map(|status| status.draw.items.len()).sum::<usize>(),
                    "checked": checked,
                    "findings": findings,
                    "list": statuses,
                });
                println!("{}", serde_json::to_string_pretty(&json)?);
                return Ok(Outcome::Success);
            }
            for status in &statuses {
                println!(
                    "draw {:>5}  {}  by {:<10} {:<10} {:>3} drawn, {:>3} checked, {} findings",
                    status.id,
                    status
                        .drawn_at
                        .with_timezone(&time_zone)
                        .format("%Y-%m-%d %H:%M"),
                    status.drawn_by,
                    status.draw.request.stream.name(),
                    status.draw.items.len(),
                    status.checked(),
                    status.findings().count()
                );
                for finding in status.findings() {
                    println!(
                        "    record {}: {}",
                        finding.item,
                        finding.finding.as_deref().unwrap_or("")
                    );
                }
            }
            println!(
                "{} draws, {checked} items checked, {findings} findings",
                statuses.len()
            );
            Ok(Outcome::Success)
        }
        SpotcheckAction::Recompute { draw } => {
            let statuses = draws(&store)?;
            let status = statuses
                .iter()
                .find(|status| status.id == draw)
                .with_context(|| format!("there is no draw {draw}"))?;
            let session = SqlSession::open(&store, &options)?;
            let same = recompute(&session, &status.draw)?;
            record_use(
                &store_dir,
                "spotcheck recompute",
                Some(format!("draw {draw}")),
                None,
                Some(same.to_string()),
            )?;
            if same {
                println!(
                    "draw {draw} recomputes to the same {} records",
                    status.draw.items.len()
                );
                Ok(Outcome::Success)
            } else {
                println!("draw {draw} does NOT recompute to the recorded records");
                Ok(Outcome::Problems)
            }
        }
    }
}
