"""The agency's Ed25519 signing key (账本签名密钥), kept in a file outside the database."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from lawtrail.lib.errors import Conflict, DomainError
from lawtrail.verifier.checkpoint import FormatError, SignatureError
from lawtrail.verifier.entry import parse_entry
from lawtrail.verifier.keyring import KeyRing, Rotation


class LedgerKeyError(DomainError):
    """The signing key is missing or unreadable: nothing can be signed, nothing trusted."""

    status = 503


def generate_key(path: Path) -> Ed25519PrivateKey:
    """Write a new key to `path` (PKCS#8 PEM, mode 0600); refuse to overwrite one."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes making the first checkpoint at once must not end with two keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Conflict("ledger_key_exists", f"账本签名密钥文件已存在,不会覆盖:{path}")
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
        f.flush()
        os.fsync(f.fileno())
    return key


def load_private_key(path: Path | None = None, *, create: bool | None = None) -> Ed25519PrivateKey:
    """The signing key. In the embedded mode it is made on first use; at scale it must exist."""
    path = Path(path or settings.LEDGER_KEY_FILE)
    create = settings.LEDGER_KEY_GENERATE if create is None else create
    if not path.exists():
        if not create:
            raise LedgerKeyError("ledger_key_missing",
                                 f"找不到账本签名密钥文件 {path}(LAWTRAIL_LEDGER_KEY_FILE)。"
                                 "请用 lawtrail ledger keygen 生成并妥善保管。")
        try:
            return generate_key(path)
        except Conflict:
            pass  # made by a concurrent process a moment ago: read it
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as err:
        raise LedgerKeyError("ledger_key_unreadable", f"无法读取账本签名密钥文件 {path}:{err}")
    if not isinstance(key, Ed25519PrivateKey):
        raise LedgerKeyError("ledger_key_wrong_type", f"账本签名密钥文件 {path} 不是 Ed25519 私钥")
    return key


def load_public_key(path: Path | None = None) -> Ed25519PublicKey | None:
    """The public half of the signing key, or None when there is no key file (nothing signed yet)."""
    path = Path(path or settings.LEDGER_KEY_FILE)
    if not path.exists():
        return None
    return load_private_key(path, create=False).public_key()


# ---------------------------------------------------------------- key history (密钥更替)

ROTATE_ACTION = "ledger.rotate_key"
ROTATION_OBJECT = "ledger.key"


def ledger_rotations() -> list[tuple[int, Rotation]]:
    """(entry number, statement) of every key rotation the ledger holds, read from the entries'
    own bytes (what the tree covers), oldest first. FormatError for a statement that cannot be read."""
    from lawtrail.ledger.models import LedgerEntry

    out: list[tuple[int, Rotation]] = []
    rows = (LedgerEntry.objects.filter(event__object_type=ROTATION_OBJECT).order_by("seq")
            .values_list("seq", "canonical"))
    for seq, canonical in rows:
        try:
            data = parse_entry(bytes(canonical))
        except ValueError as err:
            raise FormatError(f"条目 #{seq}(密钥更替)无法解读:{err}")
        if data.get("action") != ROTATE_ACTION or data.get("outcome") != "done":
            continue
        payload: dict[str, Any] = data["payload"] if isinstance(data.get("payload"), dict) else {}
        out.append((seq, Rotation.from_json(payload.get("rotation"))))
    return out


def key_ring(trusted: Ed25519PublicKey | None = None) -> KeyRing | None:
    """The ledger's keys, followed from `trusted` (default: the key file's public half) through
    the rotations it records; None when there is no key at all. SignatureError/FormatError when
    the history does not hold together."""
    trusted = trusted or load_public_key()
    if trusted is None:
        return None
    return KeyRing.follow(trusted, [r for _, r in ledger_rotations()])


def key_ring_for_export() -> KeyRing | None:
    """key_ring(), or the current key alone when the history is broken (`lawtrail verify` says why)."""
    try:
        return key_ring()
    except (SignatureError, FormatError):
        public_key = load_public_key()
        return KeyRing.single(public_key) if public_key is not None else None
