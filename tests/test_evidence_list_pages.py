"""音像资料列表按游标分页:下一页、上一页逐页走完全部音像资料,不重不漏;深页不用 OFFSET;接口同样按游标分页。"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from lawtrail.evidence.models import Evidence
from lawtrail.evidence.queries import visible_evidence
from lawtrail.lib.paging import cursor_of
from lawtrail.testing.api import ApiClient
from lawtrail.testing.evidence import use_fresh_vault
from lawtrail.testing.many import grow, templates
from lawtrail.testing.pages import links, walk
from lawtrail.testing.personas import World
from lawtrail.testing.reads import reads


@pytest.fixture
def listed(world: World, settings: Settings, tmp_path: Path) -> list[int]:
    """The recordings alice sees, newest first: the template cases' clips and their copies (the copies
    share their template's 入库时间, so the pages also split recordings of one moment by id)."""
    use_fresh_vault(settings, tmp_path / "vault")
    grow(templates(world, tmp_path), 100)
    ids = list(visible_evidence(world.alice).order_by("-ingested_at", "-id").values_list("pk", flat=True))
    assert len(ids) > 40
    return ids


def _ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/evidence/(\d+)/"', html)]


def test_next_and_previous_links_walk_every_recording_once_in_order(world: World, listed: list[int]) -> None:
    client = Client()
    client.force_login(world.alice)
    html = client.get("/evidence/").content.decode()
    assert "上一页" not in html and f"共 {len(listed)} 件" in html
    walked = walk(client, "/evidence/", r'href="/evidence/(\d+)/"')
    pages = walked.pages
    assert [pk for page in pages for pk in page] == listed
    assert {len(page) for page in pages[:-1]} == {20}
    html = client.get(f"/evidence/?{links(walked.last)['上一页']}").content.decode()
    assert _ids(html) == pages[-2]


def test_a_deep_page_reads_one_page_without_offset(world: World, listed: list[int]) -> None:
    client = Client()
    client.force_login(world.alice)
    client.get("/evidence/")  # the total is counted here, at most once a minute
    middle = Evidence.objects.get(pk=listed[len(listed) // 2])
    with reads() as read:
        html = client.get(f"/evidence/?after={cursor_of(middle.ingested_at, middle.pk)}").content.decode()
    assert _ids(html) == listed[len(listed) // 2 + 1:][:20]
    listing = [q for q in read.queries if 'FROM "evidence_evidence"' in q.sql]
    assert listing and not [q for q in listing if re.search(r"\bOFFSET\b|\bCOUNT\(", q.sql, re.IGNORECASE)]
    assert max(q.rows for q in listing) <= 21


def test_the_api_pages_by_cursor(world: World, listed: list[int]) -> None:
    api = ApiClient(world.alice)
    replies = api.cursor_pages("/api/evidence", limit=15)
    assert all(r.status == 200 and r.body["count"] == len(listed) for r in replies)
    assert [e["id"] for r in replies for e in r.body["items"]] == listed
    # An offset still works, and gives the cursor that continues from there.
    reply = api.get("/api/evidence", limit=5, offset=10)
    assert [e["id"] for e in reply.body["items"]] == listed[10:15]
    assert [e["id"] for e in api.get("/api/evidence", limit=5, after=reply.body["next"]).body["items"]] == listed[15:20]
    refused = api.get("/api/evidence", after="nonsense")
    assert refused.status == 422 and refused.code == "invalid_cursor"
