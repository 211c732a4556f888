#!/usr/bin/env bash
# The benchmark: generate EVENTS log lines (`vakt generate`), ingest them
# into a fresh store (timed), compact it (timed), then time a fixed set of
# incident and spot-check queries through `vakt sql` / `vakt search` /
# `vakt timeline` next to DuckDB (in-process, and its CLI as a new
# process) running the same SQL over the same Parquet files, measure the
# store's bytes, and time `vakt verify` next to `sha256sum` and `openssl
# sha256` over the same segments (bench/queries.py). Results: a table on
# stdout and $BENCH_DIR/results.json. See BENCHMARKS.md for the method;
# bench/build.sh measures a cold release build and the binary.
#
# Usage: bench/run.sh [EVENTS]            (default 10000000)
# Environment: SEED (default 1), BENCH_DIR (default a new folder under
# /tmp, removed at the end unless KEEP=1), RUNS (timed runs per query after
# one warm-up, default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-10000000}
seed=${SEED:-1}
runs=${RUNS:-3}
if [ -n "${BENCH_DIR:-}" ]; then
  work=$BENCH_DIR
  mkdir -p "$work"
else
  work=$(mktemp -d /tmp/vakt-bench.XXXXXX)
fi
if [ "${KEEP:-0}" != 1 ] && [ -z "${BENCH_DIR:-}" ]; then
  trap 'rm -rf "$work"' EXIT
fi
logs=$work/logs
store=$work/store
rm -rf "$logs" "$store"

echo "== build (release)"
cargo build --release --quiet
vakt=$PWD/target/release/vakt

venv=bench/.venv
if ! "$venv/bin/python" -c 'import duckdb, pytz' 2> /dev/null || [ ! -x "$venv/bin/duckdb" ]; then
  echo "== installing duckdb into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r bench/requirements.txt
fi

now() { date +%s.%N; }

echo "== generate $events events (seed $seed) into $logs"
t0=$(now)
"$vakt" generate --events "$events" --seed "$seed" --out "$logs" --format json > "$work/generate.json"
t1=$(now)
generate_seconds=$(echo "$t1 - $t0" | bc -l)

echo "== init + ingest into $store"
"$vakt" --store "$store" init > /dev/null
# The host folders are logs; vakt.toml is configuration, registry/ the registry.
hosts=()
for dir in "$logs"/*/; do [ "$(basename "$dir")" = registry ] || hosts+=("$dir"); done
t0=$(now)
"$vakt" --store "$store" --config "$logs/vakt.toml" ingest --output json --registry "$logs/registry" "${hosts[@]}" > "$work/ingest.json"
t1=$(now)
ingest_seconds=$(echo "$t1 - $t0" | bc -l)

echo "== compact"
t0=$(now)
"$vakt" --store "$store" --config "$logs/vakt.toml" compact --format json > "$work/compact.json"
t1=$(now)
compact_seconds=$(echo "$t1 - $t0" | bc -l)

echo "== queries (best of $runs after one warm-up), store size, verify"
"$venv/bin/python" bench/queries.py \
  --vakt "$vakt" --store "$store" --config "$logs/vakt.toml" --logs "$logs" \
  --generate "$work/generate.json" --generate-seconds "$generate_seconds" \
  --ingest "$work/ingest.json" --ingest-seconds "$ingest_seconds" \
  --compact "$work/compact.json" --compact-seconds "$compact_seconds" \
  --duckdb-cli "$venv/bin/duckdb" --runs "$runs" --results "$work/results.json"
echo "results: $work/results.json"
