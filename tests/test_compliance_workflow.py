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
    assert err.value.code == "step_incomplete"
    assert "24小时" in err.value.message and "第七条" in err.value.message and "尚缺以下1项" in err.value.message
    assert [m["detail"]["rule"] for m in err.value.detail["missing"]] == ["emergency_start"]
    refused = DomainEvent.objects.order_by("-pk").first()
    assert refused is not None
    assert (refused.action, refused.outcome, refused.reason_code) == ("case.transition", "refused",
                                                                      "step_incomplete")
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


def test_an_inquiry_record_signed_by_one_officer_blocks_review_until_it_is_complete(db: None) -> None:
    """Through the real document actions: agriculture wants two officers and the interviewee's
    signature with a fingerprint (第九条、第十一条)."""
    from lawtrail.documents.actions import (
        do_create_document,
        do_issue_document,
        do_record_hand_signature,
        do_sign_document,
        do_update_document,
    )
    from lawtrail.documents.catalogue import get_type
    from lawtrail.testing.documents import handwriting_png, sample_fields
    from lawtrail.testing.scenarios import advance

    w = build_world("agriculture", name="测试区农业农村局")
    case = advance(w, register_case(w), Stage.INVESTIGATING)
    doc = do_create_document(case, type_code="inquiry_record", actor=w.alice)
    doc = do_update_document(doc, fields=sample_fields(get_type("inquiry_record"), prefilled=doc.fields),
                             actor=w.alice)
    doc = do_issue_document(doc, actor=w.alice)
    do_sign_document(doc, slot="officers", actor=w.alice)
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.REVIEWING, fields=SUMMARY, actor=w.alice)
    assert err.value.code == "step_incomplete"
    assert sorted({m["detail"]["rule"] for m in err.value.detail["missing"]}) == ["document_signatures",
                                                                         "investigation_officers"]
    assert "第九条" in err.value.message and "第十一条" in err.value.message

    do_sign_document(doc, slot="officers", actor=w.andy)
    do_record_hand_signature(doc, slot="interviewee", name="张三", image=handwriting_png(), fingerprint=True,
                             actor=w.alice)
    assert [f.rule for f in case_findings(case) if f.severity == "blocking"] == []
    do_transition_case(case, to=Stage.REVIEWING, fields=SUMMARY, actor=w.alice)
    case.refresh_from_db()
    assert case.stage == Stage.REVIEWING


@pytest.mark.parametrize("reason", ["", "被询问人在医院病房接受询问,院方不允许录音录像"])
def test_an_inquiry_without_footage_needs_its_reason_written_on_the_record(world: World, reason: str) -> None:
    """Labour 第十七条: an inquiry is recorded on video, or its record says why not (a field of the
    record, filled in the form), and only then may the case move on."""
    from lawtrail.testing.archive import issue
    from lawtrail.testing.scenarios import advance

    case = advance(world, register_case(world), Stage.INVESTIGATING)
    issue(world, case, "inquiry_record", av_exempt_reason=reason)
    rules = {f.rule for f in case_findings(case) if f.severity == "blocking"}
    assert ("av_required" in rules) is (not reason)
    if reason:
        do_transition_case(case, to=Stage.REVIEWING, fields=SUMMARY, actor=world.alice)
    else:
        with pytest.raises(Conflict) as err:
            do_transition_case(case, to=Stage.REVIEWING, fields=SUMMARY, actor=world.alice)
        assert err.value.code == "step_incomplete" and "第十七条" in err.value.message
