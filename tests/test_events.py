"""领域事件: every action writes exactly its events; a refusal writes one event and nothing else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from time_machine import TimeMachineFixture

from lawtrail.accounts.models import User
from lawtrail.cases.actions import (
    SIMPLE_ITEMS,
    do_assign_officers,
    do_create_party,
    do_decide_complaint,
    do_decide_simple_case,
    do_give_approval,
    do_record_inspection,
    do_register_complaint,
    do_supplement_complaint,
    do_transition_case,
)
from lawtrail.cases.choices import (
    ApprovalKind,
    ComplaintKind,
    ComplaintStatus,
    InspectionOutcome,
    PartyKind,
    Stage,
)
from lawtrail.cases.models import (
    Approval,
    Case,
    CaseNumberCounter,
    CaseTransition,
    Complaint,
    Inspection,
    Party,
    Service,
)
from lawtrail.events.context import Origin, origin
from lawtrail.events.models import DomainEvent
from lawtrail.lib import timez
from lawtrail.lib.errors import DomainError
from lawtrail.testing.personas import World, build_world, valid_id_number
from lawtrail.testing.scenarios import (
    advance,
    archive,
    beijing,
    draft_decision,
    file_case,
    notify_rights,
    record_service,
    register_case,
    sign_receipt,
)

# A document a step produces: drafted, tied to its act, issued with its 文号.
FORM_ISSUED = ["document.create", "document.link_act", "document.issue"]

@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


class Written:
    """The events written inside a `written()` block."""

    events: list[DomainEvent]

    @property
    def actions(self) -> list[str]:
        return [e.action for e in self.events]


@contextmanager
def written() -> Iterator[Written]:
    mark = DomainEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    result = Written()
    result.events = []
    try:
        yield result
    finally:
        result.events = list(DomainEvent.objects.filter(id__gt=mark).order_by("id"))


def actions_of(fn: Callable[[], object]) -> list[str]:
    with written() as w:
        fn()
    return w.actions


# ---------------------------------------------------------------- what each action writes


def test_a_general_case_writes_one_event_per_step_and_two_when_it_is_filed(world: World) -> None:
    with written() as w:
        case = register_case(world)
    assert w.actions == ["case.register"]

    with written() as w:
        do_give_approval(case, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="同意立案", actor=world.hank)
    # The last filing opinion files the case and issues its 立案审批表, signed by the handler and
    # carrying the head's opinion.
    assert w.actions == ["case.approve", "case.file", *FORM_ISSUED, "document.sign", "document.approve"]
    approve, file = w.events[:2]
    case.refresh_from_db()
    assert approve.payload == {"kind": "filing.head", "approved": True, "opinion": "同意立案"}
    assert (approve.actor, approve.actor_name, approve.actor_role, approve.actor_cert_no) == (
        world.hank, "汉克", "head", world.hank.cert_no)
    assert file.payload == {"number": case.number}
    for event in w.events:
        assert (event.outcome, event.case_id_frozen, event.agency_id_frozen) == ("done", case.pk, world.agency.pk)
    assert [(e.object_type, e.object_id) for e in w.events[:2]] == [("cases.case", str(case.pk))] * 2
    form = case.documents.get(type_code="filing_approval_form")
    assert {(e.object_type, e.object_id) for e in w.events[2:]} == {("documents.document", str(form.pk))}
    assert w.events[-1].payload["opinion"] == "同意立案" and w.events[-1].payload["signer"] == "汉克"

    assert actions_of(lambda: do_transition_case(case, to=Stage.INVESTIGATING, actor=world.alice)) == [
        "case.transition"]
    # 调查终结: the move issues the 调查终结报告, signed by the handler.
    assert actions_of(lambda: do_transition_case(case, to=Stage.REVIEWING,
                                                 fields={"investigation_summary": "属实"}, actor=world.alice)) == [
        "case.transition", *FORM_ISSUED, "document.sign"]
    notify_rights(case)  # 《行政处罚法》第四十四条: the party told before the penalty (its own document's events)
    assert actions_of(lambda: draft_decision(case)) == ["case.record_decision", "document.create",
                                                        "document.link_act", "document.update"]
    assert actions_of(lambda: do_give_approval(case, kind=ApprovalKind.LEGAL_REVIEW, approved=True, opinion="合法",
                                               actor=world.lena)) == ["case.approve"]
    # The last decision opinion issues the 行政处罚(处理)报批表 with both opinions.
    assert actions_of(lambda: do_give_approval(case, kind=ApprovalKind.DECISION_HEAD, approved=True,
                                               opinion="同意", actor=world.hank)) == [
        "case.approve", *FORM_ISSUED, "document.sign", "document.approve", "document.approve"]
    assert actions_of(lambda: do_transition_case(case, to=Stage.SERVING, actor=world.alice)) == [
        "case.transition", "document.issue"]
    assert actions_of(lambda: record_service(case, sign=False)) == [
        "case.record_service", *FORM_ISSUED, "document.sign"]
    service = case.services.get()
    assert actions_of(lambda: sign_receipt(case, service, actor=world.alice)) == ["document.hand_sign"]
    with written() as w:
        do_transition_case(case, to=Stage.CLOSED, fields={"execution_result": "已缴纳"}, actor=world.alice)
    assert w.actions == ["case.transition", *FORM_ISSUED, "document.sign"]
    assert w.events[0].payload == {"from": "serving", "to": "closed", "note": "", "execution_result": "已缴纳"}
    assert actions_of(lambda: archive(world, case)) == ["case_file.assemble", "case_file.bind", "case.transition"]


def test_the_legal_review_is_recorded_in_the_reviewers_role(world: World) -> None:
    case = advance(world, register_case(world), Stage.REVIEWING)
    draft_decision(case)
    with written() as w:
        do_give_approval(case, kind=ApprovalKind.LEGAL_REVIEW, approved=True, opinion="合法", actor=world.lena)
    assert w.events[0].actor_role == "legal_reviewer"


def test_a_rejected_filing_writes_the_opinion_and_the_refusal_to_file(world: World) -> None:
    case = register_case(world)
    assert actions_of(lambda: do_give_approval(case, kind=ApprovalKind.FILING_HEAD, approved=False,
                                               opinion="证据不足", actor=world.hank)) == [
        "case.approve", "case.not_filed"]


def test_agricultures_first_filing_opinion_writes_only_itself(db: None) -> None:
    agri = build_world("agriculture")
    case = register_case(agri)
    assert actions_of(lambda: do_give_approval(case, kind=ApprovalKind.FILING_UNIT_HEAD, approved=True,
                                               opinion="拟同意", actor=agri.uma)) == ["case.approve"]
    # Both opinions in: the 立案审批表 is issued carrying the two, signed by the handler.
    assert actions_of(lambda: file_case(agri, case)) == [
        "case.approve", "case.file", *FORM_ISSUED, "document.sign", "document.approve", "document.approve"]


def test_an_emergency_start_writes_its_filing_at_once_and_its_late_approval_after(world: World) -> None:
    with written() as w:
        case = register_case(world, emergency=True, emergency_reason="当事人正在转移财产")
    assert w.actions == ["case.register", "case.file"]
    assert w.events[1].payload["emergency"] is True
    assert w.events[1].payload["article"] == "第十二条"

    with written() as w:
        do_give_approval(case, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="补办同意", actor=world.hank)
    assert w.actions == ["case.approve", "case.emergency_approved", *FORM_ISSUED, "document.sign",
                         "document.approve"]
    assert w.events[1].payload["in_time"] is True


def test_complaints_inspections_and_simple_cases_write_their_events(world: World) -> None:
    with written() as w:
        complaint = do_register_complaint(unit=world.unit_a, kind=ComplaintKind.REPORT, respondent=world.company,
                                          facts="拖欠工资", anonymous=True, actor=world.alice)
    # Registering issues the 投诉(举报)登记表, signed by the officer who took the complaint.
    assert w.actions == ["complaint.register", "document.create", "document.issue", "document.sign"]
    # Asking for correction drafts the 一次性补证告知书 (issued once its deadline is given).
    assert actions_of(lambda: do_decide_complaint(complaint, outcome=ComplaintStatus.CORRECTION,
                                                  missing_items=["工资条"], actor=world.alice)) == [
        "complaint.decide", "document.create"]
    assert actions_of(lambda: do_supplement_complaint(complaint, note="已补交", actor=world.alice)) == [
        "complaint.supplement"]
    with written() as w:
        do_decide_complaint(complaint, outcome=ComplaintStatus.ACCEPTED, title="拖欠工资", handler=world.alice,
                            handler_opinion="建议立案", actor=world.alice)
    assert w.actions == ["case.register", "complaint.decide"]
    assert w.events[1].case_id_frozen == w.events[0].case_id_frozen == Case.objects.get(complaint=complaint).pk

    now = timez.now()
    assert actions_of(lambda: do_record_inspection(
        unit=world.unit_a, party=world.company, place="工地", started_at=now - dt.timedelta(hours=1), ended_at=now,
        officers=[], findings="发现拖欠", outcome=InspectionOutcome.OPEN_CASE, case_title="拖欠工资",
        handler_opinion="建议立案", actor=world.alice)) == ["case.register", "inspection.record"]
    assert actions_of(lambda: do_decide_simple_case(
        unit=world.unit_a, party=world.person, title="未公示规章制度", items={k: "已记录" for k, _ in SIMPLE_ITEMS},
        decision_text="罚款100元", penalty_amount=Decimal("100"), paid_on_spot=True, officers=[],
        actor=world.alice)) == ["case.simple_decide", "document.create", "document.link_act"]  # its decision, a draft
    assert actions_of(lambda: do_create_party(kind=PartyKind.PERSON, name="王五",
                                              id_number=valid_id_number("11010519900307123"),
                                              actor=world.alice)) == ["party.create"]
    case = advance(world, register_case(world, officers=[]), Stage.FILED)
    assert actions_of(lambda: do_assign_officers(case, officers=[world.andy], actor=world.alice)) == [
        "case.assign_officers"]


def test_an_event_records_where_the_action_came_from(world: World) -> None:
    with origin(Origin(channel="cli", client_ip="10.1.2.3", user_agent="lawtrail-cli")) as where, written() as w:
        register_case(world)
    event = w.events[0]
    assert (event.channel, event.client_ip, event.user_agent, event.request_id) == (
        "cli", "10.1.2.3", "lawtrail-cli", where.request_id)
    assert event.occurred_at == timez.now()


def test_an_event_keeps_the_actors_name_when_the_user_is_renamed_later(world: World) -> None:
    with written() as w:
        register_case(world)
    User.objects.filter(pk=world.alice.pk).update(full_name="艾丽丝")
    assert DomainEvent.objects.get(pk=w.events[0].pk).actor_name == "艾丽"


# ---------------------------------------------------------------- refusals


TRACKED = (Case, Approval, CaseTransition, Complaint, Inspection, Party, Service)


def rows() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in TRACKED}
    counts["numbers drawn"] = sum(CaseNumberCounter.objects.values_list("last_seq", flat=True))
    counts["case versions"] = sum(Case.objects.values_list("version", flat=True))
    return counts


Attempt = Callable[[], object]


def _outsider_moves_the_case(w: World) -> Attempt:
    case = advance(w, register_case(w), Stage.FILED)
    return lambda: do_transition_case(case, to=Stage.INVESTIGATING, actor=w.bob)


def _illegal_transition(w: World) -> Attempt:
    case = advance(w, register_case(w), Stage.FILED)
    return lambda: do_transition_case(case, to=Stage.CLOSED, actor=w.alice)


def _guard_fails(w: World) -> Attempt:
    case = advance(w, register_case(w), Stage.REVIEWING)
    return lambda: do_transition_case(case, to=Stage.SERVING, actor=w.alice)


def _opinion_out_of_turn(w: World) -> Attempt:
    case = advance(w, register_case(w), Stage.FILED)
    return lambda: do_give_approval(case, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="同意",
                                    actor=w.hank)


def _inspection_without_case_title(w: World) -> Attempt:
    now = timez.now()
    return lambda: do_record_inspection(
        unit=w.unit_a, party=w.company, place="工地", started_at=now - dt.timedelta(hours=1), ended_at=now,
        officers=[w.andy], findings="发现拖欠", outcome=InspectionOutcome.OPEN_CASE, case_title="",
        handler_opinion="建议立案", actor=w.alice)


def _complaint_accepted_with_a_reviewer_as_handler(w: World) -> Attempt:
    complaint = do_register_complaint(unit=w.unit_a, kind=ComplaintKind.REPORT, respondent=w.company,
                                      facts="拖欠工资", anonymous=True, actor=w.alice)
    return lambda: do_decide_complaint(complaint, outcome=ComplaintStatus.ACCEPTED, title="拖欠工资",
                                       handler=w.lena, handler_opinion="建议立案", actor=w.alice)


def _duplicate_party(w: World) -> Attempt:
    return lambda: do_create_party(kind=PartyKind.PERSON, name="李四", id_number=w.person.id_number, actor=w.alice)


REFUSALS: dict[str, tuple[Callable[[World], Attempt], str, str]] = {
    "an outsider moves the case": (_outsider_moves_the_case, "case.transition", "not_allowed_to_move"),
    "an illegal transition": (_illegal_transition, "case.transition", "illegal_transition"),
    "a failed guard": (_guard_fails, "case.transition", "guard_failed"),
    "an opinion out of turn": (_opinion_out_of_turn, "case.approve", "approval_not_expected"),
    "an inspection whose case has no title": (_inspection_without_case_title, "inspection.record", "missing_field"),
    "a complaint handed to a non-officer": (_complaint_accepted_with_a_reviewer_as_handler, "complaint.decide",
                                            "invalid_handler"),
    "a duplicate party": (_duplicate_party, "party.create", "party_exists"),
}


@pytest.mark.parametrize("what", list(REFUSALS))
def test_a_refused_action_writes_one_refused_event_and_leaves_nothing_half_saved(world: World, what: str) -> None:
    prepare, action, code = REFUSALS[what]
    attempt = prepare(world)
    before = rows()
    with written() as w, pytest.raises(DomainError) as err:
        attempt()
    assert rows() == before
    assert len(w.events) == 1
    event = w.events[0]
    assert (event.action, event.outcome, event.reason_code, event.reason) == (
        action, "refused", code, err.value.message)
    assert err.value.code == code
    assert event.actor_name and event.agency_id_frozen == world.agency.pk


def test_a_refusal_on_a_case_is_filed_under_that_case(world: World) -> None:
    case = advance(world, register_case(world), Stage.FILED)
    with written() as w, pytest.raises(DomainError):
        do_transition_case(case, to=Stage.CLOSED, actor=world.bob)
    assert (w.events[0].case_id_frozen, w.events[0].object_type, w.events[0].object_id) == (
        case.pk, "cases.case", str(case.pk))
    assert w.events[0].actor == world.bob


def test_a_refused_creation_names_what_was_attempted(world: World) -> None:
    with written() as w, pytest.raises(DomainError):
        do_create_party(kind=PartyKind.PERSON, name="王五", id_number="123", actor=world.alice)
    assert (w.events[0].object_type, w.events[0].object_id, w.events[0].case_id_frozen) == ("party", "-", None)
