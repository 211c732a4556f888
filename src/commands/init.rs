//! `vakt init`

use anyhow::Context;
use clap::Args;

use crate::Outcome;
use crate::settings::GlobalArgs;

/// Create a new store with its own Ed25519 signing key.
///
/// The key is written to <store>/keys/signing.key with mode 0600; keep a copy
/// of the printed verifier key outside the store so that checkpoints can be
/// checked independently.
#[derive(Debug, Args)]
pub struct InitArgs {}

pub fn run(global: &GlobalArgs, _args: InitArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let dir = global.store_dir(&config);
    let created = vakt_store::init_store(&dir).context("vakt init failed")?;
    println!(
        "created store {} at {}",
        created.info.store_id,
        created.root.display()
    );
    println!("verifier key: {}", created.info.verifier_key);
    println!("key fingerprint: {}", created.fingerprint);
    Ok(Outcome::Success)
}
