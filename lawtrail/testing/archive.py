"""A closed case with records to put in its case file, walked through the real actions."""

from __future__ import annotations

from pathlib import Path

from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case
from lawtrail.documents.actions import do_create_document, do_issue_document, do_update_document
from lawtrail.documents.catalogue import get_type
from lawtrail.documents.models import Document
from lawtrail.evidence.models import Evidence
from lawtrail.testing import media
from lawtrail.testing.documents import sample_fields
from lawtrail.testing.evidence import ingest
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, register_case


def issue(world: World, case: Case, code: str = "inquiry_record") -> Document:
    doc = do_create_document(case, type_code=code, actor=world.alice)
    doc = do_update_document(doc, fields=sample_fields(get_type(code), prefilled=doc.fields), actor=world.alice)
    return do_issue_document(doc, actor=world.alice)


def closed_case(world: World, tmp_path: Path, *, clip: bool = True) -> tuple[Case, Document, Evidence | None]:
    """A case of alice's, with an issued 询问笔录 and (optionally) a short clip, closed."""
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    doc = issue(world, case)
    evidence = None
    if clip:
        path = media.make_clip(tmp_path / "inquiry.mp4", seconds=1, audio=False)
        evidence = ingest(path, officer=world.alice, case=case, actor=world.alice)
    case = advance(world, case, to=Stage.CLOSED)
    return case, doc, evidence
