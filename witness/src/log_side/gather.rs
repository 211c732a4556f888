//! What the witnesses hold of a store, for `vakt verify`: the latest
//! checkpoint a cosigning witness cosigned for each stream, and every
//! checkpoint a directory witness copied.

use chrono::{DateTime, Utc};
use vakt_schemas::Stream;
use vakt_schemas::checkpoint::split_notes;
use vakt_store::{StoreReader, WitnessedCheckpoint};

use crate::client::fetch_latest;
use crate::consistency::checkpoint_of_note;
use crate::directory::HISTORY_FILE;
use crate::log_side::witnesses::Witness;

/// What could be gathered from the witnesses, and from which not.
#[derive(Debug, Default)]
pub struct Gathered {
    /// The checkpoints they hold.
    pub checkpoints: Vec<WitnessedCheckpoint>,
    /// Witnesses that could not be asked or whose answer is not to be
    /// believed, with why.
    pub unreachable: Vec<(String, String)>,
    /// Witnesses that hold nothing of a stream that has records, with the
    /// stream: never submitted to, or the store's identity was changed.
    pub missing: Vec<(String, Stream)>,
}

/// Asks every witness what it holds of the store.
pub fn gather(store: &StoreReader, witnesses: &[Witness]) -> Gathered {
    let info = store.info();
    let has_records = |stream: Stream| {
        store
            .head()
            .stream(stream)
            .is_some_and(|head| head.tree_size > 0)
    };
    let mut gathered = Gathered::default();
    for witness in witnesses {
        match witness {
            Witness::Cosigning {
                name,
                url,
                verifier,
                timeout,
            } => {
                for stream in Stream::ALL {
                    let origin = info.origin(stream);
                    match fetch_latest(url, &origin, *timeout) {
                        Ok(Some(note)) => {
                            let cosigned_at = match verifier {
                                Some(verifier) => match verifier.verify(&note) {
                                    Ok(cosignature) => time_of(cosignature.timestamp),
                                    Err(error) => {
                                        gathered.unreachable.push((
                                            name.clone(),
                                            format!(
                                                "its checkpoint of {origin} carries no valid \
                                                 cosignature by its key: {error}"
                                            ),
                                        ));
                                        None
                                    }
                                },
                                None => None,
                            };
                            gathered.checkpoints.push(WitnessedCheckpoint {
                                witness: name.clone(),
                                note,
                                cosigned_at,
                            });
                        }
                        Ok(None) => {
                            if has_records(stream) {
                                gathered.missing.push((name.clone(), stream));
                            }
                        }
                        Err(error) => {
                            gathered.unreachable.push((name.clone(), error.to_string()));
                            break;
                        }
                    }
                }
            }
            Witness::Directory { name, folder } => {
                let history = folder.join(HISTORY_FILE);
                if !folder.is_dir() {
                    gathered.unreachable.push((
                        name.clone(),
                        format!("{} does not exist: is its disk mounted?", folder.display()),
                    ));
                    continue;
                }
                let text = match std::fs::read_to_string(&history) {
                    Ok(text) => text,
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
                    Err(error) => {
                        gathered
                            .unreachable
                            .push((name.clone(), format!("{}: {error}", history.display())));
                        continue;
                    }
                };
                let origins: Vec<String> = Stream::ALL
                    .iter()
                    .map(|stream| info.origin(*stream))
                    .collect();
                for note in split_notes(&text) {
                    let Ok(checkpoint) = checkpoint_of_note(&note) else {
                        continue;
                    };
                    if origins.contains(&checkpoint.origin) {
                        gathered.checkpoints.push(WitnessedCheckpoint {
                            witness: name.clone(),
                            note,
                            cosigned_at: None,
                        });
                    }
                }
            }
        }
    }
    gathered
}

fn time_of(timestamp: u64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(i64::try_from(timestamp).ok()?, 0)
}
