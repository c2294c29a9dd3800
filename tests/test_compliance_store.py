"""The stored findings and deadline states (合规问题、期限预警): refreshed after a case's events, kept
for the trend when fixed, moved with the clock, shown yellow and red in the inboxes of the handler
and of the leader who answers for the case, announced once per change, and read by the
supervisor's page in a number of queries that does not grow with the cases.

Personas (lawtrail.testing.personas): alice handles the cases of 一中队; uma heads 一中队; hank heads
the agency; bob handles cases in 二中队 and answers for none of alice's; sam supervises.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from huey.contrib.djhuey import HUEY
from time_machine import TimeMachineFixture

from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case
from lawtrail.compliance import store
from lawtrail.compliance.models import CaseCheck, Deadline, StoredFinding
from lawtrail.lib import timez
from lawtrail.notices.models import Notice
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, notify_rights, register_case

START = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing, a Monday


@pytest.fixture
def immediate_jobs() -> Iterator[None]:
    # Huey's immediate mode: a queued job runs in the thread that queues it.
    was = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = was


def inbox_html(user: object) -> str:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c.get("/inbox/").content.decode()


def deadline_rows(html: str) -> str:
    return html.split('id="inbox-deadline_warnings"')[1].split("</section>")[0]


def test_期限前两日在承办人和负责人的待办中显示黄色_逾期后显示红色(world: World, time_machine: TimeMachineFixture,
                                              django_capture_on_commit_callbacks: object) -> None:
    time_machine.move_to(START, tick=False)
    closed = advance(world, register_case(world, title="结案待立卷"), Stage.CLOSED)
    # 第十二条: an emergency start's filing approval is completed within 48 hours.
    emergency = register_case(world, title="紧急先行启动", emergency=True, emergency_reason="劳动者聚集讨薪")
    assert closed.closed_at is not None
    store.refresh_case(closed)
    store.refresh_case(emergency)
    # The decision was served when issued (met); the case file is due 30 days after closing.
    assert set(Deadline.objects.filter(case=closed).values_list("rule", "state")) == {
        ("case_file", "pending"), ("decision_before_service", "met")}

    # Two days before the case file is due (第三十四条: 30 days after closing): yellow.
    time_machine.move_to(closed.closed_at + dt.timedelta(days=28, minutes=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert store.move_deadlines() >= 1
    due = Deadline.objects.get(case=closed, rule="case_file")
    assert due.state == Deadline.NEAR
    for person in (world.alice, world.uma, world.hank):
        rows = deadline_rows(inbox_html(person))
        assert closed.label in rows and "临近期限" in rows and 'class="near"' in rows, person
        assert "结案后形成案卷、立卷归档" in rows and timez.beijing(due.due_at).strftime("%Y-%m-%d") in rows
    assert closed.label not in inbox_html(world.bob)
    # The emergency approval was due long ago: red, in the same inboxes.
    emergency_row = Deadline.objects.get(case=emergency, rule="emergency_start")
    assert emergency_row.state == Deadline.OVERDUE
    rows = deadline_rows(inbox_html(world.uma))
    assert emergency.label in rows and "已逾期" in rows and 'class="overdue"' in rows

    # Overdue after its due time: red; each transition told once to the handler and the unit's head.
    time_machine.move_to(due.due_at + dt.timedelta(hours=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        store.move_deadlines()
        store.refresh_case(closed)  # a refresh at the same state announces nothing again
    assert Deadline.objects.get(pk=due.pk).state == Deadline.OVERDUE
    rows = deadline_rows(inbox_html(world.alice))
    assert closed.label in rows and "已逾期" in rows
    told = sorted(Notice.objects.filter(key__startswith=f"deadline:{due.pk}:").values_list("recipient__username", "level"))
    assert told == sorted([(world.alice.username, "near"), (world.uma.username, "near"),
                           (world.alice.username, "overdue"), (world.uma.username, "overdue")])
    c = Client()
    c.force_login(world.uma)
    page = c.get("/notices/").content.decode()
    assert "已逾期:" in page and "临近期限:" in page and 'id="nav-notices"' in page
    assert c.post("/notices/read/").status_code == 302
    assert not Notice.objects.filter(recipient=world.uma, read_at__isnull=True).exists()


def test_首次全量检查时已逾期的期限存入待办_不逐项通知_此后的变化照常通知(
        world: World, time_machine: TimeMachineFixture, django_capture_on_commit_callbacks: object) -> None:
    # An existing database's first `lawtrail check --all`: a notice per late deadline would be a flood
    # about deadlines that did not turn late now; they show red in the inboxes instead.
    time_machine.move_to(START, tick=False)
    emergency = register_case(world, title="紧急先行启动", emergency=True, emergency_reason="劳动者聚集讨薪")
    closed = advance(world, register_case(world, title="结案待立卷"), Stage.CLOSED)
    assert closed.closed_at is not None
    time_machine.move_to(START + dt.timedelta(days=3), tick=False)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        summary = store.check_all()
    late = Deadline.objects.get(case=emergency, rule="emergency_start")
    assert late.state == Deadline.OVERDUE and summary.found_alerting == 1
    assert not Notice.objects.filter(key__startswith="deadline:").exists()
    rows = deadline_rows(inbox_html(world.uma))
    assert emergency.label in rows and "已逾期" in rows

    # Checked once, a case's next change of state is announced, by the next fill too.
    due = Deadline.objects.get(case=closed, rule="case_file")
    time_machine.move_to(closed.closed_at + dt.timedelta(days=28, minutes=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert store.check_all().found_alerting == 0
    told = sorted(Notice.objects.filter(key__startswith="deadline:").values_list("key", "recipient__username"))
    assert told == sorted([(f"deadline:{due.pk}:near:{due.due_at:%Y%m%d%H%M}", world.alice.username),
                           (f"deadline:{due.pk}:near:{due.due_at:%Y%m%d%H%M}", world.uma.username)])

    # The check can fail: a case refreshed after its events (the worker's path) is announced as before.
    time_machine.move_to(START, tick=False)
    another = register_case(world, title="又一紧急先行启动", emergency=True, emergency_reason="劳动者聚集讨薪")
    time_machine.move_to(START + dt.timedelta(days=3), tick=False)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        store.refresh_case(another)
    assert Notice.objects.filter(key__startswith="deadline:", level="overdue").exists()


def test_案件有新事件后自动重新检查并存储(world: World, immediate_jobs: None,
                            django_capture_on_commit_callbacks: object) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        case = register_case(world)
    check = CaseCheck.objects.get(case=case)
    assert check.event_id == store.last_event_id(case.pk) and not check.stale
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        case = advance(world, case, Stage.INVESTIGATING)
    check.refresh_from_db()
    assert check.event_id == store.last_event_id(case.pk) and not check.stale
    assert StoredFinding.objects.filter(case=case, resolved_at__isnull=True).exists()


def test_事件提交后案件先标为待更新_同一案件的一批事件只排一次任务(world: World) -> None:
    case = register_case(world)
    store.refresh_case(case)
    assert store.mark_stale([case.pk, case.pk]) == [case.pk]
    assert CaseCheck.objects.get(case=case).stale
    assert store.mark_stale([case.pk]) == []  # already queued
    assert store.refresh_if_behind(case.pk) and not CaseCheck.objects.get(case=case).stale
    assert not store.refresh_if_behind(case.pk)  # up to date: the job does nothing


def test_一次提交的多个案件一起更新_只更新落后于事件的案件(world: World) -> None:
    """The job of a batch of imported cases (store.refresh_behind): the cases behind their events
    (never checked, marked stale, or with a newer event) are refreshed together, the others left
    alone; what is stored is what refreshing each alone stores."""
    fresh = register_case(world)
    store.refresh_case(fresh)
    never = register_case(world)
    store.mark_stale([never.pk])
    newer = register_case(world)
    store.refresh_case(newer)
    newer = advance(world, newer, Stage.INVESTIGATING)  # an event after its check, not yet marked
    checked_at = CaseCheck.objects.get(case=fresh).checked_at
    assert store.refresh_behind([fresh.pk, never.pk, newer.pk, never.pk]) == 2
    for case in (fresh, never, newer):
        check = CaseCheck.objects.get(case=case)
        assert check.event_id == store.last_event_id(case.pk) and not check.stale
    assert CaseCheck.objects.get(case=fresh).checked_at == checked_at  # left alone
    together = {c.pk: sorted(StoredFinding.objects.filter(case=c, resolved_at__isnull=True)
                             .values_list("rule", flat=True)) for c in (never, newer)}
    for case in (never, newer):
        store.refresh_case(Case.objects.get(pk=case.pk))
        assert sorted(StoredFinding.objects.filter(case=case, resolved_at__isnull=True)
                      .values_list("rule", flat=True)) == together[case.pk]
    assert together[newer.pk]  # (a case under investigation has open findings: the comparison compares something)
    assert store.refresh_behind([fresh.pk, never.pk, newer.pk]) == 0


def test_整改后的问题记下整改时间并保留以供趋势统计(world: World) -> None:
    case = advance(world, register_case(world), Stage.INVESTIGATING)
    store.refresh_case(case)
    first = StoredFinding.objects.get(case=case, rule="rights_notice")
    assert first.resolved_at is None
    store.refresh_case(case)  # still reported: the same row, confirmed again
    assert StoredFinding.objects.filter(case=case, rule="rights_notice").count() == 1
    notify_rights(case)
    store.refresh_case(case)
    fixed = StoredFinding.objects.get(pk=first.pk)
    assert fixed.resolved_at is not None and fixed.first_seen_at == first.first_seen_at
    assert CaseCheck.objects.get(case=case).warnings == 0 or not StoredFinding.objects.filter(
        case=case, rule="rights_notice", resolved_at__isnull=True).exists()


def _supervisor_page_queries(world: World) -> tuple[int, str]:
    c = Client()
    c.force_login(world.sam)
    c.get("/compliance/")  # sessions and caches warm
    with CaptureQueriesContext(connection) as queries:
        reply = c.get("/compliance/")
    assert reply.status_code == 200
    return len(queries), reply.content.decode()


def test_合规检查页读取存储的结果_查询次数不随案件增多(world: World, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(START, tick=False)
    cases = [register_case(world, title=f"紧急案件{i}", emergency=True, emergency_reason="现场紧急") for i in range(3)]
    time_machine.move_to(START + dt.timedelta(days=3), tick=False)
    store.check_all()
    few, html = _supervisor_page_queries(world)
    assert all(c.label in html for c in cases) and "紧急先行启动按期补办审批" in html
    time_machine.move_to(START, tick=False)
    more = [register_case(world, title=f"紧急案件{i}", emergency=True, emergency_reason="现场紧急")
            for i in range(9)]
    time_machine.move_to(START + dt.timedelta(days=3), tick=False)
    store.check_all()
    many, html = _supervisor_page_queries(world)
    assert all(c.label in html for c in more)
    assert few == many
    # Filters by unit, officer and open/resolved read the same store.
    c = Client()
    c.force_login(world.sam)
    assert cases[0].label not in c.get("/compliance/", {"unit": world.unit_b.pk}).content.decode()
    assert cases[0].label in c.get("/compliance/", {"officer": world.alice.pk}).content.decode()
    assert cases[0].label not in c.get("/compliance/", {"status": "resolved"}).content.decode().split("<tbody>")[1]


@pytest.mark.django_db(transaction=True)
def test_全量重新检查可分多个进程_每件案件都存入(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("worker processes need a database other processes can open (the SQLite test database is in memory)")
    ids = [register_case(world, title=f"案件{i}").pk for i in range(5)]
    summary = store.check_all(jobs=2)
    assert summary.cases == Case.objects.count() and not summary.failed
    assert set(CaseCheck.objects.filter(stale=False).values_list("case_id", flat=True)) >= set(ids)
    assert summary.worker_peak_kb > 0 and summary.rate > 0


@pytest.mark.slow
def test_lawtrail_check_all_jobs_2_存入每件案件并报告速度与峰值内存(tmp_path: Path) -> None:
    environment = {**os.environ, "LAWTRAIL_DATA_DIR": str(tmp_path)}
    environment.pop("DATABASE_URL", None)  # this test owns its embedded database
    lawtrail = [sys.executable, "-m", "lawtrail"]
    demo = subprocess.run([*lawtrail, "demo", "--profile", "labor-inspection"], capture_output=True, text=True,
                          env=environment, timeout=900)
    assert demo.returncode == 0, demo.stderr
    assert "已检查" in demo.stdout  # the demo ends with the store filled
    with sqlite3.connect(tmp_path / "lawtrail.sqlite3") as db:
        db.execute("UPDATE compliance_casecheck SET checked_at = '2000-01-01 00:00:00'")
    done = subprocess.run([*lawtrail, "check", "--all", "--jobs", "2"], capture_output=True, text=True,
                          env=environment, timeout=900)
    assert done.returncode == 0, done.stderr
    assert "每秒" in done.stdout and "峰值内存" in done.stdout and "工作进程最高" in done.stdout
    assert "合规检查" in done.stderr  # the progress line
    with sqlite3.connect(tmp_path / "lawtrail.sqlite3") as db:
        cases = db.execute("SELECT count(*) FROM cases_case").fetchone()[0]
        fresh = db.execute("SELECT count(*) FROM compliance_casecheck WHERE checked_at > '2000-01-02' "
                           "AND NOT stale").fetchone()[0]
    assert cases > 0 and fresh == cases
    assert f"已检查 {cases} 件案件" in done.stdout
    wrong = subprocess.run([*lawtrail, "check", "--all", "--agency", "没有这个机关"], capture_output=True, text=True,
                           env=environment, timeout=300)
    assert wrong.returncode != 0 and "未找到执法机关" in wrong.stderr


def test_每条规范所定期限都由检查报告_引擎不碰数据库() -> None:
    """The engine stays pure: the same bundle and `now` give the same deadlines, with `evaluate`
    still answering its findings alone; a rule's own `warn_before` replaces the profile's default."""
    import copy
    import dataclasses

    from lawtrail.compliance import bundle as bundles
    from lawtrail.compliance.engine import evaluate, evaluate_all
    from lawtrail.profiles.registry import get_profile

    now = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)
    expected = {"labor-inspection": {"case_file", "decision_before_service", "emergency_start", "evidence_storage"},
                "safety-production": {"case_file", "decision_before_service", "evidence_naming", "evidence_storage"}}
    for profile_id, rules in expected.items():
        data, profile = bundles.example(profile_id), get_profile(profile_id)
        result = evaluate_all(copy.deepcopy(data), profile, now=now)
        assert {d.rule for d in result.deadlines} == rules
        assert result.findings == evaluate(copy.deepcopy(data), profile, now=now)
        assert all(d.label and d.due_at > d.warn_at for d in result.deadlines)
    # Counted in days: yellow 2 days before; in hours (work safety's 24-hour upload): 6 hours before.
    labour = evaluate_all(bundles.example("labor-inspection"), get_profile("labor-inspection"), now=now)
    case_file = next(d for d in labour.deadlines if d.rule == "case_file")
    assert case_file.due_at - case_file.warn_at == dt.timedelta(days=2)
    safety = get_profile("safety-production")
    upload = next(d for d in evaluate_all(bundles.example("safety-production"), safety, now=now).deadlines
                  if d.rule == "evidence_storage")
    assert upload.due_at - upload.warn_at == dt.timedelta(hours=6)
    rule = safety.rules["evidence_storage"]
    stricter = dataclasses.replace(safety, rules={**safety.rules, "evidence_storage": dataclasses.replace(
        rule, values={**rule.values, "warn_before": {"amount": 12, "unit": "hours"}})})
    upload = next(d for d in evaluate_all(bundles.example("safety-production"), stricter, now=now).deadlines
                  if d.rule == "evidence_storage")
    assert upload.due_at - upload.warn_at == dt.timedelta(hours=12)
    open_one = dataclasses.replace(upload, met_at=None)
    assert [open_one.state(upload.warn_at - dt.timedelta(seconds=1)), open_one.state(upload.warn_at),
            open_one.state(upload.due_at + dt.timedelta(seconds=1))] == ["pending", "near", "overdue"]
    assert upload.state(upload.due_at + dt.timedelta(days=1)) == "met"


def test_通知按设置同时发往网络钩子_同一事由只通知一次(world: World, settings: object,
                                     django_capture_on_commit_callbacks: object) -> None:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from lawtrail.notices.actions import send_notice

    received: list[dict[str, object]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 — the name http.server asks for
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.NOTIFY_WEBHOOK = f"http://127.0.0.1:{server.server_port}/sms"  # type: ignore[attr-defined]
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            assert len(send_notice([world.alice, world.uma], key="deadline:test:near", title="临近期限:测试",
                                   body="请按期办理", level="near")) == 2
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            assert send_notice([world.alice], key="deadline:test:near", title="临近期限:测试") == []
    finally:
        server.shutdown()
        server.server_close()
    assert len(received) == 1 and received[0]["level"] == "near"
    assert sorted(r["username"] for r in received[0]["recipients"]) == sorted(  # type: ignore[attr-defined]
        [world.alice.username, world.uma.username])
