//! Checked reads by region: a reader that asks for some bytes of a segment
//! gets exactly the file's bytes after checking only the parts it touches
//! (the tail against the manifest line, each region against the footer),
//! and a changed byte is refused wherever it is read from.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::ops::Range;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use common::login;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use vakt_schemas::Stream;
use vakt_schemas::manifest::ManifestEntry;
use vakt_store::{StoreReader, StoreWriter, init_store, verify};

/// A store with one sessions segment of 500 logins, and that segment's line.
fn store() -> (tempfile::TempDir, std::path::PathBuf, ManifestEntry) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    init_store(&root).unwrap();
    let mut writer = StoreWriter::open(&root).unwrap();
    let start = DateTime::parse_from_rfc3339("2026-03-02T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let records = (0..500)
        .map(|at| login(start + TimeDelta::seconds(at), &format!("user{}", at % 37)))
        .collect();
    writer.commit(records, BTreeMap::new()).unwrap();
    drop(writer);
    let reader = StoreReader::open(&root).unwrap();
    let entry = reader.manifest_entries(Stream::Sessions).unwrap().remove(0);
    (dir, root, entry)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn read(root: &std::path::Path, path: &str, range: Range<u64>) -> object_store::Result<Vec<u8>> {
    let segments: Arc<dyn ObjectStore> = StoreReader::open(root).unwrap().segment_store().unwrap();
    runtime().block_on(async {
        let bytes = segments.get_range(&Path::from(path), range).await?;
        Ok(bytes.to_vec())
    })
}

/// The regions the footer lists, as ranges (from the checked reader's
/// point of view: every column chunk starts one).
fn region_starts(entry: &ManifestEntry, file: &[u8]) -> Vec<u64> {
    let tail_offset = entry.tail_offset.expect("new segments have a tail");
    let footer_length =
        u32::from_le_bytes(file[file.len() - 8..file.len() - 4].try_into().unwrap()) as usize;
    let footer = &file[file.len() - 8 - footer_length..file.len() - 8];
    let metadata = parquet::file::metadata::ParquetMetaDataReader::decode_metadata(footer).unwrap();
    let mut starts: Vec<u64> = metadata
        .row_groups()
        .iter()
        .flat_map(|group| group.columns().iter().map(|column| column.byte_range().0))
        .collect();
    starts.sort_unstable();
    assert!(starts.last().copied().unwrap() < tail_offset);
    starts
}

#[test]
fn reads_of_any_range_give_the_files_bytes() {
    let (_dir, root, entry) = store();
    let file = fs::read(root.join(&entry.path)).unwrap();
    let size = file.len() as u64;
    assert_eq!(size, entry.file_size);
    let starts = region_starts(&entry, &file);
    assert!(starts.len() > 5, "one region per column chunk: {starts:?}");
    let tail = entry.tail_offset.unwrap();
    let ranges = [
        0..4,
        starts[2]..starts[3],
        starts[2] + 1..starts[4] - 1,
        starts[1]..size,
        tail - 3..tail + 3,
        size - 8..size,
        0..size,
    ];
    for range in ranges {
        let got = read(&root, &entry.path, range.clone()).unwrap();
        assert_eq!(
            got,
            file[range.start as usize..range.end as usize],
            "{range:?}"
        );
    }
}

#[test]
fn a_changed_region_is_refused_where_it_is_read_and_found_by_verify() {
    let (_dir, root, entry) = store();
    let path = root.join(&entry.path);
    let mut file = fs::read(&path).unwrap();
    let starts = region_starts(&entry, &file);
    let changed = starts[3] as usize + 2;
    file[changed] ^= 0x01;
    fs::write(&path, &file).unwrap();

    // The regions not touched still read; the changed one never does.
    assert!(read(&root, &entry.path, starts[1]..starts[2]).is_ok());
    let error = read(&root, &entry.path, starts[3]..starts[4])
        .unwrap_err()
        .to_string();
    assert!(error.contains("changed or replaced"), "{error}");
    assert!(read(&root, &entry.path, 0..entry.file_size).is_err());

    let report = verify(&StoreReader::open(&root).unwrap(), None);
    let kinds: Vec<&str> = report.problems.iter().map(|problem| problem.kind).collect();
    assert!(kinds.contains(&"segment-changed"), "{kinds:?}");
    assert!(kinds.contains(&"segment-regions"), "{kinds:?}");
}

#[test]
fn a_changed_tail_refuses_every_read() {
    let (_dir, root, entry) = store();
    let path = root.join(&entry.path);
    let mut file = fs::read(&path).unwrap();
    let tail = entry.tail_offset.unwrap() as usize;
    file[tail + 1] ^= 0x01;
    fs::write(&path, &file).unwrap();
    let error = read(&root, &entry.path, 0..4).unwrap_err().to_string();
    assert!(error.contains("tail"), "{error}");
}
