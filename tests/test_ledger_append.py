"""账本条目: every event, done or refused, gets one entry in its own transaction; the database
refuses to change or remove entries."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction

from lawtrail.accounts.models import User
from lawtrail.cases.actions import do_transition_case
from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case
from lawtrail.events.models import DomainEvent
from lawtrail.events.recorder import record_event
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.ledger.canonical import event_tail
from lawtrail.ledger.models import Checkpoint, LedgerEntry
from lawtrail.ledger.verify import verify_ledger
from lawtrail.lib.errors import Conflict
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import advance, register_case
from lawtrail.verifier.entry import entry_prefix, parse_entry
from lawtrail.verifier.merkle import leaf_hash

pytestmark = pytest.mark.usefixtures("ledger")


def test_it_appends_one_entry_per_event_numbered_without_gaps(world: World) -> None:
    advance(world, register_case(world), Stage.INVESTIGATING)
    events = list(DomainEvent.objects.order_by("id"))
    entries = list(LedgerEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(len(events)))
    assert sorted(e.event_id for e in entries) == [e.pk for e in events]
    for entry in entries:
        canonical = bytes(entry.canonical)
        assert bytes(entry.leaf_hash) == leaf_hash(canonical)
        facts = parse_entry(canonical)
        assert facts["seq"] == entry.seq and facts["event"] == entry.event_id


def test_the_entry_freezes_the_event_its_new_state_and_content_hashes(world: World) -> None:
    case = register_case(world)
    with transaction.atomic():
        event = record_event("evidence.ingest", case, actor=world.alice, case_id=case.pk, payload={
            "sha256": "ab" * 32, "object_key": "sha256/ab/" + "ab" * 32, "size": 3, "original_name": "a.mp4"})
    entry = LedgerEntry.objects.get(event=event)
    facts = parse_entry(bytes(entry.canonical))
    assert facts["content"] == {"sha256": "ab" * 32, "object_key": "sha256/ab/" + "ab" * 32, "size": 3}
    assert facts["actor"] == {"id": world.alice.pk, "name": "艾丽", "username": "alice", "role": "officer",
                              "cert_no": world.alice.cert_no}
    assert facts["object"] == {"type": "cases.case", "id": str(case.pk), "repr": str(case)}
    assert facts["at"].endswith("Z") and facts["outcome"] == "done" and len(facts["state"]) == 64
    # The same bytes come back from the stored row: what `lawtrail verify` relies on.
    stored = DomainEvent.objects.get(pk=event.pk)
    assert bytes(entry.canonical) == entry_prefix(entry.seq, event.pk) + event_tail(stored, facts["state"])


def test_a_refusal_is_ledgered_and_the_refused_change_is_not(world: World) -> None:
    case = register_case(world)
    before = LedgerEntry.objects.count()
    with pytest.raises(Conflict):
        do_transition_case(case, to=Stage.CLOSED, actor=world.alice)
    [entry] = LedgerEntry.objects.filter(seq__gte=before)
    facts = parse_entry(bytes(entry.canonical))
    assert (facts["action"], facts["outcome"], facts["reason_code"]) == ("case.transition", "refused",
                                                                         "illegal_transition")
    assert facts["state"] is None  # a refusal leaves no new state
    assert LedgerEntry.objects.count() == DomainEvent.objects.count()


def test_an_event_in_a_rolled_back_transaction_leaves_no_entry(world: World) -> None:
    before = LedgerEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event("auth.login", world.alice, actor=world.alice)
        raise RuntimeError("the action failed after writing its event")
    assert LedgerEntry.objects.count() == before == DomainEvent.objects.count()


def _execute(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement)


def _refused(statement: str, params: list[Any]) -> str:
    with pytest.raises(IntegrityError) as raised, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
    return str(raised.value)


def test_the_database_refuses_to_update_or_delete_entries_and_signed_tree_heads(world: World) -> None:
    do_make_checkpoint()
    entry = LedgerEntry.objects.order_by("seq").first()
    assert entry is not None
    assert "append-only" in _refused("UPDATE ledger_ledgerentry SET canonical = %s WHERE seq = %s", [b"{}", entry.seq])
    assert "append-only" in _refused("DELETE FROM ledger_ledgerentry WHERE seq = %s", [entry.seq])
    assert "append-only" in _refused("UPDATE ledger_checkpoint SET tree_size = tree_size + 1", [])
    assert "append-only" in _refused("DELETE FROM ledger_checkpoint", [])
    if connection.vendor == "postgresql":
        # (Django's foreign keys are deferred: their pending checks must run before a TRUNCATE.)
        _execute("SET CONSTRAINTS ALL IMMEDIATE")
        assert "append-only" in _refused("TRUNCATE ledger_ledgerentry CASCADE", [])
    # Through the ORM as well: the model offers nothing the database would accept.
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.filter(seq=entry.seq).update(leaf_hash=b"\x00" * 32)
    with pytest.raises(IntegrityError), transaction.atomic():
        Checkpoint.objects.all().delete()
    assert bytes(LedgerEntry.objects.get(seq=entry.seq).leaf_hash) == bytes(entry.leaf_hash)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_consecutive_entry_numbers_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers (BEGIN IMMEDIATE), so entries cannot race "
                    f"(running on {connection.vendor}; set DATABASE_URL to a PostgreSQL database)")
    world = build_world()
    case_ids = [advance(world, register_case(world, title=f"并发{i}"), Stage.FILED).pk for i in range(6)]
    start = threading.Barrier(len(case_ids))
    errors: list[BaseException] = []

    def move(case_id: int) -> None:
        try:
            alice = User.objects.get(pk=world.alice.pk)
            case = Case.objects.get(pk=case_id)
            start.wait(timeout=30)
            # Locks the case row first, then records: the entry's number is taken last, at commit.
            do_transition_case(case, to=Stage.INVESTIGATING, actor=alice)
        except BaseException as err:  # reported by the main thread
            errors.append(err)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=move, args=(pk,)) for pk in case_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    seqs = list(LedgerEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(DomainEvent.objects.count()))
    do_make_checkpoint()
    report = verify_ledger()
    assert report.ok, json.dumps(report.as_dict(), ensure_ascii=False)


def test_the_returned_event_is_the_stored_row_field_for_field(world: World) -> None:
    # record_event fills the model instance directly (no Model.__init__): it must still be whole.
    case = register_case(world)
    event = record_event("case.note", case, actor=world.alice, case_id=case.pk, payload={"note": "现场", "n": 2.0})
    stored = DomainEvent.objects.get(pk=event.pk)
    names = [f.attname for f in DomainEvent._meta.concrete_fields]
    assert set(names) <= set(event.__dict__)
    assert {n: getattr(stored, n) for n in names if n != "payload"} == {
        n: getattr(event, n) for n in names if n != "payload"}
    assert stored.payload == {"note": "现场", "n": 2} and event.actor == world.alice and not event._state.adding


def test_append_many_ledgers_a_bulk_import_as_verify_expects(world: World) -> None:
    from lawtrail.ledger.writer import append_many
    from lawtrail.lib import timez

    advance(world, register_case(world), Stage.FILED)
    before = LedgerEntry.objects.count()
    imported = [DomainEvent(occurred_at=timez.now(), action="party.create", actor=world.alice,
                            actor_name="艾丽", object_type="cases.party", object_id=str(i),
                            payload={"name": f"导入的当事人{i}", "amount": 1.0}) for i in range(7)]
    with transaction.atomic():
        saved = append_many(imported, batch_size=3)
    assert [e.pk for e in saved] == sorted(e.pk for e in saved) and all(e.pk for e in saved)
    entries = list(LedgerEntry.objects.filter(event__in=saved).order_by("seq"))
    assert [e.seq for e in entries] == list(range(before, before + 7))
    assert [e.event_id for e in entries] == [e.pk for e in saved]
    assert parse_entry(bytes(entries[0].canonical))["payload"] == {"name": "导入的当事人0", "amount": 1}
    assert verify_ledger().ok
    with pytest.raises(ValueError), transaction.atomic():
        append_many(saved)


def test_a_bulk_import_freezes_what_one_event_at_a_time_would(world: World) -> None:
    """append_many builds a batch a column at a time: its entries must be the very bytes the
    per-event definition gives for the rows as stored, whatever odd values an import brings."""
    import datetime as dt
    import gc

    from lawtrail.ledger.writer import append_many
    from lawtrail.lib import timez

    now = timez.now()
    beijing = now.astimezone(dt.timezone(dt.timedelta(hours=8)))
    odd: list[dict[str, Any]] = [
        {"payload": {"sha256": "ab" * 32, "object_key": "evidence/x.mp4", "size": 10.0, "note": "内容哈希"}},
        {"payload": {"n": [1.0, 2.5, {"z": -3.0}], "text": "引号\"、反斜杠\\、换行\n、制表\t、\x01"}},
        {"object_id": 42, "case_id_frozen": "7", "reason": "第一行\n第二行", "outcome": "refused"},
        {"occurred_at": now.replace(microsecond=0), "actor_name": "张\u200b伟 🚓", "user_agent": "UA/1.0 (\"x\")"},
        {"occurred_at": beijing},  # the same instant, given in Beijing time
        {"payload": {}, "agency_id_frozen": None, "actor": None, "actor_name": "系统"},
    ]
    events = [DomainEvent(**{"occurred_at": now, "action": "party.create", "actor": world.alice,
                             "actor_name": "艾丽", "object_type": "cases.party", "object_id": str(i),
                             "agency_id_frozen": world.alice.agency_id, "payload": {"i": i}, **extra})
              for i, extra in enumerate(odd * 2)]
    assert gc.isenabled()
    with transaction.atomic():
        saved = append_many(events, batch_size=5)
    assert gc.isenabled()  # paused for the import only
    for event in saved:
        entry = LedgerEntry.objects.get(event_id=event.pk)
        stored = DomainEvent.objects.get(pk=event.pk)
        assert bytes(entry.canonical) == entry_prefix(entry.seq, event.pk) + event_tail(stored, None)
        assert bytes(entry.leaf_hash) == leaf_hash(bytes(entry.canonical))
    first = parse_entry(bytes(LedgerEntry.objects.get(event_id=saved[0].pk).canonical))
    assert first["content"] == {"object_key": "evidence/x.mp4", "sha256": "ab" * 32, "size": 10}
    assert parse_entry(bytes(LedgerEntry.objects.get(event_id=saved[2].pk).canonical))["object"]["id"] == "42"
    report = verify_ledger()
    assert report.ok, report.problems
