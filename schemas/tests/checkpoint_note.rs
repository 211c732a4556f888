//! Signed checkpoints against published signed-note vectors, a real signed
//! tree head of the Go checksum database, and damaged notes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::SigningKey;
use rand::SeedableRng;
use rand::rngs::StdRng;
use vakt_schemas::checkpoint::{
    Checkpoint, CheckpointError, NoteSigner, NoteVerifier, split_notes,
};
use vakt_schemas::merkle::{Hash, leaf_hash, root};

// ---------------------------------------------------------------------------
// Published vectors of golang.org/x/mod/sumdb/note, from
// github.com/golang/mod, sumdb/note/note_test.go (TestNewVerifier, TestSign,
// TestOpen).
// ---------------------------------------------------------------------------

const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const PUBLISHED_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                              then you don't know what your problem is.\n";
const PETER_SIGNATURE_LINE: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIGNATURE_LINE: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn peter_note() -> String {
    format!("{PUBLISHED_TEXT}\n{PETER_SIGNATURE_LINE}")
}

fn peter_signer() -> NoteSigner {
    // A Go note signer key: PRIVATE+KEY+<name>+<key id>+base64(0x01 || seed).
    // The base64 field may itself hold '+', so split off the first four.
    let encoded = PETER_SKEY
        .splitn(5, '+')
        .nth(4)
        .expect("key has five fields");
    let decoded = BASE64.decode(encoded).expect("published key is base64");
    assert_eq!(decoded[0], 0x01);
    let seed: [u8; 32] = decoded[1..].try_into().expect("32-byte seed");
    NoteSigner::new("PeterNeumann", SigningKey::from_bytes(&seed)).expect("valid name")
}

#[test]
fn published_verifier_keys_parse_and_round_trip() {
    let peter = NoteVerifier::parse(PETER_VKEY).expect("published key");
    assert_eq!(peter.name(), "PeterNeumann");
    assert_eq!(peter.key_id(), [0xc7, 0x4f, 0x20, 0xa3]);
    assert_eq!(peter.to_vkey(), PETER_VKEY);
    let enoch = NoteVerifier::parse(ENOCH_VKEY).expect("published key");
    assert_eq!(enoch.key_id(), [0xaf, 0x0c, 0xfe, 0x78]);
    assert_eq!(enoch.to_vkey(), ENOCH_VKEY);
    assert!(peter.fingerprint().starts_with("SHA256:"));
    assert_eq!(peter.fingerprint().len(), "SHA256:".len() + 64);
    assert_ne!(peter.fingerprint(), enoch.fingerprint());
}

#[test]
fn published_verifier_key_manglings_are_rejected() {
    let bytes = PETER_VKEY.as_bytes();
    for start in 0..=bytes.len() {
        for end in start + 1..=bytes.len() {
            if start == 0 && end == bytes.len() {
                continue;
            }
            let piece = &PETER_VKEY[start..end];
            assert!(NoteVerifier::parse(piece).is_err(), "{piece:?}");
        }
    }
    for position in 0..bytes.len() {
        let mut mangled = bytes.to_vec();
        mangled[position] += 1;
        let mangled = String::from_utf8(mangled).expect("still ascii");
        assert!(NoteVerifier::parse(&mangled).is_err(), "{mangled:?}");
    }
    // Wrong key length and unknown algorithm, each with a matching key id.
    assert!(matches!(
        NoteVerifier::parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        ),
        Err(CheckpointError::MalformedVerifierKey { .. })
    ));
    assert_eq!(
        NoteVerifier::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(CheckpointError::UnsupportedAlgorithm { algorithm: 0x65 })
    );
    assert_eq!(
        NoteVerifier::parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(CheckpointError::KeyIdMismatch {
            name: "PeterNeumann".to_string(),
            stated: "c74f20a4".to_string(),
            computed: "c74f20a3".to_string(),
        })
    );
}

#[test]
fn published_signature_is_reproduced_byte_for_byte() {
    let signer = peter_signer();
    assert_eq!(signer.verifier().to_vkey(), PETER_VKEY);
    assert_eq!(signer.sign_text(PUBLISHED_TEXT), Ok(peter_note()));
    assert_eq!(
        signer.sign_text("abc"),
        Err(CheckpointError::MissingFinalNewline)
    );
}

#[test]
fn published_notes_verify() {
    let peter = NoteVerifier::parse(PETER_VKEY).expect("published key");
    let enoch = NoteVerifier::parse(ENOCH_VKEY).expect("published key");
    assert_eq!(peter.verify_text(&peter_note()), Ok(PUBLISHED_TEXT));
    let both = format!("{PUBLISHED_TEXT}\n{PETER_SIGNATURE_LINE}{ENOCH_SIGNATURE_LINE}");
    assert_eq!(peter.verify_text(&both), Ok(PUBLISHED_TEXT));
    assert_eq!(enoch.verify_text(&both), Ok(PUBLISHED_TEXT));
    let only_enoch = format!("{PUBLISHED_TEXT}\n{ENOCH_SIGNATURE_LINE}");
    assert!(matches!(
        peter.verify_text(&only_enoch),
        Err(CheckpointError::NoSignatureByKey { .. })
    ));
    // Repeated lines are fine.
    let repeated = format!(
        "{PUBLISHED_TEXT}\n{PETER_SIGNATURE_LINE}{PETER_SIGNATURE_LINE}{ENOCH_SIGNATURE_LINE}"
    );
    assert_eq!(peter.verify_text(&repeated), Ok(PUBLISHED_TEXT));
    // The text is not a checkpoint.
    assert_eq!(
        peter.verify(&peter_note()),
        Err(CheckpointError::TooFewLines { found: 2 })
    );
}

#[test]
fn published_bad_notes_are_rejected() {
    let peter = NoteVerifier::parse(PETER_VKEY).expect("published key");
    let note = peter_note();
    let damaged_signature = format!(
        "{PUBLISHED_TEXT}\n{}ABCD{}",
        &PETER_SIGNATURE_LINE[..60],
        &PETER_SIGNATURE_LINE[60..]
    );
    assert_eq!(
        peter.verify_text(&damaged_signature),
        Err(CheckpointError::InvalidSignature {
            name: "PeterNeumann".to_string(),
            key_id: "c74f20a3".to_string(),
        })
    );
    let too_many = format!("{PUBLISHED_TEXT}\n{}", PETER_SIGNATURE_LINE.repeat(101));
    assert_eq!(
        peter.verify_text(&too_many),
        Err(CheckpointError::TooManySignatures {
            count: 101,
            max: 100
        })
    );
    let bad_messages = [
        PUBLISHED_TEXT.to_string(),
        format!("{PUBLISHED_TEXT}\n"),
        format!(
            "{PUBLISHED_TEXT}\n{}",
            PETER_SIGNATURE_LINE.trim_end_matches('\n')
        ),
        format!("\u{1}{note}"),
        format!(
            "{PUBLISHED_TEXT}\n\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
        ),
        format!("{note}Unexpected line.\n"),
    ];
    for message in &bad_messages {
        assert!(peter.verify_text(message).is_err(), "{message:?}");
    }
    let misnamed = note.replace("PeterNeumann", "CarmenSandiego");
    assert!(matches!(
        peter.verify_text(&misnamed),
        Err(CheckpointError::NoSignatureByKey { .. })
    ));
    let wrong_key_id = note.replace("x08g", "xxxx");
    assert!(matches!(
        peter.verify_text(&wrong_key_id),
        Err(CheckpointError::NoSignatureByKey { .. })
    ));
}

// ---------------------------------------------------------------------------
// A real checkpoint: a signed tree head of the Go checksum database, as
// served by https://sum.golang.org/lookup and quoted in github.com/sigsum/sigsum,
// proposals/2026-01-22-tags-releases-non-releases.md. Its verifier key is the
// one built into the go command (golang/go, src/cmd/go/internal/modfetch/key.go).
// ---------------------------------------------------------------------------

const SUMDB_VKEY: &str = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
const SUMDB_TREE_NOTE: &str = "go.sum database tree\n\
                               49189689\n\
                               ftjbAOzaupaIvaPo/G+Dk63nxOZ2s1OPOKIaPtXs7S4=\n\
                               \n\
                               \u{2014} sum.golang.org Az3grlKZssqRoMNPpZfKt0TphbbcF+pzXqElURJKRNFKfaUAgqeI5k2AORH0QAhg/ebRwyIqD/OqP4oLtLnNumvOBAM=\n";

#[test]
fn go_checksum_database_tree_head_verifies() {
    let verifier = NoteVerifier::parse(SUMDB_VKEY).expect("published key");
    assert_eq!(verifier.key_id(), [0x03, 0x3d, 0xe0, 0xae]);
    let checkpoint = verifier
        .verify(SUMDB_TREE_NOTE)
        .expect("real signed tree head");
    assert_eq!(checkpoint.origin, "go.sum database tree");
    assert_eq!(checkpoint.size, 49_189_689);
    assert_eq!(
        BASE64.encode(checkpoint.root),
        "ftjbAOzaupaIvaPo/G+Dk63nxOZ2s1OPOKIaPtXs7S4="
    );
    assert!(checkpoint.extensions.is_empty());
    let grown = SUMDB_TREE_NOTE.replace("49189689", "49189690");
    assert!(matches!(
        verifier.verify(&grown),
        Err(CheckpointError::InvalidSignature { .. })
    ));
}

/// The example of c2sp.org/tlog-checkpoint (github.com/C2SP/C2SP,
/// tlog-checkpoint.md). No key is published for it, so only its shape is
/// checked.
#[test]
fn c2sp_checkpoint_example_parses() {
    let note = "example.com/behind-the-sofa\n\
                20852163\n\
                CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\
                \n\
                \u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
    let notes = split_notes(note);
    assert_eq!(notes, vec![note.to_string()]);
    let body = &note[..note.find("\n\n").expect("separator") + 1];
    let checkpoint = Checkpoint::parse_body(body).expect("spec example");
    assert_eq!(checkpoint.origin, "example.com/behind-the-sofa");
    assert_eq!(checkpoint.size, 20_852_163);
    assert_eq!(checkpoint.body(), body);
    let stranger = test_signer("example.com/behind-the-sofa", 1).verifier();
    assert!(matches!(
        stranger.verify(note),
        Err(CheckpointError::NoSignatureByKey { .. })
    ));
}

// ---------------------------------------------------------------------------
// Round trips and damage.
// ---------------------------------------------------------------------------

fn test_signer(name: &str, seed: u64) -> NoteSigner {
    let mut rng = StdRng::seed_from_u64(seed);
    NoteSigner::new(name, SigningKey::generate(&mut rng)).expect("valid name")
}

fn test_checkpoint(size: u64) -> Checkpoint {
    let leaves: Vec<Hash> = (0..size).map(|i| leaf_hash(&i.to_le_bytes())).collect();
    Checkpoint {
        origin: "vakt.example/store/firewall".to_string(),
        size,
        root: root(&leaves),
        extensions: Vec::new(),
    }
}

#[test]
fn sign_and_verify_round_trip() {
    let signer = test_signer("vakt.example/store", 1);
    let verifier = NoteVerifier::parse(&signer.verifier().to_vkey()).expect("own key");
    assert_eq!(verifier, signer.verifier());
    for size in [0, 1, 2, 7, 1_000_000, u64::MAX] {
        let checkpoint = test_checkpoint(size.min(9));
        let checkpoint = Checkpoint { size, ..checkpoint };
        let note = signer.sign(&checkpoint);
        assert!(note.starts_with(&checkpoint.body()));
        assert!(note.contains("\n\n\u{2014} vakt.example/store "));
        assert_eq!(verifier.verify(&note), Ok(checkpoint.clone()));
        assert_eq!(signer.try_sign(&checkpoint), Ok(note));
    }
    let with_extensions = Checkpoint {
        extensions: vec!["first extension".to_string(), "second".to_string()],
        ..test_checkpoint(5)
    };
    let note = signer.sign(&with_extensions);
    assert_eq!(verifier.verify(&note), Ok(with_extensions));
}

#[test]
fn other_signers_lines_are_ignored() {
    let store = test_signer("vakt.example/store", 1);
    let witness = test_signer("witness.example/w1", 2);
    let checkpoint = test_checkpoint(5);
    let note = store.sign(&checkpoint);
    let witness_note = witness.sign(&checkpoint);
    let witness_line = &witness_note[witness_note.rfind("\n\n").expect("separator") + 2..];
    let cosigned = format!("{note}{witness_line}");
    assert_eq!(store.verifier().verify(&cosigned), Ok(checkpoint.clone()));
    assert_eq!(witness.verifier().verify(&cosigned), Ok(checkpoint.clone()));
    let witness_first = format!(
        "{}{witness_line}{}",
        &note[..note.rfind("\n\n").expect("separator") + 2],
        &note[note.rfind("\n\n").expect("separator") + 2..]
    );
    assert_eq!(store.verifier().verify(&witness_first), Ok(checkpoint));
}

fn signature_line_parts(note: &str) -> (&str, &str, Vec<u8>) {
    let separator = note.rfind("\n\n").expect("separator");
    let body = &note[..=separator];
    let line = note[separator + 2..].trim_end_matches('\n');
    let (prefix, encoded) = line.rsplit_once(' ').expect("signature line");
    (
        body,
        prefix,
        BASE64.decode(encoded).expect("base64 signature"),
    )
}

#[test]
fn every_damaged_note_is_rejected() {
    let signer = test_signer("vakt.example/store", 1);
    let verifier = signer.verifier();
    let checkpoint = Checkpoint {
        extensions: vec!["ext".to_string()],
        ..test_checkpoint(9)
    };
    let note = signer.sign(&checkpoint);
    assert_eq!(verifier.verify(&note), Ok(checkpoint.clone()));
    let (body, prefix, signature) = signature_line_parts(&note);
    let signature_line = &note[body.len() + 1..];

    // Every body byte changed (the body is ASCII).
    for position in 0..body.len() {
        for replacement in [b'x', b'0', b'\n', b' '] {
            let mut damaged = body.as_bytes().to_vec();
            if damaged[position] == replacement {
                continue;
            }
            damaged[position] = replacement;
            let damaged_body = String::from_utf8(damaged).expect("ascii");
            let damaged_note = format!("{damaged_body}\n{signature_line}");
            assert!(
                verifier.verify(&damaged_note).is_err(),
                "body byte {position} set to {replacement}"
            );
        }
    }

    // Size and root changed, signature kept.
    for other in [
        Checkpoint {
            size: checkpoint.size + 1,
            ..checkpoint.clone()
        },
        Checkpoint {
            size: checkpoint.size - 1,
            ..checkpoint.clone()
        },
        Checkpoint {
            root: test_checkpoint(10).root,
            ..checkpoint.clone()
        },
        Checkpoint {
            origin: "vakt.example/store/registry".to_string(),
            ..checkpoint.clone()
        },
        Checkpoint {
            extensions: Vec::new(),
            ..checkpoint.clone()
        },
    ] {
        let forged = format!("{}\n{signature_line}", other.body());
        assert!(matches!(
            verifier.verify(&forged),
            Err(CheckpointError::InvalidSignature { .. })
        ));
    }

    // Every signature bit flipped: key id bytes make the line another key's,
    // signature bytes make it invalid.
    for position in 0..signature.len() {
        for bit in [0, 5] {
            let mut damaged = signature.clone();
            damaged[position] ^= 1 << bit;
            let damaged_note = format!("{body}\n{prefix} {}\n", BASE64.encode(&damaged));
            let result = verifier.verify(&damaged_note);
            if position < 4 {
                assert!(matches!(
                    result,
                    Err(CheckpointError::NoSignatureByKey { .. })
                ));
            } else {
                assert!(matches!(
                    result,
                    Err(CheckpointError::InvalidSignature { .. })
                ));
            }
        }
    }
    // Truncated and extended signatures.
    for damaged in [
        &signature[..67],
        &signature[..4],
        &[signature.as_slice(), &[0]].concat(),
    ] {
        let damaged_note = format!("{body}\n{prefix} {}\n", BASE64.encode(damaged));
        assert!(verifier.verify(&damaged_note).is_err());
    }

    // Wrong key, same name; right key, wrong name.
    let impostor = test_signer("vakt.example/store", 2).verifier();
    assert!(matches!(
        impostor.verify(&note),
        Err(CheckpointError::NoSignatureByKey { .. })
    ));
    let renamed = NoteVerifier::from_key("vakt.example/other", *verifier.verifying_key())
        .expect("valid name");
    assert!(matches!(
        renamed.verify(&note),
        Err(CheckpointError::NoSignatureByKey { .. })
    ));
    // The signature line renamed: the key id no longer matches the name.
    let relabelled = note.replace(
        "\u{2014} vakt.example/store ",
        "\u{2014} vakt.example/other ",
    );
    assert!(renamed.verify(&relabelled).is_err());
    assert!(verifier.verify(&relabelled).is_err());
    // A verifier key with a wrong key id does not parse.
    let vkey = verifier.to_vkey();
    let mut fields: Vec<&str> = vkey.splitn(3, '+').collect();
    fields[1] = "00000000";
    assert!(matches!(
        NoteVerifier::parse(&fields.join("+")),
        Err(CheckpointError::KeyIdMismatch { .. })
    ));

    // Structure.
    let no_blank_line = format!("{body}{signature_line}");
    assert_eq!(
        verifier.verify(&no_blank_line),
        Err(CheckpointError::MissingSignatureSeparator)
    );
    let crlf = note.replace('\n', "\r\n");
    assert!(matches!(
        verifier.verify(&crlf),
        Err(CheckpointError::ControlCharacter { code: 0x0d, .. })
    ));
    let tab = note.replacen("ext", "e\tt", 1);
    assert!(matches!(
        verifier.verify(&tab),
        Err(CheckpointError::ControlCharacter { code: 0x09, .. })
    ));
    assert!(matches!(
        verifier.verify(&format!("{note}garbage\n")),
        Err(CheckpointError::MalformedSignatureLine { line: 7, .. })
    ));
    assert_eq!(
        verifier.verify(&format!("{note}garbage")),
        Err(CheckpointError::MissingFinalNewline)
    );
    assert_eq!(
        verifier.verify(&format!("{note}\n")),
        Err(CheckpointError::NoSignatureLines)
    );
    assert_eq!(
        verifier.verify(note.trim_end_matches('\n')),
        Err(CheckpointError::MissingFinalNewline)
    );
    let hyphen = note.replace('\u{2014}', "-");
    assert!(matches!(
        verifier.verify(&hyphen),
        Err(CheckpointError::MalformedSignatureLine { .. })
    ));
    let no_space = note.replace("\u{2014} ", "\u{2014}");
    assert!(verifier.verify(&no_space).is_err());
    let two_spaces = note.replace("store ", "store  ");
    assert!(verifier.verify(&two_spaces).is_err());
    let leading_blank = format!("\n{note}");
    assert!(verifier.verify(&leading_blank).is_err());
    assert!(verifier.verify("").is_err());
    assert!(verifier.verify("\n\n").is_err());
}

#[test]
fn blank_lines_inside_a_checkpoint_are_rejected_even_when_signed() {
    let signer = test_signer("vakt.example/store", 1);
    let body = test_checkpoint(3).body();
    let with_blank_extension = format!("{body}\nafter blank\n");
    let note = signer
        .sign_text(&with_blank_extension)
        .expect("valid note text");
    // The signed-note layer accepts blank lines inside a text ...
    assert_eq!(
        signer.verifier().verify_text(&note),
        Ok(with_blank_extension.as_str())
    );
    // ... but a checkpoint has none.
    assert_eq!(
        signer.verifier().verify(&note),
        Err(CheckpointError::EmptyExtension { index: 1 })
    );
    let with_blank_first = format!("\n{body}");
    let note = signer
        .sign_text(&with_blank_first)
        .expect("valid note text");
    assert_eq!(
        signer.verifier().verify(&note),
        Err(CheckpointError::EmptyOrigin)
    );
}

#[test]
fn parse_body_rejects_malformed_checkpoints() {
    let root_line = BASE64.encode([5u8; 32]);
    let bad_bodies = [
        String::new(),
        "origin\n".to_string(),
        "origin\n5\n".to_string(),
        format!("origin\n5\n{root_line}"),
        format!("\n5\n{root_line}\n"),
        format!("origin\n05\n{root_line}\n"),
        format!("origin\n-5\n{root_line}\n"),
        format!("origin\n5\n{}\n", BASE64.encode([5u8; 31])),
        format!("origin\n5\n{root_line}\n\n"),
        format!("origin\r\n5\n{root_line}\n"),
        format!("origin\n5\n{root_line}\next\n\nmore\n"),
    ];
    for body in &bad_bodies {
        assert!(Checkpoint::parse_body(body).is_err(), "{body:?}");
    }
    let good = format!("origin with spaces\n0\n{root_line}\n");
    assert_eq!(
        Checkpoint::parse_body(&good),
        Ok(Checkpoint {
            origin: "origin with spaces".to_string(),
            size: 0,
            root: [5; 32],
            extensions: Vec::new(),
        })
    );
}

#[test]
fn invalid_key_names_are_refused() {
    let key = SigningKey::from_bytes(&[3; 32]);
    for name in ["", "two words", "plus+sign", "tab\tname", "new\nline"] {
        assert_eq!(
            NoteSigner::new(name, key.clone()).map(|signer| signer.name().to_string()),
            Err(CheckpointError::InvalidKeyName {
                name: name.to_string()
            })
        );
    }
}

#[test]
fn split_notes_separates_concatenated_notes() {
    let store = test_signer("vakt.example/store", 1);
    let witness = test_signer("witness.example/w1", 2);
    let notes: Vec<String> = (1..=3)
        .map(|size| {
            let checkpoint = test_checkpoint(size);
            let note = store.sign(&checkpoint);
            if size == 2 {
                let witness_note = witness.sign(&checkpoint);
                let witness_line =
                    &witness_note[witness_note.rfind("\n\n").expect("separator") + 2..];
                return format!("{note}{witness_line}");
            }
            note
        })
        .collect();

    for separator in ["\n", "\n\n\n"] {
        let joined = notes.join(separator);
        assert_eq!(split_notes(&joined), notes, "separator {separator:?}");
    }
    let with_leading_blank_lines = format!("\n\n{}\n", notes.join("\n"));
    assert_eq!(split_notes(&with_leading_blank_lines), notes);
    let directly_adjacent = notes.concat();
    assert_eq!(split_notes(&directly_adjacent), notes);

    let verifier = store.verifier();
    for (position, note) in split_notes(&notes.join("\n")).iter().enumerate() {
        let checkpoint = verifier.verify(note).expect("each piece verifies");
        assert_eq!(checkpoint, test_checkpoint(position as u64 + 1));
    }
    assert!(split_notes("").is_empty());
    assert!(split_notes("\n\n").is_empty());
    // A torn last note is kept whole for verification to reject.
    let torn = format!("{}\n{}", notes[0], &notes[1][..20]);
    let pieces = split_notes(&torn);
    assert_eq!(pieces.len(), 2);
    assert_eq!(pieces[0], notes[0]);
    assert!(verifier.verify(&pieces[1]).is_err());
}
