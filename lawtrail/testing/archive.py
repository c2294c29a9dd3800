"""A closed case with records to put in its case file, walked through the real actions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case
from lawtrail.demo_agencies import av_ticks
from lawtrail.documents.actions import do_create_document, do_issue_document, do_update_document
from lawtrail.documents.catalogue import get_type
from lawtrail.documents.models import Document
from lawtrail.evidence.models import Evidence
from lawtrail.lib import timez
from lawtrail.testing import media
from lawtrail.testing.documents import sample_fields, sign_all
from lawtrail.testing.evidence import ingest
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, register_case


def issue(world: World, case: Case, code: str = "inquiry_record", *, sign: bool = True,
          **fields: Any) -> Document:
    doc = do_create_document(case, type_code=code, actor=world.alice)
    # A filmed record states how it was filmed where the profile asks it (av_manner, av_focus).
    doc = do_update_document(doc, fields={**sample_fields(get_type(code), prefilled=doc.fields),
                                          **av_ticks(case, code), **fields}, actor=world.alice)
    doc = do_issue_document(doc, actor=world.alice)
    if sign:
        sign_all(doc, [world.alice, world.andy])
    return doc


def closed_case(world: World, tmp_path: Path, *, clip: bool = True) -> tuple[Case, Document, Evidence | None]:
    """A case of alice's, closed, that passes the compliance checks: with a clip, an issued 询问笔录
    whose times match the clip recorded during it; without, a 权利告知书 (no recording required).
    Both are signed by everyone they ask for."""
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    evidence = None
    if clip:
        started = timez.now().replace(microsecond=0) - dt.timedelta(hours=1)
        doc = issue(world, case, started_at=started.isoformat(),
                    ended_at=(started + dt.timedelta(minutes=1)).isoformat())
        path = media.make_clip(tmp_path / "inquiry.mp4", seconds=1, created=started, audio=False)
        evidence = ingest(path, officer=world.alice, case=case, actor=world.alice)
    else:
        doc = issue(world, case, "rights_notice")
    case = advance(world, case, to=Stage.CLOSED)
    return case, doc, evidence
