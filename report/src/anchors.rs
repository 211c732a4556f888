//! The anchors the printed review carries out of the store: each stream's
//! newest signed checkpoint (size, root, key), its signature checked with
//! the store's key, and with last year's review the consistency proof
//! (RFC 9162 2.1.4) from last year's checkpoint to this year's, built from
//! the stored leaf hashes and checked against both signed roots: the tree
//! of last year is a prefix of this year's, so the store only grew.

use serde::Serialize;
use vakt_review::Review;
use vakt_schemas::Stream;
use vakt_schemas::checkpoint::Checkpoint;
use vakt_schemas::keyring::KeyRing;
use vakt_schemas::merkle::{consistency_proof, verify_consistency};
use vakt_store::StoreReader;

use crate::ReportError;
use crate::previous::Previous;

/// The checkpoints of every stream.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Anchors {
    /// The store's key, `SHA256:<hex>`.
    pub key_fingerprint: Option<String>,
    /// Why the store's key could not be read, when it could not.
    pub key_problem: Option<String>,
    pub streams: Vec<StreamAnchor>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StreamAnchor {
    pub stream: String,
    pub checkpoint: Option<CheckpointView>,
    /// With last year's review: how this checkpoint follows from last year's.
    pub since_previous: Option<Consistency>,
}

/// A signed checkpoint as printed.
#[derive(Clone, Debug, Serialize)]
pub struct CheckpointView {
    pub origin: String,
    pub size: u64,
    /// The root hash, lowercase hex (as `vakt verify` and the head show it).
    pub root_hex: String,
    /// The root hash as the note holds it (standard base64).
    pub root_base64: String,
    /// `verified` (by the store's key, here), `invalid` or `unchecked`.
    pub signature: &'static str,
    /// Why the signature is invalid or unchecked.
    pub signature_detail: Option<String>,
    /// The whole signed note.
    pub note: String,
}

/// How this year's checkpoint of a stream follows from last year's.
#[derive(Clone, Debug, Serialize)]
pub struct Consistency {
    pub old_size: Option<u64>,
    pub old_root_hex: Option<String>,
    pub new_size: Option<u64>,
    pub new_root_hex: Option<String>,
    /// `proven` (the proof checked against both signed roots), `unchanged`
    /// (same size and root), `failed`, `not_signed` (last year's note does
    /// not verify with the store's key), `missing` (no checkpoint last year
    /// or this year).
    pub outcome: &'static str,
    /// Hashes in the proof.
    pub proof_hashes: usize,
    pub detail: Option<String>,
}

/// Checks the review's checkpoints with the store's key and, given last
/// year's review, proves each stream's consistency since.
pub fn anchors(
    store: &StoreReader,
    review: &Review,
    previous: Option<&Previous>,
) -> Result<Anchors, ReportError> {
    let verifier = store.keys();
    let mut anchors = Anchors::default();
    let verifier = match verifier {
        Ok(keys) => {
            anchors.key_fingerprint = Some(keys.current().fingerprint());
            Some(keys)
        }
        Err(error) => {
            anchors.key_problem = Some(error.to_string());
            None
        }
    };
    for state in &review.integrity.streams {
        let stream = state.stream;
        let origin = store.info().origin(stream);
        let checked = state
            .checkpoint
            .as_deref()
            .map(|note| check_note(verifier.as_ref(), note, &origin));
        let since_previous = match previous {
            Some(previous) => Some(consistency(
                store,
                verifier.as_ref(),
                stream,
                &origin,
                previous.checkpoint(stream.name()),
                checked.as_ref(),
            )?),
            None => None,
        };
        anchors.streams.push(StreamAnchor {
            stream: stream.name().to_string(),
            checkpoint: checked.map(|(view, _)| view),
            since_previous,
        });
    }
    Ok(anchors)
}

/// The review's checkpoints as printed, without a store to check them.
pub fn unchecked(review: &Review) -> Anchors {
    Anchors {
        key_fingerprint: review.integrity.key_fingerprint.clone(),
        key_problem: None,
        streams: review
            .integrity
            .streams
            .iter()
            .map(|state| StreamAnchor {
                stream: state.stream.name().to_string(),
                checkpoint: state.checkpoint.as_deref().and_then(|note| {
                    let checkpoint = parse_unchecked(note)?;
                    Some(view(
                        &checkpoint,
                        note,
                        "unchecked",
                        Some("not checked while rendering".into()),
                    ))
                }),
                since_previous: None,
            })
            .collect(),
    }
}

type Checked = (CheckpointView, Option<Checkpoint>);

/// A note's checkpoint, with its signature checked when a key is given and
/// its origin compared with the stream's.
fn check_note(verifier: Option<&KeyRing>, note: &str, origin: &str) -> Checked {
    let Some(verifier) = verifier else {
        let view = parse_unchecked(note).map(|checkpoint| {
            view(
                &checkpoint,
                note,
                "unchecked",
                Some("the store's key cannot be read".into()),
            )
        });
        return (view.unwrap_or_else(|| unreadable(note)), None);
    };
    match verifier.verify(note) {
        Ok(checkpoint) if checkpoint.origin == origin => {
            (view(&checkpoint, note, "verified", None), Some(checkpoint))
        }
        Ok(checkpoint) => (
            view(
                &checkpoint,
                note,
                "invalid",
                Some(format!(
                    "the origin `{}` is not the stream's `{origin}`",
                    checkpoint.origin
                )),
            ),
            None,
        ),
        Err(error) => {
            let detail = Some(error.to_string());
            let view = parse_unchecked(note)
                .map(|checkpoint| view(&checkpoint, note, "invalid", detail.clone()))
                .unwrap_or_else(|| unreadable(note));
            (view, None)
        }
    }
}

fn consistency(
    store: &StoreReader,
    verifier: Option<&KeyRing>,
    stream: Stream,
    origin: &str,
    old_note: Option<&str>,
    new: Option<&Checked>,
) -> Result<Consistency, ReportError> {
    let mut result = Consistency {
        old_size: None,
        old_root_hex: None,
        new_size: new.map(|(view, _)| view.size),
        new_root_hex: new.map(|(view, _)| view.root_hex.clone()),
        outcome: "missing",
        proof_hashes: 0,
        detail: None,
    };
    let Some(old_note) = old_note else {
        result.detail = Some("last year's review holds no checkpoint of this stream".into());
        return Ok(result);
    };
    if let Some(old) = parse_unchecked(old_note) {
        result.old_size = Some(old.size);
        result.old_root_hex = Some(hex::encode(old.root));
    }
    let Some(verifier) = verifier else {
        result.outcome = "not_signed";
        result.detail = Some("the store's key cannot be read".into());
        return Ok(result);
    };
    let old = match verifier.verify(old_note) {
        Ok(old) if old.origin == origin => old,
        Ok(old) => {
            result.outcome = "not_signed";
            result.detail = Some(format!(
                "last year's checkpoint is of `{}`, not of `{origin}`",
                old.origin
            ));
            return Ok(result);
        }
        Err(error) => {
            result.outcome = "not_signed";
            result.detail = Some(format!(
                "last year's checkpoint does not verify with the store's key: {error}"
            ));
            return Ok(result);
        }
    };
    let Some((_, Some(new))) = new else {
        result.detail = Some("this year's checkpoint is missing or does not verify".into());
        return Ok(result);
    };
    if old.size > new.size {
        result.outcome = "failed";
        result.detail = Some(format!(
            "the store holds {} records where last year's checkpoint signed {}: it shrank",
            new.size, old.size
        ));
        return Ok(result);
    }
    if old.size == new.size {
        result.outcome = if old.root == new.root {
            "unchanged"
        } else {
            "failed"
        };
        if old.root != new.root {
            result.detail = Some("the same size with another root".into());
        }
        return Ok(result);
    }
    let leaves = store.leaf_hashes(stream, new.size)?;
    let proof = match consistency_proof(&leaves, old.size) {
        Ok(proof) => proof,
        Err(error) => {
            result.outcome = "failed";
            result.detail = Some(error.to_string());
            return Ok(result);
        }
    };
    result.proof_hashes = proof.len();
    match verify_consistency(old.size, new.size, &old.root, &new.root, &proof) {
        Ok(()) => result.outcome = "proven",
        Err(error) => {
            result.outcome = "failed";
            result.detail = Some(format!(
                "the stored records do not lead from last year's signed root to this year's: {error}"
            ));
        }
    }
    Ok(result)
}

/// The checkpoint of a note, its signature not checked.
fn parse_unchecked(note: &str) -> Option<Checkpoint> {
    let (text, _) = note.split_once("\n\n")?;
    Checkpoint::parse_body(&format!("{text}\n")).ok()
}

fn view(
    checkpoint: &Checkpoint,
    note: &str,
    signature: &'static str,
    detail: Option<String>,
) -> CheckpointView {
    CheckpointView {
        origin: checkpoint.origin.clone(),
        size: checkpoint.size,
        root_hex: hex::encode(checkpoint.root),
        root_base64: note.lines().nth(2).unwrap_or_default().to_string(),
        signature,
        signature_detail: detail,
        note: note.trim_end().to_string(),
    }
}

fn unreadable(note: &str) -> CheckpointView {
    CheckpointView {
        origin: String::new(),
        size: 0,
        root_hex: String::new(),
        root_base64: String::new(),
        signature: "invalid",
        signature_detail: Some("the note cannot be read".into()),
        note: note.trim_end().to_string(),
    }
}
