//! Whether a new checkpoint of a log extends an older one: the check both
//! witnesses make before they accept a checkpoint.

use vakt_schemas::checkpoint::Checkpoint;
use vakt_schemas::cosignature::{CosignatureError, note_text};
use vakt_schemas::merkle::{Hash, ProofError, verify_consistency};

/// Why a checkpoint does not extend an older one.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConsistencyError {
    /// The two checkpoints are of different logs.
    #[error("checkpoint origin {new:?} is not the witnessed origin {old:?}")]
    OriginMismatch {
        /// The older checkpoint's origin.
        old: String,
        /// The newer checkpoint's origin.
        new: String,
    },
    /// The new checkpoint has fewer leaves than the old one.
    #[error(
        "checkpoint of {new_size} leaves is smaller than the {old_size} leaves already \
         witnessed: the log was rolled back, or this checkpoint is stale"
    )]
    Shrunk {
        /// The older checkpoint's size.
        old_size: u64,
        /// The newer checkpoint's size.
        new_size: u64,
    },
    /// Two checkpoints of one size with different roots: the log forked.
    #[error(
        "checkpoint of {size} leaves has a different root than the one already witnessed at \
         that size: the log has forked"
    )]
    Fork {
        /// The size both checkpoints have.
        size: u64,
    },
    /// The consistency proof does not lead from the old root to the new.
    #[error("consistency proof does not verify: {0}")]
    Proof(ProofError),
}

/// Checks that `new` extends `old`: same origin, no fewer leaves, the same
/// root at the same size, and otherwise a consistency proof that verifies
/// (RFC 9162 section 2.1.4.2) from `old` to `new`.
pub fn check_consistent(
    old: &Checkpoint,
    new: &Checkpoint,
    proof: &[Hash],
) -> Result<(), ConsistencyError> {
    if old.origin != new.origin {
        return Err(ConsistencyError::OriginMismatch {
            old: old.origin.clone(),
            new: new.origin.clone(),
        });
    }
    if new.size < old.size {
        return Err(ConsistencyError::Shrunk {
            old_size: old.size,
            new_size: new.size,
        });
    }
    if new.size == old.size && new.root != old.root {
        return Err(ConsistencyError::Fork { size: new.size });
    }
    verify_consistency(old.size, new.size, &old.root, &new.root, proof)
        .map_err(ConsistencyError::Proof)
}

/// The checkpoint a signed note carries, its syntax checked but not its
/// signatures.
pub fn checkpoint_of_note(note: &str) -> Result<Checkpoint, CosignatureError> {
    Ok(Checkpoint::parse_body(note_text(note)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vakt_schemas::merkle::{Frontier, consistency_proof, leaf_hash, root};

    fn tree(count: u64) -> Vec<Hash> {
        (0..count).map(|i| leaf_hash(&i.to_le_bytes())).collect()
    }

    fn checkpoint(leaves: &[Hash]) -> Checkpoint {
        Checkpoint {
            origin: "example.com/log".to_string(),
            size: leaves.len() as u64,
            root: root(leaves),
            extensions: Vec::new(),
        }
    }

    #[test]
    fn every_rule() {
        let leaves = tree(9);
        let old = checkpoint(&leaves[..5]);
        let new = checkpoint(&leaves);
        let proof = consistency_proof(&leaves, 5).unwrap();
        assert_eq!(check_consistent(&old, &new, &proof), Ok(()));
        assert_eq!(check_consistent(&old, &old, &[]), Ok(()));
        assert_eq!(
            check_consistent(&new, &old, &proof),
            Err(ConsistencyError::Shrunk {
                old_size: 9,
                new_size: 5
            })
        );
        let mut forked = new.clone();
        forked.root = Frontier::from_leaves(&tree(10)[1..]).root();
        assert_eq!(
            check_consistent(&new, &forked, &[]),
            Err(ConsistencyError::Fork { size: 9 })
        );
        assert!(matches!(
            check_consistent(&old, &forked, &proof),
            Err(ConsistencyError::Proof(_))
        ));
        let mut other = new.clone();
        other.origin = "example.com/other".to_string();
        assert!(matches!(
            check_consistent(&old, &other, &proof),
            Err(ConsistencyError::OriginMismatch { .. })
        ));
    }
}
