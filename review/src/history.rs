//! The registry as it stood over time: every snapshot of the `registry`
//! stream, parsed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use vakt_schemas::registry::Registry;
use vakt_schemas::{Event, Stream};
use vakt_store::reader::{ReadError, StoreReader};

/// One recorded state of the registry.
#[derive(Debug)]
pub struct Snapshot {
    /// When it was recorded.
    pub recorded: DateTime<Utc>,
    /// Sequence number of its first row in the `registry` stream.
    pub first_seq: u64,
    pub registry: Registry,
    /// Each file of the snapshot and the SHA-256 of its bytes, as recorded.
    pub digests: BTreeMap<String, String>,
}

/// The files of a snapshot being read: texts and recorded digests.
#[derive(Default)]
struct Files {
    texts: BTreeMap<String, String>,
    digests: BTreeMap<String, String>,
}

/// Every snapshot, oldest first.
#[derive(Debug, Default)]
pub struct History {
    pub snapshots: Vec<Snapshot>,
    /// Snapshots that did not parse (they passed validation when ingested,
    /// so this means a changed validator): `(first seq, problem)`.
    pub unreadable: Vec<(u64, String)>,
}

impl History {
    /// Reads the `registry` stream. A snapshot is the rows that share one
    /// record time: ingest writes each snapshot in a commit of its own with
    /// one time for all its rows, later than the previous snapshot's.
    pub fn load(store: &StoreReader) -> Result<History, ReadError> {
        let mut history = History::default();
        let mut current: Option<(DateTime<Utc>, u64, Files)> = None;
        for record in store.records(Stream::Registry)? {
            let Event::Registry(row) = record.event else {
                continue;
            };
            let time = record.envelope.time;
            if current
                .as_ref()
                .is_some_and(|(recorded, _, _)| *recorded != time)
                && let Some((recorded, first_seq, texts)) = current.take()
            {
                history.push(recorded, first_seq, texts);
            }
            let (_, _, files) =
                current.get_or_insert_with(|| (time, record.envelope.seq, Files::default()));
            files.digests.insert(row.file.clone(), row.digest);
            files.texts.insert(row.file, row.content);
        }
        if let Some((recorded, first_seq, texts)) = current {
            history.push(recorded, first_seq, texts);
        }
        Ok(history)
    }

    fn push(&mut self, recorded: DateTime<Utc>, first_seq: u64, files: Files) {
        match Registry::parse(&files.texts) {
            Ok(registry) => self.snapshots.push(Snapshot {
                recorded,
                first_seq,
                registry,
                digests: files.digests,
            }),
            Err(error) => self.unreadable.push((first_seq, error.to_string())),
        }
    }

    /// A history of one registry, as if recorded before everything (tests).
    pub fn single(registry: Registry) -> History {
        History {
            snapshots: vec![Snapshot {
                recorded: DateTime::<Utc>::MIN_UTC,
                first_seq: 0,
                registry,
                digests: BTreeMap::new(),
            }],
            unreadable: Vec::new(),
        }
    }

    /// The snapshot in force at `time`: the newest recorded at or before
    /// it, else the first one.
    pub fn at(&self, time: DateTime<Utc>) -> Option<&Snapshot> {
        let after = self
            .snapshots
            .partition_point(|snapshot| snapshot.recorded <= time);
        self.snapshots.get(after.saturating_sub(1))
    }
}
