//! The streams of a store: each one is its own append-only log with its own
//! Merkle tree, manifest and checkpoints.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One append-only log of the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// Terminal and SSH sessions into the secure zone.
    Sessions,
    /// Firewall decisions at the zone boundaries.
    Firewall,
    /// File use in the secure zone's storage areas.
    Access,
    /// Snapshots of the registry (data overview, people, authorisations, deletions).
    Registry,
    /// vakt's own use: queries, exports, spot checks, prunes, key changes.
    Audit,
    /// Input lines no parser accepted, with the reason, source and position.
    Quarantine,
}

impl Stream {
    /// Every stream, in the fixed order used wherever streams are listed.
    pub const ALL: [Stream; 6] = [
        Stream::Sessions,
        Stream::Firewall,
        Stream::Access,
        Stream::Registry,
        Stream::Audit,
        Stream::Quarantine,
    ];

    /// The stream's name as it appears in paths, checkpoints and the command line.
    pub fn name(self) -> &'static str {
        match self {
            Stream::Sessions => "sessions",
            Stream::Firewall => "firewall",
            Stream::Access => "access",
            Stream::Registry => "registry",
            Stream::Audit => "audit",
            Stream::Quarantine => "quarantine",
        }
    }

    /// The one-byte tag that starts every canonical record of this stream
    /// (FORMAT.md, "Canonical record"), so that a record of one stream can
    /// never be passed off as a record of another.
    pub fn tag(self) -> u8 {
        match self {
            Stream::Sessions => 1,
            Stream::Firewall => 2,
            Stream::Access => 3,
            Stream::Registry => 4,
            Stream::Audit => 5,
            Stream::Quarantine => 6,
        }
    }
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error for a stream name that is not one of [`Stream::ALL`].
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown stream `{0}`: expected one of sessions, firewall, access, registry, audit, quarantine"
)]
pub struct UnknownStream(pub String);

impl FromStr for Stream {
    type Err = UnknownStream;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Stream::ALL
            .into_iter()
            .find(|stream| stream.name() == name)
            .ok_or_else(|| UnknownStream(name.to_string()))
    }
}
