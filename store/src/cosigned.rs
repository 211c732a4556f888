//! Cosigned checkpoints: the store's signed checkpoints with the
//! cosignatures witnesses gave them (c2sp.org/tlog-cosignature), kept in
//! `<stream>/cosignatures`, and the consistency proofs a witness asks for.
//!
//! The log is no part of what `HEAD` commits: a cosignature arrives after
//! the commit it vouches for, and it carries its own proof (the witness's
//! signature). Each entry is one signed note, the store's checkpoint with
//! its signature followed by the witnesses' signature lines, then a blank
//! line. Removing entries cannot make a rewritten store look consistent:
//! the witnesses keep what they cosigned.

use vakt_schemas::checkpoint::split_notes;
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::merkle::{Frontier, Hash, consistency_proof_from_frontier};
use vakt_schemas::{Stream, layout};

use crate::commit::commit_lock;
use crate::reader::{ReadError, StoreReader};
use crate::writer::{WriteError, io_error};

impl StoreReader {
    /// Every cosigned checkpoint kept for `stream`, oldest first.
    pub fn cosigned(&self, stream: Stream) -> Result<Vec<String>, ReadError> {
        let relative = layout::cosignatures(stream);
        let path = self.path(&relative);
        let exists = self
            .storage()
            .exists(&relative)
            .map_err(|source| ReadError::Io {
                path: path.clone(),
                source,
            })?;
        if !exists {
            return Ok(Vec::new());
        }
        let text = self
            .storage()
            .read_to_string(&relative)
            .map_err(|source| ReadError::Io { path, source })?;
        Ok(whole_entries(&text).0)
    }

    /// The right edge of `stream`'s tree when it had `size` leaves: `size`
    /// must be 0 or the end of a committed manifest line (every checkpoint
    /// size is).
    pub fn frontier_at(&self, stream: Stream, size: u64) -> Result<Frontier, ReadError> {
        if size == 0 {
            return Ok(Frontier::new());
        }
        let manifest_path = self.path(&layout::manifest(stream));
        let entry: ManifestEntry = self
            .manifest_entries(stream)?
            .into_iter()
            .find(|entry| entry.tree_size == size)
            .ok_or_else(|| ReadError::Damaged {
                path: manifest_path.clone(),
                detail: format!("no manifest line ends at tree size {size}"),
            })?;
        let damaged = |detail: String| ReadError::Damaged {
            path: manifest_path.clone(),
            detail,
        };
        let subtrees = entry
            .frontier
            .iter()
            .map(|hex_hash| {
                hex::decode(hex_hash)
                    .ok()
                    .and_then(|bytes| Hash::try_from(bytes).ok())
                    .ok_or_else(|| damaged(format!("frontier hash {hex_hash:?} is not 32 bytes")))
            })
            .collect::<Result<Vec<Hash>, ReadError>>()?;
        Frontier::from_parts(size, subtrees).map_err(|error| damaged(error.to_string()))
    }

    /// The RFC 6962 consistency proof from `stream`'s tree of `old_size`
    /// leaves (0 or a checkpoint's size) to the tree of `new_size`, built
    /// from the old tree's right edge and the leaves added since.
    pub fn consistency_proof(
        &self,
        stream: Stream,
        old_size: u64,
        new_size: u64,
    ) -> Result<Vec<Hash>, ReadError> {
        // Every tree extends the empty one, and a tree itself: no proof.
        if old_size == 0 || old_size == new_size {
            return Ok(Vec::new());
        }
        let frontier = self.frontier_at(stream, old_size)?;
        let added = self.leaf_hashes_between(stream, old_size, new_size)?;
        consistency_proof_from_frontier(&frontier, &added).map_err(|error| ReadError::Damaged {
            path: self.path(&layout::manifest(stream)),
            detail: error.to_string(),
        })
    }
}

/// The log's whole entries and the length they take: a last entry cut
/// short by a crash (the log does not end with a blank line after it) is
/// left out, and the next append writes over it.
fn whole_entries(text: &str) -> (Vec<String>, usize) {
    let mut notes = split_notes(text);
    if !text.ends_with("\n\n") {
        notes.pop();
    }
    let length = notes.iter().map(|note| note.len() + 1).sum::<usize>();
    (notes, length.min(text.len()))
}

/// Appends a cosigned checkpoint (the store's signed note with the
/// witnesses' signature lines) to `stream`'s cosignature log, under the
/// commit lock so that appends never interleave.
pub fn append_cosigned(reader: &StoreReader, stream: Stream, note: &str) -> Result<(), WriteError> {
    let storage = reader.storage();
    let _lock = commit_lock(storage)?;
    let relative = layout::cosignatures(stream);
    let path = storage.path(&relative);
    let length = if storage.exists(&relative).map_err(io_error(&path))? {
        let text = storage.read_to_string(&relative).map_err(io_error(&path))?;
        whole_entries(&text).1 as u64
    } else {
        0
    };
    let mut entry = note.to_string();
    if !entry.ends_with('\n') {
        entry.push('\n');
    }
    entry.push('\n');
    storage
        .append_at(&relative, length, entry.as_bytes())
        .map_err(io_error(&path))
}
