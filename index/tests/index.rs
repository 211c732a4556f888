//! The index on small hand-made records: what each kind of query matches,
//! how the coverage payload moves, and what truncation and visibility do.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use vakt_index::digest::{DigestKey, PostingsDigest, RecordsDigest, index_blocks, index_digests};
use vakt_index::{Hits, IndexError, IndexSearcher, IndexWriter, Request, SearchError};
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
    records: Vec<Record>,
}

/// Searches the index in `path`, reading records from `records`.
fn search_in(
    searcher: &IndexSearcher,
    records: &[Record],
    request: &Request,
    visible: &BTreeMap<Stream, u64>,
) -> Result<Hits, SearchError> {
    let mut read = |stream: Stream, seqs: &[u64]| -> Result<Vec<Record>, SearchError> {
        Ok(records
            .iter()
            .filter(|record| record.stream() == stream && seqs.contains(&record.envelope.seq))
            .cloned()
            .collect())
    };
    searcher.search(request, visible, &mut read)
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
        let records = sessions
            .into_iter()
            .chain(accesses)
            .chain(firewalls)
            .collect();
        Fixture {
            _dir: dir,
            path,
            records,
        }
    }

    fn search(
        &self,
        request: &Request,
        visible: &BTreeMap<Stream, u64>,
    ) -> Result<Hits, SearchError> {
        search_in(&self.searcher(), &self.records, request, visible)
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
        self.search(request, &visible)
            .unwrap_or_else(|error| panic!("{}: {error}", request.query))
            .hits
            .into_iter()
            .map(|found| (found.hit.stream, found.hit.seq))
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
    let found = index
        .search(&first, &index.searcher().state().covered)
        .expect("search");
    assert_eq!(found.total, 8);
    assert!(found.total_exact);
    let keys: Vec<_> = found
        .hits
        .iter()
        .map(|found| (found.hit.stream, found.hit.seq))
        .collect();
    assert_eq!(keys, [(S, 0), (F, 0)]);
    assert_eq!(found.hits[1].hit.time_micros, micros(10));
}

#[test]
fn malformed_queries_and_unknown_fields_are_query_errors() {
    let index = Fixture::new();
    let covered = index.searcher().state().covered.clone();
    for bad in ["\"unclosed", "usr:ola", "user:(", "seq:abc", "ola)"] {
        let request = Request {
            query: bad.into(),
            limit: 10,
            ..Request::default()
        };
        match index.search(&request, &covered) {
            Err(SearchError::Query(error)) => assert!(!error.message.is_empty(), "{bad}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
}

#[test]
fn hits_past_the_visible_sizes_are_never_returned_and_truncation_removes_them() {
    let index = Fixture::new();
    let request = Request {
        query: "user:ola".into(),
        limit: 10,
        ..Request::default()
    };
    // As if HEAD had only session 0 and access 0 committed.
    let visible = BTreeMap::from([(S, 1), (A, 1), (F, 2)]);
    let mut read_past = Vec::new();
    let mut read = |stream: Stream, seqs: &[u64]| -> Result<Vec<Record>, SearchError> {
        read_past.extend(seqs.iter().filter(|seq| **seq >= visible[&stream]).copied());
        Ok(index
            .records
            .iter()
            .filter(|record| record.stream() == stream && seqs.contains(&record.envelope.seq))
            .cloned()
            .collect())
    };
    let found = index
        .searcher()
        .search(&request, &visible, &mut read)
        .expect("search");
    let keys: Vec<_> = found
        .hits
        .iter()
        .map(|found| (found.hit.stream, found.hit.seq))
        .collect();
    assert_eq!(keys, [(S, 0), (A, 0)]);
    assert_eq!(found.total, 2);
    assert!(
        read_past.is_empty(),
        "read records past HEAD: {read_past:?}"
    );

    let mut writer = IndexWriter::open(&index.path, STORE).expect("open for writing");
    writer.truncate(1, &visible).expect("truncate");
    // The session and access blocks (seqs 0..3) reach past the limit: they
    // go whole, and the index covers the records before them.
    assert_eq!(writer.state().covered(S), 0);
    assert_eq!(writer.state().covered(A), 0);
    assert_eq!(writer.state().covered(F), 2);
    // Records are added again from the first one not covered, once each.
    let again = vec![
        session(0, 0, "ola", "failed", "10.10.0.5"),
        session(1, 60, "ola", "login", "10.10.0.5"),
        session(3, 70, "ola", "login", "10.10.0.5"),
    ];
    assert_eq!(writer.add(S, &again).unwrap(), 2, "seq 3 is past a gap");
    assert_eq!(writer.add(A, &index.records[3..4]).unwrap(), 1);
    assert_eq!(writer.add(A, &index.records[3..4]).unwrap(), 0, "covered");
    writer.commit(2).expect("commit");
    writer.finish().expect("finish");
    let index = Fixture {
        records: index
            .records
            .iter()
            .filter(|record| record.stream() != S)
            .cloned()
            .chain(again)
            .collect(),
        ..index
    };
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
    let dir = &index.path.clone();
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
    let index = Fixture {
        records: vec![session(0, 0, "nils", "login", "10.10.0.9")],
        ..index
    };
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

/// The digest of what the records should give, per stream, for the
/// blocks of the index in `path`.
fn expected_digests(
    path: &std::path::Path,
    streams: &[(Stream, Vec<Record>)],
    key: &DigestKey,
) -> BTreeMap<Stream, PostingsDigest> {
    let mut blocks = index_blocks(path, &everything()).unwrap();
    let mut digests = BTreeMap::new();
    for (stream, records) in streams {
        let mut digest =
            RecordsDigest::new(key, *stream, blocks.remove(stream).unwrap_or_default());
        // In any order.
        for record in records.iter().rev() {
            digest.add_record(record);
        }
        digests.insert(*stream, digest.finish());
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
    let expected = expected_digests(&path, &streams, &key);
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
    let expected = expected_digests(&doctored_path, &streams, &key);
    assert_ne!(found[&Stream::Sessions], expected[&Stream::Sessions]);
    assert_ne!(found[&Stream::Firewall], expected[&Stream::Firewall]);
    assert_eq!(found[&Stream::Access], expected[&Stream::Access]);
}

/// Many records in many blocks (over day boundaries too), drawn from a
/// small vocabulary so that terms repeat across records and blocks.
fn random_records(seed: u64) -> Vec<(Stream, Vec<Record>)> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let users = ["ola", "kari", "nils", "Per"];
    let actions = ["failed", "login", "logout"];
    let ips = ["10.10.0.5", "10.20.0.10", "185.1.2.3", "185.1.2.4"];
    let paths = [
        "/prosjekt/x/data.csv",
        "/prosjekt/x/sub/notes.txt",
        "/prosjekt/xy/other.csv",
        "/home/ola/a.txt",
    ];
    // Events every 10 minutes or so, so 300 records cross a day boundary.
    let mut seconds = 0;
    let mut next_time = |rng: &mut rand::rngs::StdRng| {
        seconds += rng.gen_range(0..1200);
        seconds
    };
    let sessions: Vec<Record> = (0..300)
        .map(|seq| {
            let time = next_time(&mut rng);
            session(
                seq,
                time,
                users[rng.gen_range(0..users.len())],
                actions[rng.gen_range(0..actions.len())],
                ips[rng.gen_range(0..ips.len())],
            )
        })
        .collect();
    let accesses: Vec<Record> = (0..260)
        .map(|seq| {
            let time = next_time(&mut rng);
            access(
                seq,
                time,
                users[rng.gen_range(0..users.len())],
                paths[rng.gen_range(0..paths.len())],
            )
        })
        .collect();
    let firewalls: Vec<Record> = (0..200)
        .map(|seq| {
            let time = next_time(&mut rng);
            firewall(
                seq,
                time,
                ips[rng.gen_range(0..ips.len())],
                ips[rng.gen_range(0..ips.len())],
            )
        })
        .collect();
    vec![(S, sessions), (A, accesses), (F, firewalls)]
}

/// A random query of the documented language, at most `depth` deep (with
/// exclusions when `exclude`).
fn random_query(rng: &mut rand::rngs::StdRng, depth: u32, exclude: bool) -> String {
    use rand::Rng;
    let leaves = [
        "failed",
        "password",
        "ola",
        "Kari",
        "10",
        "ssh2",
        "openat",
        "\"failed password\"",
        "\"password for ola\"",
        "\"for per from 185.1.2.4\"",
        "\"deny in\"",
        "185.1.2.3",
        "user:ola",
        "user:PER",
        "host:ts1",
        "host:fw-sec",
        "action:login",
        "action:deny",
        "src_ip:10.20.0.10",
        "dst_ip:185.1.2.4",
        "client_ip:10.20.0.10",
        "path:/prosjekt/x",
        "path:/prosjekt",
        "target:/prosjekt",
        "stream:sessions",
        "stream:firewall",
        "zone:secure",
        "dst_zone:secure",
        "protocol:tcp",
        "user: IN [ola kari]",
        "user:[kari TO ola]",
        "seq:[50 TO 180]",
        "seq:[* TO 20}",
        "time:[2026-03-02T10:00:00Z TO 2026-03-03T12:00:00Z]",
        "time:{2026-03-03T00:00:00Z TO *]",
        "nobody",
    ];
    if depth == 0 || rng.gen_bool(0.35) {
        return leaves[rng.gen_range(0..leaves.len())].to_string();
    }
    let left = random_query(rng, depth - 1, exclude);
    let right = random_query(rng, depth - 1, exclude);
    match rng.gen_range(0..if exclude { 4 } else { 2 }) {
        0 => format!("({left} {right})"),
        1 => format!("({left} OR {right})"),
        2 => format!("({left} AND NOT {right})"),
        _ => format!("({left} AND {right})"),
    }
}

/// Builds an index of `streams`, in commits of a few dozen records.
fn index_of(streams: &[(Stream, Vec<Record>)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    let mut writer = IndexWriter::create(&path, STORE).unwrap();
    let mut txn = 0;
    for (stream, records) in streams {
        for chunk in records.chunks(70) {
            txn += 1;
            writer.add(*stream, chunk).unwrap();
            writer.commit(txn).unwrap();
        }
    }
    writer.finish().unwrap();
    (dir, path)
}

/// The index answers exactly what judging every record by itself answers:
/// the same hits in the same order, the same total, whatever the limit.
#[test]
fn searching_blocks_finds_what_judging_every_record_finds() {
    use rand::SeedableRng;
    let streams = random_records(7);
    let (_dir, path) = index_of(&streams);
    let all: Vec<Record> = streams
        .iter()
        .flat_map(|(_, records)| records.clone())
        .collect();
    let searcher = IndexSearcher::open(&path).unwrap();
    let covered = searcher.state().covered.clone();
    assert_eq!(covered[&S], 300);
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut nonempty = 0;
    for round in 0..300 {
        let query = random_query(&mut rng, 3, true);
        let limit = [1, 7, 1000][round % 3];
        let request = Request {
            query: query.clone(),
            limit,
            ..Request::default()
        };
        let matches = vakt_index::matching(&request, &all).unwrap();
        let mut expected: Vec<(i64, Stream, u64)> = all
            .iter()
            .zip(&matches)
            .filter(|(_, matched)| **matched)
            .map(|(record, _)| {
                (
                    record.envelope.time.timestamp_micros(),
                    record.stream(),
                    record.envelope.seq,
                )
            })
            .collect();
        expected.sort_unstable();
        let total = expected.len() as u64;
        expected.truncate(limit);
        let found = search_in(&searcher, &all, &request, &covered).unwrap();
        let got: Vec<(i64, Stream, u64)> = found
            .hits
            .iter()
            .map(|found| (found.hit.time_micros, found.hit.stream, found.hit.seq))
            .collect();
        assert_eq!(got, expected, "hits of {query} (limit {limit})");
        assert!(found.total_exact, "{query}");
        assert_eq!(found.total, total, "total of {query}");
        nonempty += usize::from(total > 0);
    }
    assert!(
        nonempty > 100,
        "too few queries matched anything: {nonempty}"
    );
}

/// The judge of single records agrees with tantivy's own query parser and
/// search over an index of one document per record (with positions), the
/// semantics the query language is documented with.
#[test]
fn judging_a_record_agrees_with_tantivy_over_one_document_per_record() {
    use rand::SeedableRng;
    use tantivy::collector::DocSetCollector;
    use tantivy::query::QueryParser;
    use tantivy::schema::{
        DateOptions, DateTimePrecision, IndexRecordOption, NumericOptions, Schema,
        TextFieldIndexing, TextOptions,
    };
    use tantivy::{DateTime, TantivyDocument};
    use vakt_index::analysis::{Analyzer, index_tokenizers, query_tokenizers};
    use vakt_index::document::text_values;
    use vakt_index::fields::TEXT_FIELDS;

    let streams = random_records(3);
    let all: Vec<Record> = streams
        .iter()
        .flat_map(|(_, records)| records.clone())
        .collect();
    let mut builder = Schema::builder();
    let text = |analyzer: Analyzer| {
        let record = if analyzer == Analyzer::Words {
            IndexRecordOption::WithFreqsAndPositions
        } else {
            IndexRecordOption::Basic
        };
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyzer.tokenizer_name())
                .set_index_option(record),
        )
    };
    let stream_field = builder.add_text_field("stream", text(Analyzer::Keyword));
    let seq_field =
        builder.add_u64_field("seq", NumericOptions::default().set_fast().set_indexed());
    let time_field = builder.add_date_field(
        "time",
        DateOptions::default()
            .set_fast()
            .set_indexed()
            .set_precision(DateTimePrecision::Microseconds),
    );
    let text_fields: Vec<_> = TEXT_FIELDS
        .iter()
        .map(|(name, analyzer)| builder.add_text_field(name, text(*analyzer)))
        .collect();
    let schema = builder.build();
    let mut index = tantivy::Index::create_in_ram(schema.clone());
    index.set_tokenizers(index_tokenizers());
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    for record in &all {
        let mut document = TantivyDocument::new();
        document.add_text(stream_field, record.stream().name());
        document.add_u64(seq_field, record.envelope.seq);
        document.add_date(
            time_field,
            DateTime::from_timestamp_micros(record.envelope.time.timestamp_micros()),
        );
        for (name, value) in text_values(record) {
            let place = TEXT_FIELDS
                .iter()
                .position(|(field, _)| *field == name)
                .unwrap();
            document.add_text(text_fields[place], value);
        }
        writer.add_document(document).unwrap();
    }
    writer.commit().unwrap();
    let reader = index.reader().unwrap();
    let searcher = reader.searcher();
    // One segment: document ids are places in `all`.
    assert_eq!(searcher.segment_readers().len(), 1);
    let mut parser = QueryParser::new(schema, vec![text_fields[0]], query_tokenizers());
    parser.set_conjunction_by_default();
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    for _ in 0..300 {
        // Without exclusions: tantivy 0.27 finds nothing for some of them
        // (`failed AND NOT protocol:tcp`), which the tests above and the
        // end-to-end scan check instead.
        let query = random_query(&mut rng, 3, false);
        // tantivy reads `/x` values as regular expressions: quote paths.
        let quoted = query
            .replace("path:/prosjekt/x", "path:\"/prosjekt/x\"")
            .replace("path:/prosjekt)", "path:\"/prosjekt\")")
            .replace("target:/prosjekt", "target:\"/prosjekt\"");
        let quoted = if quoted.ends_with("path:/prosjekt") {
            format!("{}\"/prosjekt\"", quoted.trim_end_matches("/prosjekt"))
        } else {
            quoted
        };
        let tantivy_query = parser
            .parse_query(&quoted)
            .unwrap_or_else(|error| panic!("{quoted}: {error}"));
        let docs = searcher.search(&tantivy_query, &DocSetCollector).unwrap();
        let mut by_tantivy: Vec<(Stream, u64)> = docs
            .into_iter()
            .map(|address| {
                let record = &all[address.doc_id as usize];
                (record.stream(), record.envelope.seq)
            })
            .collect();
        by_tantivy.sort_unstable();
        let request = Request {
            query: quoted.clone(),
            limit: 0,
            ..Request::default()
        };
        let matches = vakt_index::matching(&request, &all).unwrap();
        let mut by_judge: Vec<(Stream, u64)> = all
            .iter()
            .zip(&matches)
            .filter(|(_, matched)| **matched)
            .map(|(record, _)| (record.stream(), record.envelope.seq))
            .collect();
        by_judge.sort_unstable();
        assert_eq!(by_judge, by_tantivy, "{quoted}");
    }
}
