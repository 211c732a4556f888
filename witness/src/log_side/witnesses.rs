//! The witnesses a store is configured with (`[[witness]]` in
//! `vakt.toml`, or `--witness` on the command line).

use std::path::PathBuf;
use std::time::Duration;

use vakt_schemas::config::WitnessConfig;
use vakt_schemas::cosignature::CosignatureVerifier;

/// A witness as the log side talks to it.
#[derive(Debug)]
pub enum Witness {
    /// A cosigning witness (c2sp.org/tlog-witness) at a URL.
    Cosigning {
        /// The configured name.
        name: String,
        /// Its submission and monitoring prefix.
        url: String,
        /// Its cosigner key; `None` only for a `--witness URL` that matches
        /// no configured witness (then what it holds is checked against the
        /// store, but its cosignatures are not believed).
        verifier: Option<Box<CosignatureVerifier>>,
        /// How long to wait for it.
        timeout: Duration,
    },
    /// A directory witness: copies of the checkpoints in a folder.
    Directory {
        /// The configured name.
        name: String,
        /// Its folder.
        folder: PathBuf,
    },
}

/// A configured witness that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WitnessSetupError {
    /// A `[[witness]]` table that is neither or both kinds, or lacks a key.
    #[error("{0}")]
    Config(String),
    /// A cosigner key that does not parse.
    #[error("witness {name:?}: its key is not a cosigner verifier key: {detail}")]
    Key {
        /// The witness's name.
        name: String,
        /// What is wrong.
        detail: String,
    },
}

impl Witness {
    /// The witness a `[[witness]]` table describes.
    pub fn from_config(config: &WitnessConfig) -> Result<Witness, WitnessSetupError> {
        config.check().map_err(WitnessSetupError::Config)?;
        if let Some(folder) = &config.dir {
            return Ok(Witness::Directory {
                name: config.name.clone(),
                folder: PathBuf::from(folder),
            });
        }
        let verifier = match &config.key {
            Some(vkey) => {
                let parsed =
                    CosignatureVerifier::parse(vkey).map_err(|error| WitnessSetupError::Key {
                        name: config.name.clone(),
                        detail: error.to_string(),
                    })?;
                Some(Box::new(parsed))
            }
            None => None,
        };
        Ok(Witness::Cosigning {
            name: config.name.clone(),
            url: config.url.clone().unwrap_or_default(),
            verifier,
            timeout: Duration::from_secs(config.timeout_seconds.max(1)),
        })
    }

    /// The witness a `--witness URL|DIR` argument names: a configured one
    /// with that URL or folder when there is one (so its key is known),
    /// else an `http://` or `https://` URL without a key, else a folder.
    pub fn from_argument(argument: &str, configured: &[WitnessConfig]) -> Witness {
        let same = configured.iter().find(|config| {
            config.url.as_deref().map(|url| url.trim_end_matches('/'))
                == Some(argument.trim_end_matches('/'))
                || config.dir.as_deref() == Some(argument)
        });
        if let Some(config) = same
            && let Ok(witness) = Witness::from_config(config)
        {
            return witness;
        }
        if argument.starts_with("http://") || argument.starts_with("https://") {
            return Witness::Cosigning {
                name: argument.to_string(),
                url: argument.to_string(),
                verifier: None,
                timeout: Duration::from_secs(10),
            };
        }
        Witness::Directory {
            name: argument.to_string(),
            folder: PathBuf::from(argument),
        }
    }

    /// The witness's name.
    pub fn name(&self) -> &str {
        match self {
            Witness::Cosigning { name, .. } | Witness::Directory { name, .. } => name,
        }
    }
}
