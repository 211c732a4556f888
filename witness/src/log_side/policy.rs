//! `[witness_policy]`: whether enough witnesses vouched for each stream
//! recently enough.
//!
//! A cosigning witness counts for a stream when it cosigned, at most
//! `max_age_hours` ago, a checkpoint of that stream (signed by the store,
//! kept in the store's cosignature log or returned to this verification)
//! that covers every record committed before those hours began: so a
//! witness kept busy cosigning an old checkpoint again does not count
//! while newer records go unwitnessed. The run resubmits quiet streams'
//! checkpoints every hour, so their cosignatures stay fresh. A directory
//! witness counts when it holds the stream's newest checkpoint, or one
//! committed at most `max_age_hours` ago that covers those records.

use chrono::{DateTime, Duration, Utc};
use vakt_schemas::Stream;
use vakt_schemas::config::WitnessPolicy;
use vakt_store::{StoreReader, WitnessedCheckpoint};

use crate::consistency::checkpoint_of_note;
use crate::log_side::witnesses::Witness;

/// One stream's standing against the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyCheck {
    /// The stream.
    pub stream: Stream,
    /// The witnesses that vouched recently enough.
    pub recent: Vec<String>,
    /// The newest time any configured witness vouched, when known.
    pub newest: Option<DateTime<Utc>>,
    /// Whether the policy is met.
    pub met: bool,
}

/// Checks every stream against `policy` at `now`. `gathered` is what the
/// witnesses returned to this verification (may be empty).
pub fn check_policy(
    reader: &StoreReader,
    witnesses: &[Witness],
    policy: &WitnessPolicy,
    gathered: &[WitnessedCheckpoint],
    now: DateTime<Utc>,
) -> Vec<PolicyCheck> {
    let oldest_allowed = now - Duration::hours(i64::try_from(policy.max_age_hours).unwrap_or(0));
    let keys = reader.keys().ok();
    let mut checks = Vec::new();
    for stream in Stream::ALL {
        let origin = reader.info().origin(stream);
        // What a recent witnessing must cover: every record committed
        // before the policy's hours began.
        let required_size = reader
            .manifest_entries(stream)
            .unwrap_or_default()
            .into_iter()
            .filter(|entry| entry.ingest_time <= oldest_allowed)
            .map(|entry| entry.tree_size)
            .max()
            .unwrap_or(0);
        // This stream's checkpoints, signed by the store: kept in the
        // store, or as the witnesses returned them now.
        let of_stream = |note: &&String| {
            let signed = keys.as_ref().is_some_and(|keys| keys.verify(note).is_ok());
            signed && checkpoint_of_note(note).is_ok_and(|checkpoint| checkpoint.origin == origin)
        };
        let kept: Vec<String> = reader.cosigned(stream).unwrap_or_default();
        let newest_note = reader.latest_checkpoint(stream).ok().flatten();
        let mut recent = Vec::new();
        let mut newest: Option<DateTime<Utc>> = None;
        for witness in witnesses {
            let vouched_at = match witness {
                Witness::Cosigning {
                    verifier: Some(verifier),
                    name,
                    ..
                } => kept
                    .iter()
                    .chain(
                        gathered
                            .iter()
                            .filter(|held| &held.witness == name)
                            .map(|held| &held.note),
                    )
                    .filter(of_stream)
                    .filter(|note| {
                        checkpoint_of_note(note)
                            .is_ok_and(|checkpoint| checkpoint.size >= required_size)
                    })
                    .filter_map(|note| verifier.verify(note).ok())
                    .filter_map(|cosignature| {
                        DateTime::from_timestamp(i64::try_from(cosignature.timestamp).ok()?, 0)
                    })
                    .max(),
                Witness::Cosigning { verifier: None, .. } => None,
                Witness::Directory { folder, .. } => directory_vouched(
                    reader,
                    stream,
                    folder,
                    newest_note.as_deref(),
                    required_size,
                    now,
                ),
            };
            let Some(vouched_at) = vouched_at else {
                continue;
            };
            newest = newest.max(Some(vouched_at));
            if vouched_at >= oldest_allowed {
                recent.push(witness.name().to_string());
            }
        }
        let met = recent.len() >= policy.min_witnesses;
        checks.push(PolicyCheck {
            stream,
            recent,
            newest,
            met,
        });
    }
    checks
}

/// When a directory witness last vouched for `stream`: now, when it holds
/// the newest checkpoint; else the commit time of the checkpoint it holds,
/// when that covers `required_size` records.
fn directory_vouched(
    reader: &StoreReader,
    stream: Stream,
    folder: &std::path::Path,
    newest_note: Option<&str>,
    required_size: u64,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let origin = reader.info().origin(stream);
    let held =
        std::fs::read_to_string(folder.join(crate::files::checkpoint_file_name(&origin))).ok()?;
    if Some(held.as_str()) == newest_note {
        return Some(now);
    }
    let size = checkpoint_of_note(&held).ok()?.size;
    if size < required_size {
        return None;
    }
    reader
        .manifest_entries(stream)
        .ok()?
        .into_iter()
        .find(|entry| entry.tree_size == size)
        .map(|entry| entry.ingest_time)
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use vakt_schemas::AuditEvent;
    use vakt_schemas::cosignature::{
        CosignatureSigner, CosignatureVerifier, add_signature_lines, note_text,
    };
    use vakt_store::cosigned::append_cosigned;

    use super::*;

    fn audit(n: u64) -> AuditEvent {
        AuditEvent {
            user: "tester".into(),
            command: "test".into(),
            detail: Some(format!("record {n}")),
            rows: None,
            result: None,
        }
    }

    /// Cosigns the audit stream's newest checkpoint at `time` and keeps the
    /// cosignature in the store.
    fn cosign_newest(root: &std::path::Path, witness: &CosignatureSigner, time: DateTime<Utc>) {
        let reader = StoreReader::open(root).unwrap();
        let note = reader.latest_checkpoint(Stream::Audit).unwrap().unwrap();
        let line = witness
            .cosign(note_text(&note).unwrap(), time.timestamp() as u64)
            .unwrap();
        let cosigned = add_signature_lines(&note, &line).unwrap();
        append_cosigned(&reader, Stream::Audit, &cosigned).unwrap();
    }

    #[test]
    fn a_witness_cosigning_an_old_checkpoint_again_does_not_meet_the_policy() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        vakt_store::init_store(&root).unwrap();
        let witness =
            CosignatureSigner::new("witness.test/w", SigningKey::from_bytes(&[5; 32])).unwrap();
        let witnesses = vec![Witness::Cosigning {
            name: "w".into(),
            url: "http://witness.test".into(),
            verifier: Some(Box::new(
                CosignatureVerifier::parse(&witness.verifier().to_vkey()).unwrap(),
            )),
            timeout: std::time::Duration::from_secs(1),
        }];
        let policy = WitnessPolicy {
            min_witnesses: 1,
            max_age_hours: 26,
        };
        vakt_store::append_audit(&root, audit(1)).unwrap();
        let first = Utc::now();
        cosign_newest(&root, &witness, first);
        // More records are committed; the witness is only shown the old
        // checkpoint again, a day and a half later.
        let old_note = StoreReader::open(&root)
            .unwrap()
            .latest_checkpoint(Stream::Audit)
            .unwrap()
            .unwrap();
        vakt_store::append_audit(&root, audit(2)).unwrap();
        let later = first + Duration::hours(30);
        {
            let reader = StoreReader::open(&root).unwrap();
            let line = witness
                .cosign(note_text(&old_note).unwrap(), later.timestamp() as u64)
                .unwrap();
            let cosigned = add_signature_lines(&old_note, &line).unwrap();
            append_cosigned(&reader, Stream::Audit, &cosigned).unwrap();
        }
        let now = later + Duration::hours(1);
        let reader = StoreReader::open(&root).unwrap();
        let audit_check = |reader: &StoreReader| {
            check_policy(reader, &witnesses, &policy, &[], now)
                .into_iter()
                .find(|check| check.stream == Stream::Audit)
                .unwrap()
        };
        let check = audit_check(&reader);
        assert!(
            !check.met,
            "a fresh cosignature of an old checkpoint: {check:?}"
        );
        // The newest checkpoint cosigned recently: the policy is met.
        cosign_newest(&root, &witness, later);
        let reader = StoreReader::open(&root).unwrap();
        let check = audit_check(&reader);
        assert!(check.met, "{check:?}");
        assert_eq!(check.recent, vec!["w".to_string()]);
        // Too long ago: not met.
        let check = check_policy(&reader, &witnesses, &policy, &[], now + Duration::hours(30))
            .into_iter()
            .find(|check| check.stream == Stream::Audit)
            .unwrap();
        assert!(!check.met, "{check:?}");
    }
}
