//! `vakt init`

use anyhow::Context;
use clap::Args;

use crate::Outcome;
use crate::settings::GlobalArgs;

/// Create a new store with its own Ed25519 signing key.
///
/// The key is written outside the store, mode 0600: to --signing-key
/// (or `store.signing_key` of the configuration) when given, else beside
/// a local store as `<store folder>.key`, else (object storage) to
/// ~/.config/vakt/keys/<store id>.key. Keep a copy of the key where a
/// backup of the store is not, and the printed fingerprint apart from
/// both, so that checkpoints can be checked independently (`vakt key
/// show`). A local store is its owner's alone (folders
/// 0700, files 0600) unless a group is given (--group, or store.group in
/// the configuration): then the store folder is given to that group with
/// mode 2750, and everything but the signing key is made readable by it
/// (folders 2750, files 0640), for investigators.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// A group whose members may read the store [default: store.group]
    #[arg(long, value_name = "NAME")]
    group: Option<String>,
}

pub fn run(global: &GlobalArgs, args: InitArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let dir = global.store_dir(&config);
    let group = args.group.or(config.store.group.clone());
    let created = vakt_store::init_store_for(&dir, group.as_deref()).context("vakt init failed")?;
    println!(
        "created store {} at {}",
        created.info.store_id,
        created.root.display()
    );
    println!("signing key: {} (mode 0600)", created.key_file.display());
    println!("verifier key: {}", created.info.verifier_key);
    println!("key fingerprint: {}", created.fingerprint);
    if let Some(group) = group {
        println!("readable by the members of group {group} (the signing key is not)");
    }
    Ok(Outcome::Success)
}
