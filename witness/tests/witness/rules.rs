//! Each rule of `add-checkpoint`, as the spec lists them.

use vakt_schemas::cosignature::{add_signature_lines, note_text};
use vakt_witness::{AddCheckpointRequest, SubmitError, read_refusals};

use crate::harness::{PREFIX, Served, TestLog};

/// A refusal's status, or a panic.
fn refused_status(result: Result<String, SubmitError>) -> u16 {
    match result {
        Err(SubmitError::Refused { status, .. }) => status,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn first_checkpoint_then_one_with_a_proof() {
    let folder = tempfile::tempdir().unwrap();
    let mut log = TestLog::new();
    log.append(13);
    let witness = Served::start(folder.path(), &log);
    let verifier = witness.state.verifier();

    let lines = witness.submit(&log.request(0, 13)).unwrap();
    let body = log.checkpoint(13).body();
    let cosignature = verifier.verify_line(&body, &lines).unwrap();
    let cosigned = add_signature_lines(&log.note(13), &lines).unwrap();
    assert_eq!(verifier.verify(&cosigned).unwrap(), cosignature);

    log.append(30);
    let lines = witness.submit(&log.request(13, 43)).unwrap();
    verifier
        .verify_line(&log.checkpoint(43).body(), &lines)
        .unwrap();
    // The same checkpoint again, old size = its size: cosigned again.
    witness.submit(&log.request(43, 43)).unwrap();
}

#[test]
fn wrong_old_size_is_409_with_the_witness_size() {
    let folder = tempfile::tempdir().unwrap();
    let mut log = TestLog::new();
    log.append(20);
    let witness = Served::start(folder.path(), &log);
    witness.submit(&log.request(0, 8)).unwrap();
    for old_size in [0, 5, 9] {
        assert_eq!(
            witness.submit(&log.request(old_size, 20)),
            Err(SubmitError::Conflict { witness_size: 8 }),
            "old size {old_size}"
        );
    }
    // The raw response: status, content type and body as the spec says.
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build(),
    );
    let mut response = agent
        .post(&format!("{}/add-checkpoint", witness.url))
        .send(log.request(0, 20).to_body())
        .unwrap();
    assert_eq!(response.status().as_u16(), 409);
    assert_eq!(
        response
            .headers()
            .get("Content-Type")
            .unwrap()
            .to_str()
            .unwrap(),
        "text/x.tlog.size"
    );
    assert_eq!(response.body_mut().read_to_string().unwrap(), "8\n");
    // A client that did not know resubmits from the witness's size.
    witness.submit(&log.request(8, 20)).unwrap();
}

#[test]
fn bad_proof_is_422_and_recorded() {
    let folder = tempfile::tempdir().unwrap();
    let mut log = TestLog::new();
    log.append(21);
    let witness = Served::start(folder.path(), &log);
    witness.submit(&log.request(0, 6)).unwrap();
    let mut request = log.request(6, 21);
    request.proof[1][0] ^= 1;
    assert_eq!(refused_status(witness.submit(&request)), 422);
    let mut short = log.request(6, 21);
    short.proof.pop();
    assert_eq!(refused_status(witness.submit(&short)), 422);
    // A proof for a tree that does not extend the witnessed one.
    let mut other = TestLog::new();
    other.append(21);
    assert_eq!(refused_status(witness.submit(&other.request(6, 21))), 422);
    // A non-empty proof from old size 0 on a new origin.
    let mut fresh = TestLog::with_key(7, &format!("{PREFIX}sessions"));
    fresh.append(9);
    let mut from_zero = fresh.request(0, 9);
    from_zero.proof = log.request(6, 21).proof;
    assert_eq!(refused_status(witness.submit(&from_zero)), 422);

    let refusals = read_refusals(&witness.folder().join("refusals.jsonl")).unwrap();
    assert_eq!(refusals.len(), 3, "{refusals:?}");
    assert!(
        refusals[0].reason.contains("proof"),
        "{}",
        refusals[0].reason
    );
    assert_eq!(refusals[0].origin, log.origin);
    assert_eq!(refusals[0].submitted_note, request.checkpoint_note);
    let stored = refusals[0].stored_note.as_deref().unwrap();
    assert_eq!(note_text(stored).unwrap(), log.checkpoint(6).body());
    // Nothing changed.
    witness.submit(&log.request(6, 21)).unwrap();
}

#[test]
fn fork_is_409_and_recorded() {
    let folder = tempfile::tempdir().unwrap();
    let mut log = TestLog::new();
    log.append(12);
    let witness = Served::start(folder.path(), &log);
    witness.submit(&log.request(0, 12)).unwrap();
    let mut forked = TestLog::new();
    forked.append(12);
    assert_eq!(refused_status(witness.submit(&forked.request(12, 12))), 409);
    // The fork submitted by a client that does not know the witness's size:
    // 409 with the size, and still evidence.
    assert_eq!(
        witness.submit(&forked.request(0, 12)),
        Err(SubmitError::Conflict { witness_size: 12 })
    );
    // A smaller checkpoint (a rollback, or a stale one): 409, recorded.
    assert_eq!(
        witness.submit(&log.request(0, 5)),
        Err(SubmitError::Conflict { witness_size: 12 })
    );
    let refusals = read_refusals(&witness.folder().join("refusals.jsonl")).unwrap();
    assert_eq!(refusals.len(), 3, "{refusals:?}");
    assert!(
        refusals[0].reason.contains("forked"),
        "{}",
        refusals[0].reason
    );
    assert!(
        refusals[1].reason.contains("forked"),
        "{}",
        refusals[1].reason
    );
    assert!(
        refusals[2].reason.contains("smaller"),
        "{}",
        refusals[2].reason
    );
    assert_eq!(refusals[0].submitted_note, forked.note(12));
}

#[test]
fn unknown_origin_is_404() {
    let folder = tempfile::tempdir().unwrap();
    let log = TestLog::new();
    let witness = Served::start(folder.path(), &log);
    let mut stranger = TestLog::with_key(7, "vakt/fedcba9876543210/firewall");
    stranger.append(3);
    assert_eq!(refused_status(witness.submit(&stranger.request(0, 3))), 404);
    // The prefix is a prefix of the origin, not a substring.
    let mut inside = TestLog::with_key(7, &format!("x{PREFIX}firewall"));
    inside.append(3);
    assert_eq!(refused_status(witness.submit(&inside.request(0, 3))), 404);
}

#[test]
fn untrusted_or_bad_log_signature_is_403() {
    let folder = tempfile::tempdir().unwrap();
    let mut log = TestLog::new();
    log.append(4);
    let witness = Served::start(folder.path(), &log);
    // Same key name, another key.
    let mut impostor = TestLog::with_key(8, &log.origin);
    impostor.append(4);
    assert_eq!(refused_status(witness.submit(&impostor.request(0, 4))), 403);
    // The trusted key's signature over another text.
    let mut tampered = log.request(0, 4);
    tampered.checkpoint_note = tampered.checkpoint_note.replacen("\n4\n", "\n3\n", 1);
    assert_eq!(refused_status(witness.submit(&tampered)), 403);
    // After the owner trusts the rotated key, the new key's checkpoints pass.
    witness
        .state
        .trust(PREFIX, &impostor.signer.verifier().to_vkey())
        .unwrap();
    witness.submit(&impostor.request(0, 4)).unwrap();
}

#[test]
fn old_size_above_checkpoint_size_or_bad_body_is_400() {
    let folder = tempfile::tempdir().unwrap();
    let mut log = TestLog::new();
    log.append(4);
    let witness = Served::start(folder.path(), &log);
    let mut request = log.request(0, 4);
    request.old_size = 5;
    assert_eq!(refused_status(witness.submit(&request)), 400);
    let not_a_note = AddCheckpointRequest {
        old_size: 0,
        proof: Vec::new(),
        checkpoint_note: "hello\n".to_string(),
    };
    assert_eq!(refused_status(witness.submit(&not_a_note)), 400);
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build(),
    );
    for body in ["old 01\n\nx\n".to_string(), "garbage".to_string()] {
        let response = agent
            .post(&format!("{}/add-checkpoint", witness.url))
            .send(body.clone())
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{body:?}");
    }
    let too_large = agent
        .post(&format!("{}/add-checkpoint", witness.url))
        .send(vec![b'x'; 65 * 1024])
        .unwrap();
    assert_eq!(too_large.status().as_u16(), 413);
}
