"""The ledger's actions: signing a tree head (签名树头) and replacing the signing key (密钥更替).

Entries are written by the event recorder (writer.py) inside each action's own
transaction; nothing else here changes the ledger. Signing records no DomainEvent of its
own: the signed tree head is itself an append-only, signed record, and an event per
checkpoint would make the tree grow by one entry at every periodic signing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import connection, transaction

from lawtrail.accounts.models import Agency, User
from lawtrail.events.recorder import record_event
from lawtrail.ledger import keys, queries, tiles
from lawtrail.ledger.models import Checkpoint, CheckpointNote, LedgerEntry
from lawtrail.ledger.sql import PG_LOCK_KEY
from lawtrail.ledger.tiles import StoredTree
from lawtrail.lib import timez
from lawtrail.lib.appendonly import GuardFault, restore_guard
from lawtrail.lib.errors import Conflict, InvalidInput
from lawtrail.verifier import note
from lawtrail.verifier.checkpoint import Checkpoint as SignedCheckpoint
from lawtrail.verifier.checkpoint import FormatError, SignatureError, format_timestamp, key_id
from lawtrail.verifier.keyring import KeyRing, Rotation


def ledger_origin() -> str:
    if settings.LEDGER_ORIGIN:
        return str(settings.LEDGER_ORIGIN).replace("\n", " ")[:200]
    first = Agency.objects.order_by("id").values_list("name", flat=True).first()
    return first or "LawTrail"


def _ring(public_key: Ed25519PublicKey) -> KeyRing:
    try:
        return KeyRing.follow(public_key, [r for _, r in keys.ledger_rotations()])
    except (SignatureError, FormatError) as err:
        raise Conflict("ledger_key_history", f"账本记录的密钥更替无法核验,拒绝签署:{err};请运行 lawtrail verify 查明")


def do_make_checkpoint(*, force: bool = False, size: int | None = None,
                       private_key: Ed25519PrivateKey | None = None) -> Checkpoint | None:
    """Sign the tree head of every committed entry (or of the first `size`); None when nothing
    was added since the last one.

    Refuses to sign a ledger that no longer extends the tree heads already signed: signing
    over a rewritten history would lend it the key's authority. Refuses, too, to sign with a
    key outside the tree sizes the key history gives it (a replaced key signs nothing new).
    """
    private_key = private_key or keys.load_private_key()
    public_key = private_key.public_key()
    ring = _ring(public_key)
    total = queries.ledger_size()
    size = total if size is None else size
    if not 0 <= size <= total:
        raise InvalidInput("invalid_size", f"账本只有 {total} 条,不能签署 {size} 条的签名树头")
    spans = [s for s in ring.spans if s.key_id == key_id(public_key)]
    if not any(s.covers(size) for s in spans):
        raise Conflict("ledger_key_retired", f"{spans[0].describe()}已被更替,不能签署 {size} 条的签名树头;"
                                             "请使用当前的账本签名密钥")
    # The tree is read from its tiles, stored first for the entries added since the last signing
    # (which also refuses a gap among them, or a rewrite under the growing tile).
    tiles.extend(total)
    tree = StoredTree(total)
    earlier = list(Checkpoint.objects.order_by("id"))
    if not force and max((c.tree_size for c in earlier), default=None) == size:
        return None
    for row in earlier:
        try:
            ring.verify(row.signed)
        except SignatureError:
            raise Conflict("ledger_bad_checkpoint", f"签名树头 #{row.pk} 的签名无效,拒绝继续签署;请运行 lawtrail verify 查明")
        if row.tree_size > total:
            raise Conflict("ledger_truncated", f"签名树头 #{row.pk} 记录了 {row.tree_size} 条,账本现只有 {total} 条,"
                                               "拒绝签署;请运行 lawtrail verify 查明")
    # Each signing checked the heads before it, so the newest head vouches for them: the tree must
    # still lead to it. (A full re-reading of every entry is `lawtrail verify`'s.)
    newest = max(earlier, key=lambda c: (c.tree_size, c.pk), default=None)
    if newest is not None and newest.tree_size and bytes(newest.root_hash) != tree.root(newest.tree_size):
        raise Conflict("ledger_rewritten", f"账本前 {newest.tree_size} 条与签名树头 #{newest.pk} 不一致(已被改写),"
                                           "拒绝签署;请运行 lawtrail verify 查明")
    root = tree.root(size)
    signed = SignedCheckpoint(ledger_origin(), size, root, format_timestamp(timez.now()),
                              key_id(public_key)).signed_by(private_key)
    # The same head as a C2SP signed note, for standard tlog tools and witnesses.
    name = note.key_name(signed.origin)
    line = note.signature_line(note.checkpoint_body(signed.origin, size, root), name, private_key)
    with transaction.atomic(durable=True):
        row = Checkpoint.objects.create(
            tree_size=signed.tree_size, root_hash=signed.root_hash, timestamp=signed.timestamp,
            origin=signed.origin, key_id=signed.key_id, signature=signed.signature,
        )
        CheckpointNote.objects.create(checkpoint=row, key_name=name, signature_line=line)
    export_to_directory(row)
    return row


def export_to_directory(row: Checkpoint) -> Path | None:
    """Write a signed tree head to settings.LEDGER_CHECKPOINT_DIR (outside the database: what a
    restore of the database cannot take back). The file name sorts by tree size."""
    if not settings.LEDGER_CHECKPOINT_DIR:
        return None
    from lawtrail.ledger.proofs import export_checkpoint

    folder = Path(settings.LEDGER_CHECKPOINT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"checkpoint-{row.tree_size:012d}-{row.pk}.json"
    text = json.dumps(export_checkpoint(row), ensure_ascii=False, indent=2) + "\n"
    partial = path.with_suffix(".part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)  # a reader never sees half a file
    return path


def checkpoint_due(now: dt.datetime | None = None) -> str | None:
    """Why a tree head should be signed now (the worker asks every minute), or None: the ledger grew
    and the last one is LEDGER_CHECKPOINT_MINUTES old, or LEDGER_CHECKPOINT_ENTRIES behind, or a case
    was closed since it was signed."""
    size = queries.ledger_size()
    last = queries.latest_checkpoint()
    signed = last.tree_size if last is not None else 0
    if size <= signed:
        return None
    if last is None:
        return "first"
    if settings.LEDGER_CHECKPOINT_ENTRIES and size - signed >= settings.LEDGER_CHECKPOINT_ENTRIES:
        return "entries"
    now = now or timez.now()
    if settings.LEDGER_CHECKPOINT_MINUTES and now - last.signed_at >= dt.timedelta(
            minutes=settings.LEDGER_CHECKPOINT_MINUTES):
        return "minutes"
    if settings.LEDGER_CHECKPOINT_ON_CLOSE and LedgerEntry.objects.filter(
            seq__gte=signed, event__action="case.transition", event__outcome="done",
            event__payload__to="closed").exists():
        return "case_closed"
    return None


def do_rotate_key(new_key: Ed25519PrivateKey, *, actor: User | None,
                  old_key: Ed25519PrivateKey | None = None) -> tuple[Rotation, Checkpoint]:
    """更替账本签名密钥: record the hand-over from the current key to `new_key` as a ledger entry
    (the statement signed by both keys), then seal it with a tree head the old key signs over the
    ledger up to and including that entry. From then on only `new_key` signs (the caller installs
    it as the key file). Returns the statement and the sealing tree head."""
    old_key = old_key or keys.load_private_key(create=False)
    old_public = old_key.public_key()
    ring = _ring(old_public)
    old_id, new_id = key_id(old_public), key_id(new_key.public_key())
    if ring.current.key_id != old_id:
        raise Conflict("ledger_key_retired", f"密钥 {old_id} 已被更替,不能再更替")
    if any(s.key_id == new_id for s in ring.spans):
        raise Conflict("ledger_key_reused", f"新密钥 {new_id} 已在本账本中使用过,请生成新的密钥")
    with transaction.atomic(durable=True):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The numbering lock, held until commit: no other entry can take the next number.
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PG_LOCK_KEY])
        # (On SQLite this transaction holds the only write lock.)
        size = queries.ledger_size() + 1  # the ledger ending with the rotation's own entry
        rotation = Rotation.make(ledger_origin(), old_key, new_key, size, format_timestamp(timez.now()))
        event = record_event(keys.ROTATE_ACTION, None, actor=actor, object_type=keys.ROTATION_OBJECT,
                             object_id=new_id, payload={"rotation": rotation.to_json(), "old_key_id": old_id,
                                                        "new_key_id": new_id})
    seq = LedgerEntry.objects.filter(event_id=event.pk).values_list("seq", flat=True).first()
    if seq != size - 1:  # the lock makes this impossible; never sign over a statement that is wrong
        raise Conflict("ledger_rotation_misplaced", f"密钥更替条目的条目号({seq})与声明({size - 1})不符;"
                                                    "请运行 lawtrail verify 查明")
    seal = do_make_checkpoint(size=size, private_key=old_key, force=True)
    assert seal is not None
    return rotation, seal


def do_restore_guards(faults: list[GuardFault], *, actor: User | None) -> None:
    """恢复防篡改保护: put back guards found missing or disabled, each with an event that says what
    was found, so the ledger keeps the trace that the database ran unprotected."""
    with transaction.atomic(durable=True):
        for fault in faults:
            restore_guard(connection, fault)
            record_event("ledger.restore_guard", None, actor=actor, object_type="ledger.guard",
                         object_id=fault.trigger,
                         payload={"table": fault.guard.table, "trigger": fault.trigger, "what": fault.guard.what,
                                  "found": fault.state})
