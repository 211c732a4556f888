//! The store's nonce key (`nonce.key`, FORMAT.md §3): made with the store
//! (or by `vakt upgrade`), never replaced, and read by every reader and
//! writer to derive the nonces that format-3 segments do not store.

use std::io;

use rand::RngCore;
use rand::rngs::OsRng;
use vakt_schemas::layout;
use vakt_schemas::nonce::{NONCE_KEY_LEN, NonceKey, NonceKeyError};

use crate::storage::Storage;

/// Why the store's nonce key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum NonceKeyProblem {
    #[error(
        "{} is missing: the nonces of the store's records cannot be derived; restore it from a \
         backup of the store",
        layout::NONCE_KEY
    )]
    Missing,
    #[error("{file} cannot be read: {0}", file = layout::NONCE_KEY)]
    Unreadable(io::Error),
    #[error("{file}: {0}", file = layout::NONCE_KEY)]
    Invalid(NonceKeyError),
}

/// Makes a new random key and writes it, never over an existing one.
pub(crate) fn create(storage: &Storage) -> io::Result<NonceKey> {
    let mut bytes = [0u8; NONCE_KEY_LEN];
    OsRng.fill_bytes(&mut bytes);
    let key = NonceKey::from_bytes(bytes);
    storage.create(layout::NONCE_KEY, key.to_text().as_bytes())?;
    Ok(key)
}

/// The store's key as its file holds it.
pub(crate) fn load(storage: &Storage) -> Result<NonceKey, NonceKeyProblem> {
    match storage.exists(layout::NONCE_KEY) {
        Ok(true) => {}
        Ok(false) => return Err(NonceKeyProblem::Missing),
        Err(error) => return Err(NonceKeyProblem::Unreadable(error)),
    }
    let text = storage
        .read_to_string(layout::NONCE_KEY)
        .map_err(NonceKeyProblem::Unreadable)?;
    NonceKey::from_text(&text).map_err(NonceKeyProblem::Invalid)
}
