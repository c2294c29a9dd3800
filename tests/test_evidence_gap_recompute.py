"""Interruptions are recomputed when a clip is linked after ingest or arrives out of order: new
pauses appear, covered ones are resolved, and an explained one is superseded with its reason —
never deleted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from lawtrail.cases.models import Case
from lawtrail.events.models import DomainEvent
from lawtrail.evidence.actions import do_explain_interruption, do_link_evidence
from lawtrail.evidence.choices import InterruptionStatus
from lawtrail.evidence.models import Evidence, Interruption
from lawtrail.testing import media
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing, file_case, register_case

T0 = beijing(2026, 3, 2, 9, 0)


@pytest.fixture
def vault(settings: Settings, tmp_path: Path) -> Path:
    return use_fresh_vault(settings, tmp_path / "vault")


def clip(world: World, tmp_path: Path, offset: float, seconds: float = 2, case: Case | None = None) -> Evidence:
    start = T0 + dt.timedelta(seconds=offset)
    path = media.make_clip(tmp_path / f"{offset:g}.mp4", seconds=seconds, created=start, audio=False)
    return ingest(path, officer=world.alice, device_serial="DSJ-1", case=case)


def last(action: str) -> DomainEvent:
    return DomainEvent.objects.filter(action=action, outcome="done").order_by("-id").first()  # type: ignore[return-value]


def test_linking_a_clip_to_the_case_of_its_neighbour_opens_the_pause_between_them(
        world: World, vault: Path, tmp_path: Path) -> None:
    case = file_case(world, register_case(world))
    first = clip(world, tmp_path, 0, case=case)
    second = clip(world, tmp_path, 62)  # unassigned: not yet the same activity
    assert not Interruption.objects.exists()
    do_link_evidence(second, case=case, actor=world.alice)
    gap = Interruption.objects.get()
    assert (gap.before, gap.after, gap.status) == (first, second, InterruptionStatus.OPEN)
    assert gap.gap_seconds == pytest.approx(60, abs=0.1)
    assert [g["interruption_id"] for g in last("evidence.link").payload["interruptions"]] == [gap.pk]


def test_linking_one_clip_elsewhere_supersedes_the_pause_and_relinking_brings_it_back(
        world: World, vault: Path, tmp_path: Path) -> None:
    first, second = clip(world, tmp_path, 0), clip(world, tmp_path, 62)
    gap = Interruption.objects.get()
    case = file_case(world, register_case(world))
    do_link_evidence(second, case=case, actor=world.alice)
    gap.refresh_from_db()
    assert gap.status == InterruptionStatus.SUPERSEDED
    assert gap.resolved_reason == f"关联案件 {case.label}:前后录像已不属于同一执法活动"
    [resolved] = last("evidence.link").payload["interruptions_resolved"]
    assert (resolved["interruption_id"], resolved["was"], resolved["now"]) == (gap.pk, "open", "superseded")
    do_link_evidence(first, case=case, actor=world.alice)
    gap.refresh_from_db()
    assert (gap.status, gap.resolved_reason, Interruption.objects.count()) == (InterruptionStatus.OPEN, "", 1)


def test_a_late_middle_clip_supersedes_an_explained_pause_and_keeps_its_explanation(
        world: World, vault: Path, tmp_path: Path) -> None:
    clip(world, tmp_path, 0)
    clip(world, tmp_path, 66)
    gap = Interruption.objects.get()
    do_explain_interruption(gap, text="更换电池", actor=world.alice)
    middle = clip(world, tmp_path, 2, seconds=64)  # the card's missing file, docked late
    gap.refresh_from_db()
    assert (gap.status, gap.explanation) == (InterruptionStatus.SUPERSEDED, "更换电池")
    assert gap.resolved_reason == f"补入录像 {middle.display_name}:位于该中断时段内,中断已补齐"
    assert Interruption.objects.count() == 1  # the new neighbours follow on at once: no new pause
    [resolved] = last("evidence.ingest").payload["interruptions_resolved"]
    assert (resolved["was"], resolved["now"]) == ("explained", "superseded")
