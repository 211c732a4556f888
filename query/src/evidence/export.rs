//! `vakt export`: writes an evidence bundle for selected records.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{SubsecRound, Utc};
use vakt_schemas::cosignature::CosignatureVerifier;
use vakt_schemas::merkle::inclusion_proof;
use vakt_schemas::table::canonical_columns;
use vakt_schemas::{Record, Stream, Value};

use super::{
    BUNDLE_INFO, BundleField, BundleInfo, BundleRecord, CHECKPOINTS_DIR, README, RECORDS, SCRIPT,
    VERIFIER_KEY, VERIFY_SCRIPT, WITNESS_KEYS, type_name,
};
use vakt_store::reader::{ReadError, StoreReader};

/// What to put in a bundle.
#[derive(Debug, Clone)]
pub struct Selection {
    /// How the records were chosen, in words (the query, the timeline's arguments).
    pub description: String,
    /// The records, by stream and sequence number.
    pub records: Vec<(Stream, u64)>,
}

impl Selection {
    /// The records a query returned: it must have a `seq` column and either a
    /// `stream` column or a `default_stream` for all rows.
    pub fn from_query(
        description: String,
        result: &crate::sql::QueryResult,
        default_stream: Option<Stream>,
    ) -> Result<Selection, String> {
        use datafusion::arrow::array::{Array, StringArray, UInt64Array};
        use datafusion::arrow::compute::cast;
        use datafusion::arrow::datatypes::DataType;
        let seq_index = result.schema.index_of("seq").map_err(|_| {
            "the query must return the `seq` column of the records to export".to_string()
        })?;
        let stream_index = result.schema.index_of("stream").ok();
        if stream_index.is_none() && default_stream.is_none() {
            return Err("the query returns no `stream` column: add one (e.g. `SELECT 'sessions' AS stream, seq ...`) or give --stream".into());
        }
        let mut records = Vec::with_capacity(result.rows);
        for batch in &result.batches {
            let seqs = cast(batch.column(seq_index), &DataType::UInt64)
                .map_err(|error| error.to_string())?;
            let seqs = seqs
                .as_any()
                .downcast_ref::<UInt64Array>()
                .ok_or("`seq` is not a number")?;
            let streams = match stream_index {
                Some(index) => Some(
                    cast(batch.column(index), &DataType::Utf8)
                        .map_err(|error| error.to_string())?,
                ),
                None => None,
            };
            let streams = streams
                .as_ref()
                .and_then(|array| array.as_any().downcast_ref::<StringArray>());
            for row in 0..batch.num_rows() {
                if seqs.is_null(row) {
                    return Err(format!("row {row} has no `seq`"));
                }
                let stream = match streams {
                    Some(names) if !names.is_null(row) => names
                        .value(row)
                        .parse::<Stream>()
                        .map_err(|error| error.to_string())?,
                    _ => default_stream.ok_or_else(|| format!("row {row} has no `stream`"))?,
                };
                records.push((stream, seqs.value(row)));
            }
        }
        Ok(Selection {
            description,
            records,
        })
    }
}

/// What an export wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportSummary {
    pub out: PathBuf,
    pub records: u64,
    /// Stream to the tree size of the checkpoint its proofs lead to.
    pub checkpoints: BTreeMap<Stream, u64>,
    pub key_fingerprint: String,
}

/// A bundle could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0} exists and is not empty; choose a new folder for the bundle")]
    NotEmpty(PathBuf),
    #[error("nothing selected: the selection found no records to export")]
    Empty,
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(
        "{stream} record {seq} is newer than the stream's last signed checkpoint (size {size}); run `vakt ingest` or wait for the next commit, then export again"
    )]
    NotYetSigned { stream: Stream, seq: u64, size: u64 },
    #[error("the {stream} checkpoint in the store does not verify: {detail}; run `vakt verify`")]
    Checkpoint { stream: Stream, detail: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes the bundle of `selection` into the new or empty folder `out`.
/// Each stream's proofs lead to the newest checkpoint a witness cosigned
/// that covers the selected records, when there is one (it carries the
/// cosignatures), else to the newest signed checkpoint. `witness_keys` are
/// the configured witnesses' cosigner keys, written to the bundle so that
/// a third party can check the cosignatures.
pub fn export_bundle(
    store: &StoreReader,
    selection: &Selection,
    out: &Path,
    witness_keys: &[String],
) -> Result<ExportSummary, ExportError> {
    let witnesses: Vec<CosignatureVerifier> = witness_keys
        .iter()
        .filter_map(|vkey| CosignatureVerifier::parse(vkey).ok())
        .collect();
    if selection.records.is_empty() {
        return Err(ExportError::Empty);
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Io { path, source }
    };
    if out.exists() && fs::read_dir(out).map_err(io(out))?.next().is_some() {
        return Err(ExportError::NotEmpty(out.to_path_buf()));
    }
    fs::create_dir_all(out.join(CHECKPOINTS_DIR)).map_err(io(out))?;

    let keys = store.keys()?;
    // The keys that signed the bundle's checkpoints (more than one when the
    // key was rotated and a stream was not written since).
    let mut signing_keys = std::collections::BTreeSet::new();
    let mut by_stream: BTreeMap<Stream, Vec<u64>> = BTreeMap::new();
    for (stream, seq) in &selection.records {
        by_stream.entry(*stream).or_default().push(*seq);
    }
    let mut lines = String::new();
    let mut checkpoints = BTreeMap::new();
    let mut cosigned_by: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut count = 0u64;
    for (stream, mut seqs) in by_stream {
        seqs.sort_unstable();
        seqs.dedup();
        let highest = seqs.last().copied().unwrap_or(0);
        let cosigned = store
            .cosigned(stream)?
            .into_iter()
            .filter_map(|note| {
                let size = keys.verify(&note).ok()?.size;
                (size > highest).then_some((size, note))
            })
            .max_by_key(|(size, _)| *size)
            .map(|(_, note)| note);
        let note = match cosigned {
            Some(note) => note,
            None => store
                .latest_checkpoint(stream)?
                .ok_or(ExportError::Checkpoint {
                    stream,
                    detail: "no checkpoint".into(),
                })?,
        };
        let by: Vec<String> = witnesses
            .iter()
            .filter(|witness| witness.verify(&note).is_ok())
            .map(|witness| witness.name().to_string())
            .collect();
        if !by.is_empty() {
            cosigned_by.insert(stream.name().to_string(), by);
        }
        let (checkpoint, key_index) =
            keys.verify_checkpoint(&note)
                .map_err(|error| ExportError::Checkpoint {
                    stream,
                    detail: error.to_string(),
                })?;
        signing_keys.insert(key_index);
        let size = checkpoint.size;
        if let Some(seq) = seqs.iter().find(|seq| **seq >= size) {
            return Err(ExportError::NotYetSigned {
                stream,
                seq: *seq,
                size,
            });
        }
        let note_path = out
            .join(CHECKPOINTS_DIR)
            .join(format!("{}.checkpoint", stream.name()));
        fs::write(&note_path, &note).map_err(io(&note_path))?;
        let leaves = store.leaf_hashes(stream, size)?;
        for record in store.records_at(stream, &seqs)? {
            let bundle_record = bundle_record(&record, size, &leaves)?;
            lines.push_str(&serde_json::to_string(&bundle_record).unwrap_or_default());
            lines.push('\n');
            count += 1;
        }
        checkpoints.insert(stream, size);
    }

    let records_path = out.join(RECORDS);
    fs::write(&records_path, lines).map_err(io(&records_path))?;
    let signing_keys: Vec<_> = signing_keys
        .into_iter()
        .map(|index| keys.keys()[index].verifier.clone())
        .collect();
    let vkeys: String = signing_keys
        .iter()
        .map(|key| format!("{}\n", key.to_vkey()))
        .collect();
    let fingerprints = signing_keys
        .iter()
        .map(|key| key.fingerprint())
        .collect::<Vec<_>>()
        .join(", ");
    let key_path = out.join(VERIFIER_KEY);
    fs::write(&key_path, vkeys).map_err(io(&key_path))?;
    let witness_text: String = witnesses
        .iter()
        .map(|witness| format!("{}\n", witness.to_vkey()))
        .collect();
    let witness_path = out.join(WITNESS_KEYS);
    fs::write(&witness_path, witness_text).map_err(io(&witness_path))?;
    let script_path = out.join(SCRIPT);
    fs::write(&script_path, VERIFY_SCRIPT).map_err(io(&script_path))?;
    let info = BundleInfo {
        format: 1,
        store_id: store.info().store_id.clone(),
        created: Utc::now().trunc_subsecs(0),
        selection: selection.description.clone(),
        records: count,
        checkpoints: checkpoints
            .iter()
            .map(|(stream, size)| (stream.name().to_string(), *size))
            .collect(),
        key_fingerprint: fingerprints.clone(),
        cosigned_by,
    };
    let info_path = out.join(BUNDLE_INFO);
    let mut info_text = serde_json::to_string_pretty(&info).unwrap_or_default();
    info_text.push('\n');
    fs::write(&info_path, info_text).map_err(io(&info_path))?;
    let readme_path = out.join(README);
    let mut readme = fs::File::create(&readme_path).map_err(io(&readme_path))?;
    readme
        .write_all(readme_text(&info).as_bytes())
        .map_err(io(&readme_path))?;
    Ok(ExportSummary {
        out: out.to_path_buf(),
        records: count,
        checkpoints,
        key_fingerprint: fingerprints,
    })
}

fn bundle_record(
    record: &Record,
    size: u64,
    leaves: &[vakt_schemas::merkle::Hash],
) -> Result<BundleRecord, ExportError> {
    let stream = record.stream();
    let seq = record.envelope.seq;
    let proof = inclusion_proof(leaves, seq).map_err(|error| ExportError::Checkpoint {
        stream,
        detail: error.to_string(),
    })?;
    let fields = canonical_columns(stream)
        .iter()
        .zip(record.values())
        .map(|(column, value)| BundleField {
            name: column.name.to_string(),
            kind: type_name(column.kind),
            value: json_value(&value),
        })
        .collect();
    let leaf = leaves.get(seq as usize).copied().unwrap_or_default();
    Ok(BundleRecord {
        stream: stream.name().to_string(),
        seq,
        tree_size: size,
        leaf_hash: hex::encode(leaf),
        proof: proof.iter().map(hex::encode).collect(),
        fields,
    })
}

/// A cell as JSON (FORMAT.md types: bytes as hex, timestamps as microseconds).
pub(super) fn json_value(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Utf8(text) => serde_json::Value::from(text.as_str()),
        Value::UInt16(number) => serde_json::Value::from(*number),
        Value::UInt64(number) => serde_json::Value::from(*number),
        Value::Int64(number) => serde_json::Value::from(*number),
        Value::Timestamp(micros) => serde_json::Value::from(*micros),
        Value::Boolean(flag) => serde_json::Value::from(*flag),
        Value::Binary(bytes) => serde_json::Value::from(hex::encode(bytes)),
    }
}

fn readme_text(info: &BundleInfo) -> String {
    let checkpoints: Vec<String> = info
        .checkpoints
        .iter()
        .map(|(stream, size)| {
            format!("- `{CHECKPOINTS_DIR}/{stream}.checkpoint`: {stream}, tree size {size}")
        })
        .collect();
    format!(
        "# Evidence bundle from vakt store {store}

Created {created}. Selection: {selection}

{records} records, each with a Merkle inclusion proof to a signed checkpoint of
its stream:

{checkpoints}

The checkpoints are signed with the store's Ed25519 key, whose fingerprint is
`{fingerprint}` (`{VERIFIER_KEY}`). Compare it with the fingerprint you hold from
another source (the yearly review, the store's owner) before trusting the bundle.

## Checking it

With Python 3 and the `cryptography` package:

    python3 {SCRIPT} .

or with vakt: `vakt verify-bundle DIR`. By hand, for each line of `{RECORDS}`:

1. Encode the record canonically (vakt's schemas/FORMAT.md, section 3): byte
   0x01, the stream's tag (sessions 1, firewall 2, access 3, registry 4,
   audit 5, quarantine 6), the number of fields as 2 bytes big-endian, then
   for each field in order 0x00 if null, else 0x01 and the value: utf8 as a
   4-byte big-endian length and the bytes; u16 as 2 bytes; u64, i64 and
   timestamp (microseconds) as 8 bytes big-endian; bool as 0x00/0x01;
   bytes[n] as the n bytes (given here in hex). The field names must be the
   stream's columns in the order FORMAT.md section 2 lists them.
2. The leaf hash is SHA-256(0x00 || encoding).
3. Fold the proof (RFC 9162 section 2.1.3.2) from the leaf at index `seq` in a
   tree of `tree_size` leaves, with node = SHA-256(0x01 || left || right). The
   result must equal the root hash of the stream's checkpoint (third line,
   base64).
4. Verify the checkpoint's signature (C2SP signed note): the signature line
   `— <name> <base64>` decodes to a 4-byte key id and a 64-byte Ed25519
   signature over the checkpoint text up to and including the newline before
   the blank line; the key is the base64 part of `{VERIFIER_KEY}` after its
   0x01 algorithm byte, and the key id is the first 4 bytes of
   SHA-256(name || \"\\n\" || 0x01 || key).
5. Witnesses' cosignatures (C2SP tlog-cosignature), when the checkpoint
   carries them: for each key in `{WITNESS_KEYS}` (`<name>+<key id>+<base64 of
   0x04 and the key>`), the line `— <name> <base64>` whose first 4 bytes are
   the key id decodes to the key id, an 8-byte big-endian timestamp and a
   64-byte Ed25519 signature over `cosignature/v1\\n`, `time <timestamp>\\n`
   and the checkpoint text. A witness cosigns only a checkpoint consistent
   with every one it cosigned before, so the store's keeper could not have
   shown it a different history.

A record that passes was in the store when the checkpoint was signed, exactly
as shown: no field can change without breaking step 3. {witnessed}
",
        store = info.store_id,
        created = info.created.to_rfc3339(),
        selection = info.selection,
        records = info.records,
        checkpoints = checkpoints.join("\n"),
        fingerprint = info.key_fingerprint,
        witnessed = if info.cosigned_by.is_empty() {
            "No checkpoint in this bundle carries a witness's cosignature.".to_string()
        } else {
            format!(
                "Cosigned: {}.",
                info.cosigned_by
                    .iter()
                    .map(|(stream, names)| format!("{stream} by {}", names.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        },
    )
}
