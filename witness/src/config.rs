//! `witness.toml`: the witness's name and the logs it trusts.
//!
//! ```toml
//! name = "witness.example.org/vakt"
//!
//! [[log]]
//! origin_prefix = "vakt/0123456789abcdef/"
//! keys = ["vakt-0123456789abcdef+1a2b3c4d+AQ..."]
//! ```
//!
//! A log entry names its origins either by `origin_prefix` (every origin
//! starting with it: all the streams of one vakt store) or by an exact
//! `origin`, and lists the signed-note verifier keys (algorithm 0x01) of the
//! log; several keys are allowed, so that when the log rotates its key the
//! witness's owner adds the new one beside the old.

use serde::{Deserialize, Serialize};
use vakt_schemas::checkpoint::{CheckpointError, NoteVerifier};
use vakt_schemas::cosignature::validate_cosigner_name;

/// What is wrong with `witness.toml`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// The file is not TOML of the expected shape.
    #[error("witness.toml is not valid: {reason}")]
    Syntax {
        /// The TOML parser's message.
        reason: String,
    },
    /// The witness name is not a valid note key name.
    #[error("witness.toml names the witness {name:?}: {source}")]
    InvalidName {
        /// The rejected name.
        name: String,
        /// Why the name is invalid.
        source: CheckpointError,
    },
    /// A log entry with neither or both of `origin_prefix` and `origin`.
    #[error(
        "witness.toml log entry {index} must have exactly one of origin_prefix and origin, and \
         it must not be empty"
    )]
    OriginMissing {
        /// The one-based position of the entry.
        index: usize,
    },
    /// A log entry without keys.
    #[error("witness.toml log entry {index} lists no keys; add the log's verifier key")]
    NoKeys {
        /// The one-based position of the entry.
        index: usize,
    },
    /// A key that is not a signed-note Ed25519 verifier key.
    #[error("witness.toml log entry {index} has key {vkey:?}: {source}")]
    InvalidKey {
        /// The one-based position of the entry.
        index: usize,
        /// The rejected key.
        vkey: String,
        /// Why the key is invalid.
        source: CheckpointError,
    },
}

/// The contents of `witness.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessConfig {
    /// The witness's name: its cosignature key name.
    pub name: String,
    /// The logs the witness cosigns for.
    #[serde(default, rename = "log")]
    pub logs: Vec<TrustedLog>,
}

/// One `[[log]]` entry of `witness.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedLog {
    /// Every origin starting with this prefix belongs to the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_prefix: Option<String>,
    /// Exactly this origin belongs to the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The log's signed-note verifier keys, any of which may sign.
    pub keys: Vec<String>,
}

impl TrustedLog {
    /// Whether `origin` belongs to this log: the exact origin, or the
    /// prefix followed by one more path segment (`vakt/<id>/sessions` for
    /// the prefix `vakt/<id>/`, never `vakt/<id>/x/sessions`), so that a
    /// log cannot open a second history under a longer name.
    pub fn matches(&self, origin: &str) -> bool {
        if let Some(prefix) = &self.origin_prefix {
            return origin
                .strip_prefix(prefix.as_str())
                .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'));
        }
        self.origin.as_deref() == Some(origin)
    }

    /// The origin prefix, or the exact origin, for showing to people.
    pub fn describe(&self) -> String {
        match (&self.origin_prefix, &self.origin) {
            (Some(prefix), _) => format!("{prefix}*"),
            (None, Some(origin)) => origin.clone(),
            (None, None) => String::new(),
        }
    }
}

impl WitnessConfig {
    /// Parses and checks `witness.toml`.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text).map_err(|error| ConfigError::Syntax {
            reason: error.message().to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// The file's text.
    pub fn to_toml(&self) -> String {
        // Serializing plain strings and lists cannot fail.
        toml::to_string(self).unwrap_or_default()
    }

    /// Checks the name, that every entry names its origins one way, and
    /// that every key is a signed-note verifier key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate_cosigner_name(&self.name).map_err(|source| ConfigError::InvalidName {
            name: self.name.clone(),
            source,
        })?;
        for (position, log) in self.logs.iter().enumerate() {
            let index = position + 1;
            let names_its_origins = match (&log.origin_prefix, &log.origin) {
                (Some(prefix), None) => !prefix.is_empty(),
                (None, Some(origin)) => !origin.is_empty(),
                _ => false,
            };
            if !names_its_origins {
                return Err(ConfigError::OriginMissing { index });
            }
            if log.keys.is_empty() {
                return Err(ConfigError::NoKeys { index });
            }
            for vkey in &log.keys {
                NoteVerifier::parse(vkey).map_err(|source| ConfigError::InvalidKey {
                    index,
                    vkey: vkey.clone(),
                    source,
                })?;
            }
        }
        Ok(())
    }

    /// The verifiers of every log entry matching `origin`; empty when the
    /// origin is unknown. Keys were checked by [`WitnessConfig::validate`].
    pub fn verifiers_for(&self, origin: &str) -> Vec<NoteVerifier> {
        self.logs
            .iter()
            .filter(|log| log.matches(origin))
            .flat_map(|log| log.keys.iter())
            .filter_map(|vkey| NoteVerifier::parse(vkey).ok())
            .collect()
    }

    /// Stops trusting `vkey` for the log of `origin_prefix` (a key the log
    /// retired: whoever still holds it can no longer extend the log here).
    /// Returns whether the key was trusted.
    pub fn untrust(&mut self, origin_prefix: &str, vkey: &str) -> bool {
        let Some(log) = self
            .logs
            .iter_mut()
            .find(|log| log.origin_prefix.as_deref() == Some(origin_prefix))
        else {
            return false;
        };
        let before = log.keys.len();
        log.keys.retain(|key| key != vkey);
        log.keys.len() != before
    }

    /// Adds `vkey` to the entry with this origin prefix, or a new entry.
    /// Adding a key already there changes nothing.
    pub fn trust(&mut self, origin_prefix: &str, vkey: &str) -> Result<(), ConfigError> {
        let index = match self
            .logs
            .iter()
            .position(|log| log.origin_prefix.as_deref() == Some(origin_prefix))
        {
            Some(position) => position,
            None => {
                self.logs.push(TrustedLog {
                    origin_prefix: Some(origin_prefix.to_string()),
                    origin: None,
                    keys: Vec::new(),
                });
                self.logs.len() - 1
            }
        };
        let log = &mut self.logs[index];
        if !log.keys.iter().any(|key| key == vkey) {
            log.keys.push(vkey.to_string());
        }
        let validated = self.validate();
        if validated.is_err() {
            // Leave the configuration as it was.
            let log = &mut self.logs[index];
            log.keys.retain(|key| key != vkey);
            if log.keys.is_empty() {
                self.logs.remove(index);
            }
        }
        validated
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use vakt_schemas::checkpoint::NoteSigner;

    fn vkey(seed: u8) -> String {
        NoteSigner::new("vakt-0123456789abcdef", SigningKey::from_bytes(&[seed; 32]))
            .unwrap()
            .verifier()
            .to_vkey()
    }

    #[test]
    fn trust_and_match() {
        let mut config = WitnessConfig {
            name: "witness.example/w1".to_string(),
            logs: Vec::new(),
        };
        config.trust("vakt/0123456789abcdef/", &vkey(1)).unwrap();
        config.trust("vakt/0123456789abcdef/", &vkey(2)).unwrap();
        config.trust("vakt/0123456789abcdef/", &vkey(2)).unwrap();
        assert_eq!(config.logs.len(), 1);
        assert_eq!(config.logs[0].keys.len(), 2);
        assert_eq!(
            config.verifiers_for("vakt/0123456789abcdef/firewall").len(),
            2
        );
        assert!(
            config
                .verifiers_for("vakt/fedcba9876543210/firewall")
                .is_empty()
        );
        // One path segment after the prefix: a longer name is no log of it.
        for other in [
            "vakt/0123456789abcdef/x/firewall",
            "vakt/0123456789abcdef/",
            "vakt/0123456789abcdef",
        ] {
            assert!(config.verifiers_for(other).is_empty(), "{other}");
        }
        assert_eq!(WitnessConfig::parse(&config.to_toml()), Ok(config.clone()));
        assert!(config.trust("", &vkey(3)).is_err());
        assert!(config.trust("vakt/x/", "not a key").is_err());
        assert_eq!(config.logs.len(), 1);
    }

    #[test]
    fn exact_origins_and_errors() {
        let text = format!(
            "name = \"w\"\n[[log]]\norigin = \"example.com/log\"\nkeys = [\"{}\"]\n",
            vkey(1)
        );
        let config = WitnessConfig::parse(&text).unwrap();
        assert_eq!(config.verifiers_for("example.com/log").len(), 1);
        assert!(config.verifiers_for("example.com/log2").is_empty());
        let both = format!(
            "name = \"w\"\n[[log]]\norigin = \"a\"\norigin_prefix = \"b\"\nkeys = [\"{}\"]\n",
            vkey(1)
        );
        assert_eq!(
            WitnessConfig::parse(&both),
            Err(ConfigError::OriginMissing { index: 1 })
        );
        assert_eq!(
            WitnessConfig::parse("name = \"w\"\n[[log]]\norigin = \"a\"\nkeys = []\n"),
            Err(ConfigError::NoKeys { index: 1 })
        );
        assert!(matches!(
            WitnessConfig::parse("name = \"two words\"\n"),
            Err(ConfigError::InvalidName { .. })
        ));
        assert!(matches!(
            WitnessConfig::parse("name = \"w\"\nextra = 1\n"),
            Err(ConfigError::Syntax { .. })
        ));
    }
}
