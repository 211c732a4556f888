//! Forging a store as an attacker holding its signing key would: after
//! an edit, the manifest chain, the trees, the checkpoints and `HEAD` are
//! made consistent again and signed, so that only the invariants
//! verification checks beyond hashes and signatures can catch the edit.

use std::fs;
use std::path::Path;

use arrow_array::RecordBatch;
use ed25519_dalek::SigningKey;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use sha2::{Digest, Sha256};
use vakt_schemas::arrow::{StoredRow, batch_to_rows, records_to_batch};
use vakt_schemas::checkpoint::{Checkpoint, NoteSigner, NoteVerifier};
use vakt_schemas::head::{Head, StoreInfo, head_note_text, parse_head_file};
use vakt_schemas::manifest::{GENESIS, ManifestEntry, line_hash};
use vakt_schemas::merkle::Frontier;
use vakt_schemas::nonce::NonceKey;
use vakt_schemas::table::SegmentLayout;
use vakt_schemas::{Record, Stream, layout};
use vakt_store::StoreReader;

/// The store's nonce key, as whoever can read the store can read it.
pub fn nonce_key(store: &Path) -> NonceKey {
    NonceKey::from_text(&fs::read_to_string(store.join(layout::NONCE_KEY)).unwrap()).unwrap()
}

/// The rows of a segment file's bytes, whatever the manifest says.
pub fn rows_of(store: &Path, stream: Stream, bytes: &[u8]) -> Vec<StoredRow> {
    let key = nonce_key(store);
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::copy_from_slice(bytes))
        .unwrap()
        .build()
        .unwrap();
    reader
        .flat_map(|batch| batch_to_rows(stream, &batch.unwrap(), Some(&key)).unwrap())
        .collect()
}

/// The records of a segment file's bytes, whatever the manifest says.
pub fn records_of(store: &Path, stream: Stream, bytes: &[u8]) -> Vec<Record> {
    rows_of(store, stream, bytes)
        .iter()
        .map(|row| Record::from_values(stream, &row.values).unwrap())
        .collect()
}

/// The record batch of `records` as the store writes them (nonces derived).
pub fn batch_of(stream: Stream, records: &[Record]) -> RecordBatch {
    records_to_batch(stream, records, SegmentLayout::DerivedNonce).unwrap()
}

/// Writes `records` over the file at `relative` as valid Parquet, as the
/// store writes segments.
pub fn write_records(store: &Path, relative: &str, stream: Stream, records: &[Record]) {
    let batch = batch_of(stream, records);
    let file = fs::File::create(store.join(relative)).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

/// The file a local store's signing key is kept in by default:
/// `<store folder>.key`, beside the store.
pub fn key_file(store: &Path) -> std::path::PathBuf {
    let mut name = store.as_os_str().to_os_string();
    name.push(".key");
    std::path::PathBuf::from(name)
}

/// The store's signer, from its own key file.
pub fn signer(store: &Path) -> NoteSigner {
    let info = store_info(store);
    let seed: [u8; 32] = hex::decode(fs::read_to_string(key_file(store)).unwrap().trim())
        .unwrap()
        .try_into()
        .unwrap();
    let name = NoteVerifier::parse(&info.verifier_key)
        .unwrap()
        .name()
        .to_string();
    NoteSigner::new(&name, SigningKey::from_bytes(&seed)).unwrap()
}

pub fn read_entries(store: &Path, stream: Stream) -> Vec<ManifestEntry> {
    fs::read_to_string(store.join(layout::manifest(stream)))
        .unwrap()
        .lines()
        .map(|line| ManifestEntry::from_line(line).unwrap())
        .collect()
}

/// Writes `entries` as the stream's manifest and makes everything that
/// depends on them consistent and signed: with `retree`, each entry's file
/// digest, tree size, root and frontier are recomputed from the segment
/// files (their records' leaf hashes); then the chain, one checkpoint per
/// commit and `HEAD`.
pub fn reseal(store: &Path, stream: Stream, mut entries: Vec<ManifestEntry>, retree: bool) {
    let reader = StoreReader::open(store).unwrap();
    if retree {
        let mut frontier = Frontier::new();
        for entry in &mut entries {
            let bytes = fs::read(store.join(&entry.path)).unwrap();
            entry.file_sha256 = hex::encode(Sha256::digest(&bytes));
            entry.file_size = bytes.len() as u64;
            entry.first_seq = frontier.size();
            for record in records_of(store, stream, &bytes) {
                frontier.push(record.leaf_hash().unwrap());
            }
            entry.count = frontier.size() - entry.first_seq;
            entry.tree_size = frontier.size();
            entry.root = hex::encode(frontier.root());
            entry.frontier = frontier.subtrees().iter().map(hex::encode).collect();
        }
    }
    let signer = signer(store);
    let mut manifest = String::new();
    let mut previous = GENESIS.to_string();
    let mut ends: Vec<(u64, u64, String, String)> = Vec::new();
    for (index, entry) in entries.iter_mut().enumerate() {
        entry.index = index as u64;
        entry.prev = previous.clone();
        let line = entry.to_line();
        previous = line_hash(&line);
        manifest.push_str(&line);
        manifest.push('\n');
        match ends.last_mut() {
            Some(end) if end.0 == entry.txn => {
                *end = (
                    entry.txn,
                    entry.tree_size,
                    entry.root.clone(),
                    previous.clone(),
                )
            }
            _ => ends.push((
                entry.txn,
                entry.tree_size,
                entry.root.clone(),
                previous.clone(),
            )),
        }
    }
    fs::write(store.join(layout::manifest(stream)), &manifest).unwrap();
    let origin = reader.info().origin(stream);
    let mut checkpoints = String::new();
    let empty = Checkpoint {
        origin: origin.clone(),
        size: 0,
        root: vakt_schemas::merkle::empty_root(),
        extensions: Vec::new(),
    };
    checkpoints.push_str(&signer.try_sign(&empty).unwrap());
    checkpoints.push('\n');
    for (_, size, root, hash) in &ends {
        let checkpoint = Checkpoint {
            origin: origin.clone(),
            size: *size,
            root: hex::decode(root).unwrap().try_into().unwrap(),
            extensions: vec![format!("manifest {hash}")],
        };
        checkpoints.push_str(&signer.try_sign(&checkpoint).unwrap());
        checkpoints.push('\n');
    }
    fs::write(store.join(layout::checkpoints(stream)), &checkpoints).unwrap();
    let mut head: Head = reader.head().clone();
    let stream_head = head.streams.get_mut(&stream).unwrap();
    stream_head.entries = entries.len() as u64;
    stream_head.manifest_bytes = manifest.len() as u64;
    stream_head.last_entry_hash = previous;
    stream_head.checkpoints_bytes = checkpoints.len() as u64;
    if let Some(last) = entries.last() {
        stream_head.tree_size = last.tree_size;
        stream_head.root = last.root.clone();
    }
    write_signed_head(store, &head);
}

fn store_info(store: &Path) -> StoreInfo {
    serde_json::from_str(&fs::read_to_string(store.join(layout::STORE_INFO)).unwrap()).unwrap()
}

/// The store's `HEAD` as its file holds it.
pub fn read_head(store: &Path) -> Head {
    let text = fs::read_to_string(store.join(layout::HEAD)).unwrap();
    parse_head_file(&store_info(store), &text).unwrap()
}

/// Writes `head` as the store's `HEAD`, signed with the store's own key.
pub fn write_signed_head(store: &Path, head: &Head) {
    let note = signer(store)
        .sign_text(&head_note_text(&store_info(store), head))
        .unwrap();
    fs::write(store.join(layout::HEAD), note).unwrap();
}
