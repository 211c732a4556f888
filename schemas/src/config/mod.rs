//! `vakt.toml`: where the store is, which addresses belong to which zone,
//! which paths to which area, and how logs are read. Every field has a
//! default, so a first run needs no file at all.

mod jobs;
mod lines;
mod run;
mod witness;

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

pub use jobs::{JobConfig, JobKind};
pub use lines::{LineSettings, SambaPrefixField, UserNames, short_user_name};
pub use run::{ListenConfig, ListenProtocol, RunConfig, SourceConfig};
pub use witness::{WitnessConfig, WitnessPolicy};

/// The whole configuration file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The institute's name, as the review prints it.
    pub institute: String,
    /// Time zone of log lines that carry no offset (IANA name).
    pub timezone: String,
    pub store: StoreConfig,
    pub zones: ZoneConfig,
    /// Area name to path prefixes (`system`, `program`, `data`, `project`, `user`).
    pub areas: BTreeMap<String, Vec<String>>,
    pub ingest: IngestConfig,
    pub firewall: FirewallConfig,
    pub secure_zone: SecureZoneConfig,
    pub review: ReviewConfig,
    /// `[report]`: the names the PDF prints.
    pub report: ReportConfig,
    /// `[[source]]`: the logs `vakt run` follows.
    #[serde(rename = "source")]
    pub sources: Vec<SourceConfig>,
    /// `[[listen]]`: where `vakt run` receives syslog messages.
    #[serde(rename = "listen")]
    pub listeners: Vec<ListenConfig>,
    /// `[run]`: how often `vakt run` looks and commits.
    pub run: RunConfig,
    /// `[[job]]`: what `vakt run` does on a schedule.
    #[serde(rename = "job")]
    pub jobs: Vec<JobConfig>,
    /// `[[witness]]`: who vouches for the store's checkpoints.
    #[serde(rename = "witness")]
    pub witnesses: Vec<WitnessConfig>,
    /// `[witness_policy]`: how recent their witnessing must be.
    pub witness_policy: WitnessPolicy,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            institute: "Institute".to_string(),
            timezone: "Europe/Oslo".to_string(),
            store: StoreConfig::default(),
            zones: ZoneConfig::default(),
            areas: BTreeMap::new(),
            ingest: IngestConfig::default(),
            firewall: FirewallConfig::default(),
            secure_zone: SecureZoneConfig::default(),
            review: ReviewConfig::default(),
            report: ReportConfig::default(),
            sources: Vec::new(),
            listeners: Vec::new(),
            run: RunConfig::default(),
            jobs: Vec::new(),
            witnesses: Vec::new(),
            witness_policy: WitnessPolicy::default(),
        }
    }
}

/// A configuration file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    #[error("unknown time zone `{0}`: use an IANA name such as Europe/Oslo")]
    TimeZone(String),
    #[error("{0}")]
    Witness(String),
}

impl Config {
    /// Parses and checks the text of a `vakt.toml`.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text)?;
        config.time_zone()?;
        for witness in &config.witnesses {
            witness.check().map_err(ConfigError::Witness)?;
        }
        Ok(config)
    }

    /// The configured time zone.
    pub fn time_zone(&self) -> Result<chrono_tz::Tz, ConfigError> {
        self.timezone
            .parse()
            .map_err(|_| ConfigError::TimeZone(self.timezone.clone()))
    }

    /// The area a path belongs to: the area with the longest matching prefix.
    pub fn area_of(&self, path: &str) -> Option<&str> {
        self.areas
            .iter()
            .flat_map(|(area, prefixes)| prefixes.iter().map(move |prefix| (area, prefix)))
            .filter(|(_, prefix)| path_has_prefix(path, prefix))
            .max_by_key(|(_, prefix)| prefix.len())
            .map(|(area, _)| area.as_str())
    }
}

fn path_has_prefix(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// `[store]`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// The store directory.
    pub path: String,
    /// Days every record is kept at least (never less than 365: clause 3.3.l).
    pub retention_days: u32,
    /// A group whose members may read a local store (investigators): `vakt
    /// init` gives the store folder to it with mode 2750, and files are then
    /// made 0640 and folders 2750. The signing key stays its owner's alone.
    /// None: only the owner may read the store (0700/0600).
    pub group: Option<String>,
    /// The signing key's file, kept outside the store (mode 0600). None:
    /// `<store folder>.key` beside a local store, or
    /// `~/.config/vakt/keys/<store id>.key` for one on object storage.
    pub signing_key: Option<String>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: "vakt-data".to_string(),
            retention_days: 365,
            group: None,
            signing_key: None,
        }
    }
}

/// `[zones]`: address ranges and host names of the internal and secure zones;
/// everything else is external.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ZoneConfig {
    pub internal: Vec<IpNet>,
    pub secure: Vec<IpNet>,
    /// Host name to zone, for logs that name a host instead of an address.
    pub hosts: BTreeMap<String, String>,
    /// Addresses on the institute's premises (3.3.h); empty: the internal
    /// and secure ranges.
    pub premises: Vec<IpNet>,
    /// Connections from the external into the internal zone the IT manager
    /// allowed (3.2.e).
    pub exceptions: Vec<FirewallException>,
}

/// `[[zones.exceptions]]`: one allowed kind of connection from outside.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirewallException {
    /// What it is for, as the review prints it.
    pub name: String,
    /// Destination addresses.
    pub destination: Vec<IpNet>,
    /// Destination ports; empty: any.
    #[serde(default)]
    pub ports: Vec<u16>,
    /// `tcp`, `udp`, ...; unset: any.
    pub protocol: Option<String>,
    /// Source addresses; empty: any.
    #[serde(default)]
    pub source: Vec<IpNet>,
    /// Who approved it (3.2.e: the IT manager).
    pub approved_by: String,
    #[serde(default, with = "crate::registry::moment::day::optional")]
    pub approved_on: Option<chrono::NaiveDate>,
}

impl FirewallException {
    /// Whether a connection is one this exception allows.
    pub fn allows(
        &self,
        source: IpAddr,
        destination: IpAddr,
        port: Option<u16>,
        protocol: &str,
    ) -> bool {
        let to = self
            .destination
            .iter()
            .any(|net| net.contains(&destination));
        let from = self.source.is_empty() || self.source.iter().any(|net| net.contains(&source));
        let on_port = self.ports.is_empty() || port.is_some_and(|port| self.ports.contains(&port));
        let by = self
            .protocol
            .as_deref()
            .is_none_or(|expected| expected.eq_ignore_ascii_case(protocol));
        to && from && on_port && by
    }
}

impl Default for ZoneConfig {
    fn default() -> Self {
        let rfc1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
        ZoneConfig {
            internal: rfc1918.iter().filter_map(|net| net.parse().ok()).collect(),
            secure: Vec::new(),
            hosts: BTreeMap::new(),
            premises: Vec::new(),
            exceptions: Vec::new(),
        }
    }
}

/// The zone names.
pub const SECURE: &str = "secure";
pub const INTERNAL: &str = "internal";
pub const EXTERNAL: &str = "external";

impl ZoneConfig {
    /// The zone of an address; secure ranges win over internal ones.
    pub fn zone_of_ip(&self, address: IpAddr) -> &'static str {
        if self.secure.iter().any(|net| net.contains(&address)) {
            return SECURE;
        }
        if self.internal.iter().any(|net| net.contains(&address)) {
            return INTERNAL;
        }
        EXTERNAL
    }

    /// Whether an address is on the premises (3.3.h).
    pub fn on_premises(&self, address: IpAddr) -> bool {
        if self.premises.is_empty() {
            return self.zone_of_ip(address) != EXTERNAL;
        }
        self.premises.iter().any(|net| net.contains(&address))
    }

    /// The zone of a host given by address or by a configured name.
    pub fn zone_of_host(&self, host: &str) -> Option<String> {
        if let Ok(address) = host.parse::<IpAddr>() {
            return Some(self.zone_of_ip(address).to_string());
        }
        self.hosts.get(host).cloned()
    }
}

/// `[ingest]`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// Year of the first line of syslog files whose timestamps carry none;
    /// unset: inferred from each file's modification time.
    pub syslog_year: Option<i32>,
    /// Lines longer than this many bytes go to quarantine.
    pub max_line_bytes: usize,
    /// Records buffered before a commit.
    pub commit_every: usize,
    /// Syslog programs to take (empty or unset: all).
    pub programs: Option<Vec<String>>,
    /// Syslog programs whose lines are skipped (counted, not stored).
    pub skip_programs: Option<Vec<String>>,
    /// `as-logged` or `short` (`CORP\\alice`, `alice@REALM` → `alice`).
    pub user_names: Option<UserNames>,
    /// The host of lines that name none.
    pub host: Option<String>,
    /// The fields of Samba `vfs_full_audit`'s prefix, in order.
    pub samba_prefix: Option<Vec<SambaPrefixField>>,
}

impl IngestConfig {
    /// The line settings every input starts from.
    pub fn line_settings(&self) -> LineSettings {
        LineSettings {
            programs: self.programs.clone(),
            skip_programs: self.skip_programs.clone(),
            user_names: self.user_names,
            host: self.host.clone(),
            samba_prefix: self.samba_prefix.clone(),
        }
    }
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            syslog_year: None,
            max_line_bytes: 64 * 1024,
            commit_every: 500_000,
            programs: None,
            skip_programs: None,
            user_names: None,
            host: None,
            samba_prefix: None,
        }
    }
}

/// `[secure_zone]`: the sanctioned ways in and out of the secure zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecureZoneConfig {
    /// Terminal server name (as session logs show it) to its address: the
    /// one sanctioned way in (3.3.c).
    pub terminal_servers: BTreeMap<String, IpAddr>,
    /// The TCP or UDP ports of a terminal session to a terminal server's
    /// address (default 22, ssh, and 3389, Remote Desktop): a connection
    /// from the internal zone to another port of a terminal server is not
    /// a terminal session (3.3.c).
    pub terminal_ports: Vec<u16>,
    /// Addresses of approved transfer hosts outside the zone (3.3.d).
    pub transfer_hosts: Vec<IpNet>,
    /// Terminal server name to whether its logon policy requires a second
    /// factor (an RD Gateway with multi-factor, a smart card policy): the
    /// review's `single_factor` check relies on it for logins whose log does
    /// not say (Windows logon events never do), and says so (3.3.c).
    pub multi_factor: BTreeMap<String, bool>,
}

/// The ports of ssh and Remote Desktop.
pub const DEFAULT_TERMINAL_PORTS: [u16; 2] = [22, 3389];

impl Default for SecureZoneConfig {
    fn default() -> Self {
        SecureZoneConfig {
            terminal_servers: BTreeMap::new(),
            terminal_ports: DEFAULT_TERMINAL_PORTS.to_vec(),
            transfer_hosts: Vec::new(),
            multi_factor: BTreeMap::new(),
        }
    }
}

/// `[review]`: thresholds of the yearly review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewConfig {
    /// A log source silent longer than this many hours is a finding.
    pub silent_hours: u32,
    /// Days a class A dataset may be kept after it was received (4.5.a).
    pub class_a_days: u32,
}

impl Default for ReviewConfig {
    fn default() -> Self {
        ReviewConfig {
            silent_hours: 72,
            class_a_days: 30,
        }
    }
}

/// `[report]`: the names the review's PDF prints (5.6.c: the director
/// signs the review).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportConfig {
    /// The director's name, printed under the signature line.
    pub director: Option<String>,
    /// Who prepared the review (a name, or a name and role), printed on
    /// the cover and beside the signature.
    pub prepared_by: Option<String>,
}

/// `[firewall]`: how a netfilter log prefix tells allow from deny.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FirewallConfig {
    /// Words (case-insensitive) in a log prefix meaning the packet was allowed.
    pub allow_words: Vec<String>,
    /// Words meaning it was dropped or rejected; checked before allow words.
    pub deny_words: Vec<String>,
}

impl Default for FirewallConfig {
    fn default() -> Self {
        let words = |list: &[&str]| list.iter().map(|word| word.to_string()).collect();
        FirewallConfig {
            allow_words: words(&["accept", "allow", "pass", "permit"]),
            deny_words: words(&["drop", "deny", "reject", "block"]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_make_private_ranges_internal_and_the_rest_external() {
        let config = Config::default();
        assert_eq!(
            config.zones.zone_of_ip("10.1.2.3".parse().unwrap()),
            INTERNAL
        );
        assert_eq!(
            config.zones.zone_of_ip("192.168.9.9".parse().unwrap()),
            INTERNAL
        );
        assert_eq!(
            config.zones.zone_of_ip("129.240.1.1".parse().unwrap()),
            EXTERNAL
        );
        assert_eq!(config.time_zone().unwrap(), chrono_tz::Europe::Oslo);
    }

    #[test]
    fn secure_ranges_win_and_areas_match_whole_path_components() {
        let config = Config::parse(
            r#"
            [zones]
            internal = ["10.0.0.0/8"]
            secure = ["10.20.0.0/24"]
            [areas]
            data = ["/data"]
            project = ["/prosjekt/"]
            user = ["/data/home"]
            "#,
        )
        .unwrap();
        assert_eq!(
            config.zones.zone_of_ip("10.20.0.10".parse().unwrap()),
            SECURE
        );
        assert_eq!(config.area_of("/data/hudreg/x.csv"), Some("data"));
        assert_eq!(config.area_of("/data/home/ola/x"), Some("user"));
        assert_eq!(config.area_of("/prosjekt"), Some("project"));
        assert_eq!(config.area_of("/database/x"), None);
    }

    #[test]
    fn unknown_fields_and_time_zones_are_refused() {
        assert!(Config::parse("institue = \"typo\"").is_err());
        let error = Config::parse("timezone = \"Mars/Olympus\"").unwrap_err();
        assert!(error.to_string().contains("Mars/Olympus"));
    }

    #[test]
    fn exceptions_terminal_servers_and_premises() {
        let config = Config::parse(
            r#"
            [zones]
            internal = ["10.10.0.0/16"]
            secure = ["10.20.0.0/24"]
            [[zones.exceptions]]
            name = "published web server"
            destination = ["10.10.0.25/32"]
            ports = [443]
            protocol = "tcp"
            approved_by = "it"
            approved_on = 2025-11-01
            [secure_zone]
            terminal_servers = { ts1 = "10.20.0.10" }
            transfer_hosts = ["10.10.0.40/32"]
            [review]
            silent_hours = 48
            "#,
        )
        .unwrap();
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        let web = &config.zones.exceptions[0];
        assert!(web.allows(ip("81.2.3.4"), ip("10.10.0.25"), Some(443), "TCP"));
        assert!(!web.allows(ip("81.2.3.4"), ip("10.10.0.25"), Some(22), "tcp"));
        assert!(!web.allows(ip("81.2.3.4"), ip("10.10.0.26"), Some(443), "tcp"));
        assert!(!web.allows(ip("81.2.3.4"), ip("10.10.0.25"), Some(443), "udp"));
        assert_eq!(config.secure_zone.terminal_servers["ts1"], ip("10.20.0.10"));
        assert!(config.zones.on_premises(ip("10.10.3.3")));
        assert!(!config.zones.on_premises(ip("84.2.3.4")));
        assert_eq!(config.review.silent_hours, 48);
        assert_eq!(config.review.class_a_days, 30);
    }
}
