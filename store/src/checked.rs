//! Segment reads for query engines that are checked against the manifest:
//! an [`ObjectStore`] that serves only the segment files the committed
//! manifests list, and each byte only after the part of the file it lies
//! in was found to have the SHA-256 the manifest vouches for. What a query
//! reads comes from those checked bytes, never from the file again, so a
//! file changed or replaced after the check cannot slip in either.
//!
//! A segment with a tail (FORMAT.md §5, "Regions") is checked part by
//! part: first its tail against the manifest line, then each region a read
//! touches against the table in the tail's footer, so a query that reads
//! two columns hashes those two columns' chunks and the footer, not the
//! whole file. A segment without one is read and hashed whole on its first
//! use. Checked parts are kept (up to [`CACHE_BYTES`], the least recently
//! used dropped first), so the footer, page index and column chunks a
//! Parquet reader asks for one by one cost one read and one hash each.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt};
use object_store::path::Path;
use object_store::{
    Attributes, CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload,
    ObjectMeta, ObjectStore, ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload,
    PutResult,
};
use sha2::{Digest, Sha256};
use vakt_schemas::regions::{Region, touched};

use crate::segment::regions_of_tail;

/// Checked segment bytes kept in memory at most.
pub const CACHE_BYTES: u64 = 256 << 20;

const STORE_NAME: &str = "vakt segments";

/// What the manifest says a segment file is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedFile {
    pub size: u64,
    /// Lowercase hex SHA-256.
    pub sha256: String,
    /// Where its tail begins and the tail's lowercase hex SHA-256, for a
    /// segment written with regions.
    pub tail: Option<(u64, String)>,
}

/// A read was refused.
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error(
        "{path} is not the segment file the manifest lists ({detail}): it was changed or \
         replaced, so nothing is read from it; run `vakt verify` to see what is wrong"
    )]
    Tampered { path: String, detail: String },
    #[error("{0} is no segment file the committed manifests list; vakt never reads it")]
    Unlisted(String),
    #[error("range {range:?} lies outside the {size} bytes of {path}")]
    OutOfRange {
        path: String,
        range: Range<u64>,
        size: u64,
    },
    #[error("segments are read-only")]
    ReadOnly,
}

fn refused(error: Refused) -> object_store::Error {
    object_store::Error::Generic {
        store: STORE_NAME,
        source: Box::new(error),
    }
}

/// A checked part of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Part {
    Whole,
    Tail,
    Region(usize),
}

type Key = (Path, Part);

#[derive(Default)]
struct Cache {
    parts: HashMap<Key, Bytes>,
    order: VecDeque<Key>,
    bytes: u64,
    /// The region table of each file whose tail was checked.
    tables: HashMap<Path, Arc<Vec<Region>>>,
}

impl Cache {
    fn get(&mut self, key: &Key) -> Option<Bytes> {
        let bytes = self.parts.get(key)?.clone();
        if let Some(at) = self.order.iter().rposition(|kept| kept == key) {
            self.order.remove(at);
        }
        self.order.push_back(key.clone());
        Some(bytes)
    }

    fn insert(&mut self, key: Key, bytes: Bytes) {
        if self.parts.contains_key(&key) {
            return;
        }
        self.bytes += bytes.len() as u64;
        self.parts.insert(key.clone(), bytes);
        self.order.push_back(key);
        while self.bytes > CACHE_BYTES && self.order.len() > 1 {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(dropped) = self.parts.remove(&oldest) {
                self.bytes -= dropped.len() as u64;
            }
        }
    }
}

/// The committed segments of a store, read through `inner` and checked.
pub struct CheckedSegments {
    inner: Arc<dyn ObjectStore>,
    listed: HashMap<String, ListedFile>,
    cache: Mutex<Cache>,
}

impl fmt::Debug for CheckedSegments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckedSegments")
            .field("inner", &self.inner.to_string())
            .field("listed", &self.listed.len())
            .finish()
    }
}

impl fmt::Display for CheckedSegments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CheckedSegments({})", self.inner)
    }
}

fn tampered(location: &Path, detail: String) -> object_store::Error {
    refused(Refused::Tampered {
        path: location.to_string(),
        detail,
    })
}

impl CheckedSegments {
    /// Serves the files `listed` (paths relative to the store root) from `inner`.
    pub fn new(inner: Arc<dyn ObjectStore>, listed: HashMap<String, ListedFile>) -> Self {
        CheckedSegments {
            inner,
            listed,
            cache: Mutex::new(Cache::default()),
        }
    }

    fn listed(&self, location: &Path) -> object_store::Result<&ListedFile> {
        self.listed
            .get(location.as_ref())
            .ok_or_else(|| refused(Refused::Unlisted(location.to_string())))
    }

    /// The checked bytes `range` of the file.
    async fn read(&self, location: &Path, range: Range<u64>) -> object_store::Result<Bytes> {
        let listed = self.listed(location)?;
        if range.start > range.end || range.end > listed.size {
            return Err(refused(Refused::OutOfRange {
                path: location.to_string(),
                range,
                size: listed.size,
            }));
        }
        let Some((tail_offset, tail_sha256)) = &listed.tail else {
            let whole = self.whole(location, listed).await?;
            return Ok(whole.slice(range.start as usize..range.end as usize));
        };
        let table = self
            .table(location, listed, *tail_offset, tail_sha256)
            .await?;
        // The parts `range` lies in, in file order, each with its range.
        let mut parts: Vec<(Part, Range<u64>)> = touched(&table, &range)
            .map(|index| (Part::Region(index), table[index].range.clone()))
            .collect();
        if range.end > *tail_offset {
            parts.push((Part::Tail, *tail_offset..listed.size));
        }
        let checked = self.checked_parts(location, &table, &parts).await?;
        let mut pieces = Vec::with_capacity(parts.len());
        for ((_, part_range), bytes) in parts.iter().zip(checked) {
            let from = range.start.max(part_range.start) - part_range.start;
            let to = range.end.min(part_range.end) - part_range.start;
            pieces.push(bytes.slice(from as usize..to.max(from) as usize));
        }
        Ok(match pieces.len() {
            0 => Bytes::new(),
            1 => pieces.remove(0),
            _ => {
                let mut joined = BytesMut::with_capacity((range.end - range.start) as usize);
                for piece in pieces {
                    joined.extend_from_slice(&piece);
                }
                joined.freeze()
            }
        })
    }

    /// The whole file, checked against its size and SHA-256.
    async fn whole(&self, location: &Path, listed: &ListedFile) -> object_store::Result<Bytes> {
        let key = (location.clone(), Part::Whole);
        if let Some(bytes) = self.lock_cache().get(&key) {
            return Ok(bytes);
        }
        let bytes = self.inner.get(location).await?.bytes().await?;
        let size = bytes.len() as u64;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        if size != listed.size || sha256 != listed.sha256 {
            return Err(tampered(
                location,
                format!(
                    "{size} bytes with SHA-256 {sha256}; listed: {} bytes, {}",
                    listed.size, listed.sha256
                ),
            ));
        }
        self.lock_cache().insert(key, bytes.clone());
        Ok(bytes)
    }

    /// The file's region table, from its tail checked against the manifest.
    async fn table(
        &self,
        location: &Path,
        listed: &ListedFile,
        tail_offset: u64,
        tail_sha256: &str,
    ) -> object_store::Result<Arc<Vec<Region>>> {
        if let Some(table) = self.lock_cache().tables.get(location) {
            return Ok(table.clone());
        }
        if tail_offset > listed.size {
            return Err(tampered(
                location,
                format!(
                    "its line puts the tail at {tail_offset}, past its {} bytes",
                    listed.size
                ),
            ));
        }
        let meta = self.inner.head(location).await?;
        if meta.size != listed.size {
            return Err(tampered(
                location,
                format!("{} bytes; listed: {} bytes", meta.size, listed.size),
            ));
        }
        let tail = self
            .inner
            .get_range(location, tail_offset..listed.size)
            .await?;
        let sha256 = hex::encode(Sha256::digest(&tail));
        if sha256 != tail_sha256 {
            return Err(tampered(
                location,
                format!(
                    "its tail (bytes {tail_offset}..{}) has SHA-256 {sha256}; listed: {tail_sha256}",
                    listed.size
                ),
            ));
        }
        let table = Arc::new(
            regions_of_tail(&tail, tail_offset)
                .map_err(|detail| tampered(location, format!("its footer: {detail}")))?,
        );
        let mut cache = self.lock_cache();
        cache.insert((location.clone(), Part::Tail), tail);
        cache.tables.insert(location.clone(), table.clone());
        Ok(table)
    }

    /// The checked bytes of each of `parts`: kept ones from the cache, the
    /// others read in one request, checked and kept.
    async fn checked_parts(
        &self,
        location: &Path,
        table: &[Region],
        parts: &[(Part, Range<u64>)],
    ) -> object_store::Result<Vec<Bytes>> {
        let mut found: Vec<Option<Bytes>> = {
            let mut cache = self.lock_cache();
            parts
                .iter()
                .map(|(part, _)| cache.get(&(location.clone(), *part)))
                .collect()
        };
        let missing: Vec<usize> = (0..parts.len()).filter(|at| found[*at].is_none()).collect();
        if missing.is_empty() {
            return Ok(found.into_iter().flatten().collect());
        }
        let ranges: Vec<Range<u64>> = missing.iter().map(|at| parts[*at].1.clone()).collect();
        let fetched = self.inner.get_ranges(location, &ranges).await?;
        for (at, bytes) in missing.into_iter().zip(fetched) {
            let (part, range) = &parts[at];
            let expected = self.expected_digest(location, table, *part)?;
            let digest: [u8; 32] = Sha256::digest(&bytes).into();
            if bytes.len() as u64 != range.end - range.start || digest != expected {
                return Err(tampered(
                    location,
                    format!(
                        "bytes {}..{} have SHA-256 {}; listed: {}",
                        range.start,
                        range.end,
                        hex::encode(digest),
                        hex::encode(expected)
                    ),
                ));
            }
            self.lock_cache()
                .insert((location.clone(), *part), bytes.clone());
            found[at] = Some(bytes);
        }
        Ok(found.into_iter().flatten().collect())
    }

    /// What `part` of the file must hash to: a region's digest from the
    /// checked footer, the tail's from the manifest line.
    fn expected_digest(
        &self,
        location: &Path,
        table: &[Region],
        part: Part,
    ) -> object_store::Result<[u8; 32]> {
        if let Part::Region(index) = part
            && let Some(region) = table.get(index)
        {
            return Ok(region.sha256);
        }
        let listed = self.listed(location)?;
        let mut digest = [0u8; 32];
        match &listed.tail {
            Some((_, tail_sha256)) if part == Part::Tail => {
                hex::decode_to_slice(tail_sha256, &mut digest).map_err(|_| {
                    tampered(location, "its line's tail_sha256 is not hex".to_string())
                })?;
                Ok(digest)
            }
            _ => Err(tampered(location, format!("no digest for {part:?}"))),
        }
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        // A panic while holding the lock leaves a consistent cache.
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn meta(&self, location: &Path, size: u64) -> ObjectMeta {
        ObjectMeta {
            location: location.clone(),
            last_modified: DateTime::<Utc>::UNIX_EPOCH,
            size,
            e_tag: self
                .listed
                .get(location.as_ref())
                .map(|listed| listed.sha256.clone()),
            version: None,
        }
    }
}

#[async_trait::async_trait]
impl ObjectStore for CheckedSegments {
    async fn put_opts(
        &self,
        _location: &Path,
        _payload: PutPayload,
        _opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        Err(refused(Refused::ReadOnly))
    }

    async fn put_multipart_opts(
        &self,
        _location: &Path,
        _opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        Err(refused(Refused::ReadOnly))
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        let size = self.listed(location)?.size;
        let range: Range<u64> = match &options.range {
            None => 0..size,
            Some(range) => range
                .as_range(size)
                .map_err(|error| object_store::Error::Generic {
                    store: STORE_NAME,
                    source: Box::new(error),
                })?,
        };
        let body = if options.head {
            Bytes::new()
        } else {
            self.read(location, range.clone()).await?
        };
        Ok(GetResult {
            payload: GetResultPayload::Stream(stream::once(async move { Ok(body) }).boxed()),
            meta: self.meta(location, size),
            range,
            attributes: Attributes::default(),
        })
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[Range<u64>],
    ) -> object_store::Result<Vec<Bytes>> {
        let mut read = Vec::with_capacity(ranges.len());
        for range in ranges {
            read.push(self.read(location, range.clone()).await?);
        }
        Ok(read)
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        locations.map(|_| Err(refused(Refused::ReadOnly))).boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let prefix = prefix.map(|prefix| prefix.to_string()).unwrap_or_default();
        let found: Vec<object_store::Result<ObjectMeta>> = self
            .listed
            .iter()
            .filter(|(path, _)| path.starts_with(&prefix))
            .map(|(path, listed)| Ok(self.meta(&Path::from(path.as_str()), listed.size)))
            .collect();
        stream::iter(found).boxed()
    }

    async fn list_with_delimiter(
        &self,
        _prefix: Option<&Path>,
    ) -> object_store::Result<ListResult> {
        Err(object_store::Error::NotSupported {
            source: "the committed segments are listed by the manifests, not by folder".into(),
        })
    }

    async fn copy_opts(
        &self,
        _from: &Path,
        _to: &Path,
        _options: CopyOptions,
    ) -> object_store::Result<()> {
        Err(refused(Refused::ReadOnly))
    }
}
