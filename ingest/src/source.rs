//! Finding the files to read and recognising a file seen before.
//!
//! A file is recognised by its fingerprint: the SHA-256 of its first line
//! (with the newline, at most 4 KiB). Rotation renames a file without
//! changing its first line, and copying the same log elsewhere does not make
//! it new, so `HEAD` records progress per fingerprint. A file whose
//! fingerprint is known and that is at least as long as the recorded offset
//! is read on from that offset; a shorter one was truncated and is read
//! from the start.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Bytes of the first line that make a fingerprint.
const FINGERPRINT_BYTES: usize = 4096;
/// Bytes looked at to tell a binary file from a log.
const SNIFF_BYTES: usize = 8192;

/// A file ready to read.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    pub size: u64,
    pub modified: DateTime<Utc>,
    pub fingerprint: String,
}

/// Why an input was not read. None of these stops the other inputs.
#[derive(Debug, thiserror::Error)]
pub enum InputProblem {
    #[error("{0}: no such file or directory")]
    Missing(PathBuf),
    #[error("{path}: cannot read: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{0}: binary data (NUL bytes in its first 8 KiB), not a text log; decompress or convert it first"
    )]
    Binary(PathBuf),
    #[error("{0}: empty file, nothing to read")]
    Empty(PathBuf),
    #[error("{0}: directory holds no files")]
    EmptyDirectory(PathBuf),
    #[error("{0}: not a regular file or directory")]
    NotAFile(PathBuf),
}

impl InputProblem {
    /// Whether the input was fine but had nothing in it (not an error).
    pub fn is_benign(&self) -> bool {
        matches!(
            self,
            InputProblem::Empty(_) | InputProblem::EmptyDirectory(_)
        )
    }
}

/// Expands the paths given on the command line: files as they are,
/// directories to the files below them (sorted, hidden names skipped).
pub fn expand_inputs(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<InputProblem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let Ok(metadata) = fs::metadata(path) else {
            problems.push(InputProblem::Missing(path.clone()));
            continue;
        };
        if metadata.is_file() {
            files.push(path.clone());
        } else if metadata.is_dir() {
            let before = files.len();
            if let Err(source) = collect_dir(path, &mut files) {
                problems.push(InputProblem::Unreadable {
                    path: path.clone(),
                    source,
                });
            } else if files.len() == before {
                problems.push(InputProblem::EmptyDirectory(path.clone()));
            }
        } else {
            problems.push(InputProblem::NotAFile(path.clone()));
        }
    }
    (files, problems)
}

fn collect_dir(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?
        .flatten()
        .map(|entry| entry.path())
        .collect();
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            collect_dir(&path, files)?;
        } else if path.is_file() {
            files.push(path);
        }
    }
    Ok(())
}

/// Looks at a file before it is read: its size, age and fingerprint, and
/// whether it is a text log at all.
pub fn inspect(path: &Path) -> Result<InputFile, InputProblem> {
    let unreadable = |source| InputProblem::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let metadata = fs::metadata(path).map_err(unreadable)?;
    if metadata.len() == 0 {
        return Err(InputProblem::Empty(path.to_path_buf()));
    }
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    File::open(path)
        .and_then(|file| file.take(SNIFF_BYTES as u64).read_to_end(&mut head))
        .map_err(unreadable)?;
    if head.contains(&0) {
        return Err(InputProblem::Binary(path.to_path_buf()));
    }
    let modified = metadata
        .modified()
        .map(DateTime::<Utc>::from)
        .unwrap_or_else(|_| Utc::now());
    Ok(InputFile {
        path: path.to_path_buf(),
        size: metadata.len(),
        modified,
        fingerprint: fingerprint(&head),
    })
}

/// The fingerprint of a file that starts with `head`.
pub fn fingerprint(head: &[u8]) -> String {
    let first_line_end = memchr::memchr(b'\n', head).map_or(head.len(), |newline| newline + 1);
    let first_line = &head[..first_line_end.min(FINGERPRINT_BYTES)];
    format!("sha256:{}", hex::encode(Sha256::digest(first_line)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_is_that_of_the_first_line_only() {
        assert_eq!(fingerprint(b"a\nb\n"), fingerprint(b"a\nc\nd\n"));
        assert_ne!(fingerprint(b"a\nb\n"), fingerprint(b"x\nb\n"));
    }

    #[test]
    fn binary_empty_missing_and_directories_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let binary = dir.path().join("a.bin");
        fs::write(&binary, b"ELF\0\0\x01garbage").unwrap();
        assert!(matches!(inspect(&binary), Err(InputProblem::Binary(_))));
        let empty = dir.path().join("empty.log");
        fs::write(&empty, b"").unwrap();
        assert!(matches!(inspect(&empty), Err(InputProblem::Empty(_))));
        let sub = dir.path().join("sub");
        fs::create_dir(&sub).unwrap();
        let (files, problems) = expand_inputs(&[
            sub.clone(),
            dir.path().join("nope"),
            dir.path().to_path_buf(),
        ]);
        assert!(matches!(problems[0], InputProblem::EmptyDirectory(_)));
        assert!(matches!(problems[1], InputProblem::Missing(_)));
        assert_eq!(files, vec![binary, empty]);
    }
}
