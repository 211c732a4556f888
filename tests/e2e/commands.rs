//! `vakt init` and `vakt checkpoint`: the key, the store, the exported checkpoints.

use std::os::unix::fs::PermissionsExt;

use vakt_schemas::checkpoint::{NoteVerifier, split_notes};

use crate::common::{TestStore, sample_logs, stderr, stdout};

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
