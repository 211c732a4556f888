//! The names of the formats, as `--format` and `vakt.toml` give them.

use std::fmt;
use std::str::FromStr;

use vakt_schemas::Stream;

/// The log format of an input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// Each line picks its parser (see the module's documentation).
    #[default]
    Auto,
    /// OpenSSH server messages in syslog.
    Sshd,
    /// sudo, su, systemd-logind, login and `pam_unix` messages in syslog.
    Auth,
    /// Linux netfilter `LOG` lines (iptables, nftables, ufw) in syslog.
    Netfilter,
    /// pfSense and OPNsense `filterlog` messages in syslog.
    Filterlog,
    /// Proxmox VE `pve-firewall.log` lines.
    PveFirewall,
    /// Windows Firewall `pfirewall.log` lines.
    Pfirewall,
    /// Samba `vfs_full_audit` lines in syslog.
    Samba,
    /// Samba's `log.smbd` / `log.samba` (authentication audit, share connections).
    SambaLog,
    /// Linux audit `audit.log` records.
    Auditd,
    /// CUPS `page_log` lines.
    Cups,
    /// `journalctl -o json`, `-o export` and the `short-*` forms.
    Journald,
    /// Windows events exported as XML or JSON (Event Viewer, wevtutil,
    /// winlogbeat, NXLog, Get-WinEvent).
    Windows,
    /// Windows `.evtx` event log files.
    Evtx,
    /// One JSON object per line, in vakt's own columns.
    Jsonl,
}

impl Format {
    /// The names `FromStr` accepts (besides the alias `iptables`), for `--help`.
    pub const ALL_NAMES: [&'static str; 15] = [
        "auto",
        "sshd",
        "auth",
        "netfilter",
        "filterlog",
        "pve-firewall",
        "pfirewall",
        "samba",
        "samba-log",
        "auditd",
        "cups",
        "journald",
        "windows",
        "evtx",
        "jsonl",
    ];

    /// The format's name on the command line and in the configuration.
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Sshd => "sshd",
            Format::Auth => "auth",
            Format::Netfilter => "netfilter",
            Format::Filterlog => "filterlog",
            Format::PveFirewall => "pve-firewall",
            Format::Pfirewall => "pfirewall",
            Format::Samba => "samba",
            Format::SambaLog => "samba-log",
            Format::Auditd => "auditd",
            Format::Cups => "cups",
            Format::Journald => "journald",
            Format::Windows => "windows",
            Format::Evtx => "evtx",
            Format::Jsonl => "jsonl",
        }
    }

    /// The stream this format's lines go to, if there is a single one.
    pub fn stream(self) -> Option<Stream> {
        match self {
            Format::Sshd | Format::Auth => Some(Stream::Sessions),
            Format::Netfilter | Format::Filterlog | Format::PveFirewall | Format::Pfirewall => {
                Some(Stream::Firewall)
            }
            Format::Samba | Format::Auditd | Format::Cups => Some(Stream::Access),
            Format::Auto
            | Format::SambaLog
            | Format::Journald
            | Format::Windows
            | Format::Evtx
            | Format::Jsonl => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// A format name that is not one of [`Format::ALL_NAMES`].
#[derive(Debug, thiserror::Error)]
#[error("unknown log format `{0}`: expected one of {names}", names = Format::ALL_NAMES.join(", "))]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if name == "iptables" || name == "nftables" {
            return Ok(Format::Netfilter);
        }
        Format::ALL_NAMES
            .iter()
            .position(|known| *known == name)
            .and_then(|index| ALL_FORMATS.get(index).copied())
            .ok_or_else(|| UnknownFormat(name.to_string()))
    }
}

/// Every format, in the order of [`Format::ALL_NAMES`].
const ALL_FORMATS: [Format; 15] = [
    Format::Auto,
    Format::Sshd,
    Format::Auth,
    Format::Netfilter,
    Format::Filterlog,
    Format::PveFirewall,
    Format::Pfirewall,
    Format::Samba,
    Format::SambaLog,
    Format::Auditd,
    Format::Cups,
    Format::Journald,
    Format::Windows,
    Format::Evtx,
    Format::Jsonl,
];
