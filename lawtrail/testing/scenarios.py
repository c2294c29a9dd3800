"""Cases walked through the real actions, for tests.

Every helper acts as the persona the rules expect (alice handles, uma and hank approve,
lena reviews, archie archives) and returns the case as the database now holds it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lawtrail.accounts.models import Unit, User
from lawtrail.cases import hooks, workflow
from lawtrail.cases.actions import (
    do_give_approval,
    do_record_decision,
    do_record_follow_up,
    do_record_service,
    do_register_case,
    do_transition_case,
)
from lawtrail.cases.choices import ApprovalKind, CaseSource, DecisionKind, ServiceMethod, Stage
from lawtrail.cases.models import Case, Party, Service
from lawtrail.lib import timez
from lawtrail.testing.personas import World

# The order a general-procedure case goes through its stages.
LIFECYCLE = (
    Stage.REGISTERED, Stage.FILED, Stage.INVESTIGATING, Stage.REVIEWING, Stage.SERVING, Stage.CLOSED,
    Stage.ARCHIVED,
)


def beijing(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An aware moment given as a Beijing wall-clock time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=timez.BEIJING)


def register_case(
    world: World, *, by: User | None = None, unit: Unit | None = None, party: Party | None = None,
    officers: list[User] | None = None, emergency: bool = False, emergency_reason: str = "",
    title: str = "拖欠劳动者工资",
) -> Case:
    """Register a case handled by `by` (alice by default); alice's cases take andy along."""
    by = by or world.alice
    unit = unit or (by.unit if by.unit is not None else world.unit_a)
    if officers is None:
        officers = [world.andy] if by.pk == world.alice.pk else []
    return do_register_case(
        unit=unit, title=title, source=CaseSource.COMPLAINT, party=party or world.company,
        facts="2026年1月至3月拖欠12名劳动者工资共计8万元", handler=by, officers=officers,
        handler_opinion="建议立案调查", emergency=emergency, emergency_reason=emergency_reason, actor=by,
    )


def filing_approver(world: World, case: Case, kind: str) -> User:
    if kind == ApprovalKind.FILING_UNIT_HEAD and case.unit_id == world.unit_a.pk:
        return world.uma
    if kind == ApprovalKind.FILING_LEGAL_REVIEW:
        return world.lena  # the legal office reviews a 重大行政执法行为's start
    return world.hank


def file_case(world: World, case: Case) -> Case:
    """Give every filing opinion the profile asks for and the case still lacks, in order."""
    for kind in workflow.missing_filing_approvals(case, workflow.profile_of(case)):
        do_give_approval(case, kind=kind, approved=True, opinion="同意立案", actor=filing_approver(world, case, kind))
    case.refresh_from_db()
    return case


# What a 行政处罚决定书 says beyond the decision itself (the rest comes from the case, or the law's defaults).
DECISION_DOCUMENT_FIELDS = {"evidence": ["工资支付台账", "劳动者询问笔录"], "circumstances": "无从重、从轻、减轻处罚情形"}


def draft_decision(case: Case, *, text: str = "责令限期支付拖欠工资", actor: User | None = None) -> Case:
    return do_record_decision(
        case, kind=DecisionKind.PENALTY, text=text, basis="《劳动保障监察条例》第二十六条",
        penalty_amount=Decimal("20000.00"), document_fields=DECISION_DOCUMENT_FIELDS, actor=actor or case.handler,
    )


def approve_decision(world: World, case: Case) -> None:
    do_give_approval(case, kind=ApprovalKind.LEGAL_REVIEW, approved=True, opinion="事实清楚,依据正确",
                     actor=world.lena)
    do_give_approval(case, kind=ApprovalKind.DECISION_HEAD, approved=True, opinion="同意", actor=world.hank)


def decision_document_id(case: Case) -> int:
    """The case's issued decision document, as the service step offers it."""
    for pk, label in hooks.provided(hooks.SERVABLE_DOCUMENTS, case, default=[]):
        if "决定书" in label:
            return int(pk)
    raise AssertionError(f"{case.label} has no issued decision document to serve")


def record_service(case: Case, *, actor: User | None = None, sign: bool = True) -> Service:
    """Serve the decision document directly; the party signs the 送达回证 the service produced."""
    service = do_record_service(case, document_id=decision_document_id(case), method=ServiceMethod.DIRECT,
                                served_at=timez.now(), recipient="张三", actor=actor or case.handler)
    if sign:
        sign_receipt(case, service, actor=actor or case.handler)
    return service


def sign_receipt(case: Case, service: Service, *, actor: User) -> None:
    """The recipient's handwritten signature on the service's 送达回证 (taken on the officer's tablet)."""
    from lawtrail.documents.actions import do_record_hand_signature
    from lawtrail.documents.signing import slot_states
    from lawtrail.documents.steps import act_document, service_act
    from lawtrail.testing.documents import handwriting_png

    receipt = act_document(case, service_act(service.pk))
    assert receipt is not None
    for state in slot_states(receipt):
        if state.slot.role == "party" and not state.complete:
            do_record_hand_signature(receipt, slot=state.slot.key, name=service.recipient, image=handwriting_png(),
                                     fingerprint=state.slot.fingerprint, actor=actor)


def notify_rights(case: Case, *, actor: User | None = None) -> None:
    """权利告知书, issued and signed for by the party, unless the case has told its rights already:
    before a penalty decision the party is told its rights (《行政处罚法》第四十四条; without it no
    penalty decision may be made, 第六十二条)."""
    from lawtrail.documents.actions import do_create_document, do_issue_document, do_update_document
    from lawtrail.documents.catalogue import get_type
    from lawtrail.documents.models import Document
    from lawtrail.testing.documents import sample_fields, sign_all

    told = Document.objects.filter(case=case, status="issued", type_code__in=("rights_notice", "inquiry_record"))
    if any(d.type_code == "rights_notice" or (d.fields or {}).get("rights_told") for d in told):
        return  # told already: by a 权利告知书, or recorded in a 询问笔录
    actor = actor or case.handler
    doc = do_create_document(case, type_code="rights_notice", actor=actor)
    fields = {**sample_fields(get_type("rights_notice"), prefilled=doc.fields),
              "av_exempt_reason": "书面告知,当事人到机关签收"}
    doc = do_update_document(doc, fields=fields, actor=actor)
    sign_all(do_issue_document(doc, actor=actor), list(case.officers.all()))


def advance(world: World, case: Case, to: Stage) -> Case:
    """Walk `case` forward through the lifecycle until it reaches `to`."""
    target = LIFECYCLE.index(to)
    while LIFECYCLE.index(Stage(case.stage)) < target:
        stage = Stage(case.stage)
        if stage == Stage.REGISTERED:
            case = file_case(world, case)
            continue
        if stage == Stage.FILED:
            do_transition_case(case, to=Stage.INVESTIGATING, actor=case.handler)
        elif stage == Stage.INVESTIGATING:
            notify_rights(case)
            do_transition_case(case, to=Stage.REVIEWING, fields={"investigation_summary": "查明拖欠工资属实"},
                               actor=case.handler)
        elif stage == Stage.REVIEWING:
            draft_decision(case)
            approve_decision(world, case)
            do_transition_case(case, to=Stage.SERVING, actor=case.handler)
        elif stage == Stage.SERVING:
            record_service(case)
            if "follow_up_checks" in workflow.profile_of(case).rules:
                # The regulation asks for the 履行情况 check before the case is closed.
                do_record_follow_up(case, kind="performance", checked_at=timez.now(), result="已全额支付",
                                    fulfilled=True, actor=case.handler)
            do_transition_case(case, to=Stage.CLOSED, fields={"execution_result": "已全额支付"},
                               actor=case.handler)
        elif stage == Stage.CLOSED:
            archive(world, case)
        case.refresh_from_db()
    return case


def archive(world: World, case: Case) -> Case:
    """立卷归档 as it is done: the handler assembles the case file, the archivist binds it,
    which archives the case."""
    from lawtrail.archive.actions import do_assemble_case_file, do_bind_case_file

    case_file = do_assemble_case_file(case, actor=case.handler)
    do_bind_case_file(case_file, actor=world.archie)
    case.refresh_from_db()
    return case
