//! The witnesses' cosignatures of the store's checkpoints, as the review
//! shows them, and the `unwitnessed` check: whether the store ran, during
//! the period, without a recent cosignature from a configured witness.
//!
//! Only cosignatures kept in the store (`<stream>/cosignatures`) and made
//! with the key a `[[witness]]` names count; a directory witness gives no
//! cosignature and is not judged here (`vakt verify` checks it).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use vakt_schemas::Stream;
use vakt_schemas::checkpoint::Checkpoint;
use vakt_schemas::config::Config;
use vakt_schemas::cosignature::{CosignatureVerifier, note_text};
use vakt_store::StoreReader;

use crate::draft::Drafts;
use crate::finding::Check;
use crate::statements;

/// One witness's cosignature of a checkpoint, as printed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CosignatureShown {
    /// The witness's configured name.
    pub witness: String,
    /// When it cosigned.
    pub time: DateTime<Utc>,
}

/// A stream's checkpoint at the period's end as the witnesses cosigned it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cosigned {
    /// The checkpoint's size.
    pub size: u64,
    /// The checkpoint with the store's signature and the witnesses' lines.
    pub note: String,
    pub cosignatures: Vec<CosignatureShown>,
}

/// The witnessing of the store over the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Witnessing {
    /// The configured cosigning witnesses' names.
    pub witnesses: Vec<String>,
    /// Hours a cosignature stays recent (`witness_policy.max_age_hours`).
    pub max_age_hours: u64,
    /// Times during the period with no cosignature younger than that.
    pub gaps: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

/// The configured witnesses whose cosignatures can be checked.
fn verifiers(config: &Config) -> Vec<(String, CosignatureVerifier)> {
    config
        .witnesses
        .iter()
        .filter_map(|witness| {
            let key = witness.key.as_deref()?;
            let verifier = CosignatureVerifier::parse(key).ok()?;
            Some((witness.name.clone(), verifier))
        })
        .collect()
}

/// Every verified cosignature of `stream` kept in the store: the note,
/// its checkpoint's size, and who cosigned when.
fn kept(
    store: &StoreReader,
    stream: Stream,
    verifiers: &[(String, CosignatureVerifier)],
) -> Vec<(String, u64, Vec<CosignatureShown>)> {
    let Ok(notes) = store.cosigned(stream) else {
        return Vec::new();
    };
    notes
        .into_iter()
        .filter_map(|note| {
            let size = Checkpoint::parse_body(note_text(&note).ok()?).ok()?.size;
            let shown: Vec<CosignatureShown> = verifiers
                .iter()
                .filter_map(|(name, verifier)| {
                    let cosignature = verifier.verify(&note).ok()?;
                    Some(CosignatureShown {
                        witness: name.clone(),
                        time: DateTime::from_timestamp(
                            i64::try_from(cosignature.timestamp).ok()?,
                            0,
                        )?,
                    })
                })
                .collect();
            (!shown.is_empty()).then_some((note, size, shown))
        })
        .collect()
}

/// The newest checkpoint of `stream` a configured witness cosigned by
/// `cutoff`.
pub fn year_end(
    store: &StoreReader,
    config: &Config,
    stream: Stream,
    cutoff: DateTime<Utc>,
) -> Option<Cosigned> {
    let verifiers = verifiers(config);
    kept(store, stream, &verifiers)
        .into_iter()
        .filter_map(|(note, size, shown)| {
            let shown: Vec<CosignatureShown> = shown
                .into_iter()
                .filter(|cosignature| cosignature.time <= cutoff)
                .collect();
            (!shown.is_empty()).then_some(Cosigned {
                size,
                note,
                cosignatures: shown,
            })
        })
        .max_by_key(|cosigned| {
            (
                cosigned.size,
                cosigned.cosignatures.iter().map(|shown| shown.time).max(),
            )
        })
}

/// The period's witnessing, and an `unwitnessed` finding for each time
/// longer than `max_age_hours` with no cosignature. `None` when no
/// cosigning witness is configured (directory witnesses give none) and no
/// policy asks for one.
pub fn check(
    store: &StoreReader,
    config: &Config,
    start: DateTime<Utc>,
    cutoff: DateTime<Utc>,
    drafts: &mut Drafts,
) -> Option<Witnessing> {
    let cosigning = config.witnesses.iter().any(|witness| witness.key.is_some());
    if !cosigning && config.witness_policy.min_witnesses == 0 {
        return None;
    }
    let verifiers = verifiers(config);
    let max_age_hours = config.witness_policy.max_age_hours.max(1);
    let max_age = Duration::hours(i64::try_from(max_age_hours).unwrap_or(i64::MAX / 3600));
    let mut times: Vec<DateTime<Utc>> = Stream::ALL
        .into_iter()
        .flat_map(|stream| kept(store, stream, &verifiers))
        .flat_map(|(_, _, shown)| shown.into_iter().map(|cosignature| cosignature.time))
        .filter(|time| *time <= cutoff)
        .collect();
    times.sort_unstable();
    // The store cannot have been witnessed before it existed.
    let from = start.max(store.info().created);
    let mut gaps = Vec::new();
    let mut last = from;
    for time in times.iter().copied().filter(|time| *time >= from) {
        if time - last > max_age {
            gaps.push((last, time));
        }
        last = time;
    }
    if cutoff - last > max_age {
        gaps.push((last, cutoff));
    }
    if !gaps.is_empty() {
        let longest = gaps
            .iter()
            .max_by_key(|(from, to)| *to - *from)
            .copied()
            .unwrap_or((from, cutoff));
        let count = gaps.len();
        let draft = drafts.entry(
            Check::Unwitnessed,
            "store".to_string(),
            statements::unwitnessed,
        );
        // Local times with their offset, like every time of the review.
        let zone = config.time_zone().unwrap_or(chrono_tz::UTC);
        let local = |time: DateTime<Utc>| crate::period::local_time(zone, time);
        draft
            .fact("gaps", count)
            .fact("hours", max_age_hours)
            .fact("longest_from", local(longest.0))
            .fact("longest_to", local(longest.1));
        for (gap_from, gap_to) in &gaps {
            draft.note(format!(
                "no cosignature by a configured witness from {} to {} ({} hours)",
                local(*gap_from),
                local(*gap_to),
                (*gap_to - *gap_from).num_hours()
            ));
        }
    }
    Some(Witnessing {
        witnesses: verifiers.into_iter().map(|(name, _)| name).collect(),
        max_age_hours,
        gaps,
    })
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use vakt_schemas::config::WitnessConfig;
    use vakt_schemas::cosignature::{CosignatureSigner, add_signature_lines};
    use vakt_store::cosigned::append_cosigned;

    use super::*;

    fn witness(name: &str, seed: u8) -> CosignatureSigner {
        CosignatureSigner::new(name, SigningKey::from_bytes(&[seed; 32])).unwrap()
    }

    fn configured(witnesses: &[&CosignatureSigner]) -> Config {
        Config {
            witnesses: witnesses
                .iter()
                .map(|witness| WitnessConfig {
                    name: witness.name().to_string(),
                    url: Some("http://witness.test".to_string()),
                    key: Some(witness.verifier().to_vkey()),
                    dir: None,
                    timeout_seconds: 10,
                })
                .collect(),
            witness_policy: vakt_schemas::config::WitnessPolicy {
                min_witnesses: 0,
                max_age_hours: 26,
            },
            ..Config::default()
        }
    }

    /// Cosigns the store's empty sessions checkpoint at each of `hours`
    /// after the store was made, and keeps the cosignatures in the store.
    fn cosign_at(store: &StoreReader, witness: &CosignatureSigner, hours: &[i64]) {
        let note = store.latest_checkpoint(Stream::Sessions).unwrap().unwrap();
        let created = store.info().created.timestamp();
        for hour in hours {
            let timestamp = u64::try_from(created + hour * 3600).unwrap();
            let line = witness
                .cosign(note_text(&note).unwrap(), timestamp)
                .unwrap();
            let cosigned = add_signature_lines(&note, &line).unwrap();
            append_cosigned(store, Stream::Sessions, &cosigned).unwrap();
        }
    }

    #[test]
    fn times_without_a_recent_cosignature_are_found_and_only_configured_keys_count() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        vakt_store::init_store(&root).unwrap();
        let store = StoreReader::open(&root).unwrap();
        let created = store.info().created;
        // Cosignatures carry whole seconds.
        let base = DateTime::from_timestamp(created.timestamp(), 0).unwrap();
        let director = witness("witness.test/director", 7);
        let stranger = witness("witness.test/stranger", 8);
        cosign_at(&store, &director, &[1, 20, 70]);
        // A witness nobody configured vouches in the gap: it does not count.
        cosign_at(&store, &stranger, &[40]);
        let config = configured(&[&director]);
        let start = created - Duration::days(30);
        let cutoff = created + Duration::hours(100);

        let mut drafts = Drafts::default();
        let witnessing = check(&store, &config, start, cutoff, &mut drafts).unwrap();
        assert_eq!(
            witnessing.gaps,
            vec![
                (base + Duration::hours(20), base + Duration::hours(70)),
                (base + Duration::hours(70), cutoff),
            ],
            "the store did not exist before it was made; 1 h and 19 h are within 26 h"
        );
        let findings = drafts.finish();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].check, "unwitnessed");
        assert!(
            findings[0].statement.contains("2 times"),
            "{}",
            findings[0].statement
        );
        assert_eq!(findings[0].evidence.notes.len(), 2);
        // Local times with their offset (the configured zone, Oslo by
        // default), as everywhere in the review.
        let local = (base + Duration::hours(20))
            .with_timezone(&chrono_tz::Europe::Oslo)
            .format("%Y-%m-%d %H:%M %:z")
            .to_string();
        assert!(
            findings[0].evidence.notes[0].contains(&local),
            "{:?}",
            findings[0].evidence.notes
        );
        assert!(
            findings[0].statements[&crate::Language::Nb].contains("2 ganger"),
            "{}",
            findings[0].statements[&crate::Language::Nb]
        );

        // Cosignatures every 20 hours up to the cutoff: no finding.
        cosign_at(&store, &director, &[90]);
        let mut drafts = Drafts::default();
        let mut covered = configured(&[&director]);
        covered.witness_policy.max_age_hours = 60;
        let witnessing = check(&store, &covered, start, cutoff, &mut drafts).unwrap();
        assert!(witnessing.gaps.is_empty(), "{:?}", witnessing.gaps);
        assert!(drafts.finish().is_empty());

        // No witness configured and no policy: the check does not run.
        let mut drafts = Drafts::default();
        assert!(check(&store, &Config::default(), start, cutoff, &mut drafts).is_none());

        // The year-end checkpoint shows the configured witness's newest
        // cosignature made by the cutoff, not the stranger's.
        let shown = year_end(
            &store,
            &config,
            Stream::Sessions,
            created + Duration::hours(80),
        )
        .unwrap();
        assert_eq!(shown.size, 0);
        assert_eq!(shown.cosignatures.len(), 1);
        assert_eq!(shown.cosignatures[0].witness, "witness.test/director");
        assert_eq!(shown.cosignatures[0].time, base + Duration::hours(70));
    }
}
