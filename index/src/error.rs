//! What can go wrong with an index or a query.

use std::fmt;
use std::path::PathBuf;

/// The index could not be opened, written or searched.
#[derive(Debug)]
pub enum IndexError {
    /// There is no index in the folder.
    Missing(PathBuf),
    /// There is an index, but not one this version can use for this store
    /// (another schema version, another store, no coverage payload).
    Incompatible { path: PathBuf, detail: String },
    /// tantivy failed.
    Tantivy { path: PathBuf, detail: String },
    /// A file operation failed.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl IndexError {
    pub(crate) fn tantivy(
        path: &std::path::Path,
    ) -> impl FnOnce(tantivy::TantivyError) -> IndexError + '_ {
        move |error| IndexError::Tantivy {
            path: path.to_path_buf(),
            detail: error.to_string(),
        }
    }

    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> IndexError + '_ {
        move |source| IndexError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl fmt::Display for IndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexError::Missing(path) => {
                write!(f, "there is no full-text index in {}", path.display())
            }
            IndexError::Incompatible { path, detail } => {
                write!(
                    f,
                    "the full-text index in {} cannot be used: {detail}",
                    path.display()
                )
            }
            IndexError::Tantivy { path, detail } => {
                write!(f, "full-text index {}: {detail}", path.display())
            }
            IndexError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for IndexError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            IndexError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A query that does not parse or names something the index does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QueryError {}

/// A search failed: the query is wrong, or the index is.
#[derive(Debug)]
pub enum SearchError {
    Query(QueryError),
    Index(IndexError),
    /// The index says at least `claimed` records of the block of `stream`
    /// from `first_seq` match, and reading them found only `found`: the
    /// index was changed or built from other records.
    Doctored {
        stream: vakt_schemas::Stream,
        first_seq: u64,
        claimed: u64,
        found: u64,
    },
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchError::Query(error) => write!(f, "malformed query: {error}"),
            SearchError::Index(error) => error.fmt(f),
            SearchError::Doctored {
                stream,
                first_seq,
                claimed,
                found,
            } => write!(
                f,
                "the full-text index says at least {claimed} {stream} records from {first_seq} \
                 on match, but only {found} do as read from the store: the index was changed \
                 or built from other records"
            ),
        }
    }
}

impl std::error::Error for SearchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SearchError::Query(error) => Some(error),
            SearchError::Index(error) => Some(error),
            SearchError::Doctored { .. } => None,
        }
    }
}

impl From<QueryError> for SearchError {
    fn from(error: QueryError) -> SearchError {
        SearchError::Query(error)
    }
}

impl From<IndexError> for SearchError {
    fn from(error: IndexError) -> SearchError {
        SearchError::Index(error)
    }
}
