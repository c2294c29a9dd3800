"""Signed tree heads and proof bundles (证明包) as handed to witnesses and courts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lawtrail.ledger import keys, queries
from lawtrail.ledger.models import Checkpoint, LedgerEntry
from lawtrail.ledger.tiles import StoredTree
from lawtrail.lib.errors import Conflict, InvalidInput, NotFound
from lawtrail.verifier.bundle import make_bundle
from lawtrail.verifier.checkpoint import Checkpoint as SignedCheckpoint
from lawtrail.verifier.checkpoint import SignatureError


def export_checkpoint(row: Checkpoint | None = None) -> dict[str, Any]:
    """The JSON a witness keeps: the latest signed tree head unless one is named."""
    row = row or queries.latest_checkpoint()
    if row is None:
        raise NotFound("no_checkpoint", "尚未签署任何签名树头;请先运行 lawtrail ledger checkpoint")
    return {**row.signed.to_json(_signer(row.signed)), "id": row.pk}


def _signer(cp: SignedCheckpoint) -> Ed25519PublicKey | None:
    """The public key that signed `cp`, by the key history (informational in exports)."""
    ring = keys.key_ring_for_export()
    if ring is None:
        return None
    try:
        return ring.key_for(cp)
    except SignatureError:
        return None


def _tree(row: Checkpoint) -> StoredTree:
    """The tree a signed head covers, read from the ledger's tiles (O(log n) rows a proof)."""
    tree = StoredTree(row.tree_size)
    if row.tree_size and tree.root() != bytes(row.root_hash):
        raise Conflict("ledger_gap", f"账本与签名树头 #{row.pk}({row.tree_size} 条)不一致,无法出具证明;请运行 lawtrail verify")
    return tree


def prove(entry: int | None, *, witnesses: Sequence[tuple[str, SignedCheckpoint]] = (),
          checkpoint: Checkpoint | None = None) -> dict[str, Any]:
    """A bundle proving entry `entry` (and/or that the ledger extends each witness's tree head)
    against the latest signed tree head that covers it."""
    if entry is None and not witnesses:
        raise InvalidInput("nothing_to_prove", "请指定条目号,或用 --witness 指定要证明一致性的签名树头")
    if entry is not None and entry < 0:
        raise InvalidInput("invalid_entry", "条目号从 0 开始")
    row = checkpoint or queries.latest_checkpoint(covering=entry)
    if row is None:
        raise Conflict("not_yet_signed", f"条目 #{entry} 尚未纳入任何签名树头;请稍候,或运行 lawtrail ledger checkpoint"
                       if entry is not None else "尚未签署任何签名树头;请先运行 lawtrail ledger checkpoint")
    signed = row.signed
    tree = _tree(row)
    part: tuple[int, bytes, list[bytes]] | None = None
    if entry is not None:
        found = LedgerEntry.objects.filter(seq=entry).first()
        if found is None:
            raise NotFound("no_entry", f"条目 #{entry} 不存在")
        if entry >= signed.tree_size:
            raise InvalidInput("entry_not_covered", f"条目 #{entry} 不在签名树头 #{row.pk}({signed.tree_size} 条)中")
        part = (entry, bytes(found.canonical), tree.inclusion_proof(entry, signed.tree_size))
    consistency = []
    for name, old in witnesses:
        if old.tree_size > signed.tree_size:
            raise InvalidInput("witness_newer", f"见证方签名树头 {name} 有 {old.tree_size} 条,多于签名树头 #{row.pk} 的 "
                                                f"{signed.tree_size} 条:请先签署新的签名树头")
        path = tree.consistency_proof(old.tree_size, signed.tree_size) if old.tree_size else []
        consistency.append((old, path))
    return make_bundle(signed, entry=part, consistency=consistency, ring=keys.key_ring_for_export())


def consistency(old: Checkpoint, new: Checkpoint) -> dict[str, Any]:
    """A bundle proving that signed tree head `new` extends `old` (RFC 6962 consistency proof)."""
    if old.tree_size > new.tree_size:
        raise InvalidInput("checkpoints_reversed", f"签名树头 #{old.pk}({old.tree_size} 条)晚于签名树头 #{new.pk}"
                                                   f"({new.tree_size} 条):请交换两者")
    path = _tree(new).consistency_proof(old.tree_size, new.tree_size) if old.tree_size else []
    return make_bundle(new.signed, consistency=[(old.signed, path)], ring=keys.key_ring_for_export())
