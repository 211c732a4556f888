#!/usr/bin/env python3
"""Times vakt's queries next to DuckDB over the same Parquet files.

For each query of QUERIES: the vakt command (`vakt sql --format json
--timings`, `vakt search`, `vakt timeline`) as a subprocess, wall clock
including process start, with the part `vakt sql` says its query took
(planning and running, DataFusion's part), and the same SQL in DuckDB over
exactly the Parquet files the store's committed manifests hold now
(views `sessions`, `firewall`, `access`). Each measurement is the best of
--runs runs after one warm-up. DuckDB is timed twice: in-process
(connection open, views defined: the query alone) and its CLI as a new
process (start, views, query, rows printed as CSV), the like-for-like
comparison with a vakt command. Row counts of both are compared. Then
the store's size (Parquet, full-text index, the rest), and `vakt verify`
next to `sha256sum` and `openssl sha256` over the same segment files.
Prints a table and writes --results (JSON).

Called by bench/run.sh; runs on its own against any store made from
`vakt generate` output.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import time

import duckdb

STREAMS = ["sessions", "firewall", "access"]


def read_head(store):
    """HEAD's JSON: a signed note whose text is a line, then the JSON."""
    with open(os.path.join(store, "HEAD")) as f:
        text = f.read()
    body = text.split("\n\n", 1)[0]
    first, _, rest = body.partition("\n")
    return json.loads(rest if first.startswith("vakt/") else body)


def live_lines(lines):
    """The manifest lines whose files hold records now (FORMAT.md §5
    "Compaction"): a compaction's line replaces the live lines inside its
    range."""
    live = {}
    for entry in lines:
        if entry.get("replaces") is not None:
            start, end = entry["first_seq"], entry["first_seq"] + entry["count"]
            for first in [f for f in live if start <= f < end]:
                del live[first]
        live[entry["first_seq"]] = entry
    return [live[first] for first in sorted(live)]


def committed_files(store):
    """Live Parquet files of each stream, as far as HEAD's manifest_bytes."""
    head = read_head(store)
    files = {}
    for stream in STREAMS:
        length = head["streams"][stream]["manifest_bytes"]
        with open(os.path.join(store, stream, "manifest.jsonl"), "rb") as f:
            text = f.read(length).decode()
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        files[stream] = [os.path.join(store, entry["path"]) for entry in live_lines(lines)]
    return files


def view_statements(files):
    out = ["SET TimeZone = 'UTC'"]
    for stream, paths in files.items():
        listed = ", ".join("'%s'" % p.replace("'", "''") for p in paths)
        out.append("CREATE OR REPLACE VIEW %s AS SELECT * FROM read_parquet([%s])" % (stream, listed))
    return out


def queries(probes, needles):
    """(name, what it answers, SQL, vakt command or None for `vakt sql`)."""
    p = probes
    user, ip = p["user"], p["user_address"]
    d0, d1 = p["day_start_utc"], p["day_end_utc"]
    m0, m1 = p["month_start_utc"], p["month_end_utc"]
    w0, w1 = p["week_start_utc"], p["week_end_utc"]
    address = p["address"]
    needle = next((n["text"] for n in needles if n["kind"] == "file"), None)
    q = []
    q.append(("user_day", "one user's day: sessions and file access of %s on %s" % (user, p["day"]),
              "SELECT time, 'sessions' AS stream, raw FROM sessions WHERE \"user\" = '%s' AND time >= '%s' AND time < '%s' "
              "UNION ALL SELECT time, 'access' AS stream, raw FROM access WHERE \"user\" = '%s' AND time >= '%s' AND time < '%s' "
              "ORDER BY time" % (user, d0, d1, user, d0, d1), None))
    q.append(("address_month", "one address over a month: %s in %s (firewall and sessions)" % (address, p["month"]),
              "SELECT time, 'firewall' AS stream, raw FROM firewall WHERE (src_ip = '%s' OR dst_ip = '%s') AND time >= '%s' AND time < '%s' "
              "UNION ALL SELECT time, 'sessions' AS stream, raw FROM sessions WHERE src_ip = '%s' AND time >= '%s' AND time < '%s' "
              "ORDER BY time" % (address, address, m0, m1, address, m0, m1), None))
    q.append(("secure_inbound_by_day", "all traffic into the secure zone, packets per day (UTC)",
              "SELECT CAST(time AS DATE) AS day, count(*) AS packets FROM firewall WHERE dst_zone = 'secure' "
              "GROUP BY CAST(time AS DATE) ORDER BY day", None))
    q.append(("dataset_year", "accesses to dataset %s over the whole span, per user and operation" % p["dataset"],
              "SELECT \"user\", operation, count(*) AS accesses FROM access WHERE path LIKE '%s%%' "
              "GROUP BY \"user\", operation ORDER BY accesses DESC, \"user\", operation" % p["dataset_path_prefix"], None))
    q.append(("top_talkers", "top talkers: source addresses by packets, top 10",
              "SELECT src_ip, count(*) AS packets FROM firewall GROUP BY src_ip ORDER BY packets DESC, src_ip LIMIT 10", None))
    q.append(("failed_logins", "failed logins per user",
              "SELECT \"user\", count(*) AS failures FROM sessions WHERE action = 'failed' "
              "GROUP BY \"user\" ORDER BY failures DESC, \"user\"", None))
    timeline_sql = (
        "SELECT time, 'sessions' AS stream, raw FROM sessions WHERE \"user\" = '%s' AND time >= '%s' AND time < '%s' "
        "UNION ALL SELECT time, 'access' AS stream, raw FROM access WHERE \"user\" = '%s' AND time >= '%s' AND time < '%s' "
        "UNION ALL SELECT time, 'firewall' AS stream, raw FROM firewall WHERE src_ip = '%s' AND time >= '%s' AND time < '%s' "
        "ORDER BY time" % (user, w0, w1, user, w0, w1, ip, w0, w1))
    if needle:
        needle_sql = " UNION ALL ".join(
            "SELECT '%s' AS stream, time, raw FROM %s WHERE raw LIKE '%%%s%%'" % (s, s, needle) for s in STREAMS)
        q.append(("needle_sql", "full-text needle %s as LIKE over raw (all streams)" % needle, needle_sql, None))
        q.append(("needle_search", "full-text needle %s: vakt search" % needle, needle_sql, ("search", needle)))
    q.append(("timeline_sql", "timeline of %s (and %s) for the week of %s, as SQL" % (user, ip, p["day"]), timeline_sql, None))
    q.append(("timeline", "timeline of %s for the week of %s: vakt timeline" % (user, p["day"]), timeline_sql,
              ("timeline", user, w0, w1)))
    return q


def best_of(runs, action):
    action()  # warm-up
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return min(times), times, result


def run_vakt(args, extra):
    command = [args.vakt, "--store", args.store, "--config", args.config] + extra
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(command[5:]), done.returncode,
                                                   done.stderr.strip()[:500]))
    return done.stdout, done.stderr


def count_rows(text):
    """Rows in vakt's JSON output: an array, or an object holding one."""
    value = json.loads(text) if text.strip() else []
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict):
        for key in ("rows", "hits", "results", "events", "matches", "records", "timeline"):
            if isinstance(value.get(key), list):
                return len(value[key])
            if isinstance(value.get(key), int):
                return value[key]
        for item in value.values():
            if isinstance(item, list):
                return len(item)
    return None


def help_text(args, command):
    done = subprocess.run([args.vakt, command, "--help"], capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else None


def timeline_args(help_text_, user, start, end):
    """Arguments for `vakt timeline` from the options its --help lists."""
    options = set(word.split("=")[0].split("<")[0].strip(",[]") for word in help_text_.split()
                  if word.startswith("--"))
    extra = ["timeline"]
    if "--user" in options:
        extra += ["--user", user]
    else:
        extra += [user]
    for names, value in ((("--from", "--since", "--start"), start), (("--to", "--until", "--end"), end)):
        name = next((n for n in names if n in options), None)
        if name is None:
            return None
        extra += [name, value]
    if "--format" in options:
        extra += ["--format", "json"]
    return extra


def search_args(help_text_, needle):
    options = set(word.split("=")[0].strip(",[]") for word in help_text_.split() if word.startswith("--"))
    extra = ["search", needle]
    if "--format" in options:
        extra += ["--format", "json"]
    return extra


def duckdb_cli_script(statements, sql):
    return "".join(s + ";\n" for s in statements) + sql + ";\n"


def run_duckdb_cli(cli, script_path):
    with open(script_path) as script:
        done = subprocess.run([cli, "-csv"], stdin=script, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("duckdb CLI failed: %s" % done.stderr.strip()[:500])
    return done.stdout


def timed(command):
    """Wall-clock seconds of a command, output discarded."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def tree_bytes(path):
    total = 0
    for root, _, names in os.walk(path):
        for name in names:
            total += os.path.getsize(os.path.join(root, name))
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vakt", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--logs", required=True)
    parser.add_argument("--generate", required=True, help="JSON summary of vakt generate")
    parser.add_argument("--generate-seconds", type=float)
    parser.add_argument("--ingest", required=True, help="JSON summary of vakt ingest")
    parser.add_argument("--ingest-seconds", type=float, required=True)
    parser.add_argument("--compact", help="JSON summary of vakt compact")
    parser.add_argument("--compact-seconds", type=float)
    parser.add_argument("--duckdb-cli", required=True, help="the DuckDB CLI binary")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--results", required=True)
    args = parser.parse_args()

    generated = json.load(open(args.generate))
    ingested = json.load(open(args.ingest))
    raw_bytes = sum(f["bytes"] for f in generated["files"])
    store_bytes = tree_bytes(args.store)
    index_bytes = tree_bytes(os.path.join(args.store, "index"))
    files = committed_files(args.store)
    parquet_files = [path for paths in files.values() for path in paths]
    for stream in ("registry", "audit", "quarantine"):
        for root, _, names in os.walk(os.path.join(args.store, stream)):
            parquet_files += [os.path.join(root, n) for n in names if n.endswith(".parquet")]
    parquet_bytes = sum(os.path.getsize(path) for path in parquet_files)
    lines = ingested["lines_read"]
    stored = ingested["records_stored"]
    seconds = args.ingest_seconds
    ingest = {
        "events": generated["events"],
        "lines_read": lines,
        "records_stored": stored,
        "lines_quarantined": ingested["lines_quarantined"],
        "balanced": lines == stored + ingested["lines_quarantined"],
        "raw_bytes": raw_bytes,
        "seconds": seconds,
        "events_per_second": lines / seconds,
        "mb_per_second": raw_bytes / seconds / 1e6,
        "store_bytes": store_bytes,
        "parquet_bytes": parquet_bytes,
        "index_bytes": index_bytes,
        "parquet_files": {stream: len(paths) for stream, paths in files.items()},
        "store_bytes_per_event": store_bytes / max(stored, 1),
        "parquet_bytes_per_event": parquet_bytes / max(stored, 1),
        "index_bytes_per_event": index_bytes / max(stored, 1),
        "parquet_share_of_raw": parquet_bytes / max(raw_bytes, 1),
        "index_share_of_parquet": index_bytes / max(parquet_bytes, 1),
        "raw_bytes_per_event": raw_bytes / max(lines, 1),
        "generate_seconds": args.generate_seconds,
    }
    print("ingest: %d lines (%.1f MB raw) in %.1f s = %.0f events/s, %.1f MB/s; stored %d, quarantined %d, balanced %s"
          % (lines, raw_bytes / 1e6, seconds, ingest["events_per_second"], ingest["mb_per_second"], stored,
             ingested["lines_quarantined"], ingest["balanced"]))
    print("store: %.1f MB on disk = %.1f bytes/event (Parquet %.1f, index %.1f bytes/event; raw input %.1f bytes/line); "
          "Parquet %.1f %% of the raw input, index %.1f %% of the Parquet; files %s"
          % (store_bytes / 1e6, ingest["store_bytes_per_event"], ingest["parquet_bytes_per_event"],
             ingest["index_bytes_per_event"], ingest["raw_bytes_per_event"], 100 * ingest["parquet_share_of_raw"],
             100 * ingest["index_share_of_parquet"], ingest["parquet_files"]))
    compaction = None
    if args.compact:
        compaction = {"summary": json.load(open(args.compact)), "seconds": args.compact_seconds}
        print("compact: %.1f s" % args.compact_seconds)

    statements = view_statements(files)
    con = duckdb.connect()
    for statement in statements:
        con.execute(statement)
    sql_help = help_text(args, "sql")
    search_help = help_text(args, "search")
    timeline_help = help_text(args, "timeline")

    rows = []
    for name, what, sql, special in queries(generated["probes"], generated["needles"]):
        row = {"query": name, "what": what, "sql": sql}
        # DuckDB in-process and as a new process.
        best, times, result = best_of(args.runs, lambda: con.execute(sql).fetchall())
        row["duckdb_ms"] = best * 1000
        row["duckdb_runs_ms"] = [t * 1000 for t in times]
        row["duckdb_rows"] = len(result)
        # The script lists every Parquet file: too long for an argument.
        script_path = os.path.join(os.path.dirname(os.path.abspath(args.results)), "duckdb-%s.sql" % name)
        with open(script_path, "w") as f:
            f.write(duckdb_cli_script(statements, sql))
        best, times, out = best_of(args.runs, lambda: run_duckdb_cli(args.duckdb_cli, script_path))
        row["duckdb_process_ms"] = best * 1000
        row["duckdb_cli_rows"] = max(len(out.splitlines()) - 1, 0)
        # vakt
        if special is None:
            command = ["sql", "--format", "json", "--timings", sql] if sql_help else None
            missing = "vakt sql not available yet"
        elif special[0] == "search":
            command = search_args(search_help, special[1]) if search_help else None
            missing = "vakt search not available yet"
        else:
            command = timeline_args(timeline_help, *special[1:]) if timeline_help else None
            missing = ("vakt timeline not available yet" if not timeline_help
                       else "vakt timeline: options not recognised by this harness")
        if command is None:
            row["vakt"] = None
            row["note"] = missing
        else:
            row["vakt"] = "vakt " + command[0]
            try:
                best, times, (out, err) = best_of(args.runs, lambda: run_vakt(args, command))
                row["vakt_ms"] = best * 1000
                row["vakt_runs_ms"] = [t * 1000 for t in times]
                row["vakt_rows"] = count_rows(out)
                if "--timings" in command:
                    # The query's own part, best of as many runs again.
                    parts = [json.loads(run_vakt(args, command)[1].strip().splitlines()[-1])
                             for _ in range(args.runs)]
                    row["vakt_query_ms"] = min(part["query_ms"] for part in parts)
                    row["vakt_open_ms"] = min(part["open_ms"] for part in parts)
                    row["vakt_audit_ms"] = min(part["audit_ms"] for part in parts)
                row["vakt_command"] = command
            except (RuntimeError, ValueError) as error:
                row["note"] = str(error)
        rows.append(row)
        print_row(row)

    verification = measure_verify(args, parquet_files)
    cli_version = subprocess.run([args.duckdb_cli, "-version"], capture_output=True, text=True).stdout.strip()
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "duckdb": duckdb.__version__,
                    "duckdb_cli": cli_version},
        "runs": args.runs,
        "ingest": ingest,
        "compaction": compaction,
        "verify": verification,
        "generate": {k: generated[k] for k in ("events", "seed", "start", "days", "lines", "bytes", "probes", "needles")},
        "queries": rows,
    }
    with open(args.results, "w") as f:
        json.dump(result, f, indent=2)
    print()
    print_table(result)


def measure_verify(args, parquet_files):
    """`vakt verify` (best of --runs) next to hashing the same segment files."""
    verify = min(timed([args.vakt, "--store", args.store, "--config", args.config, "verify", "--format", "json"])
                 for _ in range(args.runs))
    measured = {"vakt_verify_seconds": verify, "segment_bytes": sum(os.path.getsize(p) for p in parquet_files)}
    for name, command in (("sha256sum", ["sha256sum"]), ("openssl_sha256", ["openssl", "sha256"])):
        try:
            measured[name + "_seconds"] = min(timed(command + parquet_files) for _ in range(args.runs))
        except (OSError, subprocess.CalledProcessError) as error:
            measured[name + "_seconds"] = None
            measured[name + "_error"] = str(error)
    gb = measured["segment_bytes"] / 1e9
    shown = ", ".join("%s %.1f s (%.0f MB/s)" % (name, measured[name + "_seconds"],
                                                  1000 * gb / measured[name + "_seconds"])
                      for name in ("sha256sum", "openssl_sha256") if measured.get(name + "_seconds"))
    print("verify: %.1f s for %.2f GB of segments (%.0f MB/s); %s"
          % (verify, gb, 1000 * gb / verify, shown))
    return measured


def print_row(row):
    vakt = "%.0f" % row["vakt_ms"] if "vakt_ms" in row else "-"
    part = " (query %.0f)" % row["vakt_query_ms"] if "vakt_query_ms" in row else ""
    print("  %-22s vakt %8s ms%s  duckdb %8.1f ms (CLI new process %7.0f ms)  rows %s/%s  %s"
          % (row["query"], vakt, part, row["duckdb_ms"], row["duckdb_process_ms"], row.get("vakt_rows", "-"),
             row["duckdb_rows"], row.get("note", "")), flush=True)


def print_table(result):
    print("| query | vakt (ms) | of which the query (ms) | DuckDB in-process (ms) | DuckDB CLI new process (ms) "
          "| rows vakt / DuckDB | vakt ≤ CLI | query ≤ in-process |")
    print("|---|---:|---:|---:|---:|---|---|---|")
    for row in result["queries"]:
        part = "%.0f" % row["vakt_query_ms"] if "vakt_query_ms" in row else "-"
        if "vakt_ms" in row:
            vakt = "%.0f" % row["vakt_ms"]
            same = "same" if row.get("vakt_rows") == row["duckdb_rows"] else "DIFFER"
            counts = "%s / %s (%s)" % (row.get("vakt_rows"), row["duckdb_rows"], same)
            ok = "yes" if row["vakt_ms"] <= row["duckdb_process_ms"] else "no"
            within = ("yes" if row["vakt_query_ms"] <= row["duckdb_ms"] else "no") if "vakt_query_ms" in row else "-"
        else:
            vakt = row.get("note", "not available yet")
            counts = "- / %d" % row["duckdb_rows"]
            ok = within = "-"
        print("| %s | %s | %s | %.1f | %.0f | %s | %s | %s |" % (
            row["query"], vakt, part, row["duckdb_ms"], row["duckdb_process_ms"], counts, ok, within))


if __name__ == "__main__":
    main()
