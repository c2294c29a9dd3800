"""`lawtrail verify`: each way of tampering is detected and named; an untouched system passes."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection, transaction
from ledger_attacks import drop_triggers, rewrite_entry, rows, sql

from lawtrail.cases.choices import Stage
from lawtrail.events.models import DomainEvent
from lawtrail.events.recorder import record_event
from lawtrail.ledger import keys
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.ledger.models import Checkpoint, LedgerEntry
from lawtrail.ledger.proofs import export_checkpoint
from lawtrail.ledger.sql import ensure_triggers
from lawtrail.ledger.verify import Report, verify_ledger, verify_witness_files
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, register_case
from lawtrail.verifier.checkpoint import Checkpoint as SignedCheckpoint
from lawtrail.verifier.checkpoint import format_timestamp, key_id
from lawtrail.verifier.merkle import leaf_hash

pytestmark = pytest.mark.usefixtures("ledger")


@pytest.fixture
def signed(world: World) -> World:
    """A case taken to investigation, its events ledgered and a tree head signed over them."""
    advance(world, register_case(world), Stage.INVESTIGATING)
    assert do_make_checkpoint() is not None
    return world


def codes(report: Report) -> set[str]:
    return {p.code for p in report.problems}


def messages(report: Report) -> str:
    return "\n".join(p.message for p in report.problems)


def _edit_entry_text() -> None:
    edit = ("convert_to(replace(convert_from(canonical, 'UTF8'), %s, %s), 'UTF8')"
            if connection.vendor == "postgresql" else "CAST(REPLACE(CAST(canonical AS TEXT), %s, %s) AS BLOB)")
    sql(f"UPDATE ledger_ledgerentry SET canonical = {edit} WHERE seq = 3", ["艾丽", "鲍勃"])


def _forge_with_fresh_leaf() -> None:
    [(canonical,)] = rows("SELECT canonical FROM ledger_ledgerentry WHERE seq = 4")
    forged = bytes(canonical).replace(b'"outcome":"done"', b'"outcome":"refused"')
    sql("UPDATE ledger_ledgerentry SET canonical = %s, leaf_hash = %s WHERE seq = 4", [forged, leaf_hash(forged)])


def _swap_entries() -> None:
    (a, ea, ca, ha), (b, eb, cb, hb) = rows(
        "SELECT seq, event_id, canonical, leaf_hash FROM ledger_ledgerentry WHERE seq IN (5, 6) ORDER BY seq")
    sql("DELETE FROM ledger_ledgerentry WHERE seq IN (5, 6)")
    insert = "INSERT INTO ledger_ledgerentry (seq, event_id, canonical, leaf_hash) VALUES (%s, %s, %s, %s)"
    sql(insert, [a, eb, bytes(cb), bytes(hb)])
    sql(insert, [b, ea, bytes(ca), bytes(ha)])


def test_an_untouched_system_passes_with_nothing_reported(signed: World, tmp_path: Path) -> None:
    # Events after the last signed tree head are fine too: they are simply not signed yet.
    advance(signed, register_case(signed, title="第二件"), Stage.FILED)
    do_make_checkpoint()
    witness = tmp_path / "witness.json"
    witness.write_text(json.dumps(export_checkpoint()))
    report = verify_ledger(witnesses=verify_witness_files([str(witness)]))
    assert report.ok, messages(report)
    assert report.entries == DomainEvent.objects.count() and report.checkpoints == 2 and report.witnesses == 1


def test_it_names_an_entry_edited_through_raw_sql(signed: World) -> None:
    drop_triggers()
    _edit_entry_text()
    report = verify_ledger()
    assert {"entry_hash", "event_mismatch", "checkpoint_root", "triggers_missing"} <= codes(report)
    assert "条目 #3 的内容与其叶哈希不符" in messages(report)
    assert "签名树头 #" in messages(report)


def test_it_names_an_entry_rewritten_with_a_fresh_leaf_hash(signed: World) -> None:
    drop_triggers()
    _forge_with_fresh_leaf()
    report = verify_ledger()
    assert "entry_hash" not in codes(report)
    assert {"event_mismatch", "checkpoint_root"} <= codes(report)
    [mismatch] = [p for p in report.problems if p.code == "event_mismatch"]
    assert mismatch.entry == 4 and "outcome" in mismatch.message


def test_it_names_a_deleted_entry(signed: World) -> None:
    drop_triggers()
    [(event_id,)] = rows("SELECT event_id FROM ledger_ledgerentry WHERE seq = 2")
    sql("DELETE FROM ledger_ledgerentry WHERE seq = 2")
    report = verify_ledger()
    assert {"entry_missing", "event_unledgered", "checkpoint_beyond"} <= codes(report)
    assert "条目 #2 缺失" in messages(report)
    assert f"领域事件 #{event_id} 没有账本条目" in messages(report)


def test_it_names_reordered_entries(signed: World) -> None:
    drop_triggers()
    _swap_entries()
    report = verify_ledger()
    moved = {p.entry for p in report.problems if p.code == "entry_position"}
    assert moved == {5, 6}
    assert "checkpoint_root" in codes(report)


def test_it_names_a_checkpoint_signed_with_another_key(signed: World) -> None:
    genuine = Checkpoint.objects.get()
    forger = Ed25519PrivateKey.generate()
    # The forger copies the genuine key id too: the signature still gives it away.
    for kid in (key_id(forger.public_key()), genuine.key_id):
        forged = SignedCheckpoint(genuine.origin, genuine.tree_size, bytes(genuine.root_hash),
                                  format_timestamp(genuine.signed_at), kid).signed_by(forger)
        row = Checkpoint.objects.create(tree_size=forged.tree_size, root_hash=forged.root_hash,
                                        timestamp=forged.timestamp, origin=forged.origin, key_id=forged.key_id,
                                        signature=forged.signature)
    report = verify_ledger()
    bad = sorted(p.checkpoint or 0 for p in report.problems if p.code == "checkpoint_signature")
    assert bad == [row.pk - 1, row.pk] and genuine.pk not in bad
    assert f"签名树头 #{row.pk}" in messages(report)


def test_a_witness_catches_a_history_rewritten_from_an_earlier_point(signed: World, tmp_path: Path) -> None:
    witness = tmp_path / "legal-office.json"
    witness.write_text(json.dumps(export_checkpoint()))  # kept by the supervising legal office
    # The attacker rewrites entry 3 onwards consistently (events and entries alike), removes the
    # signed tree heads and the stored tiles that would betray it, and lets the system sign the
    # new history.
    drop_triggers()
    for seq in range(3, LedgerEntry.objects.count()):
        rewrite_entry(seq, client_ip="10.9.9.9")
    sql("DELETE FROM ledger_checkpointnote")
    sql("DELETE FROM ledger_checkpoint")
    sql("DELETE FROM ledger_ledgertile")
    ensure_triggers()
    assert do_make_checkpoint() is not None
    alone = verify_ledger()
    assert alone.ok, messages(alone)  # without an outside copy, the rewrite is self-consistent
    report = verify_ledger(witnesses=verify_witness_files([str(witness)]))
    assert codes(report) == {"witness_root"}
    assert str(witness) in messages(report) and "签署之后账本被改写" in messages(report)


def test_it_names_a_domain_event_edited_behind_the_ledger(signed: World) -> None:
    entry = LedgerEntry.objects.get(seq=7)
    DomainEvent.objects.filter(pk=entry.event_id).update(reason="事后补写的理由", actor_cert_no="FAKE-1")
    report = verify_ledger()
    assert codes(report) == {"event_mismatch"}
    [p] = report.problems
    assert (p.entry, p.event) == (7, entry.event_id)
    assert "actor" in p.message and "reason" in p.message


def test_a_payload_stored_in_other_but_equal_json_is_no_mismatch_and_a_changed_one_is(signed: World) -> None:
    # Rows written before the writer stored the canonical text hold Django's own JSON (spaces,
    # ASCII escapes): verify reads the value, not the spelling.
    entry = LedgerEntry.objects.get(seq=5)
    payload = DomainEvent.objects.get(pk=entry.event_id).payload
    spelled = json.dumps(payload, ensure_ascii=True, indent=1)
    sql("UPDATE events_domainevent SET payload = %s WHERE id = %s",
        [spelled if connection.vendor == "sqlite" else json.dumps(payload), entry.event_id])
    assert verify_ledger().ok
    sql("UPDATE events_domainevent SET payload = %s WHERE id = %s",
        [json.dumps({**payload, "note": "改过"}), entry.event_id])
    assert [(p.code, p.entry) for p in verify_ledger().problems] == [("event_mismatch", 5)]


def test_numbers_of_every_size_in_a_payload_read_back_as_they_were_frozen(signed: World) -> None:
    # PostgreSQL's jsonb prints 1e16 as 10000000000000000 and 1e-7 as 0.0000001: the entry must
    # freeze what either database gives back, or verify reports an untouched event as changed.
    payload = {"big": 1e16, "huge": 1.5e300, "tiny": 1e-7, "neg": -2.0**60, "fine": 2.5, "int": 2**70,
               "evidence": {"size": 3e20, "sha256": "ab" * 32}}
    with transaction.atomic():
        event = record_event("case.note", None, actor=signed.alice, payload=payload, object_type="cases.case",
                             object_id="1")
    report = verify_ledger()
    assert report.ok, messages(report)
    stored = DomainEvent.objects.get(pk=event.pk).payload
    assert stored["big"] == 10**16 and stored["huge"] == int(1.5e300) and stored["tiny"] == 1e-7


def test_it_names_an_event_written_behind_the_ledger(signed: World) -> None:
    sneaked = DomainEvent.objects.create(occurred_at=DomainEvent.objects.first().occurred_at,  # type: ignore[union-attr]
                                         action="case.file", object_type="cases.case", object_id="1")
    report = verify_ledger()
    assert codes(report) == {"event_unledgered"}
    assert f"领域事件 #{sneaked.pk}" in messages(report)


def test_missing_triggers_are_named_until_they_are_installed_again(signed: World) -> None:
    # (`lawtrail migrate` restores them only when told to: tests/test_ledger_guards.py)
    drop_triggers()
    assert codes(verify_ledger()) == {"triggers_missing"}
    ensure_triggers()
    assert verify_ledger().ok


def test_verify_without_the_key_says_it_cannot_check_signatures(signed: World, settings: Any,
                                                                 tmp_path: Path) -> None:
    public = keys.load_public_key()
    settings.LEDGER_KEY_FILE = tmp_path / "elsewhere.key"
    assert codes(verify_ledger()) == {"key_missing"}
    assert verify_ledger(public_key=public).ok


class FakeStore:
    """The evidence store's read side (lawtrail.storage contract: get_store().open(key))."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def open(self, key: str) -> io.BytesIO:
        if key not in self.objects:
            raise FileNotFoundError(key)
        return io.BytesIO(self.objects[key])


def _ingest(world: World, store: FakeStore, content: bytes) -> str:
    sha = hashlib.sha256(content).hexdigest()
    key = f"sha256/{sha[:2]}/{sha}"
    store.objects[key] = content
    with transaction.atomic():
        record_event("evidence.ingest", None, actor=world.alice, object_type="evidence.evidence", object_id="1",
                     payload={"sha256": sha, "object_key": key, "size": len(content)})
    return key


@pytest.mark.parametrize("events", [True, False], ids=["full", "ledger-only"])
def test_it_rehashes_every_stored_evidence_object(signed: World, monkeypatch: pytest.MonkeyPatch,
                                                  events: bool) -> None:
    store = FakeStore()
    monkeypatch.setattr("lawtrail.storage.get_store", lambda: store)
    flipped = _ingest(signed, store, b"body-cam clip 1")
    replaced = _ingest(signed, store, b"body-cam clip 2")
    lost = _ingest(signed, store, b"body-cam clip 3")
    kept = _ingest(signed, store, b"body-cam clip 4")
    do_make_checkpoint()
    assert verify_ledger(events=events).evidence_checked == 4

    store.objects[flipped] = bytes([store.objects[flipped][0] ^ 1]) + store.objects[flipped][1:]
    # Replaced together with its hash in the evidence table: the ledger still holds the first hash.
    store.objects[replaced] = b"another clip entirely"
    del store.objects[lost]
    report = verify_ledger(events=events)
    named = {p.object_key: p.code for p in report.problems}
    assert named == {flipped: "evidence_hash", replaced: "evidence_hash", lost: "evidence_missing"}
    assert kept not in messages(report) and flipped in messages(report)
    assert report.evidence_checked == 1


@pytest.mark.parametrize(("tamper", "expected"), [
    (None, set()),
    (_edit_entry_text, {"entry_hash", "checkpoint_root"}),
    # A changed leaf hash under a signed tree also no longer matches the tile stored at signing.
    (_forge_with_fresh_leaf, {"checkpoint_root", "tile_mismatch"}),
    (lambda: sql("DELETE FROM ledger_ledgerentry WHERE seq = 2"), {"entry_missing", "checkpoint_beyond",
                                                                   "tile_mismatch"}),
    (_swap_entries, {"entry_position", "checkpoint_root", "tile_mismatch"}),
    (lambda: sql("UPDATE ledger_ledgerentry SET leaf_hash = %s WHERE seq = 9", [b"\x00" * 32]),
     {"entry_hash", "tile_mismatch"}),
], ids=["untouched", "edited", "fresh-leaf", "deleted", "reordered", "leaf-hash-only"])
def test_the_entries_only_check_names_what_befell_the_entries(signed: World, tamper: Any,
                                                                 expected: set[str]) -> None:
    # `lawtrail verify --ledger-only` (on PostgreSQL the server hashes the entries) finds the same
    # in the entries as the full check, and the same tree.
    do_make_checkpoint()
    if tamper is not None:
        drop_triggers()
        tamper()
        expected = expected | {"triggers_missing"}
    only, full = verify_ledger(events=False), verify_ledger()
    assert codes(only) == expected, messages(only)
    assert [(p.code, p.entry) for p in only.problems] == [
        (p.code, p.entry) for p in full.problems if p.code in expected]
    assert only.root_hash == full.root_hash and only.entries == full.entries


def test_the_pending_queue_is_empty_after_commit_on_postgresql(signed: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL numbers entries at commit; SQLite numbers them at once")
    assert rows("SELECT count(*) FROM ledger_pendingentry") == [(0,)]


def test_walkers_on_aligned_blocks_find_what_one_walk_finds(signed: World) -> None:
    # What `lawtrail verify` does on large ledgers with several processes, here in one.
    from lawtrail.ledger.verify import _join, _walk

    drop_triggers()
    sql("UPDATE ledger_ledgerentry SET leaf_hash = %s WHERE seq = 9", [b"\x00" * 32])
    size = LedgerEntry.objects.count()
    sizes = frozenset({3, 8, 11, size})
    one = _walk(0, size, True, False, sizes)
    parts = [_walk(start, min(start + 8, size), True, False, sizes) for start in range(0, size, 8)]
    assert [p.code for p in one.problems] == [p.code for part in parts for p in part.problems] == ["entry_hash"]
    whole, roots = _join(parts, sizes)
    single, single_roots = _join([one], sizes)
    assert whole.root() == single.root() and roots == single_roots and set(roots) == sizes
