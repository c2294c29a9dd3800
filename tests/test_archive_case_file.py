"""A closed case's file (案卷): its deadline from the profile, assembly by the handler, binding
by the archivist (which archives the case), and a bound file that nothing can change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest
from django.db import DatabaseError, transaction
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.archive.actions import do_assemble_case_file, do_bind_case_file
from lawtrail.archive.models import CaseFile
from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case
from lawtrail.documents.models import Document
from lawtrail.events.models import DomainEvent
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden
from lawtrail.packagecheck.archive_no import ARCHIVE_NO
from lawtrail.testing.archive import closed_case, issue
from lawtrail.testing.documents import pdf_text, squeeze
from lawtrail.testing.evidence import use_fresh_vault
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import advance, beijing, register_case


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


@pytest.fixture
def vault(settings: Settings, tmp_path: Path) -> Path:
    return use_fresh_vault(settings, tmp_path / "vault")


def new_events(mark: int) -> list[tuple[str, str]]:
    return [(e.action, e.outcome) for e in DomainEvent.objects.filter(id__gt=mark).order_by("id")]


def last_event_id() -> int:
    return DomainEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_the_handler_assembles_and_the_archivist_binds_which_archives_the_case(
        world: World, vault: Path, tmp_path: Path) -> None:
    case, doc, clip = closed_case(world, tmp_path)
    assert clip is not None
    mark = last_event_id()
    case_file = do_assemble_case_file(case, notes="询问笔录一份,执法记录仪视频一段", actor=world.alice)
    assert new_events(mark) == [("case_file.assemble", "done")]
    assert ARCHIVE_NO.match(case_file.archive_no) and case_file.archive_no.split("-")[1:3] == ["2026", "D30"]
    assert case_file.seq == 1 and case_file.status == "assembled"
    # 卷内目录: the documents and the recording in the order the profile gives (case_file_order), with
    # pages and duration: the inquiry record, its recording after it, and the documents the steps
    # issued — 立案审批表, 调查终结报告, 报批表, 决定书, 送达回证, 结案审批表.
    order = ["filing_approval_form", "inquiry_record", "investigation_report", "penalty_approval_form",
             "penalty_decision", "service_receipt", "closing_approval_form"]
    docs = sorted(Document.objects.filter(case=case, status="issued"), key=lambda d: order.index(d.type_code))
    assert [d.type_code for d in docs] == order
    assert [(i["seq"], i["kind"], i["id"]) for i in case_file.items] == [
        (1, "document", docs[0].pk), (2, "document", docs[1].pk), (3, "media", clip.pk)] + [
        (n, "document", d.pk) for n, d in enumerate(docs[2:], start=4)]
    inquiry = next(i for i in case_file.items if i["kind"] == "document" and i["id"] == doc.pk)
    assert inquiry["number"] == doc.number and inquiry["pages"] >= 1
    assert case_file.items[2]["duration_seconds"] == pytest.approx(1, abs=0.2)
    assert case_file.page_count == sum(i["pages"] for i in case_file.items if i["kind"] == "document")
    assert case_file.media_count == 1
    text = squeeze(pdf_text(bytes(case_file.pdf or b"")))
    for shown in ("案卷封面", "卷内目录", "备考表", case_file.archive_no, case.number, "某某建筑劳务有限公司", "艾丽",
                  doc.number, "询问笔录一份"):
        assert squeeze(str(shown)) in text

    mark = last_event_id()
    bound = do_bind_case_file(case_file, note="齐全", actor=world.archie)
    assert new_events(mark) == [("case_file.bind", "done"), ("case.transition", "done")]
    case.refresh_from_db()
    assert case.stage == Stage.ARCHIVED and case.archived_at == timez.now()
    assert bound.status == "bound" and bound.checked_by_name == "阿奇" and bound.bound_at == timez.now()
    bind = DomainEvent.objects.get(action="case_file.bind")
    assert bind.payload["items"] == [[i["seq"], i["kind"], i["id"], i["sha256"]] for i in case_file.items]
    assert bind.payload["items"][2] == [3, "media", clip.pk, clip.sha256]
    assert [row[2] for row in bind.payload["items"] if row[1] == "document"] == [d.pk for d in docs]
    assert bind.payload["pdf_sha256"] == bound.pdf_sha256
    assert "阿奇" in pdf_text(bytes(bound.pdf or b""))


def test_only_the_case_officers_assemble_and_only_the_archivist_binds(world: World, tmp_path: Path) -> None:
    case, _doc, _ = closed_case(world, tmp_path, clip=False)
    for outsider in (world.bob, world.archie, world.sam):
        with pytest.raises(Forbidden):
            do_assemble_case_file(case, actor=outsider)
    case_file = do_assemble_case_file(case, actor=world.alice)
    for not_archivist in (world.alice, world.hank, world.bob):
        with pytest.raises(Forbidden):
            do_bind_case_file(case_file, actor=not_archivist)
    assert DomainEvent.objects.filter(action="case_file.bind", outcome="refused").count() == 3
    assert Case.objects.get(pk=case.pk).stage == Stage.CLOSED


def test_an_open_case_cannot_be_assembled(world: World) -> None:
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    with pytest.raises(Conflict) as err:
        do_assemble_case_file(case, actor=world.alice)
    assert err.value.code == "case_not_closed"


def test_a_record_added_after_assembly_must_be_assembled_again_before_binding(world: World, tmp_path: Path) -> None:
    case, _doc, _ = closed_case(world, tmp_path, clip=False)
    first = do_assemble_case_file(case, actor=world.alice)
    # A late record of the closed case: the assembled index no longer tells the whole file.
    issue(world, case, "rights_notice")
    with pytest.raises(Conflict) as err:
        do_bind_case_file(first, actor=world.archie)
    assert err.value.code == "case_file_stale"
    again = do_assemble_case_file(case, retention="Y", actor=world.alice)
    assert (again.pk, again.seq, len(again.items)) == (first.pk, first.seq, len(first.items) + 1)
    assert again.archive_no.split("-")[2:] == ["Y", "0001"]
    do_bind_case_file(again, actor=world.archie)


def test_a_bound_case_file_refuses_every_change_by_action_and_by_the_database(world: World, tmp_path: Path) -> None:
    case, _doc, _ = closed_case(world, tmp_path, clip=False)
    case_file = do_bind_case_file(do_assemble_case_file(case, actor=world.alice), actor=world.archie)
    with pytest.raises(Conflict):
        do_assemble_case_file(Case.objects.get(pk=case.pk), actor=world.alice)
    with pytest.raises(Conflict) as err:
        do_bind_case_file(case_file, actor=world.archie)
    assert err.value.code == "case_file_bound"
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseFile.objects.filter(pk=case_file.pk).update(notes="改写")
    assert CaseFile.objects.get(pk=case_file.pk).notes == ""


def test_archive_numbers_are_gap_free_per_agency_and_year(world: World, tmp_path: Path) -> None:
    numbers = []
    for _ in range(3):
        case, _doc, _ = closed_case(world, tmp_path, clip=False)
        numbers.append(do_assemble_case_file(case, actor=world.alice).seq)
    assert numbers == [1, 2, 3]


@pytest.mark.parametrize(("profile_id", "due"), [
    # 30 days (labor inspection 第三十四条) against 30 working days (safety production 第十八条):
    # 劳动节 1–5 May 2026 and its make-up Saturday 9 May count as the calendar says.
    ("labor-inspection", dt.timedelta(days=30)),
    ("safety-production", None),
])
def test_the_case_file_is_due_by_the_profiles_rule(
        db: None, profile_id: str, due: dt.timedelta | None, tmp_path: Path) -> None:
    world = build_world(profile_id)
    # (safety production wants every act on record — 第七条 — so its case carries a clip)
    case, _doc, _ = closed_case(world, tmp_path, clip=profile_id == "safety-production")
    assert case.closed_at is not None and case.archive_due_at is not None
    if due is not None:
        assert case.archive_due_at - case.closed_at == due
    else:
        # The 30th working day after 20 April 2026 by the State Council's calendar, counted here independently.
        workdays = chinese_calendar.get_workdays(dt.date(2026, 4, 21), dt.date(2026, 7, 1))
        assert timez.beijing(case.archive_due_at).date() == workdays[29] == dt.date(2026, 6, 3)
