//! The Merkle tree of RFC 6962 / RFC 9162 (section 2.1) over SHA-256: leaf and
//! node hashes, the tree root, the compact right edge of a growing tree, and
//! inclusion and consistency proofs with their verification.
//!
//! Leaves enter every function already hashed with [`leaf_hash`]; a tree of
//! `n` leaves is the list of their `n` leaf hashes. Proof hashes are ordered
//! from the leaf (or the old tree) up to the root, exactly as RFC 9162
//! sections 2.1.3 and 2.1.4 lay them out, so proofs made here verify with any
//! RFC 6962 implementation and the other way around.

use sha2::{Digest, Sha256};

/// A SHA-256 hash: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// The prefix byte of a leaf hash (RFC 9162 section 2.1.1).
const LEAF_PREFIX: u8 = 0x00;

/// The prefix byte of an interior node hash (RFC 9162 section 2.1.1).
const NODE_PREFIX: u8 = 0x01;

/// What is wrong with a proof, a proof request or a frontier.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    /// A leaf index at or past the end of the tree.
    #[error("index {index} is outside a tree of {size} leaves")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The number of leaves in the tree.
        size: u64,
    },
    /// A consistency proof asked from a larger tree to a smaller one.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    OldSizeTooLarge {
        /// The size of the older tree.
        old_size: u64,
        /// The size of the newer tree.
        new_size: u64,
    },
    /// An inclusion proof with the wrong number of hashes.
    #[error("proof has {found} hashes, leaf {index} of a tree of {size} leaves needs {needed}")]
    InclusionProofLength {
        /// The number of hashes in the proof.
        found: usize,
        /// The number of hashes the proof must have.
        needed: usize,
        /// The leaf index the proof is for.
        index: u64,
        /// The number of leaves in the tree.
        size: u64,
    },
    /// A consistency proof with the wrong number of hashes.
    #[error(
        "proof has {found} hashes, consistency from a tree of {old_size} leaves to one of \
         {new_size} leaves needs {needed}"
    )]
    ConsistencyProofLength {
        /// The number of hashes in the proof.
        found: usize,
        /// The number of hashes the proof must have.
        needed: usize,
        /// The size of the older tree.
        old_size: u64,
        /// The size of the newer tree.
        new_size: u64,
    },
    /// The root the proof leads to is not the root it was checked against.
    #[error(
        "computed root {} differs from expected root {}",
        hex::encode(.computed),
        hex::encode(.expected)
    )]
    RootMismatch {
        /// The root recomputed from the proof.
        computed: Hash,
        /// The root the caller expected.
        expected: Hash,
    },
    /// The old root a consistency proof leads to is not the old root given.
    #[error(
        "computed old root {} differs from expected old root {}",
        hex::encode(.computed),
        hex::encode(.expected)
    )]
    OldRootMismatch {
        /// The old root recomputed from the proof.
        computed: Hash,
        /// The old root the caller expected.
        expected: Hash,
    },
    /// Frontier parts whose subtree count does not fit the tree size.
    #[error("a tree of {size} leaves has {needed} perfect subtrees on its right edge, not {found}")]
    FrontierShape {
        /// The tree size given.
        size: u64,
        /// The number of subtree hashes the size needs (its count of one bits).
        needed: u32,
        /// The number of subtree hashes given.
        found: usize,
    },
}

/// The hash of one leaf: SHA-256(0x00 || data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(data);
    hasher.finalize().into()
}

/// The hash of an interior node: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root of the empty tree: SHA-256 of the empty string,
/// `e3b0c442...b855`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The Merkle Tree Hash (RFC 9162 section 2.1.1) of already hashed leaves;
/// [`empty_root`] when there are none.
pub fn root(leaves: &[Hash]) -> Hash {
    if leaves.is_empty() {
        return empty_root();
    }
    subtree_root(leaves)
}

/// The Merkle Tree Hash of a non-empty run of leaf hashes.
fn subtree_root(leaves: &[Hash]) -> Hash {
    if let [single] = leaves {
        return *single;
    }
    let split = split_point(leaves.len());
    node_hash(
        &subtree_root(&leaves[..split]),
        &subtree_root(&leaves[split..]),
    )
}

/// The largest power of two strictly below `count`, which must be at least 2:
/// the size of the left subtree of a tree of `count` leaves.
fn split_point(count: usize) -> usize {
    let below = count - 1;
    1 << (usize::BITS - 1 - below.leading_zeros())
}

/// The right edge of a tree: the roots of its perfect subtrees, largest (and
/// leftmost) first, one per one bit of the size. That is enough to append
/// leaves and to compute the root in O(log n) without keeping the leaves.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Frontier {
    /// The number of leaves in the tree.
    size: u64,
    /// The roots of the perfect subtrees, largest first.
    subtrees: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// The frontier of a tree holding these leaf hashes.
    pub fn from_leaves(leaves: &[Hash]) -> Self {
        let mut frontier = Self::new();
        for leaf in leaves {
            frontier.push(*leaf);
        }
        frontier
    }

    /// Rebuilds a frontier from its size and subtree roots (largest first), as
    /// stored by [`Frontier::size`] and [`Frontier::subtrees`]. Fails when
    /// the number of subtrees is not the number of one bits in `size`.
    pub fn from_parts(size: u64, subtrees: Vec<Hash>) -> Result<Self, ProofError> {
        let needed = size.count_ones();
        if subtrees.len() != needed as usize {
            return Err(ProofError::FrontierShape {
                size,
                needed,
                found: subtrees.len(),
            });
        }
        Ok(Self { size, subtrees })
    }

    /// The number of leaves pushed so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The roots of the perfect subtrees of the right edge, largest first.
    pub fn subtrees(&self) -> &[Hash] {
        &self.subtrees
    }

    /// Appends one leaf hash.
    ///
    /// A tree of `u64::MAX` leaves cannot grow further; no store comes near.
    pub fn push(&mut self, leaf: Hash) {
        let mut carried = leaf;
        let mut remaining_size = self.size;
        // Each trailing one bit of the size is a perfect subtree as large as
        // the one being carried: merge them, like a binary increment.
        while remaining_size & 1 == 1 {
            let Some(left) = self.subtrees.pop() else {
                break;
            };
            carried = node_hash(&left, &carried);
            remaining_size >>= 1;
        }
        self.subtrees.push(carried);
        self.size += 1;
    }

    /// The root of the tree: equal to [`root`] over all pushed leaves.
    pub fn root(&self) -> Hash {
        let mut subtrees_right_to_left = self.subtrees.iter().rev();
        let Some(smallest) = subtrees_right_to_left.next() else {
            return empty_root();
        };
        subtrees_right_to_left.fold(*smallest, |right, left| node_hash(left, &right))
    }
}

/// Converts a leaf count of a slice to a tree size.
fn tree_size(leaves: &[Hash]) -> u64 {
    leaves.len() as u64
}

/// The inclusion proof (RFC 9162 section 2.1.3.1, `PATH(m, D[n])`) of the
/// leaf at `index` in the tree of these leaf hashes: the sibling hashes from
/// the leaf up to the root. The proof of the only leaf of a one-leaf tree is
/// empty.
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, ProofError> {
    let size = tree_size(leaves);
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let Ok(index) = usize::try_from(index) else {
        return Err(ProofError::IndexOutOfRange { index, size });
    };
    let mut proof = Vec::new();
    collect_inclusion_path(leaves, index, &mut proof);
    Ok(proof)
}

/// Appends `PATH(index, leaves)` to `proof`; `index < leaves.len()`.
fn collect_inclusion_path(leaves: &[Hash], index: usize, proof: &mut Vec<Hash>) {
    if leaves.len() <= 1 {
        return;
    }
    let split = split_point(leaves.len());
    let (left, right) = leaves.split_at(split);
    if index < split {
        collect_inclusion_path(left, index, proof);
        proof.push(subtree_root(right));
    } else {
        collect_inclusion_path(right, index - split, proof);
        proof.push(subtree_root(left));
    }
}

/// The number of hashes in the inclusion proof of leaf `index` of a tree of
/// `size` leaves; `index < size`.
fn inclusion_proof_len(index: u64, size: u64) -> usize {
    // Below the level where the paths to `index` and to the last leaf part,
    // every level contributes a sibling; above it, only the levels where the
    // path turns right (a one bit of `index`) do.
    let inner_levels = u64::BITS - (index ^ (size - 1)).leading_zeros();
    let border_levels = index.checked_shr(inner_levels).unwrap_or(0).count_ones();
    (inner_levels + border_levels) as usize
}

/// Checks that `leaf` (a leaf hash) is the leaf at `index` of the tree of
/// `size` leaves whose root is `root`, given its inclusion proof (RFC 9162
/// section 2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let needed = inclusion_proof_len(index, size);
    if proof.len() != needed {
        return Err(ProofError::InclusionProofLength {
            found: proof.len(),
            needed,
            index,
            size,
        });
    }
    let mut node_index = index;
    let mut last_index = size - 1;
    let mut computed = *leaf;
    for sibling in proof {
        if last_index == 0 {
            // Unreachable after the length check; kept as the RFC states it.
            return Err(ProofError::InclusionProofLength {
                found: proof.len(),
                needed,
                index,
                size,
            });
        }
        if node_index & 1 == 1 || node_index == last_index {
            computed = node_hash(sibling, &computed);
            // A node that is the last of its level with no right sibling
            // moves up unchanged until it becomes a right child.
            while node_index & 1 == 0 && node_index != 0 {
                node_index >>= 1;
                last_index >>= 1;
            }
        } else {
            computed = node_hash(&computed, sibling);
        }
        node_index >>= 1;
        last_index >>= 1;
    }
    if last_index != 0 || computed != *root {
        return Err(ProofError::RootMismatch {
            computed,
            expected: *root,
        });
    }
    Ok(())
}

/// The consistency proof (RFC 9162 section 2.1.4.1, `PROOF(m, D[n])`) that
/// the tree of the first `old_size` of these leaf hashes is a prefix of the
/// tree of all of them.
///
/// The proof is empty when `old_size` equals the number of leaves, and also
/// when `old_size` is 0: every tree extends the empty tree, which
/// [`verify_consistency`] accepts with an empty proof.
pub fn consistency_proof(leaves: &[Hash], old_size: u64) -> Result<Vec<Hash>, ProofError> {
    let new_size = tree_size(leaves);
    if old_size > new_size {
        return Err(ProofError::OldSizeTooLarge { old_size, new_size });
    }
    if old_size == 0 || old_size == new_size {
        return Ok(Vec::new());
    }
    let Ok(old_size) = usize::try_from(old_size) else {
        return Err(ProofError::OldSizeTooLarge { old_size, new_size });
    };
    let mut proof = Vec::new();
    collect_consistency_subproof(leaves, old_size, true, &mut proof);
    Ok(proof)
}

/// Appends `SUBPROOF(old_size, leaves, old_is_whole_subtree)` to `proof`;
/// `0 < old_size <= leaves.len()`.
fn collect_consistency_subproof(
    leaves: &[Hash],
    old_size: usize,
    old_is_whole_subtree: bool,
    proof: &mut Vec<Hash>,
) {
    if old_size == leaves.len() {
        // The old tree is this whole subtree. The verifier knows its root
        // already when it is the whole old tree; otherwise it needs it.
        if !old_is_whole_subtree {
            proof.push(subtree_root(leaves));
        }
        return;
    }
    let split = split_point(leaves.len());
    let (left, right) = leaves.split_at(split);
    if old_size <= split {
        collect_consistency_subproof(left, old_size, old_is_whole_subtree, proof);
        proof.push(subtree_root(right));
    } else {
        collect_consistency_subproof(right, old_size - split, false, proof);
        proof.push(subtree_root(left));
    }
}

/// The consistency proof `PROOF(m, D[n])` of [`consistency_proof`], computed
/// from the old tree's frontier (`m = old.size()`) and only the leaf hashes
/// appended after it (`n = m + new_leaves.len()`).
///
/// Every node of the proof lies either wholly within the old tree, and is
/// then one of the frontier's perfect subtrees, or wholly within the new
/// leaves; so a log that keeps frontiers proves consistency to a witness
/// without reading its older leaves.
pub fn consistency_proof_from_frontier(
    old: &Frontier,
    new_leaves: &[Hash],
) -> Result<Vec<Hash>, ProofError> {
    let old_size = old.size();
    let Some(new_size) = old_size.checked_add(tree_size(new_leaves)) else {
        return Err(ProofError::OldSizeTooLarge {
            old_size,
            new_size: tree_size(new_leaves),
        });
    };
    if old_size == 0 || old_size == new_size {
        return Ok(Vec::new());
    }
    let parts = FrontierProofParts { old, new_leaves };
    let mut proof = Vec::new();
    parts.collect_subproof(0, new_size, old_size, true, 0, &mut proof)?;
    Ok(proof)
}

/// What [`consistency_proof_from_frontier`] computes its proof from.
struct FrontierProofParts<'parts> {
    /// The old tree's frontier.
    old: &'parts Frontier,
    /// The leaf hashes appended after the old tree.
    new_leaves: &'parts [Hash],
}

impl FrontierProofParts<'_> {
    /// Appends `SUBPROOF(old_len, D[start:start+len], old_is_whole_subtree)`
    /// to `proof`, as [`collect_consistency_subproof`] does with all leaves.
    /// Every turn to the right passes a perfect subtree of the old tree, the
    /// next one of the frontier, whose index is `frontier_index`.
    fn collect_subproof(
        &self,
        start: u64,
        len: u64,
        old_len: u64,
        old_is_whole_subtree: bool,
        frontier_index: usize,
        proof: &mut Vec<Hash>,
    ) -> Result<(), ProofError> {
        if old_len == len {
            // The old tree's last perfect subtree, or the whole old tree.
            if !old_is_whole_subtree {
                proof.push(self.frontier_subtree(frontier_index)?);
            }
            return Ok(());
        }
        let split = split_point_u64(len);
        if old_len <= split {
            self.collect_subproof(
                start,
                split,
                old_len,
                old_is_whole_subtree,
                frontier_index,
                proof,
            )?;
            proof.push(self.new_subtree_root(start + split, len - split)?);
        } else {
            self.collect_subproof(
                start + split,
                len - split,
                old_len - split,
                false,
                frontier_index + 1,
                proof,
            )?;
            proof.push(self.frontier_subtree(frontier_index)?);
        }
        Ok(())
    }

    /// The root of the frontier's subtree at `index`, largest first.
    fn frontier_subtree(&self, index: usize) -> Result<Hash, ProofError> {
        self.old
            .subtrees()
            .get(index)
            .copied()
            .ok_or_else(|| self.shape_error())
    }

    /// The root of the new leaves `start .. start + len` (tree positions,
    /// all at or past the old size).
    fn new_subtree_root(&self, start: u64, len: u64) -> Result<Hash, ProofError> {
        let offset = start.checked_sub(self.old.size());
        let range = offset.and_then(|offset| {
            let first = usize::try_from(offset).ok()?;
            let count = usize::try_from(len).ok()?;
            self.new_leaves.get(first..first.checked_add(count)?)
        });
        match range {
            Some(leaves) if !leaves.is_empty() => Ok(subtree_root(leaves)),
            _ => Err(self.shape_error()),
        }
    }

    /// The error for a frontier that does not fit its size; unreachable for
    /// a frontier built by [`Frontier::push`] or [`Frontier::from_parts`].
    fn shape_error(&self) -> ProofError {
        ProofError::FrontierShape {
            size: self.old.size(),
            needed: self.old.size().count_ones(),
            found: self.old.subtrees().len(),
        }
    }
}

/// [`split_point`] on tree sizes: the largest power of two strictly below
/// `count`, which must be at least 2.
fn split_point_u64(count: u64) -> u64 {
    let below = count - 1;
    1 << (u64::BITS - 1 - below.leading_zeros())
}

/// The number of hashes in the consistency proof from a tree of `old_size`
/// leaves to one of `new_size`; `0 < old_size < new_size`.
fn consistency_proof_len(old_size: u64, new_size: u64) -> usize {
    // The proof is the inclusion proof of the old tree's last perfect subtree
    // root, taken at that subtree's level, plus that root itself unless the
    // old tree is one perfect subtree (whose root the verifier holds).
    let level = old_size.trailing_zeros();
    let index_at_level = (old_size - 1) >> level;
    let size_at_level = ((new_size - 1) >> level) + 1;
    let old_root_in_proof = usize::from(index_at_level != 0);
    inclusion_proof_len(index_at_level, size_at_level) + old_root_in_proof
}

/// Checks that the tree of `old_size` leaves with root `old_root` is a prefix
/// of the tree of `new_size` leaves with root `new_root`, given the
/// consistency proof (RFC 9162 section 2.1.4.2).
///
/// Sizes the RFC leaves out: equal sizes need an empty proof and equal roots;
/// an `old_size` of 0 needs an empty proof and `old_root` equal to
/// [`empty_root`], and then holds for any new tree.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::OldSizeTooLarge { old_size, new_size });
    }
    if old_size == 0 || old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::ConsistencyProofLength {
                found: proof.len(),
                needed: 0,
                old_size,
                new_size,
            });
        }
        if old_size == 0 {
            let empty = empty_root();
            if *old_root != empty {
                return Err(ProofError::OldRootMismatch {
                    computed: empty,
                    expected: *old_root,
                });
            }
            return Ok(());
        }
        if old_root != new_root {
            return Err(ProofError::RootMismatch {
                computed: *old_root,
                expected: *new_root,
            });
        }
        return Ok(());
    }
    let needed = consistency_proof_len(old_size, new_size);
    if proof.len() != needed {
        return Err(ProofError::ConsistencyProofLength {
            found: proof.len(),
            needed,
            old_size,
            new_size,
        });
    }
    // When the old tree is a perfect subtree of the new one, its root is the
    // first node of the path, and the proof leaves it out.
    let (first, rest) = if old_size.is_power_of_two() {
        (old_root, proof)
    } else {
        let Some(split) = proof.split_first() else {
            // Unreachable after the length check: such proofs are never empty.
            return Err(ProofError::ConsistencyProofLength {
                found: proof.len(),
                needed,
                old_size,
                new_size,
            });
        };
        split
    };
    let mut node_index = old_size - 1;
    let mut last_index = new_size - 1;
    while node_index & 1 == 1 {
        node_index >>= 1;
        last_index >>= 1;
    }
    let mut old_computed = *first;
    let mut new_computed = *first;
    for sibling in rest {
        if last_index == 0 {
            // Unreachable after the length check; kept as the RFC states it.
            return Err(ProofError::ConsistencyProofLength {
                found: proof.len(),
                needed,
                old_size,
                new_size,
            });
        }
        if node_index & 1 == 1 || node_index == last_index {
            old_computed = node_hash(sibling, &old_computed);
            new_computed = node_hash(sibling, &new_computed);
            while node_index & 1 == 0 && node_index != 0 {
                node_index >>= 1;
                last_index >>= 1;
            }
        } else {
            new_computed = node_hash(&new_computed, sibling);
        }
        node_index >>= 1;
        last_index >>= 1;
    }
    if old_computed != *old_root {
        return Err(ProofError::OldRootMismatch {
            computed: old_computed,
            expected: *old_root,
        });
    }
    if last_index != 0 || new_computed != *new_root {
        return Err(ProofError::RootMismatch {
            computed: new_computed,
            expected: *new_root,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(count: u64) -> Vec<Hash> {
        (0..count).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(root(&[]), empty_root());
        assert_eq!(Frontier::new().root(), empty_root());
    }

    #[test]
    fn split_point_is_largest_power_of_two_below() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(8), 4);
        assert_eq!(split_point(9), 8);
    }

    #[test]
    fn single_leaf_tree() {
        let only = leaves(1);
        assert_eq!(root(&only), only[0]);
        assert_eq!(inclusion_proof(&only, 0), Ok(Vec::new()));
        assert_eq!(verify_inclusion(&only[0], 0, 1, &[], &only[0]), Ok(()));
        assert_eq!(
            inclusion_proof(&only, 1),
            Err(ProofError::IndexOutOfRange { index: 1, size: 1 })
        );
    }

    #[test]
    fn empty_tree_has_no_inclusion_proofs() {
        assert_eq!(
            inclusion_proof(&[], 0),
            Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
        );
        assert_eq!(
            verify_inclusion(&empty_root(), 0, 0, &[], &empty_root()),
            Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
        );
    }

    #[test]
    fn proof_lengths_match_generated_proofs() {
        for size in 1..=40 {
            let tree = leaves(size);
            for index in 0..size {
                let proof = inclusion_proof(&tree, index).unwrap();
                assert_eq!(proof.len(), inclusion_proof_len(index, size));
            }
            for old_size in 1..size {
                let proof = consistency_proof(&tree, old_size).unwrap();
                assert_eq!(proof.len(), consistency_proof_len(old_size, size));
            }
        }
    }

    #[test]
    fn proof_lengths_at_u64_extremes() {
        assert_eq!(inclusion_proof_len(0, u64::MAX), 64);
        assert_eq!(inclusion_proof_len(u64::MAX - 1, u64::MAX), 63);
        assert_eq!(inclusion_proof_len(1 << 63, u64::MAX), 64);
        assert_eq!(consistency_proof_len(1, u64::MAX), 64);
        assert_eq!(consistency_proof_len(u64::MAX - 1, u64::MAX), 64);
        let leaf = leaf_hash(b"x");
        assert!(matches!(
            verify_inclusion(&leaf, u64::MAX - 1, u64::MAX, &[leaf; 63], &leaf),
            Err(ProofError::RootMismatch { .. })
        ));
    }

    #[test]
    fn consistency_edge_sizes() {
        let tree = leaves(5);
        let tree_root = root(&tree);
        assert_eq!(consistency_proof(&tree, 0), Ok(Vec::new()));
        assert_eq!(consistency_proof(&tree, 5), Ok(Vec::new()));
        assert_eq!(
            consistency_proof(&tree, 6),
            Err(ProofError::OldSizeTooLarge {
                old_size: 6,
                new_size: 5
            })
        );
        assert_eq!(
            verify_consistency(0, 5, &empty_root(), &tree_root, &[]),
            Ok(())
        );
        assert_eq!(
            verify_consistency(0, 0, &empty_root(), &empty_root(), &[]),
            Ok(())
        );
        assert!(matches!(
            verify_consistency(0, 5, &tree_root, &tree_root, &[]),
            Err(ProofError::OldRootMismatch { .. })
        ));
        assert!(matches!(
            verify_consistency(0, 5, &empty_root(), &tree_root, &[tree_root]),
            Err(ProofError::ConsistencyProofLength { needed: 0, .. })
        ));
        assert_eq!(
            verify_consistency(5, 5, &tree_root, &tree_root, &[]),
            Ok(())
        );
        assert!(matches!(
            verify_consistency(5, 5, &tree_root, &empty_root(), &[]),
            Err(ProofError::RootMismatch { .. })
        ));
        assert!(matches!(
            verify_consistency(5, 5, &tree_root, &tree_root, &[tree_root]),
            Err(ProofError::ConsistencyProofLength { .. })
        ));
        assert!(matches!(
            verify_consistency(6, 5, &tree_root, &tree_root, &[]),
            Err(ProofError::OldSizeTooLarge { .. })
        ));
    }

    #[test]
    fn every_proof_verifies_against_its_own_roots() {
        for size in 1..=33 {
            let tree = leaves(size);
            let tree_root = root(&tree);
            for index in 0..size {
                let proof = inclusion_proof(&tree, index).unwrap();
                assert_eq!(
                    verify_inclusion(&tree[index as usize], index, size, &proof, &tree_root),
                    Ok(()),
                    "inclusion of {index} in {size}"
                );
            }
            for old_size in 0..=size {
                let old_root = root(&tree[..old_size as usize]);
                let proof = consistency_proof(&tree, old_size).unwrap();
                assert_eq!(
                    verify_consistency(old_size, size, &old_root, &tree_root, &proof),
                    Ok(()),
                    "consistency from {old_size} to {size}"
                );
            }
        }
    }

    #[test]
    fn frontier_matches_root_and_round_trips() {
        let tree = leaves(70);
        let mut frontier = Frontier::new();
        for (count, leaf) in tree.iter().enumerate() {
            frontier.push(*leaf);
            let size = count as u64 + 1;
            assert_eq!(frontier.size(), size);
            assert_eq!(frontier.subtrees().len(), size.count_ones() as usize);
            assert_eq!(frontier.root(), root(&tree[..=count]));
            let rebuilt = Frontier::from_parts(size, frontier.subtrees().to_vec()).unwrap();
            assert_eq!(rebuilt, frontier);
        }
        assert_eq!(Frontier::from_leaves(&tree), frontier);
    }

    #[test]
    fn consistency_proof_from_frontier_equals_full_proof() {
        let tree = leaves(70);
        for new_size in 0..=70usize {
            let new_root = root(&tree[..new_size]);
            for old_size in 0..=new_size {
                let old = Frontier::from_leaves(&tree[..old_size]);
                let proof =
                    consistency_proof_from_frontier(&old, &tree[old_size..new_size]).unwrap();
                assert_eq!(
                    proof,
                    consistency_proof(&tree[..new_size], old_size as u64).unwrap(),
                    "from {old_size} to {new_size}"
                );
                assert_eq!(
                    verify_consistency(
                        old_size as u64,
                        new_size as u64,
                        &old.root(),
                        &new_root,
                        &proof
                    ),
                    Ok(()),
                    "from {old_size} to {new_size}"
                );
            }
        }
    }

    #[test]
    fn frontier_from_parts_rejects_wrong_shape() {
        assert_eq!(
            Frontier::from_parts(7, vec![empty_root(); 2]),
            Err(ProofError::FrontierShape {
                size: 7,
                needed: 3,
                found: 2
            })
        );
        assert_eq!(Frontier::from_parts(0, Vec::new()), Ok(Frontier::new()));
    }

    #[test]
    fn error_messages_say_what_is_wrong() {
        assert_eq!(
            ProofError::IndexOutOfRange { index: 9, size: 8 }.to_string(),
            "index 9 is outside a tree of 8 leaves"
        );
        let tree = leaves(8);
        let proof = inclusion_proof(&tree, 3).unwrap();
        let error = verify_inclusion(&tree[3], 3, 8, &proof[..2], &root(&tree)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "proof has 2 hashes, leaf 3 of a tree of 8 leaves needs 3"
        );
        let error = verify_inclusion(&tree[3], 3, 8, &proof, &empty_root()).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "computed root {} differs from expected root {}",
                hex::encode(root(&tree)),
                hex::encode(empty_root())
            )
        );
    }
}
