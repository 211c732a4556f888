//! Ingest the sample logs, read every record back through the Parquet files
//! the manifest lists, and compare with parsing the same input directly.

use std::fs::File;
use std::io::BufReader;

use chrono::{DateTime, Utc};
use vakt_ingest::enrich::enrich;
use vakt_ingest::parse::{Format, LineParser, ParseContext, Parsed};
use vakt_ingest::source::{LineReader, expand_inputs, inspect};
use vakt_schemas::config::Config;
use vakt_schemas::{Event, Stream};
use vakt_store::StoreReader;

use crate::common::{TestStore, sample_config, sample_log_dirs};

type Row = (String, String, DateTime<Utc>, String);

fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort();
    rows
}

/// What parsing the sample logs directly gives: (source, raw, time, event) of
/// every event and (source, raw, line, reason) of every rejected line.
fn parse_directly(config: &Config) -> (Vec<Row>, Vec<Row>) {
    let (files, problems) = expand_inputs(&sample_log_dirs());
    assert!(problems.is_empty(), "{problems:?}");
    let mut events = Vec::new();
    let mut rejected = Vec::new();
    for path in files {
        let input = inspect(&path).expect("sample logs are readable text");
        let context = ParseContext {
            time_zone: config.time_zone().unwrap(),
            year: config.ingest.syslog_year,
            reference_time: input.modified,
            firewall: config.firewall.clone(),
            ..ParseContext::new(input.modified)
        };
        let mut parser = LineParser::new(context, Format::Auto);
        let source = path.display().to_string();
        let mut lines = LineReader::from_start(BufReader::new(File::open(&path).unwrap()), 1 << 16);
        while let Some(line) = lines.next_line().unwrap() {
            let raw = String::from_utf8(line.bytes.clone()).expect("sample logs are UTF-8");
            match parser.parse(&raw) {
                Parsed::Event {
                    time,
                    mut event,
                    span: None,
                } => {
                    enrich(config, &mut event);
                    events.push((source.clone(), raw, time, format!("{event:?}")));
                }
                Parsed::Rejected {
                    reason, span: None, ..
                } => {
                    let when = DateTime::from_timestamp(line.number as i64, 0).unwrap();
                    rejected.push((source.clone(), raw, when, reason));
                }
                other => panic!("the sample's lines are one record each: {other:?}"),
            }
        }
    }
    (events, rejected)
}

#[test]
fn every_sample_line_reads_back_from_parquet_as_it_was_parsed() {
    let store = TestStore::new();
    let summary = store.ingest(&sample_log_dirs(), &[]);
    let lines_read = summary["lines_read"].as_u64().unwrap();
    let stored = summary["records_stored"].as_u64().unwrap();
    let quarantined = summary["lines_quarantined"].as_u64().unwrap();
    assert_eq!(lines_read, stored + quarantined);
    assert!(
        stored > 50_000,
        "the sample is a year of an institute: {summary}"
    );
    assert_eq!(quarantined, 0, "every sample line parses: {summary}");

    let config = Config::parse(&std::fs::read_to_string(sample_config()).unwrap()).unwrap();
    let (expected_events, expected_rejected) = parse_directly(&config);
    assert_eq!(expected_events.len() as u64, stored);
    assert_eq!(expected_rejected.len() as u64, quarantined);

    let reader = StoreReader::open(&store.path()).unwrap();
    let mut actual_events = Vec::new();
    for stream in [Stream::Sessions, Stream::Firewall, Stream::Access] {
        let records = reader.records(stream).unwrap();
        assert!(!records.is_empty(), "no {stream} records");
        for (index, record) in records.into_iter().enumerate() {
            assert_eq!(
                record.envelope.seq, index as u64,
                "{stream} records are in sequence order"
            );
            assert_eq!(record.stream(), stream);
            let envelope = record.envelope;
            actual_events.push((
                envelope.source,
                envelope.raw,
                envelope.time,
                format!("{:?}", record.event),
            ));
        }
    }
    assert_eq!(sorted(actual_events), sorted(expected_events));

    let mut actual_rejected = Vec::new();
    for record in reader.records(Stream::Quarantine).unwrap() {
        let Event::Quarantine(quarantine) = &record.event else {
            panic!("a quarantine record holds a quarantine event");
        };
        let when = DateTime::from_timestamp(quarantine.line as i64, 0).unwrap();
        actual_rejected.push((
            record.envelope.source,
            record.envelope.raw,
            when,
            quarantine.reason.clone(),
        ));
    }
    assert_eq!(sorted(actual_rejected), sorted(expected_rejected));

    let (code, report) = store.verify(&[]);
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn ingesting_the_same_input_again_stores_nothing_twice() {
    let store = TestStore::new();
    let first = store.ingest(&sample_log_dirs(), &[]);
    // `--format json` is the shorthand scripts use for the JSON summary.
    let logs = sample_log_dirs()[0].display().to_string();
    let output = store.run(&["ingest", "--format", "json", &logs]);
    assert!(output.status.success());
    let second: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(second["lines_read"], 0, "{second}");
    assert_eq!(second["lines_already_stored"], first["lines_read"]);
    let reader = StoreReader::open(&store.path()).unwrap();
    let total: u64 = [
        Stream::Sessions,
        Stream::Firewall,
        Stream::Access,
        Stream::Quarantine,
    ]
    .into_iter()
    .map(|stream| reader.head().stream(stream).unwrap().tree_size)
    .sum();
    assert_eq!(total, first["lines_read"].as_u64().unwrap());
}
