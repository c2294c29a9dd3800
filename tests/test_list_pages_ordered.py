"""当事人(按名称)、受理场所监控日存(按日期、场所)、通知、调用单、账本条目各列表按游标分页:逐页走完全部记录,
不重不漏,名称或日期相同的按编号分开;上一页回到前一页;深页不用 OFFSET;接口同样按游标分页,不认识的游标被拒绝。"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from lawtrail.cases.actions import do_create_party
from lawtrail.cases.models import Party
from lawtrail.evidence.actions import do_register_reception_segment
from lawtrail.evidence.models import ReceptionSegment
from lawtrail.lib import timez
from lawtrail.lib.paging import cursor_of, keyset_page, parse_cursor
from lawtrail.notices.models import Notice
from lawtrail.testing import media
from lawtrail.testing.api import ApiClient
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.pages import links, walk
from lawtrail.testing.personas import World, valid_id_number
from lawtrail.testing.scenarios import beijing, register_case

NAMES = ["王五", "张三", "李四", "Acme 建筑", "张三丰", "王五"]
SITES = ["一楼受理窗口", "二楼接待室", "东门"]


@pytest.fixture
def parties(world: World) -> list[int]:
    """Parties whose names repeat (two 王五 registered apart, each several times): the list's order
    by name, and by id among equal names."""
    for n in range(34):
        do_create_party(kind="person", name=NAMES[n % len(NAMES)], id_number=valid_id_number(f"11010519491231{n:03d}"),
                        actor=world.alice)
    return list(Party.objects.restrict(world.alice).order_by("name", "id").values_list("pk", flat=True))


@pytest.fixture
def segments(world: World, settings: Settings, tmp_path: Path) -> list[int]:
    """Reception days: one registered, and its copies with copies of its recording (test data) on a
    few days at three sites, each (day, site) twice."""
    use_fresh_vault(settings, tmp_path / "vault")
    clip = media.make_clip(tmp_path / "window.mp4", seconds=1, created=beijing(2026, 3, 1, 8, 0), audio=False)
    evidence = ingest(clip, officer=world.alice)
    row = do_register_reception_segment(evidence, site=SITES[0], day=dt.date(2026, 3, 1), actor=world.alice)
    for n in range(1, 40):
        evidence.pk = None
        evidence.save()
        row.pk, row.evidence = None, evidence
        row.site, row.day = SITES[n % 3], dt.date(2026, 3, 1 + (n // 6))
        row.save()
    return list(ReceptionSegment.objects.filter(agency=world.agency).order_by("-day", "site", "id")
                .values_list("pk", flat=True))


def test_three_keys_in_mixed_directions_page_forward_and_back(world: World, segments: list[int]) -> None:
    qs = ReceptionSegment.objects.filter(agency=world.agency)
    order = ("-day", "site", "id")
    pages, after = [], ""
    while True:
        page = keyset_page(qs, order, after=after, size=4)
        pages.append([s.pk for s in page.items])
        if page.next is None:
            break
        after = page.next
    assert [pk for p in pages for pk in p] == segments
    assert [len(p) for p in pages] == [4] * 10
    # Back from the last page, page by page, to the first (which names no page before it).
    page = keyset_page(qs, order, after=after, size=4)
    back = []
    while page.previous is not None:
        page = keyset_page(qs, order, before=page.previous, size=4)
        back.append([s.pk for s in page.items])
    assert back == pages[-2::-1] and page.first


def test_a_cursor_holds_each_kind_of_key_and_refuses_what_it_did_not_give(world: World) -> None:
    at = dt.datetime(2026, 3, 2, 1, 2, 3, 456789, tzinfo=dt.UTC)
    assert parse_cursor(ReceptionSegment, ("-day", "site", "id"), cursor_of(dt.date(2026, 3, 2), "一楼_窗口", 7)) \
        == (dt.date(2026, 3, 2), "一楼_窗口", 7)
    assert parse_cursor(Notice, "created_at", cursor_of(at, 12)) == (at, 12)
    for raw in ("", "1_2_3", "2026-03-02_一楼_7", "2026-13-02_x41_7", "2026-03-02_xzz_7", "2026-03-02_xff_7",
                "2026-03-02_41_7", "2026-03-02_x41_99999999999999999999", "x41_7"):
        assert parse_cursor(ReceptionSegment, ("-day", "site", "id"), raw) is None, raw
    with pytest.raises(ValueError):
        keyset_page(Party.objects.all(), ("name",), size=3)  # an ordering that does not end with the key


def test_the_party_list_walks_every_party_once_by_name_and_back(world: World, parties: list[int]) -> None:
    client = Client()
    client.force_login(world.alice)
    walked = walk(client, "/parties/", r'<tr data-party="(\d+)"')
    assert walked.ids == parties and not walked.offsets
    assert [len(p) for p in walked.pages] == [30, len(parties) - 30]
    back = client.get(f"/parties/?{links(walked.last)['上一页']}").content.decode()
    assert [int(pk) for pk in re.findall(r'<tr data-party="(\d+)"', back)] == walked.pages[0]


def test_the_reception_list_walks_every_day_once(world: World, segments: list[int]) -> None:
    client = Client()
    client.force_login(world.alice)
    walked = walk(client, "/evidence/reception/", r'<tr data-segment="(\d+)"')
    assert walked.ids == segments and not walked.offsets
    for query in ("?after=nonsense", "?before=2026-03-01_x41_1", "?after=2026-02-30_x41_1"):
        assert client.get("/evidence/reception/" + query).status_code == 200


def test_the_notice_list_walks_every_notice_once(world: World) -> None:
    now = timez.now()
    Notice.objects.bulk_create(Notice(recipient=world.alice, key=f"test-{n}", title=f"通知{n}",
                                      created_at=now - dt.timedelta(minutes=n // 3)) for n in range(65))
    listed = list(Notice.objects.filter(recipient=world.alice).order_by("-created_at", "-id")
                  .values_list("pk", flat=True))
    client = Client()
    client.force_login(world.alice)
    walked = walk(client, "/notices/", r'<tr data-notice="(\d+)"')
    assert walked.ids == listed and [len(p) for p in walked.pages] == [30, 30, 5] and not walked.offsets


def test_the_party_and_reception_apis_page_by_cursor(world: World, parties: list[int], segments: list[int]) -> None:
    api = ApiClient(world.alice)
    newest = sorted(parties, reverse=True)
    replies = api.cursor_pages("/api/parties", limit=7)
    assert [p["id"] for r in replies for p in r.body["items"]] == newest
    assert all(r.body["count"] == len(parties) and r.body["counted_at"] for r in replies)
    assert [p["id"] for p in api.get("/api/parties", limit=3, offset=4).body["items"]] == newest[4:7]
    days = api.cursor_pages("/api/reception-segments", limit=6)
    assert [s["id"] for r in days for s in r.body["items"]] == segments
    for url in ("/api/parties", "/api/reception-segments"):
        refused = api.get(url, after="1_2_3_4")
        assert refused.status == 422 and refused.code == "invalid_cursor", url


@pytest.mark.usefixtures("ledger")
def test_the_access_request_and_ledger_entry_apis_page_by_cursor(world: World) -> None:
    from lawtrail.access.actions import do_request_access
    from lawtrail.ledger.actions import do_make_checkpoint

    case = register_case(world)
    for i in range(7):
        do_request_access(case, kind="internal", whole_case=True, purpose=f"复核{i}", requester_unit="本机关",
                          expires_at=timez.now() + dt.timedelta(days=3), actor=world.alice)
    for user in (world.alice, world.hank):
        api = ApiClient(user)
        everything = [r["id"] for r in api.get("/api/access-requests", limit=100).body["items"]]
        assert len(everything) == 7
        assert [r["id"] for reply in api.cursor_pages("/api/access-requests", limit=3)
                for r in reply.body["items"]] == everything, user.username
    do_make_checkpoint()  # on PostgreSQL, entries are numbered as the transaction commits or a tree head is made
    api = ApiClient(world.alice)
    url = f"/api/ledger/objects/cases.case/{case.pk}/entries"
    whole = api.get(url, limit=500).body
    assert whole["next"] is None and whole["count"] == len(whole["items"]) > 3
    pages = api.cursor_pages(url, limit=2)
    assert [e["seq"] for r in pages for e in r.body["items"]] == [e["seq"] for e in whole["items"]]
    assert api.get(url, after="x41").code == "invalid_cursor"
