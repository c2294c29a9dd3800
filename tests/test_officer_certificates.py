"""执法证编号及有效期 recorded in the 笔录 itself (the commission's 第七条): the check reads the record's
“执法人员及执法证号” line, not the officer list, and the line is prefilled with the validity where
the profile asks it."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from time_machine import TimeMachineFixture

from lawtrail.cases.choices import Stage
from lawtrail.compliance import bundle as bundles
from lawtrail.compliance.defects import doc
from lawtrail.compliance.engine import BLOCKING, Finding, evaluate
from lawtrail.documents.actions import do_create_document
from lawtrail.profiles.registry import get_profile
from lawtrail.testing.personas import build_world
from lawtrail.testing.scenarios import advance, beijing, register_case

NOW = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)


def check(b: dict[str, Any], profile_id: str = "commission-rules") -> list[Finding]:
    return [f for f in evaluate(bundles.validate(b), get_profile(profile_id), now=NOW) if f.rule == "record_officers"]


def test_笔录须载明执法证有效期_只在名册中登记的不算_委员会第七条() -> None:
    b = copy.deepcopy(bundles.example("commission-rules"))
    assert check(b) == []
    inquiry = doc(b, "inquiry_record")
    inquiry["fields"]["officers"] = "艾丽(执法证号 LD001)、安迪(执法证号 LD002)"
    found = check(b)
    # The officer list still knows both certificates' validity: the record does not show it.
    assert all(o["cert_valid_until"] for o in b["officers"][:2])
    assert [(f.subject, f.severity) for f in found] == [(inquiry["id"], BLOCKING)] * 2
    assert found[0].article == "第七条"
    assert found[0].message == "询问(调查)笔录的“执法人员及执法证号”未载明艾丽执法证的有效期:请补记执法证有效期"


def test_笔录载明的有效期已过的_检查指出() -> None:
    b = copy.deepcopy(bundles.example("commission-rules"))
    inquiry = doc(b, "inquiry_record")
    inquiry["fields"]["officers"] = "艾丽(LD001,有效期2020年1月1日至2024年12月31日)、安迪(LD002,有效期至2030-12-31)"
    assert [f.message for f in check(b)] == [
        "艾丽的执法证在2025-03-04不在有效期内(2020-01-01至2024-12-31):须由持有效证件的执法人员办理"]


def test_笔录未载明执法证号的_检查指出() -> None:
    b = copy.deepcopy(bundles.example("commission-rules"))
    doc(b, "site_inspection_record")["fields"]["officers"] = "艾丽(有效期2024-01-01至2030-12-31)、安迪(LD002,有效期至2030-12-31)"
    assert [f.message for f in check(b)] == [
        "现场检查(勘验)笔录的“执法人员及执法证号”未载明艾丽(执法证号 LD001):执法证号须记载在笔录中,请补记"]


def test_其他规范不要求载明有效期() -> None:
    b = copy.deepcopy(bundles.example("labor-inspection"))
    doc(b, "inquiry_record")["fields"]["officers"] = "艾丽(执法证号 LD001)、安迪(执法证号 LD002)"
    assert check(b, "labor-inspection") == []


@pytest.fixture
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 3, 10, 10, 0), tick=False)
    return time_machine


@pytest.mark.parametrize(("profile_id", "shows_validity"), [("commission-rules", True), ("labor-inspection", False)])
def test_笔录的执法人员一栏按规范预填执法证有效期(db: None, clock: TimeMachineFixture, profile_id: str,
                                     shows_validity: bool) -> None:
    world = build_world(profile_id, name="测试机关")
    case = advance(world, register_case(world), Stage.INVESTIGATING)
    record = do_create_document(case, type_code="inquiry_record", actor=world.alice)
    alice = world.alice
    assert alice.cert_valid_until is not None
    validity = f",有效期{alice.cert_valid_from.isoformat() + '至' if alice.cert_valid_from else '至'}" \
               f"{alice.cert_valid_until.isoformat()}"
    expected = f"艾丽(执法证号 {alice.cert_no}{validity if shows_validity else ''})"
    assert record.fields["officers"].startswith(expected)
