//! The Merkle tree against published RFC 6962 vectors, against ct-merkle as
//! an independent implementation, and against mutated proofs.

use ct_merkle::digest::{FixedOutput, HashMarker, Output, OutputSizeUser, Update, consts::U32};
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use proptest::prelude::*;
use vakt_schemas::merkle::{
    Frontier, Hash, ProofError, consistency_proof, empty_root, inclusion_proof, leaf_hash,
    node_hash, root, verify_consistency, verify_inclusion,
};

fn unhex(text: &str) -> Hash {
    let bytes = hex::decode(text).expect("test vector is hex");
    bytes.try_into().expect("test vector is 32 bytes")
}

// ---------------------------------------------------------------------------
// Published vectors.
//
// The eight leaves, node hashes, roots and compact ranges come from
// github.com/transparency-dev/merkle, testonly/constants.go (LeafInputs,
// NodeHashes, RootHashes, CompactTrees), the same data the Certificate
// Transparency code has used since its C++ merkle tree tests. The proofs come
// from the same repository, proof/verify_test.go (inclusionProofs,
// consistencyProofs; leaf numbers there are one-based).
// ---------------------------------------------------------------------------

const LEAF_INPUTS: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// Node hashes by level (0 = leaf hashes) and position within the level.
const NODE_HASHES: [&[&str]; 4] = [
    &[
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    &[
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    &[
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];

/// Roots of the trees of the first 0, 1, ..., 8 leaves.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// Compact ranges (frontiers) of the trees of 0..=8 leaves, as
/// (level, position) pairs into `NODE_HASHES`.
const COMPACT_TREES: [&[(usize, usize)]; 9] = [
    &[],
    &[(0, 0)],
    &[(1, 0)],
    &[(1, 0), (0, 2)],
    &[(2, 0)],
    &[(2, 0), (0, 4)],
    &[(2, 0), (1, 2)],
    &[(2, 0), (1, 2), (0, 6)],
    &[(3, 0)],
];

/// (zero-based leaf index, tree size, proof).
const INCLUSION_VECTORS: [(u64, u64, &[&str]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// (old size, new size, proof).
const CONSISTENCY_VECTORS: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn vector_leaf_hashes() -> Vec<Hash> {
    LEAF_INPUTS
        .iter()
        .map(|input| leaf_hash(&hex::decode(input).expect("leaf input is hex")))
        .collect()
}

fn unhex_all(hashes: &[&str]) -> Vec<Hash> {
    hashes.iter().map(|hash| unhex(hash)).collect()
}

#[test]
fn published_leaf_and_node_hashes() {
    let leaves = vector_leaf_hashes();
    assert_eq!(unhex_all(NODE_HASHES[0]), leaves);
    for level in 1..NODE_HASHES.len() {
        let below = unhex_all(NODE_HASHES[level - 1]);
        let expected = unhex_all(NODE_HASHES[level]);
        let computed: Vec<Hash> = below
            .chunks(2)
            .map(|pair| node_hash(&pair[0], &pair[1]))
            .collect();
        assert_eq!(computed, expected, "level {level}");
    }
}

#[test]
fn published_roots() {
    let leaves = vector_leaf_hashes();
    assert_eq!(unhex(ROOTS[0]), empty_root());
    for (size, expected) in ROOTS.iter().enumerate() {
        assert_eq!(root(&leaves[..size]), unhex(expected), "size {size}");
    }
}

#[test]
fn published_compact_ranges_are_frontiers() {
    let leaves = vector_leaf_hashes();
    for (size, nodes) in COMPACT_TREES.iter().enumerate() {
        let expected: Vec<Hash> = nodes
            .iter()
            .map(|&(level, position)| unhex(NODE_HASHES[level][position]))
            .collect();
        let frontier = Frontier::from_leaves(&leaves[..size]);
        assert_eq!(frontier.subtrees(), expected.as_slice(), "size {size}");
        assert_eq!(frontier.root(), unhex(ROOTS[size]), "size {size}");
        let rebuilt = Frontier::from_parts(size as u64, expected).expect("published shape");
        assert_eq!(rebuilt, frontier);
    }
}

#[test]
fn published_inclusion_proofs() {
    let leaves = vector_leaf_hashes();
    for &(index, size, proof) in &INCLUSION_VECTORS {
        let expected = unhex_all(proof);
        let tree = &leaves[..size as usize];
        assert_eq!(inclusion_proof(tree, index), Ok(expected.clone()));
        let tree_root = unhex(ROOTS[size as usize]);
        assert_eq!(
            verify_inclusion(&leaves[index as usize], index, size, &expected, &tree_root),
            Ok(())
        );
        assert_inclusion_mutations_rejected(
            &leaves[index as usize],
            index,
            size,
            &expected,
            &tree_root,
        );
    }
}

#[test]
fn published_consistency_proofs() {
    let leaves = vector_leaf_hashes();
    for &(old_size, new_size, proof) in &CONSISTENCY_VECTORS {
        let expected = unhex_all(proof);
        let tree = &leaves[..new_size as usize];
        assert_eq!(consistency_proof(tree, old_size), Ok(expected.clone()));
        let old_root = unhex(ROOTS[old_size as usize]);
        let new_root = unhex(ROOTS[new_size as usize]);
        assert_eq!(
            verify_consistency(old_size, new_size, &old_root, &new_root, &expected),
            Ok(())
        );
        assert_consistency_mutations_rejected(old_size, new_size, &old_root, &new_root, &expected);
    }
}

/// transparency-dev/merkle proof/verify_test.go, TestVerifyConsistency: the
/// sizes that are consistent with an empty proof.
#[test]
fn published_trivial_consistency_cases() {
    let some_root = leaf_hash(b"don't care");
    let other_root = leaf_hash(b"don't care either");
    assert_eq!(
        verify_consistency(1, 1, &some_root, &some_root, &[]),
        Ok(())
    );
    assert!(verify_consistency(1, 1, &some_root, &other_root, &[]).is_err());
    assert!(verify_consistency(1, 0, &some_root, &other_root, &[]).is_err());
    assert!(verify_consistency(2, 1, &some_root, &other_root, &[]).is_err());
    assert!(verify_consistency(1, 2, &some_root, &other_root, &[]).is_err());
    assert!(verify_consistency(1, 1, &empty_root(), &empty_root(), &[empty_root()]).is_err());
    // Unlike transparency-dev, an empty old tree must come with its real root.
    assert_eq!(
        verify_consistency(0, 1, &empty_root(), &some_root, &[]),
        Ok(())
    );
    assert!(verify_consistency(0, 1, &some_root, &other_root, &[]).is_err());
    assert!(verify_consistency(0, 1, &empty_root(), &some_root, &[empty_root()]).is_err());
}

// ---------------------------------------------------------------------------
// ct-merkle as an independent oracle.
//
// ct-merkle 0.3 is generic over a `digest` 0.11 hash and hashes leaf values
// itself (SHA-256(0x00 || bytes) for byte leaves), so it gets the leaf bytes
// and this crate gets their leaf hashes. The adapter below puts the crate's
// own sha2 0.10 behind digest 0.11's traits; only the tree logic is compared.
// ---------------------------------------------------------------------------

#[derive(Clone, Default)]
struct OracleSha256(sha2::Sha256);

impl HashMarker for OracleSha256 {}

impl OutputSizeUser for OracleSha256 {
    type OutputSize = U32;
}

impl Update for OracleSha256 {
    fn update(&mut self, data: &[u8]) {
        sha2::Digest::update(&mut self.0, data);
    }
}

impl FixedOutput for OracleSha256 {
    fn finalize_into(self, out: &mut Output<Self>) {
        out.copy_from_slice(&sha2::Digest::finalize(self.0));
    }
}

type OracleTree = MemoryBackedTree<OracleSha256, Vec<u8>>;

const ORACLE_MAX_SIZE: u64 = 70;

fn oracle_leaf_bytes(count: u64) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            format!("oracle leaf {i}")
                .repeat((i % 3) as usize)
                .into_bytes()
        })
        .collect()
}

fn to_digests(hashes: &[Hash]) -> Vec<Output<OracleSha256>> {
    hashes
        .iter()
        .map(|hash| Output::<OracleSha256>::from(*hash))
        .collect()
}

fn from_proof_bytes(bytes: &[u8]) -> Vec<Hash> {
    bytes
        .chunks(32)
        .map(|chunk| chunk.try_into().expect("proofs are whole hashes"))
        .collect()
}

#[test]
fn ct_merkle_oracle_agrees() {
    let leaf_bytes = oracle_leaf_bytes(ORACLE_MAX_SIZE);
    let leaves: Vec<Hash> = leaf_bytes.iter().map(|bytes| leaf_hash(bytes)).collect();
    let mut oracle = OracleTree::new();
    let mut oracle_roots: Vec<RootHash<OracleSha256>> = vec![oracle.root()];
    for size in 1..=ORACLE_MAX_SIZE {
        oracle.push(leaf_bytes[size as usize - 1].clone());
        let oracle_root = oracle.root();
        oracle_roots.push(oracle_root.clone());
        let tree = &leaves[..size as usize];
        let tree_root = root(tree);
        assert_eq!(
            tree_root.as_slice(),
            oracle_root.as_bytes().as_slice(),
            "root of {size}"
        );
        assert_eq!(Frontier::from_leaves(tree).root(), tree_root);

        for index in 0..size {
            let ours = inclusion_proof(tree, index).expect("index in range");
            let theirs = oracle.prove_inclusion(index as usize);
            assert_eq!(
                from_proof_bytes(theirs.as_bytes()),
                ours,
                "inclusion {index} of {size}"
            );
            let ours_for_oracle = InclusionProof::<OracleSha256>::from_digests(&to_digests(&ours));
            oracle_root
                .verify_inclusion(&leaf_bytes[index as usize], index, &ours_for_oracle)
                .unwrap_or_else(|error| {
                    panic!("oracle rejects inclusion {index} of {size}: {error}")
                });
            let theirs_hashes = from_proof_bytes(theirs.as_bytes());
            assert_eq!(
                verify_inclusion(
                    &tree[index as usize],
                    index,
                    size,
                    &theirs_hashes,
                    &tree_root
                ),
                Ok(()),
                "oracle inclusion {index} of {size}"
            );
        }

        for old_size in 1..=size {
            let ours = consistency_proof(tree, old_size).expect("old size in range");
            let theirs = oracle.prove_consistency((size - old_size) as usize);
            assert_eq!(
                from_proof_bytes(theirs.as_bytes()),
                ours,
                "consistency {old_size} to {size}"
            );
            let old_oracle_root = &oracle_roots[old_size as usize];
            let ours_for_oracle =
                ConsistencyProof::<OracleSha256>::from_digests(&to_digests(&ours));
            oracle_root
                .verify_consistency(old_oracle_root, &ours_for_oracle)
                .unwrap_or_else(|error| {
                    panic!("oracle rejects consistency {old_size} to {size}: {error}")
                });
            let old_root: Hash = old_oracle_root
                .as_bytes()
                .as_slice()
                .try_into()
                .expect("32-byte root");
            assert_eq!(
                verify_consistency(
                    old_size,
                    size,
                    &old_root,
                    &tree_root,
                    &from_proof_bytes(theirs.as_bytes())
                ),
                Ok(()),
                "oracle consistency {old_size} to {size}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Mutations: every damaged proof is rejected.
// ---------------------------------------------------------------------------

const MUTATION_MAX_SIZE: u64 = 40;

fn garbage() -> Hash {
    unhex("abacaba000000000000000000000000000000000000000000060061e00123456")
}

/// Every way of damaging one proof hash, one hash too few or too many, and
/// two hashes swapped.
fn mutated_proofs(proof: &[Hash], extra: &[Hash]) -> Vec<(String, Vec<Hash>)> {
    let mut mutations = Vec::new();
    for position in 0..proof.len() {
        for bit in [0, 3, 7, 100, 255] {
            let mut damaged = proof.to_vec();
            damaged[position][bit / 8] ^= 1 << (bit % 8);
            mutations.push((format!("hash {position} bit {bit} flipped"), damaged));
        }
        let mut dropped = proof.to_vec();
        dropped.remove(position);
        mutations.push((format!("hash {position} dropped"), dropped));
    }
    for added in extra.iter().chain([garbage(), empty_root()].iter()) {
        for position in 0..=proof.len() {
            let mut longer = proof.to_vec();
            longer.insert(position, *added);
            mutations.push((format!("hash added at {position}"), longer));
        }
    }
    for first in 0..proof.len() {
        for second in first + 1..proof.len() {
            if proof[first] == proof[second] {
                continue;
            }
            let mut swapped = proof.to_vec();
            swapped.swap(first, second);
            mutations.push((format!("hashes {first} and {second} swapped"), swapped));
        }
    }
    mutations
}

fn assert_inclusion_mutations_rejected(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    tree_root: &Hash,
) {
    for (what, damaged) in mutated_proofs(proof, &[*tree_root, *leaf]) {
        assert!(
            verify_inclusion(leaf, index, size, &damaged, tree_root).is_err(),
            "{what}: inclusion {index} of {size}"
        );
    }
    let wrong_indices = [
        index.wrapping_sub(1),
        index + 1,
        index ^ 1,
        index ^ 2,
        size,
        u64::MAX,
    ];
    for wrong_index in wrong_indices {
        if wrong_index == index {
            continue;
        }
        assert!(
            verify_inclusion(leaf, wrong_index, size, proof, tree_root).is_err(),
            "index {wrong_index}: inclusion {index} of {size}"
        );
    }
    // Only sizes that change the height are rejected: an RFC 6962 proof
    // does not commit to the size when a neighbouring size shapes the path
    // to the leaf the same way (ct-merkle documents the same).
    for wrong_size in [size * 2, size / 2, 0, u64::MAX] {
        if wrong_size == size {
            continue;
        }
        assert!(
            verify_inclusion(leaf, index, wrong_size, proof, tree_root).is_err(),
            "size {wrong_size}: inclusion {index} of {size}"
        );
    }
    for wrong_root in [empty_root(), garbage(), *leaf] {
        if wrong_root == *tree_root {
            continue;
        }
        assert!(
            verify_inclusion(leaf, index, size, proof, &wrong_root).is_err(),
            "wrong root: inclusion {index} of {size}"
        );
    }
    let wrong_leaf = leaf_hash(b"WrongLeaf");
    assert!(verify_inclusion(&wrong_leaf, index, size, proof, tree_root).is_err());
}

fn assert_consistency_mutations_rejected(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) {
    // A proof between equal sizes or from the empty tree is empty and the
    // roots carry everything; those cases are tested on their own.
    if proof.is_empty() {
        return;
    }
    for (what, damaged) in mutated_proofs(proof, &[*old_root, *new_root, proof[0]]) {
        assert!(
            verify_consistency(old_size, new_size, old_root, new_root, &damaged).is_err(),
            "{what}: consistency {old_size} to {new_size}"
        );
    }
    assert!(verify_consistency(old_size, new_size, old_root, new_root, &[]).is_err());
    let wrong_sizes = [
        (old_size - 1, new_size),
        (old_size + 1, new_size),
        (old_size ^ 2, new_size),
        (old_size, new_size * 2),
        (old_size, new_size / 2),
        (new_size, old_size),
        (0, new_size),
    ];
    for (wrong_old, wrong_new) in wrong_sizes {
        if (wrong_old, wrong_new) == (old_size, new_size) {
            continue;
        }
        assert!(
            verify_consistency(wrong_old, wrong_new, old_root, new_root, proof).is_err(),
            "sizes {wrong_old} to {wrong_new}: consistency {old_size} to {new_size}"
        );
    }
    let wrong_roots = [
        (garbage(), *new_root),
        (*old_root, garbage()),
        (*new_root, *old_root),
        (empty_root(), *new_root),
        (*old_root, empty_root()),
    ];
    for (wrong_old_root, wrong_new_root) in wrong_roots {
        assert!(
            verify_consistency(old_size, new_size, &wrong_old_root, &wrong_new_root, proof)
                .is_err(),
            "wrong roots: consistency {old_size} to {new_size}"
        );
    }
}

#[test]
fn every_mutated_inclusion_proof_is_rejected() {
    let leaves: Vec<Hash> = (0..MUTATION_MAX_SIZE)
        .map(|i| leaf_hash(format!("mutation leaf {i}").as_bytes()))
        .collect();
    for size in 1..=MUTATION_MAX_SIZE {
        let tree = &leaves[..size as usize];
        let tree_root = root(tree);
        for index in 0..size {
            let proof = inclusion_proof(tree, index).expect("index in range");
            assert_eq!(
                verify_inclusion(&tree[index as usize], index, size, &proof, &tree_root),
                Ok(())
            );
            assert_inclusion_mutations_rejected(
                &tree[index as usize],
                index,
                size,
                &proof,
                &tree_root,
            );
        }
    }
}

#[test]
fn every_mutated_consistency_proof_is_rejected() {
    let leaves: Vec<Hash> = (0..MUTATION_MAX_SIZE)
        .map(|i| leaf_hash(format!("mutation leaf {i}").as_bytes()))
        .collect();
    let roots: Vec<Hash> = (0..=MUTATION_MAX_SIZE as usize)
        .map(|size| root(&leaves[..size]))
        .collect();
    for new_size in 1..=MUTATION_MAX_SIZE {
        let tree = &leaves[..new_size as usize];
        for old_size in 1..new_size {
            let proof = consistency_proof(tree, old_size).expect("old size in range");
            let old_root = roots[old_size as usize];
            let new_root = roots[new_size as usize];
            assert_eq!(
                verify_consistency(old_size, new_size, &old_root, &new_root, &proof),
                Ok(())
            );
            assert_consistency_mutations_rejected(old_size, new_size, &old_root, &new_root, &proof);
        }
    }
}

#[test]
fn errors_name_the_problem() {
    let leaves = vector_leaf_hashes();
    let tree_root = root(&leaves);
    let proof = inclusion_proof(&leaves, 5).expect("index in range");
    assert_eq!(
        verify_inclusion(&leaves[5], 9, 8, &proof, &tree_root),
        Err(ProofError::IndexOutOfRange { index: 9, size: 8 })
    );
    let mut longer = proof.clone();
    longer.push(garbage());
    assert_eq!(
        verify_inclusion(&leaves[5], 5, 8, &longer, &tree_root),
        Err(ProofError::InclusionProofLength {
            found: 4,
            needed: 3,
            index: 5,
            size: 8
        })
    );
    let proof = consistency_proof(&leaves, 6).expect("old size in range");
    assert_eq!(
        verify_consistency(6, 8, &tree_root, &tree_root, &proof).map_err(|error| error.to_string()),
        Err(format!(
            "computed old root {} differs from expected old root {}",
            ROOTS[6], ROOTS[8]
        ))
    );
    assert_eq!(
        verify_consistency(6, 8, &unhex(ROOTS[6]), &tree_root, &proof[..2])
            .map_err(|error| error.to_string()),
        Err(
            "proof has 2 hashes, consistency from a tree of 6 leaves to one of 8 leaves needs 3"
                .to_string()
        )
    );
}

// ---------------------------------------------------------------------------
// Frontier properties.
// ---------------------------------------------------------------------------

proptest! {
    #[test]
    fn frontier_root_is_tree_root(leaves in prop::collection::vec(any::<[u8; 32]>(), 0..300)) {
        let mut frontier = Frontier::new();
        for leaf in &leaves {
            frontier.push(*leaf);
        }
        prop_assert_eq!(frontier.size(), leaves.len() as u64);
        prop_assert_eq!(frontier.root(), root(&leaves));
        let rebuilt = Frontier::from_parts(frontier.size(), frontier.subtrees().to_vec());
        prop_assert_eq!(rebuilt.as_ref(), Ok(&frontier));
    }

    #[test]
    fn frontier_resumes_from_parts(
        leaves in prop::collection::vec(any::<[u8; 32]>(), 0..200),
        cut in 0usize..200,
    ) {
        let cut = cut.min(leaves.len());
        let head = Frontier::from_leaves(&leaves[..cut]);
        let mut resumed = Frontier::from_parts(head.size(), head.subtrees().to_vec())
            .expect("parts of a real frontier");
        for leaf in &leaves[cut..] {
            resumed.push(*leaf);
        }
        prop_assert_eq!(&resumed, &Frontier::from_leaves(&leaves));
        prop_assert_eq!(resumed.root(), root(&leaves));
    }

    #[test]
    fn from_parts_rejects_wrong_counts(size in any::<u64>(), extra in 1usize..3) {
        let needed = size.count_ones() as usize;
        let too_many = vec![empty_root(); needed + extra];
        prop_assert!(Frontier::from_parts(size, too_many).is_err());
        if needed >= extra {
            let too_few = vec![empty_root(); needed - extra];
            prop_assert!(Frontier::from_parts(size, too_few).is_err());
        }
    }
}
