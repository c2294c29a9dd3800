"""The pages, through Django's test client: what each persona sees and may do."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case, Complaint
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, register_case


def as_user(world: World, name: str) -> Client:
    c = Client()
    c.force_login(getattr(world, name))
    return c


@pytest.fixture
def cases(world: World) -> tuple[Case, Case]:
    registered = register_case(world, title="待审批的案件")
    investigating = advance(world, register_case(world, title="调查中的案件"), Stage.INVESTIGATING)
    return registered, investigating


def test_it_shows_the_head_what_waits_for_his_approval(world: World, cases: tuple[Case, Case]) -> None:
    page = as_user(world, "hank").get("/").content.decode()
    assert "待我审批" in page and "待审批的案件" in page and "机关负责人意见" in page


def test_it_lists_my_cases_on_my_home_page(world: World, cases: tuple[Case, Case]) -> None:
    page = as_user(world, "alice").get("/").content.decode()
    assert "调查中的案件" in page


def test_it_filters_the_case_list(world: World, cases: tuple[Case, Case]) -> None:
    alice = as_user(world, "alice")
    page = alice.get("/cases/", {"stage": "investigating"}).content.decode()
    assert "调查中的案件" in page and "待审批的案件" not in page
    page = alice.get("/cases/", {"q": "待审批"}).content.decode()
    assert "待审批的案件" in page and "调查中的案件" not in page
    page = alice.get("/cases/", {"unit": world.unit_b.pk}).content.decode()
    assert "没有符合条件的案件" in page
    page = alice.get("/cases/", {"party": world.company.name[:4]}).content.decode()
    assert "调查中的案件" in page


@pytest.mark.parametrize("who", ["alice", "andy", "uma", "hank", "lena", "archie", "sam"])
def test_it_shows_the_case_to_those_who_may_see_it(world: World, cases: tuple[Case, Case], who: str) -> None:
    assert as_user(world, who).get(f"/cases/{cases[1].pk}/").status_code == 200


def test_it_hides_another_units_case_and_complaint(world: World, cases: tuple[Case, Case]) -> None:
    from lawtrail.cases.actions import do_register_complaint

    complaint = do_register_complaint(unit=world.unit_a, kind="report", respondent=world.company, facts="事项",
                                      anonymous=True, actor=world.alice)
    bob = as_user(world, "bob")
    assert bob.get(f"/cases/{cases[1].pk}/").status_code == 404
    assert bob.post(f"/cases/{cases[1].pk}/move/", {"to": "reviewing"}).status_code == 404
    assert bob.get(f"/complaints/{complaint.pk}/").status_code == 404
    assert "待审批的案件" not in bob.get("/cases/").content.decode()


def test_it_offers_only_the_steps_the_user_may_take(world: World, cases: tuple[Case, Case]) -> None:
    page = as_user(world, "sam").get(f"/cases/{cases[1].pk}/").content.decode()
    assert "当前没有您可以办理的事项" in page
    page = as_user(world, "alice").get(f"/cases/{cases[1].pk}/").content.decode()
    assert "调查终结,提交审查" in page


def test_it_refuses_an_illegal_step_in_chinese_and_saves_nothing(world: World, cases: tuple[Case, Case]) -> None:
    case = cases[1]
    r = as_user(world, "alice").post(f"/cases/{case.pk}/move/", {"to": "reviewing", "investigation_summary": ""})
    assert r.status_code == 400
    assert "请填写调查终结报告" in r.content.decode()
    case.refresh_from_db()
    assert case.stage == Stage.INVESTIGATING


def test_it_records_a_one_time_correction_notice_from_the_page(world: World) -> None:
    from lawtrail.cases.actions import do_register_complaint

    complaint = do_register_complaint(unit=world.unit_a, kind="complaint", respondent=world.company, facts="欠薪",
                                      complainant_name="陈", complainant_phone="1", actor=world.alice)
    alice = as_user(world, "alice")
    r = alice.post(f"/complaints/{complaint.pk}/", {"step": "decide", "outcome": "correction", "missing_items": ""})
    assert r.status_code == 400 and "一次性补正告知须列明需补正的全部内容" in r.content.decode()
    r = alice.post(f"/complaints/{complaint.pk}/", {"step": "decide", "outcome": "correction",
                                                    "missing_items": "工资条\n考勤记录"})
    assert r.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "correction" and complaint.missing_items == ["工资条", "考勤记录"]
    assert Complaint.objects.count() == 1


def test_the_home_counts_cases_by_stage_at_most_once_a_minute(world: World, time_machine: Any) -> None:
    """首页各阶段案件数每分钟统计一次(不在每次打开时数遍本中队全部案件),并注明统计时间;案件列表随时是最新的。"""
    import datetime as dt

    from django.core.cache import cache

    from lawtrail.testing.scenarios import beijing

    cache.clear()
    time_machine.move_to(beijing(2026, 3, 2, 9, 0), tick=False)
    register_case(world)
    client = as_user(world, "alice")

    def registered(page: str) -> int:
        found = re.search(r"<b>(\d+)</b><span>待立案审批</span>", page)
        assert found, page[:2000]
        return int(found.group(1))

    first = client.get("/").content.decode()
    assert registered(first) == 1 and "09:00 统计" in first
    register_case(world, title="第二件")
    assert registered(client.get("/").content.decode()) == 1  # within the minute: the count it made
    assert "第二件" in client.get("/cases/").content.decode()
    time_machine.move_to(beijing(2026, 3, 2, 9, 1) + dt.timedelta(seconds=1), tick=False)
    assert registered(client.get("/").content.decode()) == 2
