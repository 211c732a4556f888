//! The index on small hand-made records: what each kind of query matches,
//! how the coverage payload moves, and what truncation and visibility do.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use vakt_index::digest::{DigestKey, PostingsDigest, index_digests};
use vakt_index::{IndexError, IndexSearcher, IndexWriter, Request, SearchError};
use vakt_schemas::{AccessEvent, Envelope, Event, FirewallEvent, Record, SessionEvent, Stream};

const STORE: &str = "0123456789abcdef";

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_772_409_600 + seconds, 0).expect("a valid time")
}

fn record(seq: u64, seconds: i64, raw: &str, event: Event) -> Record {
    Record {
        envelope: Envelope {
            seq,
            time: at(seconds),
            ingest_time: at(seconds),
            source: "test".into(),
            raw: raw.into(),
            nonce: [0; 16],
        },
        event,
    }
}

fn session(seq: u64, seconds: i64, user: &str, action: &str, src_ip: &str) -> Record {
    record(
        seq,
        seconds,
        &format!("sshd[1]: {action} password for {user} from {src_ip} port 22 ssh2"),
        Event::Sessions(SessionEvent {
            server: "TS1".into(),
            server_zone: Some("secure".into()),
            user: Some(user.into()),
            src_ip: Some(src_ip.into()),
            protocol: "ssh".into(),
            action: action.into(),
            ..SessionEvent::default()
        }),
    )
}

fn access(seq: u64, seconds: i64, user: &str, path: &str) -> Record {
    record(
        seq,
        seconds,
        &format!("smbd_audit: {user}|10.20.0.10|ts1|prosjekt|openat|ok|r|{path}"),
        Event::Access(AccessEvent {
            host: "fs1".into(),
            user: Some(user.into()),
            operation: "read".into(),
            path: path.into(),
            area: Some("project".into()),
            dataset: Some("p2060".into()),
            success: true,
            client_ip: Some("10.20.0.10".into()),
            ..AccessEvent::default()
        }),
    )
}

fn firewall(seq: u64, seconds: i64, src: &str, dst: &str) -> Record {
    record(
        seq,
        seconds,
        &format!("FWSEC-DROP IN=eth0 SRC={src} DST={dst} PROTO=TCP"),
        Event::Firewall(FirewallEvent {
            device: "fw-sec".into(),
            action: "deny".into(),
            src_ip: src.into(),
            src_zone: Some("external".into()),
            dst_ip: dst.into(),
            dst_zone: Some("secure".into()),
            protocol: "tcp".into(),
            new_connection: true,
            ..FirewallEvent::default()
        }),
    )
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl Fixture {
    /// An index holding three sessions, three accesses and two firewall records.
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("index");
        let mut writer = IndexWriter::create(&path, STORE).expect("create");
        let sessions = vec![
            session(0, 0, "ola", "failed", "10.10.0.5"),
            session(1, 60, "ola", "login", "10.10.0.5"),
            session(2, 120, "kari", "login", "10.20.0.10"),
        ];
        let accesses = vec![
            access(0, 30, "ola", "/prosjekt/x/data.csv"),
            access(1, 90, "kari", "/prosjekt/x/sub/notes.txt"),
            access(2, 150, "ola", "/prosjekt/xy/other.csv"),
        ];
        let firewalls = vec![
            firewall(0, 10, "185.1.2.3", "10.20.0.10"),
            firewall(1, 20, "185.1.2.4", "10.20.0.11"),
        ];
        assert_eq!(writer.add(Stream::Sessions, &sessions).unwrap(), 3);
        assert_eq!(writer.add(Stream::Access, &accesses).unwrap(), 3);
        assert_eq!(writer.add(Stream::Firewall, &firewalls).unwrap(), 2);
        writer.commit(1).expect("commit");
        writer.finish().expect("finish");
        Fixture { _dir: dir, path }
    }

    fn searcher(&self) -> IndexSearcher {
        IndexSearcher::open(&self.path).expect("open")
    }

    fn hits(&self, query: &str) -> Vec<(Stream, u64)> {
        self.hits_of(&Request {
            query: query.into(),
            limit: 1000,
            ..Request::default()
        })
    }

    fn hits_of(&self, request: &Request) -> Vec<(Stream, u64)> {
        let visible = self.searcher().state().covered.clone();
        self.searcher()
            .search(request, &visible)
            .unwrap_or_else(|error| panic!("{}: {error}", request.query))
            .hits
            .into_iter()
            .map(|hit| (hit.stream, hit.seq))
            .collect()
    }
}

use Stream::{Access as A, Firewall as F, Sessions as S};

#[test]
fn words_phrases_and_fields_match_as_documented() {
    let index = Fixture::new();
    // Ordered by time: session 0 (0 s), firewall 0 (10 s), access 0 (30 s), ...
    assert_eq!(index.hits("ola"), [(S, 0), (A, 0), (S, 1), (A, 2)]);
    assert_eq!(index.hits("\"failed password\""), [(S, 0)]);
    assert_eq!(index.hits("\"password failed\""), []);
    assert_eq!(index.hits("failed password"), [(S, 0)]);
    assert_eq!(index.hits("user:OLA action:login"), [(S, 1)]);
    assert_eq!(
        index.hits("user:kari OR \"failed password\""),
        [(S, 0), (A, 1), (S, 2)]
    );
    assert_eq!(index.hits("host:ts1"), [(S, 0), (S, 1), (S, 2)]);
    assert_eq!(
        index.hits("ip:10.20.0.10"),
        [(F, 0), (A, 0), (A, 1), (S, 2), (A, 2)]
    );
    assert_eq!(index.hits("dst_ip:10.20.0.10"), [(F, 0)]);
    // `ip` stands for src_ip, dst_ip and client_ip, also excluded and in sets.
    assert_eq!(index.hits("stream:firewall -ip:185.1.2.3"), [(F, 1)]);
    assert_eq!(
        index.hits("ip: IN [185.1.2.4 10.10.0.5]"),
        [(S, 0), (F, 1), (S, 1)]
    );
    assert_eq!(index.hits("client_ip:10.20.0.10 user:kari"), [(A, 1)]);
    assert_eq!(index.hits("zone:secure stream:firewall"), [(F, 0), (F, 1)]);
    assert_eq!(index.hits("action:deny -src_ip:185.1.2.3"), [(F, 1)]);
    assert_eq!(index.hits("action:deny AND NOT src_ip:185.1.2.3"), [(F, 1)]);
    assert_eq!(
        index.hits("dataset:P2060 area:project"),
        [(A, 0), (A, 1), (A, 2)]
    );
    assert_eq!(
        index.hits("action:login OR NOT stream:sessions"),
        [(F, 0), (F, 1), (A, 0), (S, 1), (A, 1), (S, 2), (A, 2)]
    );
    assert_eq!(index.hits("NOT user:ola"), [(F, 0), (F, 1), (A, 1), (S, 2)]);
    assert_eq!(
        index.hits("stream:firewall AND NOT (src_ip:185.1.2.3 OR host:ts1)"),
        [(F, 1)]
    );
    assert_eq!(index.hits("nobody"), []);
}

/// `seq` and `time` are fast fields only: a value is searched as the range
/// of that one value, and ranges read the columns.
#[test]
fn seq_and_time_are_found_by_value_set_and_range() {
    let index = Fixture::new();
    // Ordered by time: firewall 1 (20 s), session 1 (60 s), access 1 (90 s).
    assert_eq!(index.hits("seq:1"), [(F, 1), (S, 1), (A, 1)]);
    assert_eq!(index.hits("seq:[1 TO 2] stream:sessions"), [(S, 1), (S, 2)]);
    assert_eq!(
        index.hits("seq: IN [0 2] user:ola"),
        [(S, 0), (A, 0), (A, 2)]
    );
    assert_eq!(index.hits("-seq:0 user:ola"), [(S, 1), (A, 2)]);
    assert_eq!(index.hits("time:\"2026-03-02T00:01:00Z\""), [(S, 1)]);
    assert_eq!(
        index.hits("time:[2026-03-02T00:00:30Z TO 2026-03-02T00:01:30Z]"),
        [(A, 0), (S, 1), (A, 1)]
    );
}

#[test]
fn a_path_finds_its_folder_and_everything_below_it() {
    let index = Fixture::new();
    assert_eq!(index.hits("path:/prosjekt/x"), [(A, 0), (A, 1)]);
    assert_eq!(index.hits("path:/prosjekt/x/"), [(A, 0), (A, 1)]);
    assert_eq!(index.hits("path:\"/Prosjekt/X\""), [(A, 0), (A, 1)]);
    assert_eq!(index.hits("path:/prosjekt"), [(A, 0), (A, 1), (A, 2)]);
    // `/prosjekt/` alone is a regular expression to tantivy; here it is the folder.
    assert_eq!(index.hits("path:/prosjekt/"), [(A, 0), (A, 1), (A, 2)]);
    assert_eq!(index.hits("path:/prosjekt/x/sub/notes.txt"), [(A, 1)]);
    assert_eq!(index.hits("path:/prosjekt/x/sub/notes"), []);
    assert_eq!(index.hits("path:/pros"), []);
}

#[test]
fn time_ranges_streams_and_limits_narrow_the_hits() {
    let index = Fixture::new();
    let micros = |seconds: i64| at(seconds).timestamp_micros();
    let request = Request {
        query: "*".into(),
        from_micros: Some(micros(30)),
        to_micros: Some(micros(120)),
        limit: 1000,
        ..Request::default()
    };
    assert_eq!(index.hits_of(&request), [(A, 0), (S, 1), (A, 1)]);
    let accesses = Request {
        streams: vec![A],
        ..request.clone()
    };
    assert_eq!(index.hits_of(&accesses), [(A, 0), (A, 1)]);
    let first = Request {
        limit: 2,
        query: String::new(),
        from_micros: None,
        to_micros: None,
        ..request
    };
    let searcher = index.searcher();
    let found = searcher
        .search(&first, &searcher.state().covered)
        .expect("search");
    assert_eq!(found.total, 8);
    let keys: Vec<_> = found.hits.iter().map(|hit| (hit.stream, hit.seq)).collect();
    assert_eq!(keys, [(S, 0), (F, 0)]);
    assert_eq!(found.hits[1].time_micros, micros(10));
}

#[test]
fn malformed_queries_and_unknown_fields_are_query_errors() {
    let index = Fixture::new();
    let searcher = index.searcher();
    for bad in ["\"unclosed", "usr:ola", "user:(", "seq:abc", "ola)"] {
        let request = Request {
            query: bad.into(),
            limit: 10,
            ..Request::default()
        };
        match searcher.search(&request, &searcher.state().covered) {
            Err(SearchError::Query(error)) => assert!(!error.message.is_empty(), "{bad}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
}

#[test]
fn hits_past_the_visible_sizes_are_never_returned_and_truncation_removes_them() {
    let index = Fixture::new();
    let searcher = index.searcher();
    let request = Request {
        query: "user:ola".into(),
        limit: 10,
        ..Request::default()
    };
    // As if HEAD had only session 0 and access 0 committed.
    let visible = BTreeMap::from([(S, 1), (A, 1), (F, 2)]);
    let found = searcher.search(&request, &visible).expect("search");
    let keys: Vec<_> = found.hits.iter().map(|hit| (hit.stream, hit.seq)).collect();
    assert_eq!(keys, [(S, 0), (A, 0)]);
    assert_eq!(found.total, 2);
    drop(searcher);

    let mut writer = IndexWriter::open(&index.path, STORE).expect("open for writing");
    writer.truncate(1, &visible).expect("truncate");
    assert_eq!(writer.state().covered(S), 1);
    assert_eq!(writer.state().covered(A), 1);
    assert_eq!(writer.state().covered(F), 2);
    // Records are added again from the first one not covered, once each.
    let again = vec![
        session(0, 0, "ola", "failed", "10.10.0.5"),
        session(1, 60, "ola", "login", "10.10.0.5"),
        session(3, 70, "ola", "login", "10.10.0.5"),
    ];
    assert_eq!(
        writer.add(S, &again).unwrap(),
        1,
        "seq 0 is covered, seq 3 is past a gap"
    );
    writer.commit(2).expect("commit");
    writer.finish().expect("finish");
    assert_eq!(index.hits("user:ola"), [(S, 0), (A, 0), (S, 1)]);
    assert_eq!(index.searcher().state().txn, 2);
}

#[test]
fn an_index_of_another_store_or_none_at_all_is_told_apart() {
    let index = Fixture::new();
    match IndexWriter::open(&index.path, "fedcba9876543210") {
        Err(IndexError::Incompatible { detail, .. }) => {
            assert!(detail.contains("store"), "{detail}")
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("opened another store's index"),
    }
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        IndexSearcher::open(&empty.path().join("index")),
        Err(IndexError::Missing(_))
    ));
}

#[test]
fn an_interrupted_swap_leaves_the_old_or_the_new_index() {
    let index = Fixture::new();
    let dir = &index.path;
    let rebuilt = vakt_index::writer::rebuild_dir(dir);
    let mut writer = IndexWriter::create(&rebuilt, STORE).expect("create");
    writer
        .add(S, &[session(0, 0, "nils", "login", "10.10.0.9")])
        .unwrap();
    writer.commit(7).unwrap();
    writer.finish().unwrap();
    // Crash after moving the old index aside, before moving the new one in.
    std::fs::rename(dir, vakt_index::writer::old_dir(dir)).unwrap();
    vakt_index::writer::settle(dir).expect("settle");
    assert_eq!(index.searcher().state().txn, 7);
    assert_eq!(index.hits("nils"), [(S, 0)]);
    assert!(!rebuilt.exists() && !vakt_index::writer::old_dir(dir).exists());
    // Crash while building: the old index stays, the unfinished one goes.
    std::fs::create_dir_all(&rebuilt).unwrap();
    vakt_index::writer::settle(dir).expect("settle");
    assert_eq!(index.searcher().state().txn, 7);
    assert!(!rebuilt.exists());
}

#[test]
fn exclusions_of_phrases_inside_groups_work() {
    let index = Fixture::new();
    // tantivy 0.27 trips over these without the bit-set exclusions.
    assert_eq!(
        index.hits("ola AND NOT \"failed password\""),
        [(A, 0), (S, 1), (A, 2)]
    );
    assert_eq!(
        index.hits("user:kari OR NOT \"failed password\""),
        [(F, 0), (F, 1), (A, 0), (S, 1), (A, 1), (S, 2), (A, 2)]
    );
    assert_eq!(
        index.hits("ssh2 AND (user:kari OR NOT \"login password\")"),
        [(S, 0), (S, 2)]
    );
}

fn everything() -> BTreeMap<Stream, u64> {
    Stream::ALL
        .into_iter()
        .map(|stream| (stream, u64::MAX))
        .collect()
}

/// The digest of what the records should give, per stream.
fn expected_digests(
    streams: &[(Stream, Vec<Record>)],
    key: &DigestKey,
) -> BTreeMap<Stream, PostingsDigest> {
    let mut digests = BTreeMap::new();
    for (stream, records) in streams {
        let digest = digests
            .entry(*stream)
            .or_insert_with(|| PostingsDigest::new(key));
        for record in records {
            digest.add_record(record);
        }
    }
    digests
}

#[test]
fn the_digest_of_an_index_is_the_digest_of_its_records_and_a_doctored_index_differs() {
    let sessions = vec![
        session(0, 0, "ola", "failed", "10.10.0.5"),
        session(1, 60, "ola", "login", "10.10.0.5"),
        record(
            2,
            120,
            "a long raw line with a token longer than forty bytes aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa and more",
            Event::Sessions(SessionEvent {
                user: Some("Kari".into()),
                ..SessionEvent::default()
            }),
        ),
    ];
    let accesses = vec![access(0, 30, "ola", "/prosjekt/x/data.csv")];
    let firewalls = vec![firewall(0, 10, "185.1.2.3", "10.20.0.10")];
    let build = |streams: &[(Stream, Vec<Record>)]| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let mut writer = IndexWriter::create(&path, STORE).unwrap();
        for (stream, records) in streams {
            writer.add(*stream, records).unwrap();
        }
        writer.commit(1).unwrap();
        writer.finish().unwrap();
        (dir, path)
    };
    let streams = vec![
        (Stream::Sessions, sessions.clone()),
        (Stream::Access, accesses.clone()),
        (Stream::Firewall, firewalls.clone()),
    ];
    let (_dir, path) = build(&streams);
    let key = DigestKey::random();
    let found = index_digests(&path, &everything(), &key).unwrap();
    let expected = expected_digests(&streams, &key);
    for (stream, digest) in &expected {
        assert_eq!(found.get(stream), Some(digest), "{stream}");
    }
    assert_eq!(found[&Stream::Sessions].records, 3);

    // One record's user changed in the index (its true term is hidden),
    // and one record's time.
    let mut doctored_sessions = sessions.clone();
    if let Event::Sessions(event) = &mut doctored_sessions[1].event {
        event.user = Some("mallory".into());
    }
    let mut doctored_firewalls = firewalls.clone();
    doctored_firewalls[0].envelope.time = at(11);
    let doctored = vec![
        (Stream::Sessions, doctored_sessions),
        (Stream::Access, accesses),
        (Stream::Firewall, doctored_firewalls),
    ];
    let (_doctored_dir, doctored_path) = build(&doctored);
    let found = index_digests(&doctored_path, &everything(), &key).unwrap();
    assert_ne!(found[&Stream::Sessions], expected[&Stream::Sessions]);
    assert_ne!(found[&Stream::Firewall], expected[&Stream::Firewall]);
    assert_eq!(found[&Stream::Access], expected[&Stream::Access]);
}
