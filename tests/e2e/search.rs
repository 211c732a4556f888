//! `vakt search` and `vakt index`: the index agrees with the store (a
//! property test against a brute-force scan, also after a crash between the
//! index's commit and `HEAD`), the query language and the output, and a
//! missing or stale index is refused and rebuilt.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use vakt_index::analysis::analyze_query;
use vakt_index::fields::analyzer_of;
use vakt_index::{INDEXED_STREAMS, IndexSearcher, IndexWriter};
use vakt_query::search::{SearchRequest, search};
use vakt_schemas::{AccessEvent, Event, FirewallEvent, Record, SessionEvent, Stream};
use vakt_store::StoreReader;
use vakt_store::StoreWriter;
use vakt_store::commit::CommitHook;
use vakt_store::fulltext::FulltextHook;
use vakt_store::fulltext::index_dir;
use vakt_store::writer::PendingRecord;

use crate::common::{TestStore, copy_tree, sample_logs, stderr, stdout};

fn sample_store() -> TestStore {
    let store = TestStore::new();
    store.ingest(&[sample_logs().join("logs")], &[]);
    store
}

// ---------------------------------------------------------------------------
// The brute-force side: every record's fields, analyzed as the index does.

/// The values of a record's searchable fields, written down from the data
/// model (DESIGN.md) independently of the index's own mapping.
fn field_values(record: &Record) -> Vec<(&'static str, String)> {
    let mut values = vec![
        ("raw", record.envelope.raw.clone()),
        ("stream", record.stream().name().to_string()),
    ];
    let mut add = |field: &'static str, value: &Option<String>| {
        if let Some(value) = value.as_ref().filter(|value| !value.is_empty()) {
            values.push((field, value.clone()));
        }
    };
    match &record.event {
        Event::Sessions(event) => {
            add("host", &Some(event.server.clone()));
            add("user", &event.user);
            add("src_ip", &event.src_ip);
            add("ip", &event.src_ip);
            add("action", &Some(event.action.clone()));
            add("protocol", &Some(event.protocol.clone()));
            add("zone", &event.server_zone);
            add("zone", &event.src_zone);
            add("src_zone", &event.src_zone);
        }
        Event::Firewall(event) => {
            add("host", &Some(event.device.clone()));
            add("src_ip", &Some(event.src_ip.clone()));
            add("dst_ip", &Some(event.dst_ip.clone()));
            add("ip", &Some(event.src_ip.clone()));
            add("ip", &Some(event.dst_ip.clone()));
            add("action", &Some(event.action.clone()));
            add("protocol", &Some(event.protocol.clone()));
            add("zone", &event.src_zone);
            add("zone", &event.dst_zone);
            add("src_zone", &event.src_zone);
            add("dst_zone", &event.dst_zone);
        }
        Event::Access(event) => {
            add("host", &Some(event.host.clone()));
            add("user", &event.user);
            add("client_ip", &event.client_ip);
            add("ip", &event.client_ip);
            add("action", &Some(event.operation.clone()));
            add("path", &Some(event.path.clone()));
            add("target", &event.target);
            add("dataset", &event.dataset);
            add("area", &event.area);
        }
        _ => {}
    }
    values
}

/// Fields a generated `field:value` query may name.
const FIELDS: [&str; 17] = [
    "user",
    "host",
    "src_ip",
    "dst_ip",
    "client_ip",
    "ip",
    "action",
    "path",
    "target",
    "dataset",
    "area",
    "zone",
    "src_zone",
    "dst_zone",
    "protocol",
    "stream",
    "raw",
];

/// Per field, each value as written and as indexed (terms with positions).
type FieldValues = HashMap<&'static str, Vec<(String, Vec<(usize, String)>)>>;

/// One record as the scan sees it.
struct Doc {
    stream: Stream,
    seq: u64,
    time: i64,
    values: FieldValues,
}

impl Doc {
    fn of(record: &Record) -> Doc {
        let mut values: FieldValues = HashMap::new();
        for (field, value) in field_values(record) {
            let analyzer = analyzer_of(field).expect("a text field");
            let terms = vakt_index::analysis::analyze(analyzer, &value);
            values.entry(field).or_default().push((value, terms));
        }
        Doc {
            stream: record.stream(),
            seq: record.envelope.seq,
            time: record.envelope.time.timestamp_micros(),
            values,
        }
    }

    fn key(&self) -> (i64, Stream, u64) {
        (self.time, self.stream, self.seq)
    }

    /// Whether a value of `field` holds the query terms: the term, or the
    /// phrase at consecutive positions.
    fn holds(&self, field: &str, terms: &[(usize, String)]) -> bool {
        let Some((first_position, first)) = terms.first() else {
            return false;
        };
        self.values.get(field).is_some_and(|values| {
            values.iter().any(|(_, indexed)| {
                indexed.iter().any(|(position, term)| {
                    term == first
                        && terms.iter().all(|(offset, wanted)| {
                            let at = position + offset - first_position;
                            indexed.iter().any(|(p, t)| *p == at && t == wanted)
                        })
                })
            })
        })
    }
}

/// A generated query, which renders as query text and evaluates by scan.
#[derive(Clone, Debug)]
enum Q {
    All,
    Leaf {
        field: Option<&'static str>,
        text: String,
        quoted: bool,
        /// The terms the value is searched as.
        terms: Vec<(usize, String)>,
    },
    And(Box<Q>, Box<Q>, bool),
    Or(Box<Q>, Box<Q>),
    AndNot(Box<Q>, Box<Q>, bool),
}

impl Q {
    fn leaf(field: Option<&'static str>, text: String, quoted: bool) -> Q {
        let analyzer = analyzer_of(field.unwrap_or("raw")).expect("a text field");
        let terms = analyze_query(analyzer, &text);
        Q::Leaf {
            field,
            text,
            quoted,
            terms,
        }
    }

    fn render(&self) -> String {
        match self {
            Q::All => "*".into(),
            Q::Leaf {
                field,
                text,
                quoted,
                ..
            } => {
                let value = if *quoted {
                    format!("\"{text}\"")
                } else {
                    text.clone()
                };
                match field {
                    Some(field) => format!("{field}:{value}"),
                    None => value,
                }
            }
            Q::And(a, b, true) => format!("{} AND {}", a.render(), b.render()),
            Q::And(a, b, false) => format!("{} {}", a.render(), b.render()),
            Q::Or(a, b) => format!("{} OR {}", a.render(), b.render()),
            Q::AndNot(a, b, true) => format!("{} -{}", a.render(), b.render()),
            Q::AndNot(a, b, false) => format!("{} AND NOT {}", a.render(), b.render()),
        }
    }

    fn matches(&self, doc: &Doc) -> bool {
        match self {
            Q::All => true,
            Q::Leaf { field, terms, .. } => doc.holds(field.unwrap_or("raw"), terms),
            Q::And(a, b, _) => a.matches(doc) && b.matches(doc),
            Q::Or(a, b) => a.matches(doc) || b.matches(doc),
            Q::AndNot(a, b, _) => a.matches(doc) && !b.matches(doc),
        }
    }
}

/// Text the grammar reads as one plain word.
fn plain_word(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphanumeric() || "._/".contains(first))
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c))
        && !["AND", "OR", "NOT", "IN"].contains(&text)
}

/// Sometimes in capitals (every analyzer lowercases).
fn vary_case(rng: &mut StdRng, text: String) -> String {
    let upper = text.to_uppercase();
    if rng.gen_bool(0.2) && !["AND", "OR", "NOT", "IN"].contains(&upper.as_str()) {
        upper
    } else {
        text
    }
}

struct Generator<'a> {
    docs: &'a [Doc],
    rng: StdRng,
}

impl<'a> Generator<'a> {
    fn doc(&mut self) -> &'a Doc {
        let docs: &'a [Doc] = self.docs;
        &docs[self.rng.gen_range(0..docs.len())]
    }

    fn leaf(&mut self) -> Q {
        for _ in 0..100 {
            if let Some(leaf) = self.try_leaf() {
                return leaf;
            }
        }
        Q::All
    }

    fn try_leaf(&mut self) -> Option<Q> {
        let kind = self.rng.gen_range(0..20);
        let raw_terms = self.doc().values["raw"][0].1.clone();
        match kind {
            // A word of a raw line.
            0..=4 => {
                let (_, term) = raw_terms.choose(&mut self.rng)?.clone();
                let text = vary_case(&mut self.rng, term);
                Some(Q::leaf(None, text, false))
            }
            // A phrase of two or three consecutive words.
            5..=7 => {
                let length = self.rng.gen_range(2..=3);
                if raw_terms.len() < length {
                    return None;
                }
                let start = self.rng.gen_range(0..=raw_terms.len() - length);
                let window = &raw_terms[start..start + length];
                let consecutive = window.windows(2).all(|pair| pair[1].0 == pair[0].0 + 1);
                if !consecutive {
                    return None;
                }
                let text: Vec<&str> = window.iter().map(|(_, term)| term.as_str()).collect();
                Some(Q::leaf(None, text.join(" "), true))
            }
            // A piece of a raw line as it stands (addresses, paths, names).
            8..=9 => {
                let raw = self.doc().values["raw"][0].0.clone();
                let words = analyzer_of("raw").expect("raw is a text field");
                let pieces: Vec<&str> = raw
                    .split_whitespace()
                    .filter(|piece| plain_word(piece))
                    .filter(|piece| !analyze_query(words, piece).is_empty())
                    .collect();
                let piece = pieces.choose(&mut self.rng)?.to_string();
                Some(Q::leaf(None, piece, false))
            }
            // A value nobody has.
            10 => {
                let field = *FIELDS.choose(&mut self.rng)?;
                let text = format!("zzq{}", self.rng.gen_range(0..1000));
                Some(Q::leaf(Some(field), text, false))
            }
            // field:value, from some record's value of that field.
            _ => {
                let field = *FIELDS.choose(&mut self.rng)?;
                let doc = self.doc();
                let (value, indexed) = doc.values.get(field)?.choose(&mut self.rng)?.clone();
                let mut text = match field {
                    // A folder of the path (or the path itself).
                    "path" | "target" => {
                        let (_, folder) = indexed.choose(&mut self.rng)?.clone();
                        if self.rng.gen_bool(0.3) {
                            format!("{folder}/")
                        } else {
                            folder
                        }
                    }
                    "raw" => return None,
                    _ => value,
                };
                text = vary_case(&mut self.rng, text);
                if text.contains('"') || text.contains('\\') || text.trim().is_empty() {
                    return None;
                }
                let quoted = !plain_word(&text) || self.rng.gen_bool(0.1);
                Some(Q::leaf(Some(field), text, quoted))
            }
        }
    }

    fn query(&mut self) -> Q {
        match self.rng.gen_range(0..12) {
            0..=4 => self.leaf(),
            5..=6 => Q::And(
                Box::new(self.leaf()),
                Box::new(self.leaf()),
                self.rng.gen_bool(0.5),
            ),
            7..=8 => Q::Or(Box::new(self.leaf()), Box::new(self.leaf())),
            9..=10 => Q::AndNot(
                Box::new(self.leaf()),
                Box::new(self.leaf()),
                self.rng.gen_bool(0.5),
            ),
            _ => Q::All,
        }
    }

    fn request(&mut self, query: &Q) -> SearchRequest {
        // Few hits and a small count budget: each search reads a few
        // blocks (a debug build reads slowly), and totals past the budget
        // are lower bounds, checked as such.
        let mut request = SearchRequest {
            query: query.render(),
            limit: self.rng.gen_range(1..300),
            count_budget: Some(2_000),
            ..SearchRequest::default()
        };
        if self.rng.gen_bool(0.3) || matches!(query, Q::All) {
            let around = self.doc().time;
            let from = around - self.rng.gen_range(0..3_600_000_000);
            let to = from + self.rng.gen_range(1..3 * 86_400_000_000);
            let instant = |micros: i64| DateTime::<Utc>::from_timestamp_micros(micros);
            match self.rng.gen_range(0..4) {
                0 => request.from = instant(from),
                1 => request.to = instant(to),
                _ => (request.from, request.to) = (instant(from), instant(to)),
            }
        }
        if self.rng.gen_bool(0.15) {
            let count = self.rng.gen_range(1..=2);
            request.streams = INDEXED_STREAMS
                .choose_multiple(&mut self.rng, count)
                .copied()
                .collect();
        }
        if self.rng.gen_bool(0.1) {
            request.limit = self.rng.gen_range(0..20);
        }
        request
    }
}

/// The committed records of the indexed streams, as docs and by key.
fn load(store: &Path) -> (StoreReader, Vec<Doc>, HashMap<(Stream, u64), Record>) {
    let reader = StoreReader::open(store).expect("open the store");
    let mut docs = Vec::new();
    let mut records = HashMap::new();
    for stream in INDEXED_STREAMS {
        for record in reader.records(stream).expect("read records") {
            docs.push(Doc::of(&record));
            records.insert((stream, record.envelope.seq), record);
        }
    }
    (reader, docs, records)
}

/// Runs `count` random queries and checks each against the scan.
fn index_agrees_with_scan(store: &Path, seed: u64, count: usize) {
    let (reader, docs, records) = load(store);
    assert!(docs.len() > 1000, "the sample store holds records");
    let mut generator = Generator {
        docs: &docs,
        rng: StdRng::seed_from_u64(seed),
    };
    let mut nonempty = 0;
    let mut inexact = 0;
    for _ in 0..count {
        let query = generator.query();
        let request = generator.request(&query);
        let from = request.from.map(|time| time.timestamp_micros());
        let to = request.to.map(|time| time.timestamp_micros());
        let mut expected: Vec<(i64, Stream, u64)> = docs
            .iter()
            .filter(|doc| from.is_none_or(|from| doc.time >= from))
            .filter(|doc| to.is_none_or(|to| doc.time < to))
            .filter(|doc| request.streams.is_empty() || request.streams.contains(&doc.stream))
            .filter(|doc| query.matches(doc))
            .map(Doc::key)
            .collect();
        expected.sort_unstable();
        let results =
            search(&reader, &request).unwrap_or_else(|error| panic!("{request:?}: {error}"));
        let found: Vec<(i64, Stream, u64)> = results
            .hits
            .iter()
            .map(|hit| {
                (
                    hit.record.envelope.time.timestamp_micros(),
                    hit.stream,
                    hit.seq,
                )
            })
            .collect();
        let total = expected.len();
        expected.truncate(request.limit);
        assert_eq!(found.len(), expected.len(), "{request:?}");
        if results.total_exact {
            assert_eq!(results.total as usize, total, "{request:?}");
        } else {
            let at_least = results.total as usize;
            assert!(
                found.len() <= at_least && at_least <= total,
                "{request:?}: at least {at_least}, {} shown, {total} in all",
                found.len()
            );
            inexact += 1;
        }
        assert!(found == expected, "{request:?}: hits differ from the scan");
        for hit in &results.hits {
            assert_eq!(Some(&hit.record), records.get(&(hit.stream, hit.seq)));
        }
        if total > 0 {
            nonempty += 1;
        }
    }
    assert!(
        nonempty * 3 > count,
        "only {nonempty} of {count} queries found anything: the generator is off"
    );
    assert!(
        inexact * 2 < count,
        "{inexact} of {count} totals were lower bounds: too few are checked exactly"
    );
}

/// A hook that writes the index and then fails, so the store's commit stops
/// before `HEAD`: the state a crash at that instant leaves.
struct CrashBeforeHead(FulltextHook);

impl CommitHook for CrashBeforeHead {
    fn recover(&mut self, head: &vakt_schemas::head::Head) -> Result<(), String> {
        self.0.recover(head)
    }

    fn before_head(&mut self, txn: u64, records: &[(Stream, Vec<Record>)]) -> Result<(), String> {
        self.0.before_head(txn, records)?;
        Err("simulated crash after the index commit, before HEAD".into())
    }
}

fn phantoms() -> Vec<PendingRecord> {
    let time: DateTime<Utc> = "2026-03-10T12:00:00Z".parse().expect("a time");
    let raw = |text: &str| format!("Mar 10 13:00:00 ts1 phantom: {text}");
    vec![
        PendingRecord {
            time,
            source: "crash-test".into(),
            raw: raw("Accepted password for ghost from 10.99.0.1"),
            event: Event::Sessions(SessionEvent {
                server: "ts1".into(),
                user: Some("ghost".into()),
                src_ip: Some("10.99.0.1".into()),
                protocol: "ssh".into(),
                action: "login".into(),
                ..SessionEvent::default()
            }),
        },
        PendingRecord {
            time,
            source: "crash-test".into(),
            raw: raw("DROP SRC=10.99.0.1 DST=10.20.0.10"),
            event: Event::Firewall(FirewallEvent {
                device: "fw-sec".into(),
                action: "deny".into(),
                src_ip: "10.99.0.1".into(),
                dst_ip: "10.20.0.10".into(),
                protocol: "tcp".into(),
                ..FirewallEvent::default()
            }),
        },
        PendingRecord {
            time,
            source: "crash-test".into(),
            raw: raw("ghost|10.99.0.1|read|/prosjekt/ghost/secret.csv"),
            event: Event::Access(AccessEvent {
                host: "fs1".into(),
                user: Some("ghost".into()),
                operation: "read".into(),
                path: "/prosjekt/ghost/secret.csv".into(),
                success: true,
                client_ip: Some("10.99.0.1".into()),
                ..AccessEvent::default()
            }),
        },
    ]
}

fn ghost_hits(store: &Path) -> u64 {
    let reader = StoreReader::open(store).expect("open the store");
    let request = SearchRequest {
        query: "phantom OR user:ghost OR ip:10.99.0.1 OR path:/prosjekt/ghost".into(),
        ..SearchRequest::default()
    };
    search(&reader, &request).expect("search").total
}

#[test]
fn search_agrees_with_a_brute_force_scan_also_after_a_crash() {
    let store = sample_store();
    let root = store.path();
    index_agrees_with_scan(&root, 2026, 250);

    // A commit whose index documents are committed but whose HEAD is not.
    let store_id = StoreReader::open(&root).unwrap().info().store_id.clone();
    let dir = root.join("index");
    let mut writer = StoreWriter::open(&root).expect("open for writing");
    let index = IndexWriter::open(&dir, &store_id).expect("open the index");
    writer
        .set_hook(Box::new(CrashBeforeHead(FulltextHook::new(index))))
        .expect("hook");
    let committed = writer.head().clone();
    let error = writer.commit(phantoms(), BTreeMap::new()).unwrap_err();
    assert!(error.to_string().contains("simulated crash"), "{error}");
    drop(writer);
    let reader = StoreReader::open(&root).unwrap();
    assert_eq!(reader.head(), &committed, "HEAD was not written");
    let state = IndexSearcher::open(&dir).unwrap().state().clone();
    for stream in [Stream::Sessions, Stream::Firewall, Stream::Access] {
        let size = committed.stream(stream).unwrap().tree_size;
        assert_eq!(
            state.covered(stream),
            size + 1,
            "the index is ahead of HEAD"
        );
    }
    // The index holds the uncommitted records; the search shows none of them.
    assert_eq!(ghost_hits(&root), 0);
    let output = store.run(&["search", "--format", "json", "user:ghost OR phantom"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        serde_json::from_slice::<Value>(&output.stdout).unwrap(),
        Value::Array(vec![])
    );
    index_agrees_with_scan(&root, 7, 75);

    // The next writer drops them from the index and commits them for real.
    let mut writer = StoreWriter::open(&root).expect("open for writing");
    let index = IndexWriter::open(&dir, &store_id).expect("open the index");
    writer
        .set_hook(Box::new(FulltextHook::new(index)))
        .expect("hook");
    let state = IndexSearcher::open(&dir).unwrap().state().clone();
    for stream in INDEXED_STREAMS {
        let size = committed.stream(stream).unwrap().tree_size;
        assert_eq!(state.covered(stream), size, "recovered to HEAD");
    }
    writer.commit(phantoms(), BTreeMap::new()).expect("commit");
    drop(writer);
    assert_eq!(ghost_hits(&root), 3);
    index_agrees_with_scan(&root, 11, 75);
    let (code, _) = store.verify(&[]);
    assert_eq!(code, 0, "the store verifies");
}

// ---------------------------------------------------------------------------
// The command line.

fn search_json(store: &TestStore, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["search", "--format", "json"];
    all.extend_from_slice(args);
    let output = store.run(&all);
    assert!(
        output.status.success(),
        "{args:?}: {}{}",
        stdout(&output),
        stderr(&output)
    );
    match serde_json::from_slice(&output.stdout) {
        Ok(Value::Array(hits)) => hits,
        _ => panic!("not a JSON array: {}", stdout(&output)),
    }
}

#[test]
fn search_finds_fields_phrases_folders_and_time_ranges() {
    let store = sample_store();

    let hits = search_json(
        &store,
        &["user:ingrid path:/prosjekt/p2060", "--limit", "5000"],
    );
    assert!(!hits.is_empty());
    for hit in &hits {
        assert_eq!(hit["stream"], "access");
        assert_eq!(hit["record"]["user"], "ingrid");
        let path = hit["record"]["path"].as_str().unwrap().to_lowercase();
        assert!(path.starts_with("/prosjekt/p2060/"), "{path}");
        for key in ["seq", "time", "ingest_time", "source", "raw"] {
            assert!(!hit[key].is_null(), "{key} in {hit}");
        }
        assert!(hit["time"].as_str().unwrap().ends_with('Z'));
    }
    let times: Vec<&str> = hits
        .iter()
        .map(|hit| hit["time"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|pair| pair[0] <= pair[1]),
        "ordered by time"
    );

    let failed = search_json(&store, &["\"Failed password\"", "--limit", "5000"]);
    assert!(!failed.is_empty());
    for hit in &failed {
        assert!(
            hit["raw"].as_str().unwrap().contains("Failed password"),
            "{hit}"
        );
    }
    let failed_sessions = search_json(
        &store,
        &["action:failed", "--stream", "sessions", "--limit", "5000"],
    );
    assert!(
        failed_sessions
            .iter()
            .all(|hit| hit["record"]["action"] == "failed")
    );

    let address = search_json(&store, &["ip:10.20.0.10", "--limit", "3"]);
    assert_eq!(address.len(), 3);
    for hit in &address {
        let record = &hit["record"];
        let addresses = ["src_ip", "dst_ip", "client_ip"].map(|key| record[key].as_str());
        assert!(addresses.contains(&Some("10.20.0.10")), "{hit}");
    }

    // A local day in Europe/Oslo: 2025-03-04 is 2025-03-03T23:00Z .. 2025-03-04T23:00Z.
    let day = search_json(
        &store,
        &[
            "*",
            "--from",
            "2025-03-04",
            "--to",
            "2025-03-04",
            "--limit",
            "100000",
        ],
    );
    assert!(!day.is_empty());
    for hit in &day {
        let time = hit["time"].as_str().unwrap();
        assert!(
            ("2025-03-03T23:00:00Z".."2025-03-04T23:00:00Z").contains(&time),
            "{time}"
        );
    }
    let narrower = search_json(
        &store,
        &[
            "*",
            "--from",
            "2025-03-04T08:00:00+01:00",
            "--to",
            "2025-03-04T09:00",
            "--limit",
            "100000",
        ],
    );
    assert!(narrower.len() < day.len());

    // Zero hits is a success; a malformed query is exit 2 with the parser's message.
    assert!(search_json(&store, &["user:nobody-at-all"]).is_empty());
    for bad in ["\"unclosed", "usr:ola", "(ola"] {
        let output = store.run(&["search", bad]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&output).contains("malformed query"),
            "{bad}: {}",
            stderr(&output)
        );
    }
    let output = store.run(&["search", "--stream", "audit", "x"]);
    assert_eq!(output.status.code(), Some(2));

    // The table for a person: the row's columns, the raw line, local times.
    let output = store.run(&["search", "user:ingrid path:/prosjekt/p2060", "--limit", "2"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("access #"), "{text}");
    assert!(
        text.contains("user=ingrid") && text.contains("operation="),
        "{text}"
    );
    assert!(
        text.contains("raw: ") && text.contains("smbd_audit"),
        "{text}"
    );
    assert!(text.contains(" CET") || text.contains(" CEST"), "{text}");
    assert!(text.contains("2 of "), "{text}");
}

#[test]
fn a_missing_or_stale_index_is_refused_and_rebuilt() {
    let store = TestStore::new();
    store.ingest(&[sample_logs().join("logs/fw-ext")], &[]);
    let root = store.path();
    let index = root.join("index");
    let first = tempfile::tempdir().unwrap();
    copy_tree(&index, first.path());
    store.ingest(&[sample_logs().join("logs")], &[]);
    let everything = search_json(&store, &["*", "--limit", "100000"]);
    let (reader, docs, _) = load(&root);
    assert_eq!(everything.len(), docs.len());
    assert_eq!(index_dir(&reader), index);

    // An index from before the second ingest: behind HEAD, so refused.
    std::fs::remove_dir_all(&index).unwrap();
    copy_tree(first.path(), &index);
    let output = store.run(&["search", "ola"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("behind"), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("vakt index --rebuild"),
        "{}",
        stderr(&output)
    );
    assert_eq!(store.run(&["index"]).status.code(), Some(1));
    // An ingest brings it up to date first (even with nothing new to read).
    let output = store.run(&[
        "ingest",
        &sample_logs().join("logs/fw-ext").display().to_string(),
    ]);
    assert!(
        stderr(&output).contains("up to date"),
        "{}",
        stderr(&output)
    );
    assert_eq!(search_json(&store, &["*", "--limit", "100000"]), everything);

    // No index at all: refused, then rebuilt by `vakt index --rebuild`.
    std::fs::remove_dir_all(&index).unwrap();
    let output = store.run(&["search", "ola"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("vakt index --rebuild"),
        "{}",
        stderr(&output)
    );
    let output = store.run(&["index", "--rebuild", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    let added: u64 = summary["added"]
        .as_object()
        .unwrap()
        .values()
        .map(|count| count.as_u64().unwrap())
        .sum();
    assert_eq!(added as usize, docs.len());
    assert!(!root.join("index.rebuild").exists() && !root.join("index.old").exists());
    assert_eq!(store.run(&["index"]).status.code(), Some(0));
    assert_eq!(search_json(&store, &["*", "--limit", "100000"]), everything);

    // A rebuild over an existing index replaces it with the same content.
    let output = store.run(&["index", "--rebuild"]);
    assert!(
        stdout(&output).contains(&format!("indexed {} records", docs.len())),
        "{}",
        stdout(&output)
    );
    assert_eq!(search_json(&store, &["*", "--limit", "100000"]), everything);
}

#[test]
fn an_index_built_from_doctored_records_shows_no_false_hit() {
    let store = TestStore::new();
    store.ingest(
        &[sample_logs().join("logs/ts1")],
        &["--commit-every", "2500"],
    );
    let root = store.path();
    let reader = StoreReader::open(&root).unwrap();
    let dir = index_dir(&reader);
    std::fs::remove_dir_all(&dir).unwrap();
    let mut index = IndexWriter::create(&dir, &reader.info().store_id).unwrap();
    for stream in INDEXED_STREAMS {
        let mut records = reader.records(stream).unwrap();
        if let Some(Event::Sessions(session)) = records.get_mut(2).map(|record| &mut record.event) {
            session.user = Some("mallory".into());
        }
        index.add(stream, &records).unwrap();
    }
    index.commit(reader.head().txn).unwrap();
    index.finish().unwrap();

    let output = store.run(&["search", "--format", "json", "user:mallory"]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(
        stdout(&output).is_empty(),
        "nothing is shown: {}",
        stdout(&output)
    );
    assert!(
        stderr(&output).contains("the index was changed"),
        "{}",
        stderr(&output)
    );
    // Hits the records really hold are still shown.
    let output = store.run(&["search", "--format", "json", "Accepted"]);
    assert!(output.status.success(), "{}", stderr(&output));

    // The doctored index hides the record's true user from searches:
    // verification compares every posting with the records and says so.
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 1, "{report:#}");
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{report:#}");
    assert_eq!(problems[0]["kind"], "index-postings");
    assert_eq!(problems[0]["stream"], "sessions");
    // Rebuilt from the records, it verifies again.
    let output = store.run(&["index", "--rebuild"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
}
