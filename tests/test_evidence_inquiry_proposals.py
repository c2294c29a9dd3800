"""Footage an officer recorded during an inquiry or on-site inspection (an issued 询问笔录 or
现场检查笔录 with its start and end time and its officers) is proposed for that record's case."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from lawtrail.documents.actions import do_create_document, do_issue_document, do_update_document
from lawtrail.documents.catalogue import get_type
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.queries import link_proposals
from lawtrail.testing import media
from lawtrail.testing.documents import sample_fields
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, beijing, register_case

T0 = beijing(2026, 3, 2, 9, 0)


@pytest.fixture
def vault(settings: Settings, tmp_path: Path) -> Path:
    return use_fresh_vault(settings, tmp_path / "vault")


def clip(tmp_path: Path, start: dt.datetime, officer, name: str) -> Evidence:  # type: ignore[no-untyped-def]
    path = media.make_clip(tmp_path / name, seconds=2, created=start, audio=False)
    return ingest(path, officer=officer, device_serial="DSJ-9")


def record(world: World, case, code: str, start: dt.datetime, end: dt.datetime, *,  # type: ignore[no-untyped-def]
           issue: bool = True):
    doc = do_create_document(case, type_code=code, actor=world.alice)
    fields = sample_fields(get_type(code), prefilled=doc.fields)
    fields.update(started_at=start.isoformat(), ended_at=end.isoformat())
    doc = do_update_document(doc, fields=fields, actor=world.alice)
    return do_issue_document(doc, actor=world.alice) if issue else doc


def test_footage_by_an_officer_of_an_inquiry_within_its_window_is_proposed(
        world: World, vault: Path, tmp_path: Path, settings: Settings) -> None:
    settings.EVIDENCE_LINK_MARGIN_MINUTES = 10
    case = advance(world, register_case(world), to="investigating")
    inquiry = record(world, case, "inquiry_record", T0, T0 + dt.timedelta(minutes=40))
    assert world.andy.cert_no in inquiry.fields["officers"]
    during = clip(tmp_path, T0 + dt.timedelta(minutes=20), world.andy, "andy-during.mp4")
    just_after = clip(tmp_path, T0 + dt.timedelta(minutes=45), world.alice, "alice-after.mp4")  # within ±10 min
    much_later = clip(tmp_path, T0 + dt.timedelta(hours=2), world.alice, "alice-later.mp4")
    other_officer = clip(tmp_path, T0 + dt.timedelta(minutes=20), world.bob, "bob.mp4")

    [p] = link_proposals(during, world.alice)
    assert (p.case, p.act, p.act_id) == (case, "询问(调查)笔录", inquiry.pk)
    assert (p.act_start, p.act_end) == (T0, T0 + dt.timedelta(minutes=40))
    assert [x.case for x in link_proposals(just_after, world.alice)] == [case]
    assert link_proposals(much_later, world.alice) == []
    assert link_proposals(other_officer, world.archie) == []  # bob is not among the record's officers


def test_only_an_issued_on_site_record_proposes_and_an_inspection_record_does_too(
        world: World, vault: Path, tmp_path: Path) -> None:
    case = advance(world, register_case(world), to="investigating")
    record(world, case, "inquiry_record", T0, T0 + dt.timedelta(minutes=30), issue=False)
    ev = clip(tmp_path, T0 + dt.timedelta(hours=5, minutes=10), world.alice, "alice.mp4")
    early = clip(tmp_path, T0 + dt.timedelta(minutes=10), world.alice, "alice-early.mp4")
    assert link_proposals(early, world.alice) == []  # a draft is not a record of what happened
    inspection = record(world, case, "site_inspection_record", T0 + dt.timedelta(hours=5),
                        T0 + dt.timedelta(hours=6))
    [p] = link_proposals(ev, world.alice)
    assert (p.case, p.act_id) == (case, inspection.pk) and p.act.startswith("现场检查")
