#!/usr/bin/env bash
# Measures `vakt ingest` (release build) on sample-logs/logs: lines/s, MB/s,
# bytes on disk per stored event, and the size of the raw input.
# Usage: scripts/measure-ingest.sh [RUNS]   (default 5; the median run is reported)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release --quiet
vakt=target/release/vakt
input=sample-logs/logs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

raw_bytes=$(find "$input" -type f -exec cat {} + | wc -c)
raw_lines=$(find "$input" -type f -exec cat {} + | wc -l)
echo "input: $input, $raw_lines lines, $raw_bytes bytes"

: > "$work/times"
for run in $(seq 1 "$runs"); do
  store="$work/store-$run"
  "$vakt" --store "$store" init > /dev/null
  start=$(date +%s.%N)
  "$vakt" --store "$store" --config sample-logs/vakt.toml ingest --output json "$input" > "$work/summary.json"
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l >> "$work/times"
done
median=$(sort -n "$work/times" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
python3 - "$work/summary.json" "$median" "$raw_bytes" "$work/store-1" <<'PY'
import json, os, sys
summary = json.load(open(sys.argv[1]))
seconds = float(sys.argv[2]); raw = int(sys.argv[3]); store = sys.argv[4]
lines = summary["lines_read"]
def size(predicate):
    total = 0
    for root, _, files in os.walk(store):
        for name in files:
            if predicate(name):
                total += os.path.getsize(os.path.join(root, name))
    return total
segments = size(lambda name: name.endswith(".parquet"))
everything = size(lambda name: True)
print(f"stored: {summary['records_stored']} records, {summary['lines_quarantined']} quarantined, {summary['commits']} commits")
print(f"ingest (median of runs, wall clock incl. process start): {seconds:.3f} s = {lines/seconds:,.0f} lines/s, {raw/seconds/1e6:.1f} MB/s")
print(f"store: {everything:,} bytes on disk ({segments:,} in Parquet segments) = {everything/lines:.1f} bytes per event ({segments/lines:.1f} in segments); raw input {raw/lines:.1f} bytes per line")
PY
