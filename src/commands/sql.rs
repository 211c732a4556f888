//! `vakt sql`

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};
use vakt_query::sql::{
    QueryResult, SessionOptions, SqlSession, write_csv, write_json, write_table,
};
use vakt_store::StoreReader;

use crate::Outcome;
use crate::settings::GlobalArgs;
use crate::usage::record_use;

/// Run one SQL query over the store (DataFusion's SQL dialect).
///
/// Tables, one per stream, made of exactly the segments the committed
/// manifests list (a file put into the store by other means is never read):
///
///   sessions    server, server_zone, user, src_ip, src_port, src_zone, protocol,
///               action, session_id, auth_methods, multi_factor
///   firewall    device, action, src_ip, src_port, src_zone, dst_ip, dst_port,
///               dst_zone, protocol, new_connection, rule, in_iface, out_iface
///   access      host, user, operation, path, target, area, dataset, success,
///               client_ip, client_name, share, session
///   registry    file, digest, content
///   audit       user, command, detail, rows, result
///   quarantine  line, offset, reason, raw_length, raw_sha256, intended_stream
///
/// Every table also has seq, time, ingest_time, source and raw.
///
/// Views:
///
///   secure_sessions  sessions on servers in the secure zone
///   secure_inbound   firewall records of traffic into the secure zone from outside it
///   dataset_access   file accesses per dataset, user and local day: dataset, user,
///                    day, accesses, failed, first_time, last_time
///
/// Times are stored in UTC; a string compared with `time` is read as UTC
/// unless it has an offset. A filter on time reads only the segments of the
/// days it covers, e.g.
///
///   vakt sql "SELECT user, count(*) FROM secure_sessions
///             WHERE time >= '2026-03-10' AND time < '2026-03-11' GROUP BY user"
///
/// `SHOW TABLES` and `SHOW COLUMNS FROM sessions` list what there is.
/// Queries only read: CREATE, INSERT, COPY and SET are refused.
///
/// Output: a table for a person (times in the configured time zone), or
/// --format json (one array of objects) or csv (with a header) for scripts,
/// times in RFC 3339 UTC; --out FILE writes the rows to a Parquet file and
/// prints their number. Exit 0 with a result, 2 when the query is wrong
/// (DataFusion's message) or the store cannot be read.
///
/// --timings prints to stderr, after the rows, one JSON object of how long
/// each step took, in milliseconds: open_ms (the store, its manifests and
/// the SQL session; of which store_ms for the store and session_ms for the
/// session), query_ms (planning and running the query), audit_ms
/// (recording the query in the audit stream), print_ms, total_ms.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct SqlArgs {
    /// One SQL statement.
    query: String,
    /// table for a person; json or csv for scripts.
    #[arg(long, value_enum, default_value_t)]
    format: SqlFormat,
    /// Write the rows to this Parquet file instead of printing them.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Print how long each step took to stderr (JSON).
    #[arg(long)]
    timings: bool,
}

/// How the rows are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum SqlFormat {
    /// An aligned table, times in the configured time zone.
    #[default]
    Table,
    /// One JSON array of objects, times in RFC 3339 UTC.
    Json,
    /// CSV with a header line, times in RFC 3339 UTC.
    Csv,
}

pub fn run(global: &GlobalArgs, args: SqlArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let mut timings = Timings::default();
    let config = global.load_config()?;
    let time_zone = config.time_zone()?;
    let store_dir = global.store_dir(&config);
    let step = Instant::now();
    let store = StoreReader::open(&store_dir)?;
    timings.store_ms = elapsed_ms(step);
    let options = SessionOptions {
        time_zone,
        ..SessionOptions::default()
    };
    let step = Instant::now();
    let session = SqlSession::open(&store, &options)?;
    timings.session_ms = elapsed_ms(step);
    timings.open_ms = elapsed_ms(started);
    if let Some(path) = &args.out {
        let rows = session.write_parquet(&args.query, path)?;
        record_use(
            &store_dir,
            "sql",
            Some(args.query.clone()),
            Some(rows as u64),
            Some(format!("written to {}", path.display())),
        )?;
        if args.format == SqlFormat::Json {
            let summary = serde_json::json!({ "rows": rows, "file": path.display().to_string() });
            println!("{summary}");
        } else {
            println!("{rows} rows written to {}", path.display());
        }
        return Ok(Outcome::Success);
    }
    let step = Instant::now();
    let result = session.query(&args.query)?;
    timings.query_ms = elapsed_ms(step);
    let step = Instant::now();
    record_use(
        &store_dir,
        "sql",
        Some(args.query.clone()),
        Some(result.rows as u64),
        None,
    )?;
    timings.audit_ms = elapsed_ms(step);
    let step = Instant::now();
    let outcome = print_result(&result, args.format, time_zone, "result");
    timings.print_ms = elapsed_ms(step);
    timings.total_ms = elapsed_ms(started);
    if args.timings {
        eprintln!("{}", serde_json::to_string(&timings)?);
    }
    outcome
}

/// How long the steps of one `vakt sql` took (`--timings`).
#[derive(Debug, Default, serde::Serialize)]
struct Timings {
    open_ms: f64,
    store_ms: f64,
    session_ms: f64,
    query_ms: f64,
    audit_ms: f64,
    print_ms: f64,
    total_ms: f64,
}

fn elapsed_ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// Prints query rows to stdout in the chosen format. A reader that stops
/// early (`| head`) is not an error.
pub fn print_result(
    result: &QueryResult,
    format: SqlFormat,
    time_zone: chrono_tz::Tz,
    what: &str,
) -> anyhow::Result<Outcome> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let printed = match format {
        SqlFormat::Table => write_table(&mut out, result, time_zone),
        SqlFormat::Json => write_json(&mut out, result),
        SqlFormat::Csv => write_csv(&mut out, result),
    }
    .and_then(|()| out.flush());
    match printed {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(Outcome::Success),
        Err(error) => Err(anyhow::anyhow!("cannot print the {what}: {error}")),
        Ok(()) => Ok(Outcome::Success),
    }
}
