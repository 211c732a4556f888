//! A store under a prefix of an S3-compatible bucket.
//!
//! Object storage has no appends, renames or locks, so:
//! - a log is appended to by writing it again whole, only if it is still
//!   the version read (a conditional put);
//! - `HEAD` is replaced only if it is still the version the commit read
//!   (`If-Match`), so of two writers that read the same `HEAD` one commits
//!   and the other is told it lost;
//! - a lock is a lease (`lease.rs`).
//!
//! The bridge to `object_store`'s async API is a small runtime of this
//! backend's own, so a store is used the same way from plain threads and
//! from inside a query engine's runtime.

use std::future::Future;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};
use vakt_schemas::layout;

use super::{InstallError, ListedFile};

/// The URL scheme of a store on S3-compatible object storage.
const SCHEME: &str = "s3://";

/// Whether `text` names a store on object storage.
pub fn is_object_url(text: &str) -> bool {
    text.starts_with(SCHEME)
}

pub(super) fn other(error: impl std::fmt::Display) -> io::Error {
    io::Error::other(error.to_string())
}

/// `object_store`'s error as an I/O error of the matching kind.
pub(super) fn object_io_error(error: object_store::Error) -> io::Error {
    let kind = match &error {
        object_store::Error::NotFound { .. } => io::ErrorKind::NotFound,
        object_store::Error::AlreadyExists { .. } => io::ErrorKind::AlreadyExists,
        object_store::Error::Precondition { .. } => io::ErrorKind::WouldBlock,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, error.to_string())
}

/// Whether a conditional request failed because the object changed (or
/// already existed): another writer got there first.
pub(super) fn is_lost_race(error: &object_store::Error) -> bool {
    matches!(
        error,
        object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. }
    )
}

fn location(relative: &str) -> ObjectPath {
    ObjectPath::from(relative)
}

fn put_mode(mode: PutMode) -> PutOptions {
    PutOptions {
        mode,
        ..PutOptions::default()
    }
}

pub(super) struct ObjectBackend {
    url: PathBuf,
    /// The bucket and prefix, for the local index folder.
    cache_name: String,
    store: Arc<dyn ObjectStore>,
    runtime: tokio::runtime::Runtime,
}

impl ObjectBackend {
    /// Connects to `s3://bucket/prefix`, configured from the environment.
    pub(super) fn open(url: &str) -> io::Result<ObjectBackend> {
        let rest = url
            .strip_prefix(SCHEME)
            .unwrap_or(url)
            .trim_end_matches('/');
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{url} names no bucket; write s3://BUCKET/PREFIX"),
            ));
        }
        let s3 = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|error| {
                other(format!(
                    "cannot use {url}: {error} (set AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, \
                     AWS_SECRET_ACCESS_KEY and AWS_REGION)"
                ))
            })?;
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, prefix))
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("vakt-object-store")
            .enable_all()
            .build()?;
        Ok(ObjectBackend {
            url: PathBuf::from(format!("{SCHEME}{rest}")),
            cache_name: rest.to_string(),
            store,
            runtime,
        })
    }

    pub(super) fn url(&self) -> &Path {
        &self.url
    }

    pub(super) fn store(&self) -> Arc<dyn ObjectStore> {
        Arc::clone(&self.store)
    }

    pub(super) fn index_dir(&self) -> PathBuf {
        if let Some(dir) = std::env::var_os("VAKT_INDEX_DIR") {
            return PathBuf::from(dir);
        }
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
            .unwrap_or_else(std::env::temp_dir);
        cache
            .join("vakt")
            .join(&self.cache_name)
            .join(layout::INDEX)
    }

    /// Runs `future` on this backend's runtime and waits for it.
    fn run<T: Send + 'static>(
        &self,
        future: impl Future<Output = Result<T, object_store::Error>> + Send + 'static,
    ) -> Result<T, object_store::Error> {
        let task = self.runtime.spawn(future);
        futures::executor::block_on(task).map_err(|error| object_store::Error::Generic {
            store: "S3",
            source: Box::new(error),
        })?
    }

    /// A file's bytes and version.
    pub(super) fn read(&self, relative: &str) -> io::Result<(Vec<u8>, UpdateVersion)> {
        let store = self.store();
        let path = location(relative);
        self.run(async move {
            let result = store.get(&path).await?;
            let version = UpdateVersion {
                e_tag: result.meta.e_tag.clone(),
                version: result.meta.version.clone(),
            };
            let bytes = result.bytes().await?;
            Ok((bytes.to_vec(), version))
        })
        .map_err(object_io_error)
    }

    /// The bytes `range` of a file.
    pub(super) fn read_range(&self, relative: &str, range: Range<u64>) -> io::Result<Vec<u8>> {
        let store = self.store();
        let path = location(relative);
        self.run(async move { store.get_range(&path, range).await })
            .map(|bytes| bytes.to_vec())
            .map_err(object_io_error)
    }

    pub(super) fn size(&self, relative: &str) -> io::Result<Option<u64>> {
        let store = self.store();
        let path = location(relative);
        match self.run(async move { store.head(&path).await }) {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(object_io_error(error)),
        }
    }

    pub(super) fn list(&self, prefix: &str) -> io::Result<Vec<ListedFile>> {
        let store = self.store();
        let prefix = prefix.trim_end_matches('/').to_string();
        self.run(async move {
            let prefix = (!prefix.is_empty()).then(|| location(&prefix));
            let metas: Vec<_> = store.list(prefix.as_ref()).try_collect().await?;
            Ok(metas
                .into_iter()
                .map(|meta| ListedFile {
                    relative: meta.location.to_string(),
                    size: meta.size,
                })
                .collect())
        })
        .map_err(object_io_error)
    }

    pub(super) fn put(
        &self,
        relative: &str,
        bytes: &[u8],
        mode: PutMode,
    ) -> Result<UpdateVersion, object_store::Error> {
        let store = self.store();
        let path = location(relative);
        let payload = PutPayload::from(bytes.to_vec());
        self.run(async move {
            let result = store.put_opts(&path, payload, put_mode(mode)).await?;
            Ok(UpdateVersion::from(result))
        })
    }

    pub(super) fn create(&self, relative: &str, bytes: &[u8]) -> io::Result<()> {
        self.put(relative, bytes, PutMode::Create)
            .map(drop)
            .map_err(object_io_error)
    }

    pub(super) fn replace(&self, relative: &str, bytes: &[u8]) -> io::Result<()> {
        self.put(relative, bytes, PutMode::Overwrite)
            .map(drop)
            .map_err(object_io_error)
    }

    /// Writes the log again as its first `offset` bytes and `bytes`, only
    /// if nobody changed it since it was read.
    pub(super) fn append_at(&self, relative: &str, offset: u64, bytes: &[u8]) -> io::Result<()> {
        let (old, mode) = match self.read(relative) {
            Ok((old, version)) => (old, PutMode::Update(version)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => (Vec::new(), PutMode::Create),
            Err(error) => return Err(error),
        };
        let Some(kept) = old.get(..offset as usize) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{relative} has {} bytes, fewer than {offset}", old.len()),
            ));
        };
        let mut text = kept.to_vec();
        text.extend_from_slice(bytes);
        self.put(relative, &text, mode).map(drop).map_err(|error| {
            if is_lost_race(&error) {
                other(format!(
                    "{relative} was changed by another writer while this one appended to it"
                ))
            } else {
                object_io_error(error)
            }
        })
    }

    pub(super) fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        let (bytes, _) = self.read(from)?;
        match self.put(to, &bytes, PutMode::Create) {
            Ok(_) => {}
            Err(object_store::Error::AlreadyExists { .. })
                if self.read(to).is_ok_and(|(there, _)| there == bytes) => {}
            Err(error) => return Err(object_io_error(error)),
        }
        self.remove(from)
    }

    pub(super) fn remove(&self, relative: &str) -> io::Result<()> {
        let store = self.store();
        let path = location(relative);
        match self.run(async move { store.delete(&path).await }) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(object_io_error(error)),
        }
    }

    /// Puts `HEAD.tmp`'s text as `HEAD` if `HEAD` is still `read`, then
    /// removes `HEAD.tmp`.
    pub(super) fn install_head(&self, read: Option<&UpdateVersion>) -> Result<(), InstallError> {
        let Some(read) = read else {
            return Err(InstallError::Io(other(
                "HEAD's version on object storage is unknown; read HEAD before replacing it",
            )));
        };
        let (text, _) = self.read(layout::HEAD_TEMP)?;
        match self.put(layout::HEAD, &text, PutMode::Update(read.clone())) {
            Ok(_) => {}
            Err(error) if is_lost_race(&error) => return Err(InstallError::Raced),
            Err(error) => return Err(InstallError::Io(object_io_error(error))),
        }
        Ok(self.remove(layout::HEAD_TEMP)?)
    }
}
