"""Who sees what (`restrict`) and who may do what (actions refuse with Forbidden)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from lawtrail.accounts.actions import do_create_user
from lawtrail.accounts.models import Unit, User
from lawtrail.cases import hooks
from lawtrail.cases.actions import (
    SIMPLE_ITEMS,
    do_assign_officers,
    do_decide_complaint,
    do_decide_simple_case,
    do_give_approval,
    do_record_decision,
    do_record_inspection,
    do_record_service,
    do_register_case,
    do_register_complaint,
    do_transition_case,
)
from lawtrail.cases.choices import (
    ApprovalKind,
    CaseSource,
    ComplaintKind,
    ComplaintStatus,
    DecisionKind,
    InspectionOutcome,
    ServiceMethod,
    Stage,
)
from lawtrail.cases.models import Approval, Case, Complaint, Inspection, Party
from lawtrail.lib import timez
from lawtrail.lib.errors import Forbidden
from lawtrail.testing.personas import PASSWORD, World, build_world
from lawtrail.testing.scenarios import advance, draft_decision, register_case

PERSONAS = ["alice", "andy", "bob", "uma", "hank", "lena", "archie", "sam", "root"]


@dataclass
class Records:
    """One case, complaint and inspection in each unit."""

    case_a: Case
    case_b: Case
    complaint_a: Complaint
    complaint_b: Complaint
    inspection_a: Inspection
    inspection_b: Inspection


def unit_of(user: User) -> Unit:
    assert user.unit is not None
    return user.unit


def complaint_in(world: World, by: User) -> Complaint:
    return do_register_complaint(unit=unit_of(by), kind=ComplaintKind.REPORT, respondent=world.company,
                                 facts="未依法缴纳社会保险", anonymous=True, actor=by)


def inspection_in(world: World, by: User) -> Inspection:
    now = timez.now()
    return do_record_inspection(unit=unit_of(by), party=world.company, place="工地",
                                started_at=now - dt.timedelta(hours=2), ended_at=now - dt.timedelta(hours=1),
                                officers=[], findings="检查工资台账", outcome=InspectionOutcome.RECORD, actor=by)


def records_of(world: World) -> Records:
    return Records(
        case_a=register_case(world), case_b=register_case(world, by=world.bob),
        complaint_a=complaint_in(world, world.alice), complaint_b=complaint_in(world, world.bob),
        inspection_a=inspection_in(world, world.alice), inspection_b=inspection_in(world, world.bob),
    )


@pytest.fixture
def records(world: World) -> Records:
    return records_of(world)


def visible(user: User | AnonymousUser, r: Records) -> set[str]:
    """Which units' records `user` sees, checked model by model."""
    seen: dict[str, set[str]] = {}
    for model, a, b in ((Case, r.case_a, r.case_b), (Complaint, r.complaint_a, r.complaint_b),
                        (Inspection, r.inspection_a, r.inspection_b)):
        pks = set(model.objects.restrict(user).values_list("pk", flat=True))  # type: ignore[attr-defined]
        seen[model.__name__] = {unit for unit, obj in (("A", a), ("B", b)) if obj.pk in pks}
    assert seen["Case"] == seen["Complaint"] == seen["Inspection"], seen
    return seen["Case"]


# ---------------------------------------------------------------- seeing


@pytest.mark.parametrize(("persona", "units"), [
    ("alice", {"A"}), ("andy", {"A"}), ("uma", {"A"}),
    ("bob", {"B"}),
    ("hank", {"A", "B"}), ("lena", {"A", "B"}), ("archie", {"A", "B"}), ("sam", {"A", "B"}), ("root", {"A", "B"}),
])
def test_each_persona_sees_the_cases_complaints_and_inspections_of_their_units(
        world: World, records: Records, persona: str, units: set[str]) -> None:
    assert visible(getattr(world, persona), records) == units


def test_an_anonymous_visitor_sees_nothing(records: Records) -> None:
    assert visible(AnonymousUser(), records) == set()
    assert not Party.objects.restrict(AnonymousUser()).exists()


def test_a_user_of_no_agency_sees_nothing(world: World, records: Records) -> None:
    stray = do_create_user(username="stray", password=PASSWORD, full_name="无机关", agency=None, unit=None,
                           roles=[], actor=None)
    assert visible(stray, records) == set()


def test_organisations_are_shared_by_every_unit_a_person_by_the_unit_that_registered_them(world: World) -> None:
    assert set(Party.objects.restrict(world.bob)) == {world.company}
    assert set(Party.objects.restrict(world.andy)) == {world.company, world.person}


def test_another_agencys_users_see_nothing_of_the_first(world: World, records: Records) -> None:
    other = build_world(name="第二区劳动保障监察大队")
    records_of(other)
    for persona in PERSONAS:
        user = getattr(other, persona)
        assert visible(user, records) == set(), persona
        assert not Party.objects.restrict(user).filter(agency=world.agency).exists(), persona
    assert Case.objects.restrict(other.hank).count() == 2


def test_a_superuser_sees_every_agency(world: World, records: Records) -> None:
    other = build_world(name="第二区劳动保障监察大队")
    records_of(other)
    su = do_create_user(username="su", password=PASSWORD, full_name="超级管理员", agency=None, unit=None,
                        roles=[], is_superuser=True, actor=None)
    assert visible(su, records) == {"A", "B"}
    assert Case.objects.restrict(su).count() == 4


# ---------------------------------------------------------------- acting on alice's case

Attempt = Callable[[World, Case, User], object]


def _transition(w: World, case: Case, actor: User) -> object:
    return do_transition_case(case, to=Stage.INVESTIGATING, actor=actor)


def _decision(w: World, case: Case, actor: User) -> object:
    return do_record_decision(case, kind=DecisionKind.PENALTY, text="罚款", basis="第二十六条",
                              penalty_amount=Decimal("100"), actor=actor)


def _service(w: World, case: Case, actor: User) -> object:
    served = hooks.provided(hooks.SERVABLE_DOCUMENTS, case, default=[])
    return do_record_service(case, document_id=served[0][0] if served else 0, method=ServiceMethod.DIRECT,
                             served_at=timez.now(),
                             recipient="张三", actor=actor)


def _assign(w: World, case: Case, actor: User) -> object:
    return do_assign_officers(case, officers=[actor], actor=actor)


def _approve(w: World, case: Case, actor: User) -> object:
    return do_give_approval(case, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="同意", actor=actor)


def _close(w: World, case: Case, actor: User) -> object:
    return do_transition_case(case, to=Stage.CLOSED, fields={"execution_result": "已执行"}, actor=actor)


ON_THE_CASE: dict[str, tuple[Stage, Attempt, str]] = {
    "start the investigation": (Stage.FILED, _transition, "not_allowed_to_move"),
    "draft the decision": (Stage.REVIEWING, _decision, "not_case_officer"),
    "record a service": (Stage.SERVING, _service, "not_case_officer"),
    "close it": (Stage.SERVING, _close, "not_allowed_to_move"),
    "join its officers": (Stage.FILED, _assign, "not_case_officer"),
    "approve its filing": (Stage.REGISTERED, _approve, "not_approver"),
}


@pytest.mark.parametrize("persona", ["bob", "sam"])
@pytest.mark.parametrize("what", list(ON_THE_CASE))
def test_no_one_outside_the_case_may_act_on_it(world: World, persona: str, what: str) -> None:
    stage, attempt, code = ON_THE_CASE[what]
    case = advance(world, register_case(world), stage)
    before = (case.stage, case.version, Approval.objects.count())
    with pytest.raises(Forbidden) as err:
        attempt(world, case, getattr(world, persona))
    assert err.value.code == code
    case.refresh_from_db()
    assert (case.stage, case.version, Approval.objects.count()) == before
    assert not case.officers.filter(pk=getattr(world, persona).pk).exists()


def test_the_unit_head_may_add_officers_to_the_units_case(world: World) -> None:
    case = advance(world, register_case(world, officers=[]), Stage.FILED)
    do_assign_officers(case, officers=[world.andy], actor=world.uma)
    assert set(case.officers.all()) == {world.alice, world.andy}


def test_another_agencys_users_may_not_act_on_the_case(world: World) -> None:
    other = build_world(name="第二区劳动保障监察大队")
    case = register_case(world)
    for actor, attempt in ((other.hank, _approve), (other.alice, _transition), (other.root, _transition)):
        with pytest.raises(Forbidden) as err:
            attempt(world, case, actor)
        assert err.value.code == "other_agency"
    assert Case.objects.get(pk=case.pk).stage == Stage.REGISTERED


# ---------------------------------------------------------------- acting in unit A


def _register(w: World, actor: User) -> object:
    return do_register_case(unit=w.unit_a, title="拖欠工资", source=CaseSource.OTHER, party=w.company, facts="拖欠",
                            handler=w.alice, handler_opinion="建议立案", actor=actor)


def _complaint(w: World, actor: User) -> object:
    return do_register_complaint(unit=w.unit_a, kind=ComplaintKind.REPORT, respondent=w.company, facts="拖欠",
                                 anonymous=True, actor=actor)


def _decide_complaint(w: World, actor: User) -> object:
    complaint = complaint_in(w, w.alice)
    return do_decide_complaint(complaint, outcome=ComplaintStatus.NOT_ACCEPTED, reason="不属于受理范围",
                               actor=actor)


def _inspect(w: World, actor: User) -> object:
    now = timez.now()
    return do_record_inspection(unit=w.unit_a, party=w.company, place="工地", started_at=now - dt.timedelta(hours=1),
                                ended_at=now, officers=[], findings="检查", outcome=InspectionOutcome.RECORD,
                                actor=actor)


def _simple(w: World, actor: User) -> object:
    return do_decide_simple_case(unit=w.unit_a, party=w.person, title="未公示规章制度",
                                 items={k: "已记录" for k, _ in SIMPLE_ITEMS}, decision_text="警告",
                                 penalty_amount=None, paid_on_spot=False, officers=[], actor=actor)


IN_UNIT_A: dict[str, Callable[[World, User], object]] = {
    "register a case": _register, "register a complaint": _complaint, "decide a complaint": _decide_complaint,
    "record an inspection": _inspect, "decide a simple case": _simple,
}


@pytest.mark.parametrize("persona", ["bob", "sam", "lena", "archie"])
@pytest.mark.parametrize("what", list(IN_UNIT_A))
def test_only_the_units_officers_may_do_its_field_work(world: World, persona: str, what: str) -> None:
    counts = (Case.objects.count(), Inspection.objects.count())
    with pytest.raises(Forbidden) as err:
        IN_UNIT_A[what](world, getattr(world, persona))
    assert err.value.code == "not_officer"
    assert (Case.objects.count(), Inspection.objects.count()) == counts


# ---------------------------------------------------------------- approving


@pytest.mark.parametrize(("kind", "persona"), [
    (ApprovalKind.FILING_HEAD, "alice"), (ApprovalKind.FILING_HEAD, "uma"), (ApprovalKind.FILING_HEAD, "lena"),
    (ApprovalKind.FILING_HEAD, "archie"), (ApprovalKind.FILING_HEAD, "root"),
    (ApprovalKind.FILING_UNIT_HEAD, "alice"), (ApprovalKind.FILING_UNIT_HEAD, "bob"),
    (ApprovalKind.FILING_UNIT_HEAD, "lena"),
    (ApprovalKind.LEGAL_REVIEW, "alice"), (ApprovalKind.LEGAL_REVIEW, "hank"), (ApprovalKind.LEGAL_REVIEW, "uma"),
    (ApprovalKind.DECISION_HEAD, "alice"), (ApprovalKind.DECISION_HEAD, "uma"), (ApprovalKind.DECISION_HEAD, "lena"),
])
def test_only_approvers_may_give_an_opinion(db: None, kind: str, persona: str) -> None:
    agri = build_world("agriculture")
    case = register_case(agri)
    if kind.startswith("decision."):
        case = advance(agri, case, Stage.REVIEWING)
        draft_decision(case)
        if kind == ApprovalKind.DECISION_HEAD:
            do_give_approval(case, kind=ApprovalKind.LEGAL_REVIEW, approved=True, opinion="合法", actor=agri.lena)
    elif kind == ApprovalKind.FILING_HEAD:
        do_give_approval(case, kind=ApprovalKind.FILING_UNIT_HEAD, approved=True, opinion="拟同意", actor=agri.uma)
    approvals = Approval.objects.count()
    with pytest.raises(Forbidden) as err:
        do_give_approval(case, kind=kind, approved=True, opinion="同意", actor=getattr(agri, persona))
    assert err.value.code == "not_approver"
    assert Approval.objects.count() == approvals
