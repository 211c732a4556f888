//! Spot checks (clause 3.3.l): random samples of records drawn so that no
//! one can choose them, recorded in the `audit` stream with their outcomes.
//!
//! A draw is reproducible by anyone who has the checkpoint it names:
//!
//! ```text
//! seed      = SHA-256("vakt spot check v1\n" || checkpoint note || "\n" ||
//!                     stream || "\n" || n || "\n" || from || "\n" || to)
//! candidates = the stream's records with seq < the checkpoint's tree size
//!              and from <= time < to  (from/to RFC 3339 UTC, or "-" if open)
//! rank(seq)  = SHA-256(seed || seq as 8 bytes big-endian)
//! sample     = the n candidates with the smallest rank (compared as bytes),
//!              listed in sequence order
//! ```
//!
//! The checkpoint is the newest signed checkpoint of the stream when the
//! draw is made; its signature makes the seed unknowable before the records
//! it covers were committed, and nothing about the sample can be changed
//! afterwards without changing the signed note.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vakt_schemas::Stream;
use vakt_schemas::cosignature::CosignatureVerifier;
use vakt_schemas::keyring::KeyRing;

use crate::sql::{SqlError, SqlSession};
use vakt_store::reader::{ReadError, StoreReader};

/// What to draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawRequest {
    pub stream: Stream,
    pub n: u64,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// A draw, as recorded in the audit stream (`detail` of a `spotcheck draw`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draw {
    pub request: DrawRequest,
    /// The signed checkpoint the randomness comes from.
    pub checkpoint: String,
    pub checkpoint_size: u64,
    /// Lowercase hex of the seed.
    pub seed: String,
    /// How many records could have been drawn.
    pub candidates: u64,
    /// The drawn records' sequence numbers, ascending.
    pub items: Vec<u64>,
}

/// A draw could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SpotCheckError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Sql(#[from] SqlError),
    #[error("the {0} stream has no valid signed checkpoint; run `vakt verify`")]
    NoCheckpoint(Stream),
    #[error("n must be at least 1")]
    NothingToDraw,
}

fn bound(time: Option<DateTime<Utc>>) -> String {
    time.map_or("-".to_string(), |time| {
        time.to_rfc3339_opts(SecondsFormat::Micros, true)
    })
}

/// The seed of a draw (see the module documentation).
pub fn seed(checkpoint_note: &str, request: &DrawRequest) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"vakt spot check v1\n");
    hasher.update(checkpoint_note.as_bytes());
    hasher.update(
        format!(
            "\n{}\n{}\n{}\n{}",
            request.stream.name(),
            request.n,
            bound(request.from),
            bound(request.to)
        )
        .as_bytes(),
    );
    hasher.finalize().into()
}

/// The rank of a candidate under a seed: smaller is drawn first.
pub fn rank(seed: &[u8; 32], seq: u64) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(seed);
    hasher.update(seq.to_be_bytes());
    hasher.finalize().into()
}

/// The `n` candidates of smallest rank, in sequence order.
pub fn sample(seed: &[u8; 32], candidates: impl IntoIterator<Item = u64>, n: u64) -> Vec<u64> {
    let mut ranked: Vec<([u8; 32], u64)> = candidates
        .into_iter()
        .map(|seq| (rank(seed, seq), seq))
        .collect();
    let keep = (n as usize).min(ranked.len());
    if keep < ranked.len() {
        ranked.select_nth_unstable(keep);
        ranked.truncate(keep);
    }
    let mut items: Vec<u64> = ranked.into_iter().map(|(_, seq)| seq).collect();
    items.sort_unstable();
    items
}

/// Draws from the store: the newest valid checkpoint of the stream, the
/// candidates by SQL, the sample by rank.
///
/// `witness_keys` are the configured witnesses' cosigner keys: the draw
/// takes its randomness from the newest checkpoint one of them cosigned,
/// where there is one.
pub fn draw(
    store: &StoreReader,
    session: &SqlSession,
    request: &DrawRequest,
    witness_keys: &[String],
) -> Result<Draw, SpotCheckError> {
    if request.n == 0 {
        return Err(SpotCheckError::NothingToDraw);
    }
    let keys = store.keys()?;
    let witnesses: Vec<CosignatureVerifier> = witness_keys
        .iter()
        .filter_map(|vkey| CosignatureVerifier::parse(vkey).ok())
        .collect();
    let (note, size) = newest_signed(store, &keys, &witnesses, request.stream)?;
    let candidates = candidate_seqs(session, request, size)?;
    let seed = seed(&note, request);
    let items = sample(&seed, candidates.iter().copied(), request.n);
    Ok(Draw {
        request: request.clone(),
        checkpoint: note,
        checkpoint_size: size,
        seed: hex::encode(seed),
        candidates: candidates.len() as u64,
        items,
    })
}

/// Recomputes a recorded draw and says whether it is the same.
pub fn recompute(session: &SqlSession, recorded: &Draw) -> Result<bool, SpotCheckError> {
    let seed = seed(&recorded.checkpoint, &recorded.request);
    let candidates = candidate_seqs(session, &recorded.request, recorded.checkpoint_size)?;
    let items = sample(&seed, candidates, recorded.request.n);
    Ok(hex::encode(seed) == recorded.seed && items == recorded.items)
}

/// The checkpoint a draw takes its randomness from: the newest one a
/// configured witness cosigned (kept in `<stream>/cosignatures`). Its
/// cosignature, made by a party the store's administrator does not
/// control, is part of the seed, so the administrator cannot choose the
/// draw; of several cosignatures of that checkpoint the earliest counts,
/// so asking the witness again gives no other draw. Else the newest
/// signed checkpoint.
fn newest_signed(
    store: &StoreReader,
    keys: &KeyRing,
    witnesses: &[CosignatureVerifier],
    stream: Stream,
) -> Result<(String, u64), SpotCheckError> {
    let newest_cosigned = store
        .cosigned(stream)?
        .into_iter()
        .filter_map(|note| {
            let checkpoint = keys.verify(&note).ok()?;
            if checkpoint.origin != store.info().origin(stream) {
                return None;
            }
            let earliest = witnesses
                .iter()
                .filter_map(|witness| witness.verify(&note).ok())
                .map(|cosignature| cosignature.timestamp)
                .min()?;
            Some((checkpoint.size, std::cmp::Reverse(earliest), note))
        })
        .max_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    if let Some((size, _, note)) = newest_cosigned {
        return Ok((note, size));
    }
    for note in store.checkpoints(stream)?.into_iter().rev() {
        if let Ok(checkpoint) = keys.verify(&note)
            && checkpoint.origin == store.info().origin(stream)
        {
            return Ok((note, checkpoint.size));
        }
    }
    Err(SpotCheckError::NoCheckpoint(stream))
}

fn candidate_seqs(
    session: &SqlSession,
    request: &DrawRequest,
    size: u64,
) -> Result<Vec<u64>, SpotCheckError> {
    let mut sql = format!(
        "SELECT seq FROM {} WHERE seq < {size}",
        request.stream.name()
    );
    if let Some(from) = request.from {
        sql.push_str(&format!(" AND time >= TIMESTAMP '{}'", bound(Some(from))));
    }
    if let Some(to) = request.to {
        sql.push_str(&format!(" AND time < TIMESTAMP '{}'", bound(Some(to))));
    }
    let result = session.query(&sql)?;
    let mut seqs = Vec::with_capacity(result.rows);
    for batch in &result.batches {
        let column = batch.column(0);
        let Some(array) = column
            .as_any()
            .downcast_ref::<datafusion::arrow::array::UInt64Array>()
        else {
            continue;
        };
        seqs.extend(array.iter().flatten());
    }
    seqs.sort_unstable();
    Ok(seqs)
}

/// The audit `command` of a draw.
pub const DRAW_COMMAND: &str = "spotcheck draw";
/// The audit `command` of a checked item.
pub const RECORD_COMMAND: &str = "spotcheck record";

/// The outcome of checking one drawn record (`detail` of a `spotcheck record`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemOutcome {
    /// The audit sequence number of the draw.
    pub draw: u64,
    /// The drawn record's sequence number in its stream.
    pub item: u64,
    /// `ok` or `finding`.
    pub outcome: String,
    pub finding: Option<String>,
}

/// A draw with what has been recorded about its items.
#[derive(Debug, Clone, Serialize)]
pub struct DrawStatus {
    /// The audit sequence number of the draw: its identifier.
    pub id: u64,
    pub drawn_at: DateTime<Utc>,
    pub drawn_by: String,
    pub draw: Draw,
    /// The newest outcome per checked item.
    pub outcomes: Vec<ItemOutcome>,
}

impl DrawStatus {
    pub fn checked(&self) -> usize {
        self.outcomes.len()
    }

    pub fn findings(&self) -> impl Iterator<Item = &ItemOutcome> {
        self.outcomes
            .iter()
            .filter(|outcome| outcome.outcome == "finding")
    }
}

/// Every draw in the audit stream with its outcomes, oldest first. Audit
/// records that do not parse as spot-check records are skipped.
pub fn draws(store: &StoreReader) -> Result<Vec<DrawStatus>, SpotCheckError> {
    let mut statuses: Vec<DrawStatus> = Vec::new();
    for record in store.records(Stream::Audit)? {
        let vakt_schemas::Event::Audit(event) = &record.event else {
            continue;
        };
        let Some(detail) = &event.detail else {
            continue;
        };
        if event.command == DRAW_COMMAND {
            if let Ok(draw) = serde_json::from_str::<Draw>(detail) {
                statuses.push(DrawStatus {
                    id: record.envelope.seq,
                    drawn_at: record.envelope.time,
                    drawn_by: event.user.clone(),
                    draw,
                    outcomes: Vec::new(),
                });
            }
        } else if event.command == RECORD_COMMAND {
            let Ok(outcome) = serde_json::from_str::<ItemOutcome>(detail) else {
                continue;
            };
            if let Some(status) = statuses.iter_mut().find(|status| status.id == outcome.draw) {
                status
                    .outcomes
                    .retain(|earlier| earlier.item != outcome.item);
                status.outcomes.push(outcome);
                status.outcomes.sort_by_key(|outcome| outcome.item);
            }
        }
    }
    Ok(statuses)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> DrawRequest {
        DrawRequest {
            stream: Stream::Sessions,
            n: 3,
            from: None,
            to: None,
        }
    }

    #[test]
    fn a_sample_depends_only_on_the_seed_and_the_candidates() {
        let seed = seed("note", &request());
        let first = sample(&seed, 0..1000, 3);
        assert_eq!(first.len(), 3);
        assert_eq!(
            first,
            sample(&seed, (0..1000).rev(), 3),
            "order of candidates does not matter"
        );
        let other = super::seed("another note", &request());
        assert_ne!(first, sample(&other, 0..1000, 3));
        assert_eq!(
            sample(&seed, 0..2, 3),
            vec![0, 1],
            "n larger than the candidates takes them all"
        );
    }

    /// A fixed vector so that an independent implementation can be checked.
    #[test]
    fn the_seed_and_ranks_are_those_of_the_documented_formula() {
        let seed = seed("note\n", &request());
        let mut hasher = Sha256::new();
        hasher.update(b"vakt spot check v1\nnote\n\nsessions\n3\n-\n-");
        assert_eq!(seed, <[u8; 32]>::from(hasher.finalize()));
        let mut hasher = Sha256::new();
        hasher.update(seed);
        hasher.update(7u64.to_be_bytes());
        assert_eq!(rank(&seed, 7), <[u8; 32]>::from(hasher.finalize()));
    }
}
