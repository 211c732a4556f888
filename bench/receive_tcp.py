"""The throughput of `vakt run`'s syslog receiver over TCP.

Starts `vakt run` on a new store with one [[listen]] TCP address on the
loopback, opens CONNECTIONS connections and sends MESSAGES RFC 3164 sshd
messages in all, octet-counted (RFC 6587), as fast as vakt takes them (a
full receive queue makes the senders wait, so the send rate is vakt's
rate). Then it waits until every message is committed, as `vakt sql
"SELECT count(*) FROM sessions"` sees it, stops `vakt run` with SIGTERM
and prints:

- send: seconds until the last byte was accepted, and messages/s;
- end to end: seconds from the first byte until everything was committed,
  messages/s and MB/s of message text;
- memory: the peak resident set of `vakt run` (VmHWM);
- whether every message was stored exactly once (count and distinct `raw`).

Usage: python3 bench/receive_tcp.py VAKT [MESSAGES] [CONNECTIONS]
  VAKT         a vakt binary (release: target/release/vakt)
  MESSAGES     how many messages in all (default 1000000)
  CONNECTIONS  how many TCP connections send at once (default 4)
Environment: KEEP=1 keeps the folder.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


def message(n):
    return ("<38>Mar  4 10:%02d:%02d ts2 sshd[%d]: Accepted publickey for user%d from 10.10.%d.%d "
            "port %d ssh2: ED25519 SHA256:bench%d" % (
                (n // 60) % 60, n % 60, 1000 + n % 60000, n % 5000, (n // 250) % 250,
                n % 250 + 1, 1024 + n % 60000, n)).encode()


def framed(numbers):
    parts = []
    for n in numbers:
        text = message(n)
        parts.append(b"%d %s" % (len(text), text))
    return b"".join(parts)


def vakt(binary, store, config, *args):
    done = subprocess.run([binary, "--store", store, "--config", config] + list(args),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit("vakt %s failed: %s" % (args[0], done.stderr))
    return done.stdout


def committed(binary, store, config):
    out = vakt(binary, store, config, "sql", "--format", "json", "SELECT count(*) AS n FROM sessions")
    return json.loads(out)[0]["n"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peak_rss_kib(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
    connections = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    folder = tempfile.mkdtemp(prefix="vakt-receive-")
    store = os.path.join(folder, "store")
    config = os.path.join(folder, "vakt.toml")
    port = free_port()
    with open(config, "w") as out:
        out.write('[[listen]]\nname = "bench"\naddress = "127.0.0.1:%d"\nprotocol = "tcp"\n' % port)
    vakt(binary, store, config, "init")

    # The payloads are made before the clock starts: the client must not
    # be what is measured.
    shares = [range(i, total, connections) for i in range(connections)]
    payloads = [framed(share) for share in shares]
    text_bytes = sum(len(message(n)) for n in range(total))

    log = open(os.path.join(folder, "run.log"), "w")
    run = subprocess.Popen([binary, "--store", store, "--config", config, "run"],
                           stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.time() > deadline:
                run.kill()
                raise SystemExit("vakt run did not listen on port %d; see %s" % (port, log.name))
            time.sleep(0.05)

    def send(payload):
        with socket.create_connection(("127.0.0.1", port)) as connection:
            connection.sendall(payload)

    started = time.time()
    threads = [threading.Thread(target=send, args=(payload,)) for payload in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = time.time() - started
    while True:
        count = committed(binary, store, config)
        if count >= total:
            break
        if time.time() - started > 3600:
            break
        time.sleep(0.2)
    end_to_end = time.time() - started
    peak = peak_rss_kib(run.pid)
    run.send_signal(signal.SIGTERM)
    run.wait(timeout=120)
    out = vakt(binary, store, config, "sql", "--format", "json",
               "SELECT count(*) AS n, count(DISTINCT raw) AS d FROM sessions")
    counts = json.loads(out)[0]

    print("messages: %d over %d TCP connections (%.1f MB of message text)" % (
        total, connections, text_bytes / 1e6))
    print("send: %.2f s (%.0f messages/s)" % (sent, total / sent))
    print("end to end (first byte to all committed): %.2f s, %.0f messages/s, %.1f MB/s" % (
        end_to_end, total / end_to_end, text_bytes / 1e6 / end_to_end))
    print("memory: peak %.0f MB resident" % (peak / 1024))
    print("stored: %d records, %d distinct; every message once: %s" % (
        counts["n"], counts["d"], "yes" if counts["n"] == total and counts["d"] == total else "NO"))
    if os.environ.get("KEEP") == "1":
        print("kept: %s" % folder)
    else:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
