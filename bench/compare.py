"""Times the SQL queries of bench/queries.py through two (or more) vakt
binaries, each on its own store of the same generated logs: best of RUNS
after one warm-up, whole process. For comparing versions, e.g. a build of
an earlier commit against this one.

Usage: python3 bench/compare.py GENERATE.json VAKT.toml RUNS VAKT_A STORE_A VAKT_B STORE_B ...
(GENERATE.json: the JSON summary of `vakt generate`, whose probes pick
the queries.)
"""
import json
import os
import subprocess
import sys
import time
import types

# bench/queries.py imports duckdb at the top; only its query list is used here.
sys.modules["duckdb"] = types.ModuleType("duckdb")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import queries as bench  # noqa: E402

def run(vakt, store, config, args):
    t = time.perf_counter()
    out = subprocess.run([vakt, "--store", store, "--config", config] + args, capture_output=True)
    dt = time.perf_counter() - t
    if out.returncode != 0:
        raise SystemExit("%s failed: %s" % (args[:2], out.stderr.decode()[:500]))
    return dt, out.stdout

def main():
    gen, config, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    pairs = [(sys.argv[i], sys.argv[i + 1]) for i in range(4, len(sys.argv), 2)]
    generated = json.load(open(gen))
    rows = []
    for name, what, sql, special in bench.queries(generated["probes"], generated["needles"]):
        if special:
            continue
        times = []
        for vakt, store in pairs:
            run(vakt, store, config, ["sql", "--format", "json", sql])
            best = min(run(vakt, store, config, ["sql", "--format", "json", sql])[0] for _ in range(runs))
            times.append(best)
        rows.append((name, times))
        print("%-24s %s" % (name, "  ".join("%8.0f ms" % (t * 1000) for t in times)), flush=True)

main()
