//! The durable file operations both witnesses rely on: a file replaced
//! atomically (temporary file, fsync, rename, fsync of the folder), a line
//! appended and fsync'd, a folder locked against a second process, and the
//! per-origin file name.

use std::fs::{File, OpenOptions};
use std::io::{self, ErrorKind, Write as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use sha2::{Digest as _, Sha256};

/// Counts temporary files so that two threads never share one.
static TEMPORARY_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The file name under which a witness keeps an origin's latest checkpoint:
/// the hex SHA-256 of the origin and `.checkpoint`.
pub fn checkpoint_file_name(origin: &str) -> String {
    format!(
        "{}.checkpoint",
        hex::encode(Sha256::digest(origin.as_bytes()))
    )
}

/// Replaces `path` with `contents` so that a crash leaves either the old or
/// the new file whole: a temporary file in the same folder, written and
/// fsync'd, renamed over `path`, then the folder fsync'd.
pub(crate) fn write_atomically(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    let folder = parent_folder(path);
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = folder.join(format!(
        ".{file_name}.{}-{}.tmp",
        std::process::id(),
        TEMPORARY_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written =
        write_new_file(&temporary, contents, mode).and_then(|()| std::fs::rename(&temporary, path));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error);
    }
    sync_folder(&folder)
}

/// Creates `path` (which must not exist) with `contents`, fsync'd.
pub(crate) fn write_new_file(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Appends `text` to `path` (created if missing) and fsyncs it.
pub(crate) fn append_durably(path: &Path, text: &str) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_data()
}

/// Fsyncs a folder so that a rename or a new file in it is durable.
pub(crate) fn sync_folder(folder: &Path) -> io::Result<()> {
    File::open(folder)?.sync_all()
}

/// The folder holding `path` (`.` for a bare file name).
fn parent_folder(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Reads a file as text, `None` when it does not exist.
pub(crate) fn read_optional(path: &Path) -> io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// A lock on a folder, for one check-then-write at a time: a mutex among
/// the threads of this process and an exclusive `flock` on a lock file
/// among processes.
#[derive(Debug)]
pub(crate) struct FolderLock {
    /// The open lock file; the mutex serialises this process's threads,
    /// which share one open file description that `flock` does not tell
    /// apart.
    file: Mutex<File>,
}

/// Holds a [`FolderLock`] until dropped.
pub(crate) struct FolderGuard<'lock> {
    /// The locked lock file.
    file: MutexGuard<'lock, File>,
}

impl FolderLock {
    /// Opens (creating it if missing) the lock file at `path`.
    pub(crate) fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)?;
        Ok(Self {
            file: Mutex::new(file),
        })
    }

    /// Waits for the lock of this process's threads, then for other
    /// processes'.
    pub(crate) fn lock(&self) -> io::Result<FolderGuard<'_>> {
        // A thread that panicked while holding the lock left no half-written
        // file behind (every write is atomic), so the lock is still good.
        let file = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        file.lock()?;
        Ok(FolderGuard { file })
    }
}

impl Drop for FolderGuard<'_> {
    fn drop(&mut self) {
        // Closing the file would release it too; unlocking lets the same
        // open file be locked again by the next request.
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("a.checkpoint");
        write_atomically(&path, b"one\n", 0o644).unwrap();
        write_atomically(&path, b"two\n", 0o644).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two\n");
        let names: Vec<_> = std::fs::read_dir(folder.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.checkpoint"]);
        assert_eq!(read_optional(&folder.path().join("missing")).unwrap(), None);
    }

    #[test]
    fn file_name_is_hex_sha256_of_origin() {
        assert_eq!(
            checkpoint_file_name(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.checkpoint"
        );
    }
}
