"""案件列表按游标分页:下一页、上一页逐页走完全部案件,不重不漏;深页不用 OFFSET、不数全部案件。"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client

from lawtrail.cases.models import Case
from lawtrail.cases.queries import case_cursor, visible_cases
from lawtrail.testing.api import ApiClient
from lawtrail.testing.many import grow
from lawtrail.testing.pages import links, walk
from lawtrail.testing.personas import World
from lawtrail.testing.reads import reads
from lawtrail.testing.scenarios import register_case


@pytest.fixture
def listed(world: World) -> list[int]:
    """47 cases of alice's: two walked through the actions, the rest copied (lawtrail/testing/many.py)."""
    templates = [register_case(world), register_case(world, title="未依法签订劳动合同")]
    grow(templates, 45)
    return list(visible_cases(world.sam).order_by("-registered_at", "-id").values_list("pk", flat=True))


def _ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/cases/(\d+)/"', html)]


def test_next_and_previous_links_walk_every_case_once_in_order(world: World, listed: list[int]) -> None:
    client = Client()
    client.force_login(world.sam)
    html = client.get("/cases/").content.decode()
    assert "上一页" not in html and f"共 {len(listed)} 件" in html
    walked = walk(client, "/cases/", r'href="/cases/(\d+)/"')
    seen = walked.pages
    assert [pk for page in seen for pk in page] == listed
    assert [len(page) for page in seen] == [20, 20, 7]
    back = links(walked.last)
    html = client.get(f"/cases/?{back['上一页']}").content.decode()
    assert _ids(html) == seen[1]
    html = client.get(f"/cases/?{links(html)['上一页']}").content.decode()
    assert _ids(html) == seen[0] and "上一页" not in html


def test_a_filter_is_kept_across_pages(world: World, listed: list[int]) -> None:
    client = Client()
    client.force_login(world.sam)
    wanted = list(Case.objects.filter(pk__in=listed, title__contains="劳动合同")
                  .order_by("-registered_at", "-id").values_list("pk", flat=True))
    html = client.get("/cases/", {"q": "劳动合同"}).content.decode()
    nxt = re.search(r'href="\?(q=[^"]*after=[0-9_-]+)">下一页', html)
    assert nxt is not None
    second = client.get(f"/cases/?{nxt.group(1).replace('&amp;', '&')}").content.decode()
    assert _ids(html) + _ids(second) == wanted


def test_a_deep_page_reads_one_page_of_cases_without_offset_or_count(world: World, listed: list[int]) -> None:
    """深页:一条带游标的查询读 21 行;总数每分钟至多统计一次(第一页时已统计)。"""
    client = Client()
    client.force_login(world.sam)
    client.get("/cases/")
    middle = Case.objects.get(pk=listed[22])
    with reads() as read:
        html = client.get(f"/cases/?after={case_cursor(middle)}").content.decode()
    assert _ids(html) == listed[23:43]
    sqls = [q.sql for q in read.queries if "cases_case" in q.sql]
    assert not [s for s in sqls if "OFFSET" in s.upper() or "COUNT(" in s.upper()]
    assert max(q.rows for q in read.queries if "FROM \"cases_case\"" in q.sql) == 21


def test_a_cursor_that_is_not_ours_shows_the_first_page(world: World, listed: list[int]) -> None:
    client = Client()
    client.force_login(world.sam)
    for bad in ("x", "1_", "99999999999999999999999_1", "-1_-1", "²_1", "1_1 ", "999999999999999999_1"):
        reply = client.get("/cases/", {"after": bad})
        assert reply.status_code == 200 and _ids(reply.content.decode()) == listed[:20]


def test_the_api_pages_by_cursor(world: World, listed: list[int]) -> None:
    api = ApiClient(world.sam)
    replies = api.cursor_pages("/api/cases", limit=20)
    assert all(r.status == 200 and r.body["count"] == len(listed) for r in replies)
    assert [c["id"] for r in replies for c in r.body["items"]] == listed
    # An offset still works, and gives the cursor that continues from there.
    reply = api.get("/api/cases", limit=5, offset=40)
    assert [c["id"] for c in reply.body["items"]] == listed[40:45]
    assert [c["id"] for c in api.get("/api/cases", after=reply.body["next"]).body["items"]] == listed[45:]
    refused = api.get("/api/cases", after="nonsense")
    assert refused.status == 422 and refused.code == "invalid_cursor"


def test_cases_registered_at_the_same_moment_are_each_listed_once_both_ways(world: World, listed: list[int]) -> None:
    """The cursor's boundary (the same moment and a smaller id, then an earlier moment) splits cases
    of the same moment by their ids: small pages, forward and back, list every case once, in order."""
    from lawtrail.cases.queries import case_page

    tied = listed[10:30]
    moment = Case.objects.get(pk=tied[0]).registered_at
    Case.objects.filter(pk__in=tied).update(registered_at=moment)  # test data: the same moment
    qs = visible_cases(world.sam)
    order = list(qs.order_by("-registered_at", "-id").values_list("pk", flat=True))
    assert order[10:30] == sorted(tied, reverse=True)
    pages = [case_page(qs, size=3)]
    while pages[-1].next:
        pages.append(case_page(qs, after=pages[-1].next, size=3))
    assert [c.pk for page in pages for c in page.items] == order
    back = [pages[-1]]
    while back[-1].previous:
        back.append(case_page(qs, before=back[-1].previous, size=3))
    assert [c.pk for page in reversed(back) for c in page.items] == order


def test_a_page_deep_among_cases_of_one_moment_reads_no_more_than_one_near_the_top(
        world: World, listed: list[int]) -> None:
    """Migrated cases often share one registration time (a date without the hour): a page after the
    40th of them reads as much as a page after the 3rd (SQLite's own steps), not every case of that
    moment with a larger id."""
    from lawtrail.cases.queries import case_page

    moment = Case.objects.get(pk=listed[0]).registered_at
    Case.objects.filter(pk__in=listed).update(registered_at=moment)  # test data: the same moment
    qs = visible_cases(world.sam).select_related(None)
    order = list(qs.order_by("-registered_at", "-id").values_list("pk", flat=True))
    measured = []
    for at in (2, 40):
        with reads(steps=True) as read:
            page = case_page(qs, after=case_cursor(Case.objects.get(pk=order[at])), size=3)
        assert [c.pk for c in page.items] == order[at + 1:at + 4]
        measured.append(read.db_steps)
    if connection.vendor == "sqlite":
        assert measured[1] <= measured[0] * 1.2, measured


def test_the_api_counts_at_most_once_a_minute_per_user_and_filter(world: World, listed: list[int]) -> None:
    """/api/cases 的 count 与列表页的总数相同:每位用户、每种筛选至多每分钟统计一次(附统计时间)。"""
    api = ApiClient(world.sam)
    first = api.get("/api/cases", limit=20)
    assert first.body["count"] == len(listed) and first.body["counted_at"]
    with reads() as read:
        deep = api.get("/api/cases", limit=20, after=first.body["next"])
    assert deep.body["count"] == len(listed) and deep.body["counted_at"] == first.body["counted_at"]
    assert not [q.sql for q in read.queries if "COUNT(" in q.sql.upper()]
    # Another filter is counted on its own.
    assert api.get("/api/cases", q="劳动合同").body["count"] == Case.objects.filter(title__contains="劳动合同").count()
