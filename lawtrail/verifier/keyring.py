"""Key history (密钥更替): which Ed25519 key signed which signed tree heads.

The agency may replace its signing key (`lawtrail ledger rotate-key`). Each replacement is a
**rotation statement** signed by both keys — the old one authorises its successor, the new
one shows it is held — and is itself recorded in the ledger as an entry:

    lawtrail-key-rotation/1
    origin: 测试区劳动保障监察大队
    old_key_id: 3f2a9c0d5e7b1a46
    old_key: <base64 of the raw 32-byte public key>
    new_key_id: 9b1c…
    new_key: <base64>
    tree_size: 1205
    timestamp: 2026-04-20T01:30:00.000000Z

`tree_size` is the size of the ledger that ends with the rotation's own entry: the old key
signs tree heads of at most that size, the new one tree heads of at least that size (both
sign that one, so the hand-over itself is covered by both keys).

A verifier trusts one key it obtained independently (any key of the chain: the first one a
witness pinned, or today's) and follows the statements from it; each statement is checked
under the keys it names, and the chain must be unbroken. Standard library and `cryptography`
only: this module is part of the verifier handed to outsiders.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lawtrail.verifier.checkpoint import _TIMESTAMP, Checkpoint, FormatError, SignatureError, key_id

ROTATION_FORMAT = "lawtrail-key-rotation/1"
KEYS_FORMAT = "lawtrail-keys/1"


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _b64(value: Any, what: str, size: int) -> bytes:
    try:
        raw = base64.b64decode(value if isinstance(value, str) else "\x00", validate=True)
    except (ValueError, binascii.Error):
        raise FormatError(f"密钥更替声明的 {what} 不是 base64")
    if len(raw) != size:
        raise FormatError(f"密钥更替声明的 {what} 应为 {size} 字节")
    return raw


@dataclass(frozen=True)
class Rotation:
    """One key hand-over; the keys are raw 32-byte Ed25519 public keys."""

    origin: str
    old_key: bytes
    new_key: bytes
    tree_size: int
    timestamp: str
    old_signature: bytes = b""
    new_signature: bytes = b""

    @property
    def old_public_key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.old_key)

    @property
    def new_public_key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.new_key)

    @property
    def old_key_id(self) -> str:
        return key_id(self.old_public_key)

    @property
    def new_key_id(self) -> str:
        return key_id(self.new_public_key)

    def signed_text(self) -> bytes:
        return (
            f"{ROTATION_FORMAT}\n"
            f"origin: {self.origin}\n"
            f"old_key_id: {self.old_key_id}\n"
            f"old_key: {base64.b64encode(self.old_key).decode()}\n"
            f"new_key_id: {self.new_key_id}\n"
            f"new_key: {base64.b64encode(self.new_key).decode()}\n"
            f"tree_size: {self.tree_size}\n"
            f"timestamp: {self.timestamp}\n"
        ).encode()

    @classmethod
    def make(cls, origin: str, old: Ed25519PrivateKey, new: Ed25519PrivateKey, tree_size: int,
             timestamp: str) -> Rotation:
        unsigned = cls(origin, _raw(old.public_key()), _raw(new.public_key()), tree_size, timestamp)
        text = unsigned.signed_text()
        return cls(unsigned.origin, unsigned.old_key, unsigned.new_key, tree_size, timestamp,
                   old.sign(text), new.sign(text))

    def verify(self) -> None:
        """Raise SignatureError unless both named keys signed this statement."""
        text = self.signed_text()
        for label, key, signature in (("原密钥", self.old_public_key, self.old_signature),
                                      ("新密钥", self.new_public_key, self.new_signature)):
            try:
                key.verify(signature, text)
            except InvalidSignature:
                raise SignatureError(f"密钥更替声明({self.old_key_id} → {self.new_key_id})的{label}签名无效")

    def to_json(self) -> dict[str, Any]:
        return {
            "format": ROTATION_FORMAT, "origin": self.origin,
            "old_key_id": self.old_key_id, "old_key": base64.b64encode(self.old_key).decode(),
            "new_key_id": self.new_key_id, "new_key": base64.b64encode(self.new_key).decode(),
            "tree_size": self.tree_size, "timestamp": self.timestamp,
            "old_signature": base64.b64encode(self.old_signature).decode(),
            "new_signature": base64.b64encode(self.new_signature).decode(),
        }

    @classmethod
    def from_json(cls, data: Any) -> Rotation:
        if not isinstance(data, dict) or data.get("format") != ROTATION_FORMAT:
            raise FormatError(f"不是密钥更替声明(format 应为 {ROTATION_FORMAT})")
        origin, size, stamp = data.get("origin"), data.get("tree_size"), data.get("timestamp")
        if not isinstance(origin, str) or "\n" in origin:
            raise FormatError("密钥更替声明的 origin 无效")
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise FormatError("密钥更替声明的 tree_size 无效")
        if not isinstance(stamp, str) or not _TIMESTAMP.match(stamp):
            raise FormatError("密钥更替声明的 timestamp 无效")
        try:
            return cls(origin, _b64(data.get("old_key"), "old_key", 32), _b64(data.get("new_key"), "new_key", 32),
                       size, stamp, _b64(data.get("old_signature"), "old_signature", 64),
                       _b64(data.get("new_signature"), "new_signature", 64))
        except ValueError as err:  # a 32-byte string that is no Ed25519 point
            if isinstance(err, FormatError):
                raise
            raise FormatError(f"密钥更替声明中的公钥无效:{err}")


@dataclass(frozen=True)
class KeySpan:
    """One key and the tree sizes it may sign (last None: still the signing key)."""

    public_key: Ed25519PublicKey
    key_id: str
    first_size: int
    last_size: int | None

    def covers(self, size: int) -> bool:
        return self.first_size <= size and (self.last_size is None or size <= self.last_size)

    def describe(self) -> str:
        until = "至今" if self.last_size is None else f"至 {self.last_size} 条"
        return f"密钥 {self.key_id}(签署 {self.first_size} 条{until}的签名树头)"


class KeyRing:
    """The keys of a ledger in order, each with the tree sizes it may sign."""

    def __init__(self, spans: Sequence[KeySpan], rotations: Sequence[Rotation] = ()) -> None:
        self.spans = list(spans)
        self.rotations = list(rotations)

    @classmethod
    def single(cls, public_key: Ed25519PublicKey) -> KeyRing:
        return cls([KeySpan(public_key, key_id(public_key), 0, None)])

    @classmethod
    def follow(cls, trusted: Ed25519PublicKey, rotations: Sequence[Rotation]) -> KeyRing:
        """The chain of keys the rotation statements describe, provided each statement is signed by
        both its keys, each hands over from the key the previous one handed to, sizes only grow,
        and `trusted` is one of the keys. SignatureError otherwise."""
        ordered = sorted(rotations, key=lambda r: r.tree_size)
        if not ordered:
            return cls.single(trusted)
        spans: list[KeySpan] = []
        first = 0
        for i, rotation in enumerate(ordered):
            rotation.verify()
            if i and rotation.old_key != ordered[i - 1].new_key:
                raise SignatureError(f"密钥更替链断裂:第 {i + 1} 次更替的原密钥 {rotation.old_key_id} "
                                     f"不是上一次更替的新密钥 {ordered[i - 1].new_key_id}")
            if rotation.tree_size < first:
                raise SignatureError("密钥更替声明的条目数没有递增")
            spans.append(KeySpan(rotation.old_public_key, rotation.old_key_id, first, rotation.tree_size))
            first = rotation.tree_size
        spans.append(KeySpan(ordered[-1].new_public_key, ordered[-1].new_key_id, first, None))
        trusted_id = key_id(trusted)
        if not any(s.key_id == trusted_id and _raw(s.public_key) == _raw(trusted) for s in spans):
            raise SignatureError(f"所信任的公钥(密钥 {trusted_id})不在密钥更替链中:无法据此核验")
        return cls(spans, ordered)

    @property
    def current(self) -> KeySpan:
        return self.spans[-1]

    def key_for(self, checkpoint: Checkpoint) -> Ed25519PublicKey:
        """The key that may have signed this tree head; SignatureError when none may have."""
        named = [s for s in self.spans if s.key_id == checkpoint.key_id]
        if not named:
            raise SignatureError(f"签名密钥 {checkpoint.key_id} 不是该账本的密钥(已知:"
                                 f"{'、'.join(s.key_id for s in self.spans)})")
        for span in named:
            if span.covers(checkpoint.tree_size):
                return span.public_key
        raise SignatureError(f"{named[0].describe()}无权签署 {checkpoint.tree_size} 条的签名树头(超出其有效范围)")

    def verify(self, checkpoint: Checkpoint) -> Ed25519PublicKey:
        key = self.key_for(checkpoint)
        checkpoint.verify(key)
        return key

    def to_json(self) -> dict[str, Any]:
        """What `lawtrail ledger keys` exports: the statements (what a verifier checks) and, for
        people, the spans they give."""
        return {
            "format": KEYS_FORMAT,
            "rotations": [r.to_json() for r in self.rotations],
            "keys": [{"key_id": s.key_id, "public_key": base64.b64encode(_raw(s.public_key)).decode(),
                      "first_tree_size": s.first_size, "last_tree_size": s.last_size} for s in self.spans],
        }


def rotations_from_json(data: Any) -> list[Rotation]:
    """The rotation statements of an exported key history (or of a bundle's `key_history`)."""
    if isinstance(data, dict) and data.get("format") == KEYS_FORMAT:
        data = data.get("rotations")
    if not isinstance(data, list):
        raise FormatError(f"不是密钥历史(format 应为 {KEYS_FORMAT})")
    return [Rotation.from_json(item) for item in data]
