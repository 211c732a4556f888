#!/usr/bin/env bash
# Runs every fuzz target of vakt's parsers for SECONDS each (default 600),
# TARGETS at a time (default 2), and prints one line per target: how long it
# ran, how many inputs it tried, and whether it crashed. Crash inputs land
# in fuzz/artifacts/TARGET/; copy each into fuzz/regressions/TARGET/ so that
# `cargo test -p vakt-ingest --test corpora fuzz_regressions` keeps it fixed.
#
# Seeds: the samples of ../shared/corpora when present (read, never copied
# into the repository), one line or file per seed, in a scratch folder.
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH="${1:-600}"
PARALLEL="${2:-2}"
SHARED="../../shared/corpora"
SCRATCH="${FUZZ_SCRATCH:-/tmp/vakt-fuzz}"
TARGETS=(evtx windows_xml windows_json auditd lines linux_auth sshd netfilter filterlog samba cups journald pfirewall jsonl)

seed() {
    local target="$1" dir="$SCRATCH/corpus/$target" pattern
    mkdir -p "$dir"
    [ -d "$SHARED" ] || return 0
    case "$target" in
        evtx) find "$SHARED" -name '*.evtx' -size -200k -exec cp {} "$dir/" \; ; return 0 ;;
        windows_xml) pattern='<Event' ;;
        windows_json) pattern='"EventID"\|"winlog"' ;;
        auditd) pattern='msg=audit(' ;;
        linux_auth|sshd) pattern='sshd\|sudo\|pam_unix\|useradd\|groupadd' ;;
        netfilter) pattern='IN=' ;;
        filterlog) pattern='filterlog' ;;
        samba) pattern='smbd\|USER=' ;;
        cups) pattern='\[.*/.*/.*:.*\]' ;;
        pfirewall) pattern='DROP\|ALLOW\|#Fields' ;;
        *) pattern='.' ;;
    esac
    grep -rh --binary-files=without-match -e "$pattern" "$SHARED" 2>/dev/null | head -n 300 |
        split -l 1 - "$dir/seed-" || true
}

run() {
    local target="$1" log="$SCRATCH/$1.log"
    seed "$target"
    local started=$SECONDS
    # An .evtx file is a 4 KiB header and 64 KiB chunks: a seed cut at
    # 64 KiB would hold no whole chunk.
    local max_len=65536
    [ "$target" = evtx ] && max_len=262144
    if nice -n 10 cargo +nightly fuzz run -O "$target" "$SCRATCH/corpus/$target" -- \
        -max_total_time="$SECONDS_EACH" -rss_limit_mb=4096 -max_len="$max_len" -timeout=30 -print_final_stats=1 \
        >"$log" 2>&1; then
        outcome="no crash"
    else
        outcome="CRASH (see $log, fuzz/artifacts/$target/)"
    fi
    local runs
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo '?')
    echo "$target: $((SECONDS - started)) s, $runs inputs, $outcome"
}

mkdir -p "$SCRATCH"
export -f seed run
export SECONDS_EACH SHARED SCRATCH
printf '%s\n' "${TARGETS[@]}" | xargs -P "$PARALLEL" -I{} bash -c 'run {}'
