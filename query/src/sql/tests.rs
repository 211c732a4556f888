//! SQL over a small store written here by hand (store.json, HEAD, manifests
//! and segments), independent of the ingest writer.

use std::fs;
use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use tempfile::TempDir;
use vakt_schemas::arrow::records_to_batch;
use vakt_schemas::head::{Head, StoreInfo, StreamHead};
use vakt_schemas::manifest::{GENESIS, ManifestEntry, line_hash};
use vakt_schemas::table::SegmentLayout;
use vakt_schemas::{
    AccessEvent, Envelope, Event, FirewallEvent, Record, SessionEvent, Stream, layout,
};

use super::*;

const ROWS_PER_DAY: u64 = 24;
const ROW_GROUP: usize = 4;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

fn at(d: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, hour, minute, 0).unwrap()
}

/// The event of row `n` (0..24, one an hour) of a stream's day.
fn event(stream: Stream, n: u64) -> Event {
    match stream {
        Stream::Sessions => Event::Sessions(SessionEvent {
            server: if n.is_multiple_of(2) { "ts1" } else { "web1" }.into(),
            server_zone: Some(
                if n.is_multiple_of(2) {
                    "secure"
                } else {
                    "internal"
                }
                .into(),
            ),
            user: Some(format!("user{}", n % 3)),
            protocol: "ssh".into(),
            action: "login".into(),
            ..SessionEvent::default()
        }),
        Stream::Firewall => Event::Firewall(FirewallEvent {
            device: "fw-sec".into(),
            action: "allow".into(),
            src_ip: "10.10.1.5".into(),
            src_zone: Some(
                if n.is_multiple_of(4) {
                    "secure"
                } else {
                    "internal"
                }
                .into(),
            ),
            dst_ip: "10.20.0.10".into(),
            dst_zone: Some(
                if n.is_multiple_of(2) {
                    "secure"
                } else {
                    "internal"
                }
                .into(),
            ),
            protocol: "tcp".into(),
            new_connection: true,
            ..FirewallEvent::default()
        }),
        Stream::Access => Event::Access(AccessEvent {
            host: "fs1".into(),
            user: Some(if n.is_multiple_of(2) { "ada" } else { "bo" }.into()),
            operation: "read".into(),
            path: format!("/data/survey/file{n}.csv"),
            dataset: (n % 3 != 1).then(|| "survey".to_string()),
            success: !n.is_multiple_of(5),
            ..AccessEvent::default()
        }),
        _ => unreachable!("the test store has sessions, firewall and access"),
    }
}

/// A store with sessions, firewall and access records on 2026-03-09, -10
/// and -11, one an hour, each day one segment of row groups of 4 rows.
struct Fixture {
    dir: TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let info = StoreInfo {
            format: vakt_schemas::head::FORMAT_VERSION,
            store_id: "00112233aabbccdd".into(),
            created: at(1, 0, 0),
            origin_prefix: "vakt/00112233aabbccdd".into(),
            verifier_key: "vakt-00112233aabbccdd+00000000+not-used-here".into(),
            format3_from_txn: None,
        };
        fs::write(
            root.join(layout::STORE_INFO),
            serde_json::to_vec(&info).unwrap(),
        )
        .unwrap();
        let mut head = Head::empty(at(12, 0, 0), &"e3".repeat(32));
        for stream in Stream::ALL {
            fs::create_dir_all(root.join(layout::stream_dir(stream))).unwrap();
            let mut manifest = String::new();
            let mut prev = GENESIS.to_string();
            let mut seq = 0;
            if matches!(stream, Stream::Sessions | Stream::Firewall | Stream::Access) {
                for (index, d) in [9, 10, 11].into_iter().enumerate() {
                    let entry = write_segment(root, stream, day(d), index as u64, seq, prev);
                    seq += entry.count;
                    let line = entry.to_line();
                    prev = line_hash(&line);
                    manifest.push_str(&line);
                    manifest.push('\n');
                }
            }
            fs::write(root.join(layout::manifest(stream)), &manifest).unwrap();
            fs::write(root.join(layout::checkpoints(stream)), "").unwrap();
            head.streams.insert(
                stream,
                StreamHead {
                    entries: manifest.lines().count() as u64,
                    manifest_bytes: manifest.len() as u64,
                    ..StreamHead::empty(&"e3".repeat(32))
                },
            );
        }
        // The head as a note without a signature: readers do not check it
        // (verification and writers do).
        let note = format!(
            "{}\n\n",
            vakt_schemas::head::head_note_text(&info, &head).trim_end()
        );
        fs::write(root.join(layout::HEAD), note).unwrap();
        Fixture { dir }
    }

    fn session(&self) -> SqlSession {
        let store = StoreReader::open(self.dir.path()).unwrap();
        SqlSession::open(&store, &SessionOptions::default()).unwrap()
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }
}

fn write_segment(
    root: &Path,
    stream: Stream,
    day: NaiveDate,
    txn: u64,
    first_seq: u64,
    prev: String,
) -> ManifestEntry {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap().and_utc();
    let records: Vec<Record> = (0..ROWS_PER_DAY)
        .map(|n| Record {
            envelope: Envelope {
                seq: first_seq + n,
                time: midnight + Duration::minutes(60 * n as i64 + 30),
                ingest_time: at(12, 0, 0),
                source: "test".into(),
                raw: format!("line {n}"),
                nonce: [n as u8; 16],
            },
            event: event(stream, n),
        })
        .collect();
    // Files of format 2 (leaf hashes and nonces stored) and of format 3
    // (neither) side by side, as in a store upgraded and written since.
    let layout = if txn.is_multiple_of(2) {
        SegmentLayout::WithLeafHash
    } else {
        SegmentLayout::DerivedNonce
    };
    let batch = records_to_batch(stream, &records, layout).unwrap();
    let path = layout::segment(stream, day, txn, first_seq);
    fs::create_dir_all(root.join(&path).parent().unwrap()).unwrap();
    let properties = WriterProperties::builder()
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .set_statistics_enabled(EnabledStatistics::Page)
        .build();
    let file = fs::File::create(root.join(&path)).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let bytes = fs::read(root.join(&path)).unwrap();
    ManifestEntry {
        index: txn,
        prev,
        txn,
        path,
        day,
        first_seq,
        count: ROWS_PER_DAY,
        replaces: None,
        min_time: records[0].envelope.time,
        max_time: records.last().unwrap().envelope.time,
        ingest_time: at(12, 0, 0),
        file_sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
        file_size: bytes.len() as u64,
        tail_offset: None,
        tail_sha256: None,
        tree_size: first_seq + ROWS_PER_DAY,
        root: "00".repeat(32),
        frontier: Vec::new(),
    }
}

fn count(session: &SqlSession, sql: &str) -> i64 {
    let result = session.query(sql).unwrap();
    assert_eq!(result.rows, 1, "{sql}");
    result.batches[0]
        .column(0)
        .as_primitive::<Int64Type>()
        .value(0)
}

fn days_of(files: &[String]) -> Vec<String> {
    let mut days: Vec<String> = files
        .iter()
        .map(|file| file.split('/').nth(1).unwrap().to_string())
        .collect();
    days.dedup();
    days
}

#[test]
fn every_stream_is_a_table_and_reads_what_the_manifest_lists() {
    let fixture = Fixture::new();
    let session = fixture.session();
    for stream in ["sessions", "firewall", "access"] {
        assert_eq!(
            count(&session, &format!("SELECT count(*) FROM {stream}")),
            72
        );
    }
    for stream in ["registry", "audit", "quarantine"] {
        assert_eq!(
            count(&session, &format!("SELECT count(*) FROM {stream}")),
            0
        );
    }
    let result = session
        .query("SELECT seq, time, \"user\" FROM sessions ORDER BY seq DESC LIMIT 2")
        .unwrap();
    assert_eq!(result.rows, 2);
    let seqs = result.batches[0]
        .column(0)
        .as_primitive::<datafusion::arrow::datatypes::UInt64Type>();
    assert_eq!(seqs.value(0), 71);
}

#[test]
fn a_day_query_plans_only_that_days_segments_whatever_the_literal() {
    let fixture = Fixture::new();
    let session = fixture.session();
    let queries = [
        "SELECT count(*) FROM sessions WHERE time >= '2026-03-10T00:00:00Z' AND time < '2026-03-11T00:00:00Z'",
        "SELECT count(*) FROM sessions WHERE time >= '2026-03-10' AND time < '2026-03-11'",
        "SELECT count(*) FROM sessions WHERE time >= TIMESTAMP '2026-03-10T00:00:00Z' AND time < TIMESTAMP '2026-03-11T00:00:00Z'",
        "SELECT count(*) FROM sessions WHERE time BETWEEN '2026-03-10T00:00:00Z' AND '2026-03-10T23:59:59Z'",
        "SELECT count(*) FROM sessions WHERE time > '2026-03-09T23:59:59Z' AND time <= '2026-03-10T23:59:59Z'",
        "SELECT count(*) FROM sessions WHERE time = '2026-03-10T05:30:00Z'",
        "SELECT count(*) FROM secure_sessions WHERE CAST(time AS DATE) = DATE '2026-03-10' AND time >= '2026-03-10'  AND time < '2026-03-11'",
    ];
    let expected = [24, 24, 24, 24, 24, 1, 12];
    for (sql, expected) in queries.iter().zip(expected) {
        let files = session.planned_segments(sql).unwrap();
        assert_eq!(days_of(&files), ["day=2026-03-10"], "{sql}: {files:?}");
        assert_eq!(count(&session, sql), expected, "{sql}");
    }
    // Without a bound on time, every day; with an impossible one, none.
    let all = session.planned_segments("SELECT count(*) FROM sessions WHERE \"user\" = 'user1'");
    assert_eq!(all.unwrap().len(), 3);
    let none = "SELECT count(*) FROM sessions WHERE time >= '2027-01-01'";
    assert!(session.planned_segments(none).unwrap().is_empty());
    assert_eq!(count(&session, none), 0);
    // Sequence numbers prune too.
    let files = session
        .planned_segments("SELECT * FROM access WHERE seq BETWEEN 50 AND 60")
        .unwrap();
    assert_eq!(days_of(&files), ["day=2026-03-11"]);
}

#[test]
fn explain_analyze_shows_the_pruned_files_and_row_groups() {
    let fixture = Fixture::new();
    let session = fixture.session();
    let result = session
        .query(
            "EXPLAIN ANALYZE SELECT count(*) FROM sessions \
             WHERE time >= '2026-03-10T10:00:00Z' AND time < '2026-03-10T12:00:00Z'",
        )
        .unwrap();
    let plan: String = result
        .batches
        .iter()
        .flat_map(|batch| {
            let plans = batch.column(1).as_string::<i32>();
            (0..plans.len())
                .map(|row| plans.value(row).to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let scan = plan
        .lines()
        .find(|line| line.contains("DataSourceExec"))
        .unwrap_or_else(|| panic!("no scan in {plan}"));
    assert!(scan.contains("day=2026-03-10/"), "{scan}");
    assert!(!scan.contains("day=2026-03-09/"), "{scan}");
    assert!(!scan.contains("day=2026-03-11/"), "{scan}");
    // Rows 10:30 and 11:30 lie in the third row group of four rows; the
    // five others of that file are skipped by their statistics.
    assert!(
        scan.contains("row_groups_pruned_statistics=6 total → 1 matched"),
        "{scan}"
    );
    assert!(scan.contains("output_rows=2"), "{scan}");
}

#[test]
fn a_parquet_file_put_into_a_partition_by_hand_is_never_read() {
    let fixture = Fixture::new();
    let before = count(&fixture.session(), "SELECT count(*) FROM sessions");
    let day_dir = fixture.root().join("sessions/day=2026-03-10");
    let original = fs::read_dir(&day_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    fs::copy(&original, day_dir.join("0000000099-000000000999.parquet")).unwrap();
    fs::copy(&original, day_dir.join("extra.parquet")).unwrap();
    fs::create_dir_all(fixture.root().join("sessions/day=2026-03-20")).unwrap();
    fs::copy(
        &original,
        fixture
            .root()
            .join("sessions/day=2026-03-20/0000000099-000000000999.parquet"),
    )
    .unwrap();
    let session = fixture.session();
    assert_eq!(count(&session, "SELECT count(*) FROM sessions"), before);
    let files = session.planned_segments("SELECT * FROM sessions").unwrap();
    assert_eq!(files.len(), 3);
    assert!(files.iter().all(|file| !file.contains("99")), "{files:?}");
}

#[test]
fn views_answer_the_usual_questions() {
    let fixture = Fixture::new();
    let session = fixture.session();
    assert_eq!(count(&session, "SELECT count(*) FROM secure_sessions"), 36);
    assert_eq!(
        count(
            &session,
            "SELECT count(*) FROM secure_sessions WHERE server_zone <> 'secure'"
        ),
        0
    );
    // dst secure on even hours, src secure on multiples of 4: 6 an day.
    assert_eq!(count(&session, "SELECT count(*) FROM secure_inbound"), 18);
    let result = session
        .query(
            "SELECT dataset, \"user\", CAST(day AS VARCHAR) AS day, accesses, failed, \
                    first_time, last_time \
             FROM dataset_access ORDER BY day, \"user\"",
        )
        .unwrap();
    let batch =
        datafusion::arrow::compute::concat_batches(&result.schema, &result.batches).unwrap();
    let days = datafusion::arrow::compute::cast(batch.column(2), &DataType::Utf8).unwrap();
    let days = days.as_string::<i32>();
    // 2026-03-09T00:30Z is 01:30 in Oslo; 23:30Z is 00:30 on the next day
    // there, so the local days run 03-09 .. 03-12.
    let listed: Vec<&str> = (0..days.len()).map(|row| days.value(row)).collect();
    assert_eq!(listed.first(), Some(&"2026-03-09"));
    assert_eq!(listed.last(), Some(&"2026-03-12"));
    let accesses: i64 = batch
        .column(3)
        .as_primitive::<Int64Type>()
        .iter()
        .map(Option::unwrap)
        .sum();
    assert_eq!(accesses, 48, "two of every three rows name a dataset");
    let views = session
        .query("SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW' AND table_schema = 'public'")
        .unwrap();
    assert_eq!(views.rows, 3);
}

#[test]
fn wrong_and_writing_queries_get_datafusions_message() {
    let fixture = Fixture::new();
    let session = fixture.session();
    let message = |sql: &str| match session.query(sql) {
        Err(SqlError::Query(error)) => error.to_string(),
        other => panic!("{sql}: {other:?}"),
    };
    assert!(message("SELECT nope FROM sessions").contains("nope"));
    assert!(message("SELECT * FROM nowhere").contains("nowhere"));
    assert!(message("SELEKT 1").contains("SELEKT"));
    assert!(message("CREATE TABLE t AS SELECT 1").contains("not supported"));
    assert!(message("COPY sessions TO 'x.parquet'").contains("not supported"));
    assert!(message("SET datafusion.execution.batch_size = 1").contains("not supported"));
    assert!(message("SELECT * FROM 'sessions/day=2026-03-10'").contains("not found"));
    assert!(message("SELECT 1; SELECT 2").contains("single SQL statement"));
}

#[test]
fn a_deep_expression_runs_on_the_sessions_threads_not_the_callers_stack() {
    let fixture = Fixture::new();
    let session = fixture.session();
    // 1000 nested additions need more stack than this thread has; the
    // query runs on the session's runtime, whose threads have enough.
    let rows = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let sql = format!("SELECT {}1 AS n", "1 + ".repeat(1000));
            session.query(&sql).map(|result| result.rows)
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(rows.unwrap(), 1);
}

fn sample(session: &SqlSession) -> QueryResult {
    session
        .query(
            "SELECT seq, time, \"user\", multi_factor, arrow_cast(raw, 'Binary') AS bytes FROM sessions \
             WHERE seq IN (0, 1) ORDER BY seq",
        )
        .unwrap()
}

#[test]
fn table_output_shows_local_times_and_aligns_columns() {
    let fixture = Fixture::new();
    let session = fixture.session();
    let mut out = Vec::new();
    write_table(&mut out, &sample(&session), chrono_tz::Europe::Oslo).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        " seq | time                    | user  | multi_factor | bytes"
    );
    assert!(lines[1].starts_with("-----+-------"), "{text}");
    assert_eq!(
        lines[2],
        "   0 | 2026-03-09 01:30:00 CET | user0 |              | 6c696e652030"
    );
    assert_eq!(lines[4], "(2 rows)");
}

#[test]
fn table_output_escapes_control_characters() {
    let fixture = Fixture::new();
    let session = fixture.session();
    let result = session
        .query("SELECT concat('a', chr(27), '[31mred') AS text")
        .unwrap();
    let mut out = Vec::new();
    write_table(&mut out, &result, chrono_tz::Europe::Oslo).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains("a\\u{1b}[31mred"), "{text}");
}

#[test]
fn json_output_is_one_array_of_objects_with_utc_times() {
    let fixture = Fixture::new();
    let session = fixture.session();
    let mut out = Vec::new();
    write_json(&mut out, &sample(&session)).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        value,
        serde_json::json!([
            {"seq": 0, "time": "2026-03-09T00:30:00Z", "user": "user0", "multi_factor": null,
             "bytes": "6c696e652030"},
            {"seq": 1, "time": "2026-03-09T01:30:00Z", "user": "user1", "multi_factor": null,
             "bytes": "6c696e652031"},
        ])
    );
    let mut out = Vec::new();
    let empty = session
        .query("SELECT seq FROM sessions WHERE seq > 1000")
        .unwrap();
    write_json(&mut out, &empty).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "[]\n");
}

#[test]
fn csv_output_has_a_header_and_utc_times() {
    let fixture = Fixture::new();
    let session = fixture.session();
    let mut out = Vec::new();
    write_csv(&mut out, &sample(&session)).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "seq,time,user,multi_factor,bytes\n\
         0,2026-03-09T00:30:00Z,user0,,6c696e652030\n\
         1,2026-03-09T01:30:00Z,user1,,6c696e652031\n"
    );
    let mut out = Vec::new();
    let empty = session
        .query("SELECT seq, time FROM sessions WHERE seq > 1000")
        .unwrap();
    write_csv(&mut out, &empty).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "seq,time\n");
}

#[test]
fn parquet_output_holds_every_row() {
    let fixture = Fixture::new();
    let session = fixture.session();
    let path = fixture.root().join("out.parquet");
    let rows = session
        .write_parquet("SELECT * FROM access WHERE dataset IS NOT NULL", &path)
        .unwrap();
    assert_eq!(rows, 48);
    let reader = ParquetRecordBatchReaderBuilder::try_new(fs::File::open(&path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), 48);
    assert_eq!(batches[0].schema().field(1).name(), "time");

    let bad = fixture.root().join("bad.parquet");
    assert!(
        session
            .write_parquet("SELECT nope FROM access", &bad)
            .is_err()
    );
    assert!(!bad.exists(), "no file for a query that does not plan");
}
