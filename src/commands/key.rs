//! `vakt key`: the store's signing key, kept outside the store.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde::Serialize;
use vakt_store::keys::{self, KeyPlace};
use vakt_store::{StoreReader, StoreWriter};

use crate::Outcome;
use crate::settings::{GlobalArgs, OutputFormat};

/// The store's signing key: where it is, a new one, a rotation.
///
/// The key that signs the store's checkpoints and HEAD is kept outside the
/// store, in a file of mode 0600 (a key file that others may read is
/// refused). Where, first found wins: --signing-key (or VAKT_SIGNING_KEY),
/// `store.signing_key` in vakt.toml, `<store folder>.key` beside a local
/// store, `~/.config/vakt/keys/<store id>.key` for a store on object
/// storage; stores made by older versions kept it inside, in
/// keys/signing.key (verify warns: move it out).
///
/// Keep the printed fingerprint apart from the store (the review prints
/// it too): a store re-signed with another key shows another fingerprint.
#[derive(Debug, Args)]
pub struct KeyArgs {
    #[command(subcommand)]
    action: KeyAction,
}

#[derive(Debug, Subcommand)]
enum KeyAction {
    /// Print where the key is, whether it can sign, and every key the
    /// store has had (exit 0 when the key file holds the key in force, 1
    /// when not, 2 when the store cannot be read).
    ///
    /// --format json: {store_id, key_file, key_file_kind (configured,
    /// default, in-store), problem (null when the key can sign), current
    /// {fingerprint, verifier_key}, keys [{fingerprint, verifier_key,
    /// from_txn, since}]}.
    Show {
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
    /// Write a new random key to FILE (mode 0600; an existing file is
    /// never replaced) and print its fingerprint, for `vakt key rotate
    /// --new-key FILE`.
    New {
        /// Where to write it.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Replace the signing key. The rotation is recorded in the store
    /// (`key-rotations`, signed by the old key and the new one, and an
    /// audit record, command `key`); every old checkpoint stays verifiable
    /// with the key that signed it. The new key takes the key file's
    /// place; the old one is kept beside it as `<file>.retired-<id>` for
    /// you to destroy or lock away. Stop `vakt run` first (it holds the
    /// store), and give each witness's operator the new verifier key.
    ///
    /// --format json: {txn (the first commit the new key signs), old
    /// {fingerprint, verifier_key}, new {fingerprint, verifier_key},
    /// key_file, retired_file}.
    Rotate {
        /// A key file made with `vakt key new` [default: a fresh key]
        #[arg(long, value_name = "FILE")]
        new_key: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: OutputFormat,
    },
}

#[derive(Serialize)]
struct KeyJson {
    fingerprint: String,
    verifier_key: String,
}

#[derive(Serialize)]
struct ChainKeyJson {
    fingerprint: String,
    verifier_key: String,
    from_txn: u64,
    since: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
struct ShowJson {
    store_id: String,
    key_file: PathBuf,
    key_file_kind: &'static str,
    problem: Option<String>,
    current: KeyJson,
    keys: Vec<ChainKeyJson>,
}

#[derive(Serialize)]
struct RotateJson {
    txn: u64,
    old: KeyJson,
    new: KeyJson,
    key_file: PathBuf,
    retired_file: PathBuf,
}

pub fn run(global: &GlobalArgs, args: KeyArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let store_dir = global.store_dir(&config);
    match args.action {
        KeyAction::Show { format } => show(&store_dir, format),
        KeyAction::New { out } => {
            let key = keys::write_new_key(&out)?;
            let verifier = vakt_schemas::checkpoint::NoteSigner::new("vakt", key)?.verifier();
            println!("wrote a new signing key to {}", out.display());
            println!("key fingerprint: {}", verifier.fingerprint());
            println!("use it with: vakt key rotate --new-key {}", out.display());
            Ok(Outcome::Success)
        }
        KeyAction::Rotate { new_key, format } => {
            let writer = StoreWriter::open(&store_dir).context(
                "cannot rotate the key: the store cannot be opened for writing (stop `vakt run` \
                 first if it runs)",
            )?;
            let rotated = writer.rotate_key(new_key.as_deref())?;
            let report = RotateJson {
                txn: rotated.txn,
                old: key_json(&rotated.old),
                new: key_json(&rotated.new),
                key_file: rotated.key_file,
                retired_file: rotated.retired_file,
            };
            match format {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
                OutputFormat::Text => {
                    println!(
                        "rotated the signing key; commit {} on is signed by",
                        report.txn
                    );
                    println!("  new key: {}", report.new.fingerprint);
                    println!("  retired: {}", report.old.fingerprint);
                    println!("key file: {}", report.key_file.display());
                    println!(
                        "the retired key is kept in {}: destroy it or lock it away",
                        report.retired_file.display()
                    );
                    println!(
                        "give each witness's operator the new verifier key: {}",
                        report.new.verifier_key
                    );
                }
            }
            Ok(Outcome::Success)
        }
    }
}

fn key_json(key: &vakt_schemas::checkpoint::NoteVerifier) -> KeyJson {
    KeyJson {
        fingerprint: key.fingerprint(),
        verifier_key: key.to_vkey(),
    }
}

fn show(store_dir: &std::path::Path, format: OutputFormat) -> anyhow::Result<Outcome> {
    let store = StoreReader::open(store_dir)?;
    let status = keys::key_status(store.storage(), store.info())?;
    let kind = match status.place {
        KeyPlace::Configured(_) => "configured",
        KeyPlace::Default(_) => "default",
        KeyPlace::InStore(_) => "in-store",
    };
    let report = ShowJson {
        store_id: store.info().store_id.clone(),
        key_file: status.place.path().to_path_buf(),
        key_file_kind: kind,
        problem: status.problem.clone(),
        current: key_json(status.ring.current()),
        keys: status
            .ring
            .keys()
            .iter()
            .map(|key| ChainKeyJson {
                fingerprint: key.verifier.fingerprint(),
                verifier_key: key.verifier.to_vkey(),
                from_txn: key.from_txn,
                since: key.since,
            })
            .collect(),
    };
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        OutputFormat::Text => {
            println!("store {}", report.store_id);
            println!("key file ({kind}): {}", report.key_file.display());
            match &report.problem {
                None => println!("  holds the key in force: it can sign"),
                Some(problem) => println!("  {problem}"),
            }
            println!("key in force: {}", report.current.fingerprint);
            println!("  verifier key: {}", report.current.verifier_key);
            if report.keys.len() > 1 {
                println!("keys, oldest first:");
                for key in &report.keys {
                    let since = key.since.map_or_else(
                        || "the store's first key".to_string(),
                        |time| format!("since {}", time.to_rfc3339()),
                    );
                    println!(
                        "  {} signs from commit {} ({since})",
                        key.fingerprint, key.from_txn
                    );
                }
            }
        }
    }
    if report.problem.is_some() && kind != "in-store" {
        return Ok(Outcome::Problems);
    }
    Ok(Outcome::Success)
}
