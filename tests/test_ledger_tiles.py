"""The ledger's tiles (C2SP tlog-tiles layout): tree heads and proofs read from stored subtree
hashes equal those of the whole tree, read a bounded number of rows, and verify notices a tile
that no longer matches the entries."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from lawtrail.events.models import DomainEvent
from lawtrail.ledger import tiles
from lawtrail.ledger.models import LedgerEntry, LedgerTile
from lawtrail.ledger.tiles import HEIGHT, WIDTH, StoredTree
from lawtrail.ledger.verify import verify_ledger
from lawtrail.ledger.writer import append_many
from lawtrail.lib import timez
from lawtrail.testing.personas import World, build_world
from lawtrail.verifier.merkle import Tree, fold

SIZES = [1, 2, 3, 255, 256, 257, 300, 511, 512, 513, 700]


def fill(world: World, count: int) -> list[bytes]:
    events = [DomainEvent(occurred_at=timez.now(), action="party.create", actor=world.alice, actor_name="艾丽",
                          object_type="cases.party", object_id=str(i), payload={"n": i}) for i in range(count)]
    with transaction.atomic():
        append_many(events)
    return [bytes(h) for h in LedgerEntry.objects.order_by("seq").values_list("leaf_hash", flat=True)]


@pytest.fixture
def leaves(ledger: None) -> list[bytes]:
    world = build_world()
    have = LedgerEntry.objects.count()
    return fill(world, 700 - have)


def same_as_whole_tree(leaves: list[bytes]) -> None:
    for size in SIZES:
        whole, stored = Tree(leaves[:size]), StoredTree(size)
        assert stored.root() == whole.root(), size
        for index in {0, size // 2, size - 1}:
            assert stored.inclusion_proof(index) == whole.inclusion_proof(index), (size, index)
        for old in {1, size // 3 or 1, size - 1 or 1}:
            assert stored.consistency_proof(old) == whole.consistency_proof(old), (size, old)


def test_tree_heads_and_proofs_are_those_of_the_whole_tree_with_and_without_stored_tiles(
        leaves: list[bytes]) -> None:
    assert len(leaves) == 700
    same_as_whole_tree(leaves)  # nothing stored: every tile built from the level below
    tiles.extend(300)
    same_as_whole_tree(leaves)  # stored up to 300, the rest built
    tiles.extend(700)
    same_as_whole_tree(leaves)


def test_the_stored_tiles_are_laid_out_as_tlog_tiles(leaves: list[bytes]) -> None:
    assert tiles.extend(700) == 4  # level 0: two full tiles and one of 188; level 1: one of 2
    got = {(t.level, t.index): (t.width, bytes(t.hashes)) for t in LedgerTile.objects.all()}
    assert got[(0, 0)] == (256, b"".join(leaves[:256]))
    assert got[(0, 2)] == (700 - 512, b"".join(leaves[512:700]))
    assert got[(1, 0)] == (2, fold(leaves[:256]) + fold(leaves[256:512]))
    assert tiles.extend(700) == 0  # idempotent
    assert tiles.tile_bytes(1, 0, 2, 700) == got[(1, 0)][1]
    with pytest.raises(ValueError):
        tiles.tile_bytes(1, 0, 3, 700)  # level 1 has two hashes at 700 entries


def test_a_proof_reads_one_tile_a_level_however_many_entries(leaves: list[bytes]) -> None:
    tiles.extend(700)
    assert HEIGHT == 8 and WIDTH == 256
    with CaptureQueriesContext(connection) as queries:
        tree = StoredTree(700)
        tree.inclusion_proof(5)
        tree.consistency_proof(300)
        tree.root()
    # The leaf's tile, the tile of the right edge, the tile above: no scan of the entries.
    assert len(queries.captured_queries) <= 4, [q["sql"] for q in queries.captured_queries]
    assert not any("ledger_ledgerentry" in q["sql"] for q in queries.captured_queries)


def test_verify_names_a_tile_that_no_longer_matches_the_entries(leaves: list[bytes]) -> None:
    tiles.extend(700)
    first = verify_ledger(events=False, evidence=False)
    assert first.ok, [(p.code, p.message) for p in first.problems]
    for level, index in ((0, 1), (1, 0)):
        tile = LedgerTile.objects.get(level=level, index=index)
        LedgerTile.objects.filter(pk=tile.pk).update(hashes=bytes(tile.hashes)[:32] + b"\x00" * 32)
    report = verify_ledger(events=False, evidence=False)
    bad = [p for p in report.problems if p.code == "tile_mismatch"]
    assert [(p.entry, p.message[:10]) for p in bad] == [(256, "账本瓦片 0/1(自"), (0, "账本瓦片 1/0(自")]


def test_an_incremental_verify_reads_only_the_entries_after_a_verified_head(
        leaves: list[bytes], capsys: pytest.CaptureFixture[str]) -> None:
    from ledger_attacks import drop_triggers, sql

    from lawtrail.cli import main
    from lawtrail.ledger.actions import do_make_checkpoint

    first = do_make_checkpoint(size=300)
    second = do_make_checkpoint()
    assert first is not None and second is not None and second.tree_size == 700
    full, since = verify_ledger(), verify_ledger(since=first)
    assert full.ok and since.ok, [p.message for p in since.problems]
    assert (since.entries, since.root_hash) == (full.entries, full.root_hash)
    assert "增量核验" in " ".join(since.notes)

    # The CLI remembers the head a clean check covered, for `--since last`.
    from django.conf import settings

    (settings.DATA_DIR / "ledger-verified.json").unlink(missing_ok=True)
    assert main(["verify", "--since", "last"]) == 2
    assert "请先运行一次不带 --since 的完整核验" in capsys.readouterr().err
    assert main(["verify", "--ledger-only"]) == 0
    assert main(["verify", "--ledger-only", "--since", "last"]) == 0
    assert f"自签名树头 #{second.pk}(700 条)起" in capsys.readouterr().out

    drop_triggers()
    sql("UPDATE ledger_ledgerentry SET leaf_hash = %s WHERE seq = 500", [b"\x00" * 32])
    after = verify_ledger(since=first)
    assert [(p.code, p.entry) for p in after.problems if p.code != "triggers_missing"] == [("entry_hash", 500)]
    # Under the verified head the entries are not read again: a rewrite there is the full check's.
    sql("UPDATE ledger_ledgerentry SET leaf_hash = %s WHERE seq = 500", [leaves[500]])
    sql("UPDATE ledger_ledgerentry SET leaf_hash = %s WHERE seq = 10", [b"\x00" * 32])
    assert "entry_hash" not in {p.code for p in verify_ledger(since=first).problems}
    assert "entry_hash" in {p.code for p in verify_ledger().problems}
    sql("UPDATE ledger_ledgerentry SET leaf_hash = %s WHERE seq = 10", [leaves[10]])
    # A tile under the head that no longer leads to its signed root stops the incremental check.
    tile = LedgerTile.objects.get(level=0, index=1)  # entries 256 … 299 of the head's 300
    LedgerTile.objects.filter(pk=tile.pk).update(hashes=b"\x00" * 32 + bytes(tile.hashes)[32:])
    assert "since_root" in {p.code for p in verify_ledger(since=first).problems}
