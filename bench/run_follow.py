"""The lag and memory of `vakt run` under a sustained file source.

Starts `vakt run` on a new store following DIR/logs/auth.log*, then appends
RATE sshd lines per second to DIR/logs/auth.log for SECONDS seconds
(rotating it by rename every ROTATE seconds, as logrotate does), and every
SAMPLE seconds compares the lines written with the records committed
(`vakt sql "SELECT count(*) FROM sessions"`, run while `vakt run` runs, as
an investigator would). At the end it waits until every line is committed,
stops `vakt run` with SIGTERM and prints:

- lag: lines written but not yet committed at each sample, as lines and as
  seconds of input (median and worst);
- drain: seconds from the last write until everything was committed;
- memory: resident set of `vakt run` (median of the samples, and its peak,
  VmHWM);
- whether every line was stored exactly once (count and distinct `raw`).

Usage: python3 bench/run_follow.py VAKT [SECONDS] [RATE]
  VAKT     a vakt binary (release: target/release/vakt)
  SECONDS  how long to write (default 600)
  RATE     lines per second (default 20000)
Environment: ROTATE (seconds between rotations, default 120), SAMPLE
(seconds between samples, default 10), KEEP=1 keeps the folder.
"""
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def sshd_line(n, now):
    stamp = time.strftime("%b %e %H:%M:%S", time.localtime(now))
    return "%s ts1 sshd[%d]: Accepted publickey for user%d from 10.10.%d.%d port %d ssh2: ED25519 SHA256:bench\n" % (
        stamp, 1000 + n % 60000, n % 5000, (n // 250) % 250, n % 250 + 1, 1024 + n % 60000)


def vakt(binary, store, config, *args):
    done = subprocess.run([binary, "--store", store, "--config", config] + list(args),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit("vakt %s failed: %s" % (args[0], done.stderr))
    return done.stdout


def committed(binary, store, config):
    out = vakt(binary, store, config, "sql", "--format", "json", "SELECT count(*) AS n FROM sessions")
    return json.loads(out)[0]["n"]


def rss_kib(pid, field):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main():
    binary = os.path.abspath(sys.argv[1])
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 600
    rate = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    rotate_every = float(os.environ.get("ROTATE", 120))
    sample_every = float(os.environ.get("SAMPLE", 10))
    work = tempfile.mkdtemp(prefix="vakt-run-bench.")
    logs = os.path.join(work, "logs")
    os.mkdir(logs)
    store = os.path.join(work, "store")
    config = os.path.join(work, "vakt.toml")
    with open(config, "w") as out:
        out.write('[[source]]\nname = "auth"\npath = "%s/auth.log*"\nformat = "sshd"\n' % logs)
    vakt(binary, store, config, "init")
    runner = subprocess.Popen([binary, "--store", store, "--config", config, "run"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    live = os.path.join(logs, "auth.log")
    written = 0
    started = time.time()
    last_rotation = started
    next_sample = started + sample_every
    batch = max(1, rate // 20)  # a write every 50 ms
    lags, rss = [], []
    rotations = 0
    try:
        while time.time() - started < seconds:
            now = time.time()
            due = int((now - started) * rate)
            if due > written:
                count = min(due - written, batch * 4)
                with open(live, "a") as log:
                    log.write("".join(sshd_line(n, now) for n in range(written, written + count)))
                written += count
            if now - last_rotation >= rotate_every:
                rotations += 1
                os.rename(live, os.path.join(logs, "auth.log.%d" % rotations))
                last_rotation = now
            if now >= next_sample:
                stored = committed(binary, store, config)
                lags.append(written - stored)
                rss.append(rss_kib(runner.pid, "VmRSS"))
                print("%6.0f s  written %9d  committed %9d  lag %7d lines (%.2f s)  rss %.0f MB" % (
                    now - started, written, stored, written - stored, (written - stored) / rate,
                    rss[-1] / 1024), flush=True)
                next_sample += sample_every
            time.sleep(0.05)
        last_write = time.time()
        while committed(binary, store, config) < written:
            if time.time() - last_write > 120:
                raise SystemExit("not everything was committed within 120 s of the last write")
            time.sleep(0.1)
        drain = time.time() - last_write
        peak = rss_kib(runner.pid, "VmHWM")
    finally:
        runner.send_signal(signal.SIGTERM)
        runner.wait(timeout=60)
    distinct = json.loads(vakt(binary, store, config, "sql", "--format", "json",
                               "SELECT count(*) AS n, count(DISTINCT raw) AS d FROM sessions"))[0]
    print("rate %d lines/s for %.0f s: %d lines, %d rotations" % (rate, seconds, written, rotations))
    if lags:
        print("lag: median %d lines (%.2f s), worst %d lines (%.2f s)" % (
            statistics.median(lags), statistics.median(lags) / rate, max(lags), max(lags) / rate))
        print("memory: median %.0f MB resident, peak %.0f MB (VmHWM)" % (
            statistics.median(rss) / 1024, peak / 1024))
    print("drain after the last write: %.2f s" % drain)
    print("stored %d records, %d distinct lines, of %d written: %s" % (
        distinct["n"], distinct["d"], written,
        "each once" if distinct["n"] == distinct["d"] == written else "NOT each once"))
    if os.environ.get("KEEP") == "1":
        print("kept:", work)
    else:
        shutil.rmtree(work)


main()
