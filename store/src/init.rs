//! `vakt init`: a new, empty store with its own signing key, kept outside
//! the store (`keys.rs` says where).

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{SubsecRound, Utc};
use rand::RngCore;
use rand::rngs::OsRng;
use vakt_schemas::checkpoint::{Checkpoint, NoteSigner};
use vakt_schemas::head::{FORMAT_VERSION, Head, StoreInfo};
use vakt_schemas::merkle::empty_root;
use vakt_schemas::{Stream, layout};

use crate::files::sign_head;
use crate::keys;
use crate::nonce_key;
use crate::storage::Storage;
use crate::storage::local::{Modes, create_private_dirs};

/// What `init` made.
#[derive(Debug)]
pub struct StoreCreated {
    pub root: PathBuf,
    /// The signing key's file, outside the store.
    pub key_file: PathBuf,
    pub info: StoreInfo,
    /// SHA256 fingerprint of the verifying key.
    pub fingerprint: String,
}

/// A store could not be created.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{0} already holds a vakt store; use it, or choose another folder with --store")]
    AlreadyAStore(PathBuf),
    #[error("{0} exists and is not empty; vakt init needs a new or empty folder")]
    NotEmpty(PathBuf),
    #[error("cannot create the store at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("signing key: {0}")]
    Key(#[from] vakt_schemas::checkpoint::CheckpointError),
    #[error(transparent)]
    KeyFile(#[from] crate::keys::KeyError),
    #[error(
        "there is no group named `{0}` on this machine; create it (groupadd) or correct \
         store.group in the configuration"
    )]
    NoSuchGroup(String),
    #[error(
        "store.group applies to a store in a local folder; who may read a bucket is the \
         bucket's policy"
    )]
    GroupOnObjectStorage,
}

/// Creates a store in `root` (made if missing, else it must be empty): the
/// signing key (outside the store, `keys::locate_key`), the nonce key
/// (`nonce.key`), `store.json`, one empty stream of each kind with a signed
/// checkpoint of the empty tree, and `HEAD`; folders 0700, files 0600.
pub fn init_store(root: &Path) -> Result<StoreCreated, InitError> {
    init_store_for(root, None)
}

/// [`init_store`], with the store readable by the members of `group`
/// when one is given (a local store only): its folder is given to the
/// group with mode 2750, so folders are made 2750 and files 0640; the
/// signing key stays the owner's alone (0700/0600).
pub fn init_store_for(root: &Path, group: Option<&str>) -> Result<StoreCreated, InitError> {
    let io = |path: PathBuf| move |source| InitError::Io { path, source };
    let storage = Storage::open(root).map_err(io(root.to_path_buf()))?;
    if storage
        .exists(layout::STORE_INFO)
        .map_err(io(storage.path(layout::STORE_INFO)))?
    {
        return Err(InitError::AlreadyAStore(root.to_path_buf()));
    }
    match storage.local_root() {
        Some(dir) => {
            if dir.exists()
                && fs::read_dir(dir)
                    .map_err(io(root.to_path_buf()))?
                    .next()
                    .is_some()
            {
                return Err(InitError::NotEmpty(root.to_path_buf()));
            }
            create_private_dirs(dir).map_err(io(root.to_path_buf()))?;
            set_root_access(dir, group)?;
        }
        None => {
            if group.is_some() {
                return Err(InitError::GroupOnObjectStorage);
            }
            if !storage.list("").map_err(io(root.to_path_buf()))?.is_empty() {
                return Err(InitError::NotEmpty(root.to_path_buf()));
            }
        }
    }
    // Opened again: a local store's modes follow its folder's.
    let storage = Storage::open(root).map_err(io(root.to_path_buf()))?;

    let mut id = [0u8; 8];
    OsRng.fill_bytes(&mut id);
    let store_id = hex::encode(id);
    let now = Utc::now().trunc_subsecs(6);
    let mut info = StoreInfo {
        format: FORMAT_VERSION,
        store_id: store_id.clone(),
        created: now,
        origin_prefix: format!("vakt/{store_id}"),
        verifier_key: String::new(),
        format3_from_txn: None,
    };
    let key_file = keys::new_store_key_path(&storage, &info)?;
    let signing_key = keys::write_new_key(&key_file)?;
    let signer = NoteSigner::new(&format!("vakt-{store_id}"), signing_key)?;
    let verifier = signer.verifier();
    info.verifier_key = verifier.to_vkey();
    nonce_key::create(&storage).map_err(io(storage.path(layout::NONCE_KEY)))?;
    let mut info_text = serde_json::to_string_pretty(&info).unwrap_or_default();
    info_text.push('\n');
    storage
        .replace(layout::STORE_INFO, info_text.as_bytes())
        .map_err(io(storage.path(layout::STORE_INFO)))?;

    let empty_hex = hex::encode(empty_root());
    let mut head = Head::empty(now, &empty_hex);
    for stream in Stream::ALL {
        let manifest = layout::manifest(stream);
        storage
            .replace(&manifest, b"")
            .map_err(io(storage.path(&manifest)))?;
        let checkpoint = Checkpoint {
            origin: info.origin(stream),
            size: 0,
            root: empty_root(),
            extensions: Vec::new(),
        };
        let checkpoints = layout::checkpoints(stream);
        let note = format!("{}\n", signer.try_sign(&checkpoint)?);
        storage
            .append_at(&checkpoints, 0, note.as_bytes())
            .map_err(io(storage.path(&checkpoints)))?;
        if let Some(stream_head) = head.streams.get_mut(&stream) {
            stream_head.checkpoints_bytes = note.len() as u64;
        }
    }
    let signed_head = sign_head(&signer, &info, &head)?;
    storage
        .create_head(&signed_head)
        .map_err(io(storage.path(layout::HEAD)))?;
    Ok(StoreCreated {
        root: root.to_path_buf(),
        key_file,
        fingerprint: verifier.fingerprint(),
        info,
    })
}

/// Makes the store folder its owner's alone (0700), or readable by the
/// members of `group` (owned by the group, 2750).
fn set_root_access(root: &Path, group: Option<&str>) -> Result<(), InitError> {
    let io = |source| InitError::Io {
        path: root.to_path_buf(),
        source,
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match group {
            Some(name) => {
                let found = uzers::get_group_by_name(name)
                    .ok_or_else(|| InitError::NoSuchGroup(name.to_string()))?;
                std::os::unix::fs::chown(root, None, Some(found.gid())).map_err(io)?;
                Modes::SHARED.dir
            }
            None => Modes::PRIVATE.dir,
        };
        fs::set_permissions(root, fs::Permissions::from_mode(mode)).map_err(io)?;
    }
    let _ = (root, group, io);
    Ok(())
}
