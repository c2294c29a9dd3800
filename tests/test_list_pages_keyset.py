"""投诉举报、日常巡查、录像中断、无法继续录制的报告各列表按游标分页:下一页逐页走完全部记录,不重不漏,
同一时间登记的记录按编号分开;上一页回到前一页;深页不用 OFFSET。"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.db import models
from django.test import Client

from lawtrail.cases.actions import do_record_inspection, do_register_complaint
from lawtrail.cases.models import Complaint, Inspection
from lawtrail.lib import timez
from lawtrail.testing.pages import links, walk
from lawtrail.testing.personas import World


def _complaint(world: World) -> Complaint:
    return do_register_complaint(unit=world.unit_a, kind="complaint", respondent=world.company, facts="拖欠工资",
                                 complainant_name="王五", complainant_phone="13800000000", actor=world.alice)


def _inspection(world: World) -> Inspection:
    start = timez.now().replace(microsecond=0) - dt.timedelta(hours=2)
    return do_record_inspection(unit=world.unit_a, party=world.company, place="工地", started_at=start,
                                ended_at=start + dt.timedelta(hours=1), officers=[], findings="检查工资台账",
                                outcome="record", actor=world.alice)


def _copies(row: models.Model, count: int) -> None:
    """Test data: copies of the row, half of them at the row's very moment (the rest a minute apart each)."""
    for n in range(count):
        row.pk = None
        if n % 2:
            for f in ("received_at", "started_at"):
                if hasattr(row, f):
                    setattr(row, f, getattr(row, f) - dt.timedelta(minutes=1))
        row.save()


LISTS: list[tuple[str, str, Callable[[World], models.Model], str, str]] = [
    ("complaints", "/complaints/", _complaint, "received_at", r'href="/complaints/(\d+)/"'),
    ("inspections", "/inspections/", _inspection, "started_at", r'href="/inspections/(\d+)/"'),
]


@pytest.mark.parametrize(("name", "url", "make", "moment", "row_link"), LISTS, ids=[entry[0] for entry in LISTS])
def test_the_list_walks_every_record_once_and_back(world: World, name: str, url: str,
                                                   make: Callable[[World], models.Model], moment: str,
                                                   row_link: str) -> None:
    first = make(world)
    _copies(first, 46)
    model = type(first)
    listed = list(model.objects.restrict(world.alice).order_by(f"-{moment}", "-id").values_list("pk", flat=True))
    assert len(listed) == 47
    client = Client()
    client.force_login(world.alice)
    assert "上一页" not in client.get(url).content.decode()
    walked = walk(client, url, row_link)
    assert not walked.offsets
    assert walked.ids == listed
    assert [len(page) for page in walked.pages] == [20, 20, 7]
    back = links(walked.last)["上一页"]
    assert [int(pk) for pk in dict.fromkeys(re.findall(row_link, client.get(f"{url}?{back}").content.decode()))] \
        == walked.pages[1]


def test_a_filter_is_kept_across_complaint_pages(world: World) -> None:
    _copies(_complaint(world), 24)
    client = Client()
    client.force_login(world.alice)
    assert "status=pending" in links(client.get("/complaints/", {"status": "pending"}).content.decode())["下一页"]


@pytest.mark.parametrize("url", ["/evidence/interruptions/", "/evidence/stops/"])
def test_the_evidence_registers_render_with_the_cursor_pager(world: World, url: str) -> None:
    client = Client()
    client.force_login(world.alice)
    for query in ("", "?after=1_1", "?before=1_1", "?after=nonsense"):
        assert client.get(url + query).status_code == 200


@pytest.mark.parametrize(("url", "make"), [("/api/complaints", _complaint), ("/api/inspections", _inspection)],
                         ids=["complaints", "inspections"])
def test_the_api_pages_by_cursor(world: World, url: str, make: Callable[[World], models.Model]) -> None:
    from lawtrail.testing.api import ApiClient

    first = make(world)
    _copies(first, 30)
    moment = "received_at" if isinstance(first, Complaint) else "started_at"
    listed = list(type(first).objects.restrict(world.alice).order_by(f"-{moment}", "-id").values_list("pk", flat=True))
    api = ApiClient(world.alice)
    replies = api.cursor_pages(url, limit=7)
    assert all(r.status == 200 and r.body["count"] == len(listed) and r.body["counted_at"] for r in replies)
    assert [item["id"] for r in replies for item in r.body["items"]] == listed
    assert [i["id"] for i in api.get(url, limit=5, offset=10).body["items"]] == listed[10:15]
    refused = api.get(url, after="nonsense")
    assert refused.status == 422 and refused.code == "invalid_cursor"
