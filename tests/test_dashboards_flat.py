"""数据看板的读取量不随案件数增长:同一机关 10 件与 1,000 件案件时看板页面的查询次数相同,300 件与 1,000 件时
读回的行数相同——页面读的是定时任务存下的统计结果(统计时间),而重新统计后的数字仍与案件一致。

sam's rows are the same at 10 cases as at 1,000. uma's are compared from 300 cases on, as in
tests/test_pages_flat.py: the page's frame reads the head's 待办 (at most 51 cases), full only
then; the dashboard's own reads (the stored snapshot, the deadline list, the pickers) are the
same at 10.

sam (监督人员, agency-wide) and uma (一中队负责人) view their dashboards; the cases are one case
walked through the actions to investigating and copied (lawtrail/testing/many.py). After each
growth the worker's job recounts the stored scopes.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from time_machine import TimeMachineFixture

from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case
from lawtrail.dashboards import jobs
from lawtrail.testing.many import grow
from lawtrail.testing.personas import World
from lawtrail.testing.reads import Reads, reads
from lawtrail.testing.scenarios import advance, beijing, register_case

pytestmark = pytest.mark.usefixtures("ledger")

SMALL, MIDDLE, LARGE = 10, 300, 1_000
PERIOD = {"from": "2026-01-01", "to": "2026-12-31"}


def _view(client: Client) -> tuple[Reads, dict[str, int]]:
    with reads() as read:
        response = client.get("/dashboards/?" + urlencode(PERIOD))
    assert response.status_code == 200
    return read, dict(response.context["headline"])


def test_the_dashboard_reads_as_many_queries_and_rows_at_1000_cases_as_at_10(
        world: World, time_machine: TimeMachineFixture) -> None:
    """看板页面的查询次数与案件数无关(10 件与 1,000 件时相同),读回行数有上限;定时重新统计后数字随案件变化。"""
    time_machine.move_to(beijing(2026, 10, 20, 9, 30), tick=False)
    templates = [advance(world, register_case(world), to=Stage.INVESTIGATING)]
    templates = [Case.objects.get(pk=c.pk) for c in templates]
    clients = {}
    for who in ("sam", "uma"):
        clients[who] = Client()
        clients[who].force_login(getattr(world, who))
    measured: dict[int, dict[str, tuple[Reads, dict[str, int]]]] = {}
    done = len(templates)
    for size in (SMALL, MIDDLE, LARGE):
        done = grow(templates, size - done, start=done)
        jobs.tick()
        for client in clients.values():
            client.get("/dashboards/?" + urlencode(PERIOD))  # warm: the session; the first view stores its scope
        measured[size] = {who: _view(client) for who, client in clients.items()}
    for who in clients:
        (small, small_head), (large, large_head) = measured[SMALL][who], measured[LARGE][who]
        middle = measured[MIDDLE][who][0]
        seen = {q.sql for q in small.queries}
        assert len(large) == len(small), (who, len(small), len(large), [q.sql for q in large.queries
                                                                        if q.sql not in seen][:3])
        biggest = sorted(((q.rows, q.sql) for q in large.queries), reverse=True)[:3]
        assert large.rows == (small.rows if who == "sam" else middle.rows), \
            (who, small.rows, middle.rows, large.rows, biggest)
        snapshot = [q.rows for q in large.queries if "dashboards_snapshot" in q.sql]
        assert snapshot == [1], snapshot  # one stored row, not the cases
        # The numbers are the cases' own, recounted by the job after the growth (all of sam's
        # agency; uma's unit holds alice's cases, all the copies).
        assert large_head["期间登记案件"] == LARGE and small_head["期间登记案件"] == SMALL, who
        assert large_head["在办案件"] == LARGE, who


def test_the_drill_down_list_pages_by_key_through_every_case_it_counts(
        world: World, time_machine: TimeMachineFixture) -> None:
    """柱形下钻的案件清单按登记时间逐页(下一页、上一页)列出它计数的每一件案件,不重不漏,总数每分钟统计一次。"""
    import re

    time_machine.move_to(beijing(2026, 10, 20, 9, 30), tick=False)
    templates = [advance(world, register_case(world), to=Stage.INVESTIGATING)]
    grow([Case.objects.get(pk=templates[0].pk)], 44, start=1)
    client = Client()
    client.force_login(world.sam)
    url = "/dashboards/cases/?" + urlencode({**PERIOD, "what": "stage", "stage": Stage.INVESTIGATING})
    seen: list[int] = []
    pages = [client.get(url)]
    while True:
        page = pages[-1].context["page"]
        assert pages[-1].context["total"] == 45
        seen += [c.pk for c in page.items]
        if page.next is None:
            break
        assert f"after={page.next}" in pages[-1].content.decode()
        pages.append(client.get(url + f"&after={page.next}"))
    assert [len(p.context["page"].items) for p in pages] == [20, 20, 5]
    expected = list(Case.objects.filter(stage=Stage.INVESTIGATING).order_by("-registered_at", "-id")
                    .values_list("pk", flat=True))
    assert seen == expected
    # Back from the last page: the middle page again.
    back = re.search(r"before=([0-9_-]+)", pages[-1].content.decode())
    assert back is not None
    again = client.get(url + f"&before={back[1]}")
    assert [c.pk for c in again.context["page"].items] == [c.pk for c in pages[1].context["page"].items]
