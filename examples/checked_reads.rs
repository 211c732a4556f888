//! The cost of checked reads: each query is run in-process through two
//! DataFusion sessions over the same store, one reading the segment files
//! as they are (the store's plain object store) and one reading them
//! through the checked store that `vakt sql` uses (`store/src/checked.rs`:
//! the tail and every region a read touches hashed and compared with the
//! manifest line and the footer's table). A new session is opened for
//! every run, as every `vakt sql` process opens one, so the checked
//! session's cache starts empty each time. Process start, the audit commit
//! and printing are left out: what differs is the reading alone.
//!
//! Prints, per query, the best of RUNS runs (after one warm-up) of each
//! session in milliseconds, the cost of checking, and the rows (which must
//! agree). `bench/checked_reads.sh` writes the queries file from
//! `bench/queries.py` and runs this.
//!
//! Usage (release): cargo run --release --example checked_reads -- STORE QUERIES [RUNS]
//!   STORE    a local store
//!   QUERIES  a file of lines `name<TAB>sql`
//!   RUNS     timed runs per query and session after one warm-up [default 3]

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use vakt_query::sql::{SessionOptions, SqlSession};
use vakt_store::StoreReader;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [store, queries, rest @ ..] = args.as_slice() else {
        bail!("usage: checked_reads STORE QUERIES [RUNS]");
    };
    let runs: usize = match rest.first() {
        Some(text) => text.parse().context("RUNS")?,
        None => 3,
    };
    let text = std::fs::read_to_string(queries).with_context(|| queries.clone())?;
    let reader = StoreReader::open(Path::new(store))?;
    let options = SessionOptions::default();
    println!(
        "{:<24} {:>10} {:>10} {:>7} {:>9}",
        "query", "plain ms", "checked ms", "cost", "rows"
    );
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let Some((name, sql)) = line.split_once('\t') else {
            bail!("{queries}: a line without a tab: {line}");
        };
        let plain = || -> anyhow::Result<usize> {
            let files = reader.storage().object_store()?;
            Ok(SqlSession::with_object_store(&reader, files, &options)?
                .query(sql)?
                .rows)
        };
        let checked = || -> anyhow::Result<usize> {
            Ok(SqlSession::open(&reader, &options)?.query(sql)?.rows)
        };
        let (plain_best, plain_rows) = best_of(runs, plain)?;
        let (checked_best, checked_rows) = best_of(runs, checked)?;
        if plain_rows != checked_rows {
            bail!("{name}: {plain_rows} rows read plainly, {checked_rows} checked");
        }
        let plain_ms = plain_best.as_secs_f64() * 1000.0;
        let checked_ms = checked_best.as_secs_f64() * 1000.0;
        println!(
            "{name:<24} {plain_ms:>10.0} {checked_ms:>10.0} {:>+6.0}% {checked_rows:>9}",
            (checked_ms / plain_ms - 1.0) * 100.0
        );
    }
    Ok(())
}

/// The shortest of `runs` runs after one warm-up, and the rows of the last.
fn best_of(
    runs: usize,
    action: impl Fn() -> anyhow::Result<usize>,
) -> anyhow::Result<(Duration, usize)> {
    let mut rows = action()?;
    let mut best = Duration::MAX;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        rows = action()?;
        best = best.min(started.elapsed());
    }
    Ok((best, rows))
}
