//! The store's signing key, kept outside the store, and its rotations.
//!
//! Where the key file is, first found wins:
//! 1. the file the program was told ([`use_signing_key_file`]: `vakt
//!    --signing-key`, `store.signing_key` in `vakt.toml`), else the
//!    environment variable `VAKT_SIGNING_KEY`;
//! 2. beside a local store: `<store folder>.key` (the store `/srv/vakt`
//!    has its key in `/srv/vakt.key`); for a store on object storage,
//!    `$XDG_CONFIG_HOME/vakt/keys/<store id>.key` (or `~/.config/…`);
//! 3. inside the store, `keys/signing.key`, where stores made before keys
//!    moved out kept it (verification warns: move it out).
//!
//! A key file is 64 hex digits (the Ed25519 seed) and a newline, mode
//! 0600: one that its group or others may read is refused. A rotation
//! (`rotation.rs`) is a note in the store's `key-rotations` log signed by the
//! retired key and the new one (`vakt_schemas::keyring`); the new key's
//! file takes the old one's place and the old one is kept beside it as
//! `<file>.retired-<key id>`, for its owner to destroy or lock away.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ed25519_dalek::SigningKey;
use rand::RngCore;
use rand::rngs::OsRng;
use vakt_schemas::checkpoint::{NoteSigner, NoteVerifier};
use vakt_schemas::head::StoreInfo;
use vakt_schemas::keyring::KeyRing;
use vakt_schemas::layout;

use crate::storage::Storage;

mod rotation;

pub use rotation::Rotated;
pub(crate) use rotation::rotate;
use rotation::{finish_rotation, move_out_of_store, pending_path};

/// The environment variable naming the signing key file.
pub const KEY_FILE_ENV: &str = "VAKT_SIGNING_KEY";

/// The key file this process was told to use, if any.
static KEY_FILE: OnceLock<PathBuf> = OnceLock::new();

/// Makes every commit of this process sign with the key in `path`
/// (the command line's `--signing-key`, or the configuration's
/// `store.signing_key`). Only the first call counts.
pub fn use_signing_key_file(path: PathBuf) {
    let _ = KEY_FILE.set(path);
}

/// What is wrong with a key file or a rotation.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "no signing key at {path}; give the key file with --signing-key or store.signing_key \
         in vakt.toml (or VAKT_SIGNING_KEY), or restore it from where you keep its copy"
    )]
    Missing { path: PathBuf },
    #[error(
        "the signing key {path} can be read by others than its owner (mode {mode:04o}); run \
         `chmod 600 {path}` and check who may have copied it"
    )]
    Exposed { path: PathBuf, mode: u32 },
    #[error("the signing key {path} is not 64 hex digits (an Ed25519 seed)")]
    Malformed { path: PathBuf },
    #[error(
        "{path} is key {found}, but this store now signs with key {expected}; give the key file \
         of {expected} (see `vakt key show`)"
    )]
    WrongKey {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error(
        "a file already exists at {0}; a new key never replaces one: move it away or choose \
         another path"
    )]
    Exists(PathBuf),
    #[error(
        "a store on object storage keeps its key in the user's configuration folder, but \
         neither XDG_CONFIG_HOME nor HOME is set; give the key file with --signing-key"
    )]
    NoConfigFolder,
    #[error("the key rotation log {path}: {detail}")]
    Rotations { path: PathBuf, detail: String },
    #[error(
        "the store's signing key was rotated while this command ran: commit {txn} is signed by \
         key {expected}; nothing was written, run it again"
    )]
    Rotated { txn: u64, expected: String },
    #[error("the store's key name: {0}")]
    KeyName(vakt_schemas::checkpoint::CheckpointError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub(super) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where a store's signing key is, and why there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyPlace {
    /// A file named by the command line, the configuration or the environment.
    Configured(PathBuf),
    /// The default file outside the store.
    Default(PathBuf),
    /// `keys/signing.key` inside the store (stores made before keys moved out).
    InStore(PathBuf),
}

impl KeyPlace {
    /// The key file.
    pub fn path(&self) -> &Path {
        match self {
            KeyPlace::Configured(path) | KeyPlace::Default(path) | KeyPlace::InStore(path) => path,
        }
    }
}

/// The default key file of a store: `<folder>.key` beside a local store,
/// else `<config folder>/vakt/keys/<store id>.key`.
pub fn default_key_path(storage: &Storage, info: &StoreInfo) -> Result<PathBuf, KeyError> {
    if let Some(root) = storage.local_root() {
        let absolute = std::path::absolute(root).map_err(io(root))?;
        let mut name = absolute
            .file_name()
            .map(|name| name.to_os_string())
            .unwrap_or_else(|| "vakt-store".into());
        name.push(".key");
        return Ok(absolute.with_file_name(name));
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
        .ok_or(KeyError::NoConfigFolder)?;
    Ok(config
        .join("vakt")
        .join("keys")
        .join(format!("{}.key", info.store_id)))
}

/// Where the signing key of this store is (see the module's doc).
pub fn locate_key(storage: &Storage, info: &StoreInfo) -> Result<KeyPlace, KeyError> {
    if let Some(path) = KEY_FILE.get() {
        return Ok(KeyPlace::Configured(path.clone()));
    }
    if let Some(path) = std::env::var_os(KEY_FILE_ENV).filter(|value| !value.is_empty()) {
        return Ok(KeyPlace::Configured(PathBuf::from(path)));
    }
    let default = default_key_path(storage, info)?;
    if !default.exists()
        && storage
            .exists(layout::SIGNING_KEY)
            .map_err(io(&storage.path(layout::SIGNING_KEY)))?
    {
        return Ok(KeyPlace::InStore(storage.path(layout::SIGNING_KEY)));
    }
    Ok(KeyPlace::Default(default))
}

/// Where a new store's key goes: the configured file, else the default.
pub fn new_store_key_path(storage: &Storage, info: &StoreInfo) -> Result<PathBuf, KeyError> {
    match locate_key(storage, info)? {
        KeyPlace::Configured(path) | KeyPlace::Default(path) => Ok(path),
        KeyPlace::InStore(_) => default_key_path(storage, info),
    }
}

/// Reads a key file: refused when others may read it or it is malformed.
pub fn read_key_file(path: &Path) -> Result<SigningKey, KeyError> {
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(KeyError::Missing {
                path: path.to_path_buf(),
            });
        }
        Err(error) => return Err(io(path)(error)),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Exposed {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    let _ = metadata;
    let text = fs::read_to_string(path).map_err(io(path))?;
    parse_seed(&text).ok_or_else(|| KeyError::Malformed {
        path: path.to_path_buf(),
    })
}

pub(crate) fn parse_seed(text: &str) -> Option<SigningKey> {
    let bytes = hex::decode(text.trim()).ok()?;
    let seed: [u8; 32] = bytes.try_into().ok()?;
    Some(SigningKey::from_bytes(&seed))
}

/// A new random key written to `path` (mode 0600, its folder made 0700 if
/// missing); an existing file is never replaced.
pub fn write_new_key(path: &Path) -> Result<SigningKey, KeyError> {
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    let key = SigningKey::from_bytes(&seed);
    write_key_file(path, &key)?;
    Ok(key)
}

pub(crate) fn write_key_file(path: &Path, key: &SigningKey) -> Result<(), KeyError> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        && !parent.exists()
    {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(parent).map_err(io(parent))?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(KeyError::Exists(path.to_path_buf()));
        }
        Err(error) => return Err(io(path)(error)),
    };
    file.write_all(format!("{}\n", hex::encode(key.to_bytes())).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io(path))?;
    sync_parent(path)
}

pub(super) fn sync_parent(path: &Path) -> Result<(), KeyError> {
    #[cfg(unix)]
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        fs::File::open(parent)
            .and_then(|dir| dir.sync_all())
            .map_err(io(parent))?;
    }
    let _ = path;
    Ok(())
}

/// The store's keys: `store.json`'s, then each rotation's.
pub fn key_ring(storage: &Storage, info: &StoreInfo) -> Result<KeyRing, KeyError> {
    let info_path = storage.path(layout::STORE_INFO);
    let first = NoteVerifier::parse(&info.verifier_key).map_err(|error| KeyError::Rotations {
        path: info_path,
        detail: format!("store.json's verifier key: {error}"),
    })?;
    let log_path = storage.path(layout::KEY_ROTATIONS);
    let log = if storage
        .exists(layout::KEY_ROTATIONS)
        .map_err(io(&log_path))?
    {
        storage
            .read_to_string(layout::KEY_ROTATIONS)
            .map_err(io(&log_path))?
    } else {
        String::new()
    };
    KeyRing::from_log_lenient(first, &info.origin_prefix, &log)
        .map(|(ring, _)| ring)
        .map_err(|error| KeyError::Rotations {
            path: log_path,
            detail: error.to_string(),
        })
}

/// The signer of the store's next commit: the key file's key, which must
/// be the key in force. A rotation cut short after its note was written
/// (the new key still in `<file>.new`) is completed here.
/// `ring` is the store's keys as [`key_ring`] read them.
pub fn load_signer(
    storage: &Storage,
    info: &StoreInfo,
    ring: &KeyRing,
) -> Result<NoteSigner, KeyError> {
    let place = locate_key(storage, info)?;
    let current = ring.current();
    if let KeyPlace::InStore(_) = &place {
        // A rotation that moved the key out of the store and was cut short
        // after its note: the new key waits beside the default file.
        let default = default_key_path(storage, info)?;
        let pending = pending_path(&default);
        if pending.exists() && signer_of(current, read_key_file(&pending)?)?.verifier() == *current
        {
            move_out_of_store(storage, &default, &pending)?;
            return signer_of(current, read_key_file(&default)?);
        }
    }
    if let KeyPlace::InStore(path) = &place {
        // Stores made before keys moved out: read where the store is (a
        // folder or a bucket); verification warns to move it out.
        let key = storage
            .read_to_string(layout::SIGNING_KEY)
            .ok()
            .and_then(|text| parse_seed(&text))
            .ok_or_else(|| KeyError::Malformed { path: path.clone() })?;
        let signer = signer_of(current, key)?;
        if signer.verifier() != *current {
            return Err(KeyError::WrongKey {
                path: path.clone(),
                found: signer.verifier().fingerprint(),
                expected: current.fingerprint(),
            });
        }
        return Ok(signer);
    }
    let path = place.path().to_path_buf();
    let pending = pending_path(&path);
    if pending.exists() {
        let pending_key = read_key_file(&pending)?;
        if signer_of(current, pending_key)?.verifier() == *current {
            finish_rotation(&path, &pending, &read_key_file(&path)?)?;
        }
    }
    let key = read_key_file(&path)?;
    let signer = signer_of(current, key)?;
    if signer.verifier() != *current {
        return Err(KeyError::WrongKey {
            path,
            found: signer.verifier().fingerprint(),
            expected: current.fingerprint(),
        });
    }
    Ok(signer)
}

pub(super) fn signer_of(verifier: &NoteVerifier, key: SigningKey) -> Result<NoteSigner, KeyError> {
    NoteSigner::new(verifier.name(), key).map_err(KeyError::KeyName)
}

/// Where a store's key is and whether it can sign: what `vakt key show`
/// prints.
#[derive(Debug)]
pub struct KeyStatus {
    /// Where the key file is looked for, and why there.
    pub place: KeyPlace,
    /// `None` when the file holds the key in force; else what is wrong.
    pub problem: Option<String>,
    /// Every key of the store, oldest first.
    pub ring: KeyRing,
}

/// The state of the signing key of the store in `storage`.
pub fn key_status(storage: &Storage, info: &StoreInfo) -> Result<KeyStatus, KeyError> {
    let ring = key_ring(storage, info)?;
    let place = locate_key(storage, info)?;
    let problem = match place {
        KeyPlace::InStore(_) => {
            let path = storage.path(layout::SIGNING_KEY);
            let key = storage
                .read_to_string(layout::SIGNING_KEY)
                .ok()
                .and_then(|text| parse_seed(&text));
            let is_current = match key {
                Some(key) => signer_of(ring.current(), key)?.verifier() == *ring.current(),
                None => false,
            };
            match is_current {
                true => Some(format!(
                    "the key is inside the store, where whoever copies the store can sign \
                         for it; move it out: mv {} {}",
                    path.display(),
                    default_key_path(storage, info)?.display()
                )),
                false => Some(format!("{} is not the key in force", path.display())),
            }
        }
        _ => match read_key_file(place.path()) {
            Err(error) => Some(error.to_string()),
            Ok(key) => {
                let signer = signer_of(ring.current(), key)?;
                (signer.verifier() != *ring.current()).then(|| {
                    KeyError::WrongKey {
                        path: place.path().to_path_buf(),
                        found: signer.verifier().fingerprint(),
                        expected: ring.current().fingerprint(),
                    }
                    .to_string()
                })
            }
        },
    };
    Ok(KeyStatus {
        place,
        problem,
        ring,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_are_private_and_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("store.key");
        let key = write_new_key(&path).unwrap();
        assert_eq!(read_key_file(&path).unwrap().to_bytes(), key.to_bytes());
        assert!(matches!(write_new_key(&path), Err(KeyError::Exists(_))));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
            let error = read_key_file(&path).unwrap_err();
            assert!(matches!(error, KeyError::Exposed { mode: 0o640, .. }));
            assert!(error.to_string().contains("chmod 600"), "{error}");
        }
        fs::write(dir.path().join("bad.key"), "nothex\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(
                dir.path().join("bad.key"),
                fs::Permissions::from_mode(0o600),
            )
            .unwrap();
        }
        assert!(matches!(
            read_key_file(&dir.path().join("bad.key")),
            Err(KeyError::Malformed { .. })
        ));
        assert!(matches!(
            read_key_file(&dir.path().join("absent.key")),
            Err(KeyError::Missing { .. })
        ));
    }
}
