//! The newest registry snapshot a store holds.
//!
//! The `registry` stream is written one commit per snapshot (`vakt ingest
//! --registry`), so the newest snapshot is the records of the last commit
//! (txn) that the stream's committed manifest lists. Only the committed
//! manifest lines are read, and only the segments of that last commit,
//! each checked against its manifest entry before it is trusted; the
//! registry is a few small files, so this costs little per ingest.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::registry::{Registry, RegistryError};
use vakt_schemas::{Event, RegistryEvent, Stream};

use crate::reader::{ReadError, StoreReader};

/// A snapshot of the registry as the store holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The commit that wrote it.
    pub txn: u64,
    /// The time of its records.
    pub recorded: DateTime<Utc>,
    /// Its records by file name.
    pub files: BTreeMap<String, RegistryEvent>,
}

impl Snapshot {
    /// The digest of each file.
    pub fn digests(&self) -> BTreeMap<String, String> {
        self.files
            .iter()
            .map(|(file, event)| (file.clone(), event.digest.clone()))
            .collect()
    }

    /// The registry the snapshot holds, checked as a folder would be.
    pub fn registry(&self) -> Result<Registry, RegistryError> {
        let texts = self
            .files
            .iter()
            .map(|(file, event)| (file.clone(), event.content.clone()))
            .collect();
        Registry::parse(&texts)
    }
}

/// The newest registry snapshot committed to `store`: the records of the
/// last commit that wrote to the `registry` stream.
pub fn newest_snapshot(store: &StoreReader) -> Result<Option<Snapshot>, ReadError> {
    let stream = Stream::Registry;
    let entries = store.manifest_entries(stream)?;
    let Some(last_txn) = entries.last().map(|entry| entry.txn) else {
        return Ok(None);
    };
    let last_commit: Vec<&ManifestEntry> = entries
        .iter()
        .skip_while(|entry| entry.txn != last_txn)
        .collect();
    let Some(first) = last_commit.first() else {
        return Ok(None);
    };
    let mut snapshot = Snapshot {
        txn: first.txn,
        recorded: first.max_time,
        files: BTreeMap::new(),
    };
    for entry in last_commit {
        for record in store.segment_records(stream, entry)? {
            if let Event::Registry(event) = record.event {
                snapshot.files.insert(event.file.clone(), event);
            }
        }
    }
    Ok(Some(snapshot))
}
