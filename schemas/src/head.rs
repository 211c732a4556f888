//! The commit point of a store and what it says about the store's identity.
//!
//! A commit is made visible by replacing `HEAD` atomically (write `HEAD.tmp`,
//! flush it, rename it over `HEAD`). Everything a commit wrote before that
//! rename (segments, manifest lines, checkpoints) counts only up to the
//! lengths `HEAD` records; anything past them is the leftover of an
//! interrupted commit, never read and removed by the next writer.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::stream::Stream;

/// Version of the store format this code reads and writes. Version 2
/// signs `HEAD` (version 1 stored it as plain JSON); version 3 derives the
/// records' nonces from the store's nonce key and stores no leaf hashes.
pub const FORMAT_VERSION: u32 = 3;

/// The one older version `vakt upgrade` brings to [`FORMAT_VERSION`].
pub const UPGRADABLE_VERSION: u32 = 2;

/// `store.json`: what store this is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreInfo {
    pub format: u32,
    /// Random identifier of the store, lowercase hex.
    pub store_id: String,
    pub created: DateTime<Utc>,
    /// The checkpoint origin of stream `s` is `<origin_prefix>/<s>`.
    pub origin_prefix: String,
    /// The signed-note verifier key of the store's checkpoints.
    pub verifier_key: String,
    /// For a store `vakt upgrade` brought to format 3: its first commit of
    /// format 3. Segments of earlier commits store leaf hashes, and a
    /// compaction rewrites them even alone. A hint for planning only:
    /// readers tell a segment's layout from its columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format3_from_txn: Option<u64>,
}

impl StoreInfo {
    /// Whether the segment a manifest line of commit `txn` lists was
    /// written by format 2 and stores leaf hashes (see
    /// [`StoreInfo::format3_from_txn`]).
    pub fn stores_leaf_hashes(&self, txn: u64) -> bool {
        self.format3_from_txn.is_some_and(|from| txn < from)
    }

    /// The checkpoint origin line of a stream.
    pub fn origin(&self, stream: Stream) -> String {
        format!("{}/{}", self.origin_prefix, stream.name())
    }

    /// `Err` with what to do when the store is of another format version
    /// than this code reads and writes.
    /// The store's identity must also hold together: origins are
    /// `vakt/<store_id>/…` and the key is named `vakt-<store_id>`, so that
    /// a store cannot take another name for its logs (and with it a history
    /// no witness has seen) while keeping its id.
    pub fn check_format(&self) -> Result<(), String> {
        if self.format == UPGRADABLE_VERSION {
            return Err(format!(
                "store format {UPGRADABLE_VERSION}, this vakt reads and writes format \
                 {FORMAT_VERSION}: run `vakt upgrade` once to bring the store to it (nothing \
                 committed is rewritten)"
            ));
        }
        if self.format != FORMAT_VERSION {
            return Err(format!(
                "store format {}, this vakt reads and writes format {FORMAT_VERSION}; use the \
                 vakt version that made the store",
                self.format
            ));
        }
        self.check_identity()
    }

    /// `Err` when the store's identity does not hold together (see
    /// [`StoreInfo::check_format`]), whatever its format version.
    pub fn check_identity(&self) -> Result<(), String> {
        let origin_prefix = format!("vakt/{}", self.store_id);
        if self.origin_prefix != origin_prefix {
            return Err(format!(
                "origin_prefix is {:?}, but a store with id {} has origins {origin_prefix:?}: \
                 store.json was edited",
                self.origin_prefix, self.store_id
            ));
        }
        let key_name = format!("vakt-{}+", self.store_id);
        if !self.verifier_key.starts_with(&key_name) {
            return Err(format!(
                "the verifier key is not named vakt-{}: store.json was edited",
                self.store_id
            ));
        }
        Ok(())
    }

    /// The first line of the signed `HEAD`: no stream's origin, and no
    /// checkpoint (its second line is not a tree size).
    pub fn head_origin(&self) -> String {
        format!("{}/head", self.origin_prefix)
    }
}

/// `HEAD` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HeadError {
    #[error("not a signed note (no blank line before a signature)")]
    NotSigned,
    #[error("its first line is `{found}`, not `{expected}`")]
    Origin { found: String, expected: String },
    #[error("not the JSON of a HEAD: {0}")]
    Json(#[from] serde_json::Error),
}

/// The text of `head` that the store's key signs: the head origin line,
/// then the head as indented JSON (which has no blank line).
pub fn head_note_text(info: &StoreInfo, head: &Head) -> String {
    // Serialising a struct of strings, numbers and maps cannot fail.
    let json = serde_json::to_string_pretty(head).unwrap_or_default();
    format!("{}\n{json}\n", info.head_origin())
}

/// Reads the `HEAD` file's text: the head it holds, without checking the
/// signature (the signed text is everything up to the last blank line).
pub fn parse_head_file(info: &StoreInfo, file: &str) -> Result<Head, HeadError> {
    let Some(separator) = file.rfind("\n\n") else {
        return Err(HeadError::NotSigned);
    };
    let text = &file[..=separator];
    let (origin, json) = text.split_once('\n').unwrap_or((text, ""));
    if origin != info.head_origin() {
        return Err(HeadError::Origin {
            found: origin.chars().take(80).collect(),
            expected: info.head_origin(),
        });
    }
    Ok(serde_json::from_str(json)?)
}

/// `HEAD`: the last commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub format: u32,
    /// Number of the last commit; 0 for a store that `init` just made.
    pub txn: u64,
    pub committed_at: DateTime<Utc>,
    pub streams: BTreeMap<Stream, StreamHead>,
    /// How far each input's content has been consumed, by source key
    /// (`sha256:` + SHA-256 of the first line, with `~N` for the N-th
    /// different content that starts with the same line).
    pub sources: BTreeMap<String, SourceProgress>,
    /// Length in bytes of the committed part of `pruned.jsonl`.
    #[serde(default)]
    pub pruned_bytes: u64,
}

impl Head {
    /// The head of a store that holds nothing yet.
    pub fn empty(now: DateTime<Utc>, empty_root_hex: &str) -> Head {
        let streams = Stream::ALL
            .into_iter()
            .map(|stream| (stream, StreamHead::empty(empty_root_hex)))
            .collect();
        Head {
            format: FORMAT_VERSION,
            txn: 0,
            committed_at: now,
            streams,
            sources: BTreeMap::new(),
            pruned_bytes: 0,
        }
    }

    /// The committed state of a stream (an empty one if the head lacks it).
    pub fn stream(&self, stream: Stream) -> Option<&StreamHead> {
        self.streams.get(&stream)
    }
}

/// The committed state of one stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamHead {
    /// Number of manifest entries.
    pub entries: u64,
    /// Length in bytes of the committed part of `manifest.jsonl`.
    pub manifest_bytes: u64,
    /// Chain hash of the last manifest line (manifest::GENESIS when none).
    pub last_entry_hash: String,
    /// Records in the stream = size of its Merkle tree.
    pub tree_size: u64,
    /// Root of the tree, lowercase hex.
    pub root: String,
    /// Length in bytes of the committed part of `checkpoints`.
    pub checkpoints_bytes: u64,
}

impl StreamHead {
    pub fn empty(empty_root_hex: &str) -> StreamHead {
        StreamHead {
            entries: 0,
            manifest_bytes: 0,
            last_entry_hash: crate::manifest::GENESIS.to_string(),
            tree_size: 0,
            root: empty_root_hex.to_string(),
            checkpoints_bytes: 0,
        }
    }
}

/// How much of one input's content has been stored. Offsets and hashes
/// are of the content as read: a compressed file's decompressed bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceProgress {
    /// The path it was last read from.
    pub path: String,
    /// Byte offset up to which every line is stored (as a record or in quarantine).
    pub offset: u64,
    /// Lines consumed so far.
    pub lines: u64,
    pub updated: DateTime<Utc>,
    /// SHA-256 (lowercase hex) of the content's first `offset` bytes: an
    /// input is taken for this one only when its first `offset` bytes
    /// hash the same. Absent in entries written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_sha256: Option<String>,
    /// Device and inode of the file last read, where the file system has
    /// them: they tell a file changed in place (truncated, rewritten) from
    /// a new file at the same path. Never used to match content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inode: Option<u64>,
}
