//! A store in a local folder: every write flushed to disk (the file, and
//! the folder that names it), folders made 0700 and files 0600, locks held
//! with `flock`.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use fs4::fs_std::FileExt;
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use vakt_schemas::layout;

use super::ListedFile;

/// Mode of the store's folders.
#[cfg(unix)]
pub(crate) const DIR_MODE: u32 = 0o700;
/// Mode of the store's files.
#[cfg(unix)]
pub(crate) const FILE_MODE: u32 = 0o600;

/// Options that create a file only its owner may read.
fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options
}

/// Creates `dir` and any missing parents, each only its owner may enter.
pub(crate) fn create_private_dirs(dir: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)
}

/// Flushes a directory, so that files created or renamed in it survive a
/// power loss.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates the folders of `path` and flushes the ones it made.
fn prepare_parent(root: &Path, path: &Path) -> io::Result<()> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    if parent.is_dir() {
        return Ok(());
    }
    create_private_dirs(parent)?;
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

pub(super) fn create(root: &Path, relative: &str, bytes: &[u8]) -> io::Result<()> {
    let path = root.join(relative);
    prepare_parent(root, &path)?;
    let mut file = private_options().write(true).create_new(true).open(&path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    sync_parent(&path)
}

pub(super) fn replace(root: &Path, relative: &str, bytes: &[u8]) -> io::Result<()> {
    let path = root.join(relative);
    prepare_parent(root, &path)?;
    let mut file = private_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)?;
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
pub(crate) fn append_at(path: &Path, offset: u64, bytes: &[u8]) -> io::Result<()> {
    let mut file = private_options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    file.set_len(offset)?;
    io::Seek::seek(&mut file, io::SeekFrom::Start(offset))?;
    file.write_all(bytes)?;
    file.sync_all()
}

pub(super) fn rename(root: &Path, from: &str, to: &str) -> io::Result<()> {
    let target = root.join(to);
    prepare_parent(root, &target)?;
    fs::rename(root.join(from), &target)?;
    sync_parent(&target)?;
    sync_parent(&root.join(from))
}

/// Renames `HEAD.tmp` over `HEAD` and flushes the folder.
pub(super) fn install_head(root: &Path) -> io::Result<()> {
    fs::rename(root.join(layout::HEAD_TEMP), root.join(layout::HEAD))?;
    sync_dir(root)
}

pub(super) fn lock(path: &Path, wait: bool) -> io::Result<Option<File>> {
    let file = private_options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    if wait {
        FileExt::lock_exclusive(&file)?;
        return Ok(Some(file));
    }
    match FileExt::try_lock_exclusive(&file) {
        Ok(true) => Ok(Some(file)),
        _ => Ok(None),
    }
}
