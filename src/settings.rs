//! Options every command shares: where the store and the configuration are.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use vakt_schemas::config::Config;

/// Default configuration file, read when it exists.
const DEFAULT_CONFIG: &str = "vakt.toml";

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The store directory [default: `store.path` of the configuration, else ./vakt-data]
    #[arg(long, global = true, env = "VAKT_STORE", value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// The configuration file [default: ./vakt.toml when it exists, else built-in defaults]
    #[arg(long, global = true, env = "VAKT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl GlobalArgs {
    /// The configuration: the file given, else ./vakt.toml, else defaults.
    pub fn load_config(&self) -> anyhow::Result<Config> {
        let path = match &self.config {
            Some(path) => path.clone(),
            None if Path::new(DEFAULT_CONFIG).exists() => PathBuf::from(DEFAULT_CONFIG),
            None => return Ok(Config::default()),
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the configuration {}", path.display()))?;
        Config::parse(&text)
            .with_context(|| format!("configuration {} is not valid", path.display()))
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
