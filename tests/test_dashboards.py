"""数据看板: the counts match the stored rows per agency, unit, officer and period; every bar drills
down to exactly the cases it counts; a supervising office reads every agency it oversees and no
other, and changes nothing; the exports hold the tables; plotly.js comes from the Python package."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.accounts.models import User
from lawtrail.dashboards import snapshots
from lawtrail.dashboards.queries import Chart
from lawtrail.testing.dashboards import NOW, PERIOD, Picture, build_picture


@pytest.fixture
def pic(db: None, time_machine: TimeMachineFixture) -> Picture:
    time_machine.move_to(NOW, tick=False)
    return build_picture()


def client_of(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def board(user: User, **params: str) -> dict[str, Any]:
    response = client_of(user).get("/dashboards/?" + urlencode({**PERIOD, **params}))
    assert response.status_code == 200, response.content.decode()[:500]
    charts: list[Chart] = response.context["charts"]
    return {"charts": {c.key: c for c in charts}, "payload": response.context["payload"],
            "headline": dict(response.context["headline"]), "html": response.content.decode(),
            "agencies": [a.name for a in response.context["agencies"]]}


def rows(chart: Chart) -> dict[str, list[int]]:
    return {r[0]: list(r[1:]) for r in chart.rows}


def drill(user: User, url: str) -> set[int]:
    response = client_of(user).get(url)
    assert response.status_code == 200
    return {c.pk for c in response.context["page"].items}


def drill_of(b: dict[str, Any], key: str, series: str, label: str) -> str:
    chart = b["payload"][key]
    s = next(s for s in chart["series"] if s["name"] == series)
    return s["urls"][chart["x"].index(label)]


def test_监督人员的看板计数与存储的案件和问题行一致(pic: Picture) -> None:
    b = board(pic.w.sam)
    c = b["charts"]
    assert rows(c["stage"]) == {"待立案审批": [2], "已立案": [1]}  # c1, c3; c2 — not the 2024 case
    assert rows(c["rule"]) == {"应当音像记录的环节": [2, 0], "音像资料按期存储并标明信息": [0, 1]}
    assert rows(c["article"]) == {"第十七条": [2, 0], "第三十三条": [0, 1]}
    assert rows(c["unit"]) == {"一中队": [1, 1], "二中队": [1, 0]}
    assert rows(c["officer"]) == {"艾丽": [1, 1], "鲍勃": [1, 0]}
    trend = rows(c["trend"])
    assert len(trend) == 12 and trend["2026年3月"] == [1, 0] and trend["2026年6月"] == [2, 0]
    assert trend["2026年7月"] == [0, 1] and sum(v[0] for v in trend.values()) == 3
    assert rows(c["deadline"]) == {"一中队": [0, 1], "二中队": [1, 0]}
    assert rows(c["age"])["30日以内"] == [0] and sum(v[0] for v in rows(c["age"]).values()) == 3
    assert b["headline"]["期间登记案件"] == 3 and b["headline"]["未整改合规问题"] == 2
    assert (b["headline"]["已逾期"], b["headline"]["临近期限"]) == (1, 1)
    assert b["agencies"] == [pic.w.agency.name]
    # Labels are Chinese: no rule id or raw id reaches the page's tables.
    assert "av_required" not in b["html"].split('id="dashboard-data"')[0]


def test_单位负责人只看到本单位_机构与人员和期间可以选择(pic: Picture) -> None:
    uma = board(pic.w.uma)["charts"]
    assert rows(uma["stage"]) == {"待立案审批": [1], "已立案": [1]}
    assert rows(uma["unit"]) == {"一中队": [1, 1]}
    refused = client_of(pic.w.uma).get("/dashboards/?" + urlencode({**PERIOD, "unit": pic.w.unit_b.pk}))
    assert refused.status_code == 403
    bob_only = board(pic.w.hank, officer=str(pic.w.bob.pk))["charts"]
    assert rows(bob_only["stage"]) == {"待立案审批": [1]} and rows(bob_only["officer"]) == {"鲍勃": [1, 0]}
    from_june = board(pic.w.sam, **{"from": "2026-06-01"})["charts"]
    assert rows(from_june["stage"]) == {"待立案审批": [1], "已立案": [1]}
    assert rows(from_june["rule"]) == {"应当音像记录的环节": [1, 0], "音像资料按期存储并标明信息": [0, 1]}
    unit_b = board(pic.w.sam, unit=str(pic.w.unit_b.pk))["charts"]
    assert rows(unit_b["deadline"]) == {"二中队": [1, 0]}


def test_默认范围是本人机关和最近十二个月(pic: Picture) -> None:
    response = client_of(pic.w.sam).get("/dashboards/")
    scope = response.context["scope"]
    assert (scope.start.isoformat(), scope.end.isoformat()) == ("2026-01-01", "2026-12-01")
    assert scope.agency == pic.w.agency


def test_点击柱形列出的正是它计数的案件(pic: Picture) -> None:
    b = board(pic.w.sam)
    sam = pic.w.sam
    assert drill(sam, drill_of(b, "stage", "案件数", "待立案审批")) == {pic.c1.pk, pic.c3.pk}
    assert drill(sam, drill_of(b, "rule", "未整改", "应当音像记录的环节")) == {pic.c1.pk, pic.c3.pk}
    assert drill(sam, drill_of(b, "rule", "已整改", "音像资料按期存储并标明信息")) == {pic.c2.pk}
    assert drill(sam, drill_of(b, "article", "未整改", "第十七条")) == {pic.c1.pk, pic.c3.pk}
    assert drill(sam, drill_of(b, "unit", "未整改", "二中队")) == {pic.c3.pk}
    assert drill(sam, drill_of(b, "officer", "已整改", "艾丽")) == {pic.c2.pk}
    assert drill(sam, drill_of(b, "trend", "已整改", "2026年7月")) == {pic.c2.pk}
    assert drill(sam, drill_of(b, "trend", "新发现", "2026年6月")) == {pic.c2.pk, pic.c3.pk}
    assert drill(sam, drill_of(b, "deadline", "已逾期", "一中队")) == {pic.c1.pk}
    assert drill(sam, drill_of(b, "age", "在办案件数", "181日至一年")) == {pic.c1.pk, pic.c2.pk}
    assert drill(sam, drill_of(b, "age", "在办案件数", "91至180日")) == {pic.c3.pk}
    assert rows(b["charts"]["age"])["181日至一年"] == [2] and rows(b["charts"]["age"])["91至180日"] == [1]
    page = client_of(sam).get(drill_of(b, "stage", "案件数", "待立案审批")).content.decode()
    assert f'href="/cases/{pic.c1.pk}/"' in page  # the supervisor may open the agency's cases


def test_跨机关监督看到所监督的每个机关而不及其他且只读(pic: Picture) -> None:
    office = pic.office
    b = board(office)
    assert sorted(b["agencies"]) == sorted([pic.w.agency.name, pic.w2.agency.name])
    assert pic.w3.agency.name not in b["html"]
    stage = rows(b["charts"]["stage"])
    assert stage == {"待立案审批": [3], "已立案": [1]}  # c1, c3, s1; c2 — never x1
    assert sum(v[0] for v in rows(b["charts"]["rule"]).values()) == 3 + 0
    assert "跨机关监督(只读)" in b["html"]
    only_w2 = board(office, agency=str(pic.w2.agency.pk))
    assert rows(only_w2["charts"]["stage"]) == {"待立案审批": [1]}
    assert client_of(office).get(f"/dashboards/?agency={pic.w3.agency.pk}").status_code == 403
    assert client_of(office).get(f"/dashboards/?unit={pic.w3.unit_a.pk}").status_code == 403
    listed = drill(office, drill_of(b, "stage", "案件数", "待立案审批"))
    assert listed == {pic.c1.pk, pic.c3.pk, pic.s1.pk}
    page = client_of(office).get(drill_of(b, "stage", "案件数", "待立案审批")).content.decode()
    assert f'href="/cases/{pic.c1.pk}/"' not in page  # counts and lists, not the case pages
    # Read only: the case pages and their steps are closed to the office, as every write is.
    c = client_of(office)
    assert c.get(f"/cases/{pic.c1.pk}/").status_code == 404
    moved = c.post(f"/cases/{pic.c1.pk}/move/", {"to": "not_filed", "note": "越权"})
    assert moved.status_code in (403, 404)
    pic.c1.refresh_from_db()
    assert pic.c1.stage == "registered"
    assert c.post(f"/cases/{pic.c1.pk}/approval/", {"kind": "filing.unit_head", "approved": "yes"}).status_code \
        in (403, 404)
    # The menu's pages open (empty) for a user of no agency, and the home page links to the dashboards.
    for url in ("/", "/inbox/", "/cases/", "/complaints/", "/inspections/", "/parties/", "/evidence/",
                "/access/", "/devices/"):
        assert c.get(url).status_code == 200, url
    assert 'href="/dashboards/"' in c.get("/").content.decode()


def test_看板和案件清单只说中文(pic: Picture) -> None:
    from pagetext import RAW_IDS, Page, english_words

    for user in (pic.w.sam, pic.office, pic.w.uma):
        b = board(user)
        urls = ["/dashboards/?" + urlencode(PERIOD)] + [u for chart in b["payload"].values()
                                                        for s in chart["series"] for u in s["urls"] if u][:40]
        for url in urls:
            page = Page()
            page.feed(client_of(user).get(url).content.decode())
            text = " ".join(page.text)
            assert english_words(text) == set() and not RAW_IDS.search(text), (url, english_words(text))


def test_执法人员没有数据看板(pic: Picture) -> None:
    alice = client_of(pic.w.alice)
    assert alice.get("/dashboards/").status_code == 403
    assert 'id="nav-dashboard"' not in alice.get("/").content.decode()
    assert 'id="nav-dashboard"' in client_of(pic.w.sam).get("/").content.decode()
    assert 'href="/dashboards/"' in client_of(pic.w.hank).get("/").content.decode()


def test_导出的Excel每张表一页并与看板一致(pic: Picture) -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    response = client_of(pic.w.sam).get("/dashboards/export.xlsx?" + urlencode(PERIOD))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert {"概况", "案件按阶段", "合规问题按检查事项", "合规问题月度趋势", "期限预警清单"} <= set(wb.sheetnames)
    sheet = wb["合规问题按检查事项"]
    values = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
    assert values[0] == ["检查事项", "未整改", "已整改"]
    assert ["应当音像记录的环节", 2, 0] in values
    overdue = [[c.value for c in r] for r in wb["期限预警清单"].iter_rows(min_row=2)]
    assert len(overdue) == 2 and {r[-1] for r in overdue} == {"已逾期", "临近期限"}


def test_打印报告生成PDF_图为服务器绘制(pic: Picture) -> None:
    from pypdf import PdfReader

    response = client_of(pic.w.sam).get("/dashboards/report.pdf?" + urlencode(PERIOD))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "行政执法全过程记录数据报告" in text and "应当音像记录的环节" in text and "一中队" in text


def test_导出受昂贵请求的频率限制(pic: Picture, settings: Settings) -> None:
    settings.RATE_LIMIT_EXPENSIVE = 1
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "dashboards-limit"}}
    c = client_of(pic.w.sam)
    assert c.get("/dashboards/export.xlsx").status_code == 200
    refused = c.get("/dashboards/export.xlsx")
    assert refused.status_code == 429 and "Retry-After" in refused


def test_plotly由已安装的Python包提供并长期缓存(db: None) -> None:
    import subprocess
    from pathlib import Path

    import plotly  # type: ignore[import-untyped]

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    response = Client().get(f"/dashboards/plotly-{plotly.__version__}.min.js")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == path.read_bytes()
    assert "immutable" in response["Cache-Control"] and "max-age=31536000" in response["Cache-Control"]
    assert Client().get("/dashboards/plotly-0.0.1.min.js").status_code == 404
    tracked = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True).stdout
    assert "plotly.min.js" not in tracked


def test_音像覆盖_按期存储_受理场所日存_调用单与执法记录仪配备(pic: Picture, settings: Settings, tmp_path: Any) -> None:
    import datetime as dt

    from lawtrail.access.actions import do_request_access
    from lawtrail.cases.choices import Stage
    from lawtrail.devices.actions import do_register_device
    from lawtrail.evidence.actions import do_register_reception_segment
    from lawtrail.testing import media
    from lawtrail.testing.archive import issue
    from lawtrail.testing.dashboards import finding
    from lawtrail.testing.evidence import ingest, use_fresh_vault
    from lawtrail.testing.scenarios import advance, beijing, register_case

    w = pic.w
    use_fresh_vault(settings, tmp_path)
    case = advance(w, register_case(w, title="询问案件"), to=Stage.INVESTIGATING)
    issue(w, case)
    unrecorded = issue(w, case)  # two 询问笔录: two acts to be recorded
    # What the store's refresh writes for the one without footage (its subject names the document).
    finding(case, "av_required", "第十七条", NOW, subject=f"doc-{unrecorded.pk}")
    # Stored within the labour rules' two days of the recording's end, and ten days after it.
    for name, created in (("on_time.mp4", beijing(2026, 11, 30, 8)), ("late.mp4", beijing(2026, 11, 20, 8))):
        ingest(media.make_clip(tmp_path / name, seconds=1, created=created, audio=False), officer=w.alice,
               case=case, actor=w.alice)
    window = ingest(media.make_clip(tmp_path / "window.mp4", seconds=1, created=beijing(2026, 11, 30, 8), audio=False),
                    evidence_class="reception", actor=w.alice)
    do_register_reception_segment(window, site="一楼接待窗口", day=dt.date(2026, 11, 30), actor=w.alice)
    do_request_access(case, kind="internal", purpose="复核案件", expires_at=NOW + dt.timedelta(days=7),
                      whole_case=True, actor=w.alice)

    b = board(w.sam)
    c = b["charts"]
    assert rows(c["av"]) == {"一中队": [1, 1]}
    assert drill(w.sam, drill_of(b, "av", "未覆盖", "一中队")) == {case.pk}
    assert drill(w.sam, drill_of(b, "av", "已覆盖", "一中队")) == {case.pk}
    assert rows(c["footage"]) == {"一中队": [1, 1]} and "第三十三条" in c["footage"].note
    assert drill(w.sam, drill_of(b, "footage", "逾期存储", "一中队")) == {case.pk}
    days = (dt.date(2026, 12, 1) - dt.date(2026, 1, 1)).days + 1  # the period up to today
    assert rows(c["reception"]) == {"一楼接待窗口": [1, days - 1]}
    assert rows(c["access"])["本机构人员因工作需要调用"] == [1, 0, 0, 0]
    assert drill(w.sam, drill_of(b, "access", "待审批", "本机构人员因工作需要调用")) == {case.pk}

    # The ratio is the safety rules' (第十五条, one camera per two officers), from the registry.
    w2 = pic.w2
    do_register_device(unit=w2.unit_a, kind="body_cam", serial="CAM-001", model_name="DSJ-1", actor=w2.hank)
    cams = board(pic.office, agency=str(w2.agency.pk))["charts"]["cams"]
    assert rows(cams)["一中队"] == [3, 1, 2] and "第十五条" in cams.note
    assert cams.table()[[r[0] for r in cams.rows].index("一中队")][-1] == "不足"


def test_看板的查询数不随案件数增长(pic: Picture) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lawtrail.testing.dashboards import finding
    from lawtrail.testing.scenarios import beijing, register_case

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            board(pic.w.sam)
        return len(ctx.captured_queries)

    board(pic.w.sam)  # the first view of a scope counts it and stores the numbers
    before = queries()
    for i in range(4):
        more = register_case(pic.w, by=pic.w.bob if i % 2 else pic.w.alice, title=f"新增案件{i}")
        finding(more, "legal_review", "第二十一条", beijing(2026, 8 + i, 3))
    snapshots.refresh()
    assert queries() == before


def test_看板显示统计时间_变化在定时任务重新统计后显示(pic: Picture, time_machine: TimeMachineFixture) -> None:
    import datetime as dt

    from lawtrail.dashboards import jobs
    from lawtrail.dashboards.models import Snapshot
    from lawtrail.testing.dashboards import finding
    from lawtrail.testing.scenarios import beijing, register_case

    first = board(pic.w.sam)
    assert "统计时间:2026-12-01" in first["html"] and first["headline"]["期间登记案件"] == 3
    time_machine.move_to(NOW + dt.timedelta(minutes=20), tick=False)
    more = register_case(pic.w, by=pic.w.alice, title="新增案件")
    finding(more, "legal_review", "第二十一条", beijing(2026, 11, 30))
    # Until the job recounts, the page shows the stored numbers and says when they were counted.
    assert board(pic.w.sam)["headline"]["期间登记案件"] == 3
    assert jobs.tick() == (1, 0)
    after = board(pic.w.sam)
    assert after["headline"]["期间登记案件"] == 4 and after["headline"]["未整改合规问题"] == 3
    assert rows(after["charts"]["rule"])["法制审核记录"] == [1, 0]
    stored = Snapshot.objects.get()
    assert stored.computed_at == NOW + dt.timedelta(minutes=20)
    # The drill-down lists the cases as they are now, and the export holds the stored numbers.
    assert more.pk in drill(pic.w.sam, drill_of(after, "stage", "案件数", "待立案审批"))
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client_of(pic.w.sam).get("/dashboards/export.xlsx?" + urlencode(PERIOD)).content))
    overview = {r[0].value: r[1].value for r in wb["概况"].iter_rows() if len(r) > 1}
    assert overview["期间登记案件"] == 4 and overview["统计时间"].startswith("2026-12-01")
    # Numbers stored in another shape (by an older version) are counted again, not shown broken.
    Snapshot.objects.update(body={"charts": [{"key": "stage", "old": 1}], "headline": []})
    assert board(pic.w.sam)["headline"]["期间登记案件"] == 4
    # A scope nobody viewed for a week is dropped.
    time_machine.move_to(NOW + dt.timedelta(days=8), tick=False)
    assert jobs.tick() == (0, 1) and not Snapshot.objects.exists()


def test_跨机关监督授权只给不属于任何机关的用户_由管理员授予并留痕(pic: Picture) -> None:
    from lawtrail.accounts.actions import do_grant_oversight
    from lawtrail.accounts.models import OversightGrant
    from lawtrail.events.models import DomainEvent
    from lawtrail.lib.errors import Forbidden, InvalidInput

    with pytest.raises(InvalidInput):
        do_grant_oversight(pic.w.sam, agencies=[pic.w2.agency], actor=None)
    with pytest.raises(Forbidden):
        do_grant_oversight(pic.office, agencies=[pic.w3.agency], actor=pic.w.sam)
    assert not OversightGrant.objects.filter(user=pic.office, agency=pic.w3.agency).exists()
    do_grant_oversight(pic.office, agencies=[pic.w3.agency], actor=pic.w.root)
    assert pic.w3.agency.name in board(pic.office)["agencies"]
    done = DomainEvent.objects.filter(action="oversight.grant", outcome="done").order_by("id")
    assert [e.payload["agencies"] for e in done] == [[pic.w.agency.name, pic.w2.agency.name], [pic.w3.agency.name]]
