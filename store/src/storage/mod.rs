//! Where a store's files live, and the few operations a store needs of
//! them: a local folder (the default), or S3-compatible object storage
//! named by an `s3://bucket/prefix` URL.
//!
//! Every other module of this crate reaches the files through a
//! [`Storage`], by paths relative to the store's root with `/` separators
//! (`layout.rs`). The operations are the ones a commit needs: read, list,
//! create a file that must not exist yet, append to a log at a committed
//! length, move aside, and the commit point itself, `HEAD`, which is
//! replaced only if it is still the version the writer read (on a local
//! disk under the commit lock, by a rename; on object storage by a
//! conditional put, so two writers on two machines can never both commit).
//!
//! Object storage is configured the way other tools configure it, from
//! the environment: `AWS_ENDPOINT_URL` (for a server other than Amazon's),
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
//! `AWS_ALLOW_HTTP=true` for a plain-HTTP endpoint. The full-text index
//! cannot live on object storage; it is kept in `VAKT_INDEX_DIR`, else in
//! the user's cache folder (`$XDG_CACHE_HOME/vakt/<bucket>/<prefix>/index`).

mod lease;
pub(crate) mod local;
mod object;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::ObjectStore;

pub use object::is_object_url;

/// A file of the store: its path relative to the root, and its length.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ListedFile {
    pub relative: String,
    pub size: u64,
}

/// The version of `HEAD` a writer read, which it replaces only if it is
/// still there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeadVersion(Option<object_store::UpdateVersion>);

/// `HEAD` could not be replaced.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// Another writer replaced `HEAD` since it was read.
    #[error("HEAD was replaced by another writer since this commit read it")]
    Raced,
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// A held lock (the ingest lock or the commit lock); released when dropped.
pub struct LockGuard {
    _held: Held,
}

enum Held {
    /// The open lock file: the `flock` lasts as long as it is open.
    Local(#[expect(dead_code, reason = "held for its lock, never read")] std::fs::File),
    Object(lease::Lease),
}

impl LockGuard {
    /// Extends a lease on object storage (a local lock needs nothing):
    /// called by long holders at each commit so that no other writer takes
    /// the lock for abandoned. An error means the lock was lost.
    pub fn renew(&mut self) -> io::Result<()> {
        match &mut self._held {
            Held::Local(_) => Ok(()),
            Held::Object(lease) => lease.renew(),
        }
    }
}

/// A store's files: a local folder, or a prefix of an object-storage bucket.
#[derive(Clone)]
pub struct Storage {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Local(PathBuf, local::Modes),
    Object(Arc<object::ObjectBackend>),
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Storage({})", self.root().display())
    }
}

impl Storage {
    /// The store at `root`: an `s3://bucket/prefix` URL, else a local folder.
    pub fn open(root: &Path) -> io::Result<Storage> {
        let backend = match root.to_str().filter(|text| is_object_url(text)) {
            Some(url) => Backend::Object(Arc::new(object::ObjectBackend::open(url)?)),
            None => Backend::Local(root.to_path_buf(), local::Modes::of_root(root)),
        };
        Ok(Storage { backend })
    }

    /// How the store is named: its folder, or its URL.
    pub fn root(&self) -> &Path {
        match &self.backend {
            Backend::Local(root, _) => root,
            Backend::Object(object) => object.url(),
        }
    }

    /// The local folder of the store, when it is on a local disk.
    pub fn local_root(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Local(root, _) => Some(root),
            Backend::Object(_) => None,
        }
    }

    /// A file's name for messages (a path, or a URL).
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }

    /// Where the full-text index is kept.
    pub fn index_dir(&self) -> PathBuf {
        match &self.backend {
            Backend::Local(root, _) => root.join(vakt_schemas::layout::INDEX),
            Backend::Object(object) => object.index_dir(),
        }
    }

    /// The store's files as an [`ObjectStore`] rooted at the store.
    pub fn object_store(&self) -> io::Result<Arc<dyn ObjectStore>> {
        match &self.backend {
            Backend::Local(root, _) => local::object_store(root),
            Backend::Object(object) => Ok(object.store()),
        }
    }

    /// A file's bytes (`NotFound` when it does not exist).
    pub fn read(&self, relative: &str) -> io::Result<Vec<u8>> {
        match &self.backend {
            Backend::Local(root, _) => std::fs::read(root.join(relative)),
            Backend::Object(object) => object.read(relative).map(|(bytes, _)| bytes),
        }
    }

    /// The bytes `range` of a file (`UnexpectedEof` when it is shorter).
    pub fn read_range(&self, relative: &str, range: std::ops::Range<u64>) -> io::Result<Vec<u8>> {
        match &self.backend {
            Backend::Local(root, _) => {
                use std::io::{Read, Seek, SeekFrom};
                let mut file = std::fs::File::open(root.join(relative))?;
                file.seek(SeekFrom::Start(range.start))?;
                let mut bytes = vec![0; range.end.saturating_sub(range.start) as usize];
                file.read_exact(&mut bytes)?;
                Ok(bytes)
            }
            Backend::Object(object) => object.read_range(relative, range),
        }
    }

    /// A file's text (`InvalidData` when it is not UTF-8).
    pub fn read_to_string(&self, relative: &str) -> io::Result<String> {
        String::from_utf8(self.read(relative)?)
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
    }

    /// Whether a file exists.
    pub fn exists(&self, relative: &str) -> io::Result<bool> {
        match &self.backend {
            Backend::Local(root, _) => root.join(relative).try_exists(),
            Backend::Object(object) => object.size(relative).map(|size| size.is_some()),
        }
    }

    /// A file's length (`NotFound` when it does not exist).
    pub fn len(&self, relative: &str) -> io::Result<u64> {
        match &self.backend {
            Backend::Local(root, _) => Ok(std::fs::metadata(root.join(relative))?.len()),
            Backend::Object(object) => object.size(relative)?.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{relative} does not exist"),
                )
            }),
        }
    }

    /// Every file under `prefix` (a folder, `""` for the whole store), at
    /// any depth, sorted by path. A missing folder has none.
    pub fn list(&self, prefix: &str) -> io::Result<Vec<ListedFile>> {
        let mut files = match &self.backend {
            Backend::Local(root, _) => local::list(root, prefix)?,
            Backend::Object(object) => object.list(prefix)?,
        };
        files.sort();
        Ok(files)
    }

    /// Creates a file that must not exist yet (`AlreadyExists` otherwise),
    /// its folders included, durably.
    pub fn create(&self, relative: &str, bytes: &[u8]) -> io::Result<()> {
        match &self.backend {
            Backend::Local(root, modes) => local::create(root, *modes, relative, bytes),
            Backend::Object(object) => object.create(relative, bytes),
        }
    }

    /// Writes a whole file, replacing it, durably.
    pub fn replace(&self, relative: &str, bytes: &[u8]) -> io::Result<()> {
        match &self.backend {
            Backend::Local(root, modes) => local::replace(root, *modes, relative, bytes),
            Backend::Object(object) => object.replace(relative, bytes),
        }
    }

    /// Cuts a log to `offset` bytes and writes `bytes` after it, durably
    /// (the file is created when missing and `offset` is 0).
    pub fn append_at(&self, relative: &str, offset: u64, bytes: &[u8]) -> io::Result<()> {
        match &self.backend {
            Backend::Local(root, modes) => {
                local::append_at(&root.join(relative), *modes, offset, bytes)
            }
            Backend::Object(object) => object.append_at(relative, offset, bytes),
        }
    }

    /// Moves a file to another path (its folders created), durably.
    pub fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        match &self.backend {
            Backend::Local(root, modes) => local::rename(root, *modes, from, to),
            Backend::Object(object) => object.rename(from, to),
        }
    }

    /// Removes a file; one already gone is no error.
    pub fn remove(&self, relative: &str) -> io::Result<()> {
        match &self.backend {
            Backend::Local(root, _) => match std::fs::remove_file(root.join(relative)) {
                Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
                _ => Ok(()),
            },
            Backend::Object(object) => object.remove(relative),
        }
    }

    /// Removes a folder if it is empty (on object storage, where folders
    /// are only prefixes, there is nothing to do); one that still holds
    /// files, or is gone, is no error.
    pub fn remove_empty_dir(&self, relative: &str) -> io::Result<()> {
        match &self.backend {
            Backend::Local(root, _) => match std::fs::remove_dir(root.join(relative)) {
                Err(error)
                    if !matches!(
                        error.kind(),
                        io::ErrorKind::NotFound | io::ErrorKind::DirectoryNotEmpty
                    ) =>
                {
                    Err(error)
                }
                _ => Ok(()),
            },
            Backend::Object(_) => Ok(()),
        }
    }

    /// `HEAD`'s text and the version a commit may replace.
    pub fn read_head(&self) -> io::Result<(String, HeadVersion)> {
        let relative = vakt_schemas::layout::HEAD;
        match &self.backend {
            Backend::Local(..) => Ok((self.read_to_string(relative)?, HeadVersion::default())),
            Backend::Object(object) => {
                let (bytes, version) = object.read(relative)?;
                let text = String::from_utf8(bytes)
                    .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))?;
                Ok((text, HeadVersion(Some(version))))
            }
        }
    }

    /// The first `HEAD` of a new store; refuses to replace one.
    pub fn create_head(&self, signed_head: &str) -> io::Result<()> {
        match &self.backend {
            Backend::Local(root, modes) => {
                let temp = vakt_schemas::layout::HEAD_TEMP;
                local::replace(root, *modes, temp, signed_head.as_bytes())?;
                local::install_head(root)
            }
            Backend::Object(object) => {
                object.create(vakt_schemas::layout::HEAD, signed_head.as_bytes())
            }
        }
    }

    /// Makes `HEAD.tmp` the `HEAD`, if `HEAD` is still the version `read`.
    /// On a local disk the commit lock guarantees it and a rename makes
    /// the switch atomic; on object storage a conditional put does both.
    pub fn install_head(&self, read: &HeadVersion) -> Result<(), InstallError> {
        match &self.backend {
            Backend::Local(root, _) => Ok(local::install_head(root)?),
            Backend::Object(object) => object.install_head(read.0.as_ref()),
        }
    }

    /// Takes the lock file `name`: waiting for it when `wait`, else
    /// returning `None` at once when another process holds it.
    pub fn lock(&self, name: &str, wait: bool) -> io::Result<Option<LockGuard>> {
        let held = match &self.backend {
            Backend::Local(root, modes) => {
                local::lock(&root.join(name), *modes, wait)?.map(Held::Local)
            }
            Backend::Object(object) => object.lock(name, wait)?.map(Held::Object),
        };
        Ok(held.map(|held| LockGuard { _held: held }))
    }
}
