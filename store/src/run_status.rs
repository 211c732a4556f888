//! `vakt run`'s status file, `run/status.json`: written by the run after
//! its commits, read by `vakt status`. Not part of the signed record.

use vakt_schemas::layout;
use vakt_schemas::status::RunStatus;

use crate::reader::{ReadError, StoreReader};
use crate::writer::{StoreWriter, WriteError};

impl StoreWriter {
    /// Replaces the run's status file: written beside it and renamed over
    /// it, so a reader sees the old one or the new one.
    pub fn publish_run_status(&self, status: &RunStatus) -> Result<(), WriteError> {
        let storage = self.committer().storage();
        let path = storage.path(layout::RUN_STATUS);
        let bytes = serde_json::to_vec_pretty(status).map_err(|error| WriteError::Io {
            path: path.clone(),
            source: std::io::Error::other(error),
        })?;
        let temporary = format!("{}.tmp", layout::RUN_STATUS);
        storage
            .replace(&temporary, &bytes)
            .and_then(|()| storage.rename(&temporary, layout::RUN_STATUS))
            .map_err(|source| WriteError::Io { path, source })
    }
}

impl StoreReader {
    /// The status the last `vakt run` wrote, or `None` when none ever ran.
    pub fn run_status(&self) -> Result<Option<RunStatus>, ReadError> {
        let path = self.storage().path(layout::RUN_STATUS);
        if !self
            .storage()
            .exists(layout::RUN_STATUS)
            .map_err(|source| ReadError::Io {
                path: path.clone(),
                source,
            })?
        {
            return Ok(None);
        }
        let bytes = self
            .storage()
            .read(layout::RUN_STATUS)
            .map_err(|source| ReadError::Io {
                path: path.clone(),
                source,
            })?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|error| ReadError::Damaged {
                path,
                detail: format!("not a status vakt run writes: {error}"),
            })
    }
}
