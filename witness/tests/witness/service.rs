//! The service around the rules: concurrency, restarts, the monitoring
//! call, the key file's permissions.

use std::os::unix::fs::PermissionsExt as _;
use std::sync::Arc;

use vakt_witness::{KeyFileError, StateError, SubmitError, WitnessState, fetch_latest};

use crate::harness::{Served, TIMEOUT, TestLog};

#[test]
fn concurrent_submissions_never_roll_back() {
    let folder = tempfile::tempdir().unwrap();
    let mut log = TestLog::new();
    log.append(200);
    let log = Arc::new(log);
    let witness = Arc::new(Served::start(folder.path(), &log));
    let sizes: Vec<usize> = (1..=16).map(|step| step * 12).collect();
    let threads: Vec<_> = sizes
        .iter()
        .map(|&size| {
            let (log, witness) = (log.clone(), witness.clone());
            std::thread::spawn(move || {
                // As a log does: start from 0, follow the witness's size.
                let mut old_size = 0;
                loop {
                    match witness.submit(&log.request(old_size, size)) {
                        Ok(_) => return true,
                        Err(SubmitError::Conflict { witness_size }) => {
                            let witness_size = witness_size as usize;
                            if witness_size > size {
                                return false;
                            }
                            old_size = witness_size;
                        }
                        Err(other) => panic!("size {size}: {other}"),
                    }
                }
            })
        })
        .collect();
    let cosigned: Vec<bool> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(cosigned.iter().any(|&ok| ok));
    let latest = witness.state.latest(&log.origin).unwrap().unwrap();
    let largest = *sizes.last().unwrap();
    assert_eq!(
        vakt_witness::checkpoint_of_note(&latest).unwrap(),
        log.checkpoint(largest),
        "the witness ends at the largest checkpoint, whatever the order"
    );
    assert!(
        cosigned[sizes.len() - 1],
        "the largest checkpoint is always cosigned"
    );
}

#[test]
fn state_survives_a_restart() {
    let folder = tempfile::tempdir().unwrap();
    let mut log = TestLog::new();
    log.append(30);
    let vkey = {
        let witness = Served::start(folder.path(), &log);
        witness.submit(&log.request(0, 10)).unwrap();
        witness.state.vkey()
    };
    let witness = Served::start(folder.path(), &log);
    assert_eq!(witness.state.vkey(), vkey, "same key after a restart");
    assert_eq!(
        witness.submit(&log.request(0, 30)),
        Err(SubmitError::Conflict { witness_size: 10 })
    );
    witness.submit(&log.request(10, 30)).unwrap();
}

#[test]
fn monitoring_returns_the_cosigned_latest() {
    let folder = tempfile::tempdir().unwrap();
    let mut log = TestLog::new();
    log.append(9);
    let witness = Served::start(folder.path(), &log);
    assert_eq!(fetch_latest(&witness.url, &log.origin, TIMEOUT), Ok(None));
    let lines = witness.submit(&log.request(0, 9)).unwrap();
    let latest = fetch_latest(&witness.url, &log.origin, TIMEOUT)
        .unwrap()
        .unwrap();
    let cosignature = witness.state.verifier().verify(&latest).unwrap();
    assert_eq!(cosignature.line, lines);
    assert_eq!(
        log.signer.verifier().verify(&latest).unwrap(),
        log.checkpoint(9)
    );
    assert_eq!(
        witness.state.latest(&log.origin).unwrap().as_deref(),
        Some(latest.as_str())
    );
    // A resubmitted cosigned note keeps one cosignature by this witness.
    let mut again = log.request(9, 9);
    again.checkpoint_note = latest.clone();
    witness.submit(&again).unwrap();
    let latest = witness.state.latest(&log.origin).unwrap().unwrap();
    assert_eq!(latest.matches("witness.test/w1").count(), 1, "{latest}");

    let about = ureq::get(&witness.url)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(about.contains("witness.test/w1"), "{about}");
    assert!(about.contains(&witness.state.vkey()), "{about}");
    assert!(about.contains("vakt/0123456789abcdef/*"), "{about}");
}

#[test]
fn unreachable_witness_is_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut log = TestLog::new();
    log.append(1);
    assert!(matches!(
        vakt_witness::submit(&url, &log.request(0, 1), TIMEOUT),
        Err(SubmitError::Unreachable { .. })
    ));
}

#[test]
fn key_readable_by_others_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let vkey = WitnessState::create(folder.path(), "witness.test/w1").unwrap();
    assert!(vkey.starts_with("witness.test/w1+"));
    let key = folder.path().join("witness.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let error = WitnessState::open(folder.path()).unwrap_err();
    assert!(
        matches!(error, StateError::Key(KeyFileError::TooOpen { .. })),
        "{error}"
    );
    assert!(error.to_string().contains("chmod 600"), "{error}");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let state = WitnessState::open(folder.path()).unwrap();
    assert_eq!(state.vkey(), vkey);
    assert!(matches!(
        WitnessState::create(folder.path(), "witness.test/w2"),
        Err(StateError::AlreadyExists { .. })
    ));
}
