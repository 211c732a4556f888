use super::*;
use crate::checkpoint::{NoteSigner, NoteVerifier};

const TIMESTAMP: u64 = 1_700_000_000;

fn log_signer() -> NoteSigner {
    NoteSigner::new("vakt-0123456789abcdef", SigningKey::from_bytes(&[7; 32])).unwrap()
}

fn cosigner() -> CosignatureSigner {
    CosignatureSigner::new("witness.example/w1", SigningKey::from_bytes(&[9; 32])).unwrap()
}

fn checkpoint() -> Checkpoint {
    Checkpoint {
        origin: "vakt/0123456789abcdef/firewall".to_string(),
        size: 42,
        root: [0xab; 32],
        extensions: vec![format!("manifest {}", "cd".repeat(32))],
    }
}

/// The log's signed note with the cosigner's line appended, and that line.
fn cosigned_note() -> (String, String) {
    let note = log_signer().sign(&checkpoint());
    let line = cosigner().cosign(&checkpoint().body(), TIMESTAMP).unwrap();
    (add_signature_lines(&note, &line).unwrap(), line)
}

#[test]
fn round_trip() {
    let (note, line) = cosigned_note();
    let verifier = cosigner().verifier();
    let expected = Cosignature {
        timestamp: TIMESTAMP,
        line: line.clone(),
    };
    assert_eq!(verifier.verify(&note), Ok(expected.clone()));
    assert_eq!(
        verifier.verify_line(&checkpoint().body(), &line),
        Ok(expected)
    );
    assert_eq!(
        CosignatureVerifier::parse(&verifier.to_vkey()),
        Ok(verifier)
    );
    // The log's signature still verifies with the cosignature on the note.
    assert_eq!(log_signer().verifier().verify(&note), Ok(checkpoint()));
}

#[test]
fn line_layout() {
    let line = cosigner().cosign(&checkpoint().body(), TIMESTAMP).unwrap();
    let encoded = line
        .strip_prefix("\u{2014} witness.example/w1 ")
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap();
    let blob = TimestampedSignature::parse_base64(encoded).unwrap();
    assert_eq!(blob.key_id, cosigner().verifier().key_id());
    assert_eq!(blob.timestamp, TIMESTAMP);
    let message = format!("cosignature/v1\ntime {TIMESTAMP}\n{}", checkpoint().body());
    let signature = Signature::from_bytes(&blob.signature);
    assert!(
        cosigner()
            .verifier()
            .verifying_key()
            .verify_strict(message.as_bytes(), &signature)
            .is_ok()
    );
}

#[test]
fn every_mutated_byte_of_the_line_is_rejected() {
    let (note, line) = cosigned_note();
    let log_note = note.strip_suffix(line.as_str()).unwrap();
    let verifier = cosigner().verifier();
    let body = checkpoint().body();
    let line_bytes = line.trim_end_matches('\n').as_bytes();
    for position in 0..line_bytes.len() {
        let original = line_bytes[position];
        let base64_other = if original == b'A' { b'B' } else { b'A' };
        for replacement in [original ^ 0x01, base64_other] {
            let mut mutated = line_bytes.to_vec();
            mutated[position] = replacement;
            let Ok(mutated) = String::from_utf8(mutated) else {
                continue;
            };
            if mutated.as_bytes() == line_bytes {
                continue;
            }
            let mutated_line = format!("{mutated}\n");
            assert!(
                verifier.verify_line(&body, &mutated_line).is_err(),
                "byte {position} set to {replacement:#04x}: {mutated_line:?}"
            );
            let mutated_note = format!("{log_note}{mutated_line}");
            assert!(
                verifier.verify(&mutated_note).is_err(),
                "byte {position} set to {replacement:#04x} on the note"
            );
        }
    }
}

#[test]
fn changed_body_or_extension_is_rejected() {
    let (_, line) = cosigned_note();
    let verifier = cosigner().verifier();
    let mut other_root = checkpoint();
    other_root.root[0] ^= 1;
    let mut other_size = checkpoint();
    other_size.size += 1;
    let mut other_extension = checkpoint();
    other_extension.extensions[0].push('0');
    let mut no_extension = checkpoint();
    no_extension.extensions.clear();
    for changed in [other_root, other_size, other_extension, no_extension] {
        assert_eq!(
            verifier.verify_line(&changed.body(), &line),
            Err(CosignatureError::InvalidCosignature {
                name: "witness.example/w1".to_string(),
                key_id: hex::encode(verifier.key_id()),
            }),
            "{changed:?}"
        );
    }
}

#[test]
fn wrong_timestamp_is_rejected() {
    let (_, line) = cosigned_note();
    let verifier = cosigner().verifier();
    let encoded = line
        .trim_end_matches('\n')
        .rsplit_once(' ')
        .map(|(_, encoded)| encoded)
        .unwrap();
    let mut blob = TimestampedSignature::parse_base64(encoded).unwrap();
    blob.timestamp += 1;
    let shifted = format!("\u{2014} witness.example/w1 {}\n", blob.to_base64());
    assert!(matches!(
        verifier.verify_line(&checkpoint().body(), &shifted),
        Err(CosignatureError::InvalidCosignature { .. })
    ));
    blob.timestamp = MAX_TIMESTAMP + 1;
    let too_large = format!("\u{2014} witness.example/w1 {}\n", blob.to_base64());
    assert_eq!(
        verifier.verify_line(&checkpoint().body(), &too_large),
        Err(CosignatureError::TimestampTooLarge {
            timestamp: MAX_TIMESTAMP + 1
        })
    );
    assert_eq!(
        cosigner().cosign(&checkpoint().body(), MAX_TIMESTAMP + 1),
        Err(CosignatureError::TimestampTooLarge {
            timestamp: MAX_TIMESTAMP + 1
        })
    );
    assert!(
        cosigner()
            .cosign(&checkpoint().body(), MAX_TIMESTAMP)
            .is_ok()
    );
}

#[test]
fn note_key_is_not_a_cosigner_key() {
    let note_vkey = log_signer().verifier().to_vkey();
    let error = CosignatureVerifier::parse(&note_vkey).unwrap_err();
    assert_eq!(
        error,
        CosignatureError::NotCosignatureKey {
            vkey: note_vkey,
            algorithm: 0x01
        }
    );
    assert!(error.to_string().contains("0x01"), "{error}");
    // And the other way: a cosigner key is not a signed-note key, and a
    // cosignature does not pass for a note signature by the same key.
    let cosigner_vkey = cosigner().verifier().to_vkey();
    assert!(NoteVerifier::parse(&cosigner_vkey).is_err());
    let same_key =
        NoteVerifier::from_key(cosigner().name(), *cosigner().verifier().verifying_key()).unwrap();
    let (note, _) = cosigned_note();
    assert!(matches!(
        same_key.verify(&note),
        Err(CheckpointError::NoSignatureByKey { .. })
    ));
}

#[test]
fn verifier_key_errors() {
    let vkey = cosigner().verifier().to_vkey();
    let (name, rest) = vkey.split_once('+').unwrap();
    let (_, key) = rest.split_once('+').unwrap();
    assert!(matches!(
        CosignatureVerifier::parse(&format!("{name}+00000000+{key}")),
        Err(CosignatureError::KeyIdMismatch { .. })
    ));
    for malformed in [
        "witness.example/w1".to_string(),
        format!("{name}+zz+{key}"),
        format!("{name}+{}", key),
        format!("{name}+12345678+BAAA"),
        format!("{name}+12345678+{}", BASE64.encode([0x04; 34])),
    ] {
        assert!(
            matches!(
                CosignatureVerifier::parse(&malformed),
                Err(CosignatureError::MalformedVerifierKey { .. })
            ),
            "{malformed}"
        );
    }
}

#[test]
fn published_verifier_key_parses() {
    // A real witness's Ed25519 cosignature/v1 key, from the Go
    // implementation's tests (transparency-dev/formats, note_cosigv1_test.go).
    let vkey = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";
    let verifier = CosignatureVerifier::parse(vkey).unwrap();
    assert_eq!(verifier.name(), "remora.n621.de");
    assert_eq!(hex::encode(verifier.key_id()), "da77ade7");
    assert_eq!(verifier.to_vkey(), vkey);
}

#[test]
fn published_signature_carries_its_timestamp() {
    // TestCosignatureTimestamp in the same file.
    let blob = TimestampedSignature::parse_base64(
        "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==",
    )
    .unwrap();
    assert_eq!(blob.timestamp, 1_727_964_367);
    assert_eq!(blob.key_id, [0x64, 0x68, 0x46, 0xb9]);
    // A plain Ed25519 note signature (key id and 64 bytes) is no cosignature.
    assert!(matches!(
        TimestampedSignature::parse_base64(
            "eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY="
        ),
        Err(CosignatureError::MalformedCosignature { .. })
    ));
    assert!(matches!(
        TimestampedSignature::parse_base64("5%/$!\n 2"),
        Err(CosignatureError::MalformedCosignature { .. })
    ));
}

#[test]
fn no_line_by_this_cosigner() {
    let note = log_signer().sign(&checkpoint());
    let other = CosignatureSigner::new("witness.example/w2", SigningKey::from_bytes(&[3; 32]))
        .unwrap()
        .verifier();
    assert!(matches!(
        other.verify(&note),
        Err(CosignatureError::NoCosignatureByKey { .. })
    ));
    let (cosigned, line) = cosigned_note();
    assert!(matches!(
        other.verify(&cosigned),
        Err(CosignatureError::NoCosignatureByKey { .. })
    ));
    assert!(matches!(
        other.verify_line(&checkpoint().body(), &line),
        Err(CosignatureError::NoCosignatureByKey { .. })
    ));
}

#[test]
fn newest_of_several_cosignatures_is_returned() {
    let (note, _) = cosigned_note();
    let later = cosigner()
        .cosign(&checkpoint().body(), TIMESTAMP + 60)
        .unwrap();
    let both = add_signature_lines(&note, &later).unwrap();
    assert_eq!(
        cosigner().verifier().verify(&both).unwrap().timestamp,
        TIMESTAMP + 60
    );
}

#[test]
fn cosign_refuses_what_is_not_a_checkpoint() {
    assert!(cosigner().cosign("just one line\n", TIMESTAMP).is_err());
    assert!(cosigner().cosign("no newline", TIMESTAMP).is_err());
    assert!(CosignatureSigner::new("two words", SigningKey::from_bytes(&[1; 32])).is_err());
}

#[test]
fn merging_signature_lines() {
    let note = log_signer().sign(&checkpoint());
    let line = cosigner().cosign(&checkpoint().body(), TIMESTAMP).unwrap();
    let once = add_signature_lines(&note, &line).unwrap();
    assert_eq!(add_signature_lines(&once, &line).unwrap(), once);
    assert_eq!(add_signature_lines(&note, "").unwrap(), note);
    let lines = signature_lines(&once);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1], line);
    assert_eq!(note_text(&once), Ok(checkpoint().body().as_str()));
    // A blank line or a non-signature line would change what the note's
    // text is: refused.
    for bad in [
        format!("\n{line}"),
        "not a signature\n".to_string(),
        line.trim_end().to_string(),
        line.replace('\n', "\r\n"),
    ] {
        assert!(add_signature_lines(&note, &bad).is_err(), "{bad:?}");
    }
    assert!(add_signature_lines("no signatures\n", &line).is_err());
}

#[test]
fn fingerprint_covers_algorithm_and_key() {
    let verifier = cosigner().verifier();
    let mut bytes = vec![COSIGNATURE_V1_ALGORITHM];
    bytes.extend_from_slice(verifier.verifying_key().as_bytes());
    assert_eq!(
        verifier.fingerprint(),
        format!("SHA256:{}", hex::encode(Sha256::digest(&bytes)))
    );
}
