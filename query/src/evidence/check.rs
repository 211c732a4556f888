//! `vakt verify-bundle`: checks an evidence bundle the way a third party
//! would, from its files alone.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use vakt_schemas::checkpoint::{Checkpoint, NoteVerifier};
use vakt_schemas::cosignature::CosignatureVerifier;
use vakt_schemas::merkle::{Hash, leaf_hash, verify_inclusion};
use vakt_schemas::record::encode_canonical;
use vakt_schemas::table::{ColumnType, canonical_columns};
use vakt_schemas::{Stream, Value};

use super::{
    BUNDLE_INFO, BundleField, BundleInfo, BundleRecord, CHECKPOINTS_DIR, RECORDS, VERIFIER_KEY,
    WITNESS_KEYS, type_name,
};

/// What checking a bundle found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BundleCheck {
    pub store_id: String,
    pub key_fingerprint: String,
    pub records: u64,
    pub verified: u64,
    pub checkpoints: BTreeMap<String, u64>,
    /// Per stream, the witnesses (of `witnesses.vkey`) whose cosignature
    /// on its checkpoint verifies, with the cosignature's POSIX time.
    pub cosigned: BTreeMap<String, Vec<(String, u64)>>,
    /// Everything that failed, one line each; empty when the bundle holds.
    pub problems: Vec<String>,
}

impl BundleCheck {
    /// Adds a problem for each of the bundle's checkpoints that does not
    /// carry a valid cosignature by `witness` (a key known from elsewhere,
    /// not the bundle's own list).
    pub fn require_cosigner(&mut self, dir: &Path, witness: &CosignatureVerifier) {
        for stream in self.checkpoints.keys() {
            let name = format!("{CHECKPOINTS_DIR}/{stream}.checkpoint");
            let note = fs::read_to_string(dir.join(&name)).unwrap_or_default();
            match witness.verify(&note) {
                Ok(cosignature) => {
                    let by = self.cosigned.entry(stream.clone()).or_default();
                    let entry = (witness.name().to_string(), cosignature.timestamp);
                    if !by.contains(&entry) {
                        by.push(entry);
                    }
                }
                Err(error) => self.problems.push(format!(
                    "{name}: no valid cosignature by witness {}: {error}",
                    witness.name()
                )),
            }
        }
    }

    pub fn ok(&self) -> bool {
        self.problems.is_empty() && self.verified == self.records && self.records > 0
    }
}

/// The bundle's files could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{path}: {source}; is this a bundle written by `vakt export`?")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {detail}")]
    Format { path: PathBuf, detail: String },
}

/// Checks the bundle in `dir`. With `expected_key` (a verifier key known
/// from elsewhere), the bundle's key must be that one.
pub fn check_bundle(dir: &Path, expected_key: Option<&str>) -> Result<BundleCheck, BundleError> {
    let read = |name: &str| {
        let path = dir.join(name);
        fs::read_to_string(&path).map_err(|source| BundleError::Io { path, source })
    };
    let format_error = |name: &str, detail: String| BundleError::Format {
        path: dir.join(name),
        detail,
    };
    let info: BundleInfo = serde_json::from_str(&read(BUNDLE_INFO)?)
        .map_err(|error| format_error(BUNDLE_INFO, error.to_string()))?;
    let vkeys = read(VERIFIER_KEY)?;
    // One key per line: the keys that signed the bundle's checkpoints.
    let verifiers = vkeys
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| NoteVerifier::parse(line.trim()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| format_error(VERIFIER_KEY, error.to_string()))?;
    let Some(verifier) = verifiers.first().cloned() else {
        return Err(format_error(VERIFIER_KEY, "no verifier key".into()));
    };
    let mut check = BundleCheck {
        store_id: info.store_id.clone(),
        key_fingerprint: verifiers
            .iter()
            .map(NoteVerifier::fingerprint)
            .collect::<Vec<_>>()
            .join(", "),
        records: 0,
        verified: 0,
        checkpoints: BTreeMap::new(),
        cosigned: BTreeMap::new(),
        problems: Vec::new(),
    };
    // The witnesses' keys, when the bundle names any.
    let witness_keys = fs::read_to_string(dir.join(WITNESS_KEYS)).unwrap_or_default();
    let mut cosigners = Vec::new();
    for line in witness_keys.lines().filter(|line| !line.trim().is_empty()) {
        match CosignatureVerifier::parse(line.trim()) {
            Ok(cosigner) => cosigners.push(cosigner),
            Err(error) => check.problems.push(format!("{WITNESS_KEYS}: {error}")),
        }
    }
    if let Some(expected) = expected_key
        && !verifiers.iter().any(|key| expected.trim() == key.to_vkey())
    {
        check.problems.push(format!(
            "the bundle's key {} is not the expected key {}",
            verifier.to_vkey(),
            expected.trim()
        ));
    }
    let mut signed: BTreeMap<String, Checkpoint> = BTreeMap::new();
    for (stream, size) in &info.checkpoints {
        let name = format!("{CHECKPOINTS_DIR}/{stream}.checkpoint");
        let note = read(&name)?;
        let verified = verifiers
            .iter()
            .find_map(|key| key.verify(&note).ok())
            .ok_or_else(|| verifier.verify(&note).err());
        match verified {
            Ok(checkpoint) => {
                let origin = format!("vakt/{}/{stream}", info.store_id);
                if checkpoint.origin != origin {
                    check.problems.push(format!(
                        "{name}: origin `{}` where `{origin}` belongs",
                        checkpoint.origin
                    ));
                } else if checkpoint.size != *size {
                    check.problems.push(format!(
                        "{name}: size {} where bundle.json says {size}",
                        checkpoint.size
                    ));
                } else {
                    check.checkpoints.insert(stream.clone(), checkpoint.size);
                    signed.insert(stream.clone(), checkpoint);
                    let by: Vec<(String, u64)> = cosigners
                        .iter()
                        .filter_map(|cosigner| {
                            let cosignature = cosigner.verify(&note).ok()?;
                            Some((cosigner.name().to_string(), cosignature.timestamp))
                        })
                        .collect();
                    if !by.is_empty() {
                        check.cosigned.insert(stream.clone(), by);
                    }
                }
            }
            Err(error) => check.problems.push(format!(
                "{name}: the signature does not verify: {}",
                error.map_or_else(
                    || "no key of the bundle signed it".into(),
                    |e| e.to_string()
                )
            )),
        }
    }
    for (number, line) in read(RECORDS)?.lines().enumerate() {
        check.records += 1;
        let record: BundleRecord = match serde_json::from_str(line) {
            Ok(record) => record,
            Err(error) => {
                check
                    .problems
                    .push(format!("{RECORDS} line {}: {error}", number + 1));
                continue;
            }
        };
        match check_record(&record, &signed) {
            Ok(()) => check.verified += 1,
            Err(problem) => check.problems.push(format!(
                "{RECORDS} line {} ({} record {}): {problem}",
                number + 1,
                record.stream,
                record.seq
            )),
        }
    }
    if check.records != info.records {
        check.problems.push(format!(
            "{} records where bundle.json says {}",
            check.records, info.records
        ));
    }
    Ok(check)
}

fn check_record(
    record: &BundleRecord,
    signed: &BTreeMap<String, Checkpoint>,
) -> Result<(), String> {
    let stream: Stream = record.stream.parse().map_err(|error| format!("{error}"))?;
    let checkpoint = signed
        .get(&record.stream)
        .ok_or_else(|| "no valid checkpoint of its stream in the bundle".to_string())?;
    if record.tree_size != checkpoint.size {
        return Err(format!(
            "proof for tree size {} but the checkpoint has {}",
            record.tree_size, checkpoint.size
        ));
    }
    let values = values_of(stream, &record.fields)?;
    if values.first() != Some(&Value::UInt64(record.seq)) {
        return Err("its `seq` field is not the record's sequence number".to_string());
    }
    let bytes = encode_canonical(stream, &values).map_err(|error| error.to_string())?;
    let leaf = leaf_hash(&bytes);
    let proof: Vec<Hash> = record
        .proof
        .iter()
        .map(|text| {
            hex::decode(text)
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
        })
        .collect::<Option<_>>()
        .ok_or_else(|| "the proof holds something that is not a 32-byte hex hash".to_string())?;
    verify_inclusion(&leaf, record.seq, checkpoint.size, &proof, &checkpoint.root)
        .map_err(|error| format!("not in the signed tree: {error}"))
}

/// The typed values of the fields, which must be the stream's columns in order.
fn values_of(stream: Stream, fields: &[BundleField]) -> Result<Vec<Value>, String> {
    let columns = canonical_columns(stream);
    if fields.len() != columns.len() {
        return Err(format!(
            "{} fields where the {stream} table has {}",
            fields.len(),
            columns.len()
        ));
    }
    columns
        .iter()
        .zip(fields)
        .map(|(column, field)| {
            if field.name != column.name || field.kind != type_name(column.kind) {
                return Err(format!(
                    "field `{}` ({}) where column `{}` ({}) belongs",
                    field.name,
                    field.kind,
                    column.name,
                    type_name(column.kind)
                ));
            }
            value_of(column.kind, &field.value).ok_or_else(|| {
                format!(
                    "field `{}` has a malformed value {}",
                    field.name, field.value
                )
            })
        })
        .collect()
}

fn value_of(kind: ColumnType, json: &serde_json::Value) -> Option<Value> {
    if json.is_null() {
        return Some(Value::Null);
    }
    let value = match kind {
        ColumnType::Utf8 => Value::Utf8(json.as_str()?.to_string()),
        ColumnType::UInt16 => Value::UInt16(u16::try_from(json.as_u64()?).ok()?),
        ColumnType::UInt64 => Value::UInt64(json.as_u64()?),
        ColumnType::Int64 => Value::Int64(json.as_i64()?),
        ColumnType::Timestamp => Value::Timestamp(json.as_i64()?),
        ColumnType::Boolean => Value::Boolean(json.as_bool()?),
        ColumnType::FixedBinary(len) => {
            let bytes = hex::decode(json.as_str()?).ok()?;
            if bytes.len() != len {
                return None;
            }
            Value::Binary(bytes)
        }
    };
    Some(value)
}
