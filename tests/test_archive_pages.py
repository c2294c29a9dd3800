"""The case file page: the deadline and its article, assembly by the handler, binding by the
archivist, the package download — and nothing for an officer of another unit."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.accounts.models import User
from lawtrail.archive.models import CaseFile
from lawtrail.cases.models import Case
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


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_case_file_page_takes_a_closed_case_to_a_bound_file_and_a_package(
        world: World, vault: Path, tmp_path: Path) -> None:
    case, doc, _clip = closed_case(world, tmp_path)
    url = f"/cases/{case.pk}/case-file/"
    alice, archie = client_for(world.alice), client_for(world.archie)

    case_page = alice.get(f"/cases/{case.pk}/").content.decode()
    assert "归档期限" in case_page and "2026-05-20" in case_page and url in case_page
    page = alice.get(url).content.decode()
    assert "第三十四条" in page and "2026-05-20 09:30" in page and doc.number in page and 'id="assemble"' in page
    assert 'id="bind"' not in archie.get(url).content.decode()
    # No bare "立卷归档" step on the case page: binding the file is the archiving.
    archivist_view = archie.get(f"/cases/{case.pk}/").content.decode()
    assert url in archivist_view and 'data-step="move:archived"' not in archivist_view
    refused = archie.post(f"/cases/{case.pk}/move/", {"to": "archived"})
    assert refused.status_code == 400 and "装订案卷" in refused.content.decode()
    assert Case.objects.get(pk=case.pk).stage == "closed"
    assert client_for(world.bob).get(url).status_code == 404
    assert client_for(world.bob).post(f"{url}assemble/", {}).status_code == 404

    response = alice.post(f"{url}assemble/", {"retention": "D30", "notes": "齐全"})
    assert response.status_code == 302
    cf = CaseFile.objects.get(case=case)
    page = archie.get(url).content.decode()
    assert cf.archive_no in page and "卷内目录" in page and "备考表" in page and 'id="bind"' in page
    refused = alice.post(f"{url}bind/", {"note": ""})
    assert refused.status_code == 400 and "只有档案管理员" in refused.content.decode()

    assert archie.post(f"{url}bind/", {"note": "齐全完整"}).status_code == 302
    assert Case.objects.get(pk=case.pk).stage == "archived"
    page = archie.get(url).content.decode()
    assert "已装订归档" in page and 'id="export"' in page and 'id="assemble"' not in page
    assert archie.get(f"{url}case-file.pdf").content.startswith(b"%PDF-")

    # The handler may not take the package home; the archivist downloads it.
    response = alice.post(f"{url}package/", follow=True)
    assert "导出归档包须由档案管理员、法制审核人员或负责人办理" in response.content.decode()
    response = archie.post(f"{url}package/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert f"{cf.archive_no}/data/index.html" in zipfile.ZipFile(BytesIO(body)).namelist()
