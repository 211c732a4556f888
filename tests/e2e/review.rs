//! `vakt review` on the sample institute-year: exactly the findings listed
//! in sample-logs/expected-findings.json, none missing and none extra, each
//! citing its clause and evidence.

use std::collections::BTreeSet;

use crate::common::{TestStore, sample_log_dirs, sample_logs, stderr, stdout};

/// The sample year's store, with its registry.
fn sample_year() -> TestStore {
    let store = TestStore::new();
    let registry = sample_logs().join("registry");
    let summary = store.ingest(
        &sample_log_dirs(),
        &["--registry", registry.to_str().unwrap()],
    );
    assert_eq!(summary["lines_quarantined"], 0, "{summary}");
    store
}

fn review(store: &TestStore, format: &str) -> String {
    let output = store.run(&["review", "--year", "2025", "--format", format]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "review: {}{}",
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

#[test]
fn the_sample_year_gives_exactly_the_expected_findings() {
    let store = sample_year();
    let review: serde_json::Value = serde_json::from_str(&review(&store, "json")).unwrap();
    let expected_text =
        std::fs::read_to_string(sample_logs().join("expected-findings.json")).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&expected_text).unwrap();
    let expected: BTreeSet<(String, String)> = expected
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["check"].as_str().unwrap().to_string(),
                item["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect();

    let mut found = BTreeSet::new();
    for area in review["areas"].as_array().unwrap() {
        for finding in area["findings"].as_array().unwrap() {
            let check = finding["check"].as_str().unwrap().to_string();
            let subject = finding["subject"].as_str().unwrap().to_string();
            assert!(!finding["clause"].as_str().unwrap().is_empty(), "{finding}");
            assert!(
                !finding["statement"].as_str().unwrap().is_empty(),
                "{finding}"
            );
            let evidence = &finding["evidence"];
            let cited = !evidence["records"].as_object().unwrap().is_empty()
                || !evidence["registry"].as_array().unwrap().is_empty()
                || !evidence["notes"].as_array().unwrap().is_empty();
            assert!(cited, "a finding without evidence: {finding}");
            found.insert((check, subject));
        }
    }
    let missing: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nextra: {extra:#?}"
    );

    // Every check of CHECKS.md but the store's own verification is shown
    // by the sample; the store verifies.
    let checks: BTreeSet<&str> = expected.iter().map(|(check, _)| check.as_str()).collect();
    assert_eq!(checks.len(), 26, "checks the sample violates: {checks:?}");
    assert!(!checks.contains("store_verification"));
    assert_eq!(review["integrity"]["verified"], true);
    assert_eq!(review["registry"]["snapshots"], 1);
}

#[test]
fn the_markdown_review_shows_verdicts_areas_and_evidence() {
    let store = sample_year();
    let text = review(&store, "md");
    for heading in [
        "# Security review 2025",
        "## (a) datasets are correctly classified",
        "## (b) datasets that are due for deletion",
        "## (c) users have only the access",
        "## (d) the security barriers",
        "## Spot checks",
        "## Log integrity and retention",
    ] {
        assert!(text.contains(heading), "{heading} missing from:\n{text}");
    }
    assert!(text.contains("Log integrity: verified."), "{text}");
    // The review of the year is itself recorded.
    let output = store.run(&[
        "sql",
        "--format",
        "json",
        "SELECT command, rows FROM audit WHERE command = 'review'",
    ]);
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
}

#[test]
fn a_year_that_has_not_begun_cannot_be_reviewed() {
    let store = TestStore::new();
    let output = store.run(&["review", "--year", "2999"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("2999"), "{}", stderr(&output));
}
