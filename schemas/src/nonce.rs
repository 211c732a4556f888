//! The nonces of a format-3 store, derived from a per-store key and the
//! record's place (FORMAT.md §3, "Nonce"): the key is kept in the store
//! (`nonce.key`), so a segment need not store 16 random bytes a row, while
//! an evidence bundle, which reveals only its own records' nonces, still
//! lets no one guess the content of the records whose leaf hashes its
//! proofs hold.
//!
//! ```text
//! nonce = HMAC-SHA256(key, "vakt-nonce\0" || stream tag (u8) || seq (u64 BE))[0..16]
//! ```

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::stream::Stream;
use crate::table::NONCE_LEN;

/// Length of a nonce key in bytes.
pub const NONCE_KEY_LEN: usize = 32;

/// What the derivation's input starts with, so that the key hashes
/// nothing else to the same value.
const DOMAIN: &[u8] = b"vakt-nonce\0";

/// A store's nonce key, with HMAC's keyed state computed once (a nonce
/// then costs two SHA-256 blocks). Its `Debug` form does not show it.
#[derive(Clone)]
pub struct NonceKey {
    bytes: [u8; NONCE_KEY_LEN],
    keyed: Hmac<Sha256>,
}

impl PartialEq for NonceKey {
    fn eq(&self, other: &NonceKey) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for NonceKey {}

/// A `nonce.key` file that does not hold a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a nonce key is {NONCE_KEY_LEN} bytes written as 64 hexadecimal digits: {detail}")]
pub struct NonceKeyError {
    pub detail: String,
}

impl std::fmt::Debug for NonceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NonceKey(..)")
    }
}

impl NonceKey {
    pub fn from_bytes(bytes: [u8; NONCE_KEY_LEN]) -> NonceKey {
        // HMAC takes a key of any length, so this cannot fail.
        let Ok(keyed) = Hmac::<Sha256>::new_from_slice(&bytes) else {
            unreachable!("HMAC-SHA256 accepts a 32-byte key")
        };
        NonceKey { bytes, keyed }
    }

    /// The key of a `nonce.key` file: 64 hexadecimal digits, one line.
    pub fn from_text(text: &str) -> Result<NonceKey, NonceKeyError> {
        let digits = text.trim_end_matches('\n');
        let bytes = hex::decode(digits).map_err(|error| NonceKeyError {
            detail: error.to_string(),
        })?;
        let key: [u8; NONCE_KEY_LEN] =
            bytes.try_into().map_err(|bytes: Vec<u8>| NonceKeyError {
                detail: format!("found {} bytes", bytes.len()),
            })?;
        Ok(NonceKey::from_bytes(key))
    }

    /// The text of its `nonce.key` file.
    pub fn to_text(&self) -> String {
        format!("{}\n", hex::encode(self.bytes))
    }

    /// The nonce of record `seq` of `stream`.
    pub fn nonce(&self, stream: Stream, seq: u64) -> [u8; NONCE_LEN] {
        let mut mac = self.keyed.clone();
        mac.update(DOMAIN);
        mac.update(&[stream.tag()]);
        mac.update(&seq.to_be_bytes());
        let tag = mac.finalize().into_bytes();
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&tag[..NONCE_LEN]);
        nonce
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counting_key() -> NonceKey {
        let mut bytes = [0u8; NONCE_KEY_LEN];
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte = index as u8;
        }
        NonceKey::from_bytes(bytes)
    }

    /// Computed independently with Python's `hmac` module:
    /// `hmac.new(bytes(range(32)), b"vakt-nonce\0" + bytes([2]) + (7).to_bytes(8, "big"), "sha256").hexdigest()[:32]`.
    #[test]
    fn the_derivation_matches_an_independent_implementation() {
        let nonce = counting_key().nonce(Stream::Firewall, 7);
        assert_eq!(hex::encode(nonce), "dae3d42389834c017003b2221b87a00b");
    }

    #[test]
    fn stream_and_seq_each_change_the_nonce() {
        let key = counting_key();
        let base = key.nonce(Stream::Firewall, 7);
        assert_ne!(base, key.nonce(Stream::Firewall, 8));
        assert_ne!(base, key.nonce(Stream::Sessions, 7));
        let mut other = [0u8; NONCE_KEY_LEN];
        other[0] = 1;
        assert_ne!(base, NonceKey::from_bytes(other).nonce(Stream::Firewall, 7));
    }

    #[test]
    fn the_key_file_round_trips_and_bad_ones_are_refused() {
        let key = counting_key();
        assert_eq!(NonceKey::from_text(&key.to_text()).unwrap(), key);
        assert!(NonceKey::from_text("00ff").is_err());
        assert!(NonceKey::from_text(&"zz".repeat(32)).is_err());
        assert_eq!(format!("{key:?}"), "NonceKey(..)");
    }
}
