//! The keys that have signed a store, oldest first: the key `store.json`
//! names, then one key for each rotation.
//!
//! A rotation is a signed note (c2sp.org/signed-note) in the store's
//! `key-rotations` log, signed by the key it retires and by the key it
//! brings in (so nobody can name a key they do not hold):
//!
//! ```text
//! vakt/<store_id>/key-rotation
//! txn <the first commit signed with the new key>
//! old <verifier key of the retired key>
//! new <verifier key of the new key>
//! time <RFC 3339, when the rotation was made>
//!
//! — vakt-<store_id> <signature by the old key>
//! — vakt-<store_id> <signature by the new key>
//! ```
//!
//! Every commit `txn` is signed (its `HEAD` and its checkpoints) by the key
//! in force at `txn`: the newest key whose rotation's `txn` is at most it.
//! So every old checkpoint stays verifiable with the key that signed it, and
//! a retired key cannot sign anything after its successor took over.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::checkpoint::{Checkpoint, CheckpointError, NoteSigner, NoteVerifier, split_notes};

/// What is wrong with a key rotation or with the chain of keys.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyRingError {
    /// The rotation note's text is not in the rotation format.
    #[error("key rotation {index} is malformed: {reason}")]
    Malformed {
        /// The one-based position of the rotation in the log.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// A rotation that does not start from the key then in force.
    #[error(
        "key rotation {index} retires key {named}, but the key in force then is {current}: the \
         rotation log was edited or belongs to another store"
    )]
    NotFromCurrentKey {
        /// The one-based position of the rotation.
        index: usize,
        /// The fingerprint of the key the rotation names as retired.
        named: String,
        /// The fingerprint of the key actually in force.
        current: String,
    },
    /// A rotation not signed by both the retired and the new key.
    #[error("key rotation {index} is not signed by the {which} key: {source}")]
    Signature {
        /// The one-based position of the rotation.
        index: usize,
        /// "retired" or "new".
        which: &'static str,
        /// The signature error.
        source: CheckpointError,
    },
    /// A rotation that takes effect no later than the one before it.
    #[error(
        "key rotation {index} takes effect at commit {txn}, not after the previous rotation's \
         commit {previous}"
    )]
    OutOfOrder {
        /// The one-based position of the rotation.
        index: usize,
        /// The commit it names.
        txn: u64,
        /// The commit the previous rotation named.
        previous: u64,
    },
    /// A rotation whose new key has another name than the store's key.
    #[error(
        "key rotation {index} brings a key named {found:?}; the store's keys are named {expected:?}"
    )]
    KeyName {
        /// The one-based position of the rotation.
        index: usize,
        /// The name found.
        found: String,
        /// The store's key name.
        expected: String,
    },
    /// A note that no key of the chain signed.
    #[error("no key of this store signed it (keys tried: {fingerprints}): {source}")]
    NoKey {
        /// The fingerprints of the keys tried.
        fingerprints: String,
        /// The error of the key in force now.
        source: CheckpointError,
    },
}

/// One rotation: from commit `txn` on, `new` signs instead of `old`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRotation {
    /// The first line: `<origin prefix>/key-rotation`.
    pub origin: String,
    /// The first commit signed with the new key.
    pub txn: u64,
    /// The verifier key retired.
    pub old: String,
    /// The verifier key brought in.
    pub new: String,
    /// When the rotation was made.
    pub time: DateTime<Utc>,
}

impl KeyRotation {
    /// The origin line of rotations of the store with this origin prefix.
    pub fn origin_for(origin_prefix: &str) -> String {
        format!("{origin_prefix}/key-rotation")
    }

    /// The note text the two keys sign.
    pub fn text(&self) -> String {
        format!(
            "{}\ntxn {}\nold {}\nnew {}\ntime {}\n",
            self.origin,
            self.txn,
            self.old,
            self.new,
            self.time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
        )
    }

    /// The rotation signed by the retired key and then by the new one.
    pub fn sign(&self, old: &NoteSigner, new: &NoteSigner) -> Result<String, CheckpointError> {
        let once = old.sign_text(&self.text())?;
        add_signature(&once, new)
    }

    /// Parses a rotation's note text (without signatures).
    pub fn parse_text(text: &str) -> Result<KeyRotation, String> {
        let lines: Vec<&str> = text.lines().collect();
        let [origin, txn, old, new, time] = lines.as_slice() else {
            return Err(format!(
                "expected 5 lines (origin, txn, old, new, time), found {}",
                lines.len()
            ));
        };
        let field = |line: &str, name: &str| -> Result<String, String> {
            line.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(' '))
                .map(str::to_string)
                .ok_or_else(|| format!("expected a `{name} …` line, found {line:?}"))
        };
        let txn = field(txn, "txn")?
            .parse::<u64>()
            .map_err(|error| format!("txn: {error}"))?;
        let time = DateTime::parse_from_rfc3339(&field(time, "time")?)
            .map_err(|error| format!("time: {error}"))?
            .with_timezone(&Utc);
        Ok(KeyRotation {
            origin: (*origin).to_string(),
            txn,
            old: field(old, "old")?,
            new: field(new, "new")?,
            time,
        })
    }
}

/// Adds `signer`'s signature line to an already signed note: a signature
/// over the same text, so the note then carries both.
fn add_signature(note: &str, signer: &NoteSigner) -> Result<String, CheckpointError> {
    let Some(separator) = note.rfind("\n\n") else {
        return Err(CheckpointError::MissingSignatureSeparator);
    };
    let text = &note[..=separator];
    // `sign_text` gives the text, a blank line and the one new line.
    let signed = signer.sign_text(text)?;
    let line = &signed[text.len() + 1..];
    Ok(format!("{note}{line}"))
}

/// One key of the chain and the first commit it signs.
#[derive(Clone, Debug)]
pub struct ChainKey {
    /// The key's verifier.
    pub verifier: NoteVerifier,
    /// The first commit it signs (0 for the store's first key).
    pub from_txn: u64,
    /// When it took over (`None` for the first key).
    pub since: Option<DateTime<Utc>>,
}

/// The keys of one store, oldest first, as the rotation log sets them.
#[derive(Clone, Debug)]
pub struct KeyRing {
    keys: Vec<ChainKey>,
    origin_prefix: String,
}

impl KeyRing {
    /// A chain of the store's first key alone.
    pub fn new(first: NoteVerifier, origin_prefix: &str) -> Self {
        KeyRing {
            keys: vec![ChainKey {
                verifier: first,
                from_txn: 0,
                since: None,
            }],
            origin_prefix: origin_prefix.to_string(),
        }
    }

    /// The chain after the rotations in a `key-rotations` log text.
    pub fn from_log(
        first: NoteVerifier,
        origin_prefix: &str,
        log: &str,
    ) -> Result<Self, KeyRingError> {
        let mut ring = KeyRing::new(first, origin_prefix);
        for note in split_notes(log) {
            ring.apply(&note)?;
        }
        Ok(ring)
    }

    /// Like [`KeyRing::from_log`], but a last rotation that is cut short
    /// (a write interrupted by a crash: the log does not end with its
    /// signature lines and blank line) is left out; returns the ring and
    /// the length of the log's whole rotations, where the next one goes.
    /// Leaving it out is safe: a rotation that did not happen names no key,
    /// and a commit signed by a key the ring lacks does not verify.
    pub fn from_log_lenient(
        first: NoteVerifier,
        origin_prefix: &str,
        log: &str,
    ) -> Result<(Self, usize), KeyRingError> {
        let mut ring = KeyRing::new(first, origin_prefix);
        let notes = split_notes(log);
        let mut whole = 0;
        for (position, note) in notes.iter().enumerate() {
            let is_last = position + 1 == notes.len();
            match ring.apply(note) {
                Ok(()) => whole += note.len() + 1,
                Err(_) if is_last && !log.ends_with("\n\n") => break,
                Err(error) => return Err(error),
            }
        }
        Ok((ring, whole.min(log.len())))
    }

    /// Adds one rotation, after checking it is signed by the key in force
    /// and by the key it names, and takes effect after the last rotation.
    pub fn apply(&mut self, note: &str) -> Result<(), KeyRingError> {
        let index = self.keys.len();
        let current = self.current().clone();
        let text = current
            .verify_text(note)
            .map_err(|source| KeyRingError::Signature {
                index,
                which: "retired",
                source,
            })?;
        let rotation = KeyRotation::parse_text(text)
            .map_err(|reason| KeyRingError::Malformed { index, reason })?;
        if rotation.origin != KeyRotation::origin_for(&self.origin_prefix) {
            return Err(KeyRingError::Malformed {
                index,
                reason: format!(
                    "origin {:?}, not this store's {:?}",
                    rotation.origin,
                    KeyRotation::origin_for(&self.origin_prefix)
                ),
            });
        }
        if rotation.old != current.to_vkey() {
            return Err(KeyRingError::NotFromCurrentKey {
                index,
                named: fingerprint_of(&rotation.old),
                current: current.fingerprint(),
            });
        }
        let new = NoteVerifier::parse(&rotation.new).map_err(|error| KeyRingError::Malformed {
            index,
            reason: format!("new key: {error}"),
        })?;
        if new.name() != current.name() {
            return Err(KeyRingError::KeyName {
                index,
                found: new.name().to_string(),
                expected: current.name().to_string(),
            });
        }
        new.verify_text(note)
            .map_err(|source| KeyRingError::Signature {
                index,
                which: "new",
                source,
            })?;
        let previous = self.keys.last().map_or(0, |key| key.from_txn);
        if rotation.txn <= previous {
            return Err(KeyRingError::OutOfOrder {
                index,
                txn: rotation.txn,
                previous,
            });
        }
        self.keys.push(ChainKey {
            verifier: new,
            from_txn: rotation.txn,
            since: Some(rotation.time),
        });
        Ok(())
    }

    /// Every key, oldest first.
    pub fn keys(&self) -> &[ChainKey] {
        &self.keys
    }

    /// The key in force now: the newest.
    pub fn current(&self) -> &NoteVerifier {
        // `keys` is never empty: `new` puts the first key in.
        &self.keys[self.keys.len() - 1].verifier
    }

    /// The position in the chain of the key that signs commit `txn`.
    pub fn index_at(&self, txn: u64) -> usize {
        self.keys
            .iter()
            .rposition(|key| key.from_txn <= txn)
            .unwrap_or(0)
    }

    /// The key that signs commit `txn`.
    pub fn key_at(&self, txn: u64) -> &NoteVerifier {
        &self.keys[self.index_at(txn)].verifier
    }

    /// Verifies a signed note with whichever key of the chain signed it,
    /// and returns its text and that key's position.
    pub fn verify_text<'note>(
        &self,
        note: &'note str,
    ) -> Result<(&'note str, usize), KeyRingError> {
        for (position, key) in self.keys.iter().enumerate().rev() {
            if let Ok(text) = key.verifier.verify_text(note) {
                return Ok((text, position));
            }
        }
        let source = match self.current().verify_text(note) {
            Err(error) => error,
            Ok(_) => CheckpointError::NoSignatureLines,
        };
        Err(KeyRingError::NoKey {
            fingerprints: self.fingerprints(),
            source,
        })
    }

    /// Verifies a signed checkpoint with whichever key of the chain signed
    /// it; returns the checkpoint and that key's position. The caller still
    /// checks that the key was the one in force at the commit that wrote it.
    pub fn verify_checkpoint(&self, note: &str) -> Result<(Checkpoint, usize), KeyRingError> {
        let (text, position) = self.verify_text(note)?;
        let checkpoint = Checkpoint::parse_body(text).map_err(|source| KeyRingError::NoKey {
            fingerprints: self.fingerprints(),
            source,
        })?;
        Ok((checkpoint, position))
    }

    /// Verifies a signed checkpoint with whichever key of the chain signed
    /// it (like [`NoteVerifier::verify`] for one key).
    pub fn verify(&self, note: &str) -> Result<Checkpoint, KeyRingError> {
        self.verify_checkpoint(note)
            .map(|(checkpoint, _)| checkpoint)
    }

    /// The fingerprints of every key, oldest first, comma-separated.
    pub fn fingerprints(&self) -> String {
        self.keys
            .iter()
            .map(|key| key.verifier.fingerprint())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The fingerprint of a verifier key string, or the string itself when it
/// does not parse.
fn fingerprint_of(vkey: &str) -> String {
    NoteVerifier::parse(vkey).map_or_else(|_| vkey.to_string(), |key| key.fingerprint())
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;

    use super::*;

    const PREFIX: &str = "vakt/00112233aabbccdd";

    fn signer(seed: u8) -> NoteSigner {
        NoteSigner::new("vakt-00112233aabbccdd", SigningKey::from_bytes(&[seed; 32])).unwrap()
    }

    fn rotation(old: &NoteSigner, new: &NoteSigner, txn: u64) -> KeyRotation {
        KeyRotation {
            origin: KeyRotation::origin_for(PREFIX),
            txn,
            old: old.verifier().to_vkey(),
            new: new.verifier().to_vkey(),
            time: DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
        }
    }

    fn checkpoint(size: u64) -> Checkpoint {
        Checkpoint {
            origin: format!("{PREFIX}/sessions"),
            size,
            root: [size as u8; 32],
            extensions: Vec::new(),
        }
    }

    #[test]
    fn rotations_chain_and_old_checkpoints_still_verify() {
        let (first, second, third) = (signer(1), signer(2), signer(3));
        let mut log = rotation(&first, &second, 5).sign(&first, &second).unwrap();
        log.push('\n');
        log.push_str(&rotation(&second, &third, 9).sign(&second, &third).unwrap());
        let ring = KeyRing::from_log(first.verifier(), PREFIX, &log).unwrap();
        assert_eq!(ring.keys().len(), 3);
        assert_eq!(ring.current(), &third.verifier());
        assert_eq!(ring.index_at(0), 0);
        assert_eq!(ring.index_at(4), 0);
        assert_eq!(ring.index_at(5), 1);
        assert_eq!(ring.index_at(8), 1);
        assert_eq!(ring.index_at(9), 2);
        for (position, key) in [&first, &second, &third].into_iter().enumerate() {
            let note = key.sign(&checkpoint(position as u64));
            let (verified, index) = ring.verify_checkpoint(&note).unwrap();
            assert_eq!(verified, checkpoint(position as u64));
            assert_eq!(index, position);
        }
        let stranger = signer(4).sign(&checkpoint(1));
        assert!(matches!(
            ring.verify_checkpoint(&stranger),
            Err(KeyRingError::NoKey { .. })
        ));
    }

    #[test]
    fn a_rotation_needs_both_keys_and_the_current_one() {
        let (first, second, third) = (signer(1), signer(2), signer(3));
        let only_old = first
            .sign_text(&rotation(&first, &second, 5).text())
            .unwrap();
        assert!(matches!(
            KeyRing::from_log(first.verifier(), PREFIX, &only_old),
            Err(KeyRingError::Signature { which: "new", .. })
        ));
        let by_stranger = rotation(&second, &third, 5).sign(&second, &third).unwrap();
        assert!(matches!(
            KeyRing::from_log(first.verifier(), PREFIX, &by_stranger),
            Err(KeyRingError::Signature {
                which: "retired",
                ..
            })
        ));
        // Signed by the current key but naming another as retired.
        let mut lying = rotation(&third, &second, 5);
        lying.old = third.verifier().to_vkey();
        let lying = lying.sign(&first, &second).unwrap();
        assert!(matches!(
            KeyRing::from_log(first.verifier(), PREFIX, &lying),
            Err(KeyRingError::NotFromCurrentKey { .. })
        ));
        let mut log = rotation(&first, &second, 5).sign(&first, &second).unwrap();
        log.push('\n');
        log.push_str(&rotation(&second, &third, 5).sign(&second, &third).unwrap());
        assert!(matches!(
            KeyRing::from_log(first.verifier(), PREFIX, &log),
            Err(KeyRingError::OutOfOrder { .. })
        ));
    }

    #[test]
    fn a_rotation_cut_short_by_a_crash_is_left_out() {
        let (first, second) = (signer(1), signer(2));
        let whole = format!(
            "{}\n",
            rotation(&first, &second, 5).sign(&first, &second).unwrap()
        );
        let torn = &whole[..whole.len() - 30];
        let (ring, length) = KeyRing::from_log_lenient(first.verifier(), PREFIX, torn).unwrap();
        assert_eq!((ring.keys().len(), length), (1, 0));
        let (ring, length) = KeyRing::from_log_lenient(first.verifier(), PREFIX, &whole).unwrap();
        assert_eq!((ring.keys().len(), length), (2, whole.len()));
        // A whole rotation that does not verify is no crash: refused.
        let edited = whole.replacen("txn 5", "txn 6", 1);
        assert!(KeyRing::from_log_lenient(first.verifier(), PREFIX, &edited).is_err());
    }

    #[test]
    fn a_changed_rotation_is_refused() {
        let (first, second) = (signer(1), signer(2));
        let note = rotation(&first, &second, 5).sign(&first, &second).unwrap();
        let edited = note.replacen("txn 5", "txn 6", 1);
        assert!(KeyRing::from_log(first.verifier(), PREFIX, &edited).is_err());
        let parsed = KeyRotation::parse_text(&rotation(&first, &second, 5).text()).unwrap();
        assert_eq!(parsed, rotation(&first, &second, 5));
    }
}
