#!/usr/bin/env python3
"""Times vakt's queries next to DuckDB over the same Parquet files.

For each query of QUERIES: the vakt command (`vakt sql --format json`,
`vakt search`, `vakt timeline`) as a subprocess, wall clock including
process start, and the same SQL in DuckDB over exactly the Parquet files
the store's committed manifests list (views `sessions`, `firewall`,
`access`). Each measurement is the best of --runs runs after one warm-up.
DuckDB is timed twice: in-process (connection open, views defined: the
query alone) and as a new process (python start, import, views, query),
the like-for-like comparison with a vakt command. Row counts of both are
compared. Prints a table and writes --results (JSON).

Called by bench/run.sh; runs on its own against any store made from
`vakt generate` output.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

import duckdb

STREAMS = ["sessions", "firewall", "access"]


def committed_files(store):
    """Parquet files of each stream, as far as HEAD's manifest_bytes."""
    with open(os.path.join(store, "HEAD")) as f:
        head = json.load(f)
    files = {}
    for stream in STREAMS:
        length = head["streams"][stream]["manifest_bytes"]
        with open(os.path.join(store, stream, "manifest.jsonl"), "rb") as f:
            text = f.read(length).decode()
        files[stream] = [os.path.join(store, json.loads(line)["path"])
                         for line in text.splitlines() if line.strip()]
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
    return done.stdout


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


def duckdb_process_script(statements, sql):
    return ("import duckdb\ncon = duckdb.connect()\n"
            + "".join("con.execute(%r)\n" % s for s in statements)
            + "rows = con.execute(%r).fetchall()\nprint(len(rows))\n" % sql)


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
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--results", required=True)
    args = parser.parse_args()

    generated = json.load(open(args.generate))
    ingested = json.load(open(args.ingest))
    raw_bytes = sum(f["bytes"] for f in generated["files"])
    store_bytes = parquet_bytes = 0
    for root, _, names in os.walk(args.store):
        for name in names:
            size = os.path.getsize(os.path.join(root, name))
            store_bytes += size
            if name.endswith(".parquet"):
                parquet_bytes += size
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
        "store_bytes_per_event": store_bytes / max(stored, 1),
        "parquet_bytes_per_event": parquet_bytes / max(stored, 1),
        "raw_bytes_per_event": raw_bytes / max(lines, 1),
        "generate_seconds": args.generate_seconds,
    }
    print("ingest: %d lines (%.1f MB raw) in %.1f s = %.0f events/s, %.1f MB/s; stored %d, quarantined %d, balanced %s"
          % (lines, raw_bytes / 1e6, seconds, ingest["events_per_second"], ingest["mb_per_second"], stored,
             ingested["lines_quarantined"], ingest["balanced"]))
    print("store: %.1f MB on disk = %.1f bytes/event (Parquet segments %.1f bytes/event; raw input %.1f bytes/line)"
          % (store_bytes / 1e6, ingest["store_bytes_per_event"], ingest["parquet_bytes_per_event"],
             ingest["raw_bytes_per_event"]))

    files = committed_files(args.store)
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
        script_path = os.path.join(os.path.dirname(os.path.abspath(args.results)), "duckdb-%s.py" % name)
        with open(script_path, "w") as f:
            f.write(duckdb_process_script(statements, sql))
        best, times, _ = best_of(args.runs, lambda: subprocess.run(
            [sys.executable, script_path], check=True, capture_output=True))
        row["duckdb_process_ms"] = best * 1000
        # vakt
        if special is None:
            command = ["sql", "--format", "json", sql] if sql_help else None
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
                best, times, out = best_of(args.runs, lambda: run_vakt(args, command))
                row["vakt_ms"] = best * 1000
                row["vakt_runs_ms"] = [t * 1000 for t in times]
                row["vakt_rows"] = count_rows(out)
                row["vakt_command"] = command
            except (RuntimeError, ValueError) as error:
                row["note"] = str(error)
        rows.append(row)
        print_row(row)

    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "duckdb": duckdb.__version__},
        "runs": args.runs,
        "ingest": ingest,
        "generate": {k: generated[k] for k in ("events", "seed", "start", "days", "lines", "bytes", "probes", "needles")},
        "queries": rows,
    }
    with open(args.results, "w") as f:
        json.dump(result, f, indent=2)
    print()
    print_table(result)


def print_row(row):
    vakt = "%.0f" % row["vakt_ms"] if "vakt_ms" in row else "-"
    print("  %-22s vakt %8s ms  duckdb %8.1f ms (new process %7.0f ms)  rows %s/%s  %s"
          % (row["query"], vakt, row["duckdb_ms"], row["duckdb_process_ms"], row.get("vakt_rows", "-"),
             row["duckdb_rows"], row.get("note", "")), flush=True)


def print_table(result):
    print("| query | vakt (ms) | DuckDB in-process (ms) | DuckDB new process (ms) | rows vakt / DuckDB | vakt ≤ DuckDB in-process |")
    print("|---|---:|---:|---:|---|---|")
    for row in result["queries"]:
        if "vakt_ms" in row:
            vakt = "%.0f" % row["vakt_ms"]
            same = "same" if row.get("vakt_rows") == row["duckdb_rows"] else "DIFFER"
            counts = "%s / %s (%s)" % (row.get("vakt_rows"), row["duckdb_rows"], same)
            ok = "yes" if row["vakt_ms"] <= row["duckdb_ms"] else "no"
        else:
            vakt = row.get("note", "not available yet")
            counts = "- / %d" % row["duckdb_rows"]
            ok = "-"
        print("| %s | %s | %.1f | %.0f | %s | %s |" % (row["query"], vakt, row["duckdb_ms"], row["duckdb_process_ms"],
                                                      counts, ok))


if __name__ == "__main__":
    main()
