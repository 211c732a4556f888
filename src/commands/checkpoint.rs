//! `vakt checkpoint`

use anyhow::Context;
use clap::Args;
use vakt_schemas::Stream;
use vakt_store::StoreReader;

use crate::Outcome;
use crate::settings::GlobalArgs;

/// Print the latest signed checkpoint of each stream (or of one).
///
/// The output is in the C2SP signed-note checkpoint format, notes separated
/// by a blank line. Keep it somewhere outside the store (a second machine, a
/// printed review, a witness); `vakt verify --against FILE` later proves the
/// store still holds everything those checkpoints signed. The fingerprint
/// of the key in force is printed on standard error.
#[derive(Debug, Args)]
pub struct CheckpointArgs {
    /// Only this stream (sessions, firewall, access, registry, audit, quarantine).
    #[arg(long)]
    stream: Option<Stream>,
    /// Print the store's verifier key and its fingerprint instead.
    #[arg(long)]
    key: bool,
}

pub fn run(global: &GlobalArgs, args: CheckpointArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let store = StoreReader::open(&global.store_dir(&config))?;
    if args.key {
        let verifier = store.verifier()?;
        println!("{}", verifier.to_vkey());
        println!("{}", verifier.fingerprint());
        return Ok(Outcome::Success);
    }
    let streams: Vec<Stream> = match args.stream {
        Some(stream) => vec![stream],
        None => Stream::ALL.to_vec(),
    };
    let mut notes = Vec::new();
    for stream in streams {
        let note = store
            .latest_checkpoint(stream)?
            .with_context(|| format!("the {stream} stream has no checkpoint; run `vakt verify`"))?;
        notes.push(note);
    }
    print!("{}", notes.join("\n"));
    let keys = store.keys()?;
    eprintln!(
        "signed by key {}; keep this fingerprint apart from the store",
        keys.current().fingerprint()
    );
    Ok(Outcome::Success)
}
