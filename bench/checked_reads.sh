#!/usr/bin/env bash
# The cost of checked reads on a store of generated logs (e.g. the one
# bench/run.sh builds with KEEP=1): the SQL queries of bench/queries.py,
# each run in-process through a session that reads the segments plainly
# and through one that checks them as `vakt sql` does
# (examples/checked_reads.rs). BENCHMARKS.md quotes the figures.
#
# Usage: bench/checked_reads.sh STORE GENERATE.json [RUNS]
#   STORE          a local store
#   GENERATE.json  the JSON summary `vakt generate` printed (its probes pick the queries)
#   RUNS           timed runs per query after one warm-up (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
store=$1
generate=$2
runs=${3:-3}
queries=$(mktemp /tmp/vakt-checked-reads.XXXXXX.tsv)
trap 'rm -f "$queries"' EXIT
python3 - "$generate" > "$queries" <<'PY'
import json, os, sys, types
# bench/queries.py imports duckdb at the top; only its query list is used here.
sys.modules["duckdb"] = types.ModuleType("duckdb")
sys.path.insert(0, "bench")
import queries as bench
generated = json.load(open(sys.argv[1]))
for name, _what, sql, special in bench.queries(generated["probes"], generated["needles"]):
    if special is None:
        print("%s\t%s" % (name, sql))
PY
cargo run --release --quiet --example checked_reads -- "$store" "$queries" "$runs"
