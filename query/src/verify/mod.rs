//! `vakt verify`: derives every record's leaf hash again from its typed
//! columns, rebuilds each stream's Merkle tree, and checks it against the
//! manifest's hash chain, the segment files' digests, the signed checkpoints
//! in the store and, when given, checkpoints kept outside it. Every problem
//! names the stream, sequence range, time range and file it concerns.

mod report;
mod segment;
mod stream;

use std::collections::BTreeMap;

use vakt_schemas::checkpoint::{Checkpoint, NoteVerifier, split_notes};
use vakt_schemas::merkle::Hash;
use vakt_schemas::{Stream, layout};

use crate::reader::StoreReader;

pub use report::{Problem, StreamReport, VerifyReport};
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
}

/// Verifies the whole store. `external` is the text of checkpoints kept
/// outside the store (as `vakt checkpoint` printed them), if any.
pub fn verify(store: &StoreReader, external: Option<&str>) -> VerifyReport {
    let mut report = VerifyReport {
        ok: false,
        store_id: store.info().store_id.clone(),
        key_fingerprint: String::new(),
        streams: Vec::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
        external_checkpoints: 0,
    };
    let verifier = match store.verifier() {
        Ok(verifier) => verifier,
        Err(error) => {
            report.problems.push(
                Problem::store_wide(
                    "store-key",
                    format!("the store's verifier key cannot be read: {error}"),
                )
                .in_file(layout::STORE_INFO.to_string()),
            );
            return report;
        }
    };
    report.key_fingerprint = verifier.fingerprint();
    let mut external_by_stream = external
        .map(|text| external_expectations(store, &verifier, text, &mut report))
        .unwrap_or_default();
    for stream in Stream::ALL {
        let external = external_by_stream.remove(&stream).unwrap_or_default();
        let stream_report = StreamCheck::new(
            store,
            &verifier,
            stream,
            &mut report.problems,
            &mut report.warnings,
        )
        .run(external);
        report.streams.push(stream_report);
    }
    report.ok = report.problems.is_empty();
    report
}

/// Reads checkpoints kept outside the store: each must carry the store's
/// signature and one of its streams' origins.
fn external_expectations(
    store: &StoreReader,
    verifier: &NoteVerifier,
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
        let checkpoint = match verifier.verify(note) {
            Ok(checkpoint) => checkpoint,
            Err(error) => {
                report.problems.push(external_problem(format!(
                    "external checkpoint {} does not verify with this store's key {}: {error}; \
                     either it belongs to another store or the store's key was replaced",
                    index + 1,
                    verifier.fingerprint()
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
        by_stream.entry(stream).or_default().push(expectation(
            &checkpoint,
            true,
            format!(
                "external checkpoint {} (size {})",
                index + 1,
                checkpoint.size
            ),
        ));
    }
    by_stream
}

fn external_problem(message: String) -> Problem {
    Problem::store_wide("external-checkpoint", message)
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
    }
}
