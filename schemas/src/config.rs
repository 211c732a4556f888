//! `vakt.toml`: where the store is, which addresses belong to which zone,
//! which paths to which area, and how logs are read. Every field has a
//! default, so a first run needs no file at all.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

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
}

impl Config {
    /// Parses and checks the text of a `vakt.toml`.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text)?;
        config.time_zone()?;
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
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: "vakt-data".to_string(),
            retention_days: 365,
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
}

impl Default for ZoneConfig {
    fn default() -> Self {
        let rfc1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
        ZoneConfig {
            internal: rfc1918.iter().filter_map(|net| net.parse().ok()).collect(),
            secure: Vec::new(),
            hosts: BTreeMap::new(),
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
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            syslog_year: None,
            max_line_bytes: 64 * 1024,
            commit_every: 500_000,
        }
    }
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
}
