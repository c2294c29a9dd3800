"""Pages of the evidence vault, and the background job that makes previews and thumbnails."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from lawtrail.cases.actions import do_record_inspection
from lawtrail.cases.models import Case
from lawtrail.evidence import jobs
from lawtrail.evidence.choices import DerivativeStatus
from lawtrail.evidence.media import probe
from lawtrail.evidence.models import Evidence
from lawtrail.storage import get_store
from lawtrail.testing import media
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import PASSWORD, World
from lawtrail.testing.scenarios import beijing, file_case

T0 = beijing(2026, 3, 2, 9, 0)


@pytest.fixture
def vault(settings: Settings, tmp_path: Path) -> Path:
    return use_fresh_vault(settings, tmp_path / "vault")


@pytest.fixture
def immediate_jobs() -> Iterator[None]:
    # Huey's immediate mode: a job runs in the enqueuing thread, with an in-memory queue.
    was = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = was


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_clip_browsers_cannot_play_gets_a_proxy_and_a_thumbnail_from_the_background_job(
        world: World, vault: Path, tmp_path: Path, immediate_jobs: None,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    clip = media.make_clip(tmp_path / "old-cam.mp4", seconds=2, codec="mpeg4", audio=True, created=T0)
    with django_capture_on_commit_callbacks(execute=True):
        ev = ingest(clip, officer=world.alice)
    ev.refresh_from_db()
    assert ev.proxy_status == DerivativeStatus.READY and ev.proxy_key.startswith("derived/proxy/")
    assert ev.thumb_key.startswith("derived/thumb/")
    store = get_store()
    with store.open(ev.thumb_key) as f:
        assert f.read(2) == b"\xff\xd8"  # a JPEG
    proxy = tmp_path / "proxy.mp4"
    with store.open(ev.proxy_key) as f:
        proxy.write_bytes(f.read())
    facts = probe(proxy)
    assert (facts.video_codec, facts.audio_codec, facts.browser_safe) == ("h264", "aac", True)
    assert facts.duration == pytest.approx(2.0, abs=0.3)
    with store.open(ev.stored.key) as f:
        assert f.read() == clip.read_bytes()  # the original untouched

    # The same bytes again: the derivatives are shared, not made twice.
    twin = ingest(clip, officer=world.andy, name="again.mp4")
    twin = jobs.build_derivatives(twin.pk)
    assert (twin.proxy_key, twin.thumb_key) == (ev.proxy_key, ev.thumb_key)

    client = signed_in(world.alice)
    preview = client.get(f"/evidence/{ev.pk}/preview", headers={"Range": "bytes=0-99"})
    assert preview.status_code == 206 and preview["Content-Type"] == "video/mp4"
    assert client.get(f"/evidence/{ev.pk}/thumbnail").status_code == 200


def test_a_playable_clip_needs_no_proxy_and_a_photo_gets_a_thumbnail(world: World, vault: Path,
                                                                       tmp_path: Path) -> None:
    ev = ingest(media.make_clip(tmp_path / "ok.mp4", seconds=1), officer=world.alice)
    photo = ingest(media.make_photo(tmp_path / "p.jpg"), officer=world.alice)
    ev, photo = jobs.build_derivatives(ev.pk), jobs.build_derivatives(photo.pk)
    assert (ev.proxy_status, ev.proxy_key) == (DerivativeStatus.NOT_NEEDED, "") and ev.thumb_key
    assert photo.thumb_key and photo.proxy_status == DerivativeStatus.NOT_NEEDED


def test_the_pages_show_play_and_label_a_recording(world: World, vault: Path, tmp_path: Path) -> None:
    inspection = do_record_inspection(
        unit=world.unit_a, party=world.company, place="工地", started_at=T0, ended_at=T0 + dt.timedelta(hours=1),
        officers=[world.andy], findings="未签订劳动合同", outcome="open_case", case_title="未签订劳动合同案",
        handler_opinion="建议立案", actor=world.alice)
    case = file_case(world, Case.objects.get(inspection=inspection))
    clip = media.make_clip(tmp_path / "site.mp4", seconds=2, created=T0 + dt.timedelta(minutes=5))
    ev = ingest(clip, officer=world.alice, device_serial="DSJ-1")
    client = signed_in(world.alice)

    listing = client.get("/evidence/")
    assert listing.status_code == 200 and "site.mp4" in listing.content.decode()
    page = client.get(f"/evidence/{ev.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert ev.stored.sha256 in text and ev.stored.sm3 in text and "<video" in text
    assert case.number in text and "确认关联" in text and "日常巡视检查" in text  # the proposal
    # The only things a page lets anyone post are labels; nothing alters or removes an original.
    actions = set(re.findall(r'<form method="post" action="([^"]+)"', text))
    assert actions == {f"/evidence/{ev.pk}/link/", f"/evidence/{ev.pk}/reject/", f"/evidence/{ev.pk}/long_term/",
                       f"/evidence/{ev.pk}/patrol/", f"/evidence/{ev.pk}/return/", f"/evidence/{ev.pk}/catalogue/",
                       "/logout/"}

    confirmed = client.post(f"/evidence/{ev.pk}/link/", {"case": case.pk})
    assert confirmed.status_code == 302
    assert Evidence.objects.get(pk=ev.pk).case == case
    case_page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="case-evidence"' in case_page and "site.mp4" in case_page

    original = client.get(f"/evidence/{ev.pk}/original")
    assert original.status_code == 403  # seeing is not taking: a role or a grant (lawtrail/access)
    original = signed_in(world.archie).get(f"/evidence/{ev.pk}/original")
    assert original.status_code == 200 and body(original) == clip.read_bytes()
    for url in ("/evidence/upload/", "/evidence/interruptions/", "/evidence/reception/",
                f"/evidence/upload/?case={case.pk}"):
        assert client.get(url).status_code == 200, url


def test_another_unit_sees_nothing_and_anonymous_users_sign_in_first(world: World, vault: Path,
                                                                      tmp_path: Path) -> None:
    ev = ingest(media.make_clip(tmp_path / "a.mp4", seconds=1), officer=world.alice)
    bob = signed_in(world.bob)
    for url in (f"/evidence/{ev.pk}/", f"/evidence/{ev.pk}/original", f"/evidence/{ev.pk}/preview"):
        assert bob.get(url).status_code == 404, url
    assert "a.mp4" not in bob.get("/evidence/").content.decode()
    assert bob.post(f"/evidence/{ev.pk}/link/", {"case": 1}).status_code == 404
    anonymous = Client().get(f"/evidence/{ev.pk}/original")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_a_refused_label_shows_its_reason_on_the_page(world: World, vault: Path, tmp_path: Path) -> None:
    ev = ingest(media.make_clip(tmp_path / "a.mp4", seconds=1), officer=world.alice)
    sam = signed_in(world.sam)  # a supervisor sees but does not label
    assert sam.get(f"/evidence/{ev.pk}/").status_code == 200
    refused = sam.post(f"/evidence/{ev.pk}/long_term/", {"reason": "当事人有异议"})
    assert refused.status_code == 400 and "只有一中队的执法人员" in refused.content.decode()


def test_the_list_shows_a_new_recording_at_once_and_its_total_as_counted_within_the_minute(
        world: World, vault: Path, tmp_path: Path, time_machine: Any) -> None:
    """音像资料列表随时是最新的;列表上方的总数每分钟统计一次(不在每次打开时数遍全部音像资料)。"""
    from django.core.cache import cache

    cache.clear()
    time_machine.move_to(T0 + dt.timedelta(hours=2), tick=False)
    client = signed_in(world.alice)
    ingest(media.make_clip(tmp_path / "first.mp4", seconds=1, created=T0), officer=world.alice)
    first = client.get("/evidence/").content.decode()
    assert "first.mp4" in first and "共 1 件" in first and "11:00 统计" in first
    ingest(media.make_clip(tmp_path / "second.mp4", seconds=1, created=T0), officer=world.alice)
    again = client.get("/evidence/").content.decode()
    assert "second.mp4" in again and "共 1 件" in again  # the list is current, its total a minute old at most
    time_machine.move_to(T0 + dt.timedelta(hours=2, minutes=1, seconds=1), tick=False)
    later = client.get("/evidence/").content.decode()
    assert "共 2 件" in later and "11:01 统计" in later
    # Each filter is its own count.
    filtered = client.get("/evidence/", {"unassigned": "on"}).content.decode()
    assert "共 2 件" in filtered


def test_a_list_that_grew_since_its_total_was_counted_still_shows_a_full_page(
        world: World, vault: Path, tmp_path: Path, time_machine: Any) -> None:
    """总数是一分钟内的旧数时,列表仍按现有资料显示整页(不按旧总数截短)。"""
    from django.core.cache import cache

    cache.clear()
    time_machine.move_to(T0 + dt.timedelta(hours=2), tick=False)
    client = signed_in(world.alice)
    ingest(media.make_photo(tmp_path / "p0.jpg", size=(40, 30)), officer=world.alice)
    assert "共 1 件" in client.get("/evidence/").content.decode()
    for i in range(1, 4):
        ingest(media.make_photo(tmp_path / f"p{i}.jpg", size=(40 + i, 30)), officer=world.alice)
    page = client.get("/evidence/").content.decode()
    assert "共 1 件" in page  # the total counted a moment ago
    assert all(f"p{i}.jpg" in page for i in range(4)), "the page holds every recording there is"
