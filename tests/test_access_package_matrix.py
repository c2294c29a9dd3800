"""Role × action matrix for archive packages (issue 6): who may export an archived case's package,
in the pages and in the API. A package is a copy of the whole case file, so the same policy as
every download decides (lawtrail/access/policy.py); a grant hands out copies of chosen records
through its own copy endpoints, never a whole package."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from lawtrail.access.actions import do_decide_access_request, do_request_access
from lawtrail.accounts.actions import do_create_user
from lawtrail.accounts.models import User
from lawtrail.archive.actions import do_assemble_case_file, do_bind_case_file
from lawtrail.archive.models import PackageExport
from lawtrail.events.models import DomainEvent
from lawtrail.lib import timez
from lawtrail.testing.api import ApiClient
from lawtrail.testing.archive import closed_case
from lawtrail.testing.evidence import use_fresh_vault
from lawtrail.testing.personas import PASSWORD, World

pytestmark = pytest.mark.usefixtures("ledger")

# persona → (status in the pages, status in the API) for "export the package"
MATRIX: dict[str, tuple[int, int]] = {
    "bob": (404, 404),      # officer of another unit: does not see the case
    "alice": (302, 403),    # the handler: no one keeps records to themselves (the page says why)
    "archie": (200, 200),   # archivist
    "lena": (200, 200),     # legal reviewer
    "uma": (200, 200),      # head of the case's unit (the responsible leader)
    "hank": (200, 200),     # head of the agency
    "sam": (302, 403),      # supervisor: reads, takes no copies
    "olga": (404, 404),     # outside requester without a grant
    "olga+grant": (404, 404),    # a grant covers chosen records, through its copy endpoints
    "olga+expired": (404, 404),
}


@pytest.fixture
def archived(world: World, settings: Any, tmp_path: Path) -> Any:
    use_fresh_vault(settings, tmp_path / "vault")
    case, _doc, _clip = closed_case(world, tmp_path)
    case_file = do_bind_case_file(do_assemble_case_file(case, actor=world.alice), actor=world.archie)
    return case_file.case


def _olga() -> User:
    return do_create_user(username=f"olga{User.objects.count()}", password=PASSWORD, full_name="欧阳法官助理",
                          agency=None, unit=None, roles=[], actor=None)


def _grant(world: World, case: Any, olga: User, days: float) -> None:
    req = do_request_access(case, kind="external", whole_case=True, purpose="行政诉讼举证", requester=olga,
                            requester_unit="名山区人民法院", copier_name="欧阳",
                            expires_at=timez.now() + dt.timedelta(days=days), actor=world.archie)
    do_decide_access_request(req, approved=True, opinion="同意", actor=world.hank)


@pytest.mark.parametrize("persona", list(MATRIX))
def test_package_export_matrix(world: World, archived: Any, persona: str, time_machine: Any) -> None:
    name, _, grant_state = persona.partition("+")
    user = _olga() if name == "olga" else getattr(world, name)
    if grant_state:
        _grant(world, archived, user, days=1)
        if grant_state == "expired":
            time_machine.move_to(timez.now() + dt.timedelta(days=2))
    page = Client()
    page.force_login(user)
    ui = page.post(f"/cases/{archived.pk}/case-file/package/").status_code
    api = ApiClient(user)
    answer = api.client.post(f"/api/cases/{archived.pk}/archive-package", headers=api.headers).status_code
    assert (ui, answer) == MATRIX[persona]
    allowed = MATRIX[persona][0] == 200
    # Each export that was served is recorded; a refusal by the policy is recorded as refused.
    assert PackageExport.objects.count() == (2 if allowed else 0)
    refused = DomainEvent.objects.filter(action="package.export", outcome="refused").count()
    assert refused == (2 if MATRIX[persona] == (302, 403) else 0)
