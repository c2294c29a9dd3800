"""The case file and the archive package through the JSON API, persona by persona."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.accounts.actions import do_create_api_token
from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.packagecheck.check import verify_package
from lawtrail.testing.api import ApiClient
from lawtrail.testing.archive import closed_case
from lawtrail.testing.evidence import use_fresh_vault
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing

pytestmark = pytest.mark.usefixtures("ledger")


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


@pytest.fixture
def vault(settings: Settings, tmp_path: Path) -> Path:
    return use_fresh_vault(settings, tmp_path / "vault")


def download(user: User, path: str) -> tuple[int, bytes]:
    response = Client().post(path, headers={"Authorization": f"Bearer {do_create_api_token(user, name='t', actor=None)}"})
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    return response.status_code, body


def test_a_closed_case_is_assembled_bound_and_exported_through_the_api(
        world: World, vault: Path, tmp_path: Path) -> None:
    case, _doc, _clip = closed_case(world, tmp_path)
    url = f"/api/cases/{case.pk}/case-file"
    alice, archie = ApiClient(world.alice), ApiClient(world.archie)

    state = alice.get(url)
    assert state.status == 200 and state.body["case_file"] is None and state.body["may_assemble"]
    assert state.body["due_at"] and state.body["due_rule"].startswith("第三十四条")
    # Another unit's officer sees nothing; the archivist may not assemble, the handler may not bind.
    assert ApiClient(world.bob).get(url).status == 404
    assert ApiClient(world.bob).post(url, {}).status == 404
    assert archie.post(url, {}).code == "not_case_officer"

    assembled = alice.post(url, {"retention": "D30", "notes": "齐全"})
    assert assembled.status == 200, assembled.body
    cf = assembled.body["case_file"]
    # The clip and the documents: the inquiry record and those its steps issued (立案审批表, 调查终结报告,
    # 报批表, 决定书, 送达回证, 结案审批表).
    assert cf["status"] == "assembled" and [i["seq"] for i in cf["items"]] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert alice.post(f"{url}/bind", {}).code == "not_archivist"
    assert alice.post(url, {"retention": "X"}).status == 422

    bound = archie.post(f"{url}/bind", {"note": "已检查"})
    assert bound.status == 200 and bound.body["case_file"]["status"] == "bound" and bound.body["stage"] == "archived"
    assert Case.objects.get(pk=case.pk).stage == "archived"
    assert alice.post(url, {}).status == 409
    # The bound file is a download of the case: not for the handler of a closed case.
    assert alice.get(f"{url}/pdf").status == 403
    pdf = archie.get(f"{url}/pdf")
    assert pdf.status == 200 and bytes(pdf.body).startswith(b"%PDF-")

    # Export: archivists, heads and supervisors only, for now (no grants yet).
    status, _ = download(world.alice, f"/api/cases/{case.pk}/archive-package")
    assert status == 403
    status, _ = download(world.bob, f"/api/cases/{case.pk}/archive-package")
    assert status == 404
    status, body = download(world.archie, f"/api/cases/{case.pk}/archive-package")
    assert status == 200 and body.startswith(b"PK")
    (tmp_path / "p.zip").write_bytes(body)
    report = verify_package(tmp_path / "p.zip")
    assert report.ok and report.kind == "lawtrail", "\n".join(report.lines())
