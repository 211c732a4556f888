#!/usr/bin/env bash
# Times the store's own long operations on an existing store (e.g. the one
# bench/run.sh builds with KEEP=1): verify, backup, restore (which verifies
# the copy) and prune (dry run, then for real). Prints one line per step
# with wall-clock seconds and peak memory; results also in
# $WORK/store-bench.json.
#
# Usage: bench/store.sh STORE CONFIG [WORK]
#   STORE   a vakt store (it is pruned at the end: use a copy you can lose)
#   CONFIG  its vakt.toml
#   WORK    folder for the backup and the restore (default: a new one in /tmp)
# Environment: VAKT, a vakt binary to use instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
store=$1
config=$2
work=${3:-$(mktemp -d /tmp/vakt-store-bench.XXXXXX)}
mkdir -p "$work"
# VAKT=path/to/vakt uses that binary instead of building one.
if [ -n "${VAKT:-}" ]; then
  vakt=$VAKT
else
  cargo build --release --quiet
  vakt=$PWD/target/release/vakt
fi

results=()
step() {
  local name=$1
  shift
  local start end rss
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/$name.rss" "$@" > "$work/$name.out" 2> "$work/$name.err" || {
    echo "$name failed:"; cat "$work/$name.err"; exit 1; }
  end=$(date +%s.%N)
  rss=$(tail -1 "$work/$name.rss")
  local seconds
  seconds=$(echo "$end - $start" | bc -l)
  printf '%-14s %8.2f s  %7.0f MB peak\n' "$name" "$seconds" "$(echo "$rss / 1024" | bc -l)"
  results+=("\"$name\": {\"seconds\": $seconds, \"peak_kb\": $rss}")
}

du -sb "$store" | awk '{printf "store          %8.1f MB\n", $1 / 1e6}'
step verify "$vakt" --store "$store" --config "$config" verify --format json
rm -rf "$work/backup" "$work/restored"
step backup "$vakt" --store "$store" --config "$config" backup --format json "$work/backup"
step restore "$vakt" restore --format json "$work/backup" "$work/restored"
step prune_dry_run "$vakt" --store "$store" --config "$config" prune --dry-run --format json
step prune "$vakt" --store "$store" --config "$config" prune --format json
(IFS=,; echo "{${results[*]}}") > "$work/store-bench.json"
echo "results: $work/store-bench.json"
