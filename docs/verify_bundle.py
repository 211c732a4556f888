#!/usr/bin/env python3
"""Checks a vakt evidence bundle without vakt.

Usage: python3 verify_bundle.py BUNDLE_DIR [--key VKEY] [--witness VKEY ...]

Re-implements, from vakt's schemas/FORMAT.md alone: the canonical record
encoding (section 3), the RFC 9162 inclusion proof (section 4), the C2SP
signed-note checkpoint with Ed25519 (section 6), and the witnesses' C2SP
tlog-cosignature (cosignature/v1, Ed25519) on the checkpoints. Needs
Python 3 and the `cryptography` package (pip install cryptography).

--key VKEY: the store's key must be this one (known from elsewhere).
--witness VKEY: every checkpoint must carry a valid cosignature by this
witness (its cosigner key, known from elsewhere); repeatable. Without it,
the cosignatures by the keys in witnesses.vkey are checked and reported.

Exit 0 when every record is proven to be in its signed checkpoint (and
cosigned as asked), 1 otherwise.
"""

import base64
import datetime
import hashlib
import json
import os
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

# FORMAT.md section 2: the canonical columns of each stream, in order.
ENVELOPE = [("seq", "u64"), ("time", "timestamp"), ("ingest_time", "timestamp"),
            ("source", "utf8"), ("raw", "utf8"), ("nonce", "bytes[16]")]
STREAMS = {
    "sessions": (1, [("server", "utf8"), ("server_zone", "utf8"), ("user", "utf8"),
                     ("src_ip", "utf8"), ("src_port", "u16"), ("src_zone", "utf8"),
                     ("protocol", "utf8"), ("action", "utf8"), ("session_id", "utf8"),
                     ("auth_methods", "utf8"), ("multi_factor", "bool")]),
    "firewall": (2, [("device", "utf8"), ("action", "utf8"), ("src_ip", "utf8"),
                     ("src_port", "u16"), ("src_zone", "utf8"), ("dst_ip", "utf8"),
                     ("dst_port", "u16"), ("dst_zone", "utf8"), ("protocol", "utf8"),
                     ("new_connection", "bool"), ("rule", "utf8"), ("in_iface", "utf8"),
                     ("out_iface", "utf8")]),
    "access": (3, [("host", "utf8"), ("user", "utf8"), ("operation", "utf8"),
                   ("path", "utf8"), ("target", "utf8"), ("area", "utf8"),
                   ("dataset", "utf8"), ("success", "bool"), ("client_ip", "utf8"),
                   ("client_name", "utf8"), ("share", "utf8"), ("session", "utf8")]),
    "registry": (4, [("file", "utf8"), ("digest", "utf8"), ("content", "utf8")]),
    "audit": (5, [("user", "utf8"), ("command", "utf8"), ("detail", "utf8"),
                  ("rows", "i64"), ("result", "utf8")]),
    "quarantine": (6, [("line", "u64"), ("offset", "u64"), ("reason", "utf8"),
                       ("raw_length", "u64"), ("raw_sha256", "utf8"),
                       ("intended_stream", "utf8")]),
}


def encode_value(kind, value):
    if kind == "utf8":
        data = value.encode("utf-8")
        return len(data).to_bytes(4, "big") + data
    if kind == "u16":
        return value.to_bytes(2, "big")
    if kind == "u64":
        return value.to_bytes(8, "big")
    if kind in ("i64", "timestamp"):
        return value.to_bytes(8, "big", signed=True)
    if kind == "bool":
        return b"\x01" if value else b"\x00"
    if kind.startswith("bytes["):
        data = bytes.fromhex(value)
        if len(data) != int(kind[6:-1]):
            raise ValueError("wrong length for " + kind)
        return data
    raise ValueError("unknown type " + kind)


def canonical(stream, fields):
    tag, columns = STREAMS[stream]
    expected = ENVELOPE + columns
    names = [(field["name"], field["type"]) for field in fields]
    if names != expected:
        raise ValueError("fields are not the %s columns in order" % stream)
    out = bytes([1, tag]) + len(expected).to_bytes(2, "big")
    for field in fields:
        if field["value"] is None:
            out += b"\x00"
        else:
            out += b"\x01" + encode_value(field["type"], field["value"])
    return out


def sha256(data):
    return hashlib.sha256(data).digest()


def root_from_inclusion_proof(leaf, index, size, proof):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        raise ValueError("index outside the tree")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ValueError("proof too long")
        if fn % 2 == 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = sha256(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("proof too short")
    return r


def parse_vkey(vkey):
    name, key_id_hex, key_b64 = vkey.strip().split("+", 2)
    key = base64.b64decode(key_b64)
    if key[0] != 1 or len(key) != 33:
        raise ValueError("not an Ed25519 verifier key")
    key_id = sha256(name.encode() + b"\n" + key)[:4]
    if key_id.hex() != key_id_hex:
        raise ValueError("key id does not match the key")
    return name, key_id, Ed25519PublicKey.from_public_bytes(key[1:])


def parse_cosigner_vkey(vkey):
    """A cosigner key (C2SP tlog-cosignature): algorithm byte 0x04."""
    name, key_id_hex, key_b64 = vkey.strip().split("+", 2)
    key = base64.b64decode(key_b64)
    if key[0] != 4 or len(key) != 33:
        raise ValueError("not an Ed25519 cosignature/v1 key")
    key_id = sha256(name.encode() + b"\n" + key)[:4]
    if key_id.hex() != key_id_hex:
        raise ValueError("key id does not match the key")
    return name, key_id, Ed25519PublicKey.from_public_bytes(key[1:])


def verify_cosignature(note, cosigner):
    """The timestamp of the cosigner's valid cosignature on the note."""
    name, key_id, public_key = cosigner
    text, _, signatures = note.partition("\n\n")
    text += "\n"
    for line in signatures.splitlines():
        if not line.startswith("\u2014 "):
            continue
        signer, _, blob = line[2:].rpartition(" ")
        data = base64.b64decode(blob)
        if signer != name or data[:4] != key_id or len(data) != 4 + 8 + 64:
            continue
        timestamp = int.from_bytes(data[4:12], "big")
        message = ("cosignature/v1\ntime %d\n" % timestamp).encode() + text.encode("utf-8")
        public_key.verify(data[12:], message)
        return timestamp
    raise InvalidSignature("no cosignature by " + name)


def verify_checkpoint(note, vkey):
    name, key_id, public_key = vkey
    text, _, signatures = note.partition("\n\n")
    text += "\n"
    for line in signatures.splitlines():
        if not line.startswith("\u2014 "):
            continue
        signer, _, blob = line[2:].rpartition(" ")
        data = base64.b64decode(blob)
        if signer != name or data[:4] != key_id:
            continue
        public_key.verify(data[4:], text.encode("utf-8"))
        lines = text.splitlines()
        return lines[0], int(lines[1]), base64.b64decode(lines[2])
    raise InvalidSignature("no signature by " + name)


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    folder = argv[1]
    with open(os.path.join(folder, "verifier.vkey")) as handle:
        vkey_texts = [line.strip() for line in handle if line.strip()]
    if "--key" in argv and argv[argv.index("--key") + 1].strip() not in vkey_texts:
        print("FAIL: the expected key is not among the bundle's keys")
        return 1
    vkeys = [parse_vkey(text) for text in vkey_texts]
    required = [parse_cosigner_vkey(argv[index + 1])
                for index, arg in enumerate(argv) if arg == "--witness"]
    cosigners = list(required)
    witness_path = os.path.join(folder, "witnesses.vkey")
    if os.path.exists(witness_path):
        with open(witness_path) as handle:
            for line in handle:
                if line.strip():
                    cosigners.append(parse_cosigner_vkey(line))
    with open(os.path.join(folder, "bundle.json")) as handle:
        info = json.load(handle)
    roots = {}
    failures = 0
    for stream, size in info["checkpoints"].items():
        with open(os.path.join(folder, "checkpoints", stream + ".checkpoint")) as handle:
            note = handle.read()
        verified = None
        error = None
        for vkey in vkeys:
            try:
                verified = verify_checkpoint(note, vkey)
                break
            except (InvalidSignature, ValueError, IndexError) as failure:
                error = failure
        if verified is None:
            print("FAIL: %s checkpoint: %s" % (stream, error))
            failures += 1
            continue
        origin, signed_size, root = verified
        seen = set()
        for cosigner in cosigners:
            if cosigner[0] in seen:
                continue
            try:
                timestamp = verify_cosignature(note, cosigner)
                seen.add(cosigner[0])
                print("%s checkpoint (size %d) cosigned by witness %s at %s UTC"
                      % (stream, signed_size, cosigner[0],
                         datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)
                         .strftime("%Y-%m-%d %H:%M:%S")))
            except (InvalidSignature, ValueError) as failure:
                if cosigner in required:
                    print("FAIL: %s checkpoint: %s" % (stream, failure))
                    failures += 1
        if origin != "vakt/%s/%s" % (info["store_id"], stream) or signed_size != size:
            print("FAIL: %s checkpoint is for %s, size %d" % (stream, origin, signed_size))
            failures += 1
            continue
        roots[stream] = (signed_size, root)
    count = 0
    with open(os.path.join(folder, "records.jsonl")) as handle:
        for number, line in enumerate(handle, 1):
            record = json.loads(line)
            count += 1
            try:
                stream = record["stream"]
                size, root = roots[stream]
                if record["tree_size"] != size or record["fields"][0]["value"] != record["seq"]:
                    raise ValueError("tree size or sequence number disagrees")
                leaf = sha256(b"\x00" + canonical(stream, record["fields"]))
                proof = [bytes.fromhex(item) for item in record["proof"]]
                if root_from_inclusion_proof(leaf, record["seq"], size, proof) != root:
                    raise ValueError("the proof does not lead to the signed root")
            except (KeyError, ValueError, OverflowError) as error:
                print("FAIL: records.jsonl line %d: %s" % (number, error))
                failures += 1
    if count != info["records"] or count == 0:
        print("FAIL: %d records, bundle.json says %d" % (count, info["records"]))
        failures += 1
    fingerprint = ", ".join("SHA256:" + sha256(b"\x01" + key[2].public_bytes_raw()).hex()
                            for key in vkeys)
    if failures:
        print("NOT VERIFIED: %d problems (key %s)" % (failures, fingerprint))
        return 1
    print("verified: %d records of store %s are in its signed checkpoints (key %s)"
          % (count, info["store_id"], fingerprint))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
