//! Segment reads for query engines that are checked against the manifest:
//! an [`ObjectStore`] that serves only the segment files the committed
//! manifests list, and each only after its bytes were found to have the
//! size and SHA-256 its manifest line names. What a query reads comes from
//! those checked bytes, never from the file again, so a file changed or
//! replaced after the check cannot slip in either.
//!
//! A file is read and hashed whole on its first use; checked files are
//! kept (up to [`CACHE_BYTES`], the least recently used dropped first) so
//! that the footer, page index and column chunks a Parquet reader asks for
//! one by one cost one read and one hash.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt};
use object_store::path::Path;
use object_store::{
    Attributes, CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload,
    ObjectMeta, ObjectStore, ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload,
    PutResult,
};
use sha2::{Digest, Sha256};

/// Checked segment bytes kept in memory at most.
pub const CACHE_BYTES: u64 = 256 << 20;

const STORE_NAME: &str = "vakt segments";

/// What the manifest says a segment file is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedFile {
    pub size: u64,
    /// Lowercase hex SHA-256.
    pub sha256: String,
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
    #[error("segments are read-only")]
    ReadOnly,
}

fn refused(error: Refused) -> object_store::Error {
    object_store::Error::Generic {
        store: STORE_NAME,
        source: Box::new(error),
    }
}

#[derive(Default)]
struct Cache {
    files: HashMap<Path, Bytes>,
    order: VecDeque<Path>,
    bytes: u64,
}

impl Cache {
    fn get(&mut self, path: &Path) -> Option<Bytes> {
        let bytes = self.files.get(path)?.clone();
        self.order.retain(|kept| kept != path);
        self.order.push_back(path.clone());
        Some(bytes)
    }

    fn insert(&mut self, path: Path, bytes: Bytes) {
        if self.files.contains_key(&path) {
            return;
        }
        self.bytes += bytes.len() as u64;
        self.files.insert(path.clone(), bytes);
        self.order.push_back(path);
        while self.bytes > CACHE_BYTES && self.order.len() > 1 {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(dropped) = self.files.remove(&oldest) {
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

impl CheckedSegments {
    /// Serves the files `listed` (paths relative to the store root) from `inner`.
    pub fn new(inner: Arc<dyn ObjectStore>, listed: HashMap<String, ListedFile>) -> Self {
        CheckedSegments {
            inner,
            listed,
            cache: Mutex::new(Cache::default()),
        }
    }

    /// The whole checked file.
    async fn checked(&self, location: &Path) -> object_store::Result<Bytes> {
        let Some(listed) = self.listed.get(location.as_ref()) else {
            return Err(refused(Refused::Unlisted(location.to_string())));
        };
        if let Some(bytes) = self.lock_cache().get(location) {
            return Ok(bytes);
        }
        let bytes = self.inner.get(location).await?.bytes().await?;
        let size = bytes.len() as u64;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        if size != listed.size || sha256 != listed.sha256 {
            return Err(refused(Refused::Tampered {
                path: location.to_string(),
                detail: format!(
                    "{size} bytes with SHA-256 {sha256}; listed: {} bytes, {}",
                    listed.size, listed.sha256
                ),
            }));
        }
        self.lock_cache().insert(location.clone(), bytes.clone());
        Ok(bytes)
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
        let bytes = self.checked(location).await?;
        let size = bytes.len() as u64;
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
            bytes.slice(range.start as usize..range.end as usize)
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
        let bytes = self.checked(location).await?;
        let size = bytes.len() as u64;
        ranges
            .iter()
            .map(|range| {
                if range.start > range.end || range.end > size {
                    return Err(object_store::Error::Generic {
                        store: STORE_NAME,
                        source: format!("range {range:?} outside the {size} bytes of {location}")
                            .into(),
                    });
                }
                Ok(bytes.slice(range.start as usize..range.end as usize))
            })
            .collect()
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
