"""Disposal (销毁): what is due, a request, the head's approval, destruction with a record kept for ever.

A run removes only what is due AND approved; held or long-term records are refused even when
listed; `lawtrail verify`, fixity, replication and restore agree with the disposal record.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.events.models import DomainEvent
from lawtrail.evidence import jobs
from lawtrail.evidence.choices import DerivativeStatus
from lawtrail.evidence.models import Evidence
from lawtrail.ledger.verify import verify_ledger
from lawtrail.lib.errors import Conflict, Forbidden, NotFound
from lawtrail.retention import queries
from lawtrail.retention.actions import (
    do_decide_disposal,
    do_execute_disposal,
    do_flag_long_term,
    do_request_disposal,
    do_set_hold,
)
from lawtrail.retention.models import DisposalRecord, DisposedEvidence
from lawtrail.storage import DisposalRefused, get_replica, get_store
from lawtrail.testing import media
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import beijing

pytestmark = pytest.mark.usefixtures("ledger")


@pytest.fixture
def vault(settings: Settings, tmp_path: Path, time_machine: TimeMachineFixture) -> Path:
    time_machine.move_to(beijing(2026, 3, 2, 9, 0), tick=False)
    return use_fresh_vault(settings, tmp_path / "vault")


@pytest.fixture
def commission(db: None, vault: Path) -> World:
    """An agency whose patrol footage is kept 6 months (第二十条)."""
    return build_world("commission-rules", name="某委员会")


def patrol(world: World, tmp_path: Path, name: str, recorded: dt.datetime) -> Evidence:
    path = media.make_clip(tmp_path / name, seconds=1, created=recorded, audio=False)
    return ingest(path, officer=world.alice)


def approved(world: World, evidence: list[Evidence]) -> object:
    request = do_request_disposal(evidence, reason="日常巡查视音频资料保存期限已满6个月", actor=world.archie)
    return do_decide_disposal(request, approve=True, opinion="同意销毁", actor=world.hank)


def test_a_run_removes_only_what_is_due_and_approved(commission: World, tmp_path: Path) -> None:
    w = commission
    old = patrol(w, tmp_path, "old.mp4", beijing(2025, 6, 1))        # due since 2025-12-01
    waiting = patrol(w, tmp_path, "waiting.mp4", beijing(2025, 6, 2))  # due, requested, not approved
    recent = patrol(w, tmp_path, "recent.mp4", beijing(2026, 2, 1))  # kept until 2026-08-01
    assert [d.evidence.pk for d in queries.due(w.archie)] == [old.pk, waiting.pk]
    jobs.replicate()
    with pytest.raises(Conflict) as refused:
        do_request_disposal([recent], reason="清理", actor=w.archie)
    assert refused.value.detail["refused"][0]["code"] == "not_due"

    request = approved(w, [old])
    do_request_disposal([waiting], reason="清理", actor=w.archie)  # never approved
    store, replica = get_store(), get_replica()
    assert replica is not None
    record = do_execute_disposal(request, actor=w.archie)  # type: ignore[arg-type]

    assert not store.exists(old.stored.key) and not replica.exists(old.stored.key)
    assert store.exists(waiting.stored.key) and store.exists(recent.stored.key)
    assert list(DisposedEvidence.objects.values_list("evidence_id", flat=True)) == [old.pk]
    assert Evidence.objects.filter(pk=old.pk).exists()  # the row stays: history stays readable
    record = DisposalRecord.objects.get(pk=record.pk)
    assert (record.requested_by_name, record.approved_by_name, record.executed_by_name) == (
        w.archie.display_name, w.hank.display_name, w.archie.display_name)
    assert [(i["evidence_id"], i["sha256"], i["size"], i["object_removed"]) for i in record.items] == [
        (old.pk, old.stored.sha256, old.stored.size, True)]
    assert "第二十条" in record.items[0]["basis"]
    assert list(DomainEvent.objects.filter(action__startswith="retention.").order_by("id")
                .values_list("action", "outcome")) == [
        ("retention.disposal_request", "refused"), ("retention.disposal_request", "done"),
        ("retention.disposal_decide", "done"), ("retention.disposal_request", "done"),
        ("retention.dispose", "done"), ("retention.disposal_record", "done")]
    assert queries.explain_evidence(old)["disposal"]["record_id"] == record.pk

    report = verify_ledger()
    assert report.ok, report.problems
    assert jobs.fixity(record=False).ok
    assert jobs.restore().restored == [] and not store.exists(old.stored.key)
    assert old.stored.key not in jobs.replicate().copied and not replica.exists(old.stored.key)
    with pytest.raises(NotFound):
        from lawtrail.evidence.serving import serve_original
        serve_original(None, old)  # type: ignore[arg-type]

    # An object that vanishes WITHOUT a disposal record is still reported, by key.
    Path(store.root / waiting.stored.key).unlink()  # type: ignore[attr-defined]
    report = verify_ledger()
    assert [(p.code, p.object_key) for p in report.problems] == [("evidence_missing", waiting.stored.key)]


def test_the_disposal_record_is_kept_for_ever(commission: World, tmp_path: Path) -> None:
    old = patrol(commission, tmp_path, "old.mp4", beijing(2025, 6, 1))
    record = do_execute_disposal(approved(commission, [old]), actor=commission.archie)  # type: ignore[arg-type]
    for sql in ("UPDATE retention_disposalrecord SET reason = 'x' WHERE id = %s",
                "DELETE FROM retention_disposalrecord WHERE id = %s",
                "DELETE FROM retention_disposedevidence WHERE record_id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [record.pk])
    assert DisposalRecord.objects.filter(pk=record.pk).exists()


def test_a_preview_queued_before_the_disposal_ends_with_its_reason_not_an_error(
        commission: World, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    old = patrol(commission, tmp_path, "old.mp4", beijing(2025, 6, 1))
    record = do_execute_disposal(approved(commission, [old]), actor=commission.archie)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING):
        ev = jobs.build_derivatives(old.pk)  # the job the ingest queued, run by a worker after the disposal
    assert caplog.records == []
    assert ev.proxy_status == DerivativeStatus.NOT_NEEDED
    event = DomainEvent.objects.filter(action="evidence.derive", object_id=str(old.pk)).latest("id")
    assert (event.outcome, event.payload["detail"]) == ("done", f"原始资料已按销毁记录第 {record.pk} 号销毁,不再生成预览")


def test_held_or_long_term_records_are_refused_even_when_approved(world: World, vault: Path, tmp_path: Path) -> None:
    w = world  # labour inspection: patrol footage 2 years (第三十九条), and it names long-term situations
    held = patrol(w, tmp_path, "held.mp4", beijing(2024, 1, 10))
    flagged = patrol(w, tmp_path, "flagged.mp4", beijing(2024, 1, 11))
    request = approved(w, [held, flagged])
    do_set_hold(held, reason="行政诉讼中", actor=w.hank)
    do_flag_long_term(flagged, kind="obstruction", reason="当事人阻碍执法", actor=w.hank)
    record = do_execute_disposal(request, actor=w.archie)  # type: ignore[arg-type]
    assert record.items == []
    assert {(r["evidence_id"], r["code"]) for r in record.refused} == {(held.pk, "on_hold"), (flagged.pk, "long_term")}
    assert get_store().exists(held.stored.key) and get_store().exists(flagged.stored.key)
    assert queries.due(w.archie) == []


def test_an_object_another_kept_record_refers_to_stays(commission: World, tmp_path: Path) -> None:
    path = media.make_clip(tmp_path / "same.mp4", seconds=1, created=beijing(2025, 6, 1), audio=False)
    first = ingest(path, officer=commission.alice)
    second = ingest(path, officer=commission.alice, name="copy.mp4")  # due as well, but not listed
    record = do_execute_disposal(approved(commission, [first]), actor=commission.archie)  # type: ignore[arg-type]
    assert [i["object_removed"] for i in record.items] == [False]
    assert get_store().exists(first.stored.key)
    assert [d.evidence.pk for d in queries.due(commission.archie)] == [second.pk]
    warrant = type("W", (), {"confirms": lambda self, key: True})()
    with pytest.raises(DisposalRefused):  # the store refuses a key outside originals whatever the warrant says
        get_store().remove_disposed("staging-x", warrant=warrant)
    assert verify_ledger().ok


def test_four_eyes_and_roles(commission: World, tmp_path: Path) -> None:
    w = commission
    old = patrol(w, tmp_path, "old.mp4", beijing(2025, 6, 1))
    with pytest.raises(Forbidden):  # an officer cannot ask to destroy
        do_request_disposal([old], reason="清理", actor=w.alice)
    own = do_request_disposal([old], reason="清理", actor=w.hank)
    with pytest.raises(Forbidden) as err:
        do_decide_disposal(own, approve=True, actor=w.hank)
    assert err.value.code == "own_request"
    with pytest.raises(Forbidden):  # a unit head is not the agency's head
        do_decide_disposal(own, approve=True, actor=w.uma)
    with pytest.raises(Conflict):  # not approved yet
        do_execute_disposal(own, actor=w.archie)
    second_head = build_world("commission-rules", name="另一机关").hank
    with pytest.raises(Forbidden):  # the head of another agency
        do_decide_disposal(own, approve=True, actor=second_head)
    with pytest.raises(Forbidden):  # nor carry one out
        do_execute_disposal(own, actor=w.alice)
    assert get_store().exists(old.stored.key)
