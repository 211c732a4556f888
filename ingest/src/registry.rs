//! The registry folder going into the store (DESIGN.md, "Registry files"):
//! reading its four files, checking them with [`Registry::parse`], and
//! appending a snapshot of them to the `registry` stream when they changed.
//!
//! A snapshot is one record per registry file present in the folder (file
//! name, lowercase hex SHA-256 of its content, the content; the content is
//! also the record's `raw`), all in one commit, in the order of
//! [`FILES`], with the ingest time as their time. All records of a
//! snapshot share that time and it is later than the previous snapshot's,
//! so a reader tells snapshots apart by their `time`. A file absent from
//! the folder counts as empty and has no record, so every snapshot is
//! complete by itself: the registry at any moment is the newest snapshot
//! recorded before it. A registry with a
//! problem is never stored: [`CheckedRegistry`] can only be made from a
//! folder that [`Registry::parse`] accepts, and only it can be snapshotted.
//!
//! "Changed" means that the set of (file, digest) differs from that of the
//! newest snapshot in the store (`vakt_store::snapshot`), read from the
//! store itself rather than from a copy of its digests kept elsewhere.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use vakt_schemas::registry::{FILES, OPTIONAL_FILES, Problem, Registry, RegistryError};
use vakt_schemas::{Event, RegistryEvent};
use vakt_store::snapshot::{Snapshot, newest_snapshot};
use vakt_store::{PendingRecord, StoreWriter, WriteError};

/// The registry folder could not be read at all.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the registry folder {}: {source}; give the folder holding datasets.toml, people.toml, authorizations.toml and deletions.toml", dir.display())]
pub struct RegistryReadError {
    pub dir: PathBuf,
    pub source: std::io::Error,
}

/// The registry folder has problems; nothing of it may be stored.
#[derive(Debug, Clone, thiserror::Error)]
pub struct InvalidRegistry {
    pub dir: PathBuf,
    pub problems: Vec<Problem>,
}

impl fmt::Display for InvalidRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the registry in {} has {} problem(s), so nothing was stored; fix them and run again \
             (`vakt registry check {}` lists them):",
            self.dir.display(),
            self.problems.len(),
            self.dir.display()
        )?;
        for problem in &self.problems {
            write!(f, "\n{problem}")?;
        }
        Ok(())
    }
}

/// The `.toml` files of a registry folder, as read.
#[derive(Clone, Debug)]
pub struct RegistryFolder {
    pub dir: PathBuf,
    /// Every `.toml` file of the folder that is UTF-8 text, by file name
    /// (other names than the four are refused by the check).
    pub texts: BTreeMap<String, String>,
    /// Files that could not be taken as text.
    unreadable: Vec<Problem>,
}

impl RegistryFolder {
    /// Reads the `.toml` files directly in `dir`; files of other kinds and
    /// subfolders are left alone.
    pub fn read(dir: &Path) -> Result<RegistryFolder, RegistryReadError> {
        let read_error = |source| RegistryReadError {
            dir: dir.to_path_buf(),
            source,
        };
        let mut texts = BTreeMap::new();
        let mut unreadable = Vec::new();
        for item in fs::read_dir(dir).map_err(read_error)? {
            let item = item.map_err(read_error)?;
            let path = item.path();
            let is_toml = path
                .extension()
                .is_some_and(|extension| extension.eq_ignore_ascii_case("toml"));
            // Follows symbolic links, so a linked file counts as a file.
            if !is_toml || !path.is_file() {
                continue;
            }
            let name = item.file_name().to_string_lossy().into_owned();
            let bytes = fs::read(&path).map_err(read_error)?;
            match String::from_utf8(bytes) {
                Ok(text) => {
                    texts.insert(name, text);
                }
                Err(error) => unreadable.push(Problem {
                    file: name,
                    entry: None,
                    field: None,
                    message: format!(
                        "not UTF-8 text (invalid byte at {}): save the file as UTF-8",
                        error.utf8_error().valid_up_to()
                    ),
                }),
            }
        }
        Ok(RegistryFolder {
            dir: dir.to_path_buf(),
            texts,
            unreadable,
        })
    }

    /// The registry files present, in snapshot order.
    pub fn present(&self) -> Vec<&'static str> {
        FILES
            .into_iter()
            .filter(|file| self.texts.contains_key(*file))
            .collect()
    }

    /// The registry files absent (they count as empty), in snapshot order;
    /// an optional file (measures.toml) is not named.
    pub fn absent(&self) -> Vec<&'static str> {
        FILES
            .into_iter()
            .filter(|file| !OPTIONAL_FILES.contains(file))
            .filter(|file| !self.texts.contains_key(*file) && !self.is_unreadable(file))
            .collect()
    }

    fn is_unreadable(&self, file: &str) -> bool {
        self.unreadable.iter().any(|problem| problem.file == file)
    }

    /// The SHA-256 (lowercase hex) of each registry file present.
    pub fn digests(&self) -> BTreeMap<String, String> {
        self.present()
            .into_iter()
            .filter_map(|file| {
                let text = self.texts.get(file)?;
                Some((file.to_string(), sha256_hex(text)))
            })
            .collect()
    }

    /// Checks every file; the registry when there is no problem at all.
    /// A folder without any of the four files is refused too: it is more
    /// likely the wrong folder than an empty registry, and a snapshot of
    /// nothing could not be told from no snapshot.
    pub fn check(self) -> Result<CheckedRegistry, InvalidRegistry> {
        let mut problems = self.unreadable.clone();
        let parsed = Registry::parse(&self.texts);
        if let Err(RegistryError(found)) = &parsed {
            problems.extend(found.iter().cloned());
        }
        if self.present().is_empty() && problems.is_empty() {
            problems.push(Problem {
                file: self.dir.display().to_string(),
                entry: None,
                field: None,
                message: format!(
                    "none of {} is in this folder: give the registry folder",
                    FILES.join(", ")
                ),
            });
        }
        match parsed {
            Ok(registry) if problems.is_empty() => Ok(CheckedRegistry {
                folder: self,
                registry,
            }),
            _ => Err(InvalidRegistry {
                dir: self.dir,
                problems,
            }),
        }
    }
}

/// A registry folder without a problem, and what it says.
#[derive(Clone, Debug)]
pub struct CheckedRegistry {
    folder: RegistryFolder,
    registry: Registry,
}

impl CheckedRegistry {
    pub fn folder(&self) -> &RegistryFolder {
        &self.folder
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The records of a snapshot of the folder recorded at `time`.
    pub fn snapshot_records(&self, time: DateTime<Utc>) -> Vec<PendingRecord> {
        let time = time.trunc_subsecs(6);
        self.folder
            .present()
            .into_iter()
            .filter_map(|file| {
                let content = self.folder.texts.get(file)?;
                Some(PendingRecord {
                    time,
                    source: self.folder.dir.join(file).display().to_string(),
                    raw: content.clone(),
                    event: Event::Registry(RegistryEvent {
                        file: file.to_string(),
                        digest: sha256_hex(content),
                        content: content.clone(),
                    }),
                })
            })
            .collect()
    }
}

/// Lowercase hex SHA-256 of a text's bytes.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// How a file differs from the newest snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Changed,
    Removed,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Change::Added => "added",
            Change::Changed => "changed",
            Change::Removed => "removed",
        })
    }
}

/// One registry file that differs from the newest snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileChange {
    pub file: String,
    pub change: Change,
}

/// The files whose digest differs between two snapshots (file to digest),
/// in snapshot order.
pub fn changes(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<FileChange> {
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort_by_key(|name| {
        let position = FILES.iter().position(|file| file == *name);
        (position.unwrap_or(FILES.len()), *name)
    });
    names.dedup();
    names
        .into_iter()
        .filter_map(|file| {
            let change = match (before.get(file), after.get(file)) {
                (None, Some(_)) => Change::Added,
                (Some(_), None) => Change::Removed,
                (Some(old), Some(new)) if old != new => Change::Changed,
                _ => return None,
            };
            Some(FileChange {
                file: file.clone(),
                change,
            })
        })
        .collect()
}

/// What `--registry` did in one ingest.
#[derive(Clone, Debug, Serialize)]
pub struct RegistrySummary {
    /// The folder read.
    pub folder: String,
    pub snapshot_written: bool,
    /// Why: `first snapshot`, the files that changed, or `unchanged`.
    pub reason: String,
    /// The files that differ from the store's newest snapshot before this run.
    pub changes: Vec<FileChange>,
    /// Registry files present in the folder (one record each in a snapshot).
    pub files: Vec<String>,
    /// Registry files absent from the folder (they count as empty).
    pub absent: Vec<String>,
    /// The commit holding the store's newest snapshot after this run.
    pub snapshot_txn: Option<u64>,
}

impl fmt::Display for RegistrySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.snapshot_written {
            write!(f, "registry: snapshot written ({})", self.reason)
        } else {
            write!(f, "registry: {}", self.reason)
        }
    }
}

/// Appends a snapshot of `registry` to the store's `registry` stream, in a
/// commit of its own, unless the newest snapshot there has the same files
/// with the same digests.
pub fn record_snapshot(
    writer: &mut StoreWriter,
    registry: &CheckedRegistry,
) -> Result<RegistrySummary, WriteError> {
    let newest = newest_snapshot(&writer.reader())?;
    let digests = registry.folder().digests();
    let before = newest.as_ref().map(Snapshot::digests).unwrap_or_default();
    let changes = changes(&before, &digests);
    let mut summary = RegistrySummary {
        folder: registry.folder().dir.display().to_string(),
        snapshot_written: false,
        reason: String::new(),
        changes,
        files: registry
            .folder()
            .present()
            .into_iter()
            .map(String::from)
            .collect(),
        absent: registry
            .folder()
            .absent()
            .into_iter()
            .map(String::from)
            .collect(),
        snapshot_txn: newest.as_ref().map(|snapshot| snapshot.txn),
    };
    if newest.is_some() && summary.changes.is_empty() {
        summary.reason = "unchanged".to_string();
        return Ok(summary);
    }
    summary.reason = match newest {
        None => "first snapshot".to_string(),
        Some(_) => summary
            .changes
            .iter()
            .map(|change| format!("{} {}", change.file, change.change))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let now = Utc::now().trunc_subsecs(6);
    let time = match &newest {
        Some(snapshot) => now.max(snapshot.recorded + TimeDelta::microseconds(1)),
        None => now,
    };
    let committed = writer.commit(registry.snapshot_records(time), BTreeMap::new())?;
    summary.snapshot_written = true;
    summary.snapshot_txn = Some(committed.txn);
    Ok(summary)
}

#[cfg(test)]
mod tests;
