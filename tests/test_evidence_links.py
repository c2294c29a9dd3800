"""Labels and links: proposals by time window, confirmation, interruptions, reception days, retention by profile."""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_django.fixtures import Settings

from lawtrail.cases.actions import do_record_inspection, do_record_service
from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case
from lawtrail.events.models import DomainEvent
from lawtrail.evidence.actions import (
    do_explain_interruption,
    do_link_evidence,
    do_register_reception_segment,
    do_reject_link,
)
from lawtrail.evidence.choices import EvidenceClass, InterruptionStatus
from lawtrail.evidence.models import Evidence, Interruption
from lawtrail.evidence.queries import link_proposals
from lawtrail.evidence.retention import retention_for
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.profiles.registry import get_profile
from lawtrail.testing import media
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, beijing, decision_document_id, file_case, register_case

T0 = beijing(2026, 3, 2, 9, 0)


@pytest.fixture
def vault(settings: Settings, tmp_path: Path) -> Path:
    return use_fresh_vault(settings, tmp_path / "vault")


def clip_at(world: World, tmp_path: Path, start: dt.datetime, seconds: float = 2, *, device: str = "DSJ-1",
            name: str = "", **options: object) -> Evidence:
    path = media.make_clip(tmp_path / (name or f"{start:%H%M%S}-{seconds}.mp4"), seconds=seconds, created=start,
                           audio=False)
    return ingest(path, officer=options.pop("officer", world.alice), device_serial=device, **options)  # type: ignore[arg-type]


def events(action: str) -> list[DomainEvent]:
    return list(DomainEvent.objects.filter(action=action).order_by("id"))


# ---------------------------------------------------------------- proposals and confirmation


def test_footage_during_an_inspection_of_a_case_is_proposed_and_a_person_confirms(
        world: World, vault: Path, tmp_path: Path) -> None:
    inspection = do_record_inspection(
        unit=world.unit_a, party=world.company, place="名山区某工地", started_at=T0, ended_at=T0 + dt.timedelta(hours=1),
        officers=[world.andy], findings="未签订劳动合同", outcome="open_case", case_title="未签订劳动合同案",
        handler_opinion="建议立案", actor=world.alice)
    case = file_case(world, Case.objects.get(inspection=inspection))
    during = clip_at(world, tmp_path, T0 + dt.timedelta(minutes=10))
    next_day = clip_at(world, tmp_path, T0 + dt.timedelta(days=1))
    bobs = clip_at(world, tmp_path, T0 + dt.timedelta(minutes=10), officer=world.bob, name="bob.mp4")

    proposals = link_proposals(during, world.alice)
    assert [(p.case, p.act) for p in proposals] == [(case, "日常巡视检查")]
    assert link_proposals(next_day, world.alice) == []
    assert link_proposals(bobs, world.bob) == []  # bob was not on this inspection (and cannot see the case)

    linked = do_link_evidence(during, case=case, actor=world.alice)
    assert (linked.case, linked.evidence_class) == (case, EvidenceClass.CASE)
    assert (linked.label_case_number, linked.label_party, linked.label_handler) == (
        case.number, "某某建筑劳务有限公司", "艾丽")
    assert link_proposals(linked, world.alice) == []
    [event] = events("evidence.link")
    assert event.case_id_frozen == case.pk and event.payload["case_number"] == case.number
    assert event.payload["sha256"] == during.stored.sha256 and event.payload["previous_case_id"] is None
    with pytest.raises(Conflict):
        do_link_evidence(linked, case=case, actor=world.alice)


def test_footage_around_a_service_is_proposed_and_a_rejection_is_remembered(
        world: World, vault: Path, tmp_path: Path) -> None:
    case = advance(world, register_case(world), Stage.SERVING)
    service = do_record_service(case, document_id=decision_document_id(case), method="direct",
                                served_at=T0 + dt.timedelta(minutes=1), recipient="张三", actor=world.alice)
    ev = clip_at(world, tmp_path, T0)
    [proposal] = link_proposals(ev, world.alice)
    assert service.document.startswith("行政处罚(处理)决定书 ")
    assert proposal.case == case and proposal.act == f"送达《{service.document}》"
    do_reject_link(ev, case=case, reason="是另一家单位", actor=world.alice)
    assert link_proposals(ev, world.alice) == []
    assert [e.payload["reason"] for e in events("evidence.reject_link")] == ["是另一家单位"]


def test_only_those_who_handle_the_unit_may_link(world: World, vault: Path, tmp_path: Path) -> None:
    ev = clip_at(world, tmp_path, T0)
    case = file_case(world, register_case(world))
    for persona in (world.sam, world.lena, world.bob):
        with pytest.raises(Forbidden):
            do_link_evidence(ev, case=case, actor=persona)
    refused = events("evidence.link")
    assert [(e.outcome, e.reason_code) for e in refused] == [("refused", "not_allowed")] * 3
    assert Evidence.objects.get(pk=ev.pk).case is None


# ---------------------------------------------------------------- interruptions


def test_a_gap_between_clips_of_one_device_is_an_interruption_to_explain(
        world: World, vault: Path, tmp_path: Path) -> None:
    first = clip_at(world, tmp_path, T0, seconds=2)
    second = clip_at(world, tmp_path, T0 + dt.timedelta(seconds=62), seconds=2)  # 60 s pause
    seamless = clip_at(world, tmp_path, T0 + dt.timedelta(seconds=64), seconds=2)  # follows on at once
    other_device = clip_at(world, tmp_path, T0 + dt.timedelta(seconds=30), device="DSJ-2")
    next_activity = clip_at(world, tmp_path, T0 + dt.timedelta(hours=3))  # a different activity
    ingest(tmp_path / f"{T0 + dt.timedelta(seconds=62):%H%M%S}-2.mp4", name="again.mp4", officer=world.alice,
           device_serial="DSJ-1")  # the same file docked twice
    [gap] = Interruption.objects.all()
    assert (gap.before, gap.after, gap.device_serial) == (first, second, "DSJ-1")
    assert gap.gap_seconds == pytest.approx(60, abs=0.1)
    assert events("evidence.ingest")[1].payload["interruptions"][0]["gap_seconds"] == pytest.approx(60, abs=0.1)
    assert seamless and other_device and next_activity

    with pytest.raises(InvalidInput):
        do_explain_interruption(gap, text="  ", actor=world.alice)
    note = ingest(media.make_audio(tmp_path / "note.m4a"), officer=world.alice)
    done = do_explain_interruption(gap, text="电量不足,更换电池", voice_note=note, actor=world.alice)
    assert (done.status, done.voice_note, done.explained_by) == (InterruptionStatus.EXPLAINED, note, world.alice)
    with pytest.raises(Conflict):
        do_explain_interruption(gap, text="再说一次", actor=world.alice)
    [event] = [e for e in events("evidence.explain_interruption") if e.outcome == "done"]
    assert event.payload["voice_note_sha256"] == note.stored.sha256


def test_a_clip_ingested_late_fills_the_gap_it_belongs_in(world: World, vault: Path, tmp_path: Path) -> None:
    clip_at(world, tmp_path, T0, seconds=2)
    clip_at(world, tmp_path, T0 + dt.timedelta(seconds=4), seconds=2)  # 2 s apart: within tolerance
    clip_at(world, tmp_path, T0 + dt.timedelta(seconds=66), seconds=2)
    gap = Interruption.objects.get()
    clip_at(world, tmp_path, T0 + dt.timedelta(seconds=6), seconds=60)  # the card's missing file
    gap.refresh_from_db()
    assert gap.status == InterruptionStatus.FILLED
    assert Interruption.objects.filter(status=InterruptionStatus.OPEN).count() == 0


# ---------------------------------------------------------------- reception days and retention


def test_a_reception_days_recording_is_registered_by_site_and_date_and_kept_two_years(
        world: World, vault: Path, tmp_path: Path) -> None:
    ev = clip_at(world, tmp_path, T0)
    segment = do_register_reception_segment(ev, site="一楼受理窗口", day=dt.date(2026, 3, 2), actor=world.alice)
    ev.refresh_from_db()
    assert (segment.site, segment.day, ev.evidence_class) == ("一楼受理窗口", dt.date(2026, 3, 2),
                                                               EvidenceClass.RECEPTION)
    assert ev.retention_until == dt.date(2028, 3, 2) and "第三十二条" in ev.retention_basis
    with pytest.raises(Conflict):
        do_register_reception_segment(ev, site="一楼受理窗口", day=dt.date(2026, 3, 2), actor=world.alice)
    [event] = [e for e in events("evidence.register_reception") if e.outcome == "done"]
    assert event.payload == {"evidence_id": ev.pk, "sha256": ev.stored.sha256, "original_name": ev.original_name,
                             "site": "一楼受理窗口", "day": "2026-03-02"}


@pytest.mark.parametrize(("profile_id", "cls", "until", "article", "long_term"), [
    ("labor-inspection", "patrol", dt.date(2028, 3, 2), "第三十九条", False),
    ("labor-inspection", "reception", dt.date(2028, 3, 2), "第三十二条", False),
    ("commission-rules", "patrol", dt.date(2026, 9, 2), "第二十条", False),
    ("commission-rules", "case", None, "第二十条", False),
    ("safety-production", "other", dt.date(2028, 3, 2), "第二十二条", False),
    ("agriculture", "patrol", None, "未规定", False),
])
def test_retention_follows_the_agencys_profile(profile_id: str, cls: str, until: dt.date | None, article: str,
                                               long_term: bool) -> None:
    kept = retention_for(get_profile(profile_id), cls, T0)
    assert (kept.until, kept.long_term) == (until, long_term)
    assert article in kept.basis


def test_every_retention_rule_quotes_its_article() -> None:
    for profile_id in ("labor-inspection", "commission-rules", "safety-production"):
        profile = get_profile(profile_id)
        rules = [r for r in profile.rules.values() if r.id.startswith("evidence_")]
        assert rules and all(r.article.startswith("第") and r.quote for r in rules)


def test_a_case_link_moves_the_record_to_the_cases_unit_labels(world: World, vault: Path, tmp_path: Path) -> None:
    ev = clip_at(world, tmp_path, T0)
    bobs_case = file_case(world, register_case(world, by=world.bob))
    with pytest.raises(Forbidden):
        do_link_evidence(ev, case=bobs_case, actor=world.alice)  # alice does not handle 二中队
    linked = do_link_evidence(ev, case=bobs_case, actor=world.archie)
    assert linked.unit == world.unit_b and linked.label_handler == "鲍勃"
    assert Evidence.objects.restrict(world.bob).filter(pk=ev.pk).exists()  # type: ignore[attr-defined]


def test_each_system_action_writes_exactly_its_event(world: World, vault: Path, tmp_path: Path) -> None:
    from lawtrail.evidence import jobs
    from lawtrail.evidence.actions import do_mark_long_term

    ev = clip_at(world, tmp_path, T0)
    do_mark_long_term(ev, reason="当事人阻碍执法", actor=world.alice)
    jobs.build_derivatives(ev.pk)
    jobs.replicate()
    jobs.fixity()
    (vault / "store" / ev.stored.key).unlink()
    jobs.restore()
    actions = list(DomainEvent.objects.filter(action__startswith="evidence.").values_list("action", "outcome"))
    assert actions == [("evidence.ingest", "done"), ("evidence.long_term", "done"), ("evidence.derive", "done"),
                       ("evidence.replicate", "done"), ("evidence.fixity", "done"), ("evidence.restore", "done")]
    long_term = DomainEvent.objects.get(action="evidence.long_term")
    assert long_term.payload["reason"] == "当事人阻碍执法" and "第三十九条" in long_term.payload["basis"]
    restore = DomainEvent.objects.get(action="evidence.restore")
    assert restore.payload["object_key"] == ev.stored.key and restore.payload["names"] == [ev.original_name]


# Hypothesis takes naive bounds and applies `timezones` to what it generates.
@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 12, 31),  # noqa: DTZ001
                    timezones=st.just(timez.BEIJING)), st.integers(min_value=0, max_value=600))
def test_calendar_months_keep_the_day_or_end_the_month(start: dt.datetime, months: int) -> None:
    later = timez.add_months(start, months)
    assert (later.year * 12 + later.month) - (start.year * 12 + start.month) == months
    assert later.day == min(start.day, calendar.monthrange(later.year, later.month)[1])
    assert later.time() == start.time() and later >= start
