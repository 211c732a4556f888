//! Small file-system steps of a commit, each flushed to disk, and the
//! modes a store's files are made with: only their owner may read them
//! (folders 0700, files 0600), as the logs are personal data.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use vakt_schemas::checkpoint::{CheckpointError, NoteSigner, NoteVerifier};
use vakt_schemas::head::{Head, StoreInfo, head_note_text, parse_head_file};
use vakt_schemas::layout;

/// Mode of the store's folders.
#[cfg(unix)]
pub(crate) const DIR_MODE: u32 = 0o700;
/// Mode of the store's files.
#[cfg(unix)]
pub(crate) const FILE_MODE: u32 = 0o600;

/// Options that create a file only its owner may read.
pub(crate) fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options
}

/// Creates `dir` and any missing parents, each only its owner may enter.
pub(crate) fn create_private_dirs(dir: &Path) -> std::io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)
}

/// Writes `bytes` at `offset` of the file (which the caller has cut to that
/// length) and flushes it to disk.
pub(crate) fn append_at(path: &Path, offset: u64, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = private_options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    file.set_len(offset)?;
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(offset))?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Appends a signed note to a checkpoint log at `offset` (notes are separated
/// by a blank line) and returns the log's new length.
pub(crate) fn append_checkpoint(path: &Path, offset: u64, note: &str) -> std::io::Result<u64> {
    let mut text = note.to_string();
    text.push('\n');
    append_at(path, offset, text.as_bytes())?;
    Ok(offset + text.len() as u64)
}

/// Writes the next `HEAD` (its signed note) to `HEAD.tmp`, flushed: the
/// commit is decided.
pub(crate) fn write_head_temp(root: &Path, signed_head: &str) -> std::io::Result<()> {
    write_synced(&root.join(layout::HEAD_TEMP), signed_head.as_bytes())
}

/// Makes `HEAD.tmp` the `HEAD` (an atomic rename) and flushes the folder.
pub(crate) fn install_head(root: &Path) -> std::io::Result<()> {
    fs::rename(root.join(layout::HEAD_TEMP), root.join(layout::HEAD))?;
    sync_dir(root)
}

/// Replaces `HEAD` atomically: write a temporary file, flush, rename, flush
/// the directory.
pub(crate) fn write_head(root: &Path, signed_head: &str) -> std::io::Result<()> {
    write_head_temp(root, signed_head)?;
    install_head(root)
}

/// The signed note of `head`.
pub(crate) fn sign_head(
    signer: &NoteSigner,
    info: &StoreInfo,
    head: &Head,
) -> Result<String, CheckpointError> {
    signer.sign_text(&head_note_text(info, head))
}

/// Reads a `HEAD` file (or `HEAD.tmp`) and checks its signature with the
/// store's key; `Err` says what is wrong.
pub(crate) fn read_signed_head(
    path: &Path,
    info: &StoreInfo,
    verifier: &NoteVerifier,
) -> Result<Head, String> {
    let text = fs::read_to_string(path).map_err(|error| error.to_string())?;
    verifier
        .verify_text(&text)
        .map_err(|error| format!("its signature does not verify with the store's key: {error}"))?;
    parse_head_file(info, &text).map_err(|error| error.to_string())
}

/// Flushes a directory, so that files created or renamed in it survive a
/// power loss.
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes a whole file (replacing it) and flushes it to disk.
pub(crate) fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = private_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Writes a new file, refusing to replace one.
pub(crate) fn write_new_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = private_options().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Opens (creating it when missing) a lock file.
pub(crate) fn open_lock_file(path: &Path) -> std::io::Result<File> {
    private_options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

/// What of the store at `root` a user other than its owner (and group)
/// can reach: the paths (relative, `.` for the root; at most `limit`)
/// that others may read or enter, with their modes. A folder others
/// cannot enter hides everything below it.
#[cfg(unix)]
pub fn exposed_paths(root: &Path, limit: usize) -> Vec<(String, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut exposed = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(path) = pending.pop() {
        if exposed.len() >= limit {
            break;
        }
        let Ok(metadata) = fs::symlink_metadata(&path) else {
            continue;
        };
        let mode = metadata.permissions().mode() & 0o777;
        let others_read = mode & 0o004 != 0;
        let others_enter = mode & 0o001 != 0;
        if others_read || (metadata.is_dir() && others_enter) {
            let relative = path
                .strip_prefix(root)
                .map(|relative| relative.display().to_string())
                .unwrap_or_default();
            let name = if relative.is_empty() {
                ".".to_string()
            } else {
                relative
            };
            exposed.push((name, mode));
        }
        if metadata.is_dir()
            && others_enter
            && let Ok(entries) = fs::read_dir(&path)
        {
            pending.extend(entries.flatten().map(|entry| entry.path()));
        }
    }
    exposed
}

#[cfg(not(unix))]
pub fn exposed_paths(_root: &Path, _limit: usize) -> Vec<(String, u32)> {
    Vec::new()
}
