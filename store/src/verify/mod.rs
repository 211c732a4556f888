//! `vakt verify`: derives every record's leaf hash again from its typed
//! columns, rebuilds each stream's Merkle tree, and checks it against the
//! manifest's hash chain, the segment files' digests, the signed checkpoints
//! in the store and, when given, checkpoints kept outside it. Every problem
//! names the stream, sequence range, time range and file it concerns.

mod chain;
mod commits;
mod compacted;
mod files;
mod index;
mod prunes;
mod report;
mod segment;
mod stream;

use std::collections::BTreeMap;

use vakt_schemas::checkpoint::{Checkpoint, split_notes};
use vakt_schemas::head::Head;
use vakt_schemas::keyring::KeyRing;
use vakt_schemas::merkle::Hash;
use vakt_schemas::{Stream, layout};

use vakt_index::digest::RecordsDigest;

use crate::files::{exposed_paths, parse_signed_head};
use crate::reader::StoreReader;
use crate::recovery::RECOVERED;

pub use report::{KeyReport, Problem, PruneReport, StreamReport, VerifyReport, WitnessingReport};
use stream::StreamCheck;

/// A tree size at which the rebuilt root must equal a signed root.
pub(crate) struct Expectation {
    pub(crate) size: u64,
    pub(crate) root: Hash,
    /// The chain hash of the manifest line that ends at `size`, when the
    /// checkpoint names one.
    pub(crate) manifest_hash: Option<String>,
    pub(crate) external: bool,
    pub(crate) label: String,
    /// For a checkpoint from outside the store: the position in the key
    /// chain of the key that signed it, which must be the one in force at
    /// the commit that reached its size.
    pub(crate) key: Option<usize>,
}

/// A checkpoint of the store that a witness holds: the store's signed note
/// (with the witness's cosignature, when it cosigns) as the witness
/// returned it, or as a directory witness keeps it.
#[derive(Clone, Debug)]
pub struct WitnessedCheckpoint {
    /// The witness's name (its key name, or the configured name).
    pub witness: String,
    /// The signed note.
    pub note: String,
    /// When the witness cosigned it, when known.
    pub cosigned_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What verification checks the store against besides its own files.
#[derive(Clone, Debug, Default)]
pub struct Outside {
    /// The text of checkpoints kept outside the store (as `vakt
    /// checkpoint` printed them: `--against FILE`).
    pub against: Option<String>,
    /// The checkpoints witnesses hold (`--witness`, `[[witness]]`).
    pub witnessed: Vec<WitnessedCheckpoint>,
}

/// Verifies the whole store. `external` is the text of checkpoints kept
/// outside the store (as `vakt checkpoint` printed them), if any.
pub fn verify(store: &StoreReader, external: Option<&str>) -> VerifyReport {
    verify_with(
        store,
        &Outside {
            against: external.map(str::to_string),
            witnessed: Vec::new(),
        },
    )
}

/// Verifies the whole store against its own files, the checkpoints kept
/// outside it, the checkpoints witnesses hold and the cosigned
/// checkpoints in the store: a store shorter than what any of them signed
/// is `truncated`, one whose records differ from it is a `fork`.
pub fn verify_with(store: &StoreReader, outside: &Outside) -> VerifyReport {
    let mut report = VerifyReport {
        ok: false,
        store_id: store.info().store_id.clone(),
        key_fingerprint: String::new(),
        keys: Vec::new(),
        streams: Vec::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
        external_checkpoints: 0,
        witnessed_checkpoints: 0,
        witnessing: Vec::new(),
        pruned: Vec::new(),
    };
    let keys = match store.keys() {
        Ok(keys) => keys,
        Err(error) => {
            report.problems.push(
                Problem::store_wide(
                    "store-key",
                    format!("the store's keys cannot be read: {error}"),
                )
                .in_file(layout::STORE_INFO.to_string()),
            );
            return report;
        }
    };
    report.key_fingerprint = keys.current().fingerprint();
    report.keys = keys
        .keys()
        .iter()
        .map(|key| KeyReport {
            fingerprint: key.verifier.fingerprint(),
            verifier_key: key.verifier.to_vkey(),
            from_txn: key.from_txn,
            since: key.since,
        })
        .collect();
    let mut external_by_stream = outside
        .against
        .as_deref()
        .map(|text| external_expectations(store, &keys, text, &mut report))
        .unwrap_or_default();
    witnessed_expectations(store, &keys, outside, &mut external_by_stream, &mut report);
    check_store_files(store, &mut report);
    let pruned = match store.pruned() {
        Ok(pruned) => pruned,
        Err(error) => {
            report.problems.push(
                Problem::store_wide("pruned-log", error.to_string()).in_file(layout::PRUNED.into()),
            );
            BTreeMap::new()
        }
    };
    report.pruned = prunes::check(store, &pruned, &mut report.problems);
    let mut index = index::IndexCheck::prepare(store, &mut report.warnings);
    let mut work: Vec<StreamWork> = Stream::ALL
        .into_iter()
        .map(|stream| StreamWork {
            stream,
            external: external_by_stream.remove(&stream).unwrap_or_default(),
            index: index.as_mut().and_then(|index| index.take_expected(stream)),
            size: store.head().stream(stream).map_or(0, |head| head.tree_size),
        })
        .collect();
    let decided = decided_commit(store, &keys);
    for done in check_streams(store, &keys, &pruned, decided.as_ref(), &mut work) {
        report.problems.extend(done.problems);
        report.warnings.extend(done.warnings);
        report.streams.push(done.report);
        if let (Some(index), Some((_, digest))) = (index.as_mut(), done.index) {
            index.put_expected(done.report_stream, digest);
        }
    }
    if let Some(index) = index {
        index.compare(&mut report.problems, &mut report.warnings);
    }
    report.ok = report.problems.is_empty();
    report
}

/// One stream still to check.
struct StreamWork {
    stream: Stream,
    external: Vec<Expectation>,
    index: Option<(u64, RecordsDigest)>,
    /// Records committed: the biggest streams start first.
    size: u64,
}

/// What the check of one stream found.
struct StreamDone {
    report_stream: Stream,
    report: StreamReport,
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
    index: Option<(u64, RecordsDigest)>,
}

/// Checks every stream, on as many threads as the machine has cores (the
/// streams are independent logs), and returns what each found in
/// `Stream::ALL` order, so the report reads the same however they ran.
fn check_streams(
    store: &StoreReader,
    keys: &KeyRing,
    pruned: &BTreeMap<String, vakt_schemas::prune::PrunedSegment>,
    decided: Option<&Head>,
    work: &mut Vec<StreamWork>,
) -> Vec<StreamDone> {
    work.sort_by_key(|item| std::cmp::Reverse(item.size));
    let queue = std::sync::Mutex::new(std::mem::take(work));
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, Stream::ALL.len());
    let check = || {
        let mut done = Vec::new();
        loop {
            let next = queue.lock().ok().and_then(|mut queue| {
                if queue.is_empty() {
                    None
                } else {
                    Some(queue.remove(0))
                }
            });
            let Some(mut item) = next else { break };
            let mut problems = Vec::new();
            let mut warnings = Vec::new();
            let report = StreamCheck::new(
                store,
                keys,
                item.stream,
                &mut problems,
                &mut warnings,
                pruned,
                item.index.as_mut().map(|(bound, digest)| (*bound, digest)),
            )
            .with_decided(decided)
            .run(item.external);
            done.push(StreamDone {
                report_stream: item.stream,
                report,
                problems,
                warnings,
                index: item.index,
            });
        }
        done
    };
    let mut all: Vec<StreamDone> = std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads).map(|_| scope.spawn(check)).collect();
        let mut all = check();
        for worker in workers {
            // A panicking check is a bug: let it surface as one.
            match worker.join() {
                Ok(done) => all.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    });
    all.sort_by_key(|done| {
        Stream::ALL
            .iter()
            .position(|stream| *stream == done.report_stream)
    });
    all
}

/// The commit an interrupted writer had decided: a `HEAD.tmp` signed with
/// the store's keys that is `HEAD`'s next commit, with the manifests at the
/// lengths it names. Its checkpoints may
/// already stand past `HEAD`'s lengths; the next writer completes it
/// (`recovery.rs`), so they are no sign of a `HEAD` put back.
fn decided_commit(store: &StoreReader, keys: &KeyRing) -> Option<Head> {
    let text = store.storage().read_to_string(layout::HEAD_TEMP).ok()?;
    let next = parse_signed_head(&text, store.info(), keys).ok()?;
    if next.txn != store.head().txn + 1 {
        return None;
    }
    // As recovery requires: the manifests end where it says they do.
    let storage = store.storage();
    let manifests_match = next.streams.iter().all(|(stream, head)| {
        storage.len(&layout::manifest(*stream)).ok() == Some(head.manifest_bytes)
    });
    manifests_match.then_some(next)
}

/// Names a store's root may hold besides the streams' folders.
const KNOWN_AT_ROOT: [&str; 14] = [
    layout::PRUNED,
    layout::NONCE_KEY,
    layout::KEY_ROTATIONS,
    layout::STORE_INFO,
    layout::HEAD,
    layout::HEAD_TEMP,
    layout::LOCK,
    layout::COMMIT_LOCK,
    "keys",
    layout::INDEX,
    "index.rebuild",
    "index.old",
    RECOVERED,
    layout::RUN,
];

/// What the store's folder holds besides the streams: the signing key
/// (it must be the key of `store.json`), leftovers of interrupted commits,
/// what recovery set aside, unknown files, and who else may read it.
fn check_store_files(store: &StoreReader, report: &mut VerifyReport) {
    let storage = store.storage();
    if storage.exists(layout::SIGNING_KEY).unwrap_or(false) {
        report.warnings.push(
            Problem::store_wide(
                "signing-key-in-store",
                format!(
                    "the signing key is inside the store ({}), where whoever can copy the store \
                     can sign for it; move it out: `mv {} {}` (see `vakt key show`)",
                    layout::SIGNING_KEY,
                    storage.path(layout::SIGNING_KEY).display(),
                    crate::keys::default_key_path(storage, store.info()).map_or_else(
                        |_| "<a file outside the store>".into(),
                        |path| path.display().to_string()
                    )
                ),
            )
            .in_file(layout::SIGNING_KEY.into()),
        );
    }
    let head_text = match store.head_file() {
        Some(text) => Ok(text.to_string()),
        None => storage
            .read_to_string(layout::HEAD)
            .map_err(|error| error.to_string()),
    };
    if let Ok(keys) = store.keys()
        && let Err(detail) =
            head_text.and_then(|text| parse_signed_head(&text, store.info(), &keys))
    {
        report.problems.push(
            Problem::store_wide(
                "head-signature",
                format!(
                    "HEAD cannot be trusted: {detail}; it was edited or replaced, and its \
                     source progress and lengths may be false"
                ),
            )
            .in_file(layout::HEAD.into()),
        );
    }
    if let Err(problem) = crate::nonce_key::load(storage) {
        report.problems.push(
            Problem::store_wide("nonce-key", problem.to_string()).in_file(layout::NONCE_KEY.into()),
        );
    }
    if storage.exists(layout::HEAD_TEMP).unwrap_or(false) {
        report.warnings.push(
            Problem::store_wide(
                "interrupted-commit",
                "HEAD.tmp exists: a commit was interrupted; the next writer completes it or sets \
                 it aside in recovered/"
                    .into(),
            )
            .in_file(layout::HEAD_TEMP.into()),
        );
    }
    let recovered = storage.list(RECOVERED).map_or(0, |files| files.len());
    if recovered > 0 {
        report.warnings.push(
            Problem::store_wide(
                "recovered",
                format!(
                    "{recovered} files that interrupted commits left are kept in {RECOVERED}/; \
                     they are no part of the store"
                ),
            )
            .in_file(RECOVERED.into()),
        );
    }
    if let Ok(files) = storage.list("") {
        let names: std::collections::BTreeSet<String> = files
            .iter()
            .filter_map(|file| file.relative.split('/').next())
            .map(str::to_string)
            .collect();
        for name in names {
            let known = KNOWN_AT_ROOT.contains(&name.as_str())
                || Stream::ALL.iter().any(|stream| stream.name() == name);
            if !known {
                report.warnings.push(
                    Problem::store_wide(
                        "unknown-file",
                        format!("{name} is no part of the store format; vakt never reads it"),
                    )
                    .in_file(name),
                );
            }
        }
    }
    let Some(root) = storage.local_root() else {
        return;
    };
    let exposed = exposed_paths(root, 5);
    if let Some((first, mode)) = exposed.first() {
        report.warnings.push(
            Problem::store_wide(
                "store-permissions",
                format!(
                    "other users of this machine can read the store ({first} has mode {mode:04o}{}); \
                     make it private with `chmod -R go-rwx {}`",
                    if exposed.len() > 1 { ", and more" } else { "" },
                    root.display()
                ),
            )
            .in_file(first.clone()),
        );
    }
}

/// Reads checkpoints kept outside the store: each must carry the store's
/// signature and one of its streams' origins.
fn external_expectations(
    store: &StoreReader,
    keys: &KeyRing,
    text: &str,
    report: &mut VerifyReport,
) -> BTreeMap<Stream, Vec<Expectation>> {
    let mut by_stream: BTreeMap<Stream, Vec<Expectation>> = BTreeMap::new();
    let notes = split_notes(text);
    if notes.is_empty() {
        report.problems.push(external_problem(
            "no signed checkpoint found in the file given with --against".into(),
        ));
    }
    for (index, note) in notes.iter().enumerate() {
        let (checkpoint, key) = match keys.verify_checkpoint(note) {
            Ok(verified) => verified,
            Err(error) => {
                report.problems.push(external_problem(format!(
                    "external checkpoint {} does not verify with this store's keys: {error}; \
                     either it belongs to another store or the store's key was replaced",
                    index + 1,
                )));
                continue;
            }
        };
        let Some(stream) = Stream::ALL
            .into_iter()
            .find(|stream| store.info().origin(*stream) == checkpoint.origin)
        else {
            report.problems.push(external_problem(format!(
                "external checkpoint {} has origin `{}`, which is none of this store's streams",
                index + 1,
                checkpoint.origin
            )));
            continue;
        };
        report.external_checkpoints += 1;
        by_stream
            .entry(stream)
            .or_default()
            .push(outside_expectation(
                &checkpoint,
                key,
                format!(
                    "external checkpoint {} (size {})",
                    index + 1,
                    checkpoint.size
                ),
            ));
    }
    by_stream
}

/// The checkpoints witnesses hold and those cosigned in the store's
/// `<stream>/cosignatures` logs, as expectations of the rebuilt trees.
fn witnessed_expectations(
    store: &StoreReader,
    keys: &KeyRing,
    outside: &Outside,
    by_stream: &mut BTreeMap<Stream, Vec<Expectation>>,
    report: &mut VerifyReport,
) {
    for witnessed in &outside.witnessed {
        let (checkpoint, key) = match keys.verify_checkpoint(&witnessed.note) {
            Ok(verified) => verified,
            Err(error) => {
                report.problems.push(Problem::store_wide(
                    "witness-checkpoint",
                    format!(
                        "the checkpoint witness {} holds does not verify with this store's keys: \
                         {error}; the store's key was replaced, or the witness watches another \
                         store",
                        witnessed.witness
                    ),
                ));
                continue;
            }
        };
        let Some(stream) = stream_of(store, &checkpoint) else {
            continue;
        };
        report.witnessed_checkpoints += 1;
        let when = witnessed
            .cosigned_at
            .map_or_else(String::new, |time| format!(" at {}", time.to_rfc3339()));
        by_stream
            .entry(stream)
            .or_default()
            .push(outside_expectation(
                &checkpoint,
                key,
                format!(
                    "the checkpoint witness {} cosigned{when} (size {}, root {})",
                    witnessed.witness,
                    checkpoint.size,
                    hex::encode(checkpoint.root)
                ),
            ));
    }
    for stream in Stream::ALL {
        let Ok(notes) = store.cosigned(stream) else {
            continue;
        };
        for note in notes {
            let Ok((checkpoint, key)) = keys.verify_checkpoint(&note) else {
                report.problems.push(
                    Problem::new(
                        stream,
                        "cosigned-checkpoint",
                        "a cosigned checkpoint in the store does not verify with the store's keys"
                            .into(),
                    )
                    .in_file(layout::cosignatures(stream)),
                );
                continue;
            };
            if stream_of(store, &checkpoint) != Some(stream) {
                continue;
            }
            by_stream
                .entry(stream)
                .or_default()
                .push(outside_expectation(
                    &checkpoint,
                    key,
                    format!(
                        "the checkpoint {} cosigned (size {}, root {}, kept in {})",
                        cosigner_names(&note, keys),
                        checkpoint.size,
                        hex::encode(checkpoint.root),
                        layout::cosignatures(stream)
                    ),
                ));
        }
    }
}

/// The stream whose origin a checkpoint names, if it is this store's.
fn stream_of(store: &StoreReader, checkpoint: &Checkpoint) -> Option<Stream> {
    Stream::ALL
        .into_iter()
        .find(|stream| store.info().origin(*stream) == checkpoint.origin)
}

/// The names on a note's signature lines other than the store's own keys'.
fn cosigner_names(note: &str, keys: &KeyRing) -> String {
    let store_name = keys.current().name();
    let names: Vec<&str> = note
        .lines()
        .filter_map(|line| line.strip_prefix("\u{2014} "))
        .filter_map(|line| line.split(' ').next())
        .filter(|name| *name != store_name)
        .collect();
    if names.is_empty() {
        "no witness".to_string()
    } else {
        names.join(", ")
    }
}

fn external_problem(message: String) -> Problem {
    Problem::store_wide("external-checkpoint", message)
}

/// A checkpoint from outside the store (given, held by a witness, or kept
/// cosigned), signed by the key at position `key` of the store's chain.
fn outside_expectation(checkpoint: &Checkpoint, key: usize, label: String) -> Expectation {
    Expectation {
        key: Some(key),
        ..expectation(checkpoint, true, label)
    }
}

pub(crate) fn expectation(checkpoint: &Checkpoint, external: bool, label: String) -> Expectation {
    let manifest_hash = checkpoint
        .extensions
        .iter()
        .find_map(|line| line.strip_prefix("manifest "))
        .map(str::to_string);
    Expectation {
        size: checkpoint.size,
        root: checkpoint.root,
        manifest_hash,
        external,
        label,
        key: None,
    }
}
