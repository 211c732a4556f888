//! The full-text index checked against the records: a doctored index (one
//! that hides a record's terms from searches, or gives it terms or a time
//! it does not have) is a problem, found by comparing a digest of every
//! posting the index holds with the digest of the postings the records
//! give (`vakt_index::digest`). The records' side is computed while the
//! segments are read for the trees, so the check costs one pass over the
//! index's postings, and that pass runs on a thread of its own while the
//! records are checked, so on two cores it adds little to the time of a
//! verification.

use std::collections::BTreeMap;
use std::thread::JoinHandle;

use vakt_index::IndexError;

use vakt_index::INDEXED_STREAMS;
use vakt_index::digest::{DigestKey, PostingsDigest, RecordsDigest, index_blocks, index_digests};
use vakt_schemas::Stream;

use super::report::Problem;
use crate::fulltext::{coverage, index_dir};
use crate::reader::StoreReader;

/// What the index holds, per stream, or why it could not be read.
type Held = Result<BTreeMap<Stream, PostingsDigest>, IndexError>;

/// The index of a store and what its records say it must hold.
pub(super) struct IndexCheck {
    dir: std::path::PathBuf,
    /// The digests of what the index holds, computed meanwhile.
    held: JoinHandle<Held>,
    /// Per stream: records below this are compared (what the index covers,
    /// at most what `HEAD` commits).
    bounds: BTreeMap<Stream, u64>,
    /// Drawn for this verification, after the index was written.
    key: DigestKey,
    /// The index's blocks, per stream: (first seq, count).
    blocks: BTreeMap<Stream, Vec<(u64, u64)>>,
    expected: BTreeMap<Stream, PostingsDigest>,
}

impl IndexCheck {
    /// The check of the store's index, when it has one this version reads.
    pub(super) fn prepare(store: &StoreReader, warnings: &mut Vec<Problem>) -> Option<IndexCheck> {
        let dir = index_dir(store);
        if !vakt_index::writer::exists(&dir) {
            return None;
        }
        let covered = match coverage(store) {
            Ok(Some(covered)) => covered,
            Ok(None) => {
                warnings.push(index_warning(
                    "the full-text index is another version's or another store's, so it was \
                     not checked; `vakt index --rebuild` builds it again from the records",
                ));
                return None;
            }
            Err(error) => {
                warnings.push(index_warning(&format!(
                    "the full-text index cannot be read ({error}), so it was not checked; \
                     `vakt index --rebuild` builds it again from the records"
                )));
                return None;
            }
        };
        let bounds = covered
            .into_iter()
            .map(|(stream, covered)| {
                let committed = store.head().stream(stream).map_or(0, |head| head.tree_size);
                (stream, covered.min(committed))
            })
            .collect::<BTreeMap<Stream, u64>>();
        let blocks = match index_blocks(&dir, &bounds) {
            Ok(blocks) => blocks,
            Err(error) => {
                warnings.push(index_warning(&format!(
                    "the full-text index cannot be read ({error}), so it was not checked; \
                     `vakt index --rebuild` builds it again from the records"
                )));
                return None;
            }
        };
        let key = DigestKey::random();
        let held = {
            let (dir, bounds, key) = (dir.clone(), bounds.clone(), key.clone());
            std::thread::spawn(move || index_digests(&dir, &bounds, &key))
        };
        Some(IndexCheck {
            dir,
            held,
            bounds,
            key,
            blocks,
            expected: BTreeMap::new(),
        })
    }

    /// Where the verification of `stream`'s records adds what they give,
    /// handed back with [`IndexCheck::put_expected`] when it is done.
    pub(super) fn take_expected(&mut self, stream: Stream) -> Option<(u64, RecordsDigest)> {
        let bound = *self.bounds.get(&stream)?;
        let blocks = self.blocks.remove(&stream).unwrap_or_default();
        Some((bound, RecordsDigest::new(&self.key, stream, blocks)))
    }

    /// What the verification of `stream`'s records added.
    pub(super) fn put_expected(&mut self, stream: Stream, digest: RecordsDigest) {
        self.expected.insert(stream, digest.finish());
    }

    /// Reads the index's postings and reports each stream whose differ.
    pub(super) fn compare(self, problems: &mut Vec<Problem>, warnings: &mut Vec<Problem>) {
        let held = self.held.join().unwrap_or_else(|_| {
            Err(IndexError::Incompatible {
                path: self.dir.clone(),
                detail: "reading its postings failed".to_string(),
            })
        });
        let found = match held {
            Ok(found) => found,
            Err(error) => {
                warnings.push(index_warning(&format!(
                    "the full-text index cannot be read ({error}), so it was not checked"
                )));
                return;
            }
        };
        for stream in INDEXED_STREAMS {
            // An unfinished prune (its files still there) may have taken
            // the records out of the index or not yet: not comparable.
            let unfinished_prune = warnings
                .iter()
                .any(|warning| warning.kind == "pruned-leftover" && warning.stream == Some(stream));
            if unfinished_prune {
                warnings.push(index_warning(&format!(
                    "a prune of {stream} is unfinished, so the full-text index of {stream} was \
                     not checked; the next `vakt prune` finishes it"
                )));
                continue;
            }
            let empty = PostingsDigest::new(&self.key);
            let expected = self.expected.get(&stream).unwrap_or(&empty);
            let held = found.get(&stream).unwrap_or(&empty);
            if held == expected {
                continue;
            }
            let bound = self.bounds.get(&stream).copied().unwrap_or_default();
            let message = format!(
                "the full-text index does not hold what records 0..{bound} give: blocks of {} \
                 records with {} postings (digest {}) where the records give {} with {} ({}); it was \
                 changed outside vakt, so searches may miss records or find false ones. \
                 `vakt index --rebuild` builds it again from the records",
                held.records,
                held.postings,
                held.hex(),
                expected.records,
                expected.postings,
                expected.hex()
            );
            problems.push(
                Problem::new(stream, "index-postings", message)
                    .in_file(vakt_schemas::layout::INDEX.to_string()),
            );
        }
    }
}

fn index_warning(message: &str) -> Problem {
    Problem::store_wide("index-unchecked", message.to_string())
        .in_file(vakt_schemas::layout::INDEX.to_string())
}
