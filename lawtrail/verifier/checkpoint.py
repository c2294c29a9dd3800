"""Signed tree heads (签名树头, "checkpoints"): their signed text, JSON form and Ed25519 check.

A checkpoint says "the ledger of <origin> had <tree_size> entries with tree head <root_hash>
at <timestamp>", signed with the agency's Ed25519 key. The signature covers this text,
UTF-8, every line ending in "\\n" (the JSON form is rebuilt into it before checking, so
no field can say something the signature does not):

    lawtrail-checkpoint/1
    origin: 测试区劳动保障监察大队
    tree_size: 1204
    root_hash: 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328
    timestamp: 2026-04-20T01:30:00.000000Z
    key_id: 3f2a9c0d5e7b1a46

key_id is the first 16 hex digits of SHA-256("lawtrail-ledger-key/1\\n" || raw public key).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CHECKPOINT_FORMAT = "lawtrail-checkpoint/1"
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_KEY_ID = re.compile(r"^[0-9a-f]{16}$")


class FormatError(ValueError):
    """A checkpoint, key or proof bundle that cannot be read (not: one that fails its check)."""


class SignatureError(ValueError):
    """A checkpoint whose signature does not verify under the key given."""


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(b"lawtrail-ledger-key/1\n" + raw).hexdigest()[:16]


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key in base64: what a witness pins."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key given as PEM, as base64 of the raw 32 bytes, or as 64 hex digits."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise FormatError("公钥不是 Ed25519 公钥")
            return key
        raw = bytes.fromhex(text) if re.fullmatch(r"[0-9a-fA-F]{64}", text) else base64.b64decode(text, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, binascii.Error) as err:
        if isinstance(err, FormatError):
            raise
        raise FormatError(f"无法读取公钥:{err}")


def format_timestamp(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("a checkpoint time must be aware")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes
    timestamp: str
    key_id: str
    signature: bytes = b""

    def signed_text(self) -> bytes:
        return (
            f"{CHECKPOINT_FORMAT}\n"
            f"origin: {self.origin}\n"
            f"tree_size: {self.tree_size}\n"
            f"root_hash: {self.root_hash.hex()}\n"
            f"timestamp: {self.timestamp}\n"
            f"key_id: {self.key_id}\n"
        ).encode()

    def signed_by(self, private_key: Ed25519PrivateKey) -> Checkpoint:
        return Checkpoint(self.origin, self.tree_size, self.root_hash, self.timestamp, self.key_id,
                          private_key.sign(self.signed_text()))

    def verify(self, public_key: Ed25519PublicKey) -> None:
        """Raise SignatureError unless this checkpoint is signed by `public_key`."""
        if self.key_id != key_id(public_key):
            raise SignatureError(f"签名密钥标识 {self.key_id} 与所给公钥({key_id(public_key)})不符")
        try:
            public_key.verify(self.signature, self.signed_text())
        except InvalidSignature:
            raise SignatureError("签名无效:签名树头不是用该公钥签署的,或签署后被改动")

    def to_json(self, public_key: Ed25519PublicKey | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": CHECKPOINT_FORMAT,
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "timestamp": self.timestamp,
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode(),
        }
        if public_key is not None:
            # Informational: a verifier trusts the key it was given, never this copy.
            out["public_key"] = public_key_text(public_key)
        return out

    @classmethod
    def from_json(cls, data: Any) -> Checkpoint:
        if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
            raise FormatError(f"不是签名树头文件(format 应为 {CHECKPOINT_FORMAT})")
        origin, size, root = data.get("origin"), data.get("tree_size"), data.get("root_hash")
        stamp, kid, sig = data.get("timestamp"), data.get("key_id"), data.get("signature")
        if not isinstance(origin, str) or "\n" in origin:
            raise FormatError("签名树头的 origin 无效")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise FormatError("签名树头的 tree_size 无效")
        if not isinstance(root, str) or not _HEX64.match(root):
            raise FormatError("签名树头的 root_hash 应为 64 位小写十六进制")
        if not isinstance(stamp, str) or not _TIMESTAMP.match(stamp):
            raise FormatError("签名树头的 timestamp 应为 UTC 时间,如 2026-04-20T01:30:00.000000Z")
        if not isinstance(kid, str) or not _KEY_ID.match(kid):
            raise FormatError("签名树头的 key_id 无效")
        try:
            signature = base64.b64decode(sig if isinstance(sig, str) else "", validate=True)
        except ValueError:  # binascii.Error, or text that is not ASCII
            raise FormatError("签名树头的 signature 不是 base64")
        if len(signature) != 64:
            raise FormatError("签名树头的 signature 应为 64 字节的 Ed25519 签名")
        return cls(origin, size, bytes.fromhex(root), stamp, kid, signature)

    def describe(self) -> str:
        return f"{self.tree_size} 条,树根 {self.root_hash.hex()[:16]}…,时间 {self.timestamp}"
