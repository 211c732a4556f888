//! The committed state of a store, read without taking the writer's lock:
//! `HEAD` says how much of each manifest and checkpoint log is committed,
//! and nothing past that is ever read.

use std::path::{Path, PathBuf};

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use object_store::ObjectStore;

use vakt_schemas::arrow::StoredRow;
use vakt_schemas::checkpoint::{NoteVerifier, split_notes};
use vakt_schemas::head::{Head, StoreInfo, parse_head_file};
use vakt_schemas::keyring::KeyRing;
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::nonce::NonceKey;
use vakt_schemas::prune::PrunedSegment;
use vakt_schemas::{Record, Stream, layout};

mod by_seq;
mod live;

pub use live::{IngestSpan, LiveSegment};

use crate::checked::{CheckedSegments, ListedFile};
use crate::nonce_key;
use crate::segment::rows_of;
pub(crate) use crate::segment::{check_segment_bytes, pruned_leaves};
use crate::storage::Storage;

/// The store could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(
        "{0} is not a vakt store (no store.json); create one with `vakt init` or point --store at one"
    )]
    NotAStore(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {detail}")]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "{path} is not the segment file the manifest lists ({detail}): it was changed or \
         replaced, so nothing is read from it; run `vakt verify` to see what is wrong"
    )]
    Tampered { path: PathBuf, detail: String },
    #[error(
        "{stream} record {seq} was pruned (kept past its retention); only its leaf hash remains"
    )]
    Pruned { stream: Stream, seq: u64 },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ReadError + '_ {
    move |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One committed manifest line and the entry it holds (if it parses).
#[derive(Debug, Clone)]
pub struct ManifestLine {
    /// 1-based line number in the manifest file.
    pub number: usize,
    pub text: String,
    pub entry: Result<ManifestEntry, String>,
}

/// Splits manifest text into its lines and entries.
pub fn manifest_lines(text: &str) -> Vec<ManifestLine> {
    text.lines()
        .enumerate()
        .map(|(index, line)| ManifestLine {
            number: index + 1,
            text: line.to_string(),
            entry: ManifestEntry::from_line(line).map_err(|error| error.to_string()),
        })
        .collect()
}

/// A log file's committed text and how its length compares with HEAD's.
#[derive(Debug, Clone)]
pub struct LogText {
    pub text: String,
    pub committed_bytes: u64,
    pub actual_bytes: u64,
}

/// A store opened for reading.
#[derive(Debug, Clone)]
pub struct StoreReader {
    storage: Storage,
    info: StoreInfo,
    head: Head,
    /// The `HEAD` file as it was read (none when a writer made this view).
    head_file: Option<String>,
    /// Each stream's committed manifest entries, once read.
    entries: Arc<Mutex<BTreeMap<Stream, Arc<Vec<ManifestEntry>>>>>,
    /// The store's nonce key, when `nonce.key` holds one: without it,
    /// records whose segments do not store their nonces cannot be read
    /// (`vakt verify` says why).
    nonce_key: Option<NonceKey>,
}

impl StoreReader {
    /// Opens the store at `root` (a folder, or an `s3://` URL).
    pub fn open(root: &Path) -> Result<StoreReader, ReadError> {
        let storage = Storage::open(root).map_err(io_error(root))?;
        let info_path = storage.path(layout::STORE_INFO);
        if !storage
            .exists(layout::STORE_INFO)
            .map_err(io_error(&info_path))?
        {
            return Err(ReadError::NotAStore(root.to_path_buf()));
        }
        let info: StoreInfo = read_json(&storage, layout::STORE_INFO)?;
        info.check_format().map_err(|detail| ReadError::Damaged {
            path: info_path.clone(),
            detail,
        })?;
        let head_path = storage.path(layout::HEAD);
        let (text, _) = storage.read_head().map_err(io_error(&head_path))?;
        let head = parse_head_file(&info, &text).map_err(|error| ReadError::Damaged {
            path: head_path.clone(),
            detail: error.to_string(),
        })?;
        let nonce_key = nonce_key::load(&storage).ok();
        Ok(StoreReader {
            storage,
            info,
            head,
            head_file: Some(text),
            entries: Arc::default(),
            nonce_key,
        })
    }

    /// The store as a writer that holds its commit point knows it.
    pub(crate) fn from_parts(
        storage: &Storage,
        info: StoreInfo,
        head: Head,
        nonce_key: NonceKey,
    ) -> StoreReader {
        StoreReader {
            storage: storage.clone(),
            info,
            head,
            head_file: None,
            entries: Arc::default(),
            nonce_key: Some(nonce_key),
        }
    }

    /// The key that derives the nonces segments do not store, when the
    /// store's `nonce.key` could be read.
    pub fn nonce_key(&self) -> Option<&NonceKey> {
        self.nonce_key.as_ref()
    }

    /// The signed `HEAD` file this view was read from, when it was opened
    /// from the files (not handed over by a writer).
    pub fn head_file(&self) -> Option<&str> {
        self.head_file.as_deref()
    }

    /// The store's folder, or its URL.
    pub fn root(&self) -> &Path {
        self.storage.root()
    }

    /// Where the store's files are.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// A store file's name for messages.
    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.storage.path(relative)
    }

    pub fn info(&self) -> &StoreInfo {
        &self.info
    }

    pub fn head(&self) -> &Head {
        &self.head
    }

    /// Every key that signed the store, oldest first: `store.json`'s and
    /// each rotation's (`key-rotations`).
    pub fn keys(&self) -> Result<KeyRing, ReadError> {
        crate::keys::key_ring(&self.storage, &self.info).map_err(|error| ReadError::Damaged {
            path: self.path(layout::KEY_ROTATIONS),
            detail: error.to_string(),
        })
    }

    /// The key the store signs with now: the newest of [`StoreReader::keys`].
    pub fn verifier(&self) -> Result<NoteVerifier, ReadError> {
        Ok(self.keys()?.current().clone())
    }

    /// The committed bytes of a log file: its first `length` bytes.
    fn committed_text(&self, relative: &str, length: u64) -> Result<String, ReadError> {
        let log = self.log_text(relative, length)?;
        if log.actual_bytes < length {
            return Err(ReadError::Damaged {
                path: self.path(relative),
                detail: format!("{} bytes where HEAD committed {length}", log.actual_bytes),
            });
        }
        Ok(log.text)
    }

    /// A log file (manifest or checkpoints) as far as HEAD committed it, or
    /// all of it when it is shorter than that; verification reports the
    /// difference instead of giving up.
    pub fn log_text(&self, relative: &str, committed_bytes: u64) -> Result<LogText, ReadError> {
        let path = self.path(relative);
        let mut bytes = self.storage.read(relative).map_err(io_error(&path))?;
        let actual_bytes = bytes.len() as u64;
        bytes.truncate(bytes.len().min(committed_bytes as usize));
        // Valid UTF-8 (always, unless damaged) is taken as it is, uncopied.
        let text = String::from_utf8(bytes)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned());
        Ok(LogText {
            text,
            committed_bytes,
            actual_bytes,
        })
    }

    /// How many bytes of a stream's manifest and checkpoint log HEAD commits.
    pub fn committed_lengths(&self, stream: Stream) -> (u64, u64) {
        self.head
            .stream(stream)
            .map_or((0, 0), |head| (head.manifest_bytes, head.checkpoints_bytes))
    }

    /// The committed manifest lines of a stream.
    pub fn manifest(&self, stream: Stream) -> Result<Vec<ManifestLine>, ReadError> {
        let (length, _) = self.committed_lengths(stream);
        let text = self.committed_text(&layout::manifest(stream), length)?;
        Ok(manifest_lines(&text))
    }

    /// The committed signed checkpoints of a stream, oldest first.
    pub fn checkpoints(&self, stream: Stream) -> Result<Vec<String>, ReadError> {
        let (_, length) = self.committed_lengths(stream);
        let text = self.committed_text(&layout::checkpoints(stream), length)?;
        Ok(split_notes(&text))
    }

    /// The newest signed checkpoint of a stream.
    pub fn latest_checkpoint(&self, stream: Stream) -> Result<Option<String>, ReadError> {
        Ok(self.checkpoints(stream)?.pop())
    }

    /// The segments pruned so far (the committed lines of `pruned.jsonl`),
    /// by path.
    pub fn pruned(&self) -> Result<BTreeMap<String, PrunedSegment>, ReadError> {
        if self.head.pruned_bytes == 0 {
            return Ok(BTreeMap::new());
        }
        let text = self.committed_text(layout::PRUNED, self.head.pruned_bytes)?;
        text.lines()
            .enumerate()
            .map(|(index, line)| {
                PrunedSegment::from_line(line)
                    .map(|segment| (segment.path.clone(), segment))
                    .map_err(|error| ReadError::Damaged {
                        path: self.path(layout::PRUNED),
                        detail: format!("line {}: {error}", index + 1),
                    })
            })
            .collect()
    }

    /// An object store holding exactly the committed segments of every
    /// stream (paths relative to the store root), each served only after
    /// its bytes were checked against its manifest line (`checked.rs`).
    pub fn segment_store(&self) -> Result<Arc<dyn ObjectStore>, ReadError> {
        let mut listed = HashMap::new();
        for stream in Stream::ALL {
            for entry in self.present_entries(stream)? {
                listed.insert(
                    entry.path.clone(),
                    ListedFile {
                        size: entry.file_size,
                        sha256: entry.file_sha256.clone(),
                        tail: entry.tail_offset.zip(entry.tail_sha256.clone()),
                    },
                );
            }
        }
        let files = self
            .storage
            .object_store()
            .map_err(io_error(self.storage.root()))?;
        Ok(Arc::new(CheckedSegments::new(files, listed)))
    }

    /// The committed manifest entries of a stream. A line that does not
    /// parse stops the reader: the store needs `vakt verify`.
    pub fn manifest_entries(&self, stream: Stream) -> Result<Vec<ManifestEntry>, ReadError> {
        Ok(self.cached_entries(stream)?.as_ref().clone())
    }

    /// The committed manifest entries of a stream, read and parsed once
    /// per view: a view's committed lengths never change, and a query
    /// reads the manifests more than once (its tables, its checked files).
    fn cached_entries(&self, stream: Stream) -> Result<Arc<Vec<ManifestEntry>>, ReadError> {
        if let Some(entries) = self
            .entries
            .lock()
            .ok()
            .and_then(|cache| cache.get(&stream).cloned())
        {
            return Ok(entries);
        }
        let (length, _) = self.committed_lengths(stream);
        let text = self.committed_text(&layout::manifest(stream), length)?;
        let entries = text
            .lines()
            .enumerate()
            .map(|(index, line)| {
                ManifestEntry::from_line(line).map_err(|error| ReadError::Damaged {
                    path: self.path(&layout::manifest(stream)),
                    detail: format!(
                        "line {}: {error} (run `vakt verify` to see what is wrong)",
                        index + 1
                    ),
                })
            })
            .collect::<Result<Vec<ManifestEntry>, ReadError>>()?;
        let entries = Arc::new(entries);
        if let Ok(mut cache) = self.entries.lock() {
            cache.insert(stream, Arc::clone(&entries));
        }
        Ok(entries)
    }

    /// The bytes of a segment, after checking that they are the file its
    /// manifest entry lists (size and SHA-256): what a reader shows comes
    /// from these bytes, never from the file again.
    pub fn segment_bytes(&self, entry: &ManifestEntry) -> Result<Bytes, ReadError> {
        let path = self.path(&entry.path);
        let bytes = self.storage.read(&entry.path).map_err(io_error(&path))?;
        check_segment_bytes(entry, &bytes).map_err(|detail| ReadError::Tampered {
            path: path.clone(),
            detail,
        })?;
        Ok(Bytes::from(bytes))
    }

    /// Every row of one segment the manifest lists, checked against it.
    pub fn read_segment_rows(
        &self,
        stream: Stream,
        entry: &ManifestEntry,
    ) -> Result<Vec<StoredRow>, ReadError> {
        let bytes = self.segment_bytes(entry)?;
        rows_of(stream, &self.path(&entry.path), bytes, self.nonce_key())
    }

    /// Every committed record of a stream that is still kept (not
    /// pruned), in sequence order.
    pub fn records(&self, stream: Stream) -> Result<Vec<Record>, ReadError> {
        let mut records = Vec::new();
        for entry in self.present_entries(stream)? {
            records.extend(self.segment_records(stream, &entry)?);
        }
        Ok(records)
    }

    /// The records of one segment the manifest lists, in sequence order
    /// (a compacted file keeps them in time order).
    pub fn segment_records(
        &self,
        stream: Stream,
        entry: &ManifestEntry,
    ) -> Result<Vec<Record>, ReadError> {
        let rows = self.read_segment_rows(stream, entry)?;
        let mut records = self.rows_to_records(stream, &entry.path, rows)?;
        if entry.is_compaction() {
            records.sort_by_key(|record| record.envelope.seq);
        }
        Ok(records)
    }

    fn rows_to_records(
        &self,
        stream: Stream,
        relative: &str,
        rows: Vec<StoredRow>,
    ) -> Result<Vec<Record>, ReadError> {
        rows.into_iter()
            .map(|row| {
                Record::from_values(stream, &row.values).map_err(|error| ReadError::Damaged {
                    path: self.path(relative),
                    detail: error.to_string(),
                })
            })
            .collect()
    }
}

fn read_json<T: serde::de::DeserializeOwned>(
    storage: &Storage,
    relative: &str,
) -> Result<T, ReadError> {
    let path = storage.path(relative);
    let text = storage.read_to_string(relative).map_err(io_error(&path))?;
    serde_json::from_str(&text).map_err(|error| ReadError::Damaged {
        path,
        detail: error.to_string(),
    })
}
