"""In a real browser: a closed case's file assembled by its handler and bound by the archivist,
which archives the case; the case page offers no bare "立卷归档" step."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from lawtrail.archive.models import CaseFile
from lawtrail.testing.archive import closed_case
from lawtrail.testing.browser import sign_in
from lawtrail.testing.personas import World, build_world

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls between browser steps




@pytest.fixture
def site(transactional_db: None, live_server) -> tuple[World, str]:  # type: ignore[no-untyped-def]
    return build_world(), live_server.url



def test_the_handler_assembles_and_the_archivist_binds_the_case_file(
        browser: Browser, site: tuple[World, str], tmp_path: Path) -> None:
    w, base = site
    case, notice, _ = closed_case(w, tmp_path, clip=False)

    alice = sign_in(browser, base, w.alice.username, width=1280, height=900)
    alice.goto(f"{base}/cases/{case.pk}/")
    expect(alice.locator("#case-stage")).to_have_text("结案")
    alice.locator("#case-case-file a", has_text="查看案卷").click()
    expect(alice.locator("#case-file-preview")).to_contain_text(notice.number)
    alice.locator('details[data-step="assemble"] textarea, details[data-step="assemble"] input[name=notes]').first \
        .fill("卷内文书齐全")
    alice.click("#assemble")
    expect(alice.locator("#case-file-status")).to_have_text("已组卷,待审核装订")
    archive_no = CaseFile.objects.get(case=case).archive_no
    expect(alice.locator("#archive-no")).to_have_text(archive_no)
    expect(alice.locator("#bind")).to_have_count(0)  # binding is the archivist's

    archie = sign_in(browser, base, w.archie.username, width=1280, height=900)
    archie.goto(f"{base}/cases/{case.pk}/")
    expect(archie.locator('details[data-step="move:archived"]')).to_have_count(0)
    archie.goto(f"{base}/cases/{case.pk}/case-file/")
    archie.locator('details[data-step="bind"] textarea, details[data-step="bind"] input[name=note]').first \
        .fill("检查无误")
    archie.click("#bind")
    expect(archie.locator("#case-file-status")).to_have_text("已装订归档")
    archie.goto(f"{base}/cases/{case.pk}/")
    expect(archie.locator("#case-stage")).to_have_text("归档")
    expect(archie.locator("#case-case-file")).to_contain_text(archive_no)
