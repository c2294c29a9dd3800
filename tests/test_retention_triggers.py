"""Long-term triggers (长期保存情形): set by a leader by hand, or by case events; every record of the case follows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.documents.actions import do_create_document, do_issue_document
from lawtrail.documents.catalogue import get_type
from lawtrail.events.models import DomainEvent
from lawtrail.evidence.models import Evidence
from lawtrail.lib.errors import Forbidden, InvalidInput
from lawtrail.retention import queries
from lawtrail.retention.actions import do_flag_long_term, do_record_incident, do_release_hold, do_set_hold
from lawtrail.retention.models import LongTermFlag
from lawtrail.testing import media
from lawtrail.testing.documents import sample_fields
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import beijing, file_case, register_case


@pytest.fixture
def vault(settings: Settings, tmp_path: Path, time_machine: TimeMachineFixture) -> Path:
    time_machine.move_to(beijing(2026, 3, 2, 9, 0), tick=False)
    return use_fresh_vault(settings, tmp_path / "vault")


def case_with_footage(world: World, tmp_path: Path) -> tuple[Any, Evidence]:
    case = file_case(world, register_case(world))
    path = media.make_clip(tmp_path / "scene.mp4", seconds=1, created=beijing(2026, 2, 1), audio=False)
    return case, ingest(path, officer=world.alice, case=case)


def actions_since(first: int) -> list[str]:
    return list(DomainEvent.objects.filter(pk__gt=first).order_by("id").values_list("action", flat=True))


def last_event_id() -> int:
    return DomainEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_a_leader_flags_a_case_and_every_record_becomes_long_term(world: World, vault: Path, tmp_path: Path) -> None:
    case, ev = case_with_footage(world, tmp_path)
    assert ev.retention_long_term is False
    before = last_event_id()
    flag = do_flag_long_term(case, kind="objection", reason="当事人对现场执法提出异议并投诉", actor=world.uma)
    assert actions_since(before) == ["retention.flag"]
    event = DomainEvent.objects.get(pk__gt=before)
    assert event.payload["article"] == "第三十九条" and event.payload["item"] == "(一)"
    # The case, its footage and the 立案审批表 its filing issued.
    assert {r["record"] for r in event.payload["records_made_long_term"]} == {"case", "evidence", "document"}
    ev.refresh_from_db()
    assert ev.retention_long_term is True
    explained = queries.explain_evidence(ev)
    assert explained["retention"]["kind"] == "long_term"
    assert explained["triggers"][0]["text"] == "当事人对劳动保障监察员现场执法、办案有异议或者投诉、上访的"
    assert explained["triggers"][0]["reason"] == "当事人对现场执法提出异议并投诉"
    assert queries.explain_case(case)["retention"]["kind"] == "long_term"
    assert flag.set_by_name == world.uma.display_name


@pytest.mark.parametrize(("who", "kind", "error"), [
    ("alice", "objection", Forbidden),          # an officer is no leader
    ("bob", "objection", Forbidden),            # another unit's officer
    ("hank", "coercive_measure", InvalidInput),  # 第三十九条 names no coercive measures
    ("hank", "nonsense", InvalidInput),
])
def test_only_a_leader_flags_and_only_what_the_regulation_names(world: World, vault: Path, tmp_path: Path,
                                                                who: str, kind: str, error: type[Exception]) -> None:
    case, _ev = case_with_footage(world, tmp_path)
    with pytest.raises(error):
        do_flag_long_term(case, kind=kind, reason="理由", actor=getattr(world, who))
    assert not LongTermFlag.objects.exists()
    assert DomainEvent.objects.filter(action="retention.flag", outcome="refused").count() == 1


def test_an_objection_recorded_on_the_case_makes_its_records_long_term(world: World, vault: Path,
                                                                       tmp_path: Path) -> None:
    case, ev = case_with_footage(world, tmp_path)
    before = last_event_id()
    do_record_incident(case, kind="objection", description="当事人现场表示异议,次日到局投诉", occurred_on=dt.date(2026, 3, 1),
                       actor=world.alice)
    assert actions_since(before) == ["retention.incident", "retention.flag"]
    ev.refresh_from_db()
    assert ev.retention_long_term is True
    assert LongTermFlag.objects.get().source == "incident"


def test_a_group_incident_is_recorded_but_changes_nothing_where_the_regulation_does_not_name_it(
        world: World, vault: Path, tmp_path: Path) -> None:
    case, ev = case_with_footage(world, tmp_path)
    do_record_incident(case, kind="group_incident", description="现场聚集", occurred_on=dt.date(2026, 3, 1),
                       actor=world.alice)
    ev.refresh_from_db()
    assert ev.retention_long_term is False and not LongTermFlag.objects.exists()


def test_an_issued_seizure_decision_makes_the_case_long_term_where_coercive_measures_count(
        db: None, vault: Path, tmp_path: Path,
        django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    world = build_world("safety-production", name="某安全生产监督管理局")
    case, ev = case_with_footage(world, tmp_path)
    doc = do_create_document(case, type_code="seizure_decision",
                             fields=sample_fields(get_type("seizure_decision")), actor=world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        doc = do_issue_document(doc, actor=world.alice)
    flag = LongTermFlag.objects.get()
    assert (flag.kind, flag.source, flag.article, flag.item) == ("coercive_measure", "document", "第二十一条", "(一)")
    assert f"文书 #{doc.pk}" in flag.source_ref
    ev.refresh_from_db()
    assert ev.retention_long_term is True
    explained = queries.explain_case(case)
    assert explained["retention"]["kind"] == "long_term"
    # The seizure decision and the 立案审批表 the filing issued.
    assert [d["retention"]["kind"] for d in explained["documents"]] == ["long_term", "long_term"]


def test_holds_are_set_and_released_by_a_head_with_a_reason(world: World, vault: Path, tmp_path: Path) -> None:
    _case, ev = case_with_footage(world, tmp_path)
    with pytest.raises(Forbidden):
        do_set_hold(ev, reason="诉讼", actor=world.alice)
    with pytest.raises(InvalidInput):
        do_set_hold(ev, reason=" ", actor=world.hank)
    hold = do_set_hold(ev, reason="行政诉讼中,暂停销毁", actor=world.hank)
    assert [h["reason"] for h in queries.explain_evidence(ev)["holds"]] == ["行政诉讼中,暂停销毁"]
    do_release_hold(hold, reason="诉讼终结", actor=world.uma)
    assert queries.explain_evidence(ev)["holds"] == []
