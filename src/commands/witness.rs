//! `vakt witness`: run a cosigning witness, or submit the store's
//! checkpoints to the configured witnesses now.

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use vakt_witness::WitnessState;
use vakt_witness::log_side::submit::{SubmissionOutcome, Submitter};
use vakt_witness::log_side::witnesses::Witness;

use crate::Outcome;
use crate::settings::{GlobalArgs, OutputFormat};

/// Witnesses: independent parties that cosign the store's checkpoints.
///
/// A witness (C2SP tlog-witness) keeps, for each log it watches, the
/// newest checkpoint it cosigned, and cosigns a new one only with a
/// consistency proof from that one: a store rewritten, cut back or
/// forked, even by someone holding its key, can no longer collect
/// cosignatures, and `vakt verify` catches it against what the witness
/// holds. Run `vakt witness serve` on a machine the store's administrator
/// does not control (the director's office, another department).
#[derive(Debug, Args)]
pub struct WitnessArgs {
    #[command(subcommand)]
    action: WitnessAction,
}

#[derive(Debug, Subcommand)]
enum WitnessAction {
    /// Make a new witness in a state folder: its key (mode 0600) and
    /// witness.toml. Prints the witness's cosigner key, for the
    /// `[[witness]]` `key` of the stores it will watch.
    Init {
        /// The witness's state folder (made 0700).
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// The witness's name, e.g. `witness.director.example.org`.
        #[arg(long)]
        name: String,
    },
    /// Trust a store: cosign checkpoints of its origins signed by its key.
    /// After the store's key is rotated, trust the new key too.
    Trust(LogKey),
    /// Stop trusting a key of a store: after the store's key was rotated
    /// (and the new key trusted), so that whoever still holds the retired
    /// key can no longer extend the store's history at this witness.
    Untrust(LogKey),
    /// Serve the witness over HTTP (tlog-witness `POST /add-checkpoint`;
    /// `GET /checkpoint?origin=…` returns the newest cosigned checkpoint,
    /// `GET /` the witness's key and logs). Runs until stopped (SIGTERM,
    /// Ctrl-C). Refused checkpoints (forks, shrinks, bad proofs) are kept
    /// in the state folder's refusals.jsonl for the witness's owner.
    Serve {
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// Address to listen on.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7380")]
        listen: String,
    },
    /// Print what the witness refused (forks, shrinks, bad proofs), oldest
    /// first, one JSON object per line. Exit 1 when there is any.
    Refusals {
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
    },
    /// Submit each stream's newest checkpoint to the configured witnesses
    /// now, and keep their cosignatures in the store (`vakt run` does this
    /// after each commit and on its heartbeat). Exit 0 when every witness
    /// vouched, 1 when one could not.
    ///
    /// --format json: [{witness, stream, size, outcome (cosigned, copied,
    /// current, failed), timestamp (cosigned: POSIX seconds), reason
    /// (failed)}].
    Submit {
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
}

/// A store's key at a witness.
#[derive(Debug, Args)]
struct LogKey {
    /// The witness's state folder.
    #[arg(long, value_name = "DIR")]
    state: PathBuf,
    /// The store's verifier key (`vakt key show`).
    #[arg(long, value_name = "VKEY")]
    log_key: String,
    /// The store's origin prefix, `vakt/<store id>/` (`vakt key show`
    /// names the store id).
    #[arg(long, value_name = "PREFIX")]
    origin_prefix: String,
}

pub fn run(global: &GlobalArgs, args: WitnessArgs) -> anyhow::Result<Outcome> {
    match args.action {
        WitnessAction::Init { state, name } => {
            let vkey = WitnessState::create(&state, &name)?;
            println!("made witness {name} in {}", state.display());
            println!("its cosigner key, for the stores' [[witness]] key:");
            println!("{vkey}");
            println!(
                "next: vakt witness trust --state {} --log-key <store key> --origin-prefix \
                 vakt/<store id>/",
                state.display()
            );
            Ok(Outcome::Success)
        }
        WitnessAction::Trust(LogKey {
            state,
            log_key,
            origin_prefix,
        }) => {
            let witness = WitnessState::open(&state)?;
            witness.trust(&origin_prefix, &log_key)?;
            println!(
                "witness {} now cosigns {origin_prefix}* signed by {log_key}",
                witness.name()
            );
            Ok(Outcome::Success)
        }
        WitnessAction::Untrust(LogKey {
            state,
            log_key,
            origin_prefix,
        }) => {
            let witness = WitnessState::open(&state)?;
            if witness.untrust(&origin_prefix, &log_key)? {
                println!("witness {} no longer trusts {log_key}", witness.name());
                Ok(Outcome::Success)
            } else {
                println!(
                    "witness {} did not trust {log_key} for {origin_prefix}",
                    witness.name()
                );
                Ok(Outcome::Problems)
            }
        }
        WitnessAction::Serve { state, listen } => serve(state, &listen),
        WitnessAction::Refusals { state } => {
            let path = state.join(vakt_witness::REFUSALS_FILE);
            let refusals = vakt_witness::read_refusals(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            for refusal in &refusals {
                println!("{}", serde_json::to_string(refusal)?);
            }
            Ok(if refusals.is_empty() {
                Outcome::Success
            } else {
                Outcome::Problems
            })
        }
        WitnessAction::Submit { format } => submit(global, format),
    }
}

fn serve(state: PathBuf, listen: &str) -> anyhow::Result<Outcome> {
    let witness = Arc::new(WitnessState::open(&state)?);
    let listener =
        TcpListener::bind(listen).with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    eprintln!(
        "witness {} listening on http://{address} (key {})",
        witness.name(),
        witness.vkey()
    );
    vakt_witness::serve(witness, listener, Arc::clone(&stop))?;
    if stop.load(Ordering::Relaxed) {
        eprintln!("witness stopped");
    }
    Ok(Outcome::Success)
}

fn submit(global: &GlobalArgs, format: OutputFormat) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let witnesses = config
        .witnesses
        .iter()
        .map(Witness::from_config)
        .collect::<Result<Vec<_>, _>>()?;
    if witnesses.is_empty() {
        anyhow::bail!("no [[witness]] is configured in vakt.toml; see README, keys and witnesses");
    }
    let mut submitter = Submitter::new(
        &global.store_dir(&config),
        witnesses,
        Duration::from_secs(0),
    );
    let submissions = submitter.submit(true);
    let all_vouched = submissions
        .iter()
        .all(|submission| !matches!(submission.outcome, SubmissionOutcome::Failed { .. }));
    match format {
        OutputFormat::Json => {
            let rows: Vec<serde_json::Value> = submissions
                .iter()
                .map(|submission| {
                    let (outcome, timestamp, reason) = match &submission.outcome {
                        SubmissionOutcome::Cosigned { timestamp } => {
                            ("cosigned", Some(*timestamp), None)
                        }
                        SubmissionOutcome::Copied => ("copied", None, None),
                        SubmissionOutcome::Current => ("current", None, None),
                        SubmissionOutcome::Failed { reason } => {
                            ("failed", None, Some(reason.clone()))
                        }
                    };
                    serde_json::json!({
                        "witness": submission.witness,
                        "stream": submission.stream.name(),
                        "size": submission.size,
                        "outcome": outcome,
                        "timestamp": timestamp,
                        "reason": reason,
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&rows)?);
        }
        OutputFormat::Text => {
            for submission in &submissions {
                let outcome = match &submission.outcome {
                    SubmissionOutcome::Cosigned { .. } => "cosigned".to_string(),
                    SubmissionOutcome::Copied => "copied".to_string(),
                    SubmissionOutcome::Current => "already held".to_string(),
                    SubmissionOutcome::Failed { reason } => format!("FAILED: {reason}"),
                };
                println!(
                    "{:<16} {:<10} size {:>9}: {outcome}",
                    submission.witness,
                    submission.stream.name(),
                    submission.size
                );
            }
        }
    }
    Ok(if all_vouched {
        Outcome::Success
    } else {
        Outcome::Problems
    })
}
