//! Options every command shares: where the store and the configuration are.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, TimeZone, Utc};

use anyhow::Context;
use clap::{Args, ValueEnum};
use vakt_schemas::config::Config;

/// Default configuration file, read when it exists.
const DEFAULT_CONFIG: &str = "vakt.toml";

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The store: a folder, or an `s3://bucket/prefix` URL (configured by
    /// AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
    /// AWS_ALLOW_HTTP) [default: `store.path` of the configuration, else ./vakt-data]
    #[arg(long, global = true, env = "VAKT_STORE", value_name = "DIR|URL")]
    pub store: Option<PathBuf>,
    /// The configuration file [default: ./vakt.toml when it exists, else built-in defaults]
    #[arg(long, global = true, env = "VAKT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The store's signing key file, kept outside the store, mode 0600
    /// [default: `store.signing_key` of the configuration, else
    /// `<store folder>.key` beside a local store, else
    /// ~/.config/vakt/keys/<store id>.key]
    #[arg(long, global = true, env = "VAKT_SIGNING_KEY", value_name = "FILE")]
    pub signing_key: Option<PathBuf>,
}

impl GlobalArgs {
    /// The configuration: the file given, else ./vakt.toml, else defaults.
    pub fn load_config(&self) -> anyhow::Result<Config> {
        let Some(path) = self.config_file() else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the configuration {}", path.display()))?;
        Config::parse(&text)
            .with_context(|| format!("configuration {} is not valid", path.display()))
    }

    /// The configuration file read: the one given, else ./vakt.toml when it
    /// exists; `None` when the built-in defaults are used.
    pub fn config_file(&self) -> Option<PathBuf> {
        match &self.config {
            Some(path) => Some(path.clone()),
            None if Path::new(DEFAULT_CONFIG).exists() => Some(PathBuf::from(DEFAULT_CONFIG)),
            None => None,
        }
    }

    /// Tells the store which signing key file to use: the one given with
    /// `--signing-key` (or `VAKT_SIGNING_KEY`), else the configuration's
    /// `store.signing_key`; with neither, the store's default place.
    pub fn choose_signing_key(&self) {
        if let Some(path) = &self.signing_key {
            vakt_store::keys::use_signing_key_file(path.clone());
            return;
        }
        let configured = self
            .load_config()
            .ok()
            .and_then(|config| config.store.signing_key);
        if let Some(path) = configured {
            vakt_store::keys::use_signing_key_file(PathBuf::from(path));
        }
    }

    /// The store directory.
    pub fn store_dir(&self, config: &Config) -> PathBuf {
        self.store
            .clone()
            .unwrap_or_else(|| PathBuf::from(&config.store.path))
    }
}

/// Output for people or for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// Lines for a person.
    #[default]
    Text,
    /// One JSON document (stable field names).
    Json,
}

/// An instant from RFC 3339, or a local date or date and time in `zone`.
/// A date alone means the start of that day, or the start of the next one
/// when it ends a range (`end`).
pub fn parse_time<Tz: TimeZone>(text: &str, zone: &Tz, end: bool) -> anyhow::Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    let local = if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let day = if end {
            day.checked_add_days(Days::new(1))
                .ok_or_else(|| anyhow!("{text} is out of range"))?
        } else {
            day
        };
        day.and_hms_opt(0, 0, 0)
            .ok_or_else(|| anyhow!("{text} is out of range"))?
    } else {
        [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .ok_or_else(|| {
            anyhow!(
                "`{text}` is not a time: give RFC 3339 (2026-03-02T08:00:00Z), \
                     a local date (2026-03-02) or a local date and time (2026-03-02T08:00)"
            )
        })?
    };
    zone.from_local_datetime(&local)
        .earliest()
        .map(|time| time.with_timezone(&Utc))
        .ok_or_else(|| {
            anyhow!("{text} does not exist in the configured time zone (a clock change)")
        })
}

/// A time window whose ends may be open.
pub type Window = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The optional window of `--from`/`--to` arguments.
pub fn parse_window<Tz: TimeZone>(
    from: Option<&str>,
    to: Option<&str>,
    zone: &Tz,
) -> anyhow::Result<Window> {
    let from = from.map(|text| parse_time(text, zone, false)).transpose()?;
    let to = to.map(|text| parse_time(text, zone, true)).transpose()?;
    if let (Some(from), Some(to)) = (from, to)
        && to <= from
    {
        return Err(anyhow!("--to ({to}) is not after --from ({from})"));
    }
    Ok((from, to))
}
