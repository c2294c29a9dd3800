"""A case with records to request, copy, mark and share, for the access tests.

olga — an outside requester (a court clerk): an account of no agency, who sees nothing
       without a grant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lawtrail.accounts.actions import do_create_user
from lawtrail.accounts.models import User
from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case
from lawtrail.documents.actions import do_create_document, do_issue_document, do_update_document
from lawtrail.documents.catalogue import get_type
from lawtrail.documents.models import Document
from lawtrail.evidence.actions import do_link_evidence
from lawtrail.evidence.models import Evidence
from lawtrail.lib import timez
from lawtrail.testing import media
from lawtrail.testing.documents import sample_fields, sign_all
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import PASSWORD, World
from lawtrail.testing.scenarios import advance, register_case


@dataclass
class Records:
    case: Case
    doc: Document
    photo: Evidence
    clip: Evidence
    olga: User


def build_records(world: World, settings: Any, root: Path) -> Records:
    use_fresh_vault(settings, root / "vault")
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    doc = do_create_document(case, type_code="rights_notice", actor=world.alice)
    doc = do_update_document(doc, fields=sample_fields(get_type("rights_notice"), prefilled=doc.fields),
                             actor=world.alice)
    doc = do_issue_document(doc, actor=world.alice)
    sign_all(doc, [world.alice, world.andy])  # a complete record: the case may move on (compliance)
    photo = ingest(media.make_photo(root / "site.jpg", size=(320, 240)), officer=world.alice)
    clip = ingest(media.make_clip(root / "site.mp4", seconds=1), officer=world.alice)
    for ev in (photo, clip):
        do_link_evidence(ev, case=case, actor=world.alice)
    olga = do_create_user(username=f"olga{User.objects.count()}", password=PASSWORD, full_name="欧阳法官助理",
                          agency=None, unit=None, roles=[], actor=None)
    return Records(case, doc, Evidence.objects.get(pk=photo.pk), Evidence.objects.get(pk=clip.pk), olga)


def in_days(days: float) -> dt.datetime:
    return timez.now() + dt.timedelta(days=days)
