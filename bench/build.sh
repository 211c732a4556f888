#!/usr/bin/env bash
# A cold release build of vakt, timed, and the binary it makes: builds
# into a fresh target folder (nothing cached but the downloaded crates),
# prints the wall-clock time, the peak memory of the build and the
# binary's size, stripped and as built.
#
# Usage: bench/build.sh [TARGET_DIR]   (default: a new folder in /tmp,
# removed at the end unless KEEP=1)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-$(mktemp -d /tmp/vakt-build.XXXXXX)}
if [ -z "${1:-}" ] && [ "${KEEP:-0}" != 1 ]; then
  trap 'rm -rf "$target"' EXIT
fi
cargo fetch --quiet
start=$(date +%s.%N)
CARGO_TARGET_DIR=$target /usr/bin/time -f '%M' -o "$target.rss" cargo build --release --quiet
end=$(date +%s.%N)
binary=$target/release/vakt
stripped=$(mktemp /tmp/vakt-stripped.XXXXXX)
strip -o "$stripped" "$binary"
printf 'cold release build  %8.1f min  (peak %.0f MB)\n' "$(echo "($end - $start) / 60" | bc -l)" \
  "$(echo "$(tail -1 "$target.rss") / 1024" | bc -l)"
printf 'binary              %8.1f MB  (stripped %.1f MB)\n' "$(stat -c %s "$binary" | awk '{print $1 / 1e6}')" \
  "$(stat -c %s "$stripped" | awk '{print $1 / 1e6}')"
rm -f "$stripped" "$target.rss"
