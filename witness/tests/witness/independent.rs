//! The cosignature checked by `independent_cosignature.py`, a verifier
//! written from the C2SP specifications in Python (with `cryptography`).

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use vakt_schemas::cosignature::add_signature_lines;

use crate::harness::{Served, TestLog};

/// The checker's path.
fn script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/independent_cosignature.py")
}

/// Whether `python3` with `cryptography` is here.
fn python_with_cryptography() -> bool {
    Command::new("python3")
        .args(["-c", "import cryptography"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Runs the checker on `note` (on standard input); its exit success and
/// standard output.
fn check(vkey: &str, note: &str) -> (bool, String) {
    let mut child = Command::new("python3")
        .arg(script())
        .arg(vkey)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(note.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn python_checker_agrees() {
    if !python_with_cryptography() {
        println!(
            "SKIPPED python_checker_agrees: python3 with the cryptography package is not \
             installed (pip install cryptography)"
        );
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    let mut log = TestLog::new();
    log.append(17);
    let witness = Served::start(folder.path(), &log);
    let lines = witness.submit(&log.request(0, 17)).unwrap();
    let cosigned = add_signature_lines(&log.note(17), &lines).unwrap();
    let vkey = witness.state.vkey();
    let timestamp = witness
        .state
        .verifier()
        .verify(&cosigned)
        .unwrap()
        .timestamp;

    let (ok, stdout) = check(&vkey, &cosigned);
    assert!(ok, "the independent checker refused a good cosignature");
    assert_eq!(stdout.trim(), timestamp.to_string());

    // A changed extension line, root or cosignature byte must fail.
    let changed_extension = cosigned.replacen("manifest ab", "manifest ac", 1);
    let root_line = cosigned.lines().nth(2).unwrap();
    let last = if root_line.ends_with("A=") {
        "E="
    } else {
        "A="
    };
    let other_root = format!("{}{last}", &root_line[..root_line.len() - 2]);
    let changed_root = cosigned.replacen(root_line, &other_root, 1);
    // A byte of the Ed25519 signature, near the end of the last line.
    let position = cosigned.len() - 30;
    let mut changed_signature = cosigned.clone().into_bytes();
    changed_signature[position] = if changed_signature[position] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let changed_signature = String::from_utf8(changed_signature).unwrap();
    for (what, note) in [
        ("extension", changed_extension),
        ("root", changed_root),
        ("signature", changed_signature),
    ] {
        assert_ne!(note, cosigned, "{what} was not changed");
        let (ok, _) = check(&vkey, &note);
        assert!(!ok, "the independent checker accepted a changed {what}");
    }
    // The log's own key is not a cosigner key.
    let (ok, _) = check(&log.signer.verifier().to_vkey(), &cosigned);
    assert!(!ok);
}
