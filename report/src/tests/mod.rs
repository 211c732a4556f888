//! Renders reviews of a small store: both languages, the same bytes twice,
//! every finding's subject, every checkpoint root and every heading in the
//! PDF's text (read back with `pdftotext` of poppler-utils), and last year's
//! checkpoints proven consistent with this year's.

use std::path::Path;
use std::process::Command;

use serde_json::{Value as Json, json};
use tempfile::TempDir;
use vakt_ingest::parse::Format;
use vakt_ingest::{IngestOptions, ingest};
use vakt_review::{History, Review, ReviewOptions, review_against};
use vakt_schemas::config::Config;
use vakt_schemas::registry::Registry;
use vakt_store::StoreReader;
use vakt_store::{StoreWriter, init_store};

use super::*;

mod chapters;

const CONFIG: &str = r#"
institute = "Testinstituttet for æøå"
[zones]
internal = ["10.10.0.0/16"]
secure = ["10.20.0.0/24"]
hosts = { ts1 = "secure", fs1 = "secure" }
[secure_zone]
terminal_servers = { ts1 = "10.20.0.10" }
[areas]
system = ["/system"]
program = ["/program"]
data = ["/data"]
project = ["/prosjekt"]
user = ["/home"]
"#;

const PEOPLE: &str = r#"
[[person]]
user = "kari"
name = "Kari Ås"
kind = "employee"
declaration_signed = 2024-01-01
[[person]]
user = "ola"
name = "Ola Øye"
kind = "employee"
declaration_signed = 2024-01-01
end = 2025-06-30
"#;

const DATASETS: &str = r#"
[[dataset]]
id = "hud"
name = "Hudregisteret"
sensitivity = "S"
identifiability = 3
class = "B"
zone = "secure"
area = "data"
paths = ["/data/hud"]
owner = "kari"
project = "p1"
"#;

const GRANTS: &str = r#"
[[grant]]
id = "k-zone"
user = "kari"
scope = "secure-zone"
granted_by = "dir"
from = 2025-01-01
until = 2025-12-31
[[grant]]
id = "k-hud"
user = "kari"
scope = "dataset:hud"
granted_by = "dir"
approved_by = "dir"
verified_by = "sec"
from = 2025-01-01
until = 2025-12-31
"#;

fn registry() -> Registry {
    let texts = [
        ("datasets.toml", DATASETS),
        ("people.toml", PEOPLE),
        ("authorizations.toml", GRANTS),
    ]
    .into_iter()
    .map(|(name, text)| (name.to_string(), text.to_string()))
    .collect();
    Registry::parse(&texts).expect("the test registry parses")
}

fn login(time: &str, user: &str, multi_factor: bool) -> Json {
    json!({"stream": "sessions", "time": time, "server": "ts1", "protocol": "ssh", "action": "login",
           "user": user, "src_ip": "10.10.1.5", "multi_factor": multi_factor,
           "auth_methods": if multi_factor { "publickey,keyboard-interactive" } else { "password" }})
}

fn access(time: &str, user: &str, path: &str) -> Json {
    json!({"stream": "access", "time": time, "host": "fs1", "user": user, "operation": "read",
           "path": path, "success": true})
}

fn packet(time: &str, src: &str, dst: &str, port: u16, action: &str) -> Json {
    json!({"stream": "firewall", "time": time, "device": "fw", "action": action, "src_ip": src,
           "dst_ip": dst, "dst_port": port, "protocol": "TCP", "new_connection": true})
}

/// The first half of the year's events, then the second.
fn events() -> (Vec<Json>, Vec<Json>) {
    let mut first = Vec::new();
    for month in 1..=6 {
        first.push(login(
            &format!("2025-{month:02}-03T08:00:00Z"),
            "kari",
            true,
        ));
        first.push(access(
            &format!("2025-{month:02}-03T08:05:00Z"),
            "kari",
            "/data/hud/a.csv",
        ));
        first.push(packet(
            &format!("2025-{month:02}-03T08:00:00Z"),
            "10.10.1.5",
            "10.20.0.10",
            22,
            "allow",
        ));
        first.push(packet(
            &format!("2025-{month:02}-04T03:00:00Z"),
            "198.51.100.7",
            "10.20.0.11",
            22,
            "deny",
        ));
    }
    // Findings: a single-factor login, a login and an access by ola, who
    // has no grant, and a connection from outside into the secure zone.
    first.push(login("2025-03-10T09:00:00Z", "kari", false));
    first.push(login("2025-04-01T10:00:00Z", "ola", true));
    first.push(access("2025-04-01T10:05:00Z", "ola", "/data/hud/b.csv"));
    first.push(packet(
        "2025-05-05T12:00:00Z",
        "198.51.100.7",
        "10.20.0.11",
        443,
        "allow",
    ));
    let mut second = Vec::new();
    for month in 7..=12 {
        second.push(login(
            &format!("2025-{month:02}-03T08:00:00Z"),
            "kari",
            true,
        ));
        second.push(packet(
            &format!("2025-{month:02}-03T08:00:00Z"),
            "10.10.1.5",
            "10.20.0.10",
            22,
            "allow",
        ));
    }
    second.push(login("2025-08-01T10:00:00Z", "ola", true));
    (first, second)
}

fn ingest_events(root: &Path, dir: &Path, name: &str, events: &[Json], config: &Config) {
    let input = dir.join(name);
    let lines: Vec<String> = events.iter().map(Json::to_string).collect();
    std::fs::write(&input, lines.join("\n") + "\n").expect("write events");
    let mut writer = StoreWriter::open(root).expect("open the store");
    let options = IngestOptions {
        format: Format::Jsonl,
        ..IngestOptions::from_config(config)
    };
    let summary =
        ingest(&mut writer, config, &[input], &options, &mut |_| {}).expect("ingest events");
    assert_eq!(summary.lines_quarantined, 0, "{summary:?}");
}

fn review_2025(reader: &StoreReader, config: &Config) -> Review {
    let options = ReviewOptions {
        year: 2025,
        now: "2026-02-01T00:00:00Z".parse().expect("a time"),
        verify: true,
    };
    review_against(reader, config, &History::single(registry()), &options).expect("the review")
}

/// A store with the whole year, and last year's review made halfway.
struct Fixture {
    _dir: TempDir,
    reader: StoreReader,
    review: Review,
    previous: Previous,
}

fn fixture() -> Fixture {
    let dir = TempDir::new().expect("temporary folder");
    let root = dir.path().join("store");
    init_store(&root).expect("init the store");
    let config = Config::parse(CONFIG).expect("the test configuration");
    let (first, second) = events();
    ingest_events(&root, dir.path(), "first.jsonl", &first, &config);
    let halfway = review_2025(&StoreReader::open(&root).expect("open"), &config);
    let previous_json = serde_json::to_vec(&halfway).expect("the review as JSON");
    let previous = Previous::from_json(&previous_json).expect("the review reads back");
    ingest_events(&root, dir.path(), "second.jsonl", &second, &config);
    let reader = StoreReader::open(&root).expect("open");
    let review = review_2025(&reader, &config);
    Fixture {
        _dir: dir,
        reader,
        review,
        previous,
    }
}

fn options(fixture: &Fixture, language: Language) -> RenderOptions {
    RenderOptions {
        language,
        date: None,
        director: Some("Dina Direktør".to_string()),
        prepared_by: Some("Per Forbereder".to_string()),
        figures: Some(figures(&fixture.reader, &fixture.review.period).expect("figures")),
        anchors: Some(
            anchors(&fixture.reader, &fixture.review, Some(&fixture.previous)).expect("anchors"),
        ),
        previous: Some(fixture.previous.clone()),
        config_digest: Some(sha256_hex(CONFIG.as_bytes())),
    }
}

/// The PDF's text, by `pdftotext -layout`.
fn pdf_text(pdf: &[u8]) -> String {
    pdftotext(pdf, "-layout")
}

/// The PDF's text in the order it was written (`pdftotext -raw`): a
/// table cell's lines stay together.
fn pdf_text_raw(pdf: &[u8]) -> String {
    pdftotext(pdf, "-raw")
}

fn pdftotext(pdf: &[u8], mode: &str) -> String {
    let dir = TempDir::new().expect("temporary folder");
    let path = dir.path().join("review.pdf");
    std::fs::write(&path, pdf).expect("write the PDF");
    let output = Command::new("pdftotext")
        .arg(mode)
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed: apt-get install poppler-utils");
    assert!(output.status.success(), "pdftotext failed");
    String::from_utf8(output.stdout).expect("pdftotext writes UTF-8")
}

/// Text with its whitespace collapsed, so a phrase broken over lines is found.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_figures_count_the_year_by_local_month() {
    let fixture = fixture();
    let figures = figures(&fixture.reader, &fixture.review.period).expect("figures");
    let sessions = figures.events_per_month["sessions"];
    assert_eq!(sessions[0], 1);
    assert_eq!(
        sessions[2], 2,
        "March: a monthly login and the single-factor one"
    );
    assert_eq!(sessions.iter().sum::<u64>(), 12 + 1 + 2);
    assert_eq!(figures.secure_denied.iter().sum::<u64>(), 6);
    assert_eq!(figures.secure_allowed.iter().sum::<u64>(), 12 + 1);
    assert_eq!(figures.sessions_per_user[0].user, "kari");
    assert_eq!(figures.sessions_per_user[0].sessions, 13);
    assert_eq!(figures.days_in_period, 365);
    assert_eq!(figures.days_covered["access"], 7);
}

#[test]
fn last_years_checkpoints_are_proven_consistent() {
    let fixture = fixture();
    let anchors =
        anchors(&fixture.reader, &fixture.review, Some(&fixture.previous)).expect("anchors");
    for stream in ["sessions", "firewall"] {
        let anchor = anchors
            .streams
            .iter()
            .find(|anchor| anchor.stream == stream)
            .expect("every stream");
        let checkpoint = anchor.checkpoint.as_ref().expect("a checkpoint");
        assert_eq!(checkpoint.signature, "verified");
        let consistency = anchor.since_previous.as_ref().expect("a consistency check");
        assert_eq!(consistency.outcome, "proven", "{stream}: {consistency:?}");
        assert!(consistency.old_size < consistency.new_size);
    }
    let access = anchors
        .streams
        .iter()
        .find(|anchor| anchor.stream == "access")
        .and_then(|anchor| anchor.since_previous.as_ref())
        .expect("access");
    assert_eq!(access.outcome, "unchanged", "no access after halfway");
}

#[test]
fn a_checkpoint_of_another_store_is_not_taken_as_last_years() {
    let other = fixture();
    let fixture = self::fixture();
    let anchors =
        anchors(&fixture.reader, &fixture.review, Some(&other.previous)).expect("anchors");
    for anchor in &anchors.streams {
        let consistency = anchor.since_previous.as_ref().expect("checked");
        assert!(
            ["not_signed", "missing"].contains(&consistency.outcome),
            "{}: {consistency:?}",
            anchor.stream
        );
    }
}

#[test]
fn the_pdf_holds_every_finding_root_and_heading_in_both_languages_and_is_deterministic() {
    let fixture = fixture();
    let findings: Vec<&vakt_review::Finding> = fixture
        .review
        .areas
        .iter()
        .flat_map(|area| &area.findings)
        .collect();
    let subjects: Vec<&str> = findings
        .iter()
        .map(|finding| finding.subject.as_str())
        .collect();
    for expected in [
        "user=ola",
        "user=kari",
        "from=external to=10.20.0.11:443/tcp",
    ] {
        assert!(subjects.contains(&expected), "{subjects:?}");
    }
    let checked = anchors(&fixture.reader, &fixture.review, None).expect("anchors");
    let roots: Vec<String> = checked
        .streams
        .iter()
        .filter_map(|anchor| anchor.checkpoint.as_ref())
        .flat_map(|checkpoint| [checkpoint.root_hex.clone(), checkpoint.root_base64.clone()])
        .collect();
    assert!(roots.len() >= 6, "{roots:?}");

    for (language, headings) in [
        (
            Language::Nb,
            [
                "Sikkerhetsgjennomgang 2025",
                "Sammendrag",
                "a) Klassifisering og lagring",
                "b) Sletting",
                "c) Brukerrettigheter",
                "d) Barrierer",
                "Stikkprøver",
                "Loggenes integritet og oppbevaring",
                "Signerte kontrollpunkter",
                "Endringer siden i fjor",
                "Arkivet har bare vokst siden i fjor",
                "Vedlegg: metode",
            ],
        ),
        (
            Language::En,
            [
                "Security review 2025",
                "Summary",
                "a) Classification and storage",
                "b) Deletions",
                "c) User rights",
                "d) Barriers",
                "Spot checks",
                "Log integrity and retention",
                "Signed checkpoints",
                "Changes since last year",
                "The store only grew since last year",
                "Appendix: method",
            ],
        ),
    ] {
        let options = options(&fixture, language);
        let first = render_document(&fixture.review, &options).expect("render");
        let second = render(&fixture.review, &options).expect("render again");
        assert!(
            first.pdf == second,
            "{language:?}: the same input gives the same bytes"
        );
        assert!(first.pages >= 8, "{language:?}: {} pages", first.pages);
        let text = pdf_text(&first.pdf);
        let flat = squeeze(&text);
        for heading in headings {
            assert!(
                flat.contains(heading),
                "{language:?}: no heading {heading:?}"
            );
        }
        for subject in &subjects {
            assert!(
                flat.contains(subject),
                "{language:?}: no finding {subject:?}"
            );
        }
        // Without any white space: a line may break after a hyphen.
        let solid = |text: &str| text.split_whitespace().collect::<String>();
        let raw = solid(&pdf_text_raw(&first.pdf));
        for finding in &findings {
            let statement = &finding.statements[&language];
            assert!(
                raw.contains(&solid(statement)),
                "{language:?}: no statement {statement:?}"
            );
        }
        for root in &roots {
            assert!(text.contains(root.as_str()), "{language:?}: no root {root}");
        }
        assert!(flat.contains("Testinstituttet for æøå"), "{language:?}");
        for wrong in [
            " 1 records",
            " 1 findings",
            " 1 poster",
            "time(s)",
            " 1 datasets",
        ] {
            assert!(!flat.contains(wrong), "{language:?}: {wrong:?}");
        }
        if language == Language::Nb {
            assert!(flat.contains("bevist"), "consistency proven");
            assert!(
                flat.contains("Ingen funn i dette området"),
                "an area without findings"
            );
        }
    }
}

#[test]
fn a_review_renders_without_the_store() {
    let fixture = fixture();
    let pdf = render(&fixture.review, &RenderOptions::default()).expect("render");
    let text = squeeze(&pdf_text(&pdf));
    assert!(text.contains("Figurene er ikke med") || text.contains("Sammendrag"));
    let checked = anchors(&fixture.reader, &fixture.review, None).expect("anchors");
    for checkpoint in checked
        .streams
        .iter()
        .filter_map(|anchor| anchor.checkpoint.as_ref())
    {
        assert!(
            text.contains(&checkpoint.root_hex),
            "{}",
            checkpoint.root_hex
        );
    }
}

#[test]
fn sequence_numbers_are_written_as_ranges() {
    assert_eq!(data::seq_ranges(&[]), "");
    assert_eq!(data::seq_ranges(&[3]), "3");
    assert_eq!(
        data::seq_ranges(&[9, 1, 2, 3, 5, 7, 8]),
        "1\u{2013}3, 5, 7\u{2013}9"
    );
}

#[test]
fn last_years_review_reads_from_the_review_or_the_report_data() {
    let fixture = fixture();
    let review = serde_json::to_value(&fixture.review).expect("JSON");
    let plain = Previous::from_json(review.to_string().as_bytes()).expect("the review");
    let wrapped = Previous::from_json(json!({ "review": review }).to_string().as_bytes())
        .expect("the report's data");
    for previous in [plain, wrapped] {
        assert_eq!(previous.year, 2025);
        assert_eq!(
            previous.finding_count(),
            fixture
                .review
                .areas
                .iter()
                .map(|area| area.findings.len())
                .sum::<usize>()
        );
        assert!(previous.checkpoint("sessions").is_some());
    }
    assert!(Previous::from_json(b"{}").is_err());
    assert!(Previous::from_json(b"not json").is_err());
}

#[test]
fn a_check_with_many_findings_has_a_line_for_each() {
    let dir = TempDir::new().expect("temporary folder");
    let root = dir.path().join("store");
    init_store(&root).expect("init the store");
    let config = Config::parse(CONFIG).expect("the test configuration");
    let events: Vec<Json> = (1..=20)
        .map(|user| login("2025-05-05T08:00:00Z", &format!("guest{user:02}"), true))
        .collect();
    ingest_events(&root, dir.path(), "guests.jsonl", &events, &config);
    let reader = StoreReader::open(&root).expect("open");
    let review = review_2025(&reader, &config);
    let options = RenderOptions {
        language: Language::En,
        figures: Some(figures(&reader, &review.period).expect("figures")),
        anchors: Some(anchors(&reader, &review, None).expect("anchors")),
        ..RenderOptions::default()
    };
    let text = squeeze(&pdf_text(&render(&review, &options).expect("render")));
    assert!(text.contains("20 findings of the same kind"), "{text}");
    for user in 1..=20 {
        assert!(
            text.contains(&format!("user=guest{user:02}")),
            "guest{user:02}"
        );
    }
}
