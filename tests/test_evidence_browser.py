"""In a real browser: a recording uploaded through the page, surviving a dropped connection half-way."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Route, expect
from pytest_django.fixtures import Settings

from lawtrail.evidence.models import Evidence, UploadSession
from lawtrail.testing.evidence import use_fresh_vault
from lawtrail.testing.personas import PASSWORD, World, build_world

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.slow



@pytest.fixture
def site(transactional_db: None, live_server: Any, settings: Settings, tmp_path: Path) -> tuple[World, str]:
    settings.EVIDENCE_UPLOAD_CHUNK_BYTES = 64 * 1024  # several chunks from a small file
    use_fresh_vault(settings, tmp_path / "vault")
    return build_world(), live_server.url


def test_an_upload_resumes_after_the_connection_drops(browser: Browser, site: tuple[World, str],
                                                      tmp_path: Path) -> None:
    world, base = site
    data = os.urandom(300 * 1024)
    recording = tmp_path / "执法记录仪-0001.mp4"
    recording.write_bytes(data)

    page = browser.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", world.alice.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{base}/evidence/upload/")

    seen: list[str] = []

    def flaky(route: Route) -> None:
        request = route.request
        seen.append(f"{request.method} {request.headers.get('upload-offset', '')}")
        # The third chunk never arrives: the network drops mid-upload, once.
        if request.method == "PATCH" and request.headers.get("upload-offset") == str(2 * 64 * 1024) \
                and "dropped" not in seen:
            seen.append("dropped")
            route.abort("connectionreset")
            return
        route.continue_()

    page.route("**/api/evidence-uploads**", flaky)
    page.set_input_files("#upload-files", str(recording))
    page.fill("#id_device_serial", "DSJ-5")
    page.click("button:has-text('开始上传')")
    expect(page.locator("#upload-list li")).to_contain_text("已入库", timeout=30000)
    # The row said how far it got (and, while it went, how fast and how long was left).
    expect(page.locator("#upload-list li .rate")).to_have_text("100%")
    assert "MB" in page.locator("#upload-list li b").inner_text() or "KB" in page.locator("#upload-list li b").inner_text()

    assert "dropped" in seen and any(s.startswith("HEAD") for s in seen[seen.index("dropped"):])
    ev = Evidence.objects.get()
    assert ev.stored.sha256 == hashlib.sha256(data).hexdigest() and ev.stored.size == len(data)
    assert (ev.original_name, ev.device_serial, ev.ingested_by) == ("执法记录仪-0001.mp4", "DSJ-5", world.alice)
    assert UploadSession.objects.get().evidence == ev
    page.click("#upload-list a:has-text('查看')")
    expect(page.locator("h1")).to_contain_text("执法记录仪-0001.mp4")
    page.close()
