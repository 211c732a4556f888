//! Signed checkpoints: the C2SP tlog-checkpoint text (origin, tree size, root
//! hash, optional extension lines) in a C2SP signed note with Ed25519
//! signatures, the same format as the Go checksum database and the
//! transparency-dev logs (c2sp.org/tlog-checkpoint, c2sp.org/signed-note).
//!
//! A signed note is its text, a blank line, then signature lines, each
//! `— <key name> <base64(key id || signature)>` followed by a newline. The
//! signature covers the text including its final newline. A key is named by
//! its verifier key string `<name>+<key id hex>+<base64(0x01 || public key)>`,
//! where the key id is the first four bytes of
//! SHA-256(name || "\n" || 0x01 || public key).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::merkle::Hash;

/// The start of every signature line: an em dash (U+2014) and a space.
pub(crate) const SIGNATURE_LINE_PREFIX: &str = "\u{2014} ";

/// The signed-note signature type byte of Ed25519.
const ED25519_ALGORITHM: u8 = 0x01;

/// The most signature lines a note may carry (the Go implementation's limit;
/// the spec asks for at least 16).
const MAX_SIGNATURES: usize = 100;

/// The length of a note key id.
pub(crate) const KEY_ID_LEN: usize = 4;

/// The length of an Ed25519 signature.
pub(crate) const SIGNATURE_LEN: usize = 64;

/// What is wrong with a checkpoint, a note, a key name or a verifier key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CheckpointError {
    /// A key name that the signed-note format cannot carry.
    #[error(
        "key name {name:?} is invalid: it must be non-empty and hold no spaces, no control \
         characters and no '+'"
    )]
    InvalidKeyName {
        /// The rejected name.
        name: String,
    },
    /// A verifier key string not of the form `<name>+<key id>+<key>`.
    #[error(
        "verifier key {vkey:?} is malformed: expected <name>+<8 hex digit key id>+<base64 of \
         0x01 and a 32-byte ed25519 public key>"
    )]
    MalformedVerifierKey {
        /// The rejected verifier key.
        vkey: String,
    },
    /// A verifier key for a signature algorithm other than Ed25519.
    #[error("verifier key algorithm {algorithm:#04x} is not supported; only ed25519 (0x01) is")]
    UnsupportedAlgorithm {
        /// The algorithm byte found.
        algorithm: u8,
    },
    /// A verifier key whose public key is not a valid Ed25519 point.
    #[error("verifier key for {name:?} does not hold a valid ed25519 public key")]
    InvalidPublicKey {
        /// The key name.
        name: String,
    },
    /// A verifier key whose stated key id is not the id of its name and key.
    #[error(
        "verifier key for {name:?} states key id {stated} but its name and public key give \
         {computed}"
    )]
    KeyIdMismatch {
        /// The key name.
        name: String,
        /// The key id written in the verifier key, hex.
        stated: String,
        /// The key id computed from the name and public key, hex.
        computed: String,
    },
    /// A note holding a control character other than newline.
    #[error(
        "note line {line} holds control character U+{code:04X}; only newline may appear (no \
         carriage returns, so no CRLF line endings, and no tabs)"
    )]
    ControlCharacter {
        /// The one-based line number.
        line: usize,
        /// The code point found.
        code: u32,
    },
    /// A note or note text that is empty or does not end in a newline.
    #[error("note does not end in a newline")]
    MissingFinalNewline,
    /// A note without the blank line that separates text and signatures.
    #[error("note has no blank line between its text and its signature lines")]
    MissingSignatureSeparator,
    /// A note whose blank line is followed by no signature line.
    #[error("note has no signature lines after its blank line")]
    NoSignatureLines,
    /// A signature line that does not follow the signed-note format.
    #[error("note line {line} is not a valid signature line: {reason}")]
    MalformedSignatureLine {
        /// The one-based line number in the note.
        line: usize,
        /// What is wrong with the line.
        reason: String,
    },
    /// A note with more signature lines than accepted.
    #[error("note has {count} signature lines, more than the {max} accepted")]
    TooManySignatures {
        /// The number of signature lines.
        count: usize,
        /// The largest number accepted.
        max: usize,
    },
    /// A note with no signature line by the expected key.
    #[error(
        "note has no signature by key {name}+{key_id}; check that it was signed by this store's \
         key"
    )]
    NoSignatureByKey {
        /// The expected key name.
        name: String,
        /// The expected key id, hex.
        key_id: String,
    },
    /// A signature line by the expected key that does not verify.
    #[error("signature by key {name}+{key_id} does not verify over the note text")]
    InvalidSignature {
        /// The key name.
        name: String,
        /// The key id, hex.
        key_id: String,
    },
    /// A checkpoint text of fewer than three lines.
    #[error("checkpoint text has {found} lines; it needs at least origin, tree size and root hash")]
    TooFewLines {
        /// The number of lines found.
        found: usize,
    },
    /// A checkpoint with an empty origin line.
    #[error("checkpoint origin line is empty")]
    EmptyOrigin,
    /// A checkpoint origin or extension holding a newline or control
    /// character, which would change the lines of the text.
    #[error("checkpoint {field} holds a newline or control character")]
    ControlCharacterInField {
        /// Which field: "origin" or "extension line N".
        field: String,
    },
    /// A checkpoint size line that is not a canonical decimal number.
    #[error(
        "checkpoint tree size {line:?} is not a decimal number without sign or leading zeros \
         that fits in 64 bits"
    )]
    InvalidSize {
        /// The rejected size line.
        line: String,
    },
    /// A checkpoint root line that is not the base64 of 32 bytes.
    #[error("checkpoint root hash {line:?} is not the standard base64 encoding of 32 bytes")]
    InvalidRoot {
        /// The rejected root line.
        line: String,
    },
    /// A checkpoint with an empty extension line (a blank line in the text).
    #[error("checkpoint extension line {index} is empty; extension lines must not be blank")]
    EmptyExtension {
        /// The one-based position of the extension line.
        index: usize,
    },
}

/// A transparency log checkpoint: the tree head a signed note commits to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, the first line; for vakt `<origin prefix>/<stream>`.
    pub origin: String,
    /// The number of leaves in the tree.
    pub size: u64,
    /// The RFC 6962 root of the tree of `size` leaves.
    pub root: Hash,
    /// Optional opaque lines after the root; vakt writes none.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The checkpoint's note text: origin, size in decimal, root in standard
    /// base64, then each extension line, every line ending in a newline.
    pub fn body(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        );
        for extension in &self.extensions {
            text.push_str(extension);
            text.push('\n');
        }
        text
    }

    /// Checks that [`Checkpoint::body`] yields a text that parses back to
    /// this checkpoint: a non-empty origin, non-empty extension lines, and no
    /// newline or other control character in either.
    pub fn validate(&self) -> Result<(), CheckpointError> {
        if self.origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        if self.origin.chars().any(char::is_control) {
            return Err(CheckpointError::ControlCharacterInField {
                field: "origin".to_string(),
            });
        }
        for (position, extension) in self.extensions.iter().enumerate() {
            if extension.is_empty() {
                return Err(CheckpointError::EmptyExtension {
                    index: position + 1,
                });
            }
            if extension.chars().any(char::is_control) {
                return Err(CheckpointError::ControlCharacterInField {
                    field: format!("extension line {}", position + 1),
                });
            }
        }
        Ok(())
    }

    /// Parses a checkpoint note text (without signatures), as returned by
    /// [`NoteVerifier::verify_text`]. Strict: the text ends in a newline,
    /// has at least three lines, no blank or control characters, a size
    /// without sign or leading zeros and a root of exactly 32 bytes in
    /// canonical standard base64.
    pub fn parse_body(text: &str) -> Result<Checkpoint, CheckpointError> {
        check_control_characters(text)?;
        let Some(without_final_newline) = text.strip_suffix('\n') else {
            return Err(CheckpointError::MissingFinalNewline);
        };
        let lines: Vec<&str> = without_final_newline.split('\n').collect();
        let [origin, size_line, root_line, extension_lines @ ..] = lines.as_slice() else {
            return Err(CheckpointError::TooFewLines { found: lines.len() });
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_size(size_line)?;
        let root = parse_root(root_line)?;
        let mut extensions = Vec::with_capacity(extension_lines.len());
        for (position, extension) in extension_lines.iter().enumerate() {
            if extension.is_empty() {
                return Err(CheckpointError::EmptyExtension {
                    index: position + 1,
                });
            }
            extensions.push((*extension).to_string());
        }
        Ok(Checkpoint {
            origin: (*origin).to_string(),
            size,
            root,
            extensions,
        })
    }
}

/// Parses a tree size: ASCII digits, no sign, no leading zero unless `0`.
fn parse_size(line: &str) -> Result<u64, CheckpointError> {
    let invalid = || CheckpointError::InvalidSize {
        line: line.to_string(),
    };
    if line.is_empty() || !line.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(invalid());
    }
    if line.len() > 1 && line.starts_with('0') {
        return Err(invalid());
    }
    line.parse::<u64>().map_err(|_| invalid())
}

/// Parses a root hash: canonical standard base64 of exactly 32 bytes.
fn parse_root(line: &str) -> Result<Hash, CheckpointError> {
    let invalid = || CheckpointError::InvalidRoot {
        line: line.to_string(),
    };
    let bytes = BASE64.decode(line).map_err(|_| invalid())?;
    let root: Hash = bytes.as_slice().try_into().map_err(|_| invalid())?;
    if BASE64.encode(root) != line {
        return Err(invalid());
    }
    Ok(root)
}

/// Rejects any control character other than newline, naming its line.
fn check_control_characters(text: &str) -> Result<(), CheckpointError> {
    for (line_index, line) in text.split('\n').enumerate() {
        if let Some(control) = line.chars().find(|character| character.is_control()) {
            return Err(CheckpointError::ControlCharacter {
                line: line_index + 1,
                code: u32::from(control),
            });
        }
    }
    Ok(())
}

/// Checks a key name: non-empty, no Unicode space, no control character, no
/// `+`.
pub(crate) fn validate_key_name(name: &str) -> Result<(), CheckpointError> {
    let is_forbidden =
        |character: char| character.is_whitespace() || character.is_control() || character == '+';
    if name.is_empty() || name.chars().any(is_forbidden) {
        return Err(CheckpointError::InvalidKeyName {
            name: name.to_string(),
        });
    }
    Ok(())
}

/// The note key id of an Ed25519 key: the first four bytes of
/// SHA-256(name || "\n" || 0x01 || public key).
fn compute_key_id(name: &str, key: &VerifyingKey) -> [u8; KEY_ID_LEN] {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update(b"\n")
        .chain_update([ED25519_ALGORITHM])
        .chain_update(key.as_bytes())
        .finalize();
    let mut key_id = [0u8; KEY_ID_LEN];
    key_id.copy_from_slice(&digest[..KEY_ID_LEN]);
    key_id
}

/// Checks a note text before signing: non-empty, ending in a newline, and
/// free of control characters other than newline.
pub(crate) fn validate_note_text(text: &str) -> Result<(), CheckpointError> {
    check_control_characters(text)?;
    if !text.ends_with('\n') {
        return Err(CheckpointError::MissingFinalNewline);
    }
    Ok(())
}

/// The store's signing key: a note key name plus an Ed25519 signing key.
#[derive(Clone, Debug)]
pub struct NoteSigner {
    /// The note key name written on every signature line.
    name: String,
    /// The Ed25519 secret key.
    key: SigningKey,
    /// The note key id of `name` and the public key.
    key_id: [u8; KEY_ID_LEN],
}

impl NoteSigner {
    /// A signer with this key name, which must be a valid note key name
    /// (non-empty, no spaces or control characters, no `+`).
    pub fn new(name: &str, key: SigningKey) -> Result<Self, CheckpointError> {
        validate_key_name(name)?;
        let key_id = compute_key_id(name, &key.verifying_key());
        Ok(Self {
            name: name.to_string(),
            key,
            key_id,
        })
    }

    /// The verifier of this signer's signatures.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key: self.key.verifying_key(),
            key_id: self.key_id,
        }
    }

    /// The note key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Signs a checkpoint: the full signed note, its body, a blank line and
    /// one signature line `— <name> <base64(key id || signature)>\n`.
    ///
    /// The checkpoint must pass [`Checkpoint::validate`]: a newline inside
    /// the origin or an extension would sign a different text than the
    /// checkpoint describes. [`NoteSigner::try_sign`] checks that first.
    pub fn sign(&self, checkpoint: &Checkpoint) -> String {
        self.sign_unchecked(checkpoint.body())
    }

    /// Like [`NoteSigner::sign`], but first checks the checkpoint with
    /// [`Checkpoint::validate`].
    pub fn try_sign(&self, checkpoint: &Checkpoint) -> Result<String, CheckpointError> {
        checkpoint.validate()?;
        Ok(self.sign(checkpoint))
    }

    /// Signs any note text (not only a checkpoint): the text must end in a
    /// newline and hold no control character other than newline.
    pub fn sign_text(&self, text: &str) -> Result<String, CheckpointError> {
        validate_note_text(text)?;
        Ok(self.sign_unchecked(text.to_string()))
    }

    /// Appends the blank line and this key's signature line to `text`.
    fn sign_unchecked(&self, mut text: String) -> String {
        let signature = self.key.sign(text.as_bytes());
        let mut signed = Vec::with_capacity(KEY_ID_LEN + SIGNATURE_LEN);
        signed.extend_from_slice(&self.key_id);
        signed.extend_from_slice(&signature.to_bytes());
        text.push('\n');
        text.push_str(SIGNATURE_LINE_PREFIX);
        text.push_str(&self.name);
        text.push(' ');
        text.push_str(&BASE64.encode(signed));
        text.push('\n');
        text
    }
}

/// One parsed signature line.
pub(crate) struct SignatureLine<'note> {
    /// The key name on the line.
    pub(crate) name: &'note str,
    /// The key id: the first four signature bytes.
    pub(crate) key_id: [u8; KEY_ID_LEN],
    /// The signature bytes after the key id.
    pub(crate) signature: Vec<u8>,
}

/// Splits a signed note into its text and its parsed signature lines.
pub(crate) fn split_signed_note(
    note: &str,
) -> Result<(&str, Vec<SignatureLine<'_>>), CheckpointError> {
    check_control_characters(note)?;
    if !note.ends_with('\n') {
        return Err(CheckpointError::MissingFinalNewline);
    }
    let Some(separator) = note.rfind("\n\n") else {
        return Err(CheckpointError::MissingSignatureSeparator);
    };
    let text = &note[..=separator];
    let signature_block = &note[separator + 2..];
    let Some(signature_block) = signature_block.strip_suffix('\n') else {
        return Err(CheckpointError::NoSignatureLines);
    };
    let signature_lines: Vec<&str> = signature_block.split('\n').collect();
    if signature_lines.len() > MAX_SIGNATURES {
        return Err(CheckpointError::TooManySignatures {
            count: signature_lines.len(),
            max: MAX_SIGNATURES,
        });
    }
    // The text's lines, then the blank line, come before the first signature.
    let first_signature_line = text.matches('\n').count() + 2;
    let mut signatures = Vec::with_capacity(signature_lines.len());
    for (position, line) in signature_lines.iter().enumerate() {
        let parsed = parse_signature_line(line).map_err(|reason| {
            CheckpointError::MalformedSignatureLine {
                line: first_signature_line + position,
                reason: reason.to_string(),
            }
        })?;
        signatures.push(parsed);
    }
    Ok((text, signatures))
}

/// Parses `— <name> <base64>`, or says what is wrong with it.
pub(crate) fn parse_signature_line(line: &str) -> Result<SignatureLine<'_>, &'static str> {
    let Some(rest) = line.strip_prefix(SIGNATURE_LINE_PREFIX) else {
        return Err("it does not start with an em dash (U+2014) and a space");
    };
    let Some((name, encoded)) = rest.split_once(' ') else {
        return Err("it has no space between the key name and the signature");
    };
    if validate_key_name(name).is_err() {
        return Err("its key name is empty or holds a space or '+'");
    }
    let Ok(decoded) = BASE64.decode(encoded) else {
        return Err("its signature is not standard base64");
    };
    if decoded.len() <= KEY_ID_LEN {
        return Err("its signature is too short to hold a key id and a signature");
    }
    let (key_id, signature) = decoded.split_at(KEY_ID_LEN);
    let mut key_id_bytes = [0u8; KEY_ID_LEN];
    key_id_bytes.copy_from_slice(key_id);
    Ok(SignatureLine {
        name,
        key_id: key_id_bytes,
        signature: signature.to_vec(),
    })
}

/// The parts of a verifier key string `<name>+<key id hex>+<base64 key>`.
pub(crate) struct VkeyParts<'vkey> {
    /// The key name, checked.
    pub(crate) name: &'vkey str,
    /// The key id the string states.
    pub(crate) stated_key_id: [u8; KEY_ID_LEN],
    /// The decoded key: the algorithm byte, then the public key.
    pub(crate) key_bytes: Vec<u8>,
}

/// Splits a verifier key string (of any signature algorithm): `Ok(None)`
/// when it does not have the shape, `Err` when the name is invalid.
pub(crate) fn split_vkey(vkey: &str) -> Result<Option<VkeyParts<'_>>, CheckpointError> {
    let mut parts = vkey.splitn(3, '+');
    let (Some(name), Some(key_id_hex), Some(key_base64)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Ok(None);
    };
    validate_key_name(name)?;
    let mut stated_key_id = [0u8; KEY_ID_LEN];
    if key_id_hex.len() != 2 * KEY_ID_LEN
        || hex::decode_to_slice(key_id_hex, &mut stated_key_id).is_err()
    {
        return Ok(None);
    }
    let Ok(key_bytes) = BASE64.decode(key_base64) else {
        return Ok(None);
    };
    Ok(Some(VkeyParts {
        name,
        stated_key_id,
        key_bytes,
    }))
}

/// A checkpoint verifier: a note key name and Ed25519 public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteVerifier {
    /// The note key name.
    name: String,
    /// The Ed25519 public key.
    key: VerifyingKey,
    /// The note key id of `name` and `key`.
    key_id: [u8; KEY_ID_LEN],
}

impl NoteVerifier {
    /// A verifier for this key name and public key.
    pub fn from_key(name: &str, key: VerifyingKey) -> Result<Self, CheckpointError> {
        validate_key_name(name)?;
        let key_id = compute_key_id(name, &key);
        Ok(Self {
            name: name.to_string(),
            key,
            key_id,
        })
    }

    /// Parses a verifier key `<name>+<8 hex digit key id>+<base64(0x01 ||
    /// 32-byte public key)>`, checking that the key id is the one computed
    /// from the name and public key.
    pub fn parse(vkey: &str) -> Result<Self, CheckpointError> {
        let malformed = || CheckpointError::MalformedVerifierKey {
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
        if algorithm != ED25519_ALGORITHM {
            return Err(CheckpointError::UnsupportedAlgorithm { algorithm });
        }
        let Ok(public_key) = <[u8; 32]>::try_from(public_key) else {
            return Err(malformed());
        };
        let Ok(key) = VerifyingKey::from_bytes(&public_key) else {
            return Err(CheckpointError::InvalidPublicKey {
                name: name.to_string(),
            });
        };
        let verifier = Self::from_key(name, key)?;
        if verifier.key_id != stated_key_id {
            return Err(CheckpointError::KeyIdMismatch {
                name: name.to_string(),
                stated: hex::encode(stated_key_id),
                computed: hex::encode(verifier.key_id),
            });
        }
        Ok(verifier)
    }

    /// The verifier key string, as accepted by [`NoteVerifier::parse`].
    pub fn to_vkey(&self) -> String {
        let mut key_bytes = Vec::with_capacity(1 + self.key.as_bytes().len());
        key_bytes.push(ED25519_ALGORITHM);
        key_bytes.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id),
            BASE64.encode(key_bytes)
        )
    }

    /// The note key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The note key id: the first four bytes of
    /// SHA-256(name || "\n" || 0x01 || public key).
    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// The Ed25519 public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// A fingerprint of the public key alone, for people comparing keys:
    /// `SHA256:` followed by the lowercase hex of SHA-256(0x01 || 32-byte
    /// public key). Unlike the key id it does not depend on the key name.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::new()
            .chain_update([ED25519_ALGORITHM])
            .chain_update(self.key.as_bytes())
            .finalize();
        format!("SHA256:{}", hex::encode(digest))
    }

    /// Verifies a signed note and returns its text (up to and including the
    /// text's final newline). The note must hold a signature line by this
    /// key (same name and key id) whose Ed25519 signature verifies over the
    /// text; lines by other keys are checked for syntax only and otherwise
    /// ignored. A failing signature by this key rejects the whole note.
    pub fn verify_text<'note>(&self, note: &'note str) -> Result<&'note str, CheckpointError> {
        let (text, signatures) = split_signed_note(note)?;
        let mut verified = false;
        for signature_line in &signatures {
            if signature_line.name != self.name || signature_line.key_id != self.key_id {
                continue;
            }
            let invalid = || CheckpointError::InvalidSignature {
                name: self.name.clone(),
                key_id: hex::encode(self.key_id),
            };
            let Ok(signature_bytes) =
                <[u8; SIGNATURE_LEN]>::try_from(signature_line.signature.as_slice())
            else {
                return Err(invalid());
            };
            let signature = Signature::from_bytes(&signature_bytes);
            if self.key.verify_strict(text.as_bytes(), &signature).is_err() {
                return Err(invalid());
            }
            verified = true;
        }
        if !verified {
            return Err(CheckpointError::NoSignatureByKey {
                name: self.name.clone(),
                key_id: hex::encode(self.key_id),
            });
        }
        Ok(text)
    }

    /// Verifies a signed checkpoint with [`NoteVerifier::verify_text`] and
    /// parses its text with [`Checkpoint::parse_body`]. The caller still
    /// checks that the origin is the one it expects.
    pub fn verify(&self, note: &str) -> Result<Checkpoint, CheckpointError> {
        let text = self.verify_text(note)?;
        Checkpoint::parse_body(text)
    }
}

/// Splits a text holding several signed notes, each ending with its
/// signature lines and separated from the next by blank lines, into the
/// individual notes as [`NoteVerifier::verify`] takes them.
///
/// A note ends after the last of the signature lines that follow its blank
/// line. Blank lines between notes are dropped; anything that does not fit
/// is left in the pieces for verification to reject.
pub fn split_notes(text: &str) -> Vec<String> {
    let mut notes = Vec::new();
    let mut current = String::new();
    let mut in_signatures = false;
    for line in text.split_inclusive('\n') {
        let is_signature_line = line.starts_with(SIGNATURE_LINE_PREFIX);
        if in_signatures && !is_signature_line {
            notes.push(std::mem::take(&mut current));
            in_signatures = false;
        }
        if current.is_empty() && line == "\n" {
            continue;
        }
        if is_signature_line && (in_signatures || current.ends_with("\n\n")) {
            in_signatures = true;
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        notes.push(current);
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> NoteSigner {
        NoteSigner::new("vakt.test/store", SigningKey::from_bytes(&[7; 32])).unwrap()
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "vakt.test/store/firewall".to_string(),
            size: 42,
            root: [0xab; 32],
            extensions: Vec::new(),
        }
    }

    #[test]
    fn body_layout() {
        let mut with_extension = checkpoint();
        with_extension.extensions.push("ext one".to_string());
        assert_eq!(
            with_extension.body(),
            format!(
                "vakt.test/store/firewall\n42\n{}\next one\n",
                BASE64.encode([0xab; 32])
            )
        );
        assert_eq!(
            Checkpoint::parse_body(&with_extension.body()),
            Ok(with_extension)
        );
    }

    #[test]
    fn round_trip() {
        let signer = signer();
        let note = signer.sign(&checkpoint());
        assert_eq!(signer.verifier().verify(&note), Ok(checkpoint()));
        let verifier = NoteVerifier::parse(&signer.verifier().to_vkey()).unwrap();
        assert_eq!(verifier, signer.verifier());
    }

    #[test]
    fn size_must_be_canonical() {
        for line in [
            "",
            "+1",
            "-1",
            "01",
            "00",
            " 1",
            "1 ",
            "1e3",
            "18446744073709551616",
            "٣",
        ] {
            assert_eq!(
                parse_size(line),
                Err(CheckpointError::InvalidSize {
                    line: line.to_string()
                }),
                "{line:?}"
            );
        }
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("18446744073709551615"), Ok(u64::MAX));
    }

    #[test]
    fn root_must_be_32_bytes_of_canonical_base64() {
        let good = BASE64.encode([1u8; 32]);
        assert_eq!(parse_root(&good), Ok([1; 32]));
        let short = BASE64.encode([1u8; 31]);
        let long = BASE64.encode([1u8; 33]);
        let unpadded = good.trim_end_matches('=').to_string();
        let url_safe = BASE64.encode([0xff; 32]).replace('/', "_");
        let mut trailing_bits = good.clone();
        trailing_bits.replace_range(42..43, "F");
        for line in [short, long, unpadded, url_safe, trailing_bits] {
            assert!(parse_root(&line).is_err(), "{line:?}");
        }
    }

    #[test]
    fn key_names() {
        for name in [
            "",
            "a b",
            "a+b",
            "a\tb",
            "a\u{a0}b",
            "a\u{2003}b",
            "a\u{0}b",
        ] {
            assert!(validate_key_name(name).is_err(), "{name:?}");
        }
        assert_eq!(validate_key_name("example.com/log—42"), Ok(()));
    }

    #[test]
    fn try_sign_rejects_checkpoints_that_would_change_shape() {
        let signer = signer();
        let mut bad_origin = checkpoint();
        bad_origin.origin = "a\n5".to_string();
        assert!(signer.try_sign(&bad_origin).is_err());
        let mut empty_origin = checkpoint();
        empty_origin.origin.clear();
        assert_eq!(
            signer.try_sign(&empty_origin),
            Err(CheckpointError::EmptyOrigin)
        );
        let mut blank_extension = checkpoint();
        blank_extension.extensions.push(String::new());
        assert_eq!(
            signer.try_sign(&blank_extension),
            Err(CheckpointError::EmptyExtension { index: 1 })
        );
        assert!(signer.try_sign(&checkpoint()).is_ok());
    }
}
