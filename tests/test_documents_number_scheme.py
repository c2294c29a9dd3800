"""文书编号规则 page: everyone of the agency reads the pattern and its example; its head or an
administrator changes it, with a live example and Chinese validation errors."""

from __future__ import annotations

import pytest
from django.test import Client
from time_machine import TimeMachineFixture

from lawtrail.documents.actions import do_set_number_scheme, number_format
from lawtrail.events.models import DomainEvent
from lawtrail.lib.errors import Forbidden, InvalidInput
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


def web(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def test_the_head_sees_the_pattern_with_an_example_and_changes_it(world: World) -> None:
    hank = web(world.hank)
    page = hank.get("/documents/numbering/").content.decode()
    assert "{agency}{abbr}〔{year}〕{seq}号" in page and "测劳监立审〔2026〕1号" in page
    assert 'id="number-scheme-form"' in page
    preview = hank.get("/documents/numbering/", {"preview": "名劳监{abbr}字〔{year}〕第{seq:03d}号"})
    assert preview.status_code == 200 and ["立案审批表", "名劳监立审字〔2026〕第001号"] in preview.json()["examples"]
    r = hank.post("/documents/numbering/", {"format": "名劳监{abbr}字〔{year}〕第{seq:03d}号"})
    assert r.status_code == 302
    assert number_format(world.agency) == "名劳监{abbr}字〔{year}〕第{seq:03d}号"
    event = DomainEvent.objects.get(action="document.number_scheme")
    assert event.actor_id == world.hank.pk and event.payload == {"format": "名劳监{abbr}字〔{year}〕第{seq:03d}号"}


@pytest.mark.parametrize(("fmt", "message"), [
    ("{agency}{abbr}{seq}号", "必须包含 {year} 和 {seq}"),
    ("{agency}〔{year}〕{seq}号", "必须包含 {abbr}"),
    ("{abbr}{year}{seq}{unit}", "只能使用 {agency}、{abbr}、{year} 和 {seq}"),
    ("{abbr}{year}{seq:q}", "格式有误"),
])
def test_a_bad_pattern_is_refused_with_a_chinese_message(world: World, fmt: str, message: str) -> None:
    hank = web(world.hank)
    preview = hank.get("/documents/numbering/", {"preview": fmt})
    assert preview.status_code == 400 and message in preview.json()["error"]
    r = hank.post("/documents/numbering/", {"format": fmt})
    assert r.status_code == 400 and message in r.content.decode()
    assert number_format(world.agency) == "{agency}{abbr}〔{year}〕{seq}号"


def test_an_officer_reads_the_pattern_but_cannot_change_it(world: World) -> None:
    alice = web(world.alice)
    page = alice.get("/documents/numbering/").content.decode()
    assert "测劳监立审〔2026〕1号" in page and 'id="number-scheme-form"' not in page
    r = alice.post("/documents/numbering/", {"format": "X{abbr}{year}{seq}"}, follow=True)
    assert "只有机关负责人或系统管理员" in r.content.decode()
    assert number_format(world.agency) == "{agency}{abbr}〔{year}〕{seq}号"
    with pytest.raises(Forbidden):
        do_set_number_scheme(world.agency, format="X{abbr}{year}{seq}", actor=world.uma)  # a unit's head
    with pytest.raises(InvalidInput):
        do_set_number_scheme(world.agency, format="", actor=world.root)
