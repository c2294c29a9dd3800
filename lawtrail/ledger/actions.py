"""The ledger's one action: signing a tree head (签名树头).

Entries are written by the event recorder (writer.py) inside each action's own
transaction; nothing else here changes the ledger. Signing records no DomainEvent of its
own: the signed tree head is itself an append-only, signed record, and an event per
checkpoint would make the tree grow by one entry at every periodic signing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from lawtrail.accounts.models import Agency
from lawtrail.ledger import keys, queries
from lawtrail.ledger.models import Checkpoint
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict
from lawtrail.verifier.checkpoint import Checkpoint as SignedCheckpoint
from lawtrail.verifier.checkpoint import SignatureError, format_timestamp, key_id
from lawtrail.verifier.merkle import Frontier


def ledger_origin() -> str:
    if settings.LEDGER_ORIGIN:
        return str(settings.LEDGER_ORIGIN).replace("\n", " ")[:200]
    first = Agency.objects.order_by("id").values_list("name", flat=True).first()
    return first or "LawTrail"


def do_make_checkpoint(*, force: bool = False) -> Checkpoint | None:
    """Sign the tree head of every committed entry; None when nothing was added since the last one.

    Refuses to sign a ledger that no longer extends the tree heads already signed: signing
    over a rewritten history would lend it the key's authority.
    """
    private_key = keys.load_private_key()
    public_key = private_key.public_key()
    size = queries.ledger_size()
    leaves = queries.leaf_hashes(size)
    if len(leaves) != size:
        raise Conflict("ledger_gap", f"账本条目不连续(应有 {size} 条,实有 {len(leaves)} 条),拒绝签署;"
                                     "请运行 lawtrail verify 查明")
    earlier = list(Checkpoint.objects.order_by("id"))
    latest = max(earlier, key=lambda c: (c.tree_size, c.pk), default=None)
    if latest is not None and latest.tree_size == size and not force:
        return None
    by_size: dict[int, list[Checkpoint]] = {}
    for row in earlier:
        try:
            row.signed.verify(public_key)
        except SignatureError:
            raise Conflict("ledger_bad_checkpoint", f"签名树头 #{row.pk} 的签名无效,拒绝继续签署;请运行 lawtrail verify 查明")
        if row.tree_size > size:
            raise Conflict("ledger_truncated", f"签名树头 #{row.pk} 记录了 {row.tree_size} 条,账本现只有 {size} 条,"
                                               "拒绝签署;请运行 lawtrail verify 查明")
        by_size.setdefault(row.tree_size, []).append(row)
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
        for row in by_size.get(frontier.size, ()):
            if bytes(row.root_hash) != frontier.root():
                raise Conflict("ledger_rewritten", f"账本前 {row.tree_size} 条与签名树头 #{row.pk} 不一致(已被改写),"
                                                   "拒绝签署;请运行 lawtrail verify 查明")
    signed = SignedCheckpoint(ledger_origin(), size, frontier.root(), format_timestamp(timez.now()),
                              key_id(public_key)).signed_by(private_key)
    with transaction.atomic(durable=True):
        return Checkpoint.objects.create(
            tree_size=signed.tree_size, root_hash=signed.root_hash, timestamp=signed.timestamp,
            origin=signed.origin, key_id=signed.key_id, signature=signed.signature,
        )
