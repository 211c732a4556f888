//! A store in a local folder: every write flushed to disk (the file, and
//! the folder that names it), locks held with `flock`, and files only their
//! owner may read (folders 0700, files 0600) unless the store folder was
//! shared with a group (`vakt init` with `store.group`: mode 2750): then
//! folders are 2750 and files 0640, so the group inherits them, except the
//! signing key's folder and file, which stay the owner's alone.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use fs4::fs_std::FileExt;
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use vakt_schemas::layout;

use super::ListedFile;

/// Who may read what a store creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Modes {
    /// Folders.
    pub dir: u32,
    /// Files.
    pub file: u32,
}

impl Modes {
    /// Only the owner.
    pub const PRIVATE: Modes = Modes {
        dir: 0o700,
        file: 0o600,
    };
    /// The owner, and the group of the store folder for reading (new
    /// folders keep the set-group-ID bit, so their files get the group).
    pub const SHARED: Modes = Modes {
        dir: 0o2750,
        file: 0o640,
    };

    /// The modes of a store whose root folder is `root`: shared when it
    /// was shared (its group may read it and it has the set-group-ID bit,
    /// as `vakt init` makes it), else private (also when it does not
    /// exist yet).
    pub fn of_root(root: &Path) -> Modes {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let shared = 0o2040;
            if fs::metadata(root).is_ok_and(|meta| meta.permissions().mode() & shared == shared) {
                return Modes::SHARED;
            }
        }
        let _ = root;
        Modes::PRIVATE
    }

    /// The modes for `relative`: the signing key is never shared.
    fn for_path(self, relative: &str) -> Modes {
        if relative.starts_with("keys/") || relative == "keys" {
            Modes::PRIVATE
        } else {
            self
        }
    }
}

/// Options that create a file with `mode` (and the process's umask).
fn options_with(mode: u32) -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    let _ = mode;
    options
}

/// Gives `path` exactly `mode`, whatever the umask took away.
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    }
    let _ = (path, mode);
    Ok(())
}

/// Creates `dir` and any missing parents, each only its owner may enter.
pub(crate) fn create_private_dirs(dir: &Path) -> io::Result<()> {
    create_dirs(dir, Modes::PRIVATE)
}

/// Creates `dir` and any missing parents with `modes`.
fn create_dirs(dir: &Path, modes: Modes) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, modes.dir);
    builder.create(dir)?;
    if modes != Modes::PRIVATE {
        set_mode(dir, modes.dir)?;
    }
    Ok(())
}

/// Flushes a directory, so that files created or renamed in it survive a
/// power loss.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates the folders of `path` and flushes the ones it made.
fn prepare_parent(root: &Path, path: &Path, modes: Modes) -> io::Result<()> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    if parent.is_dir() {
        return Ok(());
    }
    create_dirs(parent, modes)?;
    let mut dir = parent;
    while let Some(up) = dir.parent() {
        sync_dir(up)?;
        if up == root {
            break;
        }
        dir = up;
    }
    Ok(())
}

pub(super) fn object_store(root: &Path) -> io::Result<Arc<dyn ObjectStore>> {
    let store = LocalFileSystem::new_with_prefix(root).map_err(io::Error::other)?;
    Ok(Arc::new(store))
}

pub(super) fn list(root: &Path, prefix: &str) -> io::Result<Vec<ListedFile>> {
    let mut files = Vec::new();
    let mut pending = vec![prefix.trim_end_matches('/').to_string()];
    while let Some(relative) = pending.pop() {
        let dir = if relative.is_empty() {
            root.to_path_buf()
        } else {
            root.join(&relative)
        };
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = if relative.is_empty() {
                name
            } else {
                format!("{relative}/{name}")
            };
            let metadata = entry.metadata()?;
            if metadata.is_dir() {
                pending.push(child);
            } else {
                files.push(ListedFile {
                    relative: child,
                    size: metadata.len(),
                });
            }
        }
    }
    Ok(files)
}

pub(super) fn create(root: &Path, modes: Modes, relative: &str, bytes: &[u8]) -> io::Result<()> {
    let modes = modes.for_path(relative);
    let path = root.join(relative);
    prepare_parent(root, &path, modes)?;
    let mut file = options_with(modes.file)
        .write(true)
        .create_new(true)
        .open(&path)?;
    if modes != Modes::PRIVATE {
        set_mode(&path, modes.file)?;
    }
    file.write_all(bytes)?;
    file.sync_all()?;
    sync_parent(&path)
}

pub(super) fn replace(root: &Path, modes: Modes, relative: &str, bytes: &[u8]) -> io::Result<()> {
    let modes = modes.for_path(relative);
    let path = root.join(relative);
    prepare_parent(root, &path, modes)?;
    let existed = path.exists();
    let mut file = options_with(modes.file)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)?;
    if !existed && modes != Modes::PRIVATE {
        set_mode(&path, modes.file)?;
    }
    file.write_all(bytes)?;
    file.sync_all()?;
    sync_parent(&path)
}

fn sync_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(parent) => sync_dir(parent),
        None => Ok(()),
    }
}

/// Writes `bytes` at `offset` of the file (cutting it to that length
/// first) and flushes it to disk.
pub(crate) fn append_at(path: &Path, modes: Modes, offset: u64, bytes: &[u8]) -> io::Result<()> {
    let mut file = options_with(modes.file)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    file.set_len(offset)?;
    io::Seek::seek(&mut file, io::SeekFrom::Start(offset))?;
    file.write_all(bytes)?;
    file.sync_all()
}

pub(super) fn rename(root: &Path, modes: Modes, from: &str, to: &str) -> io::Result<()> {
    let target = root.join(to);
    prepare_parent(root, &target, modes)?;
    fs::rename(root.join(from), &target)?;
    sync_parent(&target)?;
    sync_parent(&root.join(from))
}

/// Renames `HEAD.tmp` over `HEAD` and flushes the folder.
pub(super) fn install_head(root: &Path) -> io::Result<()> {
    fs::rename(root.join(layout::HEAD_TEMP), root.join(layout::HEAD))?;
    sync_dir(root)
}

pub(super) fn lock(path: &Path, modes: Modes, wait: bool) -> io::Result<Option<File>> {
    let file = options_with(modes.file)
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    if modes != Modes::PRIVATE {
        set_mode(path, modes.file)?;
    }
    if wait {
        FileExt::lock_exclusive(&file)?;
        return Ok(Some(file));
    }
    match FileExt::try_lock_exclusive(&file) {
        Ok(true) => Ok(Some(file)),
        _ => Ok(None),
    }
}
