"""Signed tree heads as C2SP signed notes (the tlog-checkpoint format tlog tools and witnesses read).

The checkpoint body is three lines, each ending in "\\n": the ledger's origin, the tree size in
decimal, the root hash in standard base64. A signed note is the body, a blank line, and one
line per signature: "— <key name> <base64(key id ‖ Ed25519 signature of the body)>\\n", where
the key id is the first 4 bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ raw public key). A verifier
key is written "<key name>+<key id, 8 hex>+<base64(0x01 ‖ raw public key)>".

Part of the independent verifier: the standard library and `cryptography` only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = b"\x01"
_DASH = "\u2014 "  # an em dash and a space open every signature line
_NOT_IN_NAME = re.compile(r"[\s+]")


class NoteError(ValueError):
    """A note that is malformed or not signed by the key asked for."""


def key_name(origin: str) -> str:
    """A note key name for a ledger origin: no spaces and no plus signs (the spec's only rules)."""
    name = _NOT_IN_NAME.sub("_", origin.strip())
    return name or "lawtrail"


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + _raw(public_key)).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    return f"{name}+{key_id(name, public_key).hex()}+{base64.b64encode(ED25519 + _raw(public_key)).decode()}"


def parse_verifier_key(text: str) -> tuple[str, Ed25519PublicKey]:
    name, _, rest = text.strip().partition("+")
    kid, _, data = rest.partition("+")
    try:
        raw = base64.b64decode(data, validate=True)
    except binascii.Error as err:
        raise NoteError(f"verifier key: bad base64 ({err})") from None
    if not name or _NOT_IN_NAME.search(name) or len(raw) != 33 or raw[:1] != ED25519:
        raise NoteError("verifier key: expected <name>+<8 hex>+<base64(0x01 || 32-byte Ed25519 key)>")
    key = Ed25519PublicKey.from_public_bytes(raw[1:])
    if kid.lower() != key_id(name, key).hex():
        raise NoteError("verifier key: the key id does not match the name and key")
    return name, key


def checkpoint_body(origin: str, tree_size: int, root_hash: bytes) -> str:
    if not origin or "\n" in origin:
        raise NoteError("a checkpoint origin is one non-empty line")
    return f"{origin}\n{tree_size}\n{base64.b64encode(root_hash).decode()}\n"


def signature_line(body: str, name: str, private_key: Ed25519PrivateKey) -> str:
    signature = private_key.sign(body.encode())
    return f"{_DASH}{name} {base64.b64encode(key_id(name, private_key.public_key()) + signature).decode()}\n"


def signed_note(body: str, *signature_lines: str) -> str:
    return body + "\n" + "".join(signature_lines)


def open_note(text: str, name: str, public_key: Ed25519PublicKey) -> str:
    """The body of `text` if a signature line of key (`name`, `public_key`) verifies it; NoteError if not."""
    body, sep, sigs = text.rpartition("\n\n")
    if not sep or not body:
        raise NoteError("not a signed note: no blank line before the signatures")
    body += "\n"
    want = key_id(name, public_key)
    for line in sigs.split("\n"):
        if not line:
            continue
        if not line.startswith(_DASH):
            raise NoteError("malformed signature line")
        who, _, blob = line[len(_DASH):].rpartition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except binascii.Error:
            raise NoteError("malformed signature line") from None
        if who != name or raw[:4] != want:
            continue
        try:
            public_key.verify(raw[4:], body.encode())
        except InvalidSignature:
            raise NoteError(f"the signature of {name} does not verify") from None
        return body
    raise NoteError(f"no signature of {name} on the note")
