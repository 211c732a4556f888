//! `vakt upgrade`

use clap::Args;
use vakt_store::audit::os_user;
use vakt_store::upgrade::upgrade;

use crate::Outcome;
use crate::settings::{GlobalArgs, OutputFormat};

/// Bring a store of format 2 to format 3, in place.
///
/// Format 3 stores less for every record: a segment keeps no leaf hash
/// (readers and `vakt verify` compute it from the record), and the nonce
/// that makes equal lines hash differently is derived from a key kept in
/// the store (`nonce.key`) and the record's sequence number instead of
/// stored. The upgrade makes that key and marks the store as format 3;
/// nothing committed is rewritten, so every checkpoint, proof and evidence
/// bundle stays valid, and it takes a moment whatever the store's size.
/// Records written before keep their stored nonces and leaf hashes until
/// `vakt compact` rewrites their segments (without the leaf hashes). The
/// upgrade is recorded in the audit stream. Back the store up first
/// (`vakt backup`); the key must be in every backup from now on, and
/// `vakt backup` copies it.
///
/// It takes the store's ingest lock: stop `vakt run` first. A store
/// already of format 3 is left as it is.
///
/// --format json prints one object: from_format, to_format,
/// nonce_key_created (false when an interrupted upgrade made it, or the
/// store was already of format 3), audit_seq (the audit record, null when
/// nothing was done). Exit 0 when the store is of format 3 afterwards, 2
/// when it could not be upgraded.
#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// text for a person, json for scripts.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
}

pub fn run(global: &GlobalArgs, args: UpgradeArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let upgraded = upgrade(&global.store_dir(&config), &os_user())?;
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&upgraded)?),
        OutputFormat::Text => match upgraded.audit_seq {
            Some(seq) => println!(
                "upgraded the store from format {} to {}; recorded as audit record {seq}. \
                 `vakt compact` rewrites the older segments without their leaf hashes.",
                upgraded.from_format, upgraded.to_format
            ),
            None => println!(
                "the store is already of format {}; nothing to do",
                upgraded.to_format
            ),
        },
    }
    Ok(Outcome::Success)
}
