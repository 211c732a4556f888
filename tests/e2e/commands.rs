//! `vakt init` and `vakt checkpoint`: the key, the store, the exported checkpoints.

use std::os::unix::fs::PermissionsExt;

use vakt_schemas::checkpoint::{NoteVerifier, split_notes};

use crate::common::{TestStore, sample_logs, stderr, stdout, warning_kinds};

#[test]
fn init_makes_a_private_key_and_refuses_to_overwrite_a_store() {
    let store = TestStore::new();
    let key = crate::forge::key_file(&store.path());
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the signing key is readable by its owner only");
    assert!(
        !store.path().join("keys").exists(),
        "the signing key is kept outside the store"
    );

    let again = store.run(&["init"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already holds a vakt store"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn checkpoint_prints_one_signed_note_per_stream_and_the_key() {
    let store = TestStore::new();
    store.ingest(&[sample_logs().join("logs/fs1")], &[]);
    let key_output = store.run(&["checkpoint", "--key"]);
    assert!(key_output.status.success());
    let key_text = stdout(&key_output);
    let mut key_lines = key_text.lines();
    let verifier = NoteVerifier::parse(key_lines.next().unwrap()).unwrap();
    assert_eq!(key_lines.next().unwrap(), verifier.fingerprint());

    let notes_output = store.run(&["checkpoint"]);
    assert!(notes_output.status.success());
    let notes = split_notes(&stdout(&notes_output));
    assert_eq!(notes.len(), 6, "one per stream");
    let sizes: Vec<u64> = notes
        .iter()
        .map(|note| verifier.verify(note).unwrap().size)
        .collect();
    assert!(
        sizes[0] > 0 && sizes[2] > 0,
        "sessions and access grew: {sizes:?}"
    );
    assert_eq!(&sizes[3..5], &[0, 0], "registry and audit are empty");

    let one = store.run(&["checkpoint", "--stream", "access"]);
    let access = verifier.verify(&stdout(&one)).unwrap();
    assert!(access.origin.ends_with("/access"));
    assert_eq!(access.size, sizes[2]);
}

#[test]
fn a_key_kept_inside_the_store_still_signs_is_warned_about_and_a_rotation_moves_it_out() {
    let store = TestStore::new();
    let key = crate::forge::key_file(&store.path());
    // As stores made before keys moved out kept it.
    let inside = store.path().join("keys");
    std::fs::create_dir(&inside).unwrap();
    std::fs::set_permissions(&inside, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::rename(&key, inside.join("signing.key")).unwrap();
    store.ingest(&[sample_logs().join("logs/fs1")], &[]);
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(
        warning_kinds(&report)
            .iter()
            .any(|kind| kind == "signing-key-in-store"),
        "{report:#}"
    );

    let rotate = store.run(&["key", "rotate", "--format", "json"]);
    assert!(rotate.status.success(), "{}", stderr(&rotate));
    assert!(key.exists(), "the new key is outside the store");
    assert!(
        !inside.join("signing.key").exists(),
        "and no key is left inside"
    );
    store.ingest(&[sample_logs().join("logs/fw-sec")], &[]);
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(
        report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|warning| warning["kind"] != "signing-key-in-store"),
        "{report:#}"
    );

    // A key file that others may read is refused, saying what to do.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let refused = store.run(&["ingest", sample_logs().join("logs/ts1").to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("chmod 600"),
        "{}",
        stderr(&refused)
    );
}
