#!/usr/bin/env bash
# Runs every investigator and spot-check command of vakt on a generated
# store of EVENTS events (default 1000000) and prints, per command, whether
# it succeeded, its wall-clock time and how much it returned. The store is
# made with `vakt generate` + `vakt ingest`; the evidence bundle is checked
# by `vakt verify-bundle` and by docs/verify_bundle.py (needs the Python
# `cryptography` package).
#
# Usage: bench/commands.sh [EVENTS]
# Environment: SEED (default 1), BENCH_DIR (default a new folder under
# /tmp, removed at the end unless KEEP=1).
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
seed=${SEED:-1}
if [ -n "${BENCH_DIR:-}" ]; then
  work=$BENCH_DIR
  mkdir -p "$work"
else
  work=$(mktemp -d /tmp/vakt-commands.XXXXXX)
  [ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
fi
cargo build --release --quiet
vakt=$PWD/target/release/vakt
logs=$work/logs
store=$work/store
rm -rf "$logs" "$store" "$work/bundle"

failures=0
# step NAME COMMAND...: runs it, prints status, seconds and output size.
step() {
  local name=$1
  shift
  local start end status
  start=$(date +%s.%N)
  if "$@" > "$work/$name.out" 2> "$work/$name.err"; then status=ok; else status="FAILED($?)"; failures=$((failures + 1)); fi
  end=$(date +%s.%N)
  printf '%-22s %-10s %8.2f s %8d lines out\n' "$name" "$status" "$(echo "$end - $start" | bc -l)" "$(wc -l < "$work/$name.out")"
  if [ "$status" != ok ]; then sed 's/^/    /' "$work/$name.err" | head -5; fi
}

v() { "$vakt" --store "$store" --config "$logs/vakt.toml" "$@"; }

step generate "$vakt" generate --events "$events" --seed "$seed" --out "$logs" --format json
probe() { python3 -c "import json,sys; g=json.load(open('$work/generate.out')); print(eval(sys.argv[1]))" "$1"; }
user=$(probe 'g["probes"]["user"]')
day=$(probe 'g["probes"]["day"]')
address=$(probe 'g["probes"]["address"]')
dataset=$(probe 'g["probes"]["dataset"]')
needle=$(probe '[n["text"] for n in g["needles"] if n["kind"]=="file"][0]')
server=$(probe '[f["host"] for f in g["files"] if f["host"].startswith("ts")][0]')

step init v init
hosts=()
for dir in "$logs"/*/; do [ "$(basename "$dir")" = registry ] || hosts+=("$dir"); done
step ingest v ingest --output json --registry "$logs/registry" "${hosts[@]}"
step verify v verify
step checkpoint v checkpoint
step sql_user_day v sql --format json "SELECT time, seq, raw FROM sessions WHERE \"user\" = '$user' AND time >= TIMESTAMP '${day}T00:00:00Z' AND time < TIMESTAMP '${day}T00:00:00Z' + INTERVAL '1 day'"
step sql_view_secure v sql --format csv "SELECT * FROM secure_inbound LIMIT 1000"
step sql_parquet_out v sql --out "$work/failed.parquet" "SELECT * FROM sessions WHERE action = 'failed'"
step search_needle v search --format json "$needle"
step search_fields v search --format json "user:$user" --from "$day" --to "$day"
step timeline_user v timeline --user "$user" --from "$day" --to "$day"
step timeline_host v timeline --host "$server" --from "$day" --to "$day"
step timeline_ip v timeline --ip "$address" --from "$day" --to "$day"
step timeline_dataset v timeline --dataset "$dataset" --from "$day" --to "$day"
step timeline_path_sql v sql --format json "SELECT seq, time, \"user\", operation, path FROM access WHERE path LIKE '/data/$dataset/%' AND time >= TIMESTAMP '${day}T00:00:00Z' AND time < TIMESTAMP '${day}T00:00:00Z' + INTERVAL '1 day'"
step spotcheck_draw v spotcheck draw --stream access --n 20 --format json
draw=$(python3 -c "import json; d=json.load(open('$work/spotcheck_draw.out')); print(d['draw'])")
item=$(python3 -c "import json; d=json.load(open('$work/spotcheck_draw.out')); print(d['detail']['items'][0])")
step spotcheck_record v spotcheck record "$draw" "$item" --ok
step spotcheck_list v spotcheck list
step spotcheck_recompute v spotcheck recompute "$draw"
step export v export --out "$work/bundle" --user "$user" --from "$day" --to "$day"
step verify_bundle "$vakt" verify-bundle "$work/bundle"
step verify_bundle_py python3 docs/verify_bundle.py "$work/bundle"
step index_rebuild v index --rebuild
step verify_after v verify
step review v review --year 2025 --format json
echo "store: $(du -sb "$store" | cut -f1) bytes; failures: $failures"
[ "$failures" = 0 ]
