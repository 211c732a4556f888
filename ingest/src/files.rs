//! Small file-system steps of a commit, each flushed to disk.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use vakt_schemas::head::Head;
use vakt_schemas::layout;

/// Writes `bytes` at `offset` of the file (which the caller has cut to that
/// length) and flushes it to disk.
pub(crate) fn append_at(path: &Path, offset: u64, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = OpenOptions::new().write(true).open(path)?;
    file.set_len(offset)?;
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(offset))?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Appends a signed note to a checkpoint log at `offset` (notes are separated
/// by a blank line) and returns the log's new length.
pub(crate) fn append_checkpoint(path: &Path, offset: u64, note: &str) -> std::io::Result<u64> {
    if !path.exists() {
        File::create(path)?;
    }
    let mut text = note.to_string();
    text.push('\n');
    append_at(path, offset, text.as_bytes())?;
    Ok(offset + text.len() as u64)
}

/// Replaces `HEAD` atomically: write a temporary file, flush, rename, flush
/// the directory.
pub(crate) fn write_head(root: &Path, head: &Head) -> std::io::Result<()> {
    let mut text = serde_json::to_string_pretty(head).map_err(std::io::Error::other)?;
    text.push('\n');
    let temp = root.join(layout::HEAD_TEMP);
    write_synced(&temp, text.as_bytes())?;
    fs::rename(&temp, root.join(layout::HEAD))?;
    sync_dir(root)
}

/// Flushes a directory, so that files created or renamed in it survive a
/// power loss.
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes a whole file and flushes it to disk.
pub(crate) fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Writes a file only its owner may read (mode 0600 on Unix).
pub(crate) fn write_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
