#!/usr/bin/env python3
"""Checks a witness cosignature on a checkpoint, without vakt.

Usage: python3 independent_cosignature.py COSIGNER_VKEY [NOTE_FILE]

Reads a signed checkpoint note (from NOTE_FILE, or standard input when it is
absent or "-") and verifies the cosignature on it by the cosigner whose
verifier key is COSIGNER_VKEY. Written from the C2SP specifications alone
(c2sp.org/signed-note, c2sp.org/tlog-cosignature: Ed25519 cosignature/v1),
as a check independent of vakt's code. Needs Python 3 and the `cryptography`
package. Prints the cosignature's timestamp and exits 0 when it verifies;
exits 1 otherwise, saying why.
"""

import base64
import binascii
import hashlib
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EM_DASH_SPACE = "\u2014 "
COSIGNATURE_V1 = 0x04
MAX_TIMESTAMP = 2**63 - 1


class Refused(Exception):
    """The note or the key does not check out."""


def b64decode_strict(text):
    """Standard base64 with padding; refuses anything else."""
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise Refused(f"not standard base64: {text!r}") from error
    if base64.b64encode(decoded).decode("ascii") != text:
        raise Refused(f"not canonical base64: {text!r}")
    return decoded


def parse_vkey(vkey):
    """<name>+<hex key id>+<base64(0x04 || 32-byte Ed25519 public key)>."""
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise Refused("the verifier key is not <name>+<key id>+<key>")
    name, key_id_hex, key_b64 = parts
    if not name or any(c.isspace() or c == "+" for c in name):
        raise Refused("the verifier key's name is empty or holds a space")
    key = b64decode_strict(key_b64)
    if len(key) != 33 or key[0] != COSIGNATURE_V1:
        raise Refused("the verifier key is not an Ed25519 cosignature/v1 (0x04) key")
    public_key = key[1:]
    key_id = hashlib.sha256(name.encode() + b"\n" + bytes([COSIGNATURE_V1]) + public_key).digest()[:4]
    if key_id.hex() != key_id_hex:
        raise Refused(f"the verifier key states key id {key_id_hex}, its key gives {key_id.hex()}")
    return name, key_id, Ed25519PublicKey.from_public_bytes(public_key)


def split_note(note):
    """The note's text (through the newline before the blank line) and its
    signature lines."""
    if not note.endswith("\n"):
        raise Refused("the note does not end in a newline")
    blank = note.rfind("\n\n")
    if blank < 0:
        raise Refused("the note has no blank line before its signatures")
    text = note[: blank + 1]
    lines = note[blank + 2 :].split("\n")[:-1]
    if not lines:
        raise Refused("the note has no signature lines")
    for line in lines:
        if not line.startswith(EM_DASH_SPACE):
            raise Refused(f"not a signature line: {line!r}")
    return text, lines


def check(vkey, note):
    """The timestamp of the verified cosignature, or Refused."""
    name, key_id, public_key = parse_vkey(vkey)
    text, lines = split_note(note)
    timestamps = []
    for line in lines:
        line_name, _, signature_b64 = line[len(EM_DASH_SPACE) :].partition(" ")
        if line_name != name:
            continue
        blob = b64decode_strict(signature_b64)
        if blob[:4] != key_id:
            continue
        if len(blob) != 4 + 8 + 64:
            raise Refused(f"the cosignature holds {len(blob)} bytes, not 76")
        timestamp = int.from_bytes(blob[4:12], "big")
        if timestamp > MAX_TIMESTAMP:
            raise Refused(f"the timestamp {timestamp} is above 2^63 - 1")
        message = b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + text.encode()
        try:
            public_key.verify(blob[12:], message)
        except InvalidSignature as error:
            raise Refused("the cosignature does not verify over the checkpoint") from error
        timestamps.append(timestamp)
    if not timestamps:
        raise Refused(f"the note has no cosignature by {name}+{key_id.hex()}")
    return max(timestamps)


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    if len(argv) == 3 and argv[2] != "-":
        with open(argv[2], "rb") as file:
            raw = file.read()
    else:
        raw = sys.stdin.buffer.read()
    try:
        note = raw.decode("utf-8")
        print(check(argv[1].strip(), note))
    except (Refused, UnicodeDecodeError) as error:
        print(f"cosignature refused: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
