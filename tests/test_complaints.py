"""投诉举报登记: registering a complaint or report, and deciding on it."""

from __future__ import annotations

import pytest

from lawtrail.cases.actions import do_decide_complaint, do_register_complaint, do_supplement_complaint
from lawtrail.cases.choices import CaseSource, ComplaintKind, ComplaintStatus, Stage
from lawtrail.cases.models import Case, Complaint
from lawtrail.lib.errors import Conflict, InvalidInput
from lawtrail.testing.personas import World, valid_id_number


def complaint_of(world: World, **overrides: object) -> Complaint:
    values: dict[str, object] = {
        "unit": world.unit_a, "kind": ComplaintKind.COMPLAINT, "respondent": world.company,
        "facts": "公司拖欠本人2026年1月至3月工资", "complainant_name": "王五",
        "complainant_id_number": valid_id_number("11010519900307123"), "complainant_phone": "13800000000",
    }
    values.update(overrides)
    return do_register_complaint(**values, actor=world.alice)  # type: ignore[arg-type]


def accept(world: World, complaint: Complaint) -> Complaint:
    return do_decide_complaint(complaint, outcome=ComplaintStatus.ACCEPTED, title="拖欠工资",
                               handler=world.alice, handler_opinion="建议立案", actor=world.alice)


def notify_correction(world: World, complaint: Complaint, items: list[str] | None) -> Complaint:
    return do_decide_complaint(complaint, outcome=ComplaintStatus.CORRECTION, missing_items=items,
                               actor=world.alice)


# ---------------------------------------------------------------- registering


def test_a_registered_complaint_waits_for_examination(world: World) -> None:
    complaint = complaint_of(world)
    assert complaint.status == ComplaintStatus.PENDING
    assert complaint.received_by == world.alice
    assert complaint.complainant_name == "王五"


def test_a_report_may_be_anonymous(world: World) -> None:
    report = complaint_of(world, kind=ComplaintKind.REPORT, anonymous=True, complainant_name="",
                          complainant_id_number="", complainant_phone="")
    assert report.anonymous
    assert report.status == ComplaintStatus.PENDING


@pytest.mark.parametrize(("overrides", "field"), [
    ({"complainant_name": " "}, "complainant_name"),
    ({"complainant_phone": ""}, "complainant_phone"),
    ({"facts": ""}, "facts"),
    ({"complainant_id_number": "110105199003071234"}, "complainant_id_number"),
])
def test_a_named_complaint_needs_who_complains_how_to_reach_them_and_about_what(
        world: World, overrides: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        complaint_of(world, **overrides)
    assert err.value.detail == {"field": field}
    assert not Complaint.objects.exists()


def test_it_refuses_an_unknown_kind_of_complaint(world: World) -> None:
    with pytest.raises(InvalidInput) as err:
        complaint_of(world, kind="petition")
    assert err.value.code == "invalid_complaint_kind"


# ---------------------------------------------------------------- accepted


def test_an_accepted_complaint_registers_a_case_against_the_respondent(world: World) -> None:
    complaint = accept(world, complaint_of(world))
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ACCEPTED
    assert complaint.decided_by == world.alice

    case = Case.objects.get(complaint=complaint)
    assert case.stage == Stage.REGISTERED
    assert case.source == CaseSource.COMPLAINT
    assert case.party == world.company
    assert case.unit == world.unit_a
    assert case.handler == world.alice
    assert case.facts == complaint.facts
    assert case.number is None


def test_accepting_a_complaint_needs_a_handler_and_a_title(world: World) -> None:
    complaint = complaint_of(world)
    with pytest.raises(InvalidInput) as err:
        do_decide_complaint(complaint, outcome=ComplaintStatus.ACCEPTED, title="拖欠工资",
                            handler_opinion="建议立案", actor=world.alice)
    assert err.value.detail == {"field": "handler"}
    with pytest.raises(InvalidInput) as err:
        do_decide_complaint(complaint, outcome=ComplaintStatus.ACCEPTED, title="", handler=world.alice,
                            handler_opinion="建议立案", actor=world.alice)
    assert err.value.detail == {"field": "title"}
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.PENDING
    assert not Case.objects.exists()


def test_a_decided_complaint_cannot_be_decided_again(world: World) -> None:
    complaint = accept(world, complaint_of(world))
    with pytest.raises(Conflict) as err:
        accept(world, complaint)
    assert err.value.code == "complaint_decided"
    assert Case.objects.count() == 1


def test_a_copy_read_before_the_complaint_was_decided_cannot_decide_it_again(world: World) -> None:
    complaint = complaint_of(world)
    other_tab = Complaint.objects.get(pk=complaint.pk)
    accept(world, complaint)
    with pytest.raises(Conflict) as err:
        accept(world, other_tab)
    assert err.value.code == "stale_complaint"
    assert Case.objects.count() == 1


# ---------------------------------------------------------------- not accepted


def test_not_accepting_a_complaint_needs_a_reason(world: World) -> None:
    complaint = complaint_of(world)
    with pytest.raises(InvalidInput) as err:
        do_decide_complaint(complaint, outcome=ComplaintStatus.NOT_ACCEPTED, reason="  ", actor=world.alice)
    assert err.value.detail == {"field": "reason"}
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.PENDING

    do_decide_complaint(complaint, outcome=ComplaintStatus.NOT_ACCEPTED, reason="不属于劳动保障监察事项",
                        actor=world.alice)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.NOT_ACCEPTED
    assert complaint.decision_reason == "不属于劳动保障监察事项"
    assert not Case.objects.exists()


def test_it_refuses_an_unknown_outcome(world: World) -> None:
    complaint = complaint_of(world)
    with pytest.raises(InvalidInput) as err:
        do_decide_complaint(complaint, outcome="forwarded", actor=world.alice)
    assert err.value.code == "invalid_outcome"
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.PENDING


# ---------------------------------------------------------------- one-time correction notice (一次性告知补正)


@pytest.mark.parametrize("items", [None, [], ["", "  "]])
def test_a_correction_notice_must_list_what_is_missing(world: World, items: list[str] | None) -> None:
    complaint = complaint_of(world)
    with pytest.raises(InvalidInput) as err:
        notify_correction(world, complaint, items)
    assert err.value.detail == {"field": "missing_items"}
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.PENDING


def test_a_correction_notice_keeps_every_listed_item(world: World) -> None:
    complaint = notify_correction(world, complaint_of(world), [" 劳动合同复印件", "", "工资条"])
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CORRECTION
    assert complaint.missing_items == ["劳动合同复印件", "工资条"]


def test_a_correction_cannot_be_notified_twice(world: World) -> None:
    complaint = notify_correction(world, complaint_of(world), ["劳动合同复印件"])
    with pytest.raises(Conflict) as err:
        notify_correction(world, complaint, ["工资条"])
    assert err.value.code == "correction_already_notified"
    complaint.refresh_from_db()
    assert complaint.missing_items == ["劳动合同复印件"]


def test_a_supplement_returns_the_complaint_to_examination(world: World) -> None:
    complaint = notify_correction(world, complaint_of(world), ["劳动合同复印件"])
    do_supplement_complaint(complaint, note="已补交劳动合同复印件", actor=world.alice)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.PENDING

    accept(world, complaint)
    assert Case.objects.filter(complaint=complaint).count() == 1


def test_a_supplement_needs_a_note_and_a_pending_notice(world: World) -> None:
    complaint = complaint_of(world)
    with pytest.raises(Conflict) as err:
        do_supplement_complaint(complaint, note="补交材料", actor=world.alice)
    assert err.value.code == "not_awaiting_correction"

    notify_correction(world, complaint, ["工资条"])
    with pytest.raises(InvalidInput) as missing:
        do_supplement_complaint(complaint, note=" ", actor=world.alice)
    assert missing.value.detail == {"field": "note"}
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.CORRECTION


def test_a_complaint_awaiting_correction_may_still_be_decided(world: World) -> None:
    complaint = notify_correction(world, complaint_of(world), ["工资条"])
    do_decide_complaint(complaint, outcome=ComplaintStatus.NOT_ACCEPTED, reason="逾期未补正",
                        actor=world.alice)
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.NOT_ACCEPTED
