//! `witness.key`: the witness's Ed25519 seed as 64 hex digits and a newline,
//! readable by its owner alone (mode 0600).

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;

use crate::files::write_new_file;

/// What is wrong with the witness's key file.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file cannot be read or written.
    #[error("cannot access witness key {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is open to the group or to others.
    #[error(
        "witness key {path} has mode {mode:04o}: others than its owner may read it; run `chmod \
         600 {path}` (and consider the key exposed if it was readable for long)"
    )]
    TooOpen {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file does not hold 64 hex digits and a newline.
    #[error("witness key {path} does not hold 64 hex digits followed by a newline")]
    Malformed {
        /// The key file.
        path: PathBuf,
    },
}

/// Generates a key and writes it to `path`, which must not exist, with mode
/// 0600.
pub(crate) fn create_key_file(path: &Path) -> Result<SigningKey, KeyFileError> {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let text = format!("{}\n", hex::encode(key.to_bytes()));
    write_new_file(path, text.as_bytes(), 0o600).map_err(|source| KeyFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(key)
}

/// Reads the key at `path`, refusing a file that the group or others can
/// access.
pub(crate) fn read_key_file(path: &Path) -> Result<SigningKey, KeyFileError> {
    let io_error = |source| KeyFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mode = std::fs::metadata(path)
        .map_err(io_error)?
        .permissions()
        .mode()
        & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::TooOpen {
            path: path.to_path_buf(),
            mode,
        });
    }
    let text = std::fs::read_to_string(path).map_err(io_error)?;
    let malformed = || KeyFileError::Malformed {
        path: path.to_path_buf(),
    };
    let digits = text.strip_suffix('\n').ok_or_else(malformed)?;
    let mut seed = [0u8; 32];
    if digits.len() != 64 || hex::decode_to_slice(digits, &mut seed).is_err() {
        return Err(malformed());
    }
    Ok(SigningKey::from_bytes(&seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_permissions() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("witness.key");
        let key = create_key_file(&path).unwrap();
        assert_eq!(read_key_file(&path).unwrap().to_bytes(), key.to_bytes());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(create_key_file(&path).is_err(), "never overwrites a key");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let error = read_key_file(&path).unwrap_err();
        assert!(matches!(error, KeyFileError::TooOpen { mode: 0o640, .. }));
        assert!(error.to_string().contains("chmod 600"), "{error}");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(&path, "abc\n").unwrap();
        assert!(matches!(
            read_key_file(&path),
            Err(KeyFileError::Malformed { .. })
        ));
    }
}
