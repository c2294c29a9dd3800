"""Role × action matrix of record content (issue 6): who views, downloads and copies a case's
documents and AV records, in the pages and in the API — one policy, lawtrail/access/policy.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.access.actions import do_decide_access_request, do_request_access
from lawtrail.events.models import DomainEvent
from lawtrail.testing.access import Records, build_records, in_days
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing

V, D = "view", "download"
ALL = {("case", V): 200, ("case", D): 200, ("document", V): 200, ("document", D): 200, ("media", V): 200,
       ("media", D): 200}
NOTHING = {k: 404 for k in ALL}
# persona → (record, action) → status
MATRIX: dict[str, dict[tuple[str, str], int]] = {
    "bob": NOTHING,  # officer of another unit: sees nothing
    # the handler: sees everything of her case and takes its documents while it is open,
    # but not the original footage (no role, no grant)
    "alice": {**ALL, ("media", D): 403},
    "archie": ALL,  # archivist
    "uma": ALL,     # head of the case's unit (the responsible leader)
    "hank": ALL,    # head of the agency
    "sam": {**ALL, ("case", D): 403, ("document", D): 403, ("media", D): 403},  # supervisor: reads only
    "olga": NOTHING,          # outside requester without a grant
    "olga+grant": NOTHING,    # the grant works through its own copy endpoints, not through the vault
    "olga+expired": NOTHING,
}

UI = {("case", V): "/cases/{case}/", ("case", D): "/cases/{case}/documents/print.pdf",
      ("document", V): "/documents/{doc}/pdf/", ("document", D): "/documents/{doc}/issued.pdf",
      ("media", V): "/evidence/{photo}/", ("media", D): "/evidence/{photo}/original"}
API = {("case", V): "/api/cases/{case}", ("case", D): "/api/cases/{case}/documents/print",
       ("document", V): "/api/documents/{doc}/render", ("document", D): "/api/documents/{doc}/issued-pdf",
       ("media", V): "/api/evidence/{photo}", ("media", D): "/api/evidence/{photo}/original"}
GRANT_UI = {"document": "/access/requests/{grant}/document/{doc}/copy",
            "media": "/access/requests/{grant}/evidence/{photo}/copy"}
GRANT_API = {"document": "/api/access-requests/{grant}/documents/{doc}/copy",
             "media": "/api/access-requests/{grant}/evidence/{photo}/copy"}


@pytest.fixture
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


def _grant(world: World, r: Records, days: float) -> int:
    req = do_request_access(r.case, kind="external", whole_case=True, purpose="行政诉讼举证", requester=r.olga,
                            requester_unit="名山区人民法院", copier_name="欧阳", expires_at=in_days(days),
                            actor=world.archie)
    return do_decide_access_request(req, approved=True, opinion="同意", actor=world.hank).pk


def _get(channel: str, user: Any, path: str) -> int:
    if channel == "ui":
        client = Client()
        client.force_login(user)
        return client.get(path).status_code
    api = ApiClient(user)
    return api.client.get(path, headers=api.headers).status_code


@pytest.mark.parametrize("channel", ["ui", "api"])
@pytest.mark.parametrize("persona", list(MATRIX))
def test_role_action_matrix(world: World, settings: Settings, tmp_path: Path, clock: TimeMachineFixture,
                            persona: str, channel: str) -> None:
    r = build_records(world, settings, tmp_path)
    name, _, grant_state = persona.partition("+")
    user = r.olga if name == "olga" else getattr(world, name)
    grant = _grant(world, r, days=1) if grant_state else None
    if grant_state == "expired":
        clock.shift(dt.timedelta(days=2))
    ids = {"case": r.case.pk, "doc": r.doc.pk, "photo": r.photo.pk, "grant": grant}
    paths = UI if channel == "ui" else API
    got = {key: _get(channel, user, path.format(**ids)) for key, path in paths.items()}
    assert got == MATRIX[persona]
    if grant is not None:
        copies = GRANT_UI if channel == "ui" else GRANT_API
        expected = 200 if grant_state == "grant" else 403
        got_copies = {k: _get(channel, user, p.format(**ids)) for k, p in copies.items()}
        assert got_copies == {k: expected for k in copies}
        copied = DomainEvent.objects.filter(action="access.copy", outcome="done").count()
        assert copied == (2 if grant_state == "grant" else 0)
    # Every download that was served is in the register, and every refused one too.
    served_downloads = sum(1 for (kind, action), status in got.items() if action == D and status == 200)
    assert DomainEvent.objects.filter(action="access.download", outcome="done").count() == served_downloads
    refused = sum(1 for (kind, action), status in got.items() if action == D and status == 403)
    assert DomainEvent.objects.filter(action="access.download", outcome="refused").count() == refused
