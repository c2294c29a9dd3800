"""A case's way from registration to archive, and the moves the stage machine refuses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from time_machine import TimeMachineFixture

from lawtrail.accounts.models import User
from lawtrail.cases import workflow
from lawtrail.cases.actions import (
    do_give_approval,
    do_record_decision,
    do_record_service,
    do_register_case,
    do_transition_case,
)
from lawtrail.cases.choices import ApprovalKind, CaseSource, DecisionKind, ServiceMethod, Stage
from lawtrail.cases.models import Approval, Case, CaseNumberCounter
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import (
    DECISION_DOCUMENT_FIELDS,
    advance,
    approve_decision,
    archive,
    beijing,
    decision_document_id,
    draft_decision,
    file_case,
    notify_rights,
    record_service,
    register_case,
    sign_receipt,
)

NOW = beijing(2026, 3, 10, 10, 0)


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def agri(db: None) -> World:
    return build_world("agriculture", name="测试区农业农村局")


@pytest.fixture
def safety(db: None) -> World:
    return build_world("safety-production", name="测试市安全生产监督管理局")


def stages(case: Case) -> list[tuple[str, str]]:
    return [(t.from_stage, t.to_stage) for t in case.transitions.all()]


# ---------------------------------------------------------------- the whole way


def test_a_general_procedure_case_runs_from_registration_to_archive(world: World,
                                                                    clock: TimeMachineFixture) -> None:
    case = register_case(world)
    assert case.stage == Stage.REGISTERED
    assert case.number is None
    assert set(case.officers.all()) == {world.alice, world.andy}

    clock.shift(dt.timedelta(hours=2))
    do_give_approval(case, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="同意立案", actor=world.hank)
    case.refresh_from_db()
    assert case.stage == Stage.FILED
    assert case.number == "测劳监立〔2026〕第1号"
    assert case.filed_at == timez.now()

    clock.shift(dt.timedelta(days=1))
    do_transition_case(case, to=Stage.INVESTIGATING, actor=world.alice)
    clock.shift(dt.timedelta(days=10))
    notify_rights(case)  # before a penalty decision (《行政处罚法》第四十四条)
    do_transition_case(case, to=Stage.REVIEWING, fields={"investigation_summary": "查明拖欠工资8万元属实"},
                       actor=world.alice)
    assert case.investigation_summary == "查明拖欠工资8万元属实"

    clock.shift(dt.timedelta(days=1))
    do_record_decision(case, kind=DecisionKind.PENALTY, text="罚款2万元", basis="《劳动保障监察条例》第二十六条",
                       penalty_amount=Decimal("20000"), document_fields=DECISION_DOCUMENT_FIELDS, actor=world.alice)
    clock.shift(dt.timedelta(hours=3))
    do_give_approval(case, kind=ApprovalKind.LEGAL_REVIEW, approved=True, opinion="合法", actor=world.lena)
    clock.shift(dt.timedelta(hours=3))
    do_give_approval(case, kind=ApprovalKind.DECISION_HEAD, approved=True, opinion="同意", actor=world.hank)
    do_transition_case(case, to=Stage.SERVING, actor=world.alice)

    clock.shift(dt.timedelta(days=2))
    service = do_record_service(case, document_id=decision_document_id(case), method=ServiceMethod.DIRECT,
                                served_at=timez.now(), recipient="张三", actor=world.andy)
    sign_receipt(case, service, actor=world.andy)
    clock.shift(dt.timedelta(days=15))
    do_transition_case(case, to=Stage.CLOSED, fields={"execution_result": "罚款已缴纳"}, actor=world.alice)
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED
    assert case.closed_at == timez.now()
    assert case.execution_result == "罚款已缴纳"
    assert case.archive_due_at == case.closed_at + dt.timedelta(days=30)

    clock.shift(dt.timedelta(days=5))
    archive(world, case)
    assert case.stage == Stage.ARCHIVED
    assert case.archived_at == timez.now()
    assert stages(case) == [
        ("registered", "filed"), ("filed", "investigating"), ("investigating", "reviewing"),
        ("reviewing", "serving"), ("serving", "closed"), ("closed", "archived"),
    ]
    assert [(a.kind, a.by_name) for a in case.approvals.all()] == [
        ("filing.head", "汉克"), ("decision.legal_review", "莉娜"), ("decision.head", "汉克"),
    ]


def test_the_case_officers_may_not_archive_only_the_archivist_may(world: World) -> None:
    case = advance(world, register_case(world), Stage.CLOSED)
    for officer in (world.alice, world.andy, world.hank):
        with pytest.raises(Forbidden) as err:
            do_transition_case(case, to=Stage.ARCHIVED, actor=officer)
        assert err.value.code == "not_allowed_to_move"
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED
    archive(world, case)
    assert Case.objects.get(pk=case.pk).stage == Stage.ARCHIVED


def test_a_case_is_archived_only_by_binding_its_case_file(world: World) -> None:
    # 立卷归档: the archivist's check and binding of the assembled file is the archiving; a bare
    # stage change would leave an archived case without its 案卷.
    case = advance(world, register_case(world), Stage.CLOSED)
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.ARCHIVED, actor=world.archie)
    assert err.value.code == "guard_failed" and "装订案卷" in err.value.message
    from lawtrail.archive.actions import do_assemble_case_file

    do_assemble_case_file(case, actor=case.handler)
    case.refresh_from_db()
    with pytest.raises(Conflict):  # assembled is not enough: the archivist checks and binds it
        do_transition_case(case, to=Stage.ARCHIVED, actor=world.archie)
    assert Case.objects.get(pk=case.pk).stage == Stage.CLOSED
    assert archive(world, case).stage == Stage.ARCHIVED and case.case_file.is_bound


# ---------------------------------------------------------------- archive deadlines


def test_the_archive_is_due_30_calendar_days_after_closing_under_labor_inspection(
        world: World, clock: TimeMachineFixture) -> None:
    case = advance(world, register_case(world), Stage.SERVING)
    clock.move_to(beijing(2026, 9, 28, 16, 30), tick=False)
    case = advance(world, case, Stage.CLOSED)
    # The National Day holidays count: the period is in calendar days.
    assert case.archive_due_at == beijing(2026, 10, 28, 16, 30)


@pytest.mark.parametrize(("closed", "due"), [
    # 30 working days skip 清明 (Mon 6 April): a plain Monday-to-Friday count would say 13 April.
    (beijing(2026, 3, 2, 10, 0), beijing(2026, 4, 14, 10, 0)),
    # Around 中秋 and 国庆: the make-up Sundays/Saturdays (20 Sept, 10 Oct) count, the holidays do not.
    (beijing(2026, 9, 18, 10, 0), beijing(2026, 11, 5, 10, 0)),
])
def test_the_archive_is_due_30_working_days_after_closing_under_safety_production(
        safety: World, clock: TimeMachineFixture, closed: dt.datetime, due: dt.datetime) -> None:
    clock.move_to(closed - dt.timedelta(days=20), tick=False)
    case = advance(safety, register_case(safety), Stage.SERVING)
    clock.move_to(closed, tick=False)
    case = advance(safety, case, Stage.CLOSED)
    assert case.closed_at == closed
    assert case.archive_due_at == due


def test_it_estimates_a_working_day_deadline_in_a_year_whose_holidays_are_unknown(
        safety: World, clock: TimeMachineFixture) -> None:
    # chinese_calendar knows no year after 2026 yet: closing must still work, and say the
    # deadline is an estimate (Monday to Friday) rather than pretend to know the holidays.
    clock.move_to(beijing(2026, 11, 10), tick=False)
    case = advance(safety, register_case(safety), Stage.SERVING)
    clock.move_to(beijing(2026, 12, 1), tick=False)
    record_service(case)
    do_transition_case(case, to=Stage.CLOSED, fields={"execution_result": "已执行"}, actor=safety.alice)
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED
    assert case.archive_due_at is not None
    if timez.calendar_knows(dt.date(2027, 1, 1)):
        assert not case.archive_due_estimated
    else:
        assert case.archive_due_estimated
        # 2026-12-01 plus 30 weekdays: December's remaining 22, then 8 in January.
        assert timez.beijing(case.archive_due_at).date() == dt.date(2027, 1, 12)


# ---------------------------------------------------------------- what each move needs


def test_it_refuses_review_without_an_investigation_summary(world: World) -> None:
    case = advance(world, register_case(world), Stage.INVESTIGATING)
    for fields in ({}, {"investigation_summary": "   "}):
        with pytest.raises(InvalidInput) as err:
            do_transition_case(case, to=Stage.REVIEWING, fields=fields, actor=world.alice)
        assert err.value.code == "missing_field"
        assert err.value.detail == {"field": "investigation_summary"}
    assert Case.objects.get(pk=case.pk).stage == Stage.INVESTIGATING


def test_it_refuses_serving_before_a_decision_is_drafted(world: World) -> None:
    case = advance(world, register_case(world), Stage.REVIEWING)
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.SERVING, actor=world.alice)
    assert err.value.code == "guard_failed"
    assert "尚未拟定处理决定" in err.value.message


def test_it_refuses_serving_until_legal_review_and_head_approval_are_both_given(world: World) -> None:
    case = advance(world, register_case(world), Stage.REVIEWING)
    draft_decision(case)
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.SERVING, actor=world.alice)
    assert err.value.code == "guard_failed"
    assert "法制审核意见" in err.value.message

    do_give_approval(case, kind=ApprovalKind.LEGAL_REVIEW, approved=True, opinion="合法", actor=world.lena)
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.SERVING, actor=world.alice)
    assert err.value.code == "guard_failed"
    assert "负责人审批意见" in err.value.message

    do_give_approval(case, kind=ApprovalKind.DECISION_HEAD, approved=True, opinion="同意", actor=world.hank)
    do_transition_case(case, to=Stage.SERVING, actor=world.alice)
    assert Case.objects.get(pk=case.pk).stage == Stage.SERVING


def test_the_head_approves_a_decision_only_after_its_legal_review(world: World) -> None:
    case = advance(world, register_case(world), Stage.REVIEWING)
    draft_decision(case)
    with pytest.raises(Conflict) as err:
        do_give_approval(case, kind=ApprovalKind.DECISION_HEAD, approved=True, opinion="同意", actor=world.hank)
    assert err.value.code == "approval_not_expected"
    assert not case.approvals.filter(kind__startswith="decision.").exists()


def test_no_decision_opinion_is_expected_before_a_decision_is_drafted(world: World) -> None:
    case = advance(world, register_case(world), Stage.REVIEWING)
    with pytest.raises(Conflict) as err:
        do_give_approval(case, kind=ApprovalKind.LEGAL_REVIEW, approved=True, opinion="合法", actor=world.lena)
    assert err.value.code == "approval_not_expected"


def test_a_refused_legal_review_keeps_the_case_waiting_for_one(world: World) -> None:
    case = advance(world, register_case(world), Stage.REVIEWING)
    draft_decision(case)
    do_give_approval(case, kind=ApprovalKind.LEGAL_REVIEW, approved=False, opinion="依据引用错误", actor=world.lena)
    assert workflow.pending_approval_kinds(case) == [ApprovalKind.LEGAL_REVIEW]
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.SERVING, actor=world.alice)
    assert err.value.code == "guard_failed"


def test_redrafting_a_decision_invalidates_its_earlier_approvals(world: World, clock: TimeMachineFixture) -> None:
    case = advance(world, register_case(world), Stage.REVIEWING)
    draft_decision(case, text="罚款2万元")
    clock.shift(dt.timedelta(hours=1))
    approve_decision(world, case)
    clock.shift(dt.timedelta(hours=1))
    draft_decision(case, text="罚款3万元")

    assert workflow.pending_approval_kinds(case) == [ApprovalKind.LEGAL_REVIEW]
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.SERVING, actor=world.alice)
    assert err.value.code == "guard_failed"

    clock.shift(dt.timedelta(hours=1))
    approve_decision(world, case)
    do_transition_case(case, to=Stage.SERVING, actor=world.alice)
    case.refresh_from_db()
    assert case.stage == Stage.SERVING
    assert case.decision_text == "罚款3万元"


def test_it_refuses_a_decision_outside_the_review_stage(world: World) -> None:
    case = advance(world, register_case(world), Stage.INVESTIGATING)
    with pytest.raises(Conflict) as err:
        draft_decision(case)
    assert err.value.code == "wrong_stage"
    assert Case.objects.get(pk=case.pk).decided_at is None


def test_it_refuses_to_redraft_a_decision_from_a_stale_copy_once_the_case_has_moved_on(world: World) -> None:
    case = advance(world, register_case(world), Stage.REVIEWING)
    stale = Case.objects.get(pk=case.pk)  # the decision form was opened while the case was in review
    advance(world, Case.objects.get(pk=case.pk), Stage.SERVING)

    with pytest.raises(Conflict) as err:
        draft_decision(stale, text="改为罚款5千元")
    assert err.value.code == "stale_case"
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.stage == Stage.SERVING
    assert fresh.decision_text == "责令限期支付拖欠工资"  # as approved by advance()


def test_a_decision_redrafted_meanwhile_cannot_be_served_on_the_strength_of_the_old_approvals(
        world: World, clock: TimeMachineFixture) -> None:
    case = advance(world, register_case(world), Stage.REVIEWING)
    draft_decision(case, text="罚款2万元")
    approve_decision(world, case)
    before_redraft = Case.objects.get(pk=case.pk)  # its decision is approved
    clock.shift(dt.timedelta(minutes=10))
    draft_decision(case, text="罚款3万元")

    with pytest.raises(Conflict) as err:
        do_transition_case(before_redraft, to=Stage.SERVING, actor=world.andy)
    assert err.value.code == "stale_case"
    assert Case.objects.get(pk=case.pk).stage == Stage.REVIEWING


def test_a_penalty_decision_needs_a_positive_amount(world: World) -> None:
    case = advance(world, register_case(world), Stage.REVIEWING)
    for amount in (None, Decimal("0")):
        with pytest.raises(InvalidInput) as err:
            do_record_decision(case, kind=DecisionKind.PENALTY, text="罚款", basis="第二十六条",
                               penalty_amount=amount, actor=world.alice)
        assert err.value.detail == {"field": "penalty_amount"}


def test_it_refuses_closing_without_a_service_record(world: World) -> None:
    case = advance(world, register_case(world), Stage.SERVING)
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.CLOSED, fields={"execution_result": "已执行"}, actor=world.alice)
    assert err.value.code == "guard_failed"
    record_service(case)
    with pytest.raises(InvalidInput) as missing:
        do_transition_case(case, to=Stage.CLOSED, actor=world.alice)
    assert missing.value.detail == {"field": "execution_result"}
    do_transition_case(case, to=Stage.CLOSED, fields={"execution_result": "已执行"}, actor=world.alice)
    assert Case.objects.get(pk=case.pk).stage == Stage.CLOSED


def test_it_refuses_a_service_served_in_the_future_or_lodged_without_witnesses(world: World) -> None:
    case = advance(world, register_case(world), Stage.SERVING)
    with pytest.raises(InvalidInput) as err:
        do_record_service(case, document_id=decision_document_id(case), method=ServiceMethod.DIRECT,
                          served_at=timez.now() + dt.timedelta(hours=1), recipient="张三", actor=world.alice)
    assert err.value.code == "time_in_future"
    with pytest.raises(InvalidInput) as err:
        do_record_service(case, document_id=decision_document_id(case), method=ServiceMethod.LODGED,
                          served_at=timez.now(), recipient="张三", note="见证人:王五", actor=world.alice)
    assert err.value.detail == {"field": "refusal"}
    assert not case.services.exists()


def test_a_transition_from_a_stale_copy_of_the_case_is_refused(world: World) -> None:
    case = advance(world, register_case(world), Stage.FILED)
    stale = Case.objects.get(pk=case.pk)
    do_transition_case(case, to=Stage.INVESTIGATING, actor=world.alice)
    with pytest.raises(Conflict) as err:
        do_transition_case(stale, to=Stage.INVESTIGATING, actor=world.andy)
    assert err.value.code == "stale_case"
    assert stages(case) == [("registered", "filed"), ("filed", "investigating")]


# ---------------------------------------------------------------- illegal transitions and rejection


@pytest.mark.parametrize(("at", "to"), [
    (Stage.REGISTERED, Stage.FILED),
    (Stage.REGISTERED, Stage.INVESTIGATING),
    (Stage.REGISTERED, Stage.CLOSED),
    (Stage.FILED, Stage.REVIEWING),
    (Stage.FILED, Stage.ARCHIVED),
    (Stage.INVESTIGATING, Stage.SERVING),
    (Stage.INVESTIGATING, Stage.FILED),
    (Stage.REVIEWING, Stage.CLOSED),
    (Stage.SERVING, Stage.ARCHIVED),
    (Stage.CLOSED, Stage.SERVING),
    (Stage.ARCHIVED, Stage.CLOSED),
    (Stage.FILED, "bogus"),
])
def test_it_refuses_illegal_transitions(world: World, at: Stage, to: str) -> None:
    case = advance(world, register_case(world), at)
    actor = world.archie if at == Stage.CLOSED else world.alice
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=to, actor=actor)
    assert err.value.code == "illegal_transition"
    assert err.value.detail == {"from": at, "to": to}
    assert Case.objects.get(pk=case.pk).stage == at


def test_a_rejected_filing_opinion_sends_the_case_to_not_filed(world: World) -> None:
    case = register_case(world)
    do_give_approval(case, kind=ApprovalKind.FILING_HEAD, approved=False, opinion="证据不足,不予立案",
                     actor=world.hank)
    case.refresh_from_db()
    assert case.stage == Stage.NOT_FILED
    assert case.number is None
    assert stages(case) == [("registered", "not_filed")]
    assert not CaseNumberCounter.objects.exists()


def test_a_case_not_filed_goes_nowhere_and_waits_for_no_opinion(world: World) -> None:
    case = register_case(world)
    do_give_approval(case, kind=ApprovalKind.FILING_HEAD, approved=False, opinion="不予立案", actor=world.hank)
    case.refresh_from_db()
    with pytest.raises(Conflict) as err:
        do_give_approval(case, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="改为同意", actor=world.hank)
    assert err.value.code == "approval_not_expected"
    for to in (Stage.FILED, Stage.INVESTIGATING, Stage.ARCHIVED):
        with pytest.raises(Conflict) as illegal:
            do_transition_case(case, to=to, actor=world.archie if to == Stage.ARCHIVED else world.alice)
        assert illegal.value.code == "illegal_transition"


def test_a_filing_opinion_cannot_be_given_twice(world: World) -> None:
    case = advance(world, register_case(world), Stage.FILED)
    with pytest.raises(Conflict) as err:
        do_give_approval(case, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="同意", actor=world.hank)
    assert err.value.code == "approval_not_expected"
    assert case.approvals.count() == 1


# ---------------------------------------------------------------- agriculture: two opinions, two officers


def test_agriculture_filing_needs_the_unit_head_and_then_the_agency_head(agri: World) -> None:
    case = register_case(agri)
    do_give_approval(case, kind=ApprovalKind.FILING_UNIT_HEAD, approved=True, opinion="拟同意", actor=agri.uma)
    case.refresh_from_db()
    assert case.stage == Stage.REGISTERED
    assert case.number is None
    assert workflow.pending_approval_kinds(case) == [ApprovalKind.FILING_HEAD]

    do_give_approval(case, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="同意", actor=agri.hank)
    case.refresh_from_db()
    assert case.stage == Stage.FILED
    assert case.number == "测劳监立〔2026〕第1号"
    assert [a.kind for a in case.approvals.all()] == ["filing.unit_head", "filing.head"]


def test_agriculture_refuses_the_agency_heads_opinion_before_the_unit_heads(agri: World) -> None:
    case = register_case(agri)
    with pytest.raises(Conflict) as err:
        do_give_approval(case, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="同意", actor=agri.hank)
    assert err.value.code == "approval_not_expected"
    assert not Approval.objects.filter(case=case).exists()
    assert Case.objects.get(pk=case.pk).stage == Stage.REGISTERED


def test_agriculture_refuses_investigation_by_a_single_officer(agri: World) -> None:
    case = file_case(agri, register_case(agri, officers=[]))
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.INVESTIGATING, actor=agri.alice)
    assert err.value.code == "guard_failed"
    assert "不得少于2人" in err.value.message
    assert "第九条" in err.value.message
    assert Case.objects.get(pk=case.pk).stage == Stage.FILED


def expire_cert(user: User, on: dt.date) -> None:
    User.objects.filter(pk=user.pk).update(cert_valid_until=on)


def test_agriculture_does_not_count_an_officer_whose_cert_has_expired(agri: World) -> None:
    expire_cert(agri.andy, dt.date(2025, 12, 31))
    case = file_case(agri, register_case(agri, officers=[agri.andy]))
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.INVESTIGATING, actor=agri.alice)
    assert err.value.code == "guard_failed"
    assert "当前1人" in err.value.message


def test_an_officer_whose_cert_expired_after_registration_no_longer_counts(
        agri: World, clock: TimeMachineFixture) -> None:
    expire_cert(agri.andy, dt.date(2026, 3, 15))
    case = file_case(agri, register_case(agri, officers=[agri.andy]))
    clock.move_to(beijing(2026, 3, 16, 9, 0), tick=False)
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.INVESTIGATING, actor=agri.alice)
    assert err.value.code == "guard_failed"


def test_a_cert_valid_from_today_counts_in_the_early_beijing_morning(agri: World, clock: TimeMachineFixture) -> None:
    # 07:00 in Beijing is still yesterday in UTC: the day that counts is Beijing's.
    User.objects.filter(pk=agri.andy.pk).update(cert_valid_from=dt.date(2026, 3, 11))
    clock.move_to(beijing(2026, 3, 11, 7, 0), tick=False)
    case = file_case(agri, register_case(agri, officers=[agri.andy]))
    do_transition_case(case, to=Stage.INVESTIGATING, actor=agri.alice)
    assert Case.objects.get(pk=case.pk).stage == Stage.INVESTIGATING


def test_agriculture_investigation_starts_with_two_certified_officers(agri: World) -> None:
    case = file_case(agri, register_case(agri, officers=[agri.andy]))
    do_transition_case(case, to=Stage.INVESTIGATING, actor=agri.andy)
    assert Case.objects.get(pk=case.pk).stage == Stage.INVESTIGATING


def test_labor_inspection_does_not_let_a_single_officer_investigate_the_national_law_says_two(world: World) -> None:
    # The labour rules say nothing of a minimum: 《行政处罚法》第四十二条 (the national base) does.
    case = file_case(world, register_case(world, officers=[]))
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.INVESTIGATING, actor=world.alice)
    assert err.value.code == "guard_failed"
    assert "不得少于2人" in err.value.message and "《中华人民共和国行政处罚法》第四十二条" in err.value.message
    assert Case.objects.get(pk=case.pk).stage == Stage.FILED


def test_the_served_document_is_picked_from_the_cases_issued_documents_never_typed(world: World) -> None:
    case = advance(world, register_case(world), Stage.SERVING)
    filing_form = case.documents.get(type_code="filing_approval_form")
    for wrong in (0, filing_form.pk, 10**9):  # nothing, an internal form, another case's or no document
        with pytest.raises(InvalidInput) as err:
            do_record_service(case, document_id=wrong, method=ServiceMethod.DIRECT, served_at=timez.now(),
                              recipient="张三", actor=world.alice)
        assert err.value.detail == {"field": "document_id"}
    assert not case.services.exists()
    service = do_record_service(case, document_id=decision_document_id(case), method=ServiceMethod.DIRECT,
                                served_at=timez.now(), recipient="张三", actor=world.alice)
    decision = case.documents.get(type_code="penalty_decision")
    assert service.document == f"行政处罚(处理)决定书 {decision.number}" and service.document_ref == decision.pk


# ---------------------------------------------------------------- emergency start (先行启动)


@pytest.mark.parametrize(("profile_id", "hours"), [("labor-inspection", 48), ("agriculture", 24)])
def test_an_emergency_start_files_the_case_at_once_with_its_approval_due_within_the_profiles_hours(
        db: None, profile_id: str, hours: int) -> None:
    w = build_world(profile_id)
    case = register_case(w, emergency=True, emergency_reason="当事人正在转移财产")
    assert case.stage == Stage.FILED
    assert case.number == "测劳监立〔2026〕第1号"
    assert case.filed_at == NOW
    assert case.approval_due_at == NOW + dt.timedelta(hours=hours)


def test_safety_production_has_no_emergency_start(safety: World) -> None:
    with pytest.raises(InvalidInput) as err:
        register_case(safety, emergency=True, emergency_reason="情况紧急")
    assert err.value.code == "emergency_not_provided"
    assert not Case.objects.exists()
    assert not CaseNumberCounter.objects.filter(last_seq__gt=0).exists()


def test_an_emergency_start_needs_its_reason(world: World) -> None:
    with pytest.raises(InvalidInput) as err:
        register_case(world, emergency=True, emergency_reason=" ")
    assert err.value.detail == {"field": "emergency_reason"}
    assert not Case.objects.exists()


def test_an_emergency_case_may_investigate_but_not_go_to_review_before_its_approval(agri: World) -> None:
    case = register_case(agri, officers=[agri.andy], emergency=True, emergency_reason="现场正在销毁证据")
    do_transition_case(case, to=Stage.INVESTIGATING, actor=agri.alice)
    summary = {"investigation_summary": "已查明"}
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.REVIEWING, fields=summary, actor=agri.alice)
    assert err.value.code == "guard_failed"
    assert "承办机构意见" in err.value.message

    do_give_approval(case, kind=ApprovalKind.FILING_UNIT_HEAD, approved=True, opinion="补办同意", actor=agri.uma)
    do_give_approval(case, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="补办同意", actor=agri.hank)
    do_transition_case(case, to=Stage.REVIEWING, fields=summary, actor=agri.alice)
    case.refresh_from_db()
    assert case.stage == Stage.REVIEWING
    assert case.number == "测劳监立〔2026〕第1号"  # the approval does not number it a second time


def test_a_general_case_registered_by_a_unit_head_is_handled_by_the_named_handler(world: World) -> None:
    case = do_register_case(unit=world.unit_a, title="未签订劳动合同", source=CaseSource.INSPECTION,
                            party=world.person, facts="未与劳动者签订书面劳动合同", handler=world.alice,
                            handler_opinion="建议立案", actor=world.uma)
    assert case.handler == world.alice
    assert list(case.officers.all()) == [world.alice]
