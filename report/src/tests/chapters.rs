//! The chapters and lines added for the director and the auditor: areas
//! not assessable, the document's date and signers, a registry recorded
//! late, measures, the sessions chart's other users, and registry
//! citations in the document's language.

use std::collections::BTreeMap;

use super::*;

#[test]
fn an_area_without_firewall_logs_is_said_not_assessable_in_both_languages() {
    let dir = TempDir::new().expect("temporary folder");
    let root = dir.path().join("store");
    init_store(&root).expect("init the store");
    let config = Config::parse(CONFIG).expect("the test configuration");
    let (first, second) = events();
    let without_firewall: Vec<Json> = first
        .into_iter()
        .chain(second)
        .filter(|event| event["stream"] != "firewall")
        .collect();
    ingest_events(
        &root,
        dir.path(),
        "events.jsonl",
        &without_firewall,
        &config,
    );
    let reader = StoreReader::open(&root).expect("open");
    let review = review_2025(&reader, &config);
    let barriers = &review.areas[3];
    assert_eq!(
        barriers.not_assessable,
        vec![vakt_review::NotAssessable::NoFirewall]
    );
    let nb = squeeze(&pdf_text(
        &render(&review, &RenderOptions::default()).expect("render nb"),
    ));
    assert!(nb.contains("ikke vurderbar"), "{nb}");
    assert!(nb.contains("ingen brannmurpost er logget i året"), "{nb}");
    let en = squeeze(&pdf_text(
        &render(
            &review,
            &RenderOptions {
                language: Language::En,
                ..RenderOptions::default()
            },
        )
        .expect("render en"),
    ));
    assert!(en.contains("not assessable"), "{en}");
    assert!(
        en.contains("no firewall record is logged in the year"),
        "{en}"
    );
}

#[test]
fn the_document_is_dated_the_day_it_was_made_names_its_signers_and_a_late_registry() {
    let fixture = fixture();
    let options = options(&fixture, Language::Nb);
    let text = squeeze(&pdf_text(
        &render(&fixture.review, &options).expect("render"),
    ));
    // Reviewed on 2026-02-01 (the fixture's now), beside the period.
    assert!(text.contains("Dato 1. februar 2026"), "{text}");
    assert!(text.contains("Utarbeidet av Per Forbereder"), "{text}");
    assert!(text.contains("Dina Direktør"), "{text}");
    assert!(!text.contains("første gang lagret"), "{text}");

    // The same store judged against a registry first recorded in March.
    let config = Config::parse(CONFIG).expect("the test configuration");
    let history = History {
        snapshots: vec![vakt_review::Snapshot {
            recorded: "2025-03-01T09:00:00Z".parse().expect("a time"),
            first_seq: 0,
            registry: registry(),
            digests: BTreeMap::new(),
        }],
        unreadable: Vec::new(),
    };
    let late = review_against(
        &fixture.reader,
        &config,
        &history,
        &ReviewOptions {
            year: 2025,
            now: "2026-02-01T00:00:00Z".parse().expect("a time"),
            verify: false,
        },
    )
    .expect("the review");
    let text = squeeze(&pdf_text(&render(&late, &options).expect("render")));
    assert!(
        text.contains("Registeret ble første gang lagret 2025-03-01 10:00 +01:00"),
        "{text}"
    );
}

#[test]
fn the_measures_chapter_lists_every_finding_with_its_recorded_measure() {
    let fixture = fixture();
    let config = Config::parse(CONFIG).expect("the test configuration");
    let measures = r#"
[[measure]]
finding = "uncovered_session user=ola"
measure = "Sperre kontoen samme dag som arbeidsforholdet slutter"
owner = "IT-ansvarlig"
deadline = 2026-03-01
[[measure]]
finding = "uncovered_session user=nobody"
measure = "Et tiltak for et funn som ikke finnes"
"#;
    let mut texts: BTreeMap<String, String> = [
        ("datasets.toml", DATASETS),
        ("people.toml", PEOPLE),
        ("authorizations.toml", GRANTS),
        ("measures.toml", measures),
    ]
    .into_iter()
    .map(|(name, text)| (name.to_string(), text.to_string()))
    .collect();
    let with_measures = Registry::parse(&texts).expect("the registry with measures parses");
    texts.insert(
        "measures.toml".to_string(),
        "[[measure]]\nmeasure = \"\"\n".to_string(),
    );
    assert!(
        Registry::parse(&texts).is_err(),
        "a measure names its finding"
    );
    let history = History {
        snapshots: vec![vakt_review::Snapshot {
            recorded: "2024-12-01T00:00:00Z".parse().expect("a time"),
            first_seq: 0,
            registry: with_measures,
            digests: BTreeMap::new(),
        }],
        unreadable: Vec::new(),
    };
    let review = review_against(
        &fixture.reader,
        &config,
        &history,
        &ReviewOptions {
            year: 2025,
            now: "2026-02-01T00:00:00Z".parse().expect("a time"),
            verify: false,
        },
    )
    .expect("the review");
    let findings: usize = review.areas.iter().map(|area| area.findings.len()).sum();
    assert_eq!(review.measures.len(), findings);
    let ola = review
        .measures
        .iter()
        .find(|row| row.check == "uncovered_session" && row.subject == "user=ola")
        .expect("ola's finding");
    assert_eq!(ola.owner.as_deref(), Some("IT-ansvarlig"));
    assert_eq!(review.measures_unmatched.len(), 1);

    let options = options(&fixture, Language::Nb);
    let pdf = render(&review, &options).expect("render");
    // Without white space, in the order written: a cell's lines stay
    // together and a line may break anywhere.
    let solid = |text: &str| text.split_whitespace().collect::<String>();
    let text = solid(&pdf_text_raw(&pdf));
    for expected in [
        "Tiltak",
        "Sperre kontoen samme dag som arbeidsforholdet slutter",
        "IT-ansvarlig",
        "2026-03-01",
        "ikke svarer til noe funn i denne gjennomgangen",
    ] {
        assert!(text.contains(&solid(expected)), "{expected:?}");
    }
}

#[test]
fn the_sessions_chart_shows_the_top_users_and_names_the_rest() {
    let dir = TempDir::new().expect("temporary folder");
    let root = dir.path().join("store");
    init_store(&root).expect("init the store");
    let config = Config::parse(CONFIG).expect("the test configuration");
    // 17 users; user00 logs in 20 times, user01 19 times, ... user16 4 times.
    let mut events = Vec::new();
    for index in 0..17u32 {
        for day in 0..(20 - index) {
            events.push(login(
                &format!("2025-03-{:02}T{:02}:00:00Z", day + 1, index % 24),
                &format!("user{index:02}"),
                true,
            ));
        }
    }
    ingest_events(&root, dir.path(), "logins.jsonl", &events, &config);
    let reader = StoreReader::open(&root).expect("open");
    let review = review_2025(&reader, &config);
    let figures = figures(&reader, &review.period).expect("figures");
    assert_eq!(figures.sessions_per_user.len(), crate::figures::USERS_SHOWN);
    let rest: Vec<(&str, u64)> = figures
        .sessions_other_users
        .iter()
        .map(|user| (user.user.as_str(), user.sessions))
        .collect();
    assert_eq!(rest, vec![("user15", 5), ("user16", 4)]);
    let options = RenderOptions {
        figures: Some(figures),
        ..RenderOptions::default()
    };
    let text = squeeze(&pdf_text(&render(&review, &options).expect("render")));
    assert!(text.contains("2 andre brukere"), "{text}");
    assert!(
        text.contains("Andre brukere (pålogginger): user15 (5), user16 (4)."),
        "{text}"
    );
}

#[test]
fn registry_entries_are_cited_in_the_documents_language() {
    use crate::data::cited;
    assert_eq!(
        cited("authorizations.toml grant `g7`", Language::Nb),
        "authorizations.toml autorisasjon `g7`"
    );
    assert_eq!(
        cited(
            "deletions.toml deletion of `old` on 2025-10-26",
            Language::Nb
        ),
        "deletions.toml sletting av `old` 2025-10-26"
    );
    assert_eq!(
        cited("datasets.toml dataset `hud`", Language::Nb),
        "datasets.toml datasett `hud`"
    );
    assert_eq!(
        cited("authorizations.toml grant `g7`", Language::En),
        "authorizations.toml grant `g7`"
    );
}
