//! Witness cosignatures: C2SP tlog-cosignature, Ed25519 `cosignature/v1`
//! (c2sp.org/tlog-cosignature).
//!
//! A cosignature is one more signature line on a signed checkpoint, by a
//! witness that checked the checkpoint is consistent with every earlier one
//! it saw of that log:
//!
//! ```text
//! — <witness name> <base64(key id (4) || timestamp (8, big-endian) || Ed25519 signature (64))>
//! ```
//!
//! The key id is the first four bytes of
//! SHA-256(name || "\n" || 0x04 || 32-byte public key), and the verifier key
//! is `<name>+<key id hex>+<base64(0x04 || public key)>`. The signature covers
//! `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint's whole note
//! text (origin, size, root and extension lines, without signature lines).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::checkpoint::{
    Checkpoint, CheckpointError, KEY_ID_LEN, SIGNATURE_LEN, SIGNATURE_LINE_PREFIX, VkeyParts,
    parse_signature_line, split_signed_note, split_vkey, validate_key_name, validate_note_text,
};

/// The signed-note signature type byte of Ed25519 `cosignature/v1`.
pub const COSIGNATURE_V1_ALGORITHM: u8 = 0x04;

/// The largest timestamp a cosignature may carry: 2^63 - 1.
pub const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// The length of the timestamp in a signature blob.
const TIMESTAMP_LEN: usize = 8;

/// The length of a signature blob: key id, timestamp, Ed25519 signature.
const BLOB_LEN: usize = KEY_ID_LEN + TIMESTAMP_LEN + SIGNATURE_LEN;

/// What is wrong with a cosigner key, a cosignature or the note it is on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CosignatureError {
    /// The note, a key name or the checkpoint text is malformed.
    #[error(transparent)]
    Note(#[from] CheckpointError),
    /// A verifier key not of the form `<name>+<key id>+<key>`.
    #[error(
        "cosigner verifier key {vkey:?} is malformed: expected <name>+<8 hex digit key \
         id>+<base64 of 0x04 and a 32-byte ed25519 public key>"
    )]
    MalformedVerifierKey {
        /// The rejected verifier key.
        vkey: String,
    },
    /// A verifier key of another signature type, such as a log's 0x01 key.
    #[error(
        "verifier key {vkey:?} has algorithm {algorithm:#04x}, not a cosignature/v1 key \
         (0x04); a 0x01 key is a log's signed-note key: use the witness's cosigner key instead"
    )]
    NotCosignatureKey {
        /// The rejected verifier key.
        vkey: String,
        /// The algorithm byte found.
        algorithm: u8,
    },
    /// A verifier key whose public key is not a valid Ed25519 point.
    #[error("cosigner verifier key for {name:?} does not hold a valid ed25519 public key")]
    InvalidPublicKey {
        /// The key name.
        name: String,
    },
    /// A verifier key whose stated key id is not the id of its name and key.
    #[error(
        "cosigner verifier key for {name:?} states key id {stated} but its name and public key \
         give {computed}; check that the key was copied whole"
    )]
    KeyIdMismatch {
        /// The key name.
        name: String,
        /// The key id written in the verifier key, hex.
        stated: String,
        /// The key id computed from the name and public key, hex.
        computed: String,
    },
    /// A signature blob that is not base64 of key id, timestamp and signature.
    #[error(
        "cosignature is malformed: {reason}; expected base64 of a 4-byte key id, an 8-byte \
         timestamp and a 64-byte ed25519 signature"
    )]
    MalformedCosignature {
        /// What is wrong.
        reason: String,
    },
    /// A timestamp above 2^63 - 1.
    #[error("cosignature timestamp {timestamp} is larger than 2^63 - 1")]
    TimestampTooLarge {
        /// The rejected timestamp.
        timestamp: u64,
    },
    /// A note with no cosignature line by the expected cosigner.
    #[error(
        "note has no cosignature by {name}+{key_id}; submit the checkpoint to that witness first"
    )]
    NoCosignatureByKey {
        /// The cosigner name.
        name: String,
        /// The cosigner key id, hex.
        key_id: String,
    },
    /// A line by the expected cosigner that does not verify.
    #[error("cosignature by {name}+{key_id} does not verify over the checkpoint")]
    InvalidCosignature {
        /// The cosigner name.
        name: String,
        /// The cosigner key id, hex.
        key_id: String,
    },
}

/// The decoded signature of a cosignature line: the spec's
/// `timestamped_signature`, preceded by the key id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimestampedSignature {
    /// The cosigner key id.
    pub key_id: [u8; 4],
    /// When the cosignature was made, POSIX seconds.
    pub timestamp: u64,
    /// The Ed25519 signature over the `cosignature/v1` message.
    pub signature: [u8; 64],
}

impl TimestampedSignature {
    /// Parses the base64 part of a cosignature line: exactly 76 bytes, with a
    /// timestamp of at most 2^63 - 1.
    pub fn parse_base64(encoded: &str) -> Result<Self, CosignatureError> {
        let Ok(bytes) = BASE64.decode(encoded) else {
            return Err(CosignatureError::MalformedCosignature {
                reason: "it is not standard base64".to_string(),
            });
        };
        Self::from_bytes(&bytes)
    }

    /// Parses the decoded bytes of a cosignature line's signature.
    fn from_bytes(bytes: &[u8]) -> Result<Self, CosignatureError> {
        let Ok(blob) = <&[u8; BLOB_LEN]>::try_from(bytes) else {
            return Err(CosignatureError::MalformedCosignature {
                reason: format!("it holds {} bytes, not {BLOB_LEN}", bytes.len()),
            });
        };
        let (key_id, rest) = blob.split_at(KEY_ID_LEN);
        let (timestamp, signature) = rest.split_at(TIMESTAMP_LEN);
        let mut parsed = Self {
            key_id: [0; KEY_ID_LEN],
            timestamp: 0,
            signature: [0; SIGNATURE_LEN],
        };
        parsed.key_id.copy_from_slice(key_id);
        let mut timestamp_bytes = [0; TIMESTAMP_LEN];
        timestamp_bytes.copy_from_slice(timestamp);
        parsed.timestamp = u64::from_be_bytes(timestamp_bytes);
        parsed.signature.copy_from_slice(signature);
        check_timestamp(parsed.timestamp)?;
        Ok(parsed)
    }

    /// The base64 part of a cosignature line.
    pub fn to_base64(&self) -> String {
        let mut bytes = Vec::with_capacity(BLOB_LEN);
        bytes.extend_from_slice(&self.key_id);
        bytes.extend_from_slice(&self.timestamp.to_be_bytes());
        bytes.extend_from_slice(&self.signature);
        BASE64.encode(bytes)
    }
}

/// A cosignature that verified: when it was made and its line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosignature {
    /// When the cosigner signed, POSIX seconds.
    pub timestamp: u64,
    /// The signature line, ending in a newline.
    pub line: String,
}

/// Rejects timestamps above 2^63 - 1.
fn check_timestamp(timestamp: u64) -> Result<(), CosignatureError> {
    if timestamp > MAX_TIMESTAMP {
        return Err(CosignatureError::TimestampTooLarge { timestamp });
    }
    Ok(())
}

/// The message a `cosignature/v1` signature covers.
fn signed_message(checkpoint_text: &str, timestamp: u64) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{checkpoint_text}").into_bytes()
}

/// The key id of a cosigner: the first four bytes of
/// SHA-256(name || "\n" || 0x04 || public key).
fn compute_key_id(name: &str, key: &VerifyingKey) -> [u8; KEY_ID_LEN] {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update(b"\n")
        .chain_update([COSIGNATURE_V1_ALGORITHM])
        .chain_update(key.as_bytes())
        .finalize();
    let mut key_id = [0u8; KEY_ID_LEN];
    key_id.copy_from_slice(&digest[..KEY_ID_LEN]);
    key_id
}

/// A witness's cosigning key: its name and Ed25519 signing key.
#[derive(Clone, Debug)]
pub struct CosignatureSigner {
    /// The cosigner name written on every cosignature line.
    name: String,
    /// The Ed25519 secret key.
    key: SigningKey,
    /// The key id of `name` and the public key.
    key_id: [u8; KEY_ID_LEN],
}

impl CosignatureSigner {
    /// A cosigner with this name, which must be a valid note key name
    /// (non-empty, no spaces or control characters, no `+`).
    pub fn new(name: &str, key: SigningKey) -> Result<Self, CosignatureError> {
        validate_key_name(name)?;
        let key_id = compute_key_id(name, &key.verifying_key());
        Ok(Self {
            name: name.to_string(),
            key,
            key_id,
        })
    }

    /// The verifier of this cosigner's cosignatures.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier {
            name: self.name.clone(),
            key: self.key.verifying_key(),
            key_id: self.key_id,
        }
    }

    /// The cosigner name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Cosigns a checkpoint's note text (as [`Checkpoint::body`] writes it,
    /// without signature lines) at `timestamp` (POSIX seconds): one
    /// signature line ending in a newline, to append to the signed note.
    pub fn cosign(
        &self,
        checkpoint_body: &str,
        timestamp: u64,
    ) -> Result<String, CosignatureError> {
        check_timestamp(timestamp)?;
        Checkpoint::parse_body(checkpoint_body)?;
        let signature = self.key.sign(&signed_message(checkpoint_body, timestamp));
        let blob = TimestampedSignature {
            key_id: self.key_id,
            timestamp,
            signature: signature.to_bytes(),
        };
        Ok(format!(
            "{SIGNATURE_LINE_PREFIX}{} {}\n",
            self.name,
            blob.to_base64()
        ))
    }
}

/// A witness's cosigner public key, to check its cosignatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CosignatureVerifier {
    /// The cosigner name.
    name: String,
    /// The Ed25519 public key.
    key: VerifyingKey,
    /// The key id of `name` and `key`.
    key_id: [u8; KEY_ID_LEN],
}

impl CosignatureVerifier {
    /// A verifier for this cosigner name and public key.
    pub fn from_key(name: &str, key: VerifyingKey) -> Result<Self, CosignatureError> {
        validate_key_name(name)?;
        let key_id = compute_key_id(name, &key);
        Ok(Self {
            name: name.to_string(),
            key,
            key_id,
        })
    }

    /// Parses a cosigner verifier key `<name>+<8 hex digit key
    /// id>+<base64(0x04 || 32-byte public key)>`, checking the key id.
    pub fn parse(vkey: &str) -> Result<Self, CosignatureError> {
        let malformed = || CosignatureError::MalformedVerifierKey {
            vkey: vkey.to_string(),
        };
        let VkeyParts {
            name,
            stated_key_id,
            key_bytes,
        } = split_vkey(vkey)?.ok_or_else(malformed)?;
        let Some((&algorithm, public_key)) = key_bytes.split_first() else {
            return Err(malformed());
        };
        if algorithm != COSIGNATURE_V1_ALGORITHM {
            return Err(CosignatureError::NotCosignatureKey {
                vkey: vkey.to_string(),
                algorithm,
            });
        }
        let Ok(public_key) = <[u8; 32]>::try_from(public_key) else {
            return Err(malformed());
        };
        let Ok(key) = VerifyingKey::from_bytes(&public_key) else {
            return Err(CosignatureError::InvalidPublicKey {
                name: name.to_string(),
            });
        };
        let verifier = Self::from_key(name, key)?;
        if verifier.key_id != stated_key_id {
            return Err(CosignatureError::KeyIdMismatch {
                name: name.to_string(),
                stated: hex::encode(stated_key_id),
                computed: hex::encode(verifier.key_id),
            });
        }
        Ok(verifier)
    }

    /// The verifier key string, as accepted by [`CosignatureVerifier::parse`].
    pub fn to_vkey(&self) -> String {
        let mut key_bytes = Vec::with_capacity(1 + self.key.as_bytes().len());
        key_bytes.push(COSIGNATURE_V1_ALGORITHM);
        key_bytes.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id),
            BASE64.encode(key_bytes)
        )
    }

    /// The cosigner name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id: the first four bytes of
    /// SHA-256(name || "\n" || 0x04 || public key).
    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// The Ed25519 public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// A fingerprint of the public key alone, for people comparing keys:
    /// `SHA256:` followed by the lowercase hex of SHA-256(0x04 || 32-byte
    /// public key).
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::new()
            .chain_update([COSIGNATURE_V1_ALGORITHM])
            .chain_update(self.key.as_bytes())
            .finalize();
        format!("SHA256:{}", hex::encode(digest))
    }

    /// Finds this cosigner's lines (same name and key id) on a signed
    /// checkpoint note and verifies them over the note's text. Lines by
    /// other keys, the log's among them, are checked for syntax only. A line
    /// by this cosigner that fails rejects the note; of several that verify,
    /// the newest is returned.
    pub fn verify(&self, signed_note: &str) -> Result<Cosignature, CosignatureError> {
        let (text, signatures) = split_signed_note(signed_note)?;
        let mut newest: Option<Cosignature> = None;
        for signature_line in &signatures {
            if signature_line.name != self.name || signature_line.key_id != self.key_id {
                continue;
            }
            let mut blob = Vec::with_capacity(BLOB_LEN);
            blob.extend_from_slice(&signature_line.key_id);
            blob.extend_from_slice(&signature_line.signature);
            let cosignature = self.verify_blob(text, &blob)?;
            if newest
                .as_ref()
                .is_none_or(|found| found.timestamp < cosignature.timestamp)
            {
                newest = Some(cosignature);
            }
        }
        newest.ok_or_else(|| CosignatureError::NoCosignatureByKey {
            name: self.name.clone(),
            key_id: hex::encode(self.key_id),
        })
    }

    /// Verifies one cosignature line (with or without its final newline)
    /// over a checkpoint's note text (without signature lines).
    pub fn verify_line(
        &self,
        checkpoint_body: &str,
        line: &str,
    ) -> Result<Cosignature, CosignatureError> {
        validate_note_text(checkpoint_body)?;
        let line = line.strip_suffix('\n').unwrap_or(line);
        let signature_line = parse_signature_line(line).map_err(|reason| {
            CosignatureError::Note(CheckpointError::MalformedSignatureLine {
                line: 1,
                reason: reason.to_string(),
            })
        })?;
        if signature_line.name != self.name || signature_line.key_id != self.key_id {
            return Err(CosignatureError::NoCosignatureByKey {
                name: self.name.clone(),
                key_id: hex::encode(self.key_id),
            });
        }
        let mut blob = Vec::with_capacity(BLOB_LEN);
        blob.extend_from_slice(&signature_line.key_id);
        blob.extend_from_slice(&signature_line.signature);
        self.verify_blob(checkpoint_body, &blob)
    }

    /// Verifies the decoded signature of one of this cosigner's lines.
    fn verify_blob(&self, text: &str, blob: &[u8]) -> Result<Cosignature, CosignatureError> {
        let invalid = || CosignatureError::InvalidCosignature {
            name: self.name.clone(),
            key_id: hex::encode(self.key_id),
        };
        let parsed = TimestampedSignature::from_bytes(blob).map_err(|error| match error {
            CosignatureError::TimestampTooLarge { .. } => error,
            _ => invalid(),
        })?;
        let signature = Signature::from_bytes(&parsed.signature);
        self.key
            .verify_strict(&signed_message(text, parsed.timestamp), &signature)
            .map_err(|_| invalid())?;
        Ok(Cosignature {
            timestamp: parsed.timestamp,
            line: format!(
                "{SIGNATURE_LINE_PREFIX}{} {}\n",
                self.name,
                parsed.to_base64()
            ),
        })
    }
}

/// Checks a cosigner name: a note key name (non-empty, no spaces or control
/// characters, no `+`).
pub fn validate_cosigner_name(name: &str) -> Result<(), CheckpointError> {
    validate_key_name(name)
}

/// The text of a signed note: everything up to and including the newline
/// before the blank line. Checks the note's syntax, not its signatures.
pub fn note_text(note: &str) -> Result<&str, CosignatureError> {
    let (text, _) = split_signed_note(note)?;
    Ok(text)
}

/// The signature lines of a signed note, each with its final newline, in
/// order: the lines after the last blank line that start with an em dash and
/// a space. Checks nothing; empty when the note has no blank line.
pub fn signature_lines(note: &str) -> Vec<String> {
    let Some(separator) = note.rfind("\n\n") else {
        return Vec::new();
    };
    note[separator + 2..]
        .split_inclusive('\n')
        .filter(|line| line.starts_with(SIGNATURE_LINE_PREFIX))
        .map(str::to_string)
        .collect()
}

/// Appends signature lines (each `— <name> <base64>` and a newline, such as
/// a witness's response) to a signed note, skipping lines the note already
/// has. The note and the lines are checked for syntax, not verified.
pub fn add_signature_lines(note: &str, lines: &str) -> Result<String, CosignatureError> {
    split_signed_note(note)?;
    if !lines.is_empty() && !lines.ends_with('\n') {
        return Err(CheckpointError::MissingFinalNewline.into());
    }
    let mut merged = note.to_string();
    let mut present = signature_lines(note);
    for (position, line) in lines.split_inclusive('\n').enumerate() {
        let without_newline = line.strip_suffix('\n').unwrap_or(line);
        parse_signature_line(without_newline).map_err(|reason| {
            CheckpointError::MalformedSignatureLine {
                line: position + 1,
                reason: reason.to_string(),
            }
        })?;
        if present.iter().any(|existing| existing == line) {
            continue;
        }
        merged.push_str(line);
        present.push(line.to_string());
    }
    // Checks the added lines' syntax and count with the note's own rules.
    split_signed_note(&merged)?;
    Ok(merged)
}

#[cfg(test)]
mod tests;
