"""Bounded work: expensive exports are rate-limited per user (429, Retry-After, a JSON code or a
Chinese page), and PDFs are drawn in a bounded number of slots per process."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import caches
from django.test import Client
from pytest_django.fixtures import Settings

from lawtrail.lib.limits import Busy, render_slot
from lawtrail.lib.pdf import html_to_pdf
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, register_case


@pytest.fixture
def limited(settings: Settings) -> Settings:
    settings.RATE_LIMIT_EXPENSIVE = 2
    settings.RATE_LIMIT_WINDOW = 3600
    caches["default"].clear()
    return settings


def test_the_rate_limit_counts_in_a_cache_every_server_process_shares() -> None:
    # LocMem would give each gunicorn worker (or each `lawtrail serve` behind a proxy) its own count.
    assert type(caches["default"]).__name__ in ("DatabaseCache", "RedisCache")


def test_an_officer_batch_printing_in_a_loop_is_refused_with_429_and_retry_after(world: World, limited: Settings) -> None:
    # alice handles the case and may print it; she scripts the API to print it again and again.
    case = advance(world, register_case(world), to="investigating")
    alice = ApiClient(world.alice)
    path = f"/api/cases/{case.pk}/documents/print"
    for _ in range(2):
        assert alice.client.get(path, headers=alice.headers).status_code == 200
    refused = alice.client.get(path, headers=alice.headers)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited" and "过于频繁" in refused.json()["message"]
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert refused.json()["detail"]["retry_after"] == int(refused["Retry-After"])
    # Her budget is hers: the head of the unit still prints, and other kinds of export are counted apart.
    hank = ApiClient(world.hank)
    assert hank.client.get(path, headers=hank.headers).status_code != 429
    assert alice.client.get(f"/api/cases/{case.pk}/bundle", headers=alice.headers).status_code != 429


def test_the_page_answers_a_chinese_page_with_retry_after(world: World, limited: Settings) -> None:
    case = advance(world, register_case(world), to="investigating")
    browser = Client()
    browser.force_login(world.alice)
    path = f"/cases/{case.pk}/documents/print.pdf"
    for _ in range(2):
        assert browser.get(path).status_code == 200
    refused = browser.get(path)
    assert refused.status_code == 429 and refused["Retry-After"]
    page = refused.content.decode()
    assert "操作过于频繁" in page and "批量打印过于频繁" in page and 'data-fault="rate_limited"' in page


def test_an_outsider_spends_no_budget_and_gets_no_work(world: World, limited: Settings) -> None:
    # Not signed in: refused by the view as before (no 429 that would tell a route exists and is costly).
    case = advance(world, register_case(world), to="investigating")
    for _ in range(4):
        assert Client().get(f"/api/cases/{case.pk}/documents/print").status_code == 401


def test_a_render_waits_for_a_slot_and_is_refused_when_none_frees_up(settings: Settings) -> None:
    settings.RENDER_CONCURRENCY = 1
    settings.RENDER_WAIT_SECONDS = 0
    taken, release = threading.Event(), threading.Event()

    def long_print() -> None:
        with render_slot():
            taken.set()
            release.wait(30)

    other = threading.Thread(target=long_print)
    other.start()
    try:
        taken.wait(30)
        with pytest.raises(Busy) as refused:
            html_to_pdf("<p>案</p>")
        assert refused.value.code == "render_busy" and refused.value.status == 503
    finally:
        release.set()
        other.join()
    # A batch print holds its slot and renders each document inside it: the one slot is enough.
    with render_slot():
        assert html_to_pdf("<p>案</p>").startswith(b"%PDF")


def test_a_busy_renderer_answers_the_api_with_503_json_and_retry_after(world: World, settings: Settings) -> None:
    case = advance(world, register_case(world), to="investigating")
    settings.RENDER_CONCURRENCY = 1
    settings.RENDER_WAIT_SECONDS = 0
    taken, release = threading.Event(), threading.Event()

    def long_print() -> None:
        with render_slot():
            taken.set()
            release.wait(30)

    other = threading.Thread(target=long_print)
    other.start()
    try:
        taken.wait(30)
        alice = ApiClient(world.alice)
        busy = alice.client.get(f"/api/cases/{case.pk}/documents/print", headers=alice.headers)
        browser = Client()
        browser.force_login(world.alice)
        page = browser.get(f"/cases/{case.pk}/documents/print.pdf")
    finally:
        release.set()
        other.join()
    assert busy.status_code == 503 and busy.json()["code"] == "render_busy" and busy["Retry-After"]
    assert page.status_code == 503 and "render_busy" in page.content.decode()


def test_a_large_batch_print_goes_to_the_worker_and_only_its_requester_fetches_it(world: World,
                                                                                  settings: Settings) -> None:
    from lawtrail.access import prints
    from lawtrail.events.models import DomainEvent

    settings.BATCH_PRINT_INLINE_DOCUMENTS = 0  # every print counts as large here
    case = advance(world, register_case(world), to="investigating")
    alice = ApiClient(world.alice)
    queued = alice.get(f"/api/cases/{case.pk}/documents/print")
    assert queued.status == 202 and queued.body["status"] == "queued"
    link = queued.body["download"]
    assert alice.get(link).status == 202  # not bound yet: nothing drawn while the request waited
    registered = DomainEvent.objects.filter(action="access.download", object_id=str(case.pk)).count()

    assert prints.build(queued.body["token"]) == prints.READY  # the worker's part
    pdf = alice.client.get(link, headers=alice.headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # The copy is in the access register, written when the worker made it.
    assert DomainEvent.objects.filter(action="access.download", object_id=str(case.pk)).count() == registered + 1
    # bob, of the other unit, holding the link, learns nothing: the same answer as a made-up token.
    bob = ApiClient(world.bob)
    stolen, made_up = bob.get(link), bob.get("/api/prints/" + "x" * 32)
    assert stolen.status == made_up.status == 404 and stolen.code == made_up.code

    # The page: a link to follow, then the PDF.
    browser = Client()
    browser.force_login(world.alice)
    answer = browser.get(f"/cases/{case.pk}/documents/print.pdf")
    assert answer.status_code == 302 and "/access/prints/" in answer["Location"]
    waiting = browser.get(answer["Location"])
    assert waiting.status_code == 200 and "正在后台合并" in waiting.content.decode()
    prints.build(answer["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert browser.get(answer["Location"]).content.startswith(b"%PDF")
