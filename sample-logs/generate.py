#!/usr/bin/env python3
"""Deterministic generator of the sample institute's security logs for the
whole year 2025 (Europe/Oslo), its registry and the findings the yearly
review must produce, for the fictional "Nordvik forskningsinstitutt".

Everything here is invented: people, keys, addresses, file names and events.
Python 3.11, standard library only.  Running it twice gives byte-identical
files: one random.Random(SEED) drives everything, per-address details come
from random.Random(<string>) (seeded by SHA-512 of the string, not by the
hash seed), no set is ever iterated, and the Europe/Oslo offsets of 2025 are
built in, so nothing depends on the machine's time zone, locale or
PYTHONHASHSEED.

Usage:  python3 generate.py [--out DIR]     (default DIR: the folder of this script)

Writes:
  DIR/logs/ts1/auth.log          RFC 3164, host ts1: OpenSSH sshd (terminal server)
  DIR/logs/fs1/sshd.log          RFC 5424, host fs1: OpenSSH sshd (operations only)
  DIR/logs/fs1/samba-audit.log   RFC 3164, host fs1: Samba vfs_full_audit
  DIR/logs/fs1/print.jsonl       JSON Lines, host fs1: print jobs (CUPS on fs1)
  DIR/logs/fw-ext/kern.log       RFC 3164, host fw-ext: netfilter LOG lines
  DIR/logs/fw-sec/kern.log       RFC 3164, host fw-sec: netfilter LOG lines
  DIR/registry/{datasets,people,authorizations,deletions}.toml
  DIR/expected-findings.json     every finding `vakt review --year 2025` must report

Before writing, the script judges its own output against review/CHECKS.md
(the function `review` below, written from that contract) and stops if the
findings differ from the planned ones (PLANNED).
"""

import argparse
import base64
import datetime as dt
import ipaddress
import json
import os
import random
import re
import sys

SEED = 20250101
R = random.Random(SEED)

# --------------------------------------------------------------------------
# time: instants are int microseconds since the Unix epoch (UTC).
# Europe/Oslo in 2025: CET (+01:00) until 2025-03-30 01:00 UTC, CEST (+02:00)
# until 2025-10-26 01:00 UTC, CET afterwards.
# --------------------------------------------------------------------------

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
NAIVE_EPOCH = dt.datetime(1970, 1, 1)
US = 1_000_000
HOUR = 3600 * US


def _naive_to_epoch_us(naive):
    d = naive - NAIVE_EPOCH
    return (d.days * 86400 + d.seconds) * US + d.microseconds


DST_START_US = _naive_to_epoch_us(dt.datetime(2025, 3, 30, 1, 0, 0))   # UTC
DST_END_US = _naive_to_epoch_us(dt.datetime(2025, 10, 26, 1, 0, 0))    # UTC
SPRING_GAP = (dt.datetime(2025, 3, 30, 2, 0), dt.datetime(2025, 3, 30, 3, 0))
AUTUMN_FOLD = (dt.datetime(2025, 10, 26, 2, 0), dt.datetime(2025, 10, 26, 3, 0))

YEAR = 2025
FIRST_DAY = dt.date(2025, 1, 1)
NDAYS = 365
DAYS = [FIRST_DAY + dt.timedelta(days=i) for i in range(NDAYS)]


def utc_offset_s(us):
    return 7200 if DST_START_US <= us < DST_END_US else 3600


def local_naive(us):
    return NAIVE_EPOCH + dt.timedelta(microseconds=us + utc_offset_s(us) * US)


def naive_to_us(naive, fold=0):
    """Local wall time -> instant; None inside the spring-forward gap; in the
    repeated autumn hour fold 0 is the first (CEST) pass, 1 the second."""
    if SPRING_GAP[0] <= naive < SPRING_GAP[1]:
        return None
    if AUTUMN_FOLD[0] <= naive < AUTUMN_FOLD[1]:
        off = 7200 if fold == 0 else 3600
    elif naive < SPRING_GAP[0]:
        off = 3600
    elif naive < AUTUMN_FOLD[0]:
        off = 7200
    else:
        off = 3600
    return _naive_to_epoch_us(naive) - off * US


def local_to_us(day, sec_of_day, fold=0):
    naive = (dt.datetime.combine(day, dt.time())
             + dt.timedelta(microseconds=int(round(sec_of_day * US))))
    return naive_to_us(naive, fold)


def at(day, hhmmss, fold=0):
    """at(date, "16:00:00") -> instant of that local wall time"""
    h, m, sec = (hhmmss.split(":") + ["0"])[:3]
    return local_to_us(day, int(h) * 3600 + int(m) * 60 + float(sec), fold)


def day_start(day):
    return local_to_us(day, 0)


def day_end(day):
    return local_to_us(day + dt.timedelta(days=1), 0)


START_US = day_start(DAYS[0])
END_US = day_end(DAYS[-1]) - 1


def stamp3164(us):
    n = local_naive(us)
    return "%s %2d %02d:%02d:%02d" % (MONTHS[n.month - 1], n.day, n.hour, n.minute, n.second)


def iso_local(us):
    n = local_naive(us)
    off = utc_offset_s(us) // 3600
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06d+%02d:00" % (
        n.year, n.month, n.day, n.hour, n.minute, n.second, n.microsecond, off)


def local_date(us):
    return local_naive(us).date()


def datestr(us):
    return local_date(us).isoformat()


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
    tot = sum(w for _, w in pairs)
    x = R.random() * tot
    for item, w in pairs:
        x -= w
        if x < 0:
            return item
    return pairs[-1][0]


def rand_between(a, b):
    """a uniformly random instant in [a, b) (real time: both passes of the
    repeated autumn hour, never the skipped spring hour)"""
    return a + int(R.random() * (b - a))


def rand_in_day(day, h0, h1):
    a = local_to_us(day, h0 * 3600)
    b = local_to_us(day, h1 * 3600) if h1 < 24 else day_end(day)
    if a is None or b is None:
        a = a if a is not None else local_to_us(day, 3 * 3600)
        b = b if b is not None else local_to_us(day, 3 * 3600)
    return rand_between(a, b)


def D(text):
    return dt.date.fromisoformat(text)


def LT(text):
    return dt.datetime.fromisoformat(text)


def drange(a, b):
    a, b = D(a), D(b)
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


def fingerprint():
    return "SHA256:" + base64.b64encode(bytes(R.randrange(256) for _ in range(32))).decode().rstrip("=")


# --------------------------------------------------------------------------
# the calendar
# --------------------------------------------------------------------------

HOLIDAYS = {
    D("2025-01-01"): "New Year's Day",
    D("2025-04-17"): "Maundy Thursday",
    D("2025-04-18"): "Good Friday",
    D("2025-04-21"): "Easter Monday",
    D("2025-05-01"): "Labour Day",
    D("2025-05-29"): "Ascension Day",
    D("2025-06-09"): "Whit Monday",
    D("2025-12-24"): "Christmas Eve (institute closed)",
    D("2025-12-25"): "Christmas Day",
    D("2025-12-26"): "Boxing Day",
    D("2025-12-31"): "New Year's Eve (institute closed)",
}


def is_workday(day):
    return day.weekday() < 5 and day not in HOLIDAYS


def christmas_week(day):
    return day >= D("2025-12-22") or day <= D("2025-01-03")


# Days off (besides holidays, weekends and random sick days).
VACATION = {
    "tor": drange("2025-07-07", "2025-07-25") + drange("2025-10-13", "2025-10-17"),
    "anne": drange("2025-07-28", "2025-08-15") + drange("2025-02-24", "2025-02-28"),
    "ola": drange("2025-07-07", "2025-07-25"),
    "kari": drange("2025-06-30", "2025-07-18") + drange("2025-02-17", "2025-02-21"),
    "ingrid": drange("2025-07-14", "2025-08-01"),
    "per": drange("2025-07-07", "2025-07-25") + drange("2025-04-14", "2025-04-16"),
    "nils": drange("2025-07-21", "2025-08-08") + drange("2025-02-24", "2025-02-28"),
    "sigrid": drange("2025-07-01", "2025-07-18"),
    "erik": drange("2025-07-07", "2025-07-25"),
    "astrid": drange("2025-07-14", "2025-08-01") + drange("2025-10-13", "2025-10-17"),
    "lars": drange("2025-06-30", "2025-07-18") + drange("2025-04-14", "2025-04-16"),
    "marit": drange("2025-02-17", "2025-02-21"),
    "ext-hansen": drange("2025-06-23", "2025-08-08"),
    "ext-berg": drange("2025-07-07", "2025-08-01"),
    "sofie": drange("2025-07-01", "2025-08-01"),
}
VACATION_SET = {u: set(days) for u, days in VACATION.items()}

# --------------------------------------------------------------------------
# the registry: people, datasets, authorisations, deletions
# --------------------------------------------------------------------------


class Person:
    def __init__(self, user, name, kind, uid=None, ip=None, os_=None, keytype=None,
                 employer=None, project=None, supervisor=None, start=None, end=None,
                 declaration=None, remote_allowed=False, note=None):
        self.user, self.name, self.kind = user, name, kind
        self.uid, self.ip, self.os, self.keytype = uid, ip, os_, keytype
        self.employer, self.project, self.supervisor = employer, project, supervisor
        self.start = D(start) if start else None
        self.end = D(end) if end else None
        self.declaration = D(declaration) if declaration else None
        self.remote_allowed = remote_allowed
        self.note = note
        self.fp = fingerprint() if uid else None


PEOPLE = [
    Person("gunn", "Gunn Hagen", "employee", start="2012-01-01",
           note="director: approves every authorisation; does not use the secure zone"),
    Person("tor", "Tor Aasen", "operations", 1011, "10.10.3.5", "linux", "ED25519",
           start="2016-08-01", declaration="2016-08-01",
           note="head of operations and IT manager (approves firewall exceptions)"),
    Person("anne", "Anne Lie", "operations", 1013, "10.10.3.6", "linux", "ED25519",
           start="2021-02-01", declaration="2021-02-01", note="operations"),
    Person("ola", "Ola Nordmann", "employee", 1001, "10.10.1.21", "linux", "ED25519",
           project="p2041", start="2014-09-01", declaration="2016-05-10",
           note="project leader p2041"),
    Person("kari", "Kari Holm", "employee", 1002, "10.10.1.22", "windows", "RSA",
           project="p2071", start="2011-03-01", declaration="2016-05-10",
           note="register owner of the health registers, project leader p2071"),
    Person("ingrid", "Ingrid Solheim", "employee", 1003, "10.10.1.34", "linux", "ED25519",
           project="p2041", start="2019-01-07", declaration="2019-01-07"),
    Person("per", "Per Lunde", "employee", 1004, "10.10.2.14", "windows", "RSA",
           project="p2055", start="2013-08-15", declaration="2016-05-10",
           note="project leader p2055, register owner of the school and labour registers"),
    Person("nils", "Nils Dahle", "employee", 1005, "10.10.2.23", "linux", "ED25519",
           project="p2055", start="2020-08-17", declaration="2020-08-17"),
    Person("sigrid", "Sigrid Moe", "employee", 1006, "10.10.2.31", "windows", "ED25519",
           project="p2055", start="2018-02-01", declaration="2018-02-01"),
    Person("erik", "Erik Strand", "employee", 1007, "10.10.2.40", "linux", "ED25519",
           project="p2055", start="2021-09-01", end="2025-08-29", declaration="2021-09-01",
           note="left the institute on Friday 2025-08-29"),
    Person("astrid", "Astrid Vik", "employee", 1008, "10.10.3.12", "windows", "ED25519",
           project="p2060", start="2015-01-05", declaration="2016-05-10",
           note="project leader p2060"),
    Person("lars", "Lars Eide", "employee", 1009, "10.10.3.18", "linux", "ED25519",
           project="p2060", start="2022-03-01", declaration="2022-03-01"),
    Person("marit", "Marit Fjeld", "employee", 1010, "10.10.1.45", "windows", "ECDSA",
           project="p2060", start="2017-10-01", end="2025-05-31", declaration="2017-10-01",
           note="left the institute on Saturday 2025-05-31 (last working day Friday 30 May)"),
    Person("ext-hansen", "Jon Hansen", "external", 1012, "10.10.3.27", "windows", "ED25519",
           employer="University of Oslo", project="p2060", supervisor="astrid",
           start="2024-01-15", declaration="2024-01-15",
           note="guest researcher, in the office on Mondays, Wednesdays and Thursdays"),
    Person("ext-berg", "Eva Berg", "external", 1014, "10.10.3.28", "linux", "ED25519",
           employer="NTNU", project="p2071", supervisor="kari", start="2025-02-01",
           declaration="2025-02-01", remote_allowed=True,
           note="guest researcher; the director allows her to work from home over the VPN"),
    Person("ext-dahl", "Hans Dahl", "external", 1015, "10.10.2.51", "windows", "ED25519",
           employer="Dataplan AS", project="p2055", supervisor="per", start="2025-03-03",
           end="2025-06-13", declaration="2025-03-03",
           note="consultant validating the school register extract; contract ended 2025-06-13 16:00"),
    Person("ext-aas", "Lene Aas", "external", 1016, "10.10.2.52", "windows", "ED25519",
           employer="Dataplan AS", project="p2055", supervisor="per", start="2025-03-03",
           end="2025-06-13", declaration="2025-03-03",
           note="consultant, as ext-dahl"),
    Person("jonas", "Jonas Brekke", "student", 1017, "10.10.1.60", "linux", "ED25519",
           employer="University of Oslo", project="p2060", supervisor="lars",
           start="2025-06-02", end="2025-08-15", declaration="2025-06-04",
           note="summer student"),
    Person("sofie", "Sofie Lund", "student", 1018, "10.10.1.61", "windows", "ED25519",
           employer="University of Bergen", project="p2041", supervisor="ola",
           start="2025-01-06", end="2025-12-19", declaration="2025-01-06",
           note="master's student"),
]
PBY = {p.user: p for p in PEOPLE}
USERS = [p for p in PEOPLE if p.uid]            # people with an account on ts1


def DS(id_, name, sens, ident, cls, zone, area, paths=(), owner=None, project=None,
       source=None, documentation=None, licence=None, delete_by=None, deletion_rule=None,
       derived_from=None, exception=None, exception_until=None, received=None,
       files=(), restricted=False, note=None):
    return {"id": id_, "name": name, "sensitivity": sens, "identifiability": ident,
            "class": cls, "zone": zone, "area": area, "paths": list(paths), "owner": owner,
            "project": project, "source": source, "documentation": documentation,
            "licence": licence, "delete_by": D(delete_by) if delete_by else None,
            "deletion_rule": deletion_rule, "derived_from": derived_from,
            "exception": exception,
            "exception_until": D(exception_until) if exception_until else None,
            "received": D(received) if received else None,
            # generator only (not written to datasets.toml):
            "files": list(files), "restricted": restricted, "note": note}


DATASETS = [
    DS("hudreg", "Hudregisteret, uttrekk 2023-2024", "S", 3, "B", "secure", "data",
       ["/data/hudreg"], owner="kari", project="p2041", source="Hudregisteret",
       documentation="hudreg/kodebok_hudreg_v3.pdf", licence="REK 2022/41977",
       delete_by="2027-12-31", deletion_rule="delete when p2041 ends",
       received="2023-05-12",
       files=["/data/hudreg/2023/hudreg_2023_pseudo.csv", "/data/hudreg/2024/hudreg_2024_pseudo.csv",
              "/data/hudreg/2024/diagnoser_icd10.csv", "/data/hudreg/kodebok_hudreg_v3.pdf",
              "/data/hudreg/LESMEG.txt"]),
    DS("skolereg", "Nasjonalt skoleregister, elever 2019-2024", "I", 4, "C", "secure", "data",
       ["/data/skolereg"], owner="per", project="p2055", source="Utdanningsdirektoratet",
       licence="DPIA 2023-07", delete_by="2028-06-30", received="2024-01-22",
       files=["/data/skolereg/elever_2019_2023.parquet", "/data/skolereg/karakterer_vg1_2023.dta",
              "/data/skolereg/karakterer_vg1_2024.dta", "/data/skolereg/skoler_koder.csv",
              "/data/skolereg/dokumentasjon/variabelliste.xlsx"]),
    DS("survey2024", "Levekårsundersøkelse 2024, svar", "I", 5, "D", "secure", "data",
       ["/data/survey2024"], owner="astrid", project="p2060", source="own survey",
       delete_by="2027-12-31", received="2024-11-04",
       files=["/data/survey2024/raw/responses_wave1.sav", "/data/survey2024/raw/responses_wave2.sav",
              "/data/survey2024/clean/survey2024_clean_v5.dta", "/data/survey2024/codebook.xlsx",
              "/data/survey2024/weights/design_weights.csv"]),
    DS("helseatlas", "Helseatlas for hudsykdommer, aggregerte tabeller", "S", 7, "E", "secure",
       "data", ["/data/helseatlas"], owner="ola", project="p2041", derived_from="hudreg",
       documentation="helseatlas/LESMEG.txt", received="2025-01-15",
       files=["/data/helseatlas/tabeller_2024.xlsx", "/data/helseatlas/LESMEG.txt"]),
    DS("kommunetall", "Kommunetall 2024 (offentlig statistikk)", "O", 7, "F", "secure", "data",
       ["/data/kommunetall"], project="p2060", source="SSB statistikkbanken",
       files=["/data/kommunetall/kommuner_2024.csv", "/data/kommunetall/befolkning_2024.csv"]),
    DS("legemiddel2019", "Reseptregisteret, utleveringer 2019", "S", 4, "B", "secure", "data",
       ["/data/legemiddel2019"], owner="kari", project="p2071", source="Reseptregisteret",
       licence="REK 2020/11873", delete_by="2025-10-31", received="2021-02-15",
       files=["/data/legemiddel2019/utlevering_2019.parquet", "/data/legemiddel2019/pasienter_2019.parquet",
              "/data/legemiddel2019/LESMEG.txt", "/data/legemiddel2019/tillegg/atc_koder.csv",
              "/data/legemiddel2019/tillegg/ddd_2019.csv"]),
    DS("tannhelse", "Tannhelseregisteret, uttrekk til p2055", "I", 3, "C", "secure", "project",
       ["/prosjekt/p2055/tannhelse"], owner="per", project="p2055", source="KPR tannhelse",
       delete_by="2025-09-30", received="2023-09-01",
       files=["/prosjekt/p2055/tannhelse/behandlinger_2018_2023.parquet",
              "/prosjekt/p2055/tannhelse/pasienter.parquet",
              "/prosjekt/p2055/tannhelse/dokumentasjon.pdf"]),
    DS("sykefravaer", "Sykefraværsstatistikk, individdata", "I", 4, "C", "secure", "data",
       ["/data/sykefravaer"], owner="per", project="p2055", source="NAV",
       delete_by="2025-06-30", received="2022-06-20",
       files=["/data/sykefravaer/sykefravaer_2015_2023.parquet", "/data/sykefravaer/arbeidsgivere.csv",
              "/data/sykefravaer/kodebok.pdf"]),
    DS("pasientreiser", "Pasientreiser 2017-2022", "S", 4, "B", "secure", "data",
       ["/data/pasientreiser"], owner="kari", project="p2041", source="Pasientreiser HF",
       delete_by="2025-03-31", received="2023-02-01",
       files=["/data/pasientreiser/reiser_2017_2022.parquet", "/data/pasientreiser/kodebok.pdf"]),
    DS("kobling-feb", "Koblingsnøkkel fødselsnummer-løpenummer, februar", "S", 1, "A",
       "secure", "data", ["/data/kobling-2025-02"], owner="kari", project="p2041",
       source="Folkeregisteret via SSB", delete_by="2025-03-04",
       deletion_rule="delete after linking, within 30 days", received="2025-02-03",
       files=["/data/kobling-2025-02/koblingsnokkel.csv", "/data/kobling-2025-02/LESMEG.txt"],
       restricted=True),
    DS("fnr-kobling", "Koblingsfil med fødselsnummer, oktober", "S", 1, "A", "secure", "data",
       ["/data/fnr-kobling-2025"], owner="kari", project="p2071",
       source="Folkeregisteret via SSB", deletion_rule="delete after linking, within 30 days",
       received="2025-10-20",
       files=["/data/fnr-kobling-2025/koblingsfil.csv", "/data/fnr-kobling-2025/LESMEG.txt"],
       restricted=True),
    DS("bedriftspanel", "Bedriftspanel 2010-2024", "T", 5, "D", "secure", "data",
       ["/data/bedriftspanel"], project="p2071", source="Brønnøysundregistrene",
       delete_by="2026-12-31", received="2025-02-10",
       files=["/data/bedriftspanel/panel_2010_2024.dta", "/data/bedriftspanel/naeringskoder.csv"]),
    DS("intervjuer", "Intervjuer med lærere (lydfiler og transkripsjoner)", "S", 5, "B",
       "secure", "user", ["/home/sigrid/intervjuer"], owner="sigrid", project="p2055",
       delete_by="2026-06-30", received="2024-10-15",
       files=["/home/sigrid/intervjuer/transkripsjon_03.docx",
              "/home/sigrid/intervjuer/transkripsjon_07.docx",
              "/home/sigrid/intervjuer/koding.xlsx"]),
    DS("reseptreg", "Reseptregisteret, aggregert uttrekk med løpenummer", "S", 3, "B",
       "internal", "data", [], owner="kari", project="p2071", source="Reseptregisteret",
       delete_by="2026-12-31", received="2025-01-20",
       note="kept on the office file server"),
    DS("arbeidsmarked", "Arbeidsmarkedstiltak, individdata", "I", 4, "C", "internal", "data",
       [], owner="per", project="p2055", source="NAV", delete_by="2026-06-30",
       exception="director's decision 2025-03-03: processed at the partner's premises",
       exception_until="2025-06-30", received="2025-03-03"),
]
DBY = {d["id"]: d for d in DATASETS}


def G(id_, user, scope, granted_by, approved_by, verified_by, from_, until=None,
      revoked=None, note=None):
    def moment(text):
        if text is None:
            return None
        return LT(text) if "T" in text else D(text)
    return {"id": id_, "user": user, "scope": scope, "granted_by": granted_by,
            "approved_by": approved_by, "verified_by": verified_by,
            "from": moment(from_), "until": moment(until), "revoked": moment(revoked),
            "note": note}


Y0, Y1 = "2025-01-01", "2025-12-31"
GRANTS = [
    # secure zone (3.3.g): granted and approved by the director, need verified by the leader
    G("sz-tor", "tor", "secure-zone", "gunn", "gunn", "anne", Y0, Y1),
    G("sz-anne", "anne", "secure-zone", "gunn", "gunn", "tor", Y0, Y1),
    G("sz-ola-2024", "ola", "secure-zone", "gunn", "gunn", "kari", "2024-01-01", "2024-12-31",
      note="last year's grant, ends when 2025 begins"),
    G("sz-ola", "ola", "secure-zone", "gunn", "gunn", "kari", Y0, Y1),
    G("sz-kari", "kari", "secure-zone", "gunn", "gunn", "ola", Y0, Y1),
    G("sz-ingrid", "ingrid", "secure-zone", "gunn", "gunn", "ola", "2024-07-01", "2025-06-30"),
    G("sz-ingrid-2", "ingrid", "secure-zone", "gunn", "gunn", "ola", "2025-07-01", "2026-06-30"),
    G("sz-per", "per", "secure-zone", "gunn", "gunn", "kari", Y0, Y1),
    G("sz-nils", "nils", "secure-zone", "gunn", "gunn", "per", Y0, Y1),
    G("sz-sigrid", "sigrid", "secure-zone", "gunn", "gunn", "per", "2024-10-01", "2025-09-30"),
    G("sz-sigrid-2", "sigrid", "secure-zone", "gunn", "gunn", "per", "2025-10-13", "2026-09-30"),
    G("sz-erik", "erik", "secure-zone", "gunn", "gunn", "per", Y0, Y1),
    G("sz-astrid", "astrid", "secure-zone", "gunn", "gunn", "ola", Y0, Y1),
    G("sz-lars", "lars", "secure-zone", "gunn", "gunn", "astrid", Y0, Y1),
    G("sz-marit", "marit", "secure-zone", "gunn", "gunn", "astrid", Y0, "2025-05-31"),
    G("sz-hansen", "ext-hansen", "secure-zone", "gunn", "gunn", "astrid", Y0, Y1),
    G("sz-berg", "ext-berg", "secure-zone", "gunn", "gunn", "kari", "2025-02-01", "2026-01-31"),
    G("sz-dahl", "ext-dahl", "secure-zone", "gunn", "gunn", "per", "2025-03-03", "2025-06-13"),
    G("sz-aas", "ext-aas", "secure-zone", "gunn", "gunn", "per", "2025-03-03", "2025-06-13"),
    G("sz-jonas", "jonas", "secure-zone", "gunn", "gunn", "lars", "2025-06-02", "2025-08-15"),
    G("sz-sofie", "sofie", "secure-zone", "gunn", "gunn", "ola", "2025-01-06", "2025-12-19"),
    # storage areas of operations (3.4.c)
    G("ar-tor-system", "tor", "area:system", "gunn", "gunn", "anne", "2016-08-01"),
    G("ar-tor-program", "tor", "area:program", "gunn", "gunn", "anne", Y0, Y1),
    G("ar-anne-system", "anne", "area:system", "gunn", "gunn", "tor", Y0, Y1),
    G("ar-anne-program", "anne", "area:program", "gunn", "gunn", "tor", Y0, Y1),
    # project areas (3.4.f): granted by the project leader after the director's approval
    G("pr-ola-p2041", "ola", "project:p2041", "ola", "gunn", "kari", Y0, Y1),
    G("pr-kari-p2041", "kari", "project:p2041", "ola", "gunn", "ola", Y0, Y1),
    G("pr-ingrid-p2041", "ingrid", "project:p2041", "ola", "gunn", "ola", Y0, Y1),
    G("pr-sofie-p2041", "sofie", "project:p2041", "ola", "gunn", "ola", "2025-01-06", "2025-12-19"),
    G("pr-per-p2055", "per", "project:p2055", "per", "gunn", "kari", Y0, Y1),
    G("pr-nils-p2055", "nils", "project:p2055", "per", "gunn", "per", "2024-09-01", "2025-12-31"),
    G("pr-sigrid-p2055", "sigrid", "project:p2055", "per", "gunn", "per", Y0, Y1),
    G("pr-erik-p2055", "erik", "project:p2055", "per", "gunn", "per", Y0, "2025-08-29"),
    G("pr-astrid-p2060", "astrid", "project:p2060", "astrid", "gunn", "ola", Y0, Y1),
    G("pr-lars-p2060", "lars", "project:p2060", "astrid", "gunn", "astrid", Y0, Y1),
    G("pr-marit-p2060", "marit", "project:p2060", "astrid", "gunn", "astrid", Y0, "2025-05-31",
      revoked="2025-05-30T16:30:00"),
    G("pr-hansen-p2060", "ext-hansen", "project:p2060", "astrid", "gunn", "astrid", Y0, Y1),
    G("pr-ingrid-p2060", "ingrid", "project:p2060", "astrid", "gunn", "astrid", Y0, Y1),
    G("pr-jonas-p2060", "jonas", "project:p2060", "astrid", "gunn", "lars", "2025-06-02", "2025-08-15"),
    G("pr-kari-p2071", "kari", "project:p2071", "kari", "gunn", "ola", Y0, Y1),
    G("pr-berg-p2071", "ext-berg", "project:p2071", "kari", "gunn", "kari", "2025-02-01", "2026-01-31"),
    # datasets (3.4.d-e): granted by the register owner after the director's approval
    G("ds-ingrid-hudreg", "ingrid", "dataset:hudreg", "kari", "kari", "kari", Y0, Y1),
    G("ds-kari-kobling", "kari", "dataset:kobling-feb", "kari", "gunn", "ola", "2025-02-03", "2025-03-04"),
    G("ds-kari-fnr", "kari", "dataset:fnr-kobling", "kari", "gunn", "ola", "2025-10-20", Y1),
    G("ds-dahl-skolereg", "ext-dahl", "dataset:skolereg", "per", "gunn", "nils", "2025-03-03",
      "2025-06-13T15:59:59", note="ends with the contract"),
    G("ds-aas-skolereg", "ext-aas", "dataset:skolereg", "per", "gunn", "nils", "2025-03-03",
      "2025-06-13T16:00:01", note="ends with the contract"),
    G("ds-erik-skolereg", "erik", "dataset:skolereg", "per", "gunn", "nils", Y0, Y1,
      revoked="2025-08-29T15:00:00"),
    G("ds-tor-legemiddel", "tor", "dataset:legemiddel2019", "kari", "gunn", "kari",
      "2025-10-20", "2025-10-31", note="to carry out the deletion"),
]

DELETIONS = [
    {"dataset": "kobling-feb", "date": D("2025-02-27"), "method": "deleted on fs1 (unlinkat), no copies",
     "copies": [], "by": "kari"},
    {"dataset": "pasientreiser", "date": D("2025-04-10"), "method": "deleted on fs1 (unlinkat)",
     "copies": [], "by": "kari"},
    {"dataset": "tannhelse", "date": D("2025-09-15"), "method": "deleted on fs1 (unlinkat) with its copies",
     "copies": ["/prosjekt/p2055/arbeid/tannhelse_utvalg.csv"], "by": "per"},
    {"dataset": "legemiddel2019", "date": D("2025-10-26"), "method": "deleted on fs1 (unlinkat)",
     "copies": [], "by": "tor"},
]
DELETION_OF = {x["dataset"]: x for x in DELETIONS}

# --------------------------------------------------------------------------
# the network
# --------------------------------------------------------------------------

TS1, FS1, PRT1 = "10.20.0.10", "10.20.0.20", "10.20.0.30"
FWEXT_INT = "10.10.0.1"      # fw-ext inside address
VPN_GW = "10.10.0.2"         # OpenVPN gateway (TCP 1194 published)
WEB1 = "10.10.0.25"          # web server (https published)
TRANSFER = "10.10.0.40"      # transfer host: SFTP deliveries in, approved exports out
DNS1 = "10.10.0.53"          # office resolver
PROVIDER_NET = "193.161.171"  # the data provider's SFTP clients (invented)

MAC_FWEXT_ETH0 = "00:0d:b9:5a:21:e0"
MAC_FWEXT_ETH1 = "00:0d:b9:5a:21:e1"
MAC_ISP_GW = "84:b8:02:6c:1f:40"
MAC_FWSEC_ETH1 = "52:54:00:12:34:56"
MAC_FWSEC_ETH2 = "52:54:00:12:34:57"
SECURE_MAC = {TS1: "52:54:00:5e:0a:0a", FS1: "52:54:00:5e:0a:14", PRT1: "52:54:00:5e:0a:1e"}
OFFICE_MAC = {DNS1: "52:54:00:7d:00:35", WEB1: "52:54:00:7d:00:19", VPN_GW: "52:54:00:7d:00:02",
              TRANSFER: "52:54:00:7d:00:28"}
WS_OUIS = ["f8:bc:12", "54:e1:ad", "3c:52:82", "8c:16:45", "d4:81:d7"]


def office_mac(ip):
    if ip.startswith("10.10.250."):
        return OFFICE_MAC[VPN_GW]            # VPN clients are routed by the gateway
    if ip not in OFFICE_MAC:
        r = random.Random("mac:" + ip)       # stable per address
        OFFICE_MAC[ip] = "%s:%02x:%02x:%02x" % (
            r.choice(WS_OUIS), r.randrange(256), r.randrange(256), r.randrange(256))
    return OFFICE_MAC[ip]


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
HOME_OF = {"ext-hansen": "81.167.44.203", "ext-berg": "84.212.9.117", "erik": "92.221.40.18",
           "ola": "81.166.201.33", "kari": "84.210.77.140", "per": "193.212.40.61",
           "lars": "92.220.131.7", "tor": "81.191.5.92", "anne": "84.215.3.44"}
PROVIDER_CLIENTS = ["%s.%d" % (PROVIDER_NET, x) for x in (21, 22, 40)]
EXT_443 = ["142.250.74.110", "142.250.74.142", "172.217.21.174", "151.101.2.132",
           "151.101.194.49", "140.82.121.3", "140.82.121.4", "185.199.108.133",
           "13.107.42.14", "20.190.159.2", "52.97.146.162", "104.16.132.229",
           "129.240.118.130", "129.240.171.52", "158.36.161.111", "193.156.90.12",
           "152.199.19.161", "34.107.243.93"]
EXT_80 = ["151.101.194.132", "129.240.118.130", "91.189.91.82"]
EXT_DNS = ["1.1.1.1", "1.0.0.1", "9.9.9.9"]
EXT_SSH = ["129.240.114.36", "129.240.114.37"]    # university login nodes
PYPI = "151.101.0.223"
EXT_DROP_FROM_TS1 = [PYPI, "151.101.64.223", "140.82.121.3", "185.199.108.133", "146.75.118.132"]
BRUTE_NAMES = ["admin", "oracle", "test", "user", "ubuntu", "postgres", "git", "ftpuser",
               "guest", "deploy", "pi", "support", "hadoop", "dev", "minecraft", "steam",
               "jenkins", "www", "ansible", "es", "debian", "test1", "admin1", "mysql",
               "ubnt", "centos", "service", "odoo", "sol", "validator", "nginx", "backup"]
VENDOR_RDP = "46.246.122.77"     # the Stata reseller's remote-support client (invented)

# --------------------------------------------------------------------------
# output records
# --------------------------------------------------------------------------


class Sink:
    seq = 0

    def __init__(self, name, host, stream, rfc3164):
        self.name, self.host, self.stream, self.rfc3164 = name, host, stream, rfc3164
        self.recs = []

    def add(self, us, line, ev=None):
        Sink.seq += 1
        self.recs.append([us, Sink.seq, line, ev])

    def finish(self):
        self.recs = [r for r in self.recs if START_US <= r[0] <= END_US]
        self.recs.sort(key=lambda r: (r[0], r[1]))


AUTH = Sink("ts1/auth.log", "ts1", "sessions", True)
FS1SSH = Sink("fs1/sshd.log", "fs1", "sessions", False)
SAMBA = Sink("fs1/samba-audit.log", "fs1", "access", True)
PRINT = Sink("fs1/print.jsonl", "fs1", "access", False)
FWEXT = Sink("fw-ext/kern.log", "fw-ext", "firewall", True)
FWSEC = Sink("fw-sec/kern.log", "fw-sec", "firewall", True)
SINKS = [AUTH, FS1SSH, SAMBA, PRINT, FWEXT, FWSEC]

# kernel boot instants (uptime in [...] = us - boot, with a little clock skew)
BOOT = {"fw-ext": START_US - s(1612870.25), "fw-sec": START_US - s(953640.8)}


def kern(host, us, msg):
    up = int((us - BOOT[host]) * (1 - 4e-6))
    sink = FWEXT if host == "fw-ext" else FWSEC
    sink.add(us, "%s %s kernel: [%5d.%06d] %s" % (stamp3164(us), host, up // US, up % US, msg))


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


def secure_out_syn(us, src, dst, dpt, verdict, also_fwext=False):
    """A SYN from a secure host to the office or the internet (eth2 -> eth1)."""
    sp = R.randint(32768, 60999)
    the_id = ipid()
    kern("fw-sec", us, tcp(verdict, "eth2", "eth1", macs(MAC_FWSEC_ETH2, SECURE_MAC[src]),
                           src, dst, 60, 63, the_id, True, sp, dpt, 64240, "SYN"))
    if also_fwext:
        kern("fw-ext", us + s(U(0.0002, 0.0009)),
             tcp("FWEXT-ACCEPT " if "ACCEPT" in verdict else "FWEXT-DROP ", "eth1", "eth0",
                 macs(MAC_FWEXT_ETH1, MAC_FWSEC_ETH1), src, dst, 60, 62, the_id, True, sp, dpt,
                 64240, "SYN"))


# --------------------------------------------------------------------------
# SSH connections (ts1 and fs1)
# --------------------------------------------------------------------------

class Conn:
    """One TCP connection to sshd. events: (us, role, pri, msg, ev); role 'm' =
    monitor process (the connection's pid), 'c' = post-auth child process;
    ev is the structured login the review sees, or None."""

    def __init__(self, host, src, sport):
        self.host, self.src, self.sport = host, src, sport
        self.events = []
        self.t_child = None
        self.session = None
        self.pid = self.cpid = None

    def ev(self, us, msg, role="m", pri=38, ev=None):
        self.events.append((us, role, pri, msg, ev))


def build_login(conn, user, t0, t_end, method, otp_fail=False, end="normal"):
    """Successful login on conn; t0 = SYN time.  Returns (t_open, t_close)."""
    ip, p, u = conn.src, conn.sport, user.user
    keytype, fp = user.keytype, user.fp
    t = t0 + s(U(0.09, 0.55))
    login = {"server": conn.host, "user": u, "src": ip}
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
        conn.ev(t, "Accepted keyboard-interactive/pam for %s from %s port %d ssh2" % (u, ip, p),
                ev=dict(login, mfa=True))
    elif method == "pubkey":
        conn.ev(t, "Accepted publickey for %s from %s port %d ssh2: %s %s" % (u, ip, p, keytype, fp),
                ev=dict(login, mfa=False))
    elif method == "password":
        t += s(U(0.25, 0.4))
        conn.ev(t, "Accepted password for %s from %s port %d ssh2" % (u, ip, p),
                ev=dict(login, mfa=False))
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
    ip, p, u = conn.src, conn.sport, user.user
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
    """key accepted, the user gives up at the one-time-code prompt"""
    ip, p, u = conn.src, conn.sport, user.user
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


def ssh_syn_path(conn, t_syn, os_, ttl_ext=None, ipid_=None, win=None):
    """firewall lines for the SYN that opened conn (t_syn = time at fw-sec); none
    for connections inside the secure zone."""
    dst = TS1 if conn.host == "ts1" else FS1
    if is_secure(conn.src):
        return
    the_id = ipid_ or ipid()
    if is_office(conn.src):
        fwsec_syn(t_syn, conn.src, dst, conn.sport, 22, os_, OS_PROFILE[os_][0] - 1, pid_=the_id)
    else:
        length = OS_PROFILE[os_][1]
        w = win or OS_PROFILE[os_][2]
        kern("fw-ext", t_syn - s(U(0.0002, 0.0009)),
             tcp("FWEXT-ACCEPT ", "eth0", "eth1", macs(MAC_FWEXT_ETH0, MAC_ISP_GW), conn.src, dst,
                 length, ttl_ext, the_id, True, conn.sport, 22, w, "SYN"))
        fwsec_syn(t_syn, conn.src, dst, conn.sport, 22, os_, ttl_ext - 1, pid_=the_id,
                  length=length, win=w)


# --------------------------------------------------------------------------
# Samba vfs_full_audit on fs1 (client = ts1) and print jobs
# --------------------------------------------------------------------------

SAMBA_OPS = {"pread": "read", "pwrite": "write", "unlinkat": "delete", "mkdirat": "create"}


def samba_event(user, share, op, rest):
    """the access event the Samba parser makes of a line (for the self-check)"""
    fields = rest.split("|")
    success = fields[0] == "ok"
    args = fields[1:]
    target = None
    if op in ("connect", "disconnect"):
        operation, rel = op, ""
    elif op == "openat":
        operation, rel = ("write" if args[0] == "w" else "read"), args[1]
    elif op == "renameat":
        operation, rel, target = "rename", args[0], "/%s/%s" % (share, args[1])
    else:
        operation, rel = SAMBA_OPS[op], args[0]
    path = "/%s/%s" % (share, rel) if rel else "/" + share
    return {"host": "fs1", "user": user, "op": operation, "path": path, "target": target,
            "success": success}


def smb(us, user, share, op, rest):
    SAMBA.add(us, "%s fs1 smbd_audit: %s|%s|ts1|%s|%s|%s" % (stamp3164(us), user, TS1, share, op, rest),
              samba_event(user, share, op, rest))


PRINT_JOBS = [1207]      # CUPS numbers the jobs


def print_job(us, user, path, pages):
    PRINT_JOBS[0] += 1
    line = json.dumps({"stream": "access", "time": iso_local(us), "host": "fs1", "user": user,
                       "operation": "print", "path": path, "success": True,
                       "client_ip": TS1, "client_name": "ts1", "share": "print",
                       "session": "job-%d/%dp" % (PRINT_JOBS[0], pages)}, separators=(",", ":"))
    PRINT.add(us, line, {"host": "fs1", "user": user, "op": "print", "path": path,
                         "target": None, "success": True})


def split_path(path):
    """/share/rel -> (share, rel)"""
    share, rel = path[1:].split("/", 1)
    return share, rel


class Ops:
    """the audit lines of one activity on one share, spaced a little in time"""

    def __init__(self, user, share, t, limit):
        self.user, self.share, self.t, self.limit = user, share, t, limit

    def pause(self, a, b):
        self.t = max(self.t, min(self.t + s(U(a, b)), self.limit))

    def __call__(self, op, rest, gap=(0.001, 0.08)):
        self.t += s(U(*gap))
        smb(self.t, self.user, self.share, op, rest)

    def exact(self, us, op, rest):
        """a line at exactly `us` (whole second: syslog keeps seconds only)"""
        self.t = us
        smb(self.t, self.user, self.share, op, rest)

    def read(self, rel, n=None):
        self("openat", "ok|r|" + rel)
        for _ in range(n if n is not None else R.randint(1, 2)):
            self("pread", "ok|" + rel, (0.0005, 0.2))

    def write(self, rel, n=None):
        self("openat", "ok|w|" + rel)
        for _ in range(n if n is not None else R.randint(1, 2)):
            self("pwrite", "ok|" + rel, (0.0005, 0.15))

    def unlink(self, rel):
        self("unlinkat", "ok|" + rel, (0.01, 0.4))

    def deny(self, rel, mode="r"):
        self("openat", "fail (Permission denied)|%s|%s" % (mode, rel))

    def enoent(self, rel):
        self("openat", "fail (No such file or directory)|r|" + rel)


PROJECTS = {
    "p2041": {"lang": "R", "leader": "ola"},
    "p2055": {"lang": "stata", "leader": "per"},
    "p2060": {"lang": "python", "leader": "astrid"},
    "p2071": {"lang": "R", "leader": "kari"},
}

PROJECT_FILES = {
    "p2041": {
        "scripts": ["analyse/01_import.R", "analyse/02_clean.R", "analyse/model.R", "analyse/figurer.R"],
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
        "outputs": ["figurer/fig3.png", "figurer/fig4.png", "output/estimater.csv", "data/merged.parquet"],
        "docs": ["notat/metode.md"],
    },
    "p2071": {
        "scripts": ["R/01_les_legemiddel.R", "R/02_panel.R", "R/03_figurer.R"],
        "inputs": ["data/utvalg.rds", "R/hjelpefunksjoner.R"],
        "outputs": ["output/forbruk_atc.csv", "figurer/trend.png", "data/utvalg.rds"],
        "docs": ["notat/prosjektplan.docx"],
    },
}


def printable(proj):
    pf = PROJECT_FILES[proj]
    return [f for f in pf["outputs"] + pf["docs"]
            if not f.startswith("data/") and f.endswith((".pdf", ".png", ".docx", ".csv", ".xlsx", ".txt", ".md"))]


HOME_FILES = ["notater/todo.md", "notater/mote-%s.md", "skisser/test.R", "skisser/scratch.py",
              "Downloads/artikkel_%d.pdf", ".Rhistory", "CV/publikasjoner.bib"]
R_PACKAGES = ["arrow", "fixest", "data.table", "ggplot2", "survey", "haven", "broom", "sf"]
ADO_PACKAGES = ["reghdfe", "ftools", "estout", "coefplot", "ivreg2"]
SYSTEM_FILES = ["etc/samba/smb.conf", "etc/sssd/sssd.conf", "etc/krb5.conf",
                "etc/cron.d/backup-fs1", "scripts/backup.sh", "scripts/check_quota.sh"]


def act_project(o, proj):
    pf = PROJECT_FILES[proj]
    lang = PROJECTS[proj]["lang"]
    kind = wpick([("run", 0.45), ("edit", 0.3), ("doc", 0.1), ("misc", 0.15)])
    if kind == "run":
        script = proj + "/" + pick(pf["scripts"])
        if lang == "R" and chance(0.2):
            o.enoent(proj + "/.Rprofile")
        o.read(script, 1)
        for inp in R.sample(pf["inputs"], wpick([(1, 0.7), (2, 0.3)])):
            o.read(proj + "/" + inp, R.randint(1, 2))
        out = proj + "/" + pick(pf["outputs"])
        if lang == "stata" and out.endswith(".dta"):
            tmp = "%s/data/ST_%04x.tmp" % (proj, R.randrange(65536))
            o.write(tmp, R.randint(1, 3))
            o("renameat", "ok|%s|%s" % (tmp, out))
        else:
            o.write(out)
    elif kind == "edit":
        f = proj + "/" + pick(pf["scripts"])
        d, b = f.rsplit("/", 1)
        if b.endswith(".ipynb"):
            o.read(f, 1)
            o.pause(60, 900)
            o.write("%s/.ipynb_checkpoints/%s-checkpoint.ipynb" % (d, b[:-6]), 1)
            o.write(f, 1)
            return
        swp = "%s/.%s.swp" % (d, b)
        o.read(f, 1)
        o.write(swp, 1)
        o.pause(30, 600)
        o.write(f, 1)
        o.unlink(swp)
    elif kind == "doc":
        f = proj + "/" + pick(pf["docs"])
        d, b = f.rsplit("/", 1)
        if f.endswith(".docx"):
            lock = "%s/.~lock.%s#" % (d, b)
            o.write(lock, 1)
            o.read(f, R.randint(1, 3))
            o.pause(60, 900)
            if chance(0.6):
                o.write(f, R.randint(1, 2))
            o.unlink(lock)
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
            o.write(nd + "/" + pick(["resultater.csv", "logg.txt", "sammendrag.txt"]), 1)
        elif m == "rename":
            f = proj + "/" + pick(pf["outputs"])
            d, b = f.rsplit("/", 1)
            stem, ext = b.rsplit(".", 1)
            o("renameat", "ok|%s|%s/%s_%s.%s" % (f, d, stem, datestr(o.t).replace("-", ""), ext))
        else:
            f = proj + "/" + pick(pf["outputs"])
            d, b = f.rsplit("/", 1)
            o.unlink("%s/gammel_%s" % (d, b))


def act_dataset_file(o, path):
    share, rel = split_path(path)
    assert share == o.share
    o.read(rel, R.randint(1, 3) if rel.endswith((".csv", ".parquet", ".dta", ".sav")) else 1)


def act_home(o, user):
    f = pick(HOME_FILES)
    if "%s" in f:
        f = f % datestr(o.t)
    elif "%d" in f:
        f = f % R.randint(1, 40)
    path = "%s/%s" % (user, f)
    if chance(0.45):
        o.read(path, 1)
    elif f.startswith("Downloads/") and chance(0.3):
        o("renameat", "ok|%s.part|%s" % (path, path))
    else:
        o.write(path, 1)


def act_program(o):
    if chance(0.5):
        pkg = pick(R_PACKAGES)
        base = "R-4.4/library"
        o("mkdirat", "ok|%s/00LOCK-%s" % (base, pkg))
        for f in ["DESCRIPTION", "NAMESPACE", "R/%s.rdb" % pkg, "libs/%s.so" % pkg]:
            o.write("%s/00LOCK-%s/%s/%s" % (base, pkg, pkg, f), 1)
        o("renameat", "ok|%s/00LOCK-%s/%s|%s/%s" % (base, pkg, pkg, base, pkg), (0.5, 3))
        o.unlink("%s/00LOCK-%s" % (base, pkg))
    else:
        pkg = pick(ADO_PACKAGES)
        d = "stata18/ado/plus/%s" % pkg[0]
        o.read("stata18/ado/plus/stata.trk", 1)
        o.write("%s/%s.ado" % (d, pkg), 1)
        o.write("%s/%s.sthlp" % (d, pkg), 1)
        o.write("stata18/ado/plus/stata.trk", 1)


def act_system(o):
    f = pick(SYSTEM_FILES)
    if f.startswith("etc/") and chance(0.25):
        o.read(f, 1)
        o.pause(60, 400)
        o.write(f + ".new", 1)
        o("renameat", "ok|%s|%s.bak-%s" % (f, f, datestr(o.t).replace("-", "")))
        o("renameat", "ok|%s.new|%s" % (f, f))
    else:
        o.read(f, 1)


def share_session(user, share, t_a, t_b, activities):
    """connect, the activities spread over [t_a, t_b], disconnect"""
    smb(t_a, user, share, "connect", "ok|" + share)
    last = t_a
    if t_b - t_a > s(20) and activities:
        times = sorted(int(U(t_a + s(2), t_b - s(8))) for _ in activities)
        for t, act in zip(times, activities):
            o = Ops(user, share, max(t, last + s(0.05)), t_b - s(5))
            act(o)
            last = o.t
    smb(max(t_b, last + s(U(0.5, 5))), user, share, "disconnect", "ok|" + share)


# --------------------------------------------------------------------------
# registry moments (review/CHECKS.md: dates are whole local days)
# --------------------------------------------------------------------------

def m_start(m):
    if isinstance(m, dt.datetime):
        return naive_to_us(m)
    return day_start(m)


def m_end(m):
    if isinstance(m, dt.datetime):
        return naive_to_us(m)
    return day_start(m + dt.timedelta(days=1))


def grant_valid(g, t):
    if m_start(g["from"]) > t:
        return False
    if g["until"] is not None and not t < m_end(g["until"]):
        return False
    if g["revoked"] is not None and not t < m_start(g["revoked"]):
        return False
    return True


def grant_usable(g, a, b, margin=HOUR):
    """background activity keeps an hour away from the end of a grant"""
    return grant_valid(g, a) and grant_valid(g, b + margin)


def grants_of(user):
    return [g for g in GRANTS if g["user"] == user]


def dataset_open(ds, a, b):
    """the dataset exists and may be used in [a, b] (background activity)"""
    if ds["received"] is not None and a < day_start(ds["received"]):
        return False
    last = [x for x in (ds["delete_by"],) if x is not None]
    if ds["id"] in DELETION_OF:
        last.append(DELETION_OF[ds["id"]]["date"])
    if last and b >= day_start(min(last)):
        return False
    return True


def menu(user, a, b):
    """what a user may do on fs1 during [a, b]: (projects, dataset files)"""
    person = PBY[user]
    projects, files = [], []
    for g in grants_of(user):
        if g["scope"].startswith("project:") and grant_usable(g, a, b):
            projects.append(g["scope"].split(":", 1)[1])
    if person.kind == "operations":
        return projects, files
    for ds in DATASETS:
        if not ds["files"] or not dataset_open(ds, a, b):
            continue
        by_project = ds["project"] in projects and not ds["restricted"]
        by_grant = any(g["scope"] == "dataset:" + ds["id"] and grant_usable(g, a, b)
                       for g in grants_of(user))
        if ds["id"] == "intervjuer" and user != "sigrid":
            continue
        if by_project or by_grant:
            files.extend(ds["files"])
    return sorted(projects), files


# --------------------------------------------------------------------------
# who works when
# --------------------------------------------------------------------------

SKIP = set()          # (user, day): no background sessions that day (a special one instead)


def employed(person, day):
    return ((person.start is None or person.start <= day)
            and (person.end is None or day <= person.end))


def present(person, day):
    """in the office (or working) that day"""
    if not employed(person, day) or day in VACATION_SET.get(person.user, ()):
        return False
    if (person.user, day) in SKIP:
        return False
    if not is_workday(day):
        return False
    if christmas_week(day):
        return chance(0.12)
    if person.user == "ext-hansen":
        return day.weekday() in (0, 2, 3) and chance(0.85)
    if person.user == "ext-berg":
        return day.weekday() in (1, 3) and chance(0.85)
    return chance(0.93)


SECURE_DAY = {"operations": 0.8, "employee": 0.5, "external": 0.75, "student": 0.7}

PLAN = []      # ts1 sessions: dicts, see plan()


def plan(user, a, b, src, method="mfa", acts=(), background=True, vpn=False, fs1_hop=None,
         tags=()):
    """a ts1 session of `user` from a to b (instants) from address src.
    acts: special activities [(instant, share, fn(o))]; fs1_hop: (start, end) of
    an ssh from ts1 on to fs1 (operations)."""
    PLAN.append({"user": user, "a": a, "b": b, "src": src, "method": method, "acts": list(acts),
                 "background": background, "vpn": vpn, "fs1_hop": fs1_hop, "tags": tags})


VPN_POOL = ["10.10.250.%d" % x for x in range(10, 60)]


def vpn_ip():
    return pick(VPN_POOL)


def hours(day, h0, h1):
    return local_to_us(day, h0 * 3600), local_to_us(day, h1 * 3600)


def plan_workday(person, day):
    u = person.user
    if not chance(SECURE_DAY[person.kind]):
        return
    arr = max(7.0, R.gauss(8.3 if person.kind != "operations" else 7.9, 0.45))
    dep = min(18.3, max(arr + 5.0, R.gauss(15.9, 0.6)))
    n = wpick([(1, 0.62), (2, 0.3), (3, 0.08)])
    cuts = [arr] + sorted(U(arr + 0.7, dep - 0.7) for _ in range(n - 1)) + [dep]
    for k in range(n):
        lo, hi = cuts[k], cuts[k + 1]
        seg = hi - lo
        a, b = hours(day, lo + min(U(0.05, 0.45), 0.3 * seg), hi - min(U(0.03, 0.4), 0.3 * seg))
        if a is None or b is None or b <= a:
            continue
        plan(u, a, b, person.ip)
    if chance(0.05):                              # a quick second terminal
        h = U(arr + 0.2, dep - 0.5)
        a, b = hours(day, h, h + U(0.04, 0.25))
        plan(u, a, b, person.ip)


def plan_evening_vpn(person, day, p):
    if chance(p):
        h = U(19.0, 21.8)
        a, b = hours(day, h, min(23.6, h + U(0.3, 1.6)))
        plan(person.user, a, b, vpn_ip(), vpn=True)


def oncall_person(day):
    week = day.isocalendar()[1]
    first, second = ("tor", "anne") if week % 2 == 0 else ("anne", "tor")
    if day in VACATION_SET.get(first, ()):
        return second
    return first


def plan_oncall(day):
    """the daily backup check: ts1, the backup log on fs1, and ssh on to fs1"""
    u = oncall_person(day)
    if is_workday(day):
        h = U(7.2, 7.8)
        src = PBY[u].ip
        vpn = False
    else:
        h = U(9.0, 10.5)
        src, vpn = vpn_ip(), True
    a, b = hours(day, h, h + U(0.25, 0.5))
    hop_a = a + s(U(200, 500))
    hop_b = min(hop_a + s(U(120, 480)), b - s(60))

    def check(o, day=day):
        prev = (day - dt.timedelta(days=1)).isoformat()
        o.read("backup/logs/backup-%s.log" % prev, R.randint(1, 2))
        o.write("drift/vaktlogg-%d.txt" % day.year, 1)

    plan(u, a, b, src, vpn=vpn, acts=[(a + s(U(60, 150)), "system", check)],
         background=False, fs1_hop=(hop_a, hop_b), tags=("oncall",))


def plan_year():
    plan_specials()          # first: it marks the days it takes over in SKIP
    for day in DAYS:
        plan_oncall(day)
        for person in USERS:
            u = person.user
            if present(person, day):
                plan_workday(person, day)
            if employed(person, day) and (u, day) not in SKIP and day not in VACATION_SET.get(u, ()):
                # evenings and weekends from home over the VPN, now and then
                if u == "ext-berg":
                    if day.weekday() in (0, 2):
                        plan_evening_vpn(person, day, 0.55)
                    elif day.weekday() == 6:
                        plan_evening_vpn(person, day, 0.1)
                elif person.kind == "employee" and u in HOME_OF:
                    plan_evening_vpn(person, day, 0.02 if is_workday(day) else 0.012)
    PLAN.sort(key=lambda p: (p["a"], p["user"]))


# --------------------------------------------------------------------------
# the planned deviations (see README.md and PLANNED below)
# --------------------------------------------------------------------------

# someone with an account on ts1 who is not in people.toml
VENDOR = Person("vendor", "Stata reseller's technician", "external", 1099, "10.10.3.5", "linux", "ED25519")
ACCOUNTS = {p.user: p for p in USERS + [VENDOR]}

PER_SINGLE_FACTOR = drange("2025-02-10", "2025-02-14")   # his security key was broken
FS1_DIRECT = []        # ssh straight to fs1 from the office: (user, a, b, src)


def special(user, day, h0, h1, acts, src=None, vpn=False, background=False, skip=True):
    """a session of its own; acts: [(local "HH:MM:SS" or instant, share, fn)]"""
    day = D(day) if isinstance(day, str) else day
    a, b = hours(day, h0, h1)
    if vpn:
        src = src or vpn_ip()
    timed = []
    for when, share, fn in acts:
        t = at(day, when) if isinstance(when, str) else when
        assert a + s(60) <= t < b - s(60), (user, day, when)
        timed.append((t, share, fn))
    plan(user, a, b, src or ACCOUNTS[user].ip, acts=timed, background=background, vpn=vpn,
         tags=("special",))
    if skip:
        SKIP.add((user, day))


def unlink_all(rels):
    def fn(o):
        for rel in rels:
            o.unlink(rel)
    return fn


def read_files(rels, exact=None):
    """read files; the first at exactly `exact` (an instant) if given"""
    def fn(o):
        for k, rel in enumerate(rels):
            if k == 0 and exact is not None:
                o.exact(exact, "openat", "ok|r|" + rel)
                o("pread", "ok|" + rel, (0.01, 0.2))
            else:
                o.read(rel)
            o.pause(20, 120)
    return fn


def rename(old, new):
    def fn(o):
        o.read(old, 1)
        o.pause(5, 40)
        o("renameat", "ok|%s|%s" % (old, new))
    return fn


def plan_specials():
    # kari deletes the class A linking key of February on the 27th (clean)
    special("kari", "2025-02-27", 10.33, 10.8, [
        ("10:22:10", "data", unlink_all(["kobling-2025-02/koblingsnokkel.csv",
                                         "kobling-2025-02/LESMEG.txt", "kobling-2025-02"]))],
        skip=False)
    # marit opens a script in lars's home folder
    special("marit", "2025-03-12", 13.15, 13.6, [
        ("13:19:44", "home", read_files(["lars/skript/vekting_lars.py"]))], skip=False)
    # lars prints public municipal figures (class F: clean)
    special("lars", "2025-03-18", 14.1, 14.5, [
        ("14:12:30", "data", read_files(["kommunetall/kommuner_2024.csv"]))], skip=False)
    PRINTS.append((at(D("2025-03-18"), "14:15:02"), "lars", "/data/kommunetall/kommuner_2024.csv", 3))
    # ola prints anonymous tables of a sensitive register (identifiability 7: clean)
    special("ola", "2025-09-24", 10.5, 10.9, [
        ("10:33:10", "data", read_files(["helseatlas/tabeller_2024.xlsx"]))], skip=False)
    PRINTS.append((at(D("2025-09-24"), "10:36:41"), "ola", "/data/helseatlas/tabeller_2024.xlsx", 6))
    # pasientreiser deleted ten days after its delete_by
    special("kari", "2025-04-10", 13.0, 13.4, [
        ("13:03:40", "data", unlink_all(["pasientreiser/reiser_2017_2022.parquet",
                                         "pasientreiser/kodebok.pdf", "pasientreiser"]))],
        skip=False)

    # per installs a Stata package into the program area himself
    def install(o):
        o.read("stata18/ado/plus/stata.trk", 1)
        o.write("stata18/ado/plus/r/reghdfe.ado", 2)
        o.write("stata18/ado/plus/r/reghdfe.sthlp", 1)
        o.write("stata18/ado/plus/stata.trk", 1)
    special("per", "2025-04-23", 10.33, 10.85, [("10:24:05", "program", install)], skip=False)
    # kari prints a file of the skin register (personal data)
    special("kari", "2025-05-20", 11.5, 12.1, [
        ("11:36:20", "data", read_files(["hudreg/2024/diagnoser_icd10.csv"]))], skip=False)
    PRINTS.append((at(D("2025-05-20"), "11:41:52"), "kari", "/data/hudreg/2024/diagnoser_icd10.csv", 14))
    # the consultants' last afternoon: contract and grants end at 16:00
    skolereg = "skolereg/karakterer_vg1_2024.dta"
    special("ext-dahl", "2025-06-13", 12.7, 16.42, [
        ("13:15:12", "data", read_files(["skolereg/skoler_koder.csv"])),
        ("14:40:31", "data", read_files(["skolereg/elever_2019_2023.parquet"])),
        ("16:00:00", "data", read_files([skolereg], exact=at(D("2025-06-13"), "16:00:00")))])
    special("ext-aas", "2025-06-13", 12.9, 16.35, [
        ("13:31:40", "data", read_files(["skolereg/karakterer_vg1_2023.dta"])),
        ("14:10:05", "data", read_files(["skolereg/dokumentasjon/variabelliste.xlsx"])),
        ("16:00:00", "data", read_files(["skolereg/skoler_koder.csv"],
                                        exact=at(D("2025-06-13"), "16:00:00")))])
    # jonas starts on Monday 2 June and signs the declaration on Wednesday 4 June
    for day, h0, h1 in (("2025-06-02", 9.6, 15.2), ("2025-06-03", 8.4, 15.6), ("2025-06-04", 8.5, 15.4)):
        a, b = hours(D(day), h0 + U(0, 0.3), h1 + U(0, 0.3))
        plan("jonas", a, b, PBY["jonas"].ip, tags=("special",))
        SKIP.add(("jonas", D(day)))
    # nils moves three files out of the tannhelse extract
    special("nils", "2025-06-17", 10.0, 10.3, [
        ("10:05:31", "prosjekt", rename("p2055/tannhelse/utvalg.csv", "p2055/arbeid/tannhelse_utvalg.csv"))],
        skip=False)
    special("nils", "2025-06-18", 13.6, 13.95, [
        ("13:40:02", "prosjekt", rename("p2055/tannhelse/koder.csv", "p2055/nils/koder_tannhelse.csv"))],
        skip=False)
    special("nils", "2025-06-19", 9.45, 9.8, [
        ("09:30:45", "prosjekt", rename("p2055/tannhelse/fylker.csv", "p2055/tmp/fylker.csv"))],
        skip=False)

    # erik's last day (clean) ...
    a, b = hours(D("2025-08-29"), 13.9 + U(0, 0.2), 15.5 + U(0, 0.3))
    plan("erik", a, b, PBY["erik"].ip, tags=("special",))
    SKIP.add(("erik", D("2025-08-29")))
    # ... and his account is still open the day after he left
    def erik_home(o):
        o.read("erik/notater/todo.md", 1)
        o.pause(60, 200)
        o.write("erik/notater/overlevering.md", 2)
    special("erik", "2025-08-30", 10.2, 10.7, [("10:18:09", "home", erik_home)], vpn=True)
    # tor logs in to fs1 straight from his workstation
    a, b = hours(D("2025-09-03"), 11.04, 11.5)
    FS1_DIRECT.append(("tor", a, b, PBY["tor"].ip))
    # per deletes the tannhelse extract and two of the three copies
    special("per", "2025-09-15", 14.0, 14.45, [
        ("14:03:10", "prosjekt", unlink_all([
            "p2055/tannhelse/behandlinger_2018_2023.parquet", "p2055/tannhelse/pasienter.parquet",
            "p2055/tannhelse/dokumentasjon.pdf", "p2055/tannhelse",
            "p2055/arbeid/tannhelse_utvalg.csv", "p2055/tmp/fylker.csv"]))], skip=False)
    # ... the third copy is still there
    special("nils", "2025-10-02", 10.66, 11.0, [
        ("10:41:20", "prosjekt", read_files(["p2055/nils/koder_tannhelse.csv"]))], skip=False)
    # ext-hansen works from home over the VPN in October
    for day in ("2025-10-06", "2025-10-08", "2025-10-14", "2025-10-20", "2025-10-22", "2025-10-28"):
        h = U(19.3, 20.0)
        a, b = hours(D(day), h, h + U(0.8, 1.6))
        plan("ext-hansen", a, b, vpn_ip(), vpn=True, tags=("special",))
    # Sunday 26 October, the day clocks go back: legemiddel2019 is deleted
    special("tor", "2025-10-26", 20.9, 21.45, [
        ("21:02:33", "data", unlink_all(["legemiddel2019/utlevering_2019.parquet",
                                         "legemiddel2019/pasienter_2019.parquet",
                                         "legemiddel2019/LESMEG.txt"]))], vpn=True, skip=False)
    special("ext-berg", "2025-10-26", 23.08, 23.87, [
        ("23:31:07", "data", read_files(["legemiddel2019/tillegg/atc_koder.csv"],
                                        exact=at(D("2025-10-26"), "23:31:07")))], vpn=True)
    special("ext-berg", "2025-10-27", 8.08, 11.65, [
        ("08:12:40", "data", read_files(["legemiddel2019/tillegg/ddd_2019.csv"],
                                        exact=at(D("2025-10-27"), "08:12:40")))], background=True)

    # nils edits a script in a project he is not part of
    def edit_other(o):
        o.read("p2060/scripts/vekting.py", 1)
        o.write("p2060/scripts/.vekting.py.swp", 1)
        o.pause(120, 300)
        o.write("p2060/scripts/vekting.py", 1)
        o.unlink("p2060/scripts/.vekting.py.swp")
    special("nils", "2025-11-05", 14.0, 14.7, [("14:03:51", "prosjekt", edit_other)], skip=False)

    # per stores an extract from NAV that the data overview does not list
    def nav_new(o):
        o("mkdirat", "ok|nav-uttrekk")
        o.write("nav-uttrekk/aap_2020_2024.csv", 3)
        o.write("nav-uttrekk/LESMEG.txt", 1)
    special("per", "2025-11-10", 9.66, 10.5, [("09:44:12", "data", nav_new)], skip=False)
    special("per", "2025-11-12", 13.2, 13.6, [
        ("13:15:40", "data", read_files(["nav-uttrekk/aap_2020_2024.csv"]))], skip=False)
    special("per", "2025-11-19", 10.1, 10.4, [
        ("10:09:02", "data", read_files(["nav-uttrekk/LESMEG.txt", "nav-uttrekk/aap_2020_2024.csv"]))],
        skip=False)
    # the reseller's technician, with an account of his own
    special("vendor", "2025-11-20", 10.08, 11.58, [], skip=False)


PRINTS = []        # (instant, user, path, pages): planned print jobs


# --------------------------------------------------------------------------
# turning the plan into sshd, Samba and print lines
# --------------------------------------------------------------------------

def vpn_tunnel(person, t):
    """the OpenVPN-over-TCP connection from home that a VPN session rides on"""
    home = HOME_OF[person.user]
    os_ = person.os
    ttl0, syn_len, win, _ = OS_PROFILE[os_]
    kern("fw-ext", t, tcp("FWEXT-ACCEPT ", "eth0", "eth1", macs(MAC_FWEXT_ETH0, MAC_ISP_GW), home, VPN_GW,
                          syn_len, ttl0 - R.randint(9, 14), ipid(), True, eph_port(os_), 1194, win, "SYN"))


def method_for(p, person):
    day = local_date(p["a"])
    if person.user == "per" and day in PER_SINGLE_FACTOR:
        return "pubkey"
    return "mfa"


def background_samba(person, t_open, t_close):
    u = person.user
    dur = t_close - t_open
    if dur < s(150):
        return
    t_a0 = t_open + s(U(4, 60))
    t_b0 = t_close - s(U(2, 25))
    if t_b0 - t_a0 < s(60):
        return
    n_base = max(1, min(2, int(dur / s(9000)) + R.randint(0, 1)))
    shares = {}
    if person.kind == "operations":
        if chance(0.4):
            shares["program"] = [act_program] * max(1, n_base // 2)
        if chance(0.4):
            shares["system"] = [act_system] * max(1, n_base // 2)
        if chance(0.25) or not shares:
            shares["home"] = [lambda o: act_home(o, u)]
    else:
        projects, files = menu(u, t_open, t_close)
        if projects and chance(0.75):
            shares["prosjekt"] = [lambda o, pr=pick(projects): act_project(o, pr) for _ in range(n_base)]
        if files and chance(0.35):
            for f in R.sample(files, min(len(files), max(1, n_base // 2 + R.randint(0, 1)))):
                shares.setdefault(split_path(f)[0], []).append(lambda o, f=f: act_dataset_file(o, f))
        if chance(0.2):
            shares.setdefault("home", []).append(lambda o: act_home(o, u))
        if chance(0.01):
            mine = {split_path(f)[1].split("/")[0] for f in files}
            other = [d for d in DATASETS if d["files"] and d["area"] == "data"
                     and split_path(d["files"][0])[1].split("/")[0] not in mine]
            if other:
                f = pick(pick(other)["files"])
                shares.setdefault("data", []).append(lambda o, f=f: o.deny(split_path(f)[1]))
        if projects and chance(0.05):
            pr = pick(projects)
            PRINTS.append((rand_between(t_a0, t_b0), u, "/prosjekt/%s/%s" % (pr, pick(printable(pr))),
                           R.randint(1, 24)))
    for share in ["prosjekt", "data", "home", "program", "system"]:
        if share in shares:
            a = t_a0 + s(U(0, 30))
            b = t_b0 - s(U(0, 20))
            if b - a < s(30):
                continue
            share_session(u, share, a, b, shares[share])


def special_share(user, share, t, fn, limit):
    smb(t - s(U(3, 15)), user, share, "connect", "ok|" + share)
    o = Ops(user, share, t, limit - s(5))
    fn(o)
    smb(min(o.t + s(U(1, 8)), limit - s(2)), user, share, "disconnect", "ok|" + share)


def fs1_login(person, src, a, b):
    c = Conn("fs1", src, eph_port("linux"))
    ssh_syn_path(c, a, "linux")
    build_login(c, person, a, b, "mfa")
    FS1_CONNS.append(c)


def run_plan():
    for p in PLAN:
        person = ACCOUNTS[p["user"]]
        src, os_ = p["src"], person.os
        t = p["a"]
        if p["vpn"]:
            vpn_tunnel(person, t - s(U(15, 240)))
        special_ = "special" in p["tags"] or bool(p["acts"])
        r = R.random()
        if not special_ and r < (0.05 if person.user == "kari" else 0.012):
            c = Conn("ts1", src, eph_port(os_))
            ssh_syn_path(c, t, os_)
            t = build_password_fail(c, person, t, wpick([(1, 0.5), (2, 0.3), (3, 0.2)])) + s(U(6, 40))
            TS1_CONNS.append(c)
        elif not special_ and r < 0.025:
            c = Conn("ts1", src, eph_port(os_))
            ssh_syn_path(c, t, os_)
            t = build_abort(c, person, t) + s(U(10, 90))
            TS1_CONNS.append(c)
        c = Conn("ts1", src, eph_port(os_))
        ssh_syn_path(c, t, os_)
        method = method_for(p, person)
        end = "timeout" if (chance(0.03) and not p["acts"] and not p["fs1_hop"]) else "normal"
        t_open, t_close = build_login(c, person, t, p["b"], method,
                                      otp_fail=(method == "mfa" and chance(0.03)), end=end)
        TS1_CONNS.append(c)
        if end == "timeout" and is_office(src) and not src.startswith("10.10.250.") and chance(0.5):
            tw = t_close + s(U(600, 5400))
            for k in range(R.randint(1, 2)):
                kern("fw-sec", tw + s(k * U(0.2, 3.0)),
                     tcp("FWSEC-DROP ", "eth1", "eth2", macs(MAC_FWSEC_ETH1, office_mac(src)), src, TS1,
                         R.choice([52, 88, 116]), OS_PROFILE[os_][0] - 1, ipid(), True,
                         c.sport, 22, R.choice([501, 502, 1024, 2052]), "ACK PSH"))
        if p["fs1_hop"]:
            ha, hb = p["fs1_hop"]
            assert t_open < ha < hb < t_close
            fs1_login(person, TS1, ha, hb)
        for ta, share, fn in p["acts"]:
            assert t_open + s(20) < ta < t_close, (p["user"], iso_local(ta))
            special_share(person.user, share, ta, fn, t_close)
        if p["background"]:
            background_samba(person, t_open, t_close)
    for user, a, b, src in FS1_DIRECT:
        fs1_login(PBY[user], src, a, b)
    for t, user, path, pages in sorted(PRINTS):
        print_job(t, user, path, pages)


EXPOSURE = (at(D("2025-06-02"), "14:10:00"), at(D("2025-06-13"), "11:00:00"))


def gen_exposure():
    """2 to 13 June: a firewall change re-opened the old port forward of TCP/22
    from the internet to ts1; password guessers find it within hours."""
    for day in DAYS:
        a0, b0 = max(EXPOSURE[0], day_start(day)), min(EXPOSURE[1], day_end(day))
        if a0 >= b0:
            continue
        for _ in range(wpick([(1, 0.3), (2, 0.45), (3, 0.25)])):
            ip = pick(BRUTE_IPS)
            t = rand_between(a0, b0)
            ttl_ext = 64 - R.randint(9, 22)
            win = pick([64240, 29200, 65535])
            port = R.randint(32768, 60000)
            n = R.randint(3, 12)
            mode = wpick([("mixed", 0.6), ("invalid", 0.25), ("root", 0.15)])
            for k in range(n):
                if t >= EXPOSURE[1]:
                    break
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
                te = build_scan_attempt(c, t, kind, pick(BRUTE_NAMES))
                TS1_CONNS.append(c)
                t = te + s(U(0.5, 9.0))
        if chance(0.6):
            ip = pick(SCANNERS)
            t = rand_between(a0, b0)
            c = Conn("ts1", ip, R.randint(1024, 65000))
            ssh_syn_path(c, t, "linux", 64 - R.randint(8, 20))
            build_scan_attempt(c, t, pick(["banner", "banner", "kex"]))
            TS1_CONNS.append(c)


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


def assign_pids():
    for conns, alloc in ((TS1_CONNS, PidAlloc(41870, 0.012, 0.002)),
                         (FS1_CONNS, PidAlloc(3870, 0.004, 0.001))):
        reqs = []
        for c in conns:
            first = min(e[0] for e in c.events)
            reqs.append((first - s(0.05), 0, c, "m"))
            if c.t_child:
                reqs.append((c.t_child, 1, c, "c"))
        reqs.sort(key=lambda r: (r[0], r[1], r[2].sport))
        for us, _, c, role in reqs:
            pid = alloc.take(us)
            if role == "m":
                c.pid = pid
            else:
                c.cpid = pid


def render_ssh():
    for c in TS1_CONNS:
        for us, role, pri, msg, ev in c.events:
            pid = c.pid if role == "m" else c.cpid
            AUTH.add(us, "%s ts1 sshd[%d]: %s" % (stamp3164(us), pid, msg), ev)
    for c in FS1_CONNS:
        for us, role, pri, msg, ev in c.events:
            pid = c.pid if role == "m" else c.cpid
            FS1SSH.add(us, "<%d>1 %s fs1 sshd %d - - %s" % (pri, iso_local(us), pid, msg), ev)


# --------------------------------------------------------------------------
# background firewall traffic
# --------------------------------------------------------------------------

OFFICE_OTHER = ["10.10.1.%d" % x for x in (11, 17, 28, 52, 63)] + \
               ["10.10.2.%d" % x for x in (9, 19, 37, 58)] + \
               ["10.10.3.%d" % x for x in (8, 33, 41)]
WS_OS = {p.ip: p.os for p in USERS}
for _ip in OFFICE_OTHER:
    WS_OS[_ip] = "windows" if int(_ip.split(".")[-1]) % 3 else "linux"
WS_OS[DNS1] = "linux"
WS_OS[WEB1] = "linux"
OFFICE_CLIENTS = [p.ip for p in USERS] + OFFICE_OTHER
WINDOWS_WS = [p.ip for p in USERS if p.os == "windows"]


def office_out(us, src, verdict="FWEXT-ACCEPT "):
    os_ = WS_OS.get(src, "windows")
    ttl0, syn_len, win, _ = OS_PROFILE[os_]
    mac = macs(MAC_FWEXT_ETH1, office_mac(src))
    r = R.random()
    if src == DNS1 or r < 0.2:
        dst = pick(EXT_DNS) if src == DNS1 else pick(["8.8.8.8", "1.1.1.1"])
        kern("fw-ext", us, udp(verdict, "eth1", "eth0", mac, src, dst, R.randint(29, 58), ttl0 - 1, ipid(),
                               src != DNS1 and os_ == "linux", R.randint(1024, 65535), 53))
    elif r < 0.86:
        kern("fw-ext", us, tcp(verdict, "eth1", "eth0", mac, src, pick(EXT_443), syn_len, ttl0 - 1, ipid(),
                               True, eph_port(os_), 443, win, "SYN"))
    elif r < 0.91:
        kern("fw-ext", us, tcp(verdict, "eth1", "eth0", mac, src, pick(EXT_80), syn_len, ttl0 - 1, ipid(),
                               True, eph_port(os_), 80, win, "SYN"))
    elif r < 0.95 and os_ == "linux":
        kern("fw-ext", us, tcp(verdict, "eth1", "eth0", mac, src, pick(EXT_SSH), syn_len, ttl0 - 1, ipid(),
                               True, eph_port(os_), 22, win, "SYN"))
    else:
        dst = pick(["8.8.8.8", "1.1.1.1", "129.240.2.6"])
        if os_ == "linux":
            iid = R.randint(1000, 65000)
            for k in range(R.randint(1, 3)):
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
PUBLISHED = {(WEB1, 443), (WEB1, 80), (VPN_GW, 1194), (TRANSFER, 22)}


def scan_packet(us, src, dst, dport, prof):
    inif, outif = ("eth0", "") if dst == FWEXT_INT else ("eth0", "eth1")
    ttl, ln, win, df, the_id = prof
    kern("fw-ext", us, tcp("FWEXT-DROP ", inif, outif, macs(MAC_FWEXT_ETH0, MAC_ISP_GW), src, dst, ln, ttl,
                           the_id or ipid(), df, R.randint(1024, 65535), dport, win, "SYN"))


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
    return "10.10.%d.%d" % (R.randint(0, 3), R.randint(3, 254))


def gen_fwext():
    mac_in = macs(MAC_FWEXT_ETH0, MAC_ISP_GW)
    for day in DAYS:
        work = is_workday(day)
        d0, d1 = day_start(day), day_end(day)
        # scanners: background radiation, now and then a sweep
        for _ in range(R.randint(8, 15)):
            us = rand_between(d0, d1)
            src = pick(SCANNERS)
            r = R.random()
            if r < 0.06:
                kern("fw-ext", us, udp("FWEXT-DROP ", "eth0", "eth1" if chance(0.5) else "", mac_in, src,
                                       FWEXT_INT if chance(0.5) else rand_office_dst(), R.randint(16, 120),
                                       R.randint(40, 245), ipid(), False, R.randint(1024, 65535),
                                       pick(UDP_SCAN_PORTS)))
                continue
            if r < 0.10:
                kern("fw-ext", us, icmp("FWEXT-DROP ", "eth0", "", mac_in, src, FWEXT_INT, 28,
                                        R.randint(236, 250), 54321 if chance(0.5) else ipid(), False,
                                        R.randint(1, 65535), 0))
                continue
            dst = FWEXT_INT if chance(0.4) else rand_office_dst()
            port = wpick(SCAN_PORTS)
            if (dst, port) in PUBLISHED:
                dst = FWEXT_INT
            scan_packet(us, src, dst, port, scan_profile(src))
        if chance(0.15):
            us = rand_between(d0, d1)
            src = pick(SCANNERS)
            prof = scan_profile(src)
            port = wpick(SCAN_PORTS)
            net, host = R.randint(1, 3), R.randint(2, 100)
            for k in range(R.randint(6, 16)):
                us += s(U(0.05, 4.0))
                scan_packet(us, src, "10.10.%d.%d" % (net, host + k), port, prof)
        # office -> internet (only new connections are logged)
        for _ in range(R.randint(6, 11) if work else R.randint(2, 4)):
            us = rand_in_day(day, 7.5, 17.5) if (work and chance(0.85)) else rand_between(d0, d1)
            office_out(us, DNS1 if chance(0.2) else pick(OFFICE_CLIENTS))
        # rejected outbound
        if chance(0.35 if work else 0.1):
            us = rand_in_day(day, 8, 17) if work else rand_in_day(day, 10, 20)
            src = pick(OFFICE_CLIENTS)
            os_ = WS_OS.get(src, "windows")
            ttl0, syn_len, win, _ = OS_PROFILE[os_]
            dport, dst = pick([(25, "193.75.75.12"), (465, "193.75.75.12"), (445, "20.60.81.36"),
                               (6881, "88.91.23.140"), (1194, "185.65.135.21")])
            sp, the_id = eph_port(os_), ipid()
            for k, dly in enumerate([0, 1.0, 3.0][:R.randint(1, 3)]):
                kern("fw-ext", us + s(dly + U(0, 0.01)),
                     tcp("FWEXT-REJECT ", "eth1", "eth0", macs(MAC_FWEXT_ETH1, office_mac(src)), src, dst,
                         syn_len, ttl0 - 1, (the_id + k) % 65536 or 1, True, sp, dport, win, "SYN"))
        # the published web server: https accepted, plain http rejected
        for _ in range(R.randint(2, 6) if work else R.randint(0, 3)):
            us = rand_in_day(day, 7, 22)
            src = pick(UNI_CLIENTS) if chance(0.75) else pick(HOME_CLIENTS)
            ln, win = (64, 65535) if chance(0.3) else (60, 64240)
            dport = 443 if chance(0.9) else 80
            kern("fw-ext", us, tcp("FWEXT-ACCEPT " if dport == 443 else "FWEXT-REJECT ", "eth0", "eth1",
                                   mac_in, src, WEB1, ln, 64 - R.randint(7, 12), ipid(), True,
                                   R.randint(32768, 65000), dport, win, "SYN"))
        # late packets of closed connections
        for _ in range(R.randint(1, 4) if work else R.randint(0, 2)):
            us = rand_in_day(day, 7.5, 18) if chance(0.8) else rand_between(d0, d1)
            dst = pick(OFFICE_CLIENTS)
            os_ = WS_OS.get(dst, "windows")
            flags = wpick([("ACK FIN", 3), ("ACK RST", 3), ("ACK", 2), ("ACK PSH", 2), ("RST", 1)])
            ln = {"ACK PSH": R.randint(80, 1500)}.get(flags, 52 if flags != "RST" else 40)
            kern("fw-ext", us, tcp("FWEXT-DROP ", "eth0", "eth1", mac_in, pick(EXT_443), dst, ln,
                                   R.randint(50, 60), ipid(), flags != "RST", 443, eph_port(os_),
                                   R.choice([501, 1050, 2048, 16384, 65535]) if flags != "RST" else 0, flags))
        # data deliveries: the provider's SFTP client to the transfer host
        if work and day.day in (3, 4, 17, 18) and chance(0.6):
            us = rand_in_day(day, 6, 7)
            kern("fw-ext", us, tcp("FWEXT-ACCEPT ", "eth0", "eth1", mac_in, pick(PROVIDER_CLIENTS), TRANSFER,
                                   60, 52, ipid(), True, R.randint(32768, 60999), 22, 64240, "SYN"))
    # Sunday 26 October: the clock goes back from 03:00 CEST to 02:00 CET, so the
    # local times 02:00-02:59 happen twice; scanners knock in both passes
    for hhmmss, fold in (("02:07:13", 0), ("02:41:55", 0), ("02:03:20", 1), ("02:29:02", 1), ("02:52:48", 1)):
        src = pick(SCANNERS)
        scan_packet(at(D("2025-10-26"), hhmmss, fold), src, FWEXT_INT, wpick(SCAN_PORTS), scan_profile(src))
    # ruleset reload on Monday 2025-03-17 07:05: mid-stream packets are picked up as NEW
    t = at(D("2025-03-17"), "07:05:12")
    for _ in range(14):
        t += s(U(0.2, 9))
        src = pick(OFFICE_CLIENTS)
        os_ = WS_OS.get(src, "windows")
        flags = wpick([("ACK", 5), ("ACK PSH", 4)])
        kern("fw-ext", t, tcp("FWEXT-ACCEPT ", "eth1", "eth0", macs(MAC_FWEXT_ETH1, office_mac(src)), src,
                              pick(EXT_443), 52 if flags == "ACK" else R.randint(90, 700),
                              OS_PROFILE[os_][0] - 1, ipid(), True, eph_port(os_), 443,
                              R.choice([501, 502, 1026, 8212]), flags))
    # 8-10 September: a port forward of RDP to per's workstation for the Stata
    # reseller's remote support, never approved as an exception
    rdp_a, rdp_b = at(D("2025-09-08"), "09:12:00"), at(D("2025-09-10"), "15:40:00")
    for when in (at(D("2025-09-08"), "09:14:31"), at(D("2025-09-08"), "13:02:10"),
                 at(D("2025-09-09"), "10:21:45"), at(D("2025-09-10"), "09:05:03")):
        kern("fw-ext", when, tcp("FWEXT-ACCEPT ", "eth0", "eth1", mac_in, VENDOR_RDP, "10.10.2.14", 52, 115,
                                 ipid(), True, eph_port("windows"), 3389, 64240, "SYN"))
    for _ in range(9):                       # scanners find the open port
        src = pick(SCANNERS)
        ttl, ln, win, df, the_id = scan_profile(src)
        kern("fw-ext", rand_between(rdp_a, rdp_b),
             tcp("FWEXT-ACCEPT ", "eth0", "eth1", mac_in, src, "10.10.2.14", ln, ttl, the_id or ipid(), df,
                 R.randint(1024, 65535), 3389, win, "SYN"))


def gen_fwsec():
    for day in DAYS:
        work = is_workday(day)
        # drops: direct SMB to fs1, RDP to ts1
        for _ in range(wpick([(0, 0.6), (1, 0.32), (2, 0.08)]) if work else 0):
            us = rand_in_day(day, 8, 16.5)
            src = pick(WINDOWS_WS)
            dst, dport = pick([(FS1, 445), (FS1, 445), (FS1, 139), (TS1, 3389), (PRT1, 9100)])
            sp, the_id = eph_port("windows"), ipid()
            for k, dly in enumerate([0, 1.0, 3.0][:R.randint(2, 3)]):
                fwsec_syn(us + s(dly + U(0, 0.01)), src, dst, sp, dport, "windows", 127,
                          verdict="FWSEC-DROP ", pid_=(the_id + k) % 65536 or 1)
        # ts1 users trying to reach the internet directly (pip, CRAN, git)
        if work and chance(0.35):
            us = rand_in_day(day, 8.5, 16.5)
            sp, dst = R.randint(32768, 60999), pick(EXT_DROP_FROM_TS1)
            for k, dly in enumerate([0, 1.02, 3.1, 7.3][:R.randint(2, 4)]):
                kern("fw-sec", us + s(dly), tcp("FWSEC-DROP ", "eth2", "eth1", macs(MAC_FWSEC_ETH2, SECURE_MAC[TS1]),
                                                TS1, dst, 60, 63, ipid(), True, sp, 443, 64240, "SYN"))
        # approved transfers: ts1 fetches deliveries from / puts exports on the transfer host
        if work and chance(0.3):
            secure_out_syn(rand_in_day(day, 9, 15.5), TS1, TRANSFER, 22, "FWSEC-ACCEPT ")
        # pings: operations may ping the terminal server; anything else is dropped
        for _ in range(R.randint(0, 2) if work else 0):
            us = rand_in_day(day, 8, 16)
            if chance(0.6):
                src = pick([PBY["tor"].ip, PBY["anne"].ip])
                iid = R.randint(1000, 65000)
                for k in range(R.randint(1, 3)):
                    kern("fw-sec", us + s(k + U(0, 0.003)),
                         icmp("FWSEC-ACCEPT ", "eth1", "eth2", macs(MAC_FWSEC_ETH1, office_mac(src)), src, TS1,
                              84, 63, ipid(), True, iid, k + 1))
            else:
                src = pick(WINDOWS_WS)
                dst = pick([TS1, FS1, PRT1])
                sq = R.randint(10, 900)
                for k in range(4):
                    kern("fw-sec", us + s(k * 4.0 + U(0, 0.01)),
                         icmp("FWSEC-DROP ", "eth1", "eth2", macs(MAC_FWSEC_ETH1, office_mac(src)), src, dst,
                              60, 127, ipid(), False, 1, sq + k))
    # two attempts at ssh to fs1 by someone else than operations (dropped)
    for day, hour, who in ((D("2025-03-11"), 10.4, "nils"), (D("2025-11-25"), 14.1, "lars")):
        us = local_to_us(day, hour * 3600 + U(0, 600))
        u = PBY[who]
        sp, the_id = eph_port(u.os), ipid()
        for k, dly in enumerate([0, 1.03, 3.08]):
            fwsec_syn(us + s(dly), u.ip, FS1, sp, 22, u.os, 63, verdict="FWSEC-DROP ", pid_=the_id + k)
    # 9 April, 10:02 to 10:31: a temporary rule lets ts1 reach the Python package index
    t = at(D("2025-04-09"), "10:02:14")
    while t < at(D("2025-04-09"), "10:31:00"):
        secure_out_syn(t, TS1, PYPI, 443, "FWSEC-ACCEPT ", also_fwext=True)
        t += s(U(20, 400))


# --------------------------------------------------------------------------
# log gaps: what the logs lost
# --------------------------------------------------------------------------

# the log collector's disk was full: nothing from any host for all of Saturday 15 November
OUTAGE = (at(D("2025-11-14"), "23:41:00"), at(D("2025-11-16"), "00:17:00"))
# fw-sec's syslog forwarding stopped on a Friday afternoon and was noticed on Tuesday
FWSEC_SILENT = (at(D("2025-08-08"), "15:02:00"), at(D("2025-08-12"), "09:34:00"))


def apply_gaps():
    for sink in SINKS:
        sink.recs = [r for r in sink.recs if not OUTAGE[0] <= r[0] < OUTAGE[1]]
    FWSEC.recs = [r for r in FWSEC.recs if not FWSEC_SILENT[0] <= r[0] < FWSEC_SILENT[1]]


def parsed_3164_instant(us, previous):
    """the instant vakt's syslog clock gives a year-less local timestamp (see
    ingest/src/parse/clock.rs): the earlier of a repeated hour unless the
    previous line lies after it"""
    n = local_naive(us).replace(microsecond=0)
    if AUTUMN_FOLD[0] <= n < AUTUMN_FOLD[1]:
        earlier = naive_to_us(n, 0)
        if previous is not None and previous > earlier:
            return naive_to_us(n, 1)
        return earlier
    return naive_to_us(n)


def drop_misread_lines():
    """Lines of the repeated hour (2025-10-26 02:00-02:59) that a reader of
    year-less timestamps cannot place are left out (a firewall line after an
    hour of silence would be read an hour early)."""
    dropped = []
    for sink in SINKS:
        if not sink.rfc3164:
            continue
        kept, previous = [], None
        for r in sink.recs:
            parsed = parsed_3164_instant(r[0], previous)
            if parsed != r[0] - r[0] % US:
                dropped.append((sink.name, r[2]))
                continue
            previous = parsed
            kept.append(r)
        sink.recs = kept
    return dropped


# --------------------------------------------------------------------------
# vakt.toml (written beside the logs; the self-check reads it back)
# --------------------------------------------------------------------------

VAKT_TOML = """\
# vakt configuration of the sample institute (see README.md beside this file).
# Written by generate.py together with the logs and the registry.
institute = "Nordvik forskningsinstitutt"
timezone = "Europe/Oslo"

[store]
path = "vakt-data"
retention_days = 365

[zones]
# Office network (with the VPN pool 10.10.250.0/24); everything not listed is external.
internal = ["10.10.0.0/16"]
# Servers holding confidential datasets, reached only by terminal sessions.
secure = ["10.20.0.0/24"]
# The institute's premises (3.3.h): the office LAN and the secure zone, not the VPN pool.
premises = ["10.10.0.0/20", "10.20.0.0/24"]

[zones.hosts]
ts1 = "secure"
fs1 = "secure"
prt1 = "secure"
fw-ext = "internal"
fw-sec = "internal"

# Connections from outside into the office that the IT manager allowed (3.2.e).
[[zones.exceptions]]
name = "public web server (https)"
destination = ["10.10.0.25/32"]
ports = [443]
protocol = "tcp"
approved_by = "tor"
approved_on = 2019-05-02

[[zones.exceptions]]
name = "VPN gateway (OpenVPN over TCP)"
destination = ["10.10.0.2/32"]
ports = [1194]
protocol = "tcp"
approved_by = "tor"
approved_on = 2020-03-13

[[zones.exceptions]]
name = "data deliveries by SFTP from the data provider to the transfer host"
destination = ["10.10.0.40/32"]
ports = [22]
protocol = "tcp"
source = ["193.161.171.0/24"]
approved_by = "tor"
approved_on = 2023-01-09

[secure_zone]
# The one sanctioned way in (3.3.c): ssh to the terminal server from the office.
terminal_servers = { ts1 = "10.20.0.10" }
# The approved transfer host outside the zone (3.3.d).
transfer_hosts = ["10.10.0.40/32"]

# Storage areas of the secure zone (instruction 3.4.a), by path prefix.
# Samba paths are stored as /<share>/<path inside the share>.
[areas]
system = ["/system"]
program = ["/program"]
data = ["/data"]
project = ["/prosjekt"]
user = ["/home"]

[ingest]
# The RFC 3164 lines carry no year; the sample is the year 2025.
syslog_year = 2025

[review]
silent_hours = 72
class_a_days = 30

[report]
# Printed under the signature line and on the cover of the review.
director = "Gunn Hagen"
prepared_by = "Tor Aasen, IT-ansvarlig"
"""

# --------------------------------------------------------------------------
# the findings the data is made to cause (check, subject, why)
# --------------------------------------------------------------------------

PLANNED = [
    ("class_mismatch", "dataset=survey2024",
     "survey2024 is declared class D; sensitivity I with identifiability 5 is class C in Table 1"),
    ("wrong_zone", "dataset=reseptreg",
     "reseptreg (class B) is kept in the internal zone without an exception"),
    ("class_a_kept", "dataset=fnr-kobling",
     "class A linking file received 2025-10-20 and still not deleted at the end of the year (limit 2025-11-19)"),
    ("user_area", "dataset=intervjuer",
     "the interview dataset lies in sigrid's home folder /home/sigrid/intervjuer (area user)"),
    ("no_owner", "dataset=bedriftspanel", "bedriftspanel (class D) has no register owner"),
    ("unregistered_data", "path=/data/nav-uttrekk",
     "per creates /data/nav-uttrekk on 2025-11-10 and uses it on 11-12 and 11-19; no dataset holds it"),
    ("deletion_overdue", "dataset=sykefravaer",
     "delete_by 2025-06-30 passed and no deletion is recorded"),
    ("deletion_overdue", "dataset=pasientreiser",
     "delete_by 2025-03-31, deleted only on 2025-04-10"),
    ("access_after_deletion", "dataset=legemiddel2019",
     "deleted on 2025-10-26 (the day clocks go back); ext-berg reads tillegg/ddd_2019.csv on 2025-10-27 08:12:40 "
     "(her read on 2025-10-26 23:31:07 is on the deletion day and clean)"),
    ("copies_remain", "dataset=tannhelse",
     "nils moved koder.csv out to /prosjekt/p2055/nils/koder_tannhelse.csv on 2025-06-18; the deletion of "
     "2025-09-15 neither deleted nor listed it (the other two copies were)"),
    ("class_c_outside", "dataset=arbeidsmarked",
     "class C kept outside the secure zone under an exception that ended 2025-06-30"),
    ("uncovered_session", "user=sigrid",
     "7 sessions 2025-10-02 to 10-10: her secure-zone grant ended 2025-09-30, the renewal starts 2025-10-13"),
    ("uncovered_session", "user=vendor",
     "the reseller's technician logs in to ts1 on 2025-11-20 with an account not in people.toml"),
    ("uncovered_access", "user=ext-dahl dataset=skolereg",
     "reads skolereg at 2025-06-13 16:00:00; his grant ended at 15:59:59 (ext-aas, same read, grant until "
     "16:00:01: clean)"),
    ("uncovered_access", "user=marit home=lars",
     "marit reads /home/lars/skript/vekting_lars.py on 2025-03-12"),
    ("uncovered_access", "user=nils project=p2060",
     "nils edits /prosjekt/p2060/scripts/vekting.py on 2025-11-05 without a p2060 grant"),
    ("grant_not_renewed", "grant=ar-tor-system", "tor's area:system grant from 2016-08-01 has no end"),
    ("grant_not_renewed", "grant=pr-nils-p2055",
     "nils's project grant runs 2024-09-01 to 2025-12-31, past 2025-09-01, a year after its start"),
    ("leaver_activity", "user=erik",
     "erik left on 2025-08-29 (activity that day is clean) and logs in over the VPN on 2025-08-30"),
    ("leaver_open_grant", "grant=sz-erik",
     "erik's secure-zone grant runs to 2025-12-31 although he left on 2025-08-29"),
    ("operations_area", "user=per area=program",
     "per writes a Stata package into /program on 2025-04-23"),
    ("no_declaration", "user=jonas",
     "jonas logs in on 2025-06-02 and 06-03; he signed the declaration on 2025-06-04"),
    ("no_declaration", "user=vendor",
     "the reseller's technician is not in people.toml, so no signed declaration is on record (3.3.i)"),
    ("single_verification", "grant=ds-ingrid-hudreg",
     "ingrid's grant to hudreg (sensitive) was approved and verified by the same person (kari)"),
    ("external_remote", "user=ext-hansen",
     "external, not allowed remote use, logs in over the VPN (not the premises) on six evenings in October"),
    ("inbound_to_secure", "from=external to=10.20.0.10:22/tcp",
     "2025-06-02 14:10 to 06-13 11:00 fw-ext forwards ssh from the internet to ts1; password guessers use it"),
    ("inbound_to_secure", "from=internal to=10.20.0.20:22/tcp",
     "tor logs in to fs1 straight from his workstation on 2025-09-03"),
    ("unlisted_exception", "to=10.10.2.14:3389/tcp",
     "2025-09-08 to 09-10 an unapproved RDP forward to per's workstation (reseller and scanners use it)"),
    ("single_factor", "user=per",
     "per logs in with his key alone, no one-time code, on 2025-02-10 and 02-12 (his security key was broken)"),
    ("secure_egress", "to=151.101.0.223:443/tcp",
     "2025-04-09 10:02-10:27 ts1 reaches the Python package index through both firewalls (a temporary rule)"),
    ("print_personal", "dataset=hudreg",
     "kari prints /data/hudreg/2024/diagnoser_icd10.csv on 2025-05-20"),
    ("silent_source", "host=fw-sec",
     "fw-sec's syslog forwarding stops: no line from 2025-08-08 14:24 to 2025-08-12 09:55 (91 hours)"),
    ("days_without_logs", "days",
     "no record at all on 2025-11-15 (the log collector's disk was full)"),
]

# --------------------------------------------------------------------------
# the self-check: review/CHECKS.md applied to the generated data
# --------------------------------------------------------------------------

TABLE_1 = {"S": "ABBBBCE", "I": "BBCCCDE", "T": "BBCCDDE", "O": "FFFFFFF"}
FW_RE = re.compile(r"kernel: \[[ \d.]+\] (\S+) IN=.* SRC=(\S+) DST=(\S+) .*PROTO=(\S+)(.*)$")


def net_list(texts):
    return [ipaddress.ip_network(t) for t in texts]


def in_nets(ip, nets):
    a = ipaddress.ip_address(ip)
    return any(a in n for n in nets)


def a_year_after(day):
    """the same date a year later; 28 February for 29 February"""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def path_in(path, prefix):
    prefix = prefix.rstrip("/")
    return path == prefix or path.startswith(prefix + "/")


def review(config, reg, sinks):
    """the findings of `vakt review --year 2025` on these logs, as CHECKS.md
    defines them: {(check, subject): [evidence, ...]}"""
    zones = config["zones"]
    internal, secure = net_list(zones["internal"]), net_list(zones["secure"])
    premises = net_list(zones.get("premises") or zones["internal"] + zones["secure"])
    host_zone = zones["hosts"]
    terminal = set(config["secure_zone"]["terminal_servers"].values())
    terminal_ports = config["secure_zone"].get("terminal_ports", [22, 3389])
    transfer = net_list(config["secure_zone"]["transfer_hosts"])
    areas = config["areas"]
    silent_us = config["review"]["silent_hours"] * HOUR
    class_a_days = config["review"]["class_a_days"]
    y0, y1 = START_US, END_US + 1
    cutoff_day = D("2026-01-01")

    def zone_of(ip):
        if in_nets(ip, secure):
            return "secure"
        if in_nets(ip, internal):
            return "internal"
        return "external"

    def area_of(path):
        best = None
        for area, prefixes in areas.items():
            for prefix in prefixes:
                if path_in(path, prefix) and (best is None or len(prefix) > best[1]):
                    best = (area, len(prefix))
        return best[0] if best else None

    datasets = reg["datasets"]
    people = {p["user"]: p for p in reg["people"]}
    grants = reg["grants"]
    deletions = reg["deletions"]

    def dataset_of(path):
        best = None
        for ds in datasets:
            for prefix in ds.get("paths", []):
                if path_in(path, prefix) and (best is None or len(prefix) > best[1]):
                    best = (ds, len(prefix))
        return best[0] if best else None

    def valid(g, t):
        return (m_start(g["from"]) <= t
                and ("until" not in g or t < m_end(g["until"]))
                and ("revoked" not in g or t < m_start(g["revoked"])))

    def valid_in_year(g):
        ends = ([m_end(g["until"])] if "until" in g else []) + \
               ([m_start(g["revoked"])] if "revoked" in g else [])
        return m_start(g["from"]) < y1 and (not ends or min(ends) > y0)

    def day_of(m):
        return m.date() if isinstance(m, dt.datetime) else m

    def has_grant(user, scope, t):
        return any(g["user"] == user and g["scope"] == scope and valid(g, t) for g in grants)

    found = {}

    def add(check, subject, evidence):
        found.setdefault((check, subject), []).append(evidence)

    # ---- the records as the store holds them --------------------------------
    records = []          # (instant, host, stream, ev or line)
    for sink in sinks:
        for us, _, line, ev in sink.recs:
            t = us - us % US if sink.rfc3164 else us
            records.append((t, sink.host, sink.stream, ev, line))
    records.sort(key=lambda r: r[0])
    records = [r for r in records if y0 <= r[0] < y1]

    logins = [(t, ev) for t, host, stream, ev, _ in records
              if stream == "sessions" and ev is not None and host_zone.get(ev["server"]) == "secure"]
    accesses = [(t, ev) for t, host, stream, ev, _ in records
                if stream == "access" and ev is not None and ev["success"]]

    # ---- (a) classification and storage --------------------------------------
    for ds in datasets:
        sid = "dataset=" + ds["id"]
        table = TABLE_1[ds["sensitivity"]][ds["identifiability"] - 1]
        cls, zone = ds["class"], ds["zone"]
        if cls != table:
            add("class_mismatch", sid, "declared %s, Table 1 %s" % (cls, table))
        if cls in "AB" and zone != "secure":
            add("wrong_zone", sid, "class %s in zone %s" % (cls, zone))
        if cls == "C" and zone != "secure" and "exception" not in ds:
            add("wrong_zone", sid, "class %s in zone %s" % (cls, zone))
        if cls in "DE" and zone == "external" and "exception" not in ds:
            add("wrong_zone", sid, "class %s in zone external" % cls)
        if cls == "A" or table == "A":
            first = min((x["date"] for x in deletions if x["dataset"] == ds["id"]), default=None)
            limit = ds["received"] + dt.timedelta(days=class_a_days) if "received" in ds else None
            if first is not None and first.year < YEAR:
                pass
            elif limit is None:
                add("class_a_kept", sid, "no received")
            elif (first is not None and first > limit) or (first is None and limit < cutoff_day):
                add("class_a_kept", sid, "received %s, deleted %s" % (ds["received"], first))
        if ds["area"] == "user" or any(area_of(p) == "user" for p in ds.get("paths", [])):
            add("user_area", sid, "area %s, paths %s" % (ds["area"], ds.get("paths")))
        if cls != "F" and "owner" not in ds:
            add("no_owner", sid, "class %s" % cls)
        dels = sorted(x["date"] for x in deletions if x["dataset"] == ds["id"])
        if "delete_by" in ds:
            if not dels and ds["delete_by"] < cutoff_day:
                add("deletion_overdue", sid, "delete_by %s, no deletion" % ds["delete_by"])
            elif dels and dels[0] > ds["delete_by"] and dels[0].year == YEAR:
                add("deletion_overdue", sid, "delete_by %s, deleted %s" % (ds["delete_by"], dels[0]))
        if (cls == "C" and zone != "secure" and "exception" in ds
                and ("exception_until" not in ds or ds["exception_until"] < cutoff_day)):
            add("class_c_outside", sid, "exception until %s" % ds.get("exception_until"))

    # ---- (c) authorisations on their own --------------------------------------
    for g in grants:
        if not valid_in_year(g):
            continue
        if "until" not in g:
            add("grant_not_renewed", "grant=" + g["id"], "no until")
        elif day_of(g["until"]) > a_year_after(day_of(g["from"])):
            add("grant_not_renewed", "grant=" + g["id"], "%s to %s" % (g["from"], g["until"]))
        if g["scope"].startswith("dataset:"):
            reached = [d for d in datasets if d["id"] == g["scope"][8:]]
        elif g["scope"].startswith("project:"):
            reached = [d for d in datasets if d.get("project") == g["scope"][8:]]
        else:
            reached = []
        a, v = g.get("approved_by"), g.get("verified_by")
        if (any(d["sensitivity"] == "S" for d in reached)
                and (a is None or v is None or a == v or g["user"] in (a, v))):
            add("single_verification", "grant=" + g["id"], "approved %s, verified %s" % (a, v))
    for g in grants:
        person = people.get(g["user"])
        if person is None or "end" not in person or person["end"].year > YEAR:
            continue
        limit = day_end(person["end"])
        ends = []
        if "until" in g:
            ends.append(m_end(g["until"]))
        if "revoked" in g:
            ends.append(m_start(g["revoked"]))
        if not ends or min(ends) > limit:
            add("leaver_open_grant", "grant=" + g["id"], "%s left %s" % (g["user"], person["end"]))

    # ---- (c) sessions -----------------------------------------------------------
    for t, ev in logins:
        u, when = ev["user"], iso_local(t)
        person = people.get(u)
        if not has_grant(u, "secure-zone", t):
            add("uncovered_session", "user=" + u, when)
        decl = person.get("declaration_signed") if person is not None else None
        if decl is None or decl > local_date(t):
            add("no_declaration", "user=" + u, when)
        if person is not None:
            if "end" in person and t >= day_end(person["end"]):
                add("leaver_activity", "user=" + u, "session " + when)
            if (person["kind"] == "external" and not person.get("remote_allowed", False)
                    and not in_nets(ev["src"], premises)):
                add("external_remote", "user=" + u, "%s from %s" % (when, ev["src"]))
        if not ev["mfa"]:
            add("single_factor", "user=" + u, when)

    # ---- file accesses ----------------------------------------------------------
    deletion_day = {}
    for ds in datasets:
        dels = sorted(x["date"] for x in deletions if x["dataset"] == ds["id"])
        if dels:
            deletion_day[ds["id"]] = dels[0]
        elif "delete_by" in ds:
            deletion_day[ds["id"]] = ds["delete_by"]
    for t, ev in accesses:
        u, path, when = ev["user"], ev["path"], iso_local(t)
        person = people.get(u)
        if person is not None and "end" in person and t >= day_end(person["end"]):
            add("leaver_activity", "user=" + u, "access %s %s" % (when, path))
        if ev["op"] in ("connect", "disconnect"):
            continue  # names no file: activity only
        ds = dataset_of(path)
        area = area_of(path)
        if ds is not None and ds["class"] != "F":
            scopes = ["dataset:" + ds["id"]] + (["project:" + ds["project"]] if "project" in ds else [])
            if not any(has_grant(u, sc, t) for sc in scopes):
                add("uncovered_access", "user=%s dataset=%s" % (u, ds["id"]), "%s %s %s" % (when, ev["op"], path))
        elif ds is None and area == "project":
            rest = path[len(areas["project"][0]) + 1:].split("/")[0]
            if rest and not has_grant(u, "project:" + rest, t):
                add("uncovered_access", "user=%s project=%s" % (u, rest), "%s %s %s" % (when, ev["op"], path))
        elif ds is None and area == "user":
            rest = path[len(areas["user"][0]) + 1:].split("/")[0]
            if rest and rest != u:
                add("uncovered_access", "user=%s home=%s" % (u, rest), "%s %s %s" % (when, ev["op"], path))
        if area in ("system", "program") and (person is None or person["kind"] != "operations"):
            add("operations_area", "user=%s area=%s" % (u, area), "%s %s %s" % (when, ev["op"], path))
        if area == "data" and ds is None:
            rest = path[len(areas["data"][0]) + 1:].split("/")[0]
            if rest:
                add("unregistered_data", "path=/data/" + rest, "%s %s %s" % (when, ev["op"], path))
        if ds is not None and ev["op"] != "delete" and ds["id"] in deletion_day:
            if t >= day_end(deletion_day[ds["id"]]):
                add("access_after_deletion", "dataset=" + ds["id"], "%s %s %s" % (when, ev["op"], path))
        if ev["op"] == "print" and ds is not None:
            if ds["sensitivity"] in "SI" and 1 <= ds["identifiability"] <= 6:
                add("print_personal", "dataset=" + ds["id"], "%s %s" % (when, path))
    for x in deletions:
        ds = next(d for d in datasets if d["id"] == x["dataset"])
        end = day_end(x["date"])
        for t, ev in accesses:
            if (ev["op"] in ("copy", "rename") and t < end and dataset_of(ev["path"]) is ds
                    and ev["target"] and dataset_of(ev["target"]) is not ds):
                copy = ev["target"]
                deleted = any(e["op"] == "delete" and e["path"] == copy and t2 < end for t2, e in accesses)
                if not deleted and copy not in x.get("copies", []):
                    add("copies_remain", "dataset=" + ds["id"], "%s -> %s" % (ev["path"], copy))

    # ---- (d) barriers ---------------------------------------------------------------
    exceptions = config["zones"]["exceptions"]

    def allowed_by_exception(src, dst, port, proto):
        for x in exceptions:
            if (in_nets(dst, net_list(x["destination"]))
                    and (not x.get("source") or in_nets(src, net_list(x["source"])))
                    and (not x.get("ports") or port in x["ports"])
                    and (x.get("protocol") is None or x["protocol"].lower() == proto.lower())):
                return True
        return False

    for t, host, stream, ev, line in records:
        if stream != "firewall":
            continue
        m = FW_RE.search(line)
        prefix, src, dst, proto, rest = m.groups()
        flags = rest.split(" URGP")[0].split("RES=0x00 ")[-1].split() if proto == "TCP" else []
        dport = re.search(r"DPT=(\d+)", rest)
        dport = int(dport.group(1)) if dport else None
        new = proto == "TCP" and "SYN" in flags and "ACK" not in flags
        if "ACCEPT" not in prefix or not new:
            continue
        zs, zd = zone_of(src), zone_of(dst)
        to = "to=%s:%s/%s" % (dst, dport, proto.lower()) if dport is not None else "to=%s/%s" % (dst, proto.lower())
        when = "%s %s %s->%s" % (iso_local(t), host, src, dst)
        terminal_session = (zs == "internal" and dst in terminal and dport in terminal_ports
                            and proto.lower() in ("tcp", "udp"))
        if zd == "secure" and zs != "secure" and not terminal_session:
            add("inbound_to_secure", "from=%s %s" % (zs, to), when)
        if zs == "external" and zd == "internal" and not allowed_by_exception(src, dst, dport, proto):
            add("unlisted_exception", to, when)
        if zs == "secure" and zd != "secure" and not in_nets(dst, transfer):
            add("secure_egress", to, when)

    by_host = {}
    for t, host, stream, ev, line in records:
        by_host.setdefault(host, []).append(t)
    for host in sorted(by_host):
        times = by_host[host]
        for a, b in zip(times, times[1:] + [y1]):
            if b - a > silent_us:
                add("silent_source", "host=" + host, "%s to %s" % (iso_local(a), iso_local(b)))
    covered = {local_date(r[0]) for r in records}
    for day in DAYS:
        if day not in covered:
            add("days_without_logs", "days", day.isoformat())
    return found


def silent_per_stream(sinks):
    """silence per (host, stream): no other source falls silent if a host's
    streams are judged one by one"""
    out = []
    by = {}
    for sink in sinks:
        by.setdefault((sink.host, sink.stream), []).extend(r[0] for r in sink.recs)
    for key in sorted(by):
        times = sorted(by[key])
        for a, b in zip(times, times[1:] + [END_US + 1]):
            if b - a > 72 * HOUR:
                out.append((key, iso_local(a), iso_local(b)))
    return out


# --------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------

def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(v)


def toml_entries(key, header, entries):
    """[[key]] entries; `entries` are (note, [(field, value)]) with None values left out"""
    out = [header.rstrip("\n"), ""]
    for note, fields in entries:
        if note:
            out.append("# " + note)
        out.append("[[%s]]" % key)
        for name, value in fields:
            if value is None or value == [] or value is False:
                continue
            out.append("%s = %s" % (name, toml_value(value)))
        out.append("")
    return "\n".join(out)


def registry_texts():
    datasets = toml_entries("dataset", """\
# The data overview (instruction 4.1.f) of the sample institute, one [[dataset]] each.
# Written by generate.py; README.md lists which entries are deliberately wrong.
""", [(d["note"], [(k, d[k]) for k in (
        "id", "name", "sensitivity", "identifiability", "class", "zone", "area", "paths", "owner",
        "project", "source", "documentation", "licence", "delete_by", "deletion_rule", "derived_from",
        "exception", "exception_until", "received")]) for d in DATASETS])
    people = toml_entries("person", """\
# The people of the sample institute, one [[person]] each (user = the name the logs show).
""", [(p.note, [("user", p.user), ("name", p.name), ("kind", p.kind), ("employer", p.employer),
                ("project", p.project), ("supervisor", p.supervisor), ("start", p.start),
                ("end", p.end), ("declaration_signed", p.declaration),
                ("remote_allowed", p.remote_allowed)]) for p in PEOPLE])
    grants = toml_entries("grant", """\
# Authorisations (3.3.g-k, 3.4.d-f), one [[grant]] each. A date is a whole local day
# (until = 2025-12-31 is valid to 2026-01-01 00:00 Europe/Oslo); a date-time is that
# wall-clock time in Europe/Oslo.
""", [(g["note"], [(k, g[k]) for k in (
        "id", "user", "scope", "granted_by", "approved_by", "verified_by", "from", "until", "revoked")])
       for g in GRANTS])
    deletions = toml_entries("deletion", """\
# Deletions carried out (5.5), one [[deletion]] each.
""", [(None, [(k, x[k]) for k in ("dataset", "date", "method", "copies", "by")]) for x in DELETIONS])
    return {"datasets.toml": datasets, "people.toml": people,
            "authorizations.toml": grants, "deletions.toml": deletions}


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    import tomllib
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                    help="output folder (default: the folder of this script)")
    ap.add_argument("--verbose", action="store_true", help="print the evidence of every finding")
    args = ap.parse_args()

    plan_year()
    run_plan()
    gen_exposure()
    assign_pids()
    render_ssh()
    gen_fwext()
    gen_fwsec()
    for sink in SINKS:
        sink.finish()
    apply_gaps()
    dropped = drop_misread_lines()
    for name, line in dropped:
        assert "kernel:" in line, "a line that matters was dropped: " + line

    config = tomllib.loads(VAKT_TOML)
    texts = registry_texts()
    reg = {"datasets": tomllib.loads(texts["datasets.toml"])["dataset"],
           "people": tomllib.loads(texts["people.toml"])["person"],
           "grants": tomllib.loads(texts["authorizations.toml"])["grant"],
           "deletions": tomllib.loads(texts["deletions.toml"])["deletion"]}
    found = review(config, reg, SINKS)
    planned = {(c, sub): why for c, sub, why in PLANNED}
    if args.verbose:
        for key in sorted(found):
            ev = found[key]
            print("%-22s %-40s %4d  %s .. %s" % (key[0], key[1], len(ev), ev[0], ev[-1]))
        for key, a, b in silent_per_stream(SINKS):
            print("silent per stream:", key, a, b)
    missing = sorted(set(planned) - set(found))
    extra = sorted(set(found) - set(planned))
    if missing or extra:
        for key in missing:
            print("planned but not caused:", key, file=sys.stderr)
        for key in extra:
            print("caused but not planned:", key, found[key][:3], file=sys.stderr)
        sys.exit(1)
    stream_silence = [x for x in silent_per_stream(SINKS) if x[0] != ("fw-sec", "firewall")]
    assert not stream_silence, stream_silence

    total = 0
    for sink in SINKS:
        data = ("\n".join(r[2] for r in sink.recs) + "\n").encode("ascii")
        write(os.path.join(args.out, "logs", sink.name), data)
        total += len(data)
        print("logs/%-22s %6d lines %9d bytes" % (sink.name, len(sink.recs), len(data)))
    print("%-27s %6d lines %9d bytes" % ("total", sum(len(x.recs) for x in SINKS), total))
    for name, text in texts.items():
        write(os.path.join(args.out, "registry", name), text.encode("utf-8"))
    write(os.path.join(args.out, "vakt.toml"), VAKT_TOML.encode("utf-8"))
    findings = [{"check": c, "subject": sub, "why": why} for c, sub, why in PLANNED]
    write(os.path.join(args.out, "expected-findings.json"),
          (json.dumps(findings, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    print("%d findings planned and caused; %d lines of the repeated hour left out" % (len(PLANNED), len(dropped)))


if __name__ == "__main__":
    main()
