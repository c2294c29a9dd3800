"""The ledger's tables. Rows are written once and never changed: the database refuses
UPDATE and DELETE on them (triggers, see sql.py), and no code here offers either."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from lawtrail.events.models import DomainEvent
from lawtrail.verifier.checkpoint import Checkpoint as SignedCheckpoint
from lawtrail.verifier.checkpoint import parse_timestamp


class EntryNumberField(models.BigIntegerField):
    """A 64-bit entry number that SQLite stores as the row id itself ("integer primary key"):
    one b-tree less to write in every action's commit."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        if connection.vendor == "sqlite" and self.primary_key:
            return "integer"
        return super().db_type(connection)


class LedgerEntry(models.Model):
    """账本条目(日志条目) — one domain event frozen into bytes, a leaf of the Merkle tree.

    Written in the event's own transaction. `seq` is the entry number and the leaf index
    (from 0, without gaps, in commit order); `canonical` the exact bytes hashed
    (lawtrail/verifier/entry.py); `leaf_hash` = SHA-256(0x00 || canonical), RFC 6962.
    """

    seq = EntryNumberField("条目号", primary_key=True)
    event = models.OneToOneField(DomainEvent, on_delete=models.PROTECT, related_name="ledger_entry",
                                 verbose_name="领域事件")
    canonical = models.BinaryField("条目内容")
    leaf_hash = models.BinaryField("叶哈希", max_length=32)

    class Meta:
        verbose_name = "账本条目"
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {bytes(self.leaf_hash).hex()[:16]}"


class PendingEntry(models.Model):
    """待定序条目 — PostgreSQL only: an event's entry waiting for its number until commit.

    The number is given by a deferred trigger as the transaction commits, so the lock
    that keeps numbers gapless is the last one a transaction takes and is held only
    while it commits (no deadlock with locks the action took before). The trigger moves
    the row into LedgerEntry and deletes it: a committed PendingEntry is an anomaly.
    """

    event_id = models.BigIntegerField(primary_key=True)
    tail = models.BinaryField()

    class Meta:
        verbose_name = "待定序条目"


class Checkpoint(models.Model):
    """签名树头 (checkpoint) — the tree's size and root at a moment, signed with the agency's key.

    The key lives outside the database (settings.LEDGER_KEY_FILE), so whoever edits the
    database cannot sign a rewritten history; copies kept by a witness (e.g. the
    supervising legal office) catch a rewrite made before the next checkpoint.
    """

    tree_size = models.BigIntegerField("条目数")
    root_hash = models.BinaryField("树根哈希", max_length=32)
    # Kept as the exact text that was signed.
    timestamp = models.CharField("签署时间(UTC)", max_length=32)
    origin = models.CharField("账本名称", max_length=200)
    key_id = models.CharField("密钥标识", max_length=16)
    signature = models.BinaryField("签名", max_length=64)

    class Meta:
        verbose_name = "签名树头"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"签名树头 #{self.pk}({self.tree_size} 条)"

    @property
    def signed(self) -> SignedCheckpoint:
        return SignedCheckpoint(self.origin, self.tree_size, bytes(self.root_hash), self.timestamp, self.key_id,
                                bytes(self.signature))

    @property
    def signed_at(self) -> dt.datetime:
        return parse_timestamp(self.timestamp)


class LedgerTile(models.Model):
    """账本瓦片 — stored hashes of the Merkle tree, laid out as C2SP tlog-tiles lays them out.

    A tile of level L holds up to 256 consecutive hashes of the tree's nodes at height 8·L:
    level 0 the leaf hashes, level 1 the roots of the level-0 tiles, and so on; tile N of a
    level holds nodes N·256 … N·256+width-1. A full tile never changes; the rightmost tile of
    a level grows until it is full. Derived from the entries (`lawtrail verify` recomputes and
    compares them), so proofs, tree heads and package exports read O(log n) rows, not every leaf.
    """

    level = models.PositiveSmallIntegerField("层")
    index = models.BigIntegerField("序号")
    width = models.PositiveSmallIntegerField("哈希个数")
    hashes = models.BinaryField("哈希", max_length=256 * 32)

    class Meta:
        verbose_name = "账本瓦片"
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="ledger_tile_level_index")]

    def __str__(self) -> str:
        return f"瓦片 {self.level}/{self.index}({self.width})"


class CheckpointNote(models.Model):
    """The same signed tree head as a C2SP signed note (tlog-checkpoint), signed at the same time
    with the same key: what standard tlog tools and witnesses fetch. The body is rebuilt from the
    checkpoint (origin, size, root); only the key name and the note's signature are kept."""

    checkpoint = models.OneToOneField(Checkpoint, on_delete=models.PROTECT, related_name="note",
                                      verbose_name="签名树头")
    key_name = models.CharField("密钥名称", max_length=200)
    signature_line = models.CharField("签名行", max_length=400)

    class Meta:
        verbose_name = "签名树头(签名注记格式)"
