"""Blocking findings stop the stage moves their rules name: refused, recorded, saying what to add."""

from __future__ import annotations

import datetime as dt

import pytest
from time_machine import TimeMachineFixture

from lawtrail.cases.actions import do_give_approval, do_transition_case
from lawtrail.cases.choices import ApprovalKind, Stage
from lawtrail.compliance.queries import case_findings
from lawtrail.events.models import DomainEvent
from lawtrail.lib.errors import Conflict
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import beijing, register_case

pytestmark = pytest.mark.usefixtures("fast_hashing")
START = beijing(2026, 3, 10, 10, 0)
SUMMARY = {"investigation_summary": "已查明"}


def start_late(w: World, time_machine: TimeMachineFixture, hours: int) -> object:
    time_machine.move_to(START, tick=False)
    case = register_case(w, officers=[w.andy], emergency=True, emergency_reason="现场正在销毁证据")
    do_transition_case(case, to=Stage.INVESTIGATING, actor=w.alice)
    time_machine.move_to(START + dt.timedelta(hours=hours), tick=False)
    for kind in (ApprovalKind.FILING_UNIT_HEAD, ApprovalKind.FILING_HEAD):
        if kind == ApprovalKind.FILING_UNIT_HEAD and w.agency.profile_id != "agriculture":
            continue
        do_give_approval(case, kind=kind, approved=True, opinion="补办同意",
                         actor=w.uma if kind == ApprovalKind.FILING_UNIT_HEAD else w.hank)
    case.refresh_from_db()
    return case


def test_a_late_emergency_approval_refuses_the_move_to_review_naming_the_article(
        db: None, time_machine: TimeMachineFixture) -> None:
    w = build_world("agriculture", name="测试区农业农村局")
    case = start_late(w, time_machine, 30)
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.REVIEWING, fields=SUMMARY, actor=w.alice)  # type: ignore[arg-type]
    assert err.value.code == "compliance_blocked"
    assert "24小时" in err.value.message and "第七条" in err.value.message and "请先补充" in err.value.message
    assert [f["rule"] for f in err.value.detail["findings"]] == ["emergency_start"]
    refused = DomainEvent.objects.order_by("-pk").first()
    assert refused is not None
    assert (refused.action, refused.outcome, refused.reason_code) == ("case.transition", "refused",
                                                                      "compliance_blocked")
    case.refresh_from_db()  # type: ignore[attr-defined]
    assert case.stage == Stage.INVESTIGATING  # type: ignore[attr-defined]


def test_the_same_delay_is_within_the_labour_rules_48_hours(db: None, time_machine: TimeMachineFixture) -> None:
    w = build_world("labor-inspection")
    case = start_late(w, time_machine, 30)
    do_transition_case(case, to=Stage.REVIEWING, fields=SUMMARY, actor=w.alice)  # type: ignore[arg-type]
    case.refresh_from_db()  # type: ignore[attr-defined]
    assert case.stage == Stage.REVIEWING  # type: ignore[attr-defined]
    assert [f.rule for f in case_findings(case, profile_id="agriculture")  # type: ignore[arg-type]
            if f.severity == "blocking"] == ["emergency_start"]
