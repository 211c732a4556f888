//! The inputs of an ingest, and where each stands: a source layer that
//! hands whole lines to the parsers.
//!
//! * [`input`]: a file as bytes, decompressed when it is compressed
//!   (gzip, xz, bzip2, zstd, told by its first bytes), or standard input
//!   kept in a temporary file;
//! * [`identity`]: which content read before an input continues, by the
//!   hash of its first line and of everything stored of it, so that
//!   rotation, compression and copies store nothing twice and two files
//!   that start alike are never confused;
//! * [`lines`]: lines handed out only once their newline has been read,
//!   with the SHA-256 of everything before them.

pub mod identity;
pub mod input;
pub mod lines;

use std::fs;
use std::path::{Path, PathBuf};

pub use identity::{Change, Resume, resume};
pub use input::{Compression, InputFile, InputKind, inspect, spool_stdin};
pub use lines::{Line, LineReader};

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
        "{0}: binary data (NUL bytes in its first 8 KiB), not a text log; convert it to text first"
    )]
    Binary(PathBuf),
    #[error("{path}: not readable as {compression}: {source}; is the file whole?")]
    Corrupt {
        path: PathBuf,
        compression: &'static str,
        source: std::io::Error,
    },
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

impl InputProblem {
    /// The same problem of an input shown under another name (standard
    /// input, read from a temporary file).
    fn renamed(self, name: &str) -> InputProblem {
        let name = PathBuf::from(name);
        match self {
            InputProblem::Missing(_) => InputProblem::Missing(name),
            InputProblem::Unreadable { source, .. } => {
                InputProblem::Unreadable { path: name, source }
            }
            InputProblem::Binary(_) => InputProblem::Binary(name),
            InputProblem::Corrupt {
                compression,
                source,
                ..
            } => InputProblem::Corrupt {
                path: name,
                compression,
                source,
            },
            InputProblem::Empty(_) => InputProblem::Empty(name),
            InputProblem::EmptyDirectory(_) => InputProblem::EmptyDirectory(name),
            InputProblem::NotAFile(_) => InputProblem::NotAFile(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
