"""Uploads a person can trust: a file already stored for the same case or officer is the same original
(reported, linked, not recorded or listed twice); in a real browser the row says how far, how fast and
how long is left, and a queue left behind by leaving the page is offered again and resumes."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Browser, Route, expect
from pytest_django.fixtures import Settings

from lawtrail.cases.choices import Stage
from lawtrail.events.models import DomainEvent
from lawtrail.evidence.models import Evidence, UploadSession
from lawtrail.testing import media
from lawtrail.testing.api import ApiClient
from lawtrail.testing.evidence import use_fresh_vault
from lawtrail.testing.personas import PASSWORD, World, build_world
from lawtrail.testing.scenarios import advance, beijing, register_case

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def vault(settings: Settings, tmp_path: Path) -> Path:
    return use_fresh_vault(settings, tmp_path / "vault")


def upload(api: ApiClient, data: bytes, **meta: str) -> Any:
    """One whole tus upload (create, one PATCH); the PATCH answer."""
    pairs = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in meta.items())
    created = api.client.post("/api/evidence-uploads", headers={
        **api.headers, "Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)), "Upload-Metadata": pairs})
    assert created.status_code == 201, created.content
    done = api.client.generic("PATCH", created["Location"], data, content_type="application/offset+octet-stream",
                              headers={**api.headers, "Tus-Resumable": "1.0.0", "Upload-Offset": "0"})
    assert done.status_code == 204, done.content
    return done


def test_the_same_original_uploaded_again_for_the_case_is_reported_not_recorded_twice(
        world: World, vault: Path, tmp_path: Path) -> None:
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    data = media.make_clip(tmp_path / "clip.mp4", seconds=1, created=beijing(2026, 3, 2, 10)).read_bytes()
    api = ApiClient(world.alice)
    first = upload(api, data, filename="DSJ_0001.mp4", case_id=str(case.pk))
    again = upload(api, data, filename="微信视频.mp4", case_id=str(case.pk))  # renamed by a chat app
    assert first["Upload-Evidence-Outcome"] == "stored" and again["Upload-Evidence-Outcome"] == "already"
    assert again["Upload-Evidence-Id"] == first["Upload-Evidence-Id"]
    assert Evidence.objects.filter(case=case).count() == 1
    assert DomainEvent.objects.filter(action="evidence.ingest").count() == 1
    [later] = UploadSession.objects.order_by("-created_at")[:1]
    assert api.get(f"/api/evidence-uploads/{later.pk}").body["outcome"] == "already"

    # For another case the same bytes are a record of that case (stored once).
    other = advance(world, register_case(world, title="另一案件"), to=Stage.INVESTIGATING)
    third = upload(api, data, filename="DSJ_0001.mp4", case_id=str(other.pk))
    assert third["Upload-Evidence-Outcome"] == "duplicate" and Evidence.objects.count() == 2


def test_an_unassigned_copy_of_the_officer_is_linked_to_the_case_the_upload_names(
        world: World, vault: Path, tmp_path: Path) -> None:
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    data = media.make_clip(tmp_path / "clip.mp4", seconds=1, created=beijing(2026, 3, 2, 10)).read_bytes()
    api = ApiClient(world.alice)
    loose = upload(api, data, filename="DSJ_0002.mp4")
    assert Evidence.objects.get().case is None
    linked = upload(api, data, filename="DSJ_0002.mp4", case_id=str(case.pk))
    assert linked["Upload-Evidence-Outcome"] == "linked"
    assert linked["Upload-Evidence-Id"] == loose["Upload-Evidence-Id"]
    ev = Evidence.objects.get()
    assert ev.case == case and ev.label_case_number == case.number
    assert [e.action for e in DomainEvent.objects.filter(action__startswith="evidence.").order_by("pk")] == [
        "evidence.ingest", "evidence.link"]


@pytest.fixture
def site(transactional_db: None, live_server: Any, settings: Settings, tmp_path: Path) -> tuple[World, str]:
    settings.EVIDENCE_UPLOAD_CHUNK_BYTES = 64 * 1024  # several chunks from a small file
    use_fresh_vault(settings, tmp_path / "vault")
    return build_world(), live_server.url


RATES = """
window.__rates = [];
window.__notes = [];
new MutationObserver(function () {
  document.querySelectorAll('#upload-list .rate').forEach(function (el) {
    if (window.__rates.indexOf(el.textContent) < 0) window.__rates.push(el.textContent);
  });
  document.querySelectorAll('#upload-list li > span:last-child').forEach(function (el) {
    if (window.__notes.indexOf(el.textContent) < 0) window.__notes.push(el.textContent);
  });
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


@pytest.mark.slow
def test_in_a_browser_a_queue_left_by_leaving_the_page_resumes_and_the_rows_say_how_far(
        browser: Browser, site: tuple[World, str], tmp_path: Path) -> None:
    world, base = site
    first, second = tmp_path / "执法记录仪-0001.mp4", tmp_path / "执法记录仪-0002.mp4"
    first.write_bytes(os.urandom(400 * 1024))
    second.write_bytes(os.urandom(200 * 1024))

    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", world.alice.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("我的工作")
    page.goto(f"{base}/evidence/upload/")
    held: list[Route] = []

    def stall(route: Route) -> None:
        # The third chunk of the first file hangs: the person leaves the page meanwhile.
        if route.request.method == "PATCH" and route.request.headers.get("upload-offset") == str(2 * 64 * 1024):
            held.append(route)
            return
        route.continue_()

    page.route("**/api/evidence-uploads**", stall)
    page.set_input_files("#upload-files", [str(first), str(second)])
    page.click("button:has-text('开始上传')")
    expect(page.locator("#upload-list li")).to_have_count(2)
    expect(page.locator("#upload-list li").nth(1)).to_contain_text("排队等待")
    page.wait_for_function("() => document.querySelector('#upload-list .rate').textContent.indexOf('%') > 0")
    page.close()  # left, with one file half up and one never started

    again = context.new_page()
    again.add_init_script(RATES)
    again.goto(f"{base}/evidence/upload/")
    resume = again.locator("#upload-resume")
    expect(resume).to_be_visible()
    expect(resume.locator("li")).to_have_count(2)
    expect(resume.locator("li").first).to_contain_text("执法记录仪-0001.mp4")
    expect(resume.locator("li").first).to_contain_text("已上传 ")
    with again.expect_file_chooser() as chooser:
        resume.get_by_role("button", name="选择这些文件").click()
    chooser.value.set_files([str(first), str(second)])  # choosing them starts the upload
    rows = again.locator("#upload-list li")
    expect(rows.nth(0)).to_contain_text("已入库", timeout=30000)
    expect(rows.nth(1)).to_contain_text("已入库", timeout=30000)
    # The first resumed from where it stopped (not sent again): its row said so on the way.
    assert any(re.fullmatch(r"从 \d+% 处继续", n) for n in again.evaluate("window.__notes"))
    expect(resume).to_be_hidden()
    rates = again.evaluate("window.__rates")
    assert any(re.fullmatch(r"\d+% · [\d.]+ [KM]?B/s · 剩余约 .+", r) for r in rates), rates
    assert UploadSession.objects.count() == 2 and Evidence.objects.count() == 2

    # The same file once more: reported as the same original, with a link to it, not a third record.
    again.set_input_files("#upload-files", str(first))
    again.click("button:has-text('开始上传')")
    expect(rows.nth(2)).to_contain_text("与已入库的原始文件相同", timeout=30000)
    assert Evidence.objects.count() == 2
    context.close()


def test_the_upload_page_names_the_resume_box(world: World, client: Client) -> None:
    client.force_login(world.alice)
    html = client.get("/evidence/upload/").content.decode()
    assert 'id="upload-resume" hidden' in html and "未完成的上传" in html
