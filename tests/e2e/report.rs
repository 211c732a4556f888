//! `vakt report`: a generated institute-year's review as a PDF in both
//! languages, read back with `pdftotext` (poppler-utils): every finding's
//! subject, every signed checkpoint root and every chapter is in it, and
//! the PDF's SHA-256 is recorded in the audit stream.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};
use vakt_schemas::{Event, Stream};
use vakt_store::StoreReader;

use crate::common::{TestStore, stderr, stdout, vakt};

/// A store holding a generated year (2025) with its registry, and its config.
fn generated_store(work: &Path) -> (TestStore, PathBuf) {
    let output = vakt(
        work,
        &[
            "generate", "--events", "6000", "--seed", "11", "--out", "gen", "--format", "json",
        ],
    );
    assert!(output.status.success(), "generate: {}", stderr(&output));
    let gen_dir = work.join("gen");
    let config = gen_dir.join("vakt.toml");
    let store = TestStore::new();
    let mut args = vec![
        "ingest".to_string(),
        "--output".to_string(),
        "json".to_string(),
        "--registry".to_string(),
        gen_dir.join("registry").display().to_string(),
    ];
    for entry in fs::read_dir(&gen_dir).expect("generated folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() && path.file_name().is_some_and(|name| name != "registry") {
            args.push(path.display().to_string());
        }
    }
    let output = run(
        &store,
        &config,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(
        output.status.success(),
        "ingest: {}{}",
        stdout(&output),
        stderr(&output)
    );
    (store, config)
}

fn run(store: &TestStore, config: &Path, args: &[&str]) -> Output {
    let store_path = store.path();
    let mut all = vec![
        "--store",
        store_path.to_str().expect("utf-8 path"),
        "--config",
        config.to_str().expect("utf-8 path"),
    ];
    all.extend_from_slice(args);
    vakt(store.dir.path(), &all)
}

fn pdf_text(path: &Path) -> String {
    let output = Command::new("pdftotext")
        .arg("-layout")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed: .ci/run installs it");
    assert!(output.status.success(), "pdftotext {}", path.display());
    String::from_utf8(output.stdout).expect("UTF-8 text")
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn report_results(store: &TestStore) -> Vec<String> {
    let reader = StoreReader::open(&store.path()).expect("open the store");
    reader
        .records(Stream::Audit)
        .expect("audit records")
        .into_iter()
        .filter_map(|record| match record.event {
            Event::Audit(event) if event.command == "report" => event.result,
            _ => None,
        })
        .collect()
}

#[test]
fn the_review_pdf_holds_every_finding_checkpoint_and_chapter_in_both_languages() {
    let work = tempfile::tempdir().expect("temporary folder");
    let (store, config) = generated_store(work.path());

    let output = run(
        &store,
        &config,
        &["review", "--year", "2025", "--format", "json"],
    );
    assert!(output.status.success(), "review: {}", stderr(&output));
    let review: serde_json::Value = serde_json::from_slice(&output.stdout).expect("review JSON");
    let review_path = work.path().join("review-2025.json");
    fs::write(&review_path, &output.stdout).expect("write the review");

    let nb = work.path().join("review-2025.pdf");
    let output = run(
        &store,
        &config,
        &[
            "report",
            "--year",
            "2025",
            "--out",
            nb.to_str().expect("utf-8"),
        ],
    );
    assert!(
        output.status.success(),
        "report: {}{}",
        stdout(&output),
        stderr(&output)
    );
    let bytes = fs::read(&nb).expect("the PDF is written");
    assert!(bytes.starts_with(b"%PDF-"));
    let sha = hex::encode(Sha256::digest(&bytes));
    let printed = stdout(&output);
    assert!(printed.contains(&sha), "{printed}");
    assert!(printed.contains("pages"), "{printed}");
    assert!(
        report_results(&store)
            .iter()
            .any(|result| result.contains(&sha)),
        "the PDF's SHA-256 is in the audit stream"
    );

    let text = pdf_text(&nb);
    let flat = squeeze(&text);
    for heading in [
        "Sikkerhetsgjennomgang 2025",
        "Sammendrag",
        "a) Klassifisering og lagring",
        "b) Sletting",
        "c) Brukerrettigheter",
        "d) Barrierer",
        "Stikkprøver",
        "Loggenes integritet og oppbevaring",
        "Signerte kontrollpunkter",
        "Vedlegg: metode",
    ] {
        assert!(flat.contains(heading), "no heading {heading:?}");
    }
    let mut subjects = 0;
    for area in review["areas"].as_array().expect("areas") {
        for finding in area["findings"].as_array().expect("findings") {
            let subject = finding["subject"].as_str().expect("subject");
            assert!(flat.contains(subject), "no finding {subject:?}");
            subjects += 1;
        }
    }
    assert!(subjects > 0, "the generated year has findings");
    // For the auditor: every log source with its counts, and the SHA-256
    // of each registry file as recorded.
    assert!(flat.contains("Loggkilder"), "no log sources");
    let files = review["registry"]["files"]
        .as_object()
        .expect("registry files");
    assert!(files.contains_key("datasets.toml"), "{files:?}");
    for (file, sha256) in files {
        let sha256 = sha256.as_str().expect("a digest");
        assert!(text.contains(sha256), "no SHA-256 of {file}");
    }
    // The checkpoints printed are the newest when the report ran: the
    // review's, plus the audit record of that review.
    for stream in review["integrity"]["streams"].as_array().expect("streams") {
        if stream["stream"] == "audit" {
            continue;
        }
        if let Some(note) = stream["checkpoint"].as_str() {
            let root = note.lines().nth(2).expect("a root line");
            assert!(text.contains(root), "no checkpoint root {root}");
        }
    }

    let en = work.path().join("review-2025-en.pdf");
    let data = work.path().join("review-2025-data.json");
    let output = run(
        &store,
        &config,
        &[
            "report",
            "--year",
            "2025",
            "--lang",
            "en",
            "--no-verify",
            "--previous",
            review_path.to_str().expect("utf-8"),
            "--data",
            data.to_str().expect("utf-8"),
            "--out",
            en.to_str().expect("utf-8"),
        ],
    );
    assert!(
        output.status.success(),
        "report --lang en: {}{}",
        stdout(&output),
        stderr(&output)
    );
    let flat = squeeze(&pdf_text(&en));
    for heading in [
        "Security review 2025",
        "Summary",
        "a) Classification and storage",
        "d) Barriers",
        "Changes since last year",
        "The store only grew since last year",
        "Appendix: method",
    ] {
        assert!(flat.contains(heading), "no heading {heading:?}");
    }
    assert!(
        flat.contains("proven"),
        "the consistency proof since the review"
    );
    let data: serde_json::Value =
        serde_json::from_slice(&fs::read(&data).expect("--data is written")).expect("JSON");
    assert_eq!(data["review"]["period"]["year"], 2025);
}

#[test]
fn a_report_of_a_year_not_begun_fails_without_writing() {
    let store = TestStore::new();
    let out = store.dir.path().join("r.pdf");
    let output = store.run(&[
        "report",
        "--year",
        "2999",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!out.exists());
}
