//! What `vakt run` follows and how often it commits: `[[source]]` and
//! `[run]` in `vakt.toml`.

use serde::{Deserialize, Serialize};

use super::{LineSettings, SambaPrefixField, UserNames};
use crate::stream::Stream;

/// `[[source]]`: a log file (or files) that `vakt run` follows as it grows
/// and rotates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// A name for messages and `vakt status`.
    pub name: String,
    /// The file, or a glob pattern of files (`*`, `?`, `[abc]`), e.g.
    /// `/var/log/auth.log*`. Include the rotated names: content already
    /// stored is recognised whatever its name, so a rotated file is read
    /// only for the lines written into it after the last look.
    pub path: String,
    /// The lines' format: auto, sshd, netfilter, samba or jsonl.
    #[serde(default = "auto")]
    pub format: String,
    /// Accept only events of this stream; other lines go to quarantine.
    #[serde(default)]
    pub stream: Option<Stream>,
    /// Syslog programs to take (empty or unset: all).
    #[serde(default)]
    pub programs: Option<Vec<String>>,
    /// Syslog programs whose lines are skipped (counted, not stored).
    #[serde(default)]
    pub skip_programs: Option<Vec<String>>,
    /// `as-logged` or `short` (`CORP\\alice`, `alice@REALM` → `alice`).
    #[serde(default)]
    pub user_names: Option<UserNames>,
    /// The host of lines that name none.
    #[serde(default)]
    pub host: Option<String>,
    /// The fields of Samba `vfs_full_audit`'s prefix, in order.
    #[serde(default)]
    pub samba_prefix: Option<Vec<SambaPrefixField>>,
}

impl SourceConfig {
    /// This source's line settings over `[ingest]`'s.
    pub fn line_settings(&self, defaults: &LineSettings) -> LineSettings {
        LineSettings {
            programs: self.programs.clone(),
            skip_programs: self.skip_programs.clone(),
            user_names: self.user_names,
            host: self.host.clone(),
            samba_prefix: self.samba_prefix.clone(),
        }
        .over(defaults)
    }
}

/// `[[listen]]`: an address where `vakt run` receives syslog messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenConfig {
    /// A name for messages and `vakt status`; records received here are
    /// stored with the source `NAME@SENDER` (the sender's IP address).
    pub name: String,
    /// The address and port to listen on, e.g. `0.0.0.0:514` or `[::]:6514`.
    pub address: String,
    /// `udp` (RFC 5426, one message per datagram), `tcp` (RFC 6587: each
    /// message framed by its length, `LEN MSG`, or ended by a newline,
    /// chosen per message) or `tls` (RFC 5425: TCP framing inside TLS,
    /// with `tls_certificate` and `tls_key`).
    pub protocol: ListenProtocol,
    /// The messages' format: auto, sshd, netfilter, samba or jsonl. The
    /// syslog header (RFC 3164 or RFC 5424) is read as in files.
    #[serde(default = "auto")]
    pub format: String,
    /// Accept only events of this stream; other messages go to quarantine.
    #[serde(default)]
    pub stream: Option<Stream>,
    /// For `tls`: the server's certificate chain, a PEM file.
    #[serde(default)]
    pub tls_certificate: Option<String>,
    /// For `tls`: the certificate's private key, a PEM file (readable by
    /// vakt's user only).
    #[serde(default)]
    pub tls_key: Option<String>,
    /// Syslog programs to take (empty or unset: all).
    #[serde(default)]
    pub programs: Option<Vec<String>>,
    /// Syslog programs whose lines are skipped (counted, not stored).
    #[serde(default)]
    pub skip_programs: Option<Vec<String>>,
    /// `as-logged` or `short` (`CORP\\alice`, `alice@REALM` → `alice`).
    #[serde(default)]
    pub user_names: Option<UserNames>,
    /// The host of lines that name none.
    #[serde(default)]
    pub host: Option<String>,
    /// The fields of Samba `vfs_full_audit`'s prefix, in order.
    #[serde(default)]
    pub samba_prefix: Option<Vec<SambaPrefixField>>,
}

impl ListenConfig {
    /// This address's line settings over `[ingest]`'s.
    pub fn line_settings(&self, defaults: &LineSettings) -> LineSettings {
        LineSettings {
            programs: self.programs.clone(),
            skip_programs: self.skip_programs.clone(),
            user_names: self.user_names,
            host: self.host.clone(),
            samba_prefix: self.samba_prefix.clone(),
        }
        .over(defaults)
    }
}

/// How a `[[listen]]` address receives messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListenProtocol {
    Udp,
    Tcp,
    Tls,
}

impl ListenProtocol {
    pub fn name(self) -> &'static str {
        match self {
            ListenProtocol::Udp => "udp",
            ListenProtocol::Tcp => "tcp",
            ListenProtocol::Tls => "tls",
        }
    }
}

fn auto() -> String {
    "auto".to_string()
}

/// `[run]`: the timing of `vakt run`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunConfig {
    /// Records read are committed at most this many milliseconds after
    /// they were read: what a crash of the machine can lose from a
    /// syslog receiver (files are read again from the committed position).
    pub commit_interval_ms: u64,
    /// Received syslog messages waiting to be read into records, at most;
    /// when full, TCP senders wait and UDP datagrams are dropped (and
    /// counted).
    pub receive_queue: usize,
    /// ... or as soon as this many records wait.
    pub commit_records: usize,
    /// How often the followed files are looked at, in milliseconds.
    pub poll_interval_ms: u64,
    /// A file no longer matched by its source's path (rotated away) is
    /// still read until it has not grown for this many seconds, for the
    /// lines its writer adds before it reopens its log; then it is closed,
    /// and a last line without a newline is read as a line.
    pub rotated_grace_seconds: u64,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            commit_interval_ms: 2000,
            commit_records: 100_000,
            receive_queue: 100_000,
            poll_interval_ms: 250,
            rotated_grace_seconds: 10,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn sources_and_run_timing_are_read_with_their_defaults() {
        let config = Config::parse(
            r#"
            [[source]]
            name = "auth"
            path = "/var/log/auth.log*"

            [[source]]
            name = "firewall"
            path = "/var/log/kern.log"
            format = "netfilter"
            stream = "firewall"

            [run]
            commit_interval_ms = 500
            "#,
        )
        .unwrap();
        assert_eq!(config.sources.len(), 2);
        assert_eq!(config.sources[0].format, "auto");
        assert_eq!(config.sources[0].stream, None);
        assert_eq!(config.sources[1].stream, Some(crate::Stream::Firewall));
        assert_eq!(config.run.commit_interval_ms, 500);
        assert_eq!(config.run.poll_interval_ms, 250);
        let unknown = Config::parse("[[source]]\nname = \"a\"\npath = \"b\"\nglob = \"c\"\n");
        assert!(unknown.is_err());
    }
}
