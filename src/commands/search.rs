//! `vakt search`

use std::io::{self, Write};

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, TimeZone};
use clap::{Args, ValueEnum};
use vakt_query::search::{SearchHit, SearchRequest, SearchResults, search};
use vakt_schemas::table::event_columns;
use vakt_schemas::{Stream, Value};
use vakt_store::StoreReader;

use crate::Outcome;
use crate::settings::{GlobalArgs, parse_time};

/// Full-text search over the raw lines and main fields of the records.
///
/// QUERY uses tantivy's query syntax; words without a field search the
/// original line (`raw`), and words side by side must all match:
///
///   password ola                 both words in the line
///   "Failed password"            the phrase
///   user:ola host:ts1            fields: whole values, any case
///   ip:10.20.0.10                src_ip, dst_ip, client_ip, or ip for any of them
///   path:/prosjekt/x             that file or folder and everything below it
///   action:failed OR action:deny either; NOT (or -) excludes; ( ) group
///   *                            every record (with --from/--to: a time window)
///
/// Fields: raw, user, host (server, device or host), src_ip, dst_ip,
/// client_ip, ip, action (action or operation), path, target, dataset, area,
/// zone (any zone), src_zone, dst_zone, protocol, stream, seq, time. Quote
/// values with spaces or colons: ip:"fe80::1".
///
/// Indexed streams: sessions, firewall, access and quarantine. --from and
/// --to take RFC 3339 instants or local dates and times (YYYY-MM-DD,
/// YYYY-MM-DDTHH:MM[:SS]) in the configured time zone (Europe/Oslo by
/// default); --from is inclusive, --to exclusive, and a date as --to
/// includes that whole day.
///
/// Results are ordered by time, then stream and sequence number, each with
/// its full row read from the store: a block per record for a person (times
/// in the configured time zone), or with --format json an array of objects
/// with stream, seq, time, ingest_time, source, raw and record (the event's
/// columns), times in RFC 3339 UTC.
///
/// The index is checked against the store: a search never shows a record
/// that is not committed or does not match as read from the store, and
/// refuses to run (exit 2, asking for `vakt index --rebuild`) when the
/// index lacks committed records. The count of matching records is exact
/// unless counting would read more than 65,536 records beyond those shown
/// (a phrase or a combination of common words); it then says "at least". Each search is
/// recorded in the audit stream before anything is shown. Exit 0 with or
/// without hits, 2 for a malformed query or when the search cannot run.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct SearchArgs {
    /// The query.
    query: String,
    /// Only events at or after this time.
    #[arg(long, value_name = "TIME")]
    from: Option<String>,
    /// Only events before this time (a date: up to the end of that day).
    #[arg(long, value_name = "TIME")]
    to: Option<String>,
    /// Only this stream (repeatable).
    #[arg(long, value_name = "STREAM")]
    stream: Vec<Stream>,
    /// At most this many records, the earliest.
    #[arg(long, default_value_t = 100, value_name = "N")]
    limit: usize,
    /// table for a person; json for scripts.
    #[arg(long, value_enum, default_value_t)]
    format: SearchFormat,
}

/// How the hits are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum SearchFormat {
    /// A block per record, times in the configured time zone.
    #[default]
    Table,
    /// One JSON array of objects, times in RFC 3339 UTC.
    Json,
}

/// RFC 3339 in UTC, as `vakt sql --format json` writes times.
const RFC3339_UTC: &str = "%Y-%m-%dT%H:%M:%S%.fZ";
/// Times for a person.
const PERSON: &str = "%Y-%m-%d %H:%M:%S%.f %Z";

pub fn run(global: &GlobalArgs, args: SearchArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let time_zone = config.time_zone()?;
    for stream in &args.stream {
        if !vakt_index::is_indexed(*stream) {
            bail!("the {stream} stream is not in the full-text index; use `vakt sql` for it");
        }
    }
    let from = args
        .from
        .as_deref()
        .map(|text| parse_time(text, &time_zone, false))
        .transpose()
        .context("--from")?;
    let to = args
        .to
        .as_deref()
        .map(|text| parse_time(text, &time_zone, true))
        .transpose()
        .context("--to")?;
    let store_dir = global.store_dir(&config);
    let store = StoreReader::open(&store_dir)?;
    let request = SearchRequest {
        query: args.query.clone(),
        from,
        to,
        streams: args.stream.clone(),
        limit: args.limit,
        count_budget: None,
    };
    let results = search(&store, &request)?;
    crate::usage::record_use(
        &store_dir,
        "search",
        Some(args.query.clone()),
        Some(results.hits.len() as u64),
        None,
    )?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let printed = match args.format {
        SearchFormat::Table => write_table(&mut out, &results, &time_zone),
        SearchFormat::Json => write_json(&mut out, &results),
    }
    .and_then(|()| out.flush());
    match printed {
        // A reader that stops early (`| head`) is not an error.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(Outcome::Success),
        Err(error) => Err(anyhow!("cannot print the result: {error}")),
        Ok(()) => Ok(Outcome::Success),
    }
}

/// The event columns of a hit with their values, in table order.
fn columns(hit: &SearchHit) -> Vec<(&'static str, Value)> {
    event_columns(hit.stream)
        .iter()
        .map(|column| column.name)
        .zip(hit.record.event.values())
        .collect()
}

fn write_table<Tz: TimeZone>(
    out: &mut dyn Write,
    results: &SearchResults,
    zone: &Tz,
) -> io::Result<()>
where
    Tz::Offset: std::fmt::Display,
{
    for hit in &results.hits {
        let envelope = &hit.record.envelope;
        writeln!(
            out,
            "{}  {} #{}",
            envelope.time.with_timezone(zone).format(PERSON),
            hit.stream,
            hit.seq
        )?;
        let cells: Vec<String> = columns(hit)
            .into_iter()
            .filter(|(_, value)| *value != Value::Null)
            .map(|(name, value)| format!("{name}={}", text_of(&value)))
            .collect();
        writeln!(out, "    {}", cells.join("  "))?;
        writeln!(out, "    raw: {}", envelope.raw)?;
        writeln!(
            out,
            "    source: {}  ingested {}",
            envelope.source,
            envelope.ingest_time.with_timezone(zone).format(PERSON)
        )?;
    }
    let shown = results.hits.len() as u64;
    if !results.total_exact {
        writeln!(
            out,
            "{shown} of at least {} matching records shown (the earliest); --limit shows more",
            results.total
        )
    } else if results.total == 0 {
        writeln!(out, "no matching records")
    } else if shown < results.total {
        writeln!(
            out,
            "{shown} of {} matching records shown (the earliest); --limit shows more",
            results.total
        )
    } else {
        writeln!(out, "{shown} matching records")
    }
}

fn write_json(out: &mut dyn Write, results: &SearchResults) -> io::Result<()> {
    let hits: Vec<serde_json::Value> = results
        .hits
        .iter()
        .map(|hit| {
            let envelope = &hit.record.envelope;
            let record: serde_json::Map<String, serde_json::Value> = columns(hit)
                .into_iter()
                .map(|(name, value)| (name.to_string(), json_of(&value)))
                .collect();
            serde_json::json!({
                "stream": hit.stream.name(),
                "seq": hit.seq,
                "time": envelope.time.format(RFC3339_UTC).to_string(),
                "ingest_time": envelope.ingest_time.format(RFC3339_UTC).to_string(),
                "source": envelope.source,
                "raw": envelope.raw,
                "record": record,
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &hits)?;
    writeln!(out)
}

fn text_of(value: &Value) -> String {
    match value {
        Value::Null => "-".into(),
        Value::Utf8(text) => text.clone(),
        Value::UInt16(number) => number.to_string(),
        Value::UInt64(number) => number.to_string(),
        Value::Int64(number) => number.to_string(),
        Value::Boolean(flag) => flag.to_string(),
        Value::Timestamp(micros) => DateTime::from_timestamp_micros(*micros).map_or_else(
            || micros.to_string(),
            |time| time.format(RFC3339_UTC).to_string(),
        ),
        Value::Binary(bytes) => bytes.iter().map(|byte| format!("{byte:02x}")).collect(),
    }
}

fn json_of(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::UInt16(number) => (*number).into(),
        Value::UInt64(number) => (*number).into(),
        Value::Int64(number) => (*number).into(),
        Value::Boolean(flag) => (*flag).into(),
        other => text_of(other).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_as_instants_or_local_days() {
        let oslo = chrono_tz_free_oslo();
        let from = parse_time("2026-03-02", &oslo, false).unwrap();
        assert_eq!(from.to_rfc3339(), "2026-03-01T23:00:00+00:00");
        let to = parse_time("2026-03-02", &oslo, true).unwrap();
        assert_eq!(to.to_rfc3339(), "2026-03-02T23:00:00+00:00");
        let instant = parse_time("2026-03-02T08:00:00Z", &oslo, true).unwrap();
        assert_eq!(instant.to_rfc3339(), "2026-03-02T08:00:00+00:00");
        let local = parse_time("2026-03-02T08:00", &oslo, false).unwrap();
        assert_eq!(local.to_rfc3339(), "2026-03-02T07:00:00+00:00");
        assert!(parse_time("yesterday", &oslo, false).is_err());
    }

    /// Europe/Oslo in winter, without naming chrono-tz here.
    fn chrono_tz_free_oslo() -> impl TimeZone<Offset = impl std::fmt::Display> {
        vakt_schemas::config::Config::default()
            .time_zone()
            .expect("the default time zone")
    }
}
