#!/usr/bin/env python3
"""Deterministic generator of sample security logs for the fictional
"Nordvik forskningsinstitutt" (period 2026-03-02 00:00 .. 2026-03-29 23:59,
local time Europe/Oslo).

Everything here is invented: people, keys, addresses, file names and events.
Python 3.11, standard library only.  Running it twice gives byte-identical
files (one random.Random(20260302) drives everything, nothing depends on the
machine's time zone, locale or hash seed).

Usage:  python3 generate.py [--out DIR]      (default DIR: logs/ beside this script)

Writes:
  DIR/ts1/auth.log            RFC 3164, host ts1: sshd + PAM + cron/sudo/logind
  DIR/fs1/sshd.log            RFC 5424, host fs1: sshd only (drift's logins)
  DIR/fs1/samba-audit.log     RFC 3164, host fs1: vfs_full_audit (smbd_audit)
  DIR/fw-ext/kern.log         RFC 3164, host fw-ext: netfilter LOG lines
  DIR/fw-sec/kern.log         RFC 3164, host fw-sec: netfilter LOG lines
"""

import argparse
import base64
import datetime as dt
import os
import random

SEED = 20260302
R = random.Random(SEED)

# --------------------------------------------------------------------------
# time handling (Europe/Oslo hard-coded for the period: CET until
# 2026-03-29 01:00 UTC, CEST afterwards), all instants are int microseconds
# since the Unix epoch (UTC)
# --------------------------------------------------------------------------

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
NAIVE_EPOCH = dt.datetime(1970, 1, 1)
US = 1_000_000


def _naive_to_epoch_us(naive):
    d = naive - NAIVE_EPOCH
    return (d.days * 86400 + d.seconds) * US + d.microseconds


DST_START_US = _naive_to_epoch_us(dt.datetime(2026, 3, 29, 1, 0, 0))  # UTC
GAP_START = dt.datetime(2026, 3, 29, 2, 0, 0)   # local, does not exist
GAP_END = dt.datetime(2026, 3, 29, 3, 0, 0)
FIRST_DAY = dt.date(2026, 3, 2)                 # a Monday
NDAYS = 28
DAYS = [FIRST_DAY + dt.timedelta(days=i) for i in range(NDAYS)]


def utc_offset_s(us):
    return 7200 if us >= DST_START_US else 3600


def local_naive(us):
    return NAIVE_EPOCH + dt.timedelta(microseconds=us + utc_offset_s(us) * US)


def local_to_us(day, sec_of_day):
    """Local wall time (date, seconds after midnight, float) -> epoch us.
    Returns None for times inside the spring-forward gap."""
    naive = (dt.datetime.combine(day, dt.time())
             + dt.timedelta(microseconds=int(round(sec_of_day * US))))
    if GAP_START <= naive < GAP_END:
        return None
    off = 7200 if naive >= GAP_END else 3600
    return _naive_to_epoch_us(naive) - off * US


START_US = local_to_us(DAYS[0], 0)
END_US = local_to_us(DAYS[-1], 86400) - 1        # 2026-03-29 23:59:59.999999


def stamp3164(us):
    n = local_naive(us)
    return "%s %2d %02d:%02d:%02d" % (MONTHS[n.month - 1], n.day,
                                      n.hour, n.minute, n.second)


def stamp5424(us):
    n = local_naive(us)
    off = utc_offset_s(us) // 3600
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06d+%02d:00" % (
        n.year, n.month, n.day, n.hour, n.minute, n.second, n.microsecond, off)


def is_workhour(us):
    n = local_naive(us)
    return n.weekday() < 5 and 8 <= n.hour < 17


def s(x):
    """seconds (float) -> microseconds (int)"""
    return int(round(x * US))


def U(a, b):
    return R.uniform(a, b)


def chance(p):
    return R.random() < p


def pick(seq):
    return seq[R.randrange(len(seq))]


def wpick(pairs):
    """pairs: list of (item, weight)"""
    tot = sum(w for _, w in pairs)
    x = R.random() * tot
    for item, w in pairs:
        x -= w
        if x < 0:
            return item
    return pairs[-1][0]


def fingerprint():
    return "SHA256:" + base64.b64encode(
        bytes(R.randrange(256) for _ in range(32))).decode().rstrip("=")


# --------------------------------------------------------------------------
# the institute
# --------------------------------------------------------------------------

TS1, FS1, PRT1 = "10.20.0.10", "10.20.0.20", "10.20.0.30"
FWEXT_INT = "10.10.0.1"      # fw-ext inside address, also NTP for the zones
DNS1 = "10.10.0.53"          # office resolver
WEB1 = "10.10.0.25"          # office web server (https published outside)

# MAC addresses
MAC_FWEXT_ETH0 = "00:0d:b9:5a:21:e0"
MAC_FWEXT_ETH1 = "00:0d:b9:5a:21:e1"
MAC_ISP_GW = "84:b8:02:6c:1f:40"
MAC_FWSEC_ETH1 = "52:54:00:12:34:56"
MAC_FWSEC_ETH2 = "52:54:00:12:34:57"
SECURE_MAC = {TS1: "52:54:00:5e:0a:0a", FS1: "52:54:00:5e:0a:14",
              PRT1: "52:54:00:5e:0a:1e"}
OFFICE_MAC = {DNS1: "52:54:00:7d:00:35", WEB1: "52:54:00:7d:00:19"}
WS_OUIS = ["f8:bc:12", "54:e1:ad", "3c:52:82", "8c:16:45", "d4:81:d7"]


def office_mac(ip):
    if ip not in OFFICE_MAC:
        r = random.Random("mac:" + ip)          # stable per address
        OFFICE_MAC[ip] = "%s:%02x:%02x:%02x" % (
            r.choice(WS_OUIS), r.randrange(256), r.randrange(256), r.randrange(256))
    return OFFICE_MAC[ip]


class User:
    def __init__(self, name, uid, ip, os_, keytype):
        self.name, self.uid, self.ip, self.os = name, uid, ip, os_
        self.keytype = keytype
        self.fp = fingerprint()
        self.fp_rsa = fingerprint()     # second key (RSA) some people also use


USERS = [
    User("ola", 1001, "10.10.1.21", "linux", "ED25519"),
    User("kari", 1002, "10.10.1.22", "windows", "RSA"),
    User("ingrid", 1003, "10.10.1.34", "linux", "ED25519"),
    User("per", 1004, "10.10.2.14", "windows", "RSA"),
    User("nils", 1005, "10.10.2.23", "linux", "ED25519"),
    User("sigrid", 1006, "10.10.2.31", "windows", "ED25519"),
    User("erik", 1007, "10.10.2.40", "linux", "ED25519"),
    User("astrid", 1008, "10.10.3.12", "windows", "ED25519"),
    User("lars", 1009, "10.10.3.18", "linux", "ED25519"),
    User("marit", 1010, "10.10.1.45", "windows", "ECDSA"),
    User("drift", 1011, "10.10.3.5", "linux", "ED25519"),
    User("ext-hansen", 1012, "10.10.3.27", "windows", "ED25519"),
]
UBY = {u.name: u for u in USERS}
HANSEN_HOME = "81.167.44.203"      # ext-hansen's home connection (external)

# days off (index into DAYS)
ABSENT = {
    "sigrid": set(range(7, 12)),       # Mar 9-13
    "lars": set(range(21, 26)),        # Mar 23-27
    "erik": {15, 16},                  # Mar 17-18
    "kari": {18},                      # Mar 20
    "per": {4},                        # Mar 6
}

PROJECTS = {
    "p2041": {"members": ["ola", "kari", "ingrid"], "dataset": "hudreg", "lang": "R"},
    "p2055": {"members": ["per", "nils", "sigrid", "erik"], "dataset": "skolereg", "lang": "stata"},
    "p2060": {"members": ["astrid", "lars", "marit", "ext-hansen", "ingrid"], "dataset": "survey2024", "lang": "python"},
}


def projects_of(user):
    return [p for p, d in PROJECTS.items() if user in d["members"]]


DATASET_FILES = {
    "hudreg": ["hudreg/2023/hudreg_2023_pseudo.csv", "hudreg/2024/hudreg_2024_pseudo.csv",
               "hudreg/2024/diagnoser_icd10.csv", "hudreg/extract.csv",
               "hudreg/kodebok_hudreg_v3.pdf", "hudreg/LESMEG.txt"],
    "skolereg": ["skolereg/elever_2019_2023.parquet", "skolereg/karakterer_vg1_2022.dta",
                 "skolereg/karakterer_vg1_2023.dta", "skolereg/skoler_koder.csv",
                 "skolereg/dokumentasjon/variabelliste.xlsx"],
    "survey2024": ["survey2024/raw/responses_wave1.sav", "survey2024/raw/responses_wave2.sav",
                   "survey2024/clean/survey2024_clean_v4.dta", "survey2024/codebook.xlsx",
                   "survey2024/weights/design_weights.csv"],
}

PROJECT_FILES = {
    "p2041": {
        "scripts": ["analyse/01_import.R", "analyse/02_clean.R", "analyse/model.R",
                    "analyse/figurer.R"],
        "inputs": ["data/kohort.rds", "data/kohort_2024.rds", "rapport/referanser.bib"],
        "outputs": ["output/tabell1.csv", "output/tabell2.csv", "output/fig_incidens.pdf",
                    "output/model_summary.txt", "data/kohort.rds"],
        "docs": ["rapport/utkast_v3.docx"],
    },
    "p2055": {
        "scripts": ["do/01_les_inn.do", "do/02_rens.do", "do/03_regresjon.do"],
        "inputs": ["data/analysefil.dta", "tabeller/mal_tabell.xlsx"],
        "outputs": ["log/03_regresjon.smcl", "tabeller/tab2.xlsx", "tabeller/tab3.xlsx",
                    "figurer/karakterfordeling.png", "data/analysefil.dta"],
        "docs": ["notat/metodenotat.docx"],
    },
    "p2060": {
        "scripts": ["scripts/vekting.py", "scripts/utils.py", "scripts/analyse.ipynb"],
        "inputs": ["data/merged.parquet", "scripts/config.yaml"],
        "outputs": ["figurer/fig3.png", "figurer/fig4.png", "output/estimater.csv",
                    "data/merged.parquet"],
        "docs": ["notat/metode.md"],
    },
}

HOME_FILES = ["notater/todo.md", "notater/mote-%s.md", "skisser/test.R", "skisser/scratch.py",
              "Downloads/artikkel_%d.pdf", ".Rhistory", "CV/publikasjoner.bib"]

PROGRAM_READ = ["stata18/stata-mp", "stata18/stata.lic", "stata18/ado/base/r/regress.ado",
                "stata18/ado/plus/e/estout.ado", "stata18/ado/plus/r/reghdfe.ado",
                "R-4.3/library/data.table/DESCRIPTION", "R-4.3/library/fixest/R/fixest.rdb",
                "R-4.3/library/survival/R/survival.rdb", "R-4.3/etc/Rprofile.site",
                "python-3.11/lib/python3.11/site-packages/pandas/__init__.py"]
R_PACKAGES = ["arrow", "fixest", "data.table", "ggplot2", "survey", "haven", "broom", "sf"]
ADO_PACKAGES = ["reghdfe", "ftools", "estout", "coefplot", "ivreg2"]

SYSTEM_FILES = ["etc/samba/smb.conf", "etc/sssd/sssd.conf", "etc/krb5.conf",
                "etc/cron.d/backup-fs1", "scripts/backup.sh", "scripts/check_quota.sh",
                "backup/logs/backup-%s.log"]

# external addresses (all invented host parts)
def _mk(prefixes, k):
    out = []
    for p in prefixes:
        for _ in range(k):
            out.append("%s.%d" % (p, R.randrange(2, 254)))
    return out


SCAN_PREFIXES = ["45.134.26", "45.95.147", "45.148.10", "45.142.182", "45.79.181",
                 "185.224.128", "185.156.73", "185.242.226", "185.191.126", "185.180.143",
                 "185.16.38", "193.163.125", "193.32.162", "89.248.163", "162.142.125",
                 "167.94.138", "71.6.199", "205.210.31", "94.102.61", "80.82.77",
                 "141.98.11", "92.63.197", "218.92.0", "61.177.172", "103.145.13"]
SCANNERS = _mk(SCAN_PREFIXES, 1)
BRUTE_IPS = [ip for ip in SCANNERS if ip.startswith(("45.", "185.", "218.", "61.", "141.", "193.32", "92."))]
UNI_CLIENTS = _mk(["129.240.6", "129.240.118", "129.240.202", "129.240.90"], 3)
HOME_CLIENTS = _mk(["81.166.12", "84.210.77", "193.212.40", "92.220.131", "81.191.5"], 1)
EXT_443 = ["142.250.74.110", "142.250.74.142", "172.217.21.174", "151.101.2.132",
           "151.101.194.49", "140.82.121.3", "140.82.121.4", "185.199.108.133",
           "13.107.42.14", "20.190.159.2", "52.97.146.162", "104.16.132.229",
           "129.240.118.130", "129.240.171.52", "158.36.161.111", "193.156.90.12",
           "152.199.19.161", "34.107.243.93"]
EXT_80 = ["151.101.194.132", "129.240.118.130", "91.189.91.82"]
EXT_DNS = ["1.1.1.1", "1.0.0.1", "9.9.9.9"]
EXT_SSH = ["129.240.114.36", "129.240.114.37"]    # university login nodes
EXT_DROP_FROM_TS1 = ["151.101.0.223", "151.101.64.223", "140.82.121.3", "185.199.108.133",
                     "146.75.118.132"]            # pypi/github/cran-ish
BRUTE_NAMES = ["admin", "oracle", "test", "user", "ubuntu", "postgres", "git", "ftpuser",
               "guest", "deploy", "pi", "support", "hadoop", "dev", "minecraft", "steam",
               "jenkins", "www", "ansible", "es", "debian", "test1", "admin1", "mysql",
               "ubnt", "centos", "service", "odoo", "sol", "validator", "nginx", "backup"]

# --------------------------------------------------------------------------
# output records
# --------------------------------------------------------------------------


class Sink:
    seq = 0

    def __init__(self, name):
        self.name = name
        self.recs = []

    def add(self, us, line):
        Sink.seq += 1
        self.recs.append((us, Sink.seq, line))

    def lines(self):
        out = [r for r in self.recs if START_US <= r[0] <= END_US]
        out.sort(key=lambda r: (r[0], r[1]))
        return [r[2] for r in out]


AUTH = Sink("ts1/auth.log")
FS1SSH = Sink("fs1/sshd.log")
SAMBA = Sink("fs1/samba-audit.log")
FWEXT = Sink("fw-ext/kern.log")
FWSEC = Sink("fw-sec/kern.log")

LOGIND_PID = 612

# kernel boot instants (uptime in [...] = us - boot, with a little clock skew)
BOOT = {"fw-ext": START_US - s(3612870.25), "fw-sec": START_US - s(153640.8)}


def kern(host, us, msg):
    up = int((us - BOOT[host]) * (1 - 4e-6))
    sink = FWEXT if host == "fw-ext" else FWSEC
    sink.add(us, "%s %s kernel: [%5d.%06d] %s" % (stamp3164(us), host, up // US, up % US, msg))


def auth_line(us, prog, msg):
    AUTH.add(us, "%s ts1 %s: %s" % (stamp3164(us), prog, msg))


def fs1_line(us, pri, pid, msg):
    FS1SSH.add(us, "<%d>1 %s fs1 sshd %d - - %s" % (pri, stamp5424(us), pid, msg))


# --------------------------------------------------------------------------
# netfilter LOG formatting
# --------------------------------------------------------------------------

def _ip_hdr(prefix, inif, outif, mac, src, dst, length, ttl, ipid, df, tos=0):
    return ("%sIN=%s OUT=%s MAC=%s SRC=%s DST=%s LEN=%d TOS=0x%02X PREC=0x%02X TTL=%d ID=%d %s"
            % (prefix, inif, outif, mac, src, dst, length, tos & 0x1E, tos & 0xE0, ttl, ipid,
               "DF " if df else ""))


def tcp(prefix, inif, outif, mac, src, dst, length, ttl, ipid, df, spt, dpt, win, flags, tos=0):
    return (_ip_hdr(prefix, inif, outif, mac, src, dst, length, ttl, ipid, df, tos)
            + "PROTO=TCP SPT=%d DPT=%d WINDOW=%d RES=0x00 %s URGP=0" % (spt, dpt, win, flags))


def udp(prefix, inif, outif, mac, src, dst, ulen, ttl, ipid, df, spt, dpt):
    return (_ip_hdr(prefix, inif, outif, mac, src, dst, ulen + 20, ttl, ipid, df)
            + "PROTO=UDP SPT=%d DPT=%d LEN=%d" % (spt, dpt, ulen))


def icmp(prefix, inif, outif, mac, src, dst, length, ttl, ipid, df, iid, seq):
    return (_ip_hdr(prefix, inif, outif, mac, src, dst, length, ttl, ipid, df)
            + "PROTO=ICMP TYPE=8 CODE=0 ID=%d SEQ=%d" % (iid, seq))


def macs(dst_mac, src_mac):
    return "%s:%s:08:00" % (dst_mac, src_mac)


def ipid():
    return R.randrange(1, 65536)


OS_PROFILE = {"linux": (64, 60, 64240, (32768, 60999)),
              "windows": (128, 52, 64240, (49152, 65535))}


def eph_port(os_):
    lo, hi = OS_PROFILE[os_][3]
    return R.randint(lo, hi)


def is_office(ip):
    return ip.startswith("10.10.")


def is_secure(ip):
    return ip.startswith("10.20.0.")


def fwsec_syn(us, src, dst, spt, dpt, os_, ttl_at_fwsec, verdict="FWSEC-ACCEPT ", pid_=None,
              length=None, win=None):
    """One SYN crossing fw-sec from the office side (eth1) to the secure side."""
    _, syn_len, syn_win, _ = OS_PROFILE[os_]
    src_mac = office_mac(src) if is_office(src) else MAC_FWEXT_ETH1
    kern("fw-sec", us, tcp(verdict, "eth1", "eth2", macs(MAC_FWSEC_ETH1, src_mac), src, dst,
                           length or syn_len, ttl_at_fwsec, pid_ if pid_ else ipid(), True,
                           spt, dpt, win or syn_win, "SYN"))


# --------------------------------------------------------------------------
# SSH connections (ts1 and fs1)
# --------------------------------------------------------------------------

class Conn:
    """One TCP connection to sshd. events: (us, role, pri, msg); role 'm' =
    monitor process (the connection's pid), 'c' = post-auth child process."""

    def __init__(self, host, src, sport):
        self.host, self.src, self.sport = host, src, sport
        self.events = []
        self.t_child = None          # when the privilege-separated child is forked
        self.session = None          # (user, t_open, t_close) if a login session exists
        self.logind_id = None
        self.pid = self.cpid = None

    def ev(self, us, msg, role="m", pri=38):
        self.events.append((us, role, pri, msg))


def build_login(conn, user, t0, t_end, method, keytype=None, fp=None,
                otp_fail=False, end="normal"):
    """Successful login on conn; t0 = SYN time.  Returns (t_open, t_close)."""
    ip, p, u = conn.src, conn.sport, user.name
    keytype = keytype or user.keytype
    fp = fp or (user.fp if keytype == user.keytype else user.fp_rsa)
    t = t0 + s(U(0.09, 0.55))
    if method == "mfa":
        conn.ev(t, "Partial publickey for %s from %s port %d ssh2: %s %s" % (u, ip, p, keytype, fp))
        t += s(U(3.5, 14.0))
        if otp_fail:
            conn.ev(t, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
                       "tty=ssh ruser= rhost=%s  user=%s" % (ip, u), pri=85)
            t += s(U(1.9, 2.6))
            conn.ev(t, "error: PAM: Authentication failure for %s from %s" % (u, ip), pri=35)
            conn.ev(t + 900, "Failed keyboard-interactive/pam for %s from %s port %d ssh2" % (u, ip, p))
            t += s(U(5, 16))
        conn.ev(t, "Accepted keyboard-interactive/pam for %s from %s port %d ssh2" % (u, ip, p))
    elif method == "pubkey":
        conn.ev(t, "Accepted publickey for %s from %s port %d ssh2: %s %s" % (u, ip, p, keytype, fp))
    elif method == "password":
        t += s(U(0.25, 0.4))         # password pasted by a password manager
        conn.ev(t, "Accepted password for %s from %s port %d ssh2" % (u, ip, p))
    conn.t_child = t + 300
    t += s(U(0.004, 0.04))
    conn.ev(t, "pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)" % (u, user.uid), pri=86)
    t_open = t
    t_end = max(t_end, t + s(20))
    if end == "timeout":
        conn.ev(t_end, "Timeout, client not responding from user %s %s port %d" % (u, ip, p), role="c")
    else:
        conn.ev(t_end, "Received disconnect from %s port %d:11: disconnected by user" % (ip, p), role="c")
        conn.ev(t_end + s(U(0.0003, 0.002)), "Disconnected from user %s %s port %d" % (u, ip, p), role="c")
    t_close = t_end + s(U(0.006, 0.06))
    conn.ev(t_close, "pam_unix(sshd:session): session closed for user %s" % u, pri=86)
    conn.session = (user, t_open, t_close)
    return t_open, t_close


def build_password_fail(conn, user, t0, n):
    ip, p, u = conn.src, conn.sport, user.name
    # the first password comes from a stale password saved in the client, so it
    # is sent at once; further attempts are typed by hand
    t = t0 + s(U(0.3, 0.9))
    for k in range(n):
        if k:
            t += s(U(2.0, 7.0))
        conn.ev(t, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
                   "tty=ssh ruser= rhost=%s  user=%s" % (ip, u), pri=85)
        t += s(U(1.9, 2.5))
        conn.ev(t, "Failed password for %s from %s port %d ssh2" % (u, ip, p))
    t += s(U(1.5, 12))
    conn.ev(t, "Connection closed by authenticating user %s %s port %d [preauth]" % (u, ip, p))
    if n > 1:
        conn.ev(t + 200, "PAM %d more authentication failure%s; logname= uid=0 euid=0 tty=ssh "
                         "ruser= rhost=%s  user=%s" % (n - 1, "s" if n > 2 else "", ip, u), pri=85)
    return t


def build_abort(conn, user, t0):
    """key accepted, user gives up at the one-time-code prompt"""
    ip, p, u = conn.src, conn.sport, user.name
    t = t0 + s(U(0.1, 0.5))
    conn.ev(t, "Partial publickey for %s from %s port %d ssh2: %s %s" % (u, ip, p, user.keytype, user.fp))
    t += s(U(15, 110))
    conn.ev(t, "Connection closed by authenticating user %s %s port %d [preauth]" % (u, ip, p))
    return t


def build_scan_attempt(conn, t0, kind, name=None):
    ip, p = conn.src, conn.sport
    t = t0 + s(U(0.25, 0.9))
    if kind == "invalid_pw":
        conn.ev(t, "Invalid user %s from %s port %d" % (name, ip, p))
        t += s(U(0.05, 0.4))
        conn.ev(t, "pam_unix(sshd:auth): check pass; user unknown", pri=85)
        conn.ev(t + 150, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
                         "tty=ssh ruser= rhost=%s " % ip, pri=85)
        t += s(U(1.8, 2.4))
        conn.ev(t, "Failed password for invalid user %s from %s port %d ssh2" % (name, ip, p))
        t += s(U(0.1, 0.9))
        if chance(0.8):
            conn.ev(t, "Received disconnect from %s port %d:11: Bye Bye [preauth]" % (ip, p))
            conn.ev(t + 120, "Disconnected from invalid user %s %s port %d [preauth]" % (name, ip, p))
        else:
            conn.ev(t, "Connection closed by invalid user %s %s port %d [preauth]" % (name, ip, p))
    elif kind == "root_pw":
        conn.ev(t, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
                   "tty=ssh ruser= rhost=%s  user=root" % ip, pri=85)
        t += s(U(1.8, 2.4))
        conn.ev(t, "Failed password for root from %s port %d ssh2" % (ip, p))
        t += s(U(0.1, 0.9))
        if chance(0.75):
            conn.ev(t, "Received disconnect from %s port %d:11: Bye Bye [preauth]" % (ip, p))
            conn.ev(t + 110, "Disconnected from authenticating user root %s port %d [preauth]" % (ip, p))
        else:
            conn.ev(t, "Connection closed by authenticating user root %s port %d [preauth]" % (ip, p))
    elif kind == "invalid_nopw":
        conn.ev(t, "Invalid user %s from %s port %d" % (name, ip, p))
        t += s(U(0.2, 1.5))
        conn.ev(t, "Connection closed by invalid user %s %s port %d [preauth]" % (name, ip, p))
    elif kind == "banner":
        if chance(0.5):
            conn.ev(t, "Connection closed by %s port %d [preauth]" % (ip, p))
        else:
            conn.ev(t, "error: kex_exchange_identification: Connection closed by remote host", pri=35)
            conn.ev(t + 80, "Connection closed by %s port %d" % (ip, p))
    elif kind == "kex":
        offer = pick(["no matching key exchange method found. Their offer: diffie-hellman-group14-sha1,"
                      "diffie-hellman-group-exchange-sha1,diffie-hellman-group1-sha1",
                      "no matching host key type found. Their offer: ssh-rsa,ssh-dss"])
        conn.ev(t, "Unable to negotiate with %s port %d: %s [preauth]" % (ip, p, offer))
    return t


TS1_CONNS = []
FS1_CONNS = []


def ssh_syn_path(conn, t_syn, os_, ttl_ext=None, ipid_=None, syn_len=None, win=None):
    """fw lines for the SYN that opened conn (t_syn = time at fw-sec)."""
    dst = TS1 if conn.host == "ts1" else FS1
    the_id = ipid_ or ipid()
    if is_office(conn.src):
        ttl = OS_PROFILE[os_][0] - 1
        fwsec_syn(t_syn, conn.src, dst, conn.sport, 22, os_, ttl, pid_=the_id)
    else:
        # from the internet: through fw-ext (eth0 -> eth1), then fw-sec
        length = syn_len or OS_PROFILE[os_][1]
        w = win or OS_PROFILE[os_][2]
        kern("fw-ext", t_syn - s(U(0.0002, 0.0009)),
             tcp("FWEXT-ACCEPT ", "eth0", "eth1", macs(MAC_FWEXT_ETH0, MAC_ISP_GW), conn.src, dst,
                 length, ttl_ext, the_id, True, conn.sport, 22, w, "SYN"))
        fwsec_syn(t_syn, conn.src, dst, conn.sport, 22, os_, ttl_ext - 1, pid_=the_id,
                  length=length, win=w)


# ---- working pattern -----------------------------------------------------

def day_sessions(user, di):
    """list of (start_us, end_us, src_ip) for one user on one day"""
    day = DAYS[di]
    wd = day.weekday()
    out = []
    if di in ABSENT.get(user.name, ()):
        return out

    def add(h0, h1):
        a = local_to_us(day, h0 * 3600)
        b = local_to_us(day, h1 * 3600)
        if a is not None and b is not None and b > a and b < END_US - s(300):
            out.append((a, b, user.ip))

    if user.name == "ext-hansen":
        if wd in (0, 2, 3) and chance(0.85):
            arr = U(8.6, 10.0)
            dep = U(14.5, 16.5)
            mid = U(11.3, 12.0)
            add(arr + U(0.05, 0.3), mid)
            if chance(0.7):
                add(mid + U(0.5, 0.9), dep)
        return out

    if wd < 5:
        if chance(0.05):
            return out
        arr = max(7.0, R.gauss(8.2 if user.name != "drift" else 7.6, 0.45))
        dep = min(18.5, max(arr + 5.5, R.gauss(16.0, 0.6)))
        n = wpick([(1, 0.22), (2, 0.42), (3, 0.26), (4, 0.10)])
        cuts = [arr] + sorted(U(arr + 0.7, dep - 0.7) for _ in range(n - 1)) + [dep]
        for k in range(n):
            lo, hi = cuts[k], cuts[k + 1]
            seg = hi - lo
            a = lo + min(U(0.05, 0.45), 0.3 * seg)
            b = hi - min(U(0.03, 0.4), 0.3 * seg)
            add(a, b)
        if chance(0.12):                         # quick second terminal
            a = U(arr + 0.2, dep - 0.5)
            add(a, a + U(0.04, 0.3))
        if chance(0.08 if user.name != "drift" else 0.2):
            a = U(19.0, 22.6)
            add(a, min(23.7, a + U(0.2, 1.4)))
    elif user.name == "drift" and di == NDAYS - 1:
        # Sunday 2026-03-29: drift checks the servers after the clock change
        a = U(9.6, 10.0)
        add(a, a + U(0.8, 1.2))
    else:
        if chance(0.07 if user.name != "drift" else 0.25):
            a = U(10.0, 21.0)
            add(a, min(23.5, a + U(0.3, 2.5)))
    return out


def hansen_home_sessions():
    out = []
    for di in (1, 6, 8, 13, 15, 22, 24):
        day = DAYS[di]
        if chance(0.8):
            a = U(19.5, 22.5)
            b = a + U(0.4, 1.6)
            out.append((local_to_us(day, a * 3600), local_to_us(day, b * 3600), HANSEN_HOME))
    return out


def auth_method(user, src, us):
    n = user.name
    if n == "marit" and local_naive(us).date() in (dt.date(2026, 3, 12), dt.date(2026, 3, 13)):
        return "password"      # her key was lost with a broken laptop disk
    if n == "per":
        return wpick([("pubkey", 0.7), ("mfa", 0.3)])
    if n == "drift":
        return wpick([("mfa", 0.6), ("pubkey", 0.4)])
    if n == "ext-hansen" and not is_office(src):
        return wpick([("mfa", 0.6), ("password", 0.4)])
    if n == "marit" and chance(0.04):
        return "password"
    return "mfa"


def gen_ts1_logins():
    plan = []
    for di in range(NDAYS):
        for user in USERS:
            for a, b, src in day_sessions(user, di):
                plan.append((a, b, src, user))
    for a, b, src in hansen_home_sessions():
        plan.append((a, b, src, UBY["ext-hansen"]))
    plan.sort(key=lambda x: (x[0], x[3].uid))
    for a, b, src, user in plan:
        os_ = user.os
        ext = not is_office(src)
        ttl_ext = 128 - 11 if ext else None
        t = a
        # occasional failed attempt(s) on separate connections first
        r = R.random()
        pfail = 0.07 if user.name == "kari" else 0.015
        if r < pfail:
            c = Conn("ts1", src, eph_port(os_))
            ssh_syn_path(c, t, os_, ttl_ext)
            t = build_password_fail(c, user, t, wpick([(1, 0.5), (2, 0.3), (3, 0.2)])) + s(U(6, 40))
            TS1_CONNS.append(c)
        elif r < pfail + 0.015:
            c = Conn("ts1", src, eph_port(os_))
            ssh_syn_path(c, t, os_, ttl_ext)
            t = build_abort(c, user, t) + s(U(10, 90))
            TS1_CONNS.append(c)
        c = Conn("ts1", src, eph_port(os_))
        ssh_syn_path(c, t, os_, ttl_ext)
        method = auth_method(user, src, t)
        keytype = "RSA" if (user.name == "per") else None
        end = "timeout" if chance(0.05) else "normal"
        build_login(c, user, t, b, method, keytype=keytype,
                    otp_fail=(method == "mfa" and chance(0.04)), end=end)
        TS1_CONNS.append(c)
        if end == "timeout" and is_office(src) and chance(0.5):
            # the sleeping laptop wakes up and keeps talking to a dead connection
            tw = c.session[2] + s(U(600, 5400))
            for k in range(R.randint(1, 3)):
                kern("fw-sec", tw + s(k * U(0.2, 3.0)),
                     tcp("FWSEC-DROP ", "eth1", "eth2", macs(MAC_FWSEC_ETH1, office_mac(src)), src, TS1,
                         R.choice([52, 88, 116]), OS_PROFILE[os_][0] - 1, ipid(), True,
                         c.sport, 22, R.choice([501, 502, 1024, 2052]), "ACK PSH"))


def gen_ts1_scanners():
    for di in range(NDAYS):
        nb = wpick([(0, 0.2), (1, 0.4), (2, 0.3), (3, 0.1)])
        for _ in range(nb):
            ip = pick(BRUTE_IPS)
            t = local_to_us(DAYS[di], U(0, 86400))
            if t is None:
                continue
            ttl_ext = 64 - R.randint(9, 22)
            win = pick([64240, 29200, 65535])
            port = R.randint(32768, 60000)
            n = R.randint(3, 16)
            names = [pick(BRUTE_NAMES) for _ in range(n)]
            mode = wpick([("mixed", 0.6), ("invalid", 0.25), ("root", 0.15)])
            for k in range(n):
                port += R.randint(1, 900)
                if port > 60999:
                    port -= 28000
                c = Conn("ts1", ip, port)
                ssh_syn_path(c, t, "linux", ttl_ext, win=win)
                if mode == "root" or (mode == "mixed" and chance(0.3)):
                    kind = "root_pw"
                elif chance(0.85):
                    kind = "invalid_pw"
                else:
                    kind = "invalid_nopw"
                te = build_scan_attempt(c, t, kind, names[k])
                TS1_CONNS.append(c)
                t = te + s(U(0.5, 9.0))
        # banner grabbers / old clients
        for _ in range(R.randint(0, 3)):
            ip = pick(SCANNERS)
            t = local_to_us(DAYS[di], U(0, 86400))
            if t is None:
                continue
            c = Conn("ts1", ip, R.randint(1024, 65000))
            ssh_syn_path(c, t, "linux", 64 - R.randint(8, 20))
            build_scan_attempt(c, t, pick(["banner", "banner", "kex"]))
            TS1_CONNS.append(c)


def gen_fs1_logins():
    drift = UBY["drift"]
    for di in range(NDAYS):
        day = DAYS[di]
        wd = day.weekday()
        if di == NDAYS - 1:
            p = 1.0            # the Sunday of the clock change, see day_sessions
        elif wd >= 5:
            p = 0.08
        elif wd in (1, 3):
            p = 0.9
        else:
            p = 0.3
        if not chance(p):
            continue
        for _ in range(wpick([(1, 0.75), (2, 0.25)])):
            a = local_to_us(day, (U(10.1, 10.6) if di == NDAYS - 1 else U(8.5, 15.8)) * 3600)
            b = a + s(U(240, 3600))
            t = a
            if chance(0.06):
                c = Conn("fs1", drift.ip, eph_port("linux"))
                ssh_syn_path(c, t, "linux")
                t = build_abort(c, drift, t) + s(U(20, 60))
                FS1_CONNS.append(c)
            c = Conn("fs1", drift.ip, eph_port("linux"))
            ssh_syn_path(c, t, "linux")
            build_login(c, drift, t, b, "pubkey")
            FS1_CONNS.append(c)


# ---- pids ----------------------------------------------------------------

class PidAlloc:
    def __init__(self, start, busy_rate, idle_rate):
        self.last, self.last_us = start, START_US
        self.busy, self.idle = busy_rate, idle_rate

    def take(self, us):
        rate = self.busy if is_workhour(us) else self.idle
        gap = 1 + int(max(0, us - self.last_us) / US * rate * U(0.6, 1.4)) + R.randint(0, 3)
        self.last += gap
        self.last_us = max(self.last_us, us)
        return self.last


class CronJob:
    def __init__(self, us, user, uid, dur):
        self.us, self.user, self.uid, self.dur = us, user, uid, dur
        self.pid = None


CRON_JOBS = []


def gen_cron():
    # ts1 /etc/crontab and /etc/cron.d (trimmed): nightly backups, daily and weekly run-parts
    jobs = [(2 * 3600 + 30 * 60, "root", 0, (90, 600), None),       # backup-home
            (3 * 3600 + 10 * 60, "drift", 1011, (2, 20), None),      # quota report
            (6 * 3600 + 25 * 60, "root", 0, (5, 60), None),          # cron.daily
            (6 * 3600 + 47 * 60, "root", 0, (3, 30), 6),             # cron.weekly (Sunday)
            (22 * 3600 + 0 * 60, "root", 0, (1, 5), None)]           # tmp cleanup
    for di, day in enumerate(DAYS):
        for sec, user, uid, (d0, d1), only_wd in jobs:
            if only_wd is not None and day.weekday() != only_wd:
                continue
            us = local_to_us(day, sec + U(0.05, 0.9))
            if us is None:
                # Vixie cron runs fixed-time jobs of the skipped hour right after the jump
                us = local_to_us(day, 3 * 3600 + U(0.05, 0.9))
            CRON_JOBS.append(CronJob(us, user, uid, s(U(d0, d1))))


def assign_pids():
    reqs = []
    for c in TS1_CONNS:
        first = min(e[0] for e in c.events)
        reqs.append((first - s(0.05), 0, c, "m"))
        if c.t_child:
            reqs.append((c.t_child, 1, c, "c"))
    for j in CRON_JOBS:
        reqs.append((j.us, 2, j, "j"))
    reqs.sort(key=lambda r: (r[0], r[1]))
    alloc = PidAlloc(22950, 0.11, 0.018)
    for us, _, obj, role in reqs:
        pid = alloc.take(us)
        if role == "m":
            obj.pid = pid
        elif role == "c":
            obj.cpid = pid
        else:
            obj.pid = pid
    reqs = []
    for c in FS1_CONNS:
        first = min(e[0] for e in c.events)
        reqs.append((first - s(0.05), 0, c, "m"))
        if c.t_child:
            reqs.append((c.t_child, 1, c, "c"))
    reqs.sort(key=lambda r: (r[0], r[1]))
    alloc = PidAlloc(3870, 0.02, 0.006)
    for us, _, obj, role in reqs:
        pid = alloc.take(us)
        if role == "m":
            obj.pid = pid
        else:
            obj.cpid = pid


def render_ssh():
    # logind session ids in the order sessions are opened
    sess = sorted([c for c in TS1_CONNS if c.session], key=lambda c: c.session[1])
    sid = 4170
    for c in sess:
        c.logind_id = sid
        sid += 1
    for c in TS1_CONNS:
        for us, role, pri, msg in c.events:
            pid = c.pid if role == "m" else c.cpid
            auth_line(us, "sshd[%d]" % pid, msg)
        if c.session:
            user, t_open, t_close = c.session
            auth_line(t_open + s(U(0.005, 0.05)), "systemd-logind[%d]" % LOGIND_PID,
                      "New session %d of user %s." % (c.logind_id, user.name))
            t = t_close + s(U(0.002, 0.03))
            auth_line(t, "systemd-logind[%d]" % LOGIND_PID,
                      "Session %d logged out. Waiting for processes to exit." % c.logind_id)
            auth_line(t + s(U(0.01, 0.4)), "systemd-logind[%d]" % LOGIND_PID,
                      "Removed session %d." % c.logind_id)
    for c in FS1_CONNS:
        for us, role, pri, msg in c.events:
            pid = c.pid if role == "m" else c.cpid
            fs1_line(us, pri, pid, msg)
    for j in CRON_JOBS:
        auth_line(j.us, "CRON[%d]" % j.pid,
                  "pam_unix(cron:session): session opened for user %s(uid=%d) by (uid=0)" % (j.user, j.uid))
        auth_line(j.us + j.dur, "CRON[%d]" % j.pid,
                  "pam_unix(cron:session): session closed for user %s" % j.user)


# ---- sudo ----------------------------------------------------------------

SUDO_CMDS = [
    ("/usr/bin/apt update", (4, 15)),
    ("/usr/bin/apt upgrade -y", (40, 400)),
    ("/usr/bin/systemctl restart sssd", (1, 3)),
    ("/usr/bin/systemctl status ssh", (0.1, 0.5)),
    ("/usr/bin/journalctl -u ssh --since today", (2, 60)),
    ("/usr/bin/tail -n 200 /var/log/auth.log", (0.05, 0.2)),
    ("/usr/bin/mount -a", (0.3, 2)),
    ("/usr/bin/umount /mnt/prosjekt", (0.2, 1)),
    ("/usr/sbin/usermod -aG p2060 ext-hansen", (0.1, 0.3)),
    ("/usr/bin/df -h /home", (0.05, 0.1)),
    ("/usr/bin/du -sh /home/ola /home/kari /home/per", (3, 20)),
    ("/usr/sbin/reboot", None),
    ("/usr/bin/loginctl list-sessions", (0.05, 0.2)),
    ("/usr/bin/vim /etc/ssh/sshd_config", (30, 300)),
    ("/usr/bin/systemctl reload ssh", (0.2, 1)),
]


def sudo_line(us, user, tty, pwd, cmd):
    auth_line(us, "sudo", "%8s : TTY=%s ; PWD=%s ; USER=root ; COMMAND=%s" % (user, tty, pwd, cmd))


def gen_sudo():
    for c in TS1_CONNS:
        if not c.session:
            continue
        user, t_open, t_close = c.session
        tty = "pts/%d" % R.randint(0, 9)
        if user.name == "drift":
            n = wpick([(0, 0.35), (1, 0.35), (2, 0.2), (3, 0.1)])
            times = sorted(U(t_open + s(30), t_close - s(10)) for _ in range(n)) if t_close - t_open > s(60) else []
            for t in times:
                t = int(t)
                cmd, dur = pick(SUDO_CMDS)
                if dur is None:
                    continue
                sudo_line(t, "drift", tty, pick(["/home/drift", "/home/drift", "/etc", "/var/log"]), cmd)
                auth_line(t + s(0.002), "sudo", "pam_unix(sudo:session): session opened for user "
                                                "root(uid=0) by drift(uid=1011)")
                auth_line(t + s(0.003 + U(*dur)), "sudo", "pam_unix(sudo:session): session closed for user root")
        elif chance(0.012) and t_close - t_open > s(120):
            t = int(U(t_open + s(30), t_close - s(10)))
            cmd = pick(["/usr/bin/apt install r-cran-arrow", "/usr/bin/pip install pyreadstat",
                        "/usr/bin/mount /mnt/usb"])
            auth_line(t, "sudo", "%8s : user NOT in sudoers ; TTY=%s ; PWD=/home/%s ; USER=root ; COMMAND=%s"
                      % (user.name, tty, user.name, cmd))


# --------------------------------------------------------------------------
# Samba vfs_full_audit on fs1 (client = ts1)
# --------------------------------------------------------------------------

def smb(us, user, share, op, rest):
    SAMBA.add(us, "%s fs1 smbd_audit: %s|%s|ts1|%s|%s|%s" % (stamp3164(us), user, TS1, share, op, rest))


def datestr(us):
    n = local_naive(us)
    return "%04d-%02d-%02d" % (n.year, n.month, n.day)


class Ops:
    """collects the audit lines of one activity, spaced a little in time"""

    def __init__(self, user, share, t, limit):
        self.user, self.share, self.t, self.limit = user, share, t, limit

    def pause(self, a, b):
        """user think time, never past the end of the share session"""
        self.t = max(self.t, min(self.t + s(U(a, b)), self.limit))

    def __call__(self, op, rest, gap=(0.001, 0.08)):
        self.t += s(U(*gap))
        smb(self.t, self.user, self.share, op, rest)

    def read(self, path, n=None):
        self("openat", "ok|r|" + path)
        for _ in range(n if n is not None else R.randint(1, 3)):
            self("pread", "ok|" + path, (0.0005, 0.2))

    def write(self, path, n=None):
        self("openat", "ok|w|" + path)
        for _ in range(n if n is not None else R.randint(1, 3)):
            self("pwrite", "ok|" + path, (0.0005, 0.15))

    def deny(self, path, mode="r"):
        self("openat", "fail (Permission denied)|%s|%s" % (mode, path))

    def enoent(self, path):
        self("openat", "fail (No such file or directory)|r|" + path)


def act_project(o, proj, user):
    pf = PROJECT_FILES[proj]
    lang = PROJECTS[proj]["lang"]
    kind = wpick([("run", 0.45), ("edit", 0.3), ("doc", 0.1), ("misc", 0.15)])
    if kind == "run":
        script = proj + "/" + pick(pf["scripts"])
        if lang == "R" and chance(0.3):
            o.enoent(proj + "/.Rprofile")
        o.read(script, R.randint(1, 2))
        for inp in R.sample(pf["inputs"], wpick([(1, 0.7), (2, 0.3)])):
            o.read(proj + "/" + inp, R.randint(1, 4))
        out = proj + "/" + pick(pf["outputs"])
        if lang == "stata" and out.endswith(".dta"):
            tmp = "%s/data/ST_%04x.tmp" % (proj, R.randrange(65536))
            o.write(tmp, R.randint(2, 4))
            o("renameat", "ok|%s|%s" % (tmp, out))
        else:
            o.write(out)
        if lang == "python" and chance(0.2):
            o.enoent(proj + "/scripts/__pycache__/utils.cpython-311.pyc")
            o.write(proj + "/scripts/__pycache__/utils.cpython-311.pyc", 1)
    elif kind == "edit":
        f = proj + "/" + pick(pf["scripts"])
        d, b = f.rsplit("/", 1)
        if b.endswith(".ipynb"):       # Jupyter: checkpoint copy, then save
            o.read(f, R.randint(1, 2))
            o.pause(60, 900)
            o.write("%s/.ipynb_checkpoints/%s-checkpoint.ipynb" % (d, b[:-6]), R.randint(1, 2))
            o.write(f, R.randint(1, 2))
            return
        swp = "%s/.%s.swp" % (d, b)     # vim on ts1
        o.read(f, 1)
        o.write(swp, R.randint(1, 3))
        o.pause(30, 600)
        o.write(f, R.randint(1, 2))
        o("unlinkat", "ok|" + swp, (0.01, 0.5))
    elif kind == "doc":
        f = proj + "/" + pick(pf["docs"])
        d, b = f.rsplit("/", 1)
        if f.endswith(".docx"):
            lock = "%s/.~lock.%s#" % (d, b)
            o.write(lock, 1)
            o.read(f, R.randint(2, 6))
            o.pause(60, 900)
            if chance(0.6):
                o.write(f, R.randint(2, 5))
            o("unlinkat", "ok|" + lock, (0.05, 2))
        else:
            o.read(f, 1)
            if chance(0.5):
                o.pause(60, 600)
                o.write(f, 1)
    else:
        m = wpick([("mkdir", 0.3), ("rename", 0.35), ("rm", 0.35)])
        if m == "mkdir":
            nd = "%s/output/%s" % (proj, datestr(o.t))
            o("mkdirat", "ok|" + nd)
            o.write(nd + "/" + pick(["resultater.csv", "logg.txt", "sammendrag.txt"]))
        elif m == "rename":
            f = proj + "/" + pick(pf["outputs"])
            d, b = f.rsplit("/", 1)
            stem, ext = b.rsplit(".", 1)
            o("renameat", "ok|%s|%s/%s_%s.%s" % (f, d, stem, datestr(o.t).replace("-", ""), ext))
        else:
            f = proj + "/" + pick(pf["outputs"])
            d, b = f.rsplit("/", 1)
            o("unlinkat", "ok|%s/gammel_%s" % (d, b))


def act_data(o, ds):
    f = pick(DATASET_FILES[ds])
    o.read(f, R.randint(1, 4) if f.endswith((".csv", ".parquet", ".dta", ".sav")) else 1)


def act_home(o, user):
    f = pick(HOME_FILES)
    if "%s" in f:
        f = f % datestr(o.t)
    elif "%d" in f:
        f = f % R.randint(1, 40)
    path = "%s/%s" % (user, f)
    if chance(0.45):
        o.read(path, R.randint(1, 2))
    else:
        if f.startswith("Downloads/") and chance(0.3):
            o("renameat", "ok|%s.part|%s" % (path, path))
        else:
            o.write(path, R.randint(1, 2))


def act_program_drift(o):
    if chance(0.5):
        pkg = pick(R_PACKAGES)
        base = "R-4.3/library"
        o("mkdirat", "ok|%s/00LOCK-%s" % (base, pkg))
        o("mkdirat", "ok|%s/00LOCK-%s/%s" % (base, pkg, pkg))
        for f in ["DESCRIPTION", "NAMESPACE", "R/%s.rdb" % pkg, "R/%s.rdx" % pkg, "libs/%s.so" % pkg]:
            o.write("%s/00LOCK-%s/%s/%s" % (base, pkg, pkg, f), R.randint(1, 3))
        o("renameat", "ok|%s/%s|%s/00LOCK-%s/%s.old" % (base, pkg, base, pkg, pkg), (0.5, 3))
        o("renameat", "ok|%s/00LOCK-%s/%s|%s/%s" % (base, pkg, pkg, base, pkg))
        o("unlinkat", "ok|%s/00LOCK-%s/%s.old" % (base, pkg, pkg))
        o("unlinkat", "ok|%s/00LOCK-%s" % (base, pkg))
    else:
        pkg = pick(ADO_PACKAGES)
        d = "stata18/ado/plus/%s" % pkg[0]
        if chance(0.2):
            o("mkdirat", "ok|" + d)
        o.read("stata18/ado/plus/stata.trk", 1)
        o.write("%s/%s.ado" % (d, pkg), 1)
        o.write("%s/%s.sthlp" % (d, pkg), 1)
        o.write("stata18/ado/plus/stata.trk", 1)


def act_system(o):
    f = pick(SYSTEM_FILES)
    if "%s" in f:
        f = f % datestr(o.t - s(86400))
        o.read(f, R.randint(1, 3))
        return
    if f.startswith("etc/") and chance(0.25):
        o.read(f, 1)
        o.pause(60, 400)
        o.write(f + ".new", 1)
        o("renameat", "ok|%s|%s.bak-%s" % (f, f, datestr(o.t).replace("-", "")))
        o("renameat", "ok|%s.new|%s" % (f, f))
    else:
        o.read(f, R.randint(1, 2))


def share_session(user, share, t_a, t_b, activity, n_act):
    smb(t_a, user, share, "connect", "ok|" + share)
    last = t_a
    if t_b - t_a > s(20):
        times = sorted(int(U(t_a + s(2), t_b - s(8))) for _ in range(n_act))
        for t in times:
            o = Ops(user, share, max(t, last + s(0.05)), t_b - s(5))
            activity(o)
            last = o.t
    smb(max(t_b, last + s(U(0.5, 5))), user, share, "disconnect", "ok|" + share)


DENY_EVENTS = []


def gen_samba():
    for c in TS1_CONNS:
        if not c.session:
            continue
        user, t_open, t_close = c.session
        u = user.name
        dur = t_close - t_open
        if dur < s(150):
            continue
        t_a0 = t_open + s(U(4, 60))
        t_b0 = t_close - s(U(2, 25))
        if t_b0 - t_a0 < s(60):
            continue
        n_base = max(1, min(4, int(dur / s(4800)) + R.randint(0, 1)))
        plans = []
        if u == "drift":
            if chance(0.45):
                plans.append(("program", act_program_drift, max(1, n_base // 3)))
            if chance(0.35):
                plans.append(("system", act_system, max(1, n_base // 2)))
            if chance(0.3) or not plans:
                plans.append(("home", lambda o: act_home(o, u), max(1, n_base // 3)))
        else:
            projs = projects_of(u)
            if chance(0.8):
                plans.append(("prosjekt", lambda o, projs=projs: act_project(o, pick(projs), u), n_base))
            if chance(0.45):
                dss = [PROJECTS[p]["dataset"] for p in projs]
                plans.append(("data", lambda o, dss=dss: act_data(o, pick(dss)), max(1, n_base // 2)))
            if chance(0.22):
                plans.append(("home", lambda o: act_home(o, u), max(1, n_base // 3)))
            if chance(0.07):
                plans.append(("program", lambda o: o.read(pick(PROGRAM_READ), R.randint(1, 3)), 1))
            # rare attempts outside one's own projects (all denied by file ACLs)
            if chance(0.035):
                other = [p for p in PROJECTS if p not in projs]
                p = pick(other)
                if chance(0.6):
                    ds = PROJECTS[p]["dataset"]
                    plans.append(("data", lambda o, ds=ds: o.deny(pick(DATASET_FILES[ds])), 1))
                else:
                    plans.append(("prosjekt", lambda o, p=p: o.deny(p + "/" + pick(PROJECT_FILES[p]["scripts"])), 1))
        for share, act, n in plans:
            a = t_a0 + s(U(0, 30))
            b = t_b0 - s(U(0, 20))
            if b - a < s(30):
                continue
            share_session(u, share, a, b, act, n)


# --------------------------------------------------------------------------
# background firewall traffic
# --------------------------------------------------------------------------

OFFICE_OTHER = ["10.10.1.%d" % x for x in (11, 17, 28, 52, 63)] + \
               ["10.10.2.%d" % x for x in (9, 19, 37, 58)] + \
               ["10.10.3.%d" % x for x in (8, 33, 41)]
WS_OS = {u.ip: u.os for u in USERS}
for _ip in OFFICE_OTHER:
    WS_OS[_ip] = "windows" if int(_ip.split(".")[-1]) % 3 else "linux"
WS_OS[DNS1] = "linux"
WS_OS[WEB1] = "linux"
OFFICE_CLIENTS = [u.ip for u in USERS] + OFFICE_OTHER


def rand_time(di, h0, h1):
    return local_to_us(DAYS[di], U(h0, h1) * 3600)


def office_out(us, src, verdict="FWEXT-ACCEPT "):
    os_ = WS_OS.get(src, "windows")
    ttl0, syn_len, win, _ = OS_PROFILE[os_]
    mac = macs(MAC_FWEXT_ETH1, office_mac(src))
    r = R.random()
    if src == DNS1 or (r < 0.22):
        dst = pick(EXT_DNS) if src == DNS1 else pick(["8.8.8.8", "1.1.1.1"])
        ql = R.randint(29, 58)
        kern("fw-ext", us, udp(verdict, "eth1", "eth0", mac, src, dst, ql, ttl0 - 1, ipid(), src != DNS1 and os_ == "linux",
                               R.randint(1024, 65535), 53))
    elif r < 0.86:
        kern("fw-ext", us, tcp(verdict, "eth1", "eth0", mac, src, pick(EXT_443), syn_len, ttl0 - 1, ipid(), True,
                               eph_port(os_), 443, win, "SYN"))
    elif r < 0.91:
        kern("fw-ext", us, tcp(verdict, "eth1", "eth0", mac, src, pick(EXT_80), syn_len, ttl0 - 1, ipid(), True,
                               eph_port(os_), 80, win, "SYN"))
    elif r < 0.95 and os_ == "linux":
        kern("fw-ext", us, tcp(verdict, "eth1", "eth0", mac, src, pick(EXT_SSH), syn_len, ttl0 - 1, ipid(), True,
                               eph_port(os_), 22, win, "SYN"))
    else:
        dst = pick(["8.8.8.8", "1.1.1.1", "129.240.2.6"])
        if os_ == "linux":
            iid = R.randint(1000, 65000)
            for k in range(R.randint(1, 4)):
                kern("fw-ext", us + s(k * 1.0 + U(0, 0.002)),
                     icmp(verdict, "eth1", "eth0", mac, src, dst, 84, 63, ipid(), True, iid, k + 1))
        else:
            sq = R.randint(20, 900)
            for k in range(4):
                kern("fw-ext", us + s(k * 1.0 + U(0, 0.05)),
                     icmp(verdict, "eth1", "eth0", mac, src, dst, 60, 127, ipid(), False, 1, sq + k))


SCAN_PORTS = [(22, 24), (23, 20), (445, 15), (3389, 15), (8080, 12), (80, 3), (5900, 2),
              (1433, 2), (6379, 2), (2323, 2), (8443, 2), (25, 1)]
UDP_SCAN_PORTS = [5060, 1900, 123, 161, 53, 11211]


def scan_packet(us, src, dst, dport, prof):
    if dst == FWEXT_INT:
        inif, outif = "eth0", ""
    else:
        inif, outif = "eth0", "eth1"
    mac = macs(MAC_FWEXT_ETH0, MAC_ISP_GW)
    ttl, ln, win, df, the_id = prof
    kern("fw-ext", us, tcp("FWEXT-DROP ", inif, outif, mac, src, dst, ln, ttl, the_id or ipid(), df,
                           R.randint(1024, 65535), dport, win, "SYN"))


def scan_profile(src):
    r = random.Random("scanprof:" + src)
    kind = r.choice(["masscan", "zmap", "nmap", "linux", "mirai"])
    if kind == "masscan":
        return (r.randint(233, 250), 40, 1024, False, None)
    if kind == "zmap":
        return (r.randint(236, 249), 44, 65535, False, 54321)
    if kind == "nmap":
        return (r.randint(38, 55), 44, 1024, False, None)
    if kind == "mirai":
        return (r.randint(40, 52), 40, r.choice([5840, 14600, 29200, 65535]), False, None)
    return (r.randint(42, 56), 60, 64240, True, None)


def rand_office_dst():
    return "10.10.%d.%d" % (R.randint(0, 3), R.randint(2, 254))


def gen_fwext():
    mac_in = macs(MAC_FWEXT_ETH0, MAC_ISP_GW)
    for di in range(NDAYS):
        wd = DAYS[di].weekday()
        # scanners: background radiation, some sweeps
        for _ in range(R.randint(70, 105)):
            us = rand_time(di, 0, 24)
            if us is None:
                continue
            src = pick(SCANNERS)
            r = R.random()
            if r < 0.06:
                kern("fw-ext", us, udp("FWEXT-DROP ", "eth0", "eth1" if chance(0.5) else "",
                                       mac_in, src, FWEXT_INT if chance(0.5) else rand_office_dst(),
                                       R.randint(16, 120), R.randint(40, 245), ipid(), False,
                                       R.randint(1024, 65535), pick(UDP_SCAN_PORTS)))
                continue
            if r < 0.10:
                kern("fw-ext", us, icmp("FWEXT-DROP ", "eth0", "", mac_in, src, FWEXT_INT, 28,
                                        R.randint(236, 250), 54321 if chance(0.5) else ipid(), False,
                                        R.randint(1, 65535), 0))
                continue
            dst = FWEXT_INT if chance(0.4) else rand_office_dst()
            if dst == WEB1:
                dst = FWEXT_INT
            scan_packet(us, src, dst, wpick(SCAN_PORTS), scan_profile(src))
        for _ in range(wpick([(0, 0.3), (1, 0.5), (2, 0.2)])):     # a sweep over office addresses
            us = rand_time(di, 0, 24)
            if us is None:
                continue
            src = pick(SCANNERS)
            prof = scan_profile(src)
            port = wpick(SCAN_PORTS)
            net = R.randint(1, 3)
            host = R.randint(2, 100)
            for k in range(R.randint(8, 30)):
                us += s(U(0.05, 4.0))
                dst = "10.10.%d.%d" % (net, host + k)
                scan_packet(us, src, dst, port, prof)
        # office -> internet (only new connections are logged)
        n = R.randint(34, 52) if wd < 5 else R.randint(5, 11)
        for _ in range(n):
            if wd < 5 and chance(0.85):
                us = rand_time(di, 7.5, 17.5)
            else:
                us = rand_time(di, 0, 24)
            if us is None:
                continue
            src = DNS1 if chance(0.2) else pick(OFFICE_CLIENTS)
            office_out(us, src)
        # rejected outbound
        for _ in range(wpick([(0, 0.45), (1, 0.4), (2, 0.15)])):
            us = rand_time(di, 8, 17) if wd < 5 else rand_time(di, 10, 20)
            if us is None:
                continue
            src = pick(OFFICE_CLIENTS)
            os_ = WS_OS.get(src, "windows")
            ttl0, syn_len, win, _ = OS_PROFILE[os_]
            dport, dst = pick([(25, "193.75.75.12"), (465, "193.75.75.12"), (445, "20.60.81.36"),
                               (6881, "88.91.23.140"), (1194, "185.65.135.21")])
            sp = eph_port(os_)
            the_id = ipid()
            for k, dly in enumerate([0, 1.0, 3.0][:R.randint(1, 3)]):
                kern("fw-ext", us + s(dly + U(0, 0.01)),
                     tcp("FWEXT-REJECT ", "eth1", "eth0", macs(MAC_FWEXT_ETH1, office_mac(src)), src, dst,
                         syn_len, ttl0 - 1, (the_id + k) % 65536 or 1, True, sp, dport, win, "SYN"))
        # inbound https to the web server (and rejected plain http)
        for _ in range(R.randint(3, 10) if wd < 5 else R.randint(0, 3)):
            us = rand_time(di, 7, 22)
            if us is None:
                continue
            src = pick(UNI_CLIENTS) if chance(0.75) else pick(HOME_CLIENTS)
            mac_os = chance(0.3)
            ln, win = (64, 65535) if mac_os else (60, 64240)
            ttl = 64 - R.randint(7, 12)
            dport = 443 if chance(0.9) else 80
            kern("fw-ext", us, tcp("FWEXT-ACCEPT " if dport == 443 else "FWEXT-REJECT ", "eth0", "eth1",
                                   mac_in, src, WEB1, ln, ttl, ipid(), True, R.randint(32768, 65000),
                                   dport, win, "SYN"))
        # late packets of closed connections (conntrack no longer knows them)
        for _ in range(R.randint(4, 12) if wd < 5 else R.randint(0, 4)):
            us = rand_time(di, 7.5, 18) if chance(0.8) else rand_time(di, 0, 24)
            if us is None:
                continue
            dst = pick(OFFICE_CLIENTS)
            os_ = WS_OS.get(dst, "windows")
            flags = wpick([("ACK FIN", 3), ("ACK RST", 3), ("ACK", 2), ("ACK PSH", 2), ("RST", 1)])
            ln = {"ACK PSH": R.randint(80, 1500)}.get(flags, 52 if flags != "RST" else 40)
            kern("fw-ext", us, tcp("FWEXT-DROP ", "eth0", "eth1", mac_in, pick(EXT_443), dst, ln,
                                   R.randint(50, 60), ipid(), flags != "RST", 443, eph_port(os_),
                                   R.choice([501, 1050, 2048, 16384, 65535]) if flags != "RST" else 0, flags))
    # ruleset reload on Monday 2026-03-16 07:05: mid-stream packets are picked up as NEW
    t = local_to_us(dt.date(2026, 3, 16), 7 * 3600 + 5 * 60 + 12.3)
    for _ in range(22):
        t += s(U(0.2, 9))
        src = pick(OFFICE_CLIENTS)
        os_ = WS_OS.get(src, "windows")
        flags = wpick([("ACK", 5), ("ACK PSH", 4)])
        kern("fw-ext", t, tcp("FWEXT-ACCEPT ", "eth1", "eth0", macs(MAC_FWEXT_ETH1, office_mac(src)), src,
                              pick(EXT_443), 52 if flags == "ACK" else R.randint(90, 700),
                              OS_PROFILE[os_][0] - 1, ipid(), True, eph_port(os_), 443,
                              R.choice([501, 502, 1026, 8212]), flags))


def gen_fwsec():
    for di in range(NDAYS):
        wd = DAYS[di].weekday()
        # DNS from the secure hosts to the office resolver
        for host, lo, hi in ((TS1, 14, 30), (FS1, 4, 8), (PRT1, 2, 5)):
            for _ in range(R.randint(lo, hi) if (wd < 5 or host != TS1) else R.randint(lo // 3, lo // 2)):
                us = rand_time(di, 8, 17) if (host == TS1 and chance(0.7)) else rand_time(di, 0, 24)
                if us is None:
                    continue
                kern("fw-sec", us, udp("FWSEC-ACCEPT ", "eth2", "eth1", macs(MAC_FWSEC_ETH2, SECURE_MAC[host]),
                                       host, DNS1, R.randint(30, 62), 63, ipid(), True, R.randint(32768, 60999), 53))
            # NTP to fw-ext's inside address
            for k in range(6):
                us = rand_time(di, k * 4, k * 4 + 4)
                if us is None:
                    continue
                kern("fw-sec", us, udp("FWSEC-ACCEPT ", "eth2", "eth1", macs(MAC_FWSEC_ETH2, SECURE_MAC[host]),
                                       host, FWEXT_INT, 56, 63, ipid(), True, R.randint(32768, 60999), 123))
        # printing from the office
        if wd < 5:
            for _ in range(R.randint(4, 14)):
                us = rand_time(di, 8, 16.5)
                if us is None:
                    continue
                src = pick(OFFICE_CLIENTS)
                os_ = WS_OS.get(src, "windows")
                dport = 445 if os_ == "windows" else 631
                fwsec_syn(us, src, PRT1, eph_port(os_), dport, os_, OS_PROFILE[os_][0] - 1)
        # drops: direct SMB to fs1, RDP to ts1, ssh to fs1 from someone else than drift
        for _ in range(wpick([(0, 0.55), (1, 0.35), (2, 0.1)]) if wd < 5 else 0):
            us = rand_time(di, 8, 16.5)
            if us is None:
                continue
            src = pick([u.ip for u in USERS if u.os == "windows"])
            dst, dport = pick([(FS1, 445), (FS1, 445), (FS1, 139), (TS1, 3389)])
            sp = eph_port("windows")
            the_id = ipid()
            for k, dly in enumerate([0, 1.0, 3.0][:R.randint(2, 3)]):
                fwsec_syn(us + s(dly + U(0, 0.01)), src, dst, sp, dport, "windows", 127,
                          verdict="FWSEC-DROP ", pid_=(the_id + k) % 65536 or 1)
        # ts1 users trying to reach the internet directly (pip, CRAN, git)
        if wd < 5 and chance(0.7):
            for _ in range(R.randint(1, 2)):
                us = rand_time(di, 8.5, 16.5)
                if us is None:
                    continue
                sp = R.randint(32768, 60999)
                dst = pick(EXT_DROP_FROM_TS1)
                for k, dly in enumerate([0, 1.02, 3.1, 7.3][:R.randint(2, 4)]):
                    kern("fw-sec", us + s(dly), tcp("FWSEC-DROP ", "eth2", "eth1", macs(MAC_FWSEC_ETH2, SECURE_MAC[TS1]),
                                                    TS1, dst, 60, 63, ipid(), True, sp, 443, 64240, "SYN"))
        # pings: drift's checks are allowed, others dropped
        for _ in range(R.randint(0, 3) if wd < 5 else 0):
            us = rand_time(di, 8, 16)
            if us is None:
                continue
            dst = pick([TS1, FS1, PRT1])
            if chance(0.7):
                src = UBY["drift"].ip
                iid = R.randint(1000, 65000)
                for k in range(R.randint(1, 4)):
                    kern("fw-sec", us + s(k + U(0, 0.003)),
                         icmp("FWSEC-ACCEPT ", "eth1", "eth2", macs(MAC_FWSEC_ETH1, office_mac(src)), src, dst,
                              84, 63, ipid(), True, iid, k + 1))
            else:
                src = pick([u.ip for u in USERS if u.os == "windows"])
                sq = R.randint(10, 900)
                for k in range(4):
                    kern("fw-sec", us + s(k * 4.0 + U(0, 0.01)),
                         icmp("FWSEC-DROP ", "eth1", "eth2", macs(MAC_FWSEC_ETH1, office_mac(src)), src, dst,
                              60, 127, ipid(), False, 1, sq + k))
    # two attempts at ssh to fs1 by someone else than drift
    for day, hour, who in ((dt.date(2026, 3, 11), 10.4, "nils"), (dt.date(2026, 3, 24), 14.1, "erik")):
        us = local_to_us(day, hour * 3600 + U(0, 600))
        u = UBY[who]
        sp = eph_port(u.os)
        the_id = ipid()
        for k, dly in enumerate([0, 1.03, 3.08]):
            fwsec_syn(us + s(dly), u.ip, FS1, sp, 22, u.os, 63, verdict="FWSEC-DROP ", pid_=the_id + k)


# --------------------------------------------------------------------------

FILES = [AUTH, FS1SSH, SAMBA, FWEXT, FWSEC]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "logs"),
                    help="output directory (default: logs/ beside the script)")
    args = ap.parse_args()

    gen_ts1_logins()
    gen_ts1_scanners()
    gen_fs1_logins()
    gen_cron()
    assign_pids()
    render_ssh()
    gen_sudo()
    gen_samba()
    gen_fwext()
    gen_fwsec()

    total = 0
    for sink in FILES:
        lines = sink.lines()
        path = os.path.join(args.out, sink.name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = ("\n".join(lines) + "\n").encode("ascii")
        with open(path, "wb") as f:
            f.write(data)
        total += len(data)
        print("%-22s %6d lines %9d bytes" % (sink.name, len(lines), len(data)))
    print("%-22s %6s       %9d bytes" % ("total", "", total))


if __name__ == "__main__":
    main()
