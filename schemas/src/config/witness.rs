//! Who vouches for the store's checkpoints: `[[witness]]` and
//! `[witness_policy]` in `vakt.toml`.

use serde::{Deserialize, Serialize};

/// `[[witness]]`: a witness the store's checkpoints are submitted to and
/// checked against. Exactly one of `url` and `dir`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessConfig {
    /// A name for messages and the review (e.g. `director`).
    pub name: String,
    /// A cosigning witness (c2sp.org/tlog-witness, such as `vakt witness
    /// serve` on a machine the administrator does not control): the URL
    /// prefix its `add-checkpoint` is under, e.g. `http://10.0.9.4:7380`.
    #[serde(default)]
    pub url: Option<String>,
    /// For `url`: the witness's cosigner verifier key
    /// (`<name>+<key id>+<base64 of 0x04 and the key>`), as `vakt witness
    /// serve` prints it. Its cosignatures are believed only with this key.
    #[serde(default)]
    pub key: Option<String>,
    /// A directory witness: a folder on another mount or a removable disk
    /// that keeps a copy of every checkpoint, each checked to be consistent
    /// with the copy before it.
    #[serde(default)]
    pub dir: Option<String>,
    /// For `url`: how long to wait for the witness, in seconds.
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: u64,
}

fn default_timeout_seconds() -> u64 {
    10
}

/// `[witness_policy]`: how recent the witnessing must be. `vakt verify`
/// reports `witness-policy` when it is not met, and the review a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WitnessPolicy {
    /// How many of the `[[witness]]` witnesses must have witnessed each
    /// stream's checkpoint recently (0: no policy).
    pub min_witnesses: usize,
    /// How recent: at most this many hours before the check.
    pub max_age_hours: u64,
}

impl Default for WitnessPolicy {
    fn default() -> Self {
        WitnessPolicy {
            min_witnesses: 0,
            max_age_hours: 26,
        }
    }
}

impl WitnessConfig {
    /// `Err` with what to fix when the witness is neither or both kinds,
    /// or a cosigning witness has no key.
    pub fn check(&self) -> Result<(), String> {
        match (&self.url, &self.dir) {
            (Some(_), Some(_)) => Err(format!(
                "witness {:?} has both url and dir; give one (two witnesses are two [[witness]] \
                 tables)",
                self.name
            )),
            (None, None) => Err(format!("witness {:?} has neither url nor dir", self.name)),
            (Some(_), None) if self.key.is_none() => Err(format!(
                "witness {:?} has a url but no key: give its cosigner verifier key, as `vakt \
                 witness serve` prints it",
                self.name
            )),
            _ => Ok(()),
        }
    }
}
