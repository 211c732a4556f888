//! Trust that does not rest on the administrator: an insider who holds the
//! signing key rewrites history and re-signs it, which plain `vakt verify`
//! cannot tell from the truth; a witness that cosigned the store's
//! checkpoints (`vakt witness serve`, c2sp.org/tlog-witness) or a
//! directory witness catches every such rewrite, with no `--against`
//! file. Also: a witness that refuses an inconsistent checkpoint, one that
//! was down and catches up, and key rotation.

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use vakt_schemas::checkpoint::{NoteSigner, split_notes};
use vakt_schemas::head::StoreInfo;
use vakt_schemas::{Event, Record, Stream, layout};

use crate::common::{copy_tree, problem_kinds, sample_config, sample_logs, stderr, stdout};
use crate::forge::{
    key_file, read_entries, read_head, records_of, reseal, write_records, write_signed_head,
};

/// A witness served by `vakt witness serve` on a free local port.
struct ServedWitness {
    child: Child,
    url: String,
    key: String,
    state: PathBuf,
}

impl ServedWitness {
    fn start(work: &Path, name: &str) -> ServedWitness {
        let state = work.join(format!("witness-{name}"));
        let output = run_vakt(
            work,
            &[
                "witness",
                "init",
                "--state",
                state.to_str().unwrap(),
                "--name",
                name,
            ],
        );
        assert!(output.status.success(), "{}", stderr(&output));
        let key = stdout(&output)
            .lines()
            .find(|line| line.starts_with(name) && line.contains('+'))
            .expect("init prints the cosigner key")
            .to_string();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut witness = ServedWitness {
            child: spawn_serve(&state, port),
            url: format!("http://127.0.0.1:{port}"),
            key,
            state,
        };
        witness.wait_until_up();
        witness
    }

    fn port(&self) -> u16 {
        self.url.rsplit(':').next().unwrap().parse().unwrap()
    }

    fn wait_until_up(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port())).is_err() {
            assert!(Instant::now() < deadline, "the witness did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn restart(&mut self) {
        self.child = spawn_serve(&self.state, self.port());
        self.wait_until_up();
    }

    fn trust(&self, work: &Path, store: &Path) {
        let info = store_info(store);
        let output = run_vakt(
            work,
            &[
                "witness",
                "trust",
                "--state",
                self.state.to_str().unwrap(),
                "--log-key",
                &current_vkey(work, store),
                "--origin-prefix",
                &format!("{}/", info.origin_prefix),
            ],
        );
        assert!(output.status.success(), "{}", stderr(&output));
    }

    fn refusals(&self, work: &Path) -> usize {
        let output = run_vakt(
            work,
            &[
                "witness",
                "refusals",
                "--state",
                self.state.to_str().unwrap(),
            ],
        );
        stdout(&output).lines().count()
    }
}

impl Drop for ServedWitness {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn_serve(state: &Path, port: u16) -> Child {
    let mut child = crate::common::vakt_command(state.parent().unwrap())
        .args([
            "witness",
            "serve",
            "--state",
            state.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("vakt witness serve starts");
    // Its first line says where it listens; the rest is drained.
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || for _ in BufReader::new(stderr).lines() {});
    child
}

fn run_vakt(dir: &Path, args: &[&str]) -> Output {
    crate::common::vakt(dir, args)
}

/// `vakt --store STORE --config CONFIG args…`.
fn on_store(work: &Path, store: &Path, config: &Path, args: &[&str]) -> Output {
    let mut all = vec![
        "--store",
        store.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    run_vakt(work, &all)
}

fn store_info(store: &Path) -> StoreInfo {
    serde_json::from_str(&fs::read_to_string(store.join(layout::STORE_INFO)).unwrap()).unwrap()
}

fn current_vkey(work: &Path, store: &Path) -> String {
    let output = run_vakt(
        work,
        &[
            "--store",
            store.to_str().unwrap(),
            "key",
            "show",
            "--format",
            "json",
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("key show prints JSON: {}", stderr(&output)));
    report["current"]["verifier_key"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The sample configuration with `witnesses` (TOML tables) added.
fn config_with(work: &Path, name: &str, witnesses: &str) -> PathBuf {
    let base = fs::read_to_string(sample_config()).unwrap();
    let path = work.join(name);
    fs::write(&path, format!("{base}\n{witnesses}\n")).unwrap();
    path
}

fn ingest(work: &Path, store: &Path, config: &Path, logs: &str) {
    let path = sample_logs().join(logs);
    let output = on_store(
        work,
        store,
        config,
        &["ingest", "--commit-every", "2500", path.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", stderr(&output));
}

fn submit(work: &Path, store: &Path, config: &Path) -> (Option<i32>, serde_json::Value) {
    let output = on_store(
        work,
        store,
        config,
        &["witness", "submit", "--format", "json"],
    );
    let rows = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("submit prints JSON: {}{}", stdout(&output), stderr(&output)));
    (output.status.code(), rows)
}

fn verify(work: &Path, store: &Path, config: &Path) -> (Option<i32>, serde_json::Value) {
    let output = on_store(work, store, config, &["verify", "--format", "json"]);
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("verify prints JSON: {}{}", stdout(&output), stderr(&output)));
    (output.status.code(), report)
}

/// Rewrites the records of the stream's segment `index` with `change`,
/// rehashes them, and reseals the store as its key holder could.
fn rewrite_segment(store: &Path, stream: Stream, index: usize, change: impl Fn(&mut Vec<Record>)) {
    let mut entries = read_entries(store, stream);
    let entry = &entries[index];
    let bytes = fs::read(store.join(&entry.path)).unwrap();
    let mut records = records_of(store, stream, &bytes);
    change(&mut records);
    write_records(store, &entry.path, stream, &records);
    // The line as one written before segments had regions, with the
    // rows' time range: nothing for verification to hold against it.
    let entry = &mut entries[index];
    entry.tail_offset = None;
    entry.tail_sha256 = None;
    entry.min_time = records
        .iter()
        .map(|record| record.envelope.time)
        .min()
        .unwrap();
    entry.max_time = records
        .iter()
        .map(|record| record.envelope.time)
        .max()
        .unwrap();
    reseal(store, stream, entries, true);
}

/// The insider's rewrites, each applied to a copy of the store; each
/// passes plain verification or not, but every one must be caught with a
/// witness.
/// A named change to a store.
type Rewrite = (&'static str, Box<dyn Fn(&Path)>);

fn insider_rewrites() -> Vec<Rewrite> {
    vec![
        (
            "a row rewritten and re-signed",
            Box::new(|store: &Path| {
                rewrite_segment(store, Stream::Sessions, 0, |records| {
                    if let Event::Sessions(event) = &mut records[0].event {
                        event.user = Some("nobody-was-here".into());
                    }
                    records[0].envelope.raw =
                        records[0].envelope.raw.replace("Accepted", "Rejected");
                });
            }),
        ),
        (
            "a row deleted and the rest renumbered",
            Box::new(|store: &Path| {
                let last = read_entries(store, Stream::Sessions).len() - 1;
                rewrite_segment(store, Stream::Sessions, last, |records| {
                    records.remove(0);
                    for record in records.iter_mut() {
                        record.envelope.seq -= 1;
                    }
                });
            }),
        ),
        (
            "the last segments cut and re-signed",
            Box::new(|store: &Path| {
                let mut entries = read_entries(store, Stream::Sessions);
                let last_txn = entries.last().unwrap().txn;
                while entries.last().is_some_and(|entry| entry.txn == last_txn) {
                    let entry = entries.pop().unwrap();
                    fs::remove_file(store.join(&entry.path)).unwrap();
                }
                reseal(store, Stream::Sessions, entries, false);
            }),
        ),
        (
            "a stream wiped back to its empty checkpoint",
            Box::new(|store: &Path| {
                for entry in read_entries(store, Stream::Sessions) {
                    fs::remove_file(store.join(&entry.path)).unwrap();
                }
                reseal(store, Stream::Sessions, Vec::new(), false);
                let mut head = read_head(store);
                let stream = head.streams.get_mut(&Stream::Sessions).unwrap();
                stream.tree_size = 0;
                stream.root = hex::encode(vakt_schemas::merkle::empty_root());
                write_signed_head(store, &head);
            }),
        ),
        (
            "the key swapped and every signature made again with it",
            Box::new(|store: &Path| {
                let mut info = store_info(store);
                let name = format!("vakt-{}", info.store_id);
                let impostor = NoteSigner::new(&name, SigningKey::from_bytes(&[42; 32])).unwrap();
                info.verifier_key = impostor.verifier().to_vkey();
                fs::write(
                    store.join(layout::STORE_INFO),
                    serde_json::to_string_pretty(&info).unwrap() + "\n",
                )
                .unwrap();
                fs::write(key_file(store), format!("{}\n", "2a".repeat(32))).unwrap();
                for stream in Stream::ALL {
                    reseal(store, stream, read_entries(store, stream), false);
                }
            }),
        ),
    ]
}

/// The full-text index made again from the rewritten records, as the
/// insider would.
fn rebuild_index(work: &Path, store: &Path) {
    let output = on_store(work, store, &sample_config(), &["index", "--rebuild"]);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// What the insider also does: removes the cosigned checkpoints kept in
/// the store, so that only the witnesses remember.
fn remove_cosignatures(store: &Path) {
    for stream in Stream::ALL {
        let _ = fs::remove_file(store.join(layout::cosignatures(stream)));
    }
}

#[test]
fn an_insider_with_the_key_rewriting_history_is_caught_by_a_witness_and_a_directory_witness() {
    let work = tempfile::tempdir().unwrap();
    let work = work.path();
    let store = work.join("store");
    let plain = sample_config();
    let output = on_store(work, &store, &plain, &["init"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let witness = ServedWitness::start(work, "witness.test/director");
    witness.trust(work, &store);
    let directory = work.join("usb-disk");
    fs::create_dir(&directory).unwrap();
    let config = config_with(
        work,
        "witnessed.toml",
        &format!(
            "[[witness]]\nname = \"director\"\nurl = \"{}\"\nkey = \"{}\"\n\n[[witness]]\nname = \
             \"usb\"\ndir = \"{}\"\n\n[witness_policy]\nmin_witnesses = 2\nmax_age_hours = 24\n",
            witness.url,
            witness.key,
            directory.display()
        ),
    );
    ingest(work, &store, &config, "logs/ts1");
    let (code, rows) = submit(work, &store, &config);
    assert_eq!(code, Some(0), "every witness vouches: {rows:#}");
    // More records, submitted with a consistency proof from what each holds.
    ingest(work, &store, &config, "logs/fw-sec");
    let (code, rows) = submit(work, &store, &config);
    assert_eq!(code, Some(0), "every witness vouches again: {rows:#}");
    let (code, report) = verify(work, &store, &config);
    assert_eq!(code, Some(0), "the honest store verifies: {report:#}");
    assert!(report["witnessed_checkpoints"].as_u64().unwrap() >= 6);
    assert!(
        report["witnessing"]
            .as_array()
            .unwrap()
            .iter()
            .all(|stream| stream["met"] == true),
        "{report:#}"
    );

    let witness_only = config_with(
        work,
        "witness-only.toml",
        &format!(
            "[[witness]]\nname = \"director\"\nurl = \"{}\"\nkey = \"{}\"\n",
            witness.url, witness.key
        ),
    );
    let directory_only = config_with(
        work,
        "directory-only.toml",
        &format!(
            "[[witness]]\nname = \"usb\"\ndir = \"{}\"\n",
            directory.display()
        ),
    );
    let caught_kinds = ["fork", "truncated", "witness-checkpoint"];
    let mut failures = Vec::new();
    for (name, rewrite) in insider_rewrites() {
        let copy = work.join(format!("copy-{}", name.replace(' ', "-")));
        copy_tree(&store, &copy);
        rewrite(&copy);
        remove_cosignatures(&copy);
        rebuild_index(work, &copy);
        // Without a witness the rewrite is the truth, as far as the store
        // can tell: the insider re-signed everything.
        let (code, report) = verify(work, &copy, &plain);
        if code != Some(0) {
            failures.push(format!(
                "{name}: the forgery itself is imperfect, plain verify finds {:?}",
                problem_kinds(&report)
            ));
        }
        for (label, config) in [
            ("a witness service", &witness_only),
            ("a directory witness", &directory_only),
        ] {
            let (code, report) = verify(work, &copy, config);
            let kinds = problem_kinds(&report);
            if code != Some(1)
                || !kinds
                    .iter()
                    .any(|kind| caught_kinds.contains(&kind.as_str()))
            {
                failures.push(format!(
                    "{name}, with {label}: exit {code:?}, kinds {kinds:?}"
                ));
            }
        }
        // The cosigned checkpoints the store kept catch it too, when the
        // insider leaves them.
        let kept = work.join(format!("kept-{}", name.replace(' ', "-")));
        copy_tree(&store, &kept);
        rewrite(&kept);
        rebuild_index(work, &kept);
        let (code, report) = verify(work, &kept, &plain);
        let kinds = problem_kinds(&report);
        if code != Some(1) {
            failures.push(format!(
                "{name}, by the cosignatures kept in the store: exit {code:?}, kinds {kinds:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // A new name for the logs, to start a history no witness has seen,
    // is refused: the origins follow from the store's id.
    let renamed = work.join("renamed");
    copy_tree(&store, &renamed);
    let mut info = store_info(&renamed);
    info.origin_prefix = format!("{}/x", info.origin_prefix);
    fs::write(
        renamed.join(layout::STORE_INFO),
        serde_json::to_string_pretty(&info).unwrap() + "\n",
    )
    .unwrap();
    let output = on_store(work, &renamed, &witness_only, &["verify"]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("store.json was edited"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_fork_and_a_rollback_to_a_backup_are_refused_by_the_witness_and_caught() {
    let work = tempfile::tempdir().unwrap();
    let work = work.path();
    let store = work.join("store");
    let plain = sample_config();
    assert!(on_store(work, &store, &plain, &["init"]).status.success());
    let mut witness = ServedWitness::start(work, "witness.test/w2");
    witness.trust(work, &store);
    let config = config_with(
        work,
        "witnessed.toml",
        &format!(
            "[[witness]]\nname = \"w2\"\nurl = \"{}\"\nkey = \"{}\"\n",
            witness.url, witness.key
        ),
    );
    ingest(work, &store, &config, "logs/ts1");
    assert_eq!(submit(work, &store, &config).0, Some(0));
    let backup = work.join("backup");
    let output = on_store(
        work,
        &store,
        &config,
        &["backup", "--include-key", backup.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", stderr(&output));

    // The witness is down while the store goes on; it catches up after.
    witness.stop();
    ingest(work, &store, &config, "logs/fw-sec");
    let (code, rows) = submit(work, &store, &config);
    assert_eq!(
        code,
        Some(1),
        "a witness that is down is reported: {rows:#}"
    );
    witness.restart();
    let (code, rows) = submit(work, &store, &config);
    assert_eq!(code, Some(0), "the witness caught up: {rows:#}");
    draws_and_bundles_use_the_cosigned_checkpoint(work, &store, &config, &witness);
    // A directory witness, given the store's checkpoints too.
    let usb = work.join("usb");
    fs::create_dir(&usb).unwrap();
    let directory = config_with(
        work,
        "directory.toml",
        &format!("[[witness]]\nname = \"usb\"\ndir = \"{}\"\n", usb.display()),
    );
    assert_eq!(submit(work, &store, &directory).0, Some(0));

    // A fork: the backup, grown with other records, asks for a cosignature.
    let fork = work.join("fork");
    copy_tree(&backup, &fork);
    ingest(work, &fork, &config, "logs/fs1");
    let refusals_before = witness.refusals(work);
    let (code, rows) = submit(work, &fork, &config);
    assert_eq!(code, Some(1), "the witness refuses the fork: {rows:#}");
    assert!(
        witness.refusals(work) > refusals_before,
        "the fork is recorded for the witness's owner"
    );
    for config in [&config, &directory] {
        let (code, report) = verify(work, &fork, config);
        let kinds = problem_kinds(&report);
        assert_eq!(code, Some(1), "{report:#}");
        assert!(
            kinds
                .iter()
                .any(|kind| kind == "fork" || kind == "truncated"),
            "{kinds:?}"
        );
    }
    // The directory witness refuses to take the fork's checkpoints, and
    // keeps the refusal.
    let (code, rows) = submit(work, &fork, &directory);
    assert_eq!(
        code,
        Some(1),
        "the directory witness refuses the fork: {rows:#}"
    );
    assert!(usb.join(vakt_witness::REFUSALS_FILE).exists());

    // A rollback: the backup put back in the store's place.
    let restored = work.join("restored");
    let output = run_vakt(
        work,
        &[
            "restore",
            backup.to_str().unwrap(),
            restored.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    for config in [&config, &directory] {
        let (code, report) = verify(work, &restored, config);
        assert_eq!(code, Some(1), "{report:#}");
        assert!(
            problem_kinds(&report)
                .iter()
                .any(|kind| kind == "truncated"),
            "{report:#}"
        );
    }
}

/// A spot-check draw takes its randomness from the checkpoint the witness
/// cosigned, and an evidence bundle carries the cosignature, which both
/// checkers verify; a changed cosignature fails the independent one.
fn draws_and_bundles_use_the_cosigned_checkpoint(
    work: &Path,
    store: &Path,
    config: &Path,
    witness: &ServedWitness,
) {
    let witness_name = witness.key.split('+').next().unwrap().to_string();
    let output = on_store(
        work,
        store,
        config,
        &[
            "spotcheck",
            "draw",
            "--stream",
            "sessions",
            "--n",
            "3",
            "--format",
            "json",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let draw: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let note = draw["detail"]["checkpoint"].as_str().unwrap_or_default();
    assert!(
        note.contains(&format!("\u{2014} {witness_name} ")),
        "the draw's checkpoint carries the witness's cosignature: {draw:#}"
    );

    let bundle = work.join("bundle");
    let output = on_store(
        work,
        store,
        config,
        &[
            "export",
            "--out",
            bundle.to_str().unwrap(),
            "--sql",
            "SELECT 'sessions' AS stream, seq FROM sessions LIMIT 5",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let output = run_vakt(
        work,
        &[
            "verify-bundle",
            bundle.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert!(output.status.success(), "{}", stdout(&output));
    let check: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        check["cosigned"]["sessions"][0][0],
        witness_name.as_str(),
        "{check:#}"
    );

    let python = |dir: &Path| {
        std::process::Command::new("python3")
            .arg(dir.join("verify_bundle.py"))
            .arg(dir)
            .args(["--witness", &witness.key])
            .output()
    };
    match python(&bundle) {
        Ok(output) if stderr(&output).contains("No module named 'cryptography'") => {
            panic!("the `cryptography` Python package is missing (.ci/run installs it)")
        }
        Ok(output) => {
            assert!(
                output.status.success(),
                "{}{}",
                stdout(&output),
                stderr(&output)
            );
            assert!(
                stdout(&output).contains("cosigned by witness"),
                "{}",
                stdout(&output)
            );
        }
        Err(error) => panic!("python3 cannot run: {error}"),
    }
    let pinned = |dir: &Path| {
        run_vakt(
            work,
            &[
                "verify-bundle",
                dir.to_str().unwrap(),
                "--witness",
                &witness.key,
            ],
        )
    };
    assert!(pinned(&bundle).status.success());
    // One byte of the cosignature changed: the independent check fails.
    let path = bundle.join("checkpoints/sessions.checkpoint");
    let text = fs::read_to_string(&path).unwrap();
    let line = text
        .lines()
        .find(|line| line.starts_with(&format!("\u{2014} {witness_name} ")))
        .unwrap()
        .to_string();
    let (head, blob) = line.rsplit_once(' ').unwrap();
    let mut bytes = base64_decode(blob);
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let changed = format!("{head} {}", base64_encode(&bytes));
    fs::write(&path, text.replace(&line, &changed)).unwrap();
    let output = python(&bundle).unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let output = pinned(&bundle);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn a_rotated_key_keeps_old_checkpoints_verifiable_and_the_witness_follows_once_told() {
    let work = tempfile::tempdir().unwrap();
    let work = work.path();
    let store = work.join("store");
    let plain = sample_config();
    assert!(on_store(work, &store, &plain, &["init"]).status.success());
    let witness = ServedWitness::start(work, "witness.test/w3");
    witness.trust(work, &store);
    let config = config_with(
        work,
        "witnessed.toml",
        &format!(
            "[[witness]]\nname = \"w3\"\nurl = \"{}\"\nkey = \"{}\"\n",
            witness.url, witness.key
        ),
    );
    ingest(work, &store, &config, "logs/ts1");
    assert_eq!(submit(work, &store, &config).0, Some(0));
    let old_key = current_vkey(work, &store);

    // A key file that others may read is refused.
    let loose = work.join("loose.key");
    let output = run_vakt(work, &["key", "new", "--out", loose.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&loose, fs::Permissions::from_mode(0o644)).unwrap();
    let output = on_store(
        work,
        &store,
        &config,
        &["key", "rotate", "--new-key", loose.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("chmod 600"), "{}", stderr(&output));

    let output = on_store(
        work,
        &store,
        &config,
        &["key", "rotate", "--format", "json"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let rotated: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let new_key = current_vkey(work, &store);
    assert_ne!(new_key, old_key);
    assert_eq!(rotated["new"]["verifier_key"], new_key.as_str());
    assert!(Path::new(rotated["retired_file"].as_str().unwrap()).exists());

    ingest(work, &store, &config, "logs/fw-sec");
    let (code, report) = verify(work, &store, &plain);
    assert_eq!(code, Some(0), "old and new checkpoints verify: {report:#}");
    assert_eq!(report["keys"].as_array().unwrap().len(), 2, "{report:#}");
    // The sessions stream's newest checkpoint is still the old key's.
    let sessions = fs::read_to_string(store.join(layout::checkpoints(Stream::Sessions))).unwrap();
    let firewall = fs::read_to_string(store.join(layout::checkpoints(Stream::Firewall))).unwrap();
    let old_name_line = |text: &str| split_notes(text).last().unwrap().clone();
    assert_ne!(old_name_line(&sessions), old_name_line(&firewall));

    // The witness knows only the old key: it refuses the new checkpoints
    // until its owner trusts the new key.
    let (code, rows) = submit(work, &store, &config);
    assert_eq!(code, Some(1), "{rows:#}");
    witness.trust(work, &store);
    let (code, rows) = submit(work, &store, &config);
    assert_eq!(code, Some(0), "{rows:#}");
    // The witness's owner retires the old key there too.
    let info = store_info(&store);
    let output = run_vakt(
        work,
        &[
            "witness",
            "untrust",
            "--state",
            witness.state.to_str().unwrap(),
            "--log-key",
            &old_key,
            "--origin-prefix",
            &format!("{}/", info.origin_prefix),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));

    // A checkpoint signed with the retired key after the rotation is caught.
    let retired = rotated["retired_file"].as_str().unwrap();
    let seed: [u8; 32] = hex::decode(fs::read_to_string(retired).unwrap().trim())
        .unwrap()
        .try_into()
        .unwrap();
    let copy = work.join("copy");
    copy_tree(&store, &copy);
    fs::write(key_file(&copy), format!("{}\n", hex::encode(seed))).unwrap();
    reseal(
        &copy,
        Stream::Firewall,
        read_entries(&copy, Stream::Firewall),
        false,
    );
    let (code, report) = verify(work, &copy, &plain);
    assert_eq!(code, Some(1), "{report:#}");
    assert!(
        problem_kinds(&report)
            .iter()
            .any(|kind| kind == "checkpoint-key" || kind == "head-signature"),
        "{report:#}"
    );
}
