"""The only functions that change parties, complaints, inspections and cases.

Each validates, writes and records its domain event in one durable transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Agency, Unit, User
from lawtrail.cases import hooks, workflow
from lawtrail.cases.choices import (
    ApplicationMatter,
    ApprovalKind,
    CaseSource,
    ComplaintKind,
    ComplaintStatus,
    DecisionKind,
    FollowUpKind,
    InspectionOutcome,
    IntakeChannel,
    PartyKind,
    Procedure,
    ServiceMethod,
    Stage,
)
from lawtrail.cases.models import (
    Approval,
    Case,
    CaseNumberCounter,
    CaseTransition,
    Complaint,
    FollowUp,
    Inspection,
    Party,
    Service,
)
from lawtrail.events.recorder import domain_action, record_event
from lawtrail.events.state import note_changed
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.lib.ids import id_number_problem, uscc_problem
from lawtrail.lib.sequences import next_in_sequence
from lawtrail.lib.text import neutralise, refuse_invisible_controls
from lawtrail.profiles.registry import get_profile
from lawtrail.storage import get_store, original_key


def _text(value: str | None, field: str, label: str, *, max_len: int = 0) -> str:
    # A name or a title (a short field) refuses bidi and zero-width controls; free text drops them
    # (lawtrail/lib/text.py).
    v = (value or "").strip()
    v = refuse_invisible_controls(v, field, label) if max_len and max_len <= 200 else neutralise(v).strip()
    if not v:
        raise InvalidInput("missing_field", f"请填写{label}", {"field": field})
    if max_len and len(v) > max_len:
        raise InvalidInput("field_too_long", f"{label}不能超过 {max_len} 个字", {"field": field})
    return v


def _same_agency(actor: User, *objs: Any) -> Agency:
    if actor.agency_id is None:
        raise Forbidden("no_agency", "当前用户不属于任何执法机关")
    for obj in objs:
        if obj is not None and getattr(obj, "agency_id", actor.agency_id) != actor.agency_id:
            raise Forbidden("other_agency", "不能操作其他执法机关的数据")
    return actor.agency  # type: ignore[return-value]


def _require_field_role(actor: User, unit: Unit) -> None:
    if actor.is_superuser:
        return
    if not any(actor.has_role(r, unit.pk) for r in (Role.OFFICER, Role.HANDLER, Role.HEAD)):
        raise Forbidden("not_officer", f"只有{unit.name}的执法人员或承办人可以办理此事项")


def _check_officers(agency: Agency, officers: list[User], field: str = "officers") -> None:
    for o in officers:
        if o.agency_id != agency.pk or not o.cert_no:
            raise InvalidInput("not_an_officer", f"{o.display_name} 不是本机关持证执法人员", {"field": field})


def _freeze_user(user: User | None) -> dict[str, str]:
    if user is None:
        return {}
    return {"id": str(user.pk), "name": user.display_name, "cert_no": user.cert_no or ""}


# ---------------------------------------------------------------- parties


@domain_action("party.create")
def do_create_party(
    *, kind: str, name: str, id_number: str = "", uscc: str = "", legal_representative: str = "",
    address: str = "", phone: str = "", actor: User,
) -> Party:
    agency = _same_agency(actor)
    name = _text(name, "name", "当事人姓名或名称", max_len=200)
    id_number = id_number.strip().upper()
    uscc = uscc.strip().upper()
    if kind == PartyKind.PERSON:
        problem = id_number_problem(id_number)
        if problem:
            raise InvalidInput("invalid_id_number", problem, {"field": "id_number"})
        uscc = ""
    elif kind == PartyKind.ORGANISATION:
        problem = uscc_problem(uscc)
        if problem:
            raise InvalidInput("invalid_uscc", problem, {"field": "uscc"})
        id_number = ""
    else:
        raise InvalidInput("invalid_party_kind", "当事人类型应为自然人或法人或其他组织", {"field": "kind"})
    with transaction.atomic(durable=True):
        dup = Party.objects.filter(agency=agency, id_number=id_number) if id_number else \
            Party.objects.filter(agency=agency, uscc=uscc)
        existing = dup.first()
        if existing is not None:
            if not Party.objects.restrict(actor).filter(pk=existing.pk).exists():
                # A person another unit registered: say so, without their name or record.
                raise Conflict("party_exists", "该证件号码的当事人已由本机关其他单位登记,请联系负责人或法制审核人员")
            raise Conflict("party_exists", f"当事人已登记:{existing.name}", {"party_id": existing.pk})
        party = Party.objects.create(
            agency=agency, unit=actor.unit, kind=kind, name=name, id_number=id_number, uscc=uscc,
            legal_representative=legal_representative.strip(), address=address.strip(), phone=phone.strip(),
            created_at=timez.now(),
        )
        record_event("party.create", party, actor=actor, payload={
            "kind": kind, "name": name, "id_number": id_number, "uscc": uscc,
        })
    return party


# ---------------------------------------------------------------- case creation (shared)


def _assign_number(case: Case, at: dt.datetime) -> None:
    """Give the case the next 案号 of its agency, year and procedure.

    Runs inside the filing transaction: the counter row is locked until commit, so two
    filings queue on it, and a filing that rolls back gives its number back (no gaps).
    """
    year = timez.beijing(at).year
    seq = next_in_sequence(CaseNumberCounter, agency_id=case.agency_id, year=year, procedure=case.procedure)
    agency = case.agency
    fmt = agency.simple_case_number_format if case.procedure == Procedure.SIMPLE else agency.case_number_format
    case.number = fmt.format(year=year, seq=seq)
    case.number_year = year
    case.number_seq = seq


def _set_archive_due(case: Case, closed_at: dt.datetime) -> None:
    rule = get_profile(case.agency.profile_id).rule("case_file")
    if rule is None or "within" not in rule.values:
        case.archive_due_at, case.archive_due_estimated = None, False
        return
    amount, unit = rule.period()
    # Closing a case must not wait for next year's holiday calendar: estimate, and say so.
    case.archive_due_at = timez.add_period(closed_at, amount, unit, estimate=True)
    case.archive_due_estimated = timez.period_is_estimate(closed_at, case.archive_due_at, unit)


def _record_transition(case: Case, from_stage: str, to_stage: str, actor: User, note: str, at: dt.datetime) -> None:
    # Compare-and-set: if another writer moved the case meanwhile, nothing matches and we stop.
    updated = Case.objects.filter(pk=case.pk, stage=from_stage, version=case.version).update(
        stage=to_stage, version=F("version") + 1
    )
    if updated != 1:
        raise Conflict("stale_case", "案件已被他人更新,请刷新页面后重试")
    note_changed(Case.objects.filter(pk=case.pk))
    case.stage = to_stage
    case.version += 1
    CaseTransition.objects.create(case=case, from_stage=from_stage, to_stage=to_stage, actor=actor, at=at,
                                  note=note)


def _create_case(
    *, agency: Agency, unit: Unit, title: str, source: str, source_note: str, party: Party, facts: str,
    handler: User, officers: list[User], handler_opinion: str, emergency: bool, emergency_reason: str,
    complaint: Complaint | None, inspection: Inspection | None, actor: User, major: bool = False,
) -> Case:
    title = _text(title, "title", "案由", max_len=200)
    facts = _text(facts, "facts", "案情摘要")
    handler_opinion = _text(handler_opinion, "handler_opinion", "承办人意见")
    if source not in CaseSource.values:
        raise InvalidInput("invalid_source", "案件来源无效", {"field": "source"})
    if unit.agency_id != agency.pk or party.agency_id != agency.pk:
        raise InvalidInput("other_agency", "承办机构或当事人不属于本机关")
    if handler.agency_id != agency.pk or not (
        handler.has_role(Role.HANDLER, unit.pk) or handler.has_role(Role.OFFICER, unit.pk)
    ):
        raise InvalidInput("invalid_handler", f"{handler.display_name} 不是{unit.name}的执法人员,不能担任承办人",
                           {"field": "handler"})
    officers = list(dict.fromkeys([handler, *officers]))
    _check_officers(agency, officers)
    profile = get_profile(agency.profile_id)
    now = timez.now()
    case = Case(
        agency=agency, unit=unit, procedure=Procedure.GENERAL, title=title, source=source,
        source_note=source_note.strip(), complaint=complaint, inspection=inspection, party=party, facts=facts,
        handler=handler, handler_opinion=handler_opinion, stage=Stage.REGISTERED, registered_at=now, major=major,
    )
    if emergency:
        rule = profile.rule("emergency_start")
        if rule is None:
            raise InvalidInput("emergency_not_provided",
                               f"本机关适用的《{profile.name}》未规定紧急情况先行启动程序,请先办理立案审批")
        case.emergency = True
        case.emergency_reason = _text(emergency_reason, "emergency_reason", "紧急情况说明")
        amount, period_unit = rule.period()
        case.approval_due_at = timez.add_period(now, amount, period_unit)
        # Started at once: the number and the stage come now, the approval follows (补办).
        case.stage = Stage.FILED
        case.filed_at = now
        _assign_number(case, now)
    case.save()
    case.officers.set(officers)
    record_event("case.register", case, actor=actor, case_id=case.pk, payload={
        "title": title, "source": source, "party": {"id": party.pk, "name": party.name,
                                                    "identifier": party.identifier},
        "unit": unit.name, "handler": _freeze_user(handler), "officers": [_freeze_user(o) for o in officers],
        "handler_opinion": handler_opinion, "emergency": emergency, "major": major,
        "complaint_id": complaint.pk if complaint else None,
        "inspection_id": inspection.pk if inspection else None,
    })
    if emergency:
        rule = profile.rule("emergency_start")
        record_event("case.file", case, actor=actor, case_id=case.pk, payload={
            "number": case.number, "emergency": True, "emergency_reason": case.emergency_reason,
            "approval_due_at": case.approval_due_at.isoformat() if case.approval_due_at else None,
            "article": rule.article if rule else "",
        })
    return case


@domain_action("case.register")
def do_register_case(
    *, unit: Unit, title: str, source: str, party: Party, facts: str, handler: User, handler_opinion: str,
    officers: list[User] | None = None, source_note: str = "", emergency: bool = False,
    emergency_reason: str = "", major: bool = False, actor: User,
) -> Case:
    """登记案件 and open its 立案审批表; an emergency start files it at once (先行启动). A 重大行政执法行为
    (`major`) asks, where the profile says so, the legal office's 合法性审查意见 on the 立案审批表."""
    agency = _same_agency(actor, unit, party, handler)
    _require_field_role(actor, unit)
    with transaction.atomic(durable=True):
        return _create_case(
            agency=agency, unit=unit, title=title, source=source, source_note=source_note, party=party,
            facts=facts, handler=handler, officers=officers or [], handler_opinion=handler_opinion,
            emergency=emergency, emergency_reason=emergency_reason, complaint=None, inspection=None, actor=actor,
            major=major,
        )


# ---------------------------------------------------------------- complaints


@domain_action("complaint.register")
def do_register_complaint(
    *, unit: Unit, kind: str, respondent: Party, facts: str, complainant_name: str = "",
    complainant_id_number: str = "", complainant_phone: str = "", anonymous: bool = False,
    application_matter: str = "", channel: str = IntakeChannel.WRITTEN, oral_record: str = "", actor: User,
) -> Complaint:
    """填写投诉(举报)登记表, or register an application (依申请事项) the same way.

    An oral application is registered with its record, the applicant's words as written down
    (口头申请 予以记录: 农业 第六条、住建 第五条); an application names its matter (行政许可 …)
    and its applicant, who cannot be anonymous."""
    agency = _same_agency(actor, unit, respondent)
    _require_field_role(actor, unit)
    if kind not in ComplaintKind.values:
        raise InvalidInput("invalid_complaint_kind", "请选择投诉、举报或依申请事项", {"field": "kind"})
    if channel not in IntakeChannel.values:
        raise InvalidInput("invalid_channel", "请选择提出方式", {"field": "channel"})
    if kind == ComplaintKind.APPLICATION:
        if application_matter not in ApplicationMatter.values:
            raise InvalidInput("invalid_application_matter", "请选择申请事项类别", {"field": "application_matter"})
        if anonymous:
            raise InvalidInput("anonymous_application", "依申请事项须登记申请人,不能匿名", {"field": "anonymous"})
    elif application_matter:
        raise InvalidInput("invalid_application_matter", "投诉、举报不填写申请事项类别", {"field": "application_matter"})
    oral_record = neutralise(oral_record or "").strip()
    if channel == IntakeChannel.ORAL:
        if not oral_record:
            raise InvalidInput("missing_oral_record", "口头提出的,须记录口头申请(投诉、举报)的内容", {"field": "oral_record"})
    elif oral_record:
        raise InvalidInput("oral_record_not_oral", "只有口头提出的才填写口头申请记录", {"field": "oral_record"})
    facts = _text(facts, "facts", "申请事项" if kind == ComplaintKind.APPLICATION else "投诉(举报)事项")
    complainant_id_number = complainant_id_number.strip().upper()
    if not anonymous:
        complainant_name = _text(complainant_name, "complainant_name", "投诉(举报)人姓名", max_len=50)
        if kind == ComplaintKind.COMPLAINT and not complainant_phone.strip():
            raise InvalidInput("missing_field", "请填写投诉人联系电话", {"field": "complainant_phone"})
    if complainant_id_number:
        problem = id_number_problem(complainant_id_number)
        if problem:
            raise InvalidInput("invalid_id_number", "投诉(举报)人" + problem, {"field": "complainant_id_number"})
    with transaction.atomic(durable=True):
        complaint = Complaint.objects.create(
            agency=agency, unit=unit, kind=kind, complainant_name=complainant_name.strip(),
            complainant_id_number=complainant_id_number, complainant_phone=complainant_phone.strip(),
            anonymous=anonymous, respondent=respondent, facts=facts, received_at=timez.now(), received_by=actor,
            application_matter=application_matter, channel=channel, oral_record=oral_record,
        )
        record_event("complaint.register", complaint, actor=actor, payload={
            "kind": kind, "anonymous": anonymous, "complainant_name": complaint.complainant_name,
            "respondent": respondent.name, "facts": facts, "channel": channel,
            **({"application_matter": application_matter} if application_matter else {}),
            **({"oral_record": oral_record} if oral_record else {}),
        })
        # The 投诉(举报)登记表 records it: the documents app issues it (hooks.COMPLAINT_REGISTERED).
        hooks.produce(hooks.COMPLAINT_REGISTERED, complaint, actor=actor)
    return complaint


@domain_action("complaint.decide")
def do_decide_complaint(
    complaint: Complaint, *, outcome: str, reason: str = "", missing_items: list[str] | None = None,
    title: str = "", handler: User | None = None, handler_opinion: str = "",
    document_fields: dict[str, Any] | None = None, actor: User,
) -> Complaint:
    """Record the outcome of a complaint: accepted (a case is registered), not accepted, or 一次性补正告知.

    The 不予受理决定书 or 一次性补证告知书 is made with it by the documents app
    (hooks.COMPLAINT_DECIDED): `document_fields` are what that document asks beyond the decision
    (法律依据, 补正期限 …); without them it stays a draft for the officer to complete and issue.
    """
    _same_agency(actor, complaint)
    _require_field_role(actor, complaint.unit)
    if complaint.status not in (ComplaintStatus.PENDING, ComplaintStatus.CORRECTION):
        raise Conflict("complaint_decided", f"该登记已{complaint.get_status_display()},不能重复处理")
    if outcome == ComplaintStatus.CORRECTION and complaint.status == ComplaintStatus.CORRECTION:
        # The notice must list every missing item at once: a second notice is what the rule forbids.
        raise Conflict("correction_already_notified", "已一次性告知需补正的全部内容,不能再次告知补正")
    payload: dict[str, Any] = {"outcome": outcome}
    with transaction.atomic(durable=True):
        now = timez.now()
        if outcome == ComplaintStatus.ACCEPTED:
            if handler is None:
                raise InvalidInput("missing_field", "请选择承办人", {"field": "handler"})
            _same_agency(actor, handler)
            case = _create_case(
                agency=complaint.agency, unit=complaint.unit, title=title, source=CaseSource.COMPLAINT,
                source_note=f"投诉举报登记 #{complaint.pk}", party=complaint.respondent, facts=complaint.facts,
                handler=handler, officers=[], handler_opinion=handler_opinion, emergency=False,
                emergency_reason="", complaint=complaint, inspection=None, actor=actor,
            )
            payload["case_id"] = case.pk
        elif outcome == ComplaintStatus.NOT_ACCEPTED:
            complaint.decision_reason = _text(reason, "reason", "不予受理理由")
            payload["reason"] = complaint.decision_reason
        elif outcome == ComplaintStatus.CORRECTION:
            items = [i.strip() for i in (missing_items or []) if i and i.strip()]
            if not items:
                raise InvalidInput("missing_field", "一次性补正告知须列明需补正的全部内容", {"field": "missing_items"})
            complaint.missing_items = items
            payload["missing_items"] = items
        else:
            raise InvalidInput("invalid_outcome", "处理结果应为受理、不予受理或一次性告知补正", {"field": "outcome"})
        # Compare-and-set on the status this decision was made from: a copy read before someone
        # else decided the complaint must not decide it (and register a case) a second time.
        updated = Complaint.objects.filter(pk=complaint.pk, status=complaint.status).update(
            status=outcome, decision_reason=complaint.decision_reason, missing_items=complaint.missing_items,
            decided_at=now, decided_by=actor,
        )
        if updated != 1:
            raise Conflict("stale_complaint", "登记已被他人处理,请刷新后重试")
        note_changed(Complaint.objects.filter(pk=complaint.pk))
        complaint.status = outcome
        complaint.decided_at = now
        complaint.decided_by = actor
        record_event("complaint.decide", complaint, actor=actor, case_id=payload.get("case_id"), payload=payload)
        hooks.produce(hooks.COMPLAINT_DECIDED, complaint, actor=actor, outcome=outcome,
                      fields=dict(document_fields or {}))
    return complaint


@domain_action("complaint.supplement")
def do_supplement_complaint(complaint: Complaint, *, note: str, actor: User) -> Complaint:
    """The complainant supplied what the one-time notice listed: the complaint is examined again."""
    _same_agency(actor, complaint)
    _require_field_role(actor, complaint.unit)
    if complaint.status != ComplaintStatus.CORRECTION:
        raise Conflict("not_awaiting_correction", "该登记未处于待补正状态")
    note = _text(note, "note", "补正情况")
    with transaction.atomic(durable=True):
        updated = Complaint.objects.filter(pk=complaint.pk, status=ComplaintStatus.CORRECTION).update(
            status=ComplaintStatus.PENDING)
        if updated != 1:
            raise Conflict("stale_complaint", "登记已被他人更新,请刷新后重试")
        note_changed(Complaint.objects.filter(pk=complaint.pk))
        complaint.status = ComplaintStatus.PENDING
        record_event("complaint.supplement", complaint, actor=actor, payload={"note": note})
    return complaint


_OPEN_INTAKE = (ComplaintStatus.PENDING, ComplaintStatus.CORRECTION)
# Screenshots and photos of an online submission: the kinds a browser shows (by their magic bytes).
_CAPTURE_KINDS = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"%PDF-", "pdf"))
MAX_CAPTURE_BYTES = 20 * 1024 * 1024


@domain_action("complaint.correct")
def do_correct_complaint_on_spot(
    complaint: Complaint, *, item: str, before: str = "", after: str, actor: User,
) -> Complaint:
    """当场更正申请材料中的错误: the officer records what was wrong in the material and how the
    applicant corrected it at the window, before the registration is decided (农业 第六条、住建
    第五条、委员会细则 第四条)."""
    _same_agency(actor, complaint)
    _require_field_role(actor, complaint.unit)
    if complaint.status not in _OPEN_INTAKE:
        raise Conflict("complaint_decided", f"该登记已{complaint.get_status_display()},不能再当场更正")
    entry = {"item": _text(item, "item", "更正事项", max_len=200), "before": neutralise(before or "").strip()[:500],
             "after": _text(after, "after", "更正后内容", max_len=500)}
    with transaction.atomic(durable=True):
        fresh = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if fresh.status not in _OPEN_INTAKE:
            raise Conflict("stale_complaint", "登记已被他人处理,请刷新后重试")
        entry |= {"at": timez.now().isoformat(), "by": actor.display_name}
        fresh.corrections = [*fresh.corrections, entry]
        fresh.save(update_fields=["corrections"])
        complaint.corrections = fresh.corrections
        record_event("complaint.correct", fresh, actor=actor, payload=entry)
    return complaint


@domain_action("complaint.receipt")
def do_issue_complaint_receipt(complaint: Complaint, *, actor: User) -> Complaint:
    """出具书面凭证或回执: the applicant (complainant) is handed a numbered receipt of the
    registration; its number and time are recorded (劳动保障 第十一条 and the intake articles of
    the other texts). An anonymous report has nobody to hand it to."""
    _same_agency(actor, complaint)
    _require_field_role(actor, complaint.unit)
    if complaint.anonymous:
        raise Conflict("receipt_anonymous", "匿名举报无受领人,不出具书面凭证或回执")
    with transaction.atomic(durable=True):
        now = timez.now()
        number = f"回执{timez.beijing(complaint.received_at):%Y%m%d}-{complaint.pk:06d}"
        updated = Complaint.objects.filter(pk=complaint.pk, receipt_issued_at__isnull=True).update(
            receipt_no=number, receipt_issued_at=now)
        if updated != 1:
            raise Conflict("receipt_issued", "已出具书面凭证或回执,不能重复出具")
        note_changed(Complaint.objects.filter(pk=complaint.pk))
        complaint.receipt_no, complaint.receipt_issued_at = number, now
        record_event("complaint.receipt", complaint, actor=actor, payload={"receipt_no": number})
    return complaint


def capture_kind(data: bytes) -> str | None:
    return next((ext for magic, ext in _CAPTURE_KINDS if data.startswith(magic)), None)


@domain_action("complaint.capture")
def do_keep_online_capture(complaint: Complaint, *, name: str, data: bytes, actor: User) -> Complaint:
    """保留网络提交的截图: a screenshot or photo of what was submitted online, kept by its SHA-256
    (委员会细则 第四条: 申请人通过网络等方式提出申请的,可以通过截图、拍照等方式对电子数据进行保留).
    The file is stored under its hash, so storing it again (a retry) changes nothing."""
    _same_agency(actor, complaint)
    _require_field_role(actor, complaint.unit)
    if complaint.channel != IntakeChannel.ONLINE:
        raise Conflict("not_online", "只有网络提交的才保留提交截图")
    if not data:
        raise InvalidInput("missing_field", "请选择截图文件", {"field": "file"})
    if len(data) > MAX_CAPTURE_BYTES:
        raise InvalidInput("capture_too_large", "截图文件不能超过 20 MB", {"field": "file"})
    ext = capture_kind(data)
    if ext is None:
        raise InvalidInput("invalid_capture", "截图须为 PNG、JPEG 图片或 PDF 文件", {"field": "file"})
    sha = hashlib.sha256(data).hexdigest()
    # An original like any other (the store never changes or loses one, and is replicated with the
    # others): named by its SHA-256, so a retry or the same screenshot twice is stored once.
    key = original_key(sha)
    store = get_store()
    if not store.exists(key):
        store.put_stream(key, io.BytesIO(data))
    with transaction.atomic(durable=True):
        fresh = Complaint.objects.select_for_update().get(pk=complaint.pk)
        entry = {"name": (name.strip() or f"截图.{ext}")[:200], "sha256": sha, "size": len(data), "key": key,
                 "captured_at": timez.now().isoformat(), "by": actor.display_name}
        fresh.online_captures = [*fresh.online_captures, entry]
        fresh.save(update_fields=["online_captures"])
        complaint.online_captures = fresh.online_captures
        record_event("complaint.capture", fresh, actor=actor, payload=entry)
    return complaint


# ---------------------------------------------------------------- patrol inspections


@domain_action("inspection.record")
def do_record_inspection(
    *, unit: Unit, party: Party, place: str, started_at: dt.datetime, ended_at: dt.datetime,
    officers: list[User], findings: str, outcome: str, rectification_deadline: dt.date | None = None,
    case_title: str = "", handler_opinion: str = "", arrival_filmed: bool = False, departure_filmed: bool = False,
    credentials_shown: bool = False, actor: User,
) -> Inspection:
    """记录日常巡视检查; it ends in a 检查记录, 责令改正, 建议书, or registers a case."""
    agency = _same_agency(actor, unit, party, *officers)
    _require_field_role(actor, unit)
    place = _text(place, "place", "检查地点", max_len=200)
    findings = _text(findings, "findings", "检查情况")
    if ended_at <= started_at:
        raise InvalidInput("bad_time_range", "检查结束时间应晚于开始时间", {"field": "ended_at"})
    if ended_at > timez.now() + dt.timedelta(minutes=5):
        raise InvalidInput("time_in_future", "检查结束时间不能晚于当前时间", {"field": "ended_at"})
    officers = list(dict.fromkeys([actor, *officers]))
    _check_officers(agency, officers)
    if outcome not in InspectionOutcome.values:
        raise InvalidInput("invalid_outcome", "请选择检查处理结果", {"field": "outcome"})
    if outcome == InspectionOutcome.RECTIFICATION and rectification_deadline is None:
        raise InvalidInput("missing_field", "责令改正须写明整改期限", {"field": "rectification_deadline"})
    with transaction.atomic(durable=True):
        inspection = Inspection.objects.create(
            agency=agency, unit=unit, party=party, place=place, started_at=started_at, ended_at=ended_at,
            findings=findings, outcome=outcome, rectification_deadline=rectification_deadline, recorded_by=actor,
            arrival_filmed=arrival_filmed, departure_filmed=departure_filmed, credentials_shown=credentials_shown,
        )
        inspection.officers.set(officers)
        case = None
        if outcome == InspectionOutcome.OPEN_CASE:
            case = _create_case(
                agency=agency, unit=unit, title=case_title, source=CaseSource.INSPECTION,
                source_note=f"日常巡视检查 #{inspection.pk}", party=party, facts=findings, handler=actor,
                officers=officers, handler_opinion=handler_opinion, emergency=False, emergency_reason="",
                complaint=None, inspection=inspection, actor=actor,
            )
        record_event("inspection.record", inspection, actor=actor, case_id=case.pk if case else None, payload={
            "party": party.name, "place": place, "started_at": started_at.isoformat(),
            "ended_at": ended_at.isoformat(), "officers": [_freeze_user(o) for o in officers],
            "outcome": outcome, "case_id": case.pk if case else None, "arrival_filmed": arrival_filmed,
            "departure_filmed": departure_filmed, "credentials_shown": credentials_shown,
        })
    return inspection


# ---------------------------------------------------------------- approvals and stages


@domain_action("case.approve")
def do_give_approval(case: Case, *, kind: str, approved: bool, opinion: str, actor: User) -> Approval:
    """Give one opinion the case waits for; the last filing opinion files it and gives its 案号."""
    _same_agency(actor, case)
    if kind not in ApprovalKind.values:
        raise InvalidInput("invalid_approval_kind", "审批类型无效", {"field": "kind"})
    opinion = _text(opinion, "opinion", "审批意见")
    if not workflow.may_approve(actor, case, kind):
        raise Forbidden("not_approver", f"您无权签署{ApprovalKind(kind).label}")
    with transaction.atomic(durable=True):
        case = Case.objects.select_for_update().get(pk=case.pk)
        waiting = workflow.pending_approval_kinds(case)
        if kind not in waiting:
            expected = "、".join(ApprovalKind(k).label for k in waiting) or "无"
            raise Conflict("approval_not_expected",
                           f"案件当前不需要{ApprovalKind(kind).label}(当前待签:{expected})")
        now = timez.now()
        approval = Approval.objects.create(case=case, kind=kind, approved=approved, opinion=opinion, by=actor,
                                           by_name=actor.display_name, at=now)
        record_event("case.approve", case, actor=actor, role=_role_for(kind), case_id=case.pk, payload={
            "kind": kind, "approved": approved, "opinion": opinion,
        })
        filing = kind.startswith("filing.")
        if filing and not approved:
            from_stage = case.stage
            _record_transition(case, from_stage, Stage.NOT_FILED, actor, opinion, now)
            record_event("case.not_filed", case, actor=actor, case_id=case.pk,
                         payload={"from": from_stage, "opinion": opinion})
        elif filing and not workflow.missing_filing_approvals(case, workflow.profile_of(case)):
            if case.emergency:
                record_event("case.emergency_approved", case, actor=actor, case_id=case.pk, payload={
                    "approved_at": now.isoformat(),
                    "in_time": bool(case.approval_due_at and now <= case.approval_due_at),
                })
            else:
                _assign_number(case, now)
                case.filed_at = now
                case.save(update_fields=["number", "number_year", "number_seq", "filed_at"])
                _record_transition(case, Stage.REGISTERED, Stage.FILED, actor, "立案审批通过", now)
                record_event("case.file", case, actor=actor, case_id=case.pk, payload={"number": case.number})
            # The 立案审批表 records these opinions: the documents app issues it, signed by those who gave them.
            hooks.produce(hooks.FILING_APPROVED, case, actor=actor)
        elif approved and not filing and not workflow.missing_decision_approvals(case):
            # The decision's 报批表 records the 法制审核 and 负责人 opinions on it (documents app).
            hooks.produce(hooks.DECISION_REVIEWED, case, actor=actor)
    return approval


def _role_for(kind: str) -> str:
    if kind in (ApprovalKind.LEGAL_REVIEW, ApprovalKind.FILING_LEGAL_REVIEW):
        return Role.LEGAL_REVIEWER
    return Role.HEAD


@domain_action("case.assign_officers")
def do_assign_officers(case: Case, *, officers: list[User], actor: User) -> Case:
    _same_agency(actor, case, *officers)
    if not workflow.is_case_officer(actor, case) and not actor.has_role(Role.HEAD, case.unit_id):
        raise Forbidden("not_case_officer", "只有本案执法人员或负责人可以调整办案人员")
    if case.stage in (Stage.CLOSED, Stage.ARCHIVED, Stage.NOT_FILED):
        raise Conflict("case_finished", "案件已结束,不能调整办案人员")
    officers = list(dict.fromkeys([case.handler, *officers]))
    _check_officers(case.agency, officers)
    with transaction.atomic(durable=True):
        case.officers.set(officers)
        record_event("case.assign_officers", case, actor=actor, case_id=case.pk,
                     payload={"officers": [_freeze_user(o) for o in officers]})
    return case


@domain_action("case.record_decision")
def do_record_decision(
    case: Case, *, kind: str, text: str, basis: str, penalty_amount: Decimal | None = None,
    document_fields: dict[str, Any] | None = None, actor: User,
) -> Case:
    """拟定处理决定; a changed draft needs its legal review and head approval again.

    The decision document that fits the decision (行政处罚决定书, 责令改正决定书 …) is drafted
    with it by the documents app (hooks.DECISION_RECORDED): `document_fields` are what that
    document asks beyond the decision itself (证据, 履行方式和期限, 救济途径 …).
    """
    _same_agency(actor, case)
    if not workflow.is_case_officer(actor, case):
        raise Forbidden("not_case_officer", "只有本案执法人员可以拟定处理决定")
    if case.stage != Stage.REVIEWING:
        raise Conflict("wrong_stage", f"案件处于「{case.get_stage_display()}」阶段,不能拟定处理决定")
    if kind not in DecisionKind.values:
        raise InvalidInput("invalid_decision_kind", "请选择处理决定类型", {"field": "kind"})
    text = _text(text, "text", "决定内容")
    basis = _text(basis, "basis", "法律依据")
    if kind == DecisionKind.PENALTY and (penalty_amount is None or penalty_amount <= 0):
        raise InvalidInput("missing_field", "行政处罚须写明罚款金额", {"field": "penalty_amount"})
    if penalty_amount is not None and penalty_amount < 0:
        raise InvalidInput("invalid_amount", "罚款金额不能为负数", {"field": "penalty_amount"})
    with transaction.atomic(durable=True):
        case.decision_kind = kind
        case.decision_text = text
        case.decision_basis = basis
        case.penalty_amount = penalty_amount if kind == DecisionKind.PENALTY else None
        case.decided_at = timez.now()
        # Compare-and-set, as for transitions: a copy read before the case moved on (or before
        # another draft) must not change the decision that was approved and served.
        updated = Case.objects.filter(pk=case.pk, stage=Stage.REVIEWING, version=case.version).update(
            decision_kind=case.decision_kind, decision_text=text, decision_basis=basis,
            penalty_amount=case.penalty_amount, decided_at=case.decided_at, version=F("version") + 1,
        )
        if updated != 1:
            raise Conflict("stale_case", "案件已被他人更新,请刷新页面后重试")
        note_changed(Case.objects.filter(pk=case.pk))
        case.version += 1
        record_event("case.record_decision", case, actor=actor, case_id=case.pk, payload={
            "kind": kind, "text": text, "basis": basis,
            "penalty_amount": str(case.penalty_amount) if case.penalty_amount is not None else None,
        })
        hooks.produce(hooks.DECISION_RECORDED, case, actor=actor, fields=dict(document_fields or {}))
    return case


# What proves a service beyond the receipt itself, by method (the profile's service rules name
# which a method needs; the compliance checks read them): free text, as the officer has it.
SERVICE_PROOFS = {
    "receipt": "付邮凭证和回执(邮寄送达:挂号信或特快专递单号、回执签收情况)",
    "attempts": "已采用其他方式均无法送达的情况(公告送达)",
    "record": "截屏、截图、录音或屏幕录像等记录(电子送达、公告送达)",
    "returned": "邮件被邮政企业退回的具体情况(邮寄送达)",
    "fax": "传真时间和受送达人的传真号码(传真送达,以文字记录时)",
    "fax_number": "受送达人的传真号码(传真送达须填;传真时间即送达时间)",
    "refusal": "拒收事由(留置送达,记入送达回证)",
    "entrust_reason": "委托、转交原因(委托/转交送达,记入送达回证)",
}
# What a method cannot be recorded without: the text the regulations ask on the 送达回证 itself
# (labour 第二十七条、第二十八条), each in its own field so the checks read it, not a free note.
SERVICE_NEEDS = {
    ServiceMethod.LODGED: ("refusal", "拒收事由"),
    ServiceMethod.ENTRUSTED: ("entrust_reason", "委托、转交原因"),
    ServiceMethod.FAX: ("fax_number", "受送达人的传真号码"),
    ServiceMethod.PUBLIC: ("note", "其他方式均无法送达的情况"),
}
MAX_PROOF = 2000


# A fax number as it is written on the faxed copy: digits with an area code, a country code or an extension.
FAX_NUMBER = re.compile(r"^[0-9+()\-\s转]{6,30}$")


def _proofs(values: dict[str, str]) -> dict[str, str]:
    out = {}
    for key, text in values.items():
        text = (text or "").strip()
        if key == "fax_number" and text and not FAX_NUMBER.match(text):
            raise InvalidInput("invalid_fax_number", "受送达人的传真号码只能包含数字、区号分隔符和分机号", {"field": key})
        if len(text) > MAX_PROOF:
            raise InvalidInput("field_too_long", f"{SERVICE_PROOFS[key].split('(')[0]}不能超过 {MAX_PROOF} 个字",
                               {"field": key})
        if text:
            out[key] = text
    return out


@domain_action("case.record_service")
def do_record_service(
    case: Case, *, document_id: int, method: str, served_at: dt.datetime, recipient: str, note: str = "",
    receipt: str = "", attempts: str = "", record: str = "", returned: str = "", fax: str = "", refusal: str = "",
    entrust_reason: str = "", fax_number: str = "", actor: User,
) -> Service:
    """登记送达: the served 文书 is one the case has issued, picked by its id (never typed), and the
    service's 送达回证 is issued by the documents app (hooks.SERVICE_RECORDED), with what proves
    the service by its method (SERVICE_PROOFS), if at hand."""
    _same_agency(actor, case)
    if not workflow.is_case_officer(actor, case):
        raise Forbidden("not_case_officer", "只有本案执法人员可以登记送达")
    if case.stage != Stage.SERVING:
        raise Conflict("wrong_stage", f"案件处于「{case.get_stage_display()}」阶段,不能登记送达")
    if not document_id:
        raise InvalidInput("missing_field", "请选择送达的文书(本案已签发的文书)", {"field": "document_id"})
    document = hooks.provided(hooks.SERVED_DOCUMENT, case, document_id)
    if not document:
        raise InvalidInput("not_servable", "所选文书不是本案已签发的文书,不能送达", {"field": "document_id"})
    recipient = _text(recipient, "recipient", "受送达人", max_len=100)
    if method not in ServiceMethod.values:
        raise InvalidInput("invalid_service_method", "请选择送达方式", {"field": "method"})
    proofs = _proofs({"receipt": receipt, "attempts": attempts, "record": record, "returned": returned, "fax": fax,
                      "refusal": refusal, "entrust_reason": entrust_reason, "fax_number": fax_number})
    if method in SERVICE_NEEDS:
        key, needs = SERVICE_NEEDS[ServiceMethod(method)]
        if not (note.strip() if key == "note" else proofs.get(key)):
            where = "备注" if key == "note" else f"「{needs}」一栏"
            raise InvalidInput("missing_field", f"{ServiceMethod(method).label}须在{where}中记明{needs}", {"field": key})
    if served_at > timez.now() + dt.timedelta(minutes=5):
        raise InvalidInput("time_in_future", "送达时间不能晚于当前时间", {"field": "served_at"})
    with transaction.atomic(durable=True):
        # Checked in the database too: a page opened before the case was closed must not add to it.
        if not Case.objects.filter(pk=case.pk, stage=Stage.SERVING).exists():
            raise Conflict("stale_case", "案件已被他人更新,请刷新页面后重试")
        service = Service.objects.create(case=case, document=document[:100], document_ref=document_id,
                                         method=method, served_at=served_at, recipient=recipient,
                                         note=note.strip(), recorded_by=actor)
        record_event("case.record_service", case, actor=actor, case_id=case.pk, payload={
            "service_id": service.pk, "document": service.document, "document_id": document_id, "method": method,
            "served_at": served_at.isoformat(), "recipient": recipient, "note": service.note, **proofs,
        })
        # The proofs are the compliance app's rows; the 送达回证 is the documents app's.
        hooks.produce(hooks.SERVICE_RECORDED, case, actor=actor, service=service, proofs=proofs)
    return service


@domain_action("case.add_service_proof")
def do_add_service_proof(service: Service, *, receipt: str = "", attempts: str = "", record: str = "",
                         returned: str = "", fax: str = "", refusal: str = "", entrust_reason: str = "",
                         fax_number: str = "", actor: User) -> Service:
    """补充送达留痕: what proves a recorded service, added when it comes to hand (a mailed
    document's 回执 returns days after the 付邮凭证). A text given replaces the one before it;
    the earlier one stays in the case's record (its event)."""
    case = service.case
    _same_agency(actor, case)
    if not workflow.is_case_officer(actor, case):
        raise Forbidden("not_case_officer", "只有本案执法人员可以补充送达留痕")
    proofs = _proofs({"receipt": receipt, "attempts": attempts, "record": record, "returned": returned, "fax": fax,
                      "refusal": refusal, "entrust_reason": entrust_reason, "fax_number": fax_number})
    if not proofs:
        raise InvalidInput("missing_field", "请填写要补充的送达留痕", {"field": "receipt"})
    with transaction.atomic(durable=True):
        if not Case.objects.filter(pk=case.pk, stage=Stage.SERVING).exists():
            raise Conflict("wrong_stage", "只能在送达执行阶段补充送达留痕")
        service = Service.objects.select_for_update().get(pk=service.pk)
        hooks.produce(hooks.SERVICE_PROOF, case, actor=actor, service=service, proofs=proofs)
        record_event("case.add_service_proof", case, actor=actor, case_id=case.pk, payload={
            "service_id": service.pk, "document": service.document, "method": service.method, **proofs,
        })
    return service


# ---------------------------------------------------------------- after the decision


# A follow-up is recorded once the case is in 送达执行 or closed: the decision is made and served.
FOLLOW_UP_STAGES = (Stage.SERVING, Stage.CLOSED)


def _follow_up_case(case: Case, actor: User, what: str) -> None:
    _same_agency(actor, case)
    if not workflow.is_case_officer(actor, case) and not actor.has_role(Role.HEAD, case.unit_id):
        raise Forbidden("not_case_officer", f"只有本案执法人员或负责人可以{what}")
    if case.stage not in FOLLOW_UP_STAGES or not case.decision_kind:
        raise Conflict("wrong_stage", f"案件处于「{case.get_stage_display()}」阶段,作出决定后才能{what}")


@domain_action("case.schedule_follow_up")
def do_schedule_follow_up(case: Case, *, kind: str, due_on: dt.date, actor: User) -> FollowUp:
    """登记履行或整改期限: the check that must be made by `due_on` (按期核查), to be filled in by
    do_record_follow_up. A second deadline for the same matter is a new row (a 复查 after a
    failed one); the compliance check reads each."""
    _follow_up_case(case, actor, "登记履行或整改期限")
    if kind not in (FollowUpKind.PERFORMANCE, FollowUpKind.RECTIFICATION):
        raise InvalidInput("invalid_follow_up_kind", "只有履行情况检查和整改核查有期限", {"field": "kind"})
    if due_on is None:
        raise InvalidInput("missing_field", "请填写期限", {"field": "due_on"})
    with transaction.atomic(durable=True):
        if not Case.objects.filter(pk=case.pk, stage__in=FOLLOW_UP_STAGES).exists():
            raise Conflict("stale_case", "案件已被他人更新,请刷新页面后重试")
        follow_up = FollowUp.objects.create(case=case, kind=kind, due_on=due_on, recorded_by=actor,
                                            recorded_by_name=actor.display_name, recorded_at=timez.now())
        record_event("case.schedule_follow_up", follow_up, actor=actor, case_id=case.pk, payload={
            "follow_up_id": follow_up.pk, "kind": kind, "due_on": due_on.isoformat()})
    return follow_up


@domain_action("case.record_follow_up")
def do_record_follow_up(
    case: Case, *, kind: str, checked_at: dt.datetime, result: str, fulfilled: bool | None = None,
    actor: User,
) -> FollowUp:
    """记录核查(复查)、法院受理或执行结果: fills the earliest pending check of that matter (its
    deadline stays, so a late check is seen as late), or adds a new record."""
    _follow_up_case(case, actor, "记录决定后的跟进情况")
    if kind not in FollowUpKind.values:
        raise InvalidInput("invalid_follow_up_kind", "请选择跟进事项", {"field": "kind"})
    result = _text(result, "result", "情况记录")
    if checked_at > timez.now() + dt.timedelta(minutes=5):
        raise InvalidInput("time_in_future", "核查时间不能晚于当前时间", {"field": "checked_at"})
    # Compared by the minute: a time entered on a form has no seconds.
    if case.decided_at and checked_at < case.decided_at.replace(second=0, microsecond=0):
        raise InvalidInput("before_decision", "核查时间不能早于作出决定的时间", {"field": "checked_at"})
    if kind in (FollowUpKind.PERFORMANCE, FollowUpKind.RECTIFICATION) and fulfilled is None:
        raise InvalidInput("missing_field", "请选择是否已履行或整改到位", {"field": "fulfilled"})
    with transaction.atomic(durable=True):
        if not Case.objects.filter(pk=case.pk, stage__in=FOLLOW_UP_STAGES).exists():
            raise Conflict("stale_case", "案件已被他人更新,请刷新页面后重试")
        follow_up = (FollowUp.objects.select_for_update()
                     .filter(case=case, kind=kind, checked_at__isnull=True).order_by("due_on", "pk").first())
        if follow_up is None:
            follow_up = FollowUp(case=case, kind=kind, recorded_by=actor, recorded_by_name=actor.display_name,
                                 recorded_at=timez.now())
        follow_up.checked_at = checked_at
        follow_up.result = result
        follow_up.fulfilled = fulfilled
        follow_up.save()
        record_event("case.record_follow_up", follow_up, actor=actor, case_id=case.pk, payload={
            "follow_up_id": follow_up.pk, "kind": kind, "checked_at": checked_at.isoformat(), "result": result,
            "fulfilled": fulfilled, "due_on": follow_up.due_on.isoformat() if follow_up.due_on else None})
    return follow_up


@domain_action("case.transition")
def do_transition_case(case: Case, *, to: str, note: str = "", fields: dict[str, str] | None = None,
                       actor: User) -> Case:
    """Move a case to its next stage, if the move exists, the actor may make it and its guard passes."""
    _same_agency(actor, case)
    fields = fields or {}
    move = workflow.find_move(case, to)
    if move is None:
        to_label = Stage(to).label if to in Stage.values else to
        raise Conflict("illegal_transition",
                       f"案件处于「{case.get_stage_display()}」阶段,不能转入「{to_label}」",
                       {"from": case.stage, "to": to})
    if not workflow.may_move(actor, case, move):
        raise Forbidden("not_allowed_to_move", f"您无权执行「{move.label}」")
    values = {name: _text(fields.get(name), name, label) for name, label in move.fields}
    with transaction.atomic(durable=True):
        problem = move.guard(case, workflow.profile_of(case)) if move.guard else None
        if problem:
            raise Conflict("guard_failed", problem, {"from": case.stage, "to": to})
        blocked = workflow.gate_problem(case, to)
        if blocked:
            raise Conflict("step_incomplete", blocked[0], {"from": case.stage, "to": to, **blocked[1]})
        now = timez.now()
        from_stage = case.stage
        update = list(values)
        for name, value in values.items():
            setattr(case, name, value)
        if to == Stage.CLOSED:
            case.closed_at = now
            _set_archive_due(case, now)
            update += ["closed_at", "archive_due_at", "archive_due_estimated"]
        if to == Stage.ARCHIVED:
            case.archived_at = now
            update.append("archived_at")
        if update:
            case.save(update_fields=update)
        _record_transition(case, from_stage, to, actor, note.strip(), now)
        record_event("case.transition", case, actor=actor, case_id=case.pk,
                     payload={"from": from_stage, "to": to, "note": note.strip(), **values})
        if to == Stage.REVIEWING:
            # 调查终结: its report is issued with the move (documents app).
            hooks.produce(hooks.INVESTIGATION_CONCLUDED, case, actor=actor)
        elif to == Stage.SERVING:
            # The approved decision is issued now, with its 文号: service serves an issued document.
            hooks.produce(hooks.DECISION_APPROVED, case, actor=actor)
        elif to == Stage.CLOSED:
            hooks.produce(hooks.CASE_CLOSED, case, actor=actor)
    return case


def move_case_within(case: Case, *, to: str, actor: User, note: str, at: dt.datetime) -> Case:
    """Move `case` to `to` inside the caller's own transaction, as part of another app's action
    (binding the case file archives the case): the same move table, permission, guard,
    compare-and-set and `case.transition` event as do_transition_case."""
    move = workflow.find_move(case, to)
    if move is None:
        raise Conflict("illegal_transition", f"案件处于「{case.get_stage_display()}」阶段,不能转入「{Stage(to).label}」",
                       {"from": case.stage, "to": to})
    if not workflow.may_move(actor, case, move):
        raise Forbidden("not_allowed_to_move", f"您无权执行「{move.label}」")
    problem = move.guard(case, workflow.profile_of(case)) if move.guard else None
    if problem:
        raise Conflict("guard_failed", problem, {"from": case.stage, "to": to})
    blocked = workflow.gate_problem(case, to)
    if blocked:
        raise Conflict("step_incomplete", blocked[0], {"from": case.stage, "to": to, **blocked[1]})
    from_stage = case.stage
    if to == Stage.ARCHIVED:
        case.archived_at = at
        case.save(update_fields=["archived_at"])
    _record_transition(case, from_stage, to, actor, note, at)
    record_event("case.transition", case, actor=actor, case_id=case.pk, payload={"from": from_stage, "to": to, "note": note})
    return case


# ---------------------------------------------------------------- simple procedure


SIMPLE_ITEMS = (
    ("facts_and_basis", "适用简易程序的事实依据、法律依据"),
    ("steps", "实施简易程序的程序步骤及法定文书"),
    ("statement", "当事人陈述、申辩"),
    ("statement_review", "对陈述、申辩的复核及处理"),
    ("filing", "向所属行政机关备案的内容"),
)
# 对符合当场收缴罚款情况的实施过程 (第二十条(六) of the agriculture rules): asked only of a fine collected on
# the spot; the compliance check (simple_procedure) asks it where the regulation lists it.
SIMPLE_COLLECTION = ("collection", "当场收缴罚款的实施过程")


@domain_action("case.simple_decide")
def do_decide_simple_case(
    *, unit: Unit, party: Party, title: str, items: dict[str, str], decision_text: str,
    penalty_amount: Decimal | None, paid_on_spot: bool, officers: list[User],
    document_fields: dict[str, Any] | None = None, actor: User,
) -> Case:
    """简易程序当场作出决定: the case is numbered, decided and closed in one act.

    Its 当场行政处罚决定书 is made with it by the documents app (hooks.SIMPLE_DECIDED), signed by
    the officers: `document_fields` are what it asks beyond the record (处罚地点 …); until they are
    given it stays a draft, and the case file is not bound without it issued.
    """
    agency = _same_agency(actor, unit, party, *officers)
    _require_field_role(actor, unit)
    title = _text(title, "title", "案由", max_len=200)
    decision_text = _text(decision_text, "decision_text", "当场处罚决定")
    record = {key: _text(items.get(key), key, label) for key, label in SIMPLE_ITEMS}
    if penalty_amount is not None and penalty_amount < 0:
        raise InvalidInput("invalid_amount", "罚款金额不能为负数", {"field": "penalty_amount"})
    record["paid_on_spot"] = "是" if paid_on_spot else "否"
    collection = neutralise(items.get(SIMPLE_COLLECTION[0]) or "").strip()
    if collection:
        record[SIMPLE_COLLECTION[0]] = collection
    officers = list(dict.fromkeys([actor, *officers]))
    _check_officers(agency, officers)
    with transaction.atomic(durable=True):
        now = timez.now()
        case = Case(
            agency=agency, unit=unit, procedure=Procedure.SIMPLE, title=title, source=CaseSource.INSPECTION,
            party=party, facts=record["facts_and_basis"], handler=actor, handler_opinion="简易程序当场处理",
            stage=Stage.CLOSED, registered_at=now, filed_at=now, closed_at=now,
            decision_kind=DecisionKind.PENALTY if penalty_amount else DecisionKind.ORDER,
            decision_text=decision_text, decision_basis=record["facts_and_basis"], penalty_amount=penalty_amount,
            decided_at=now, execution_result="当场缴纳罚款" if paid_on_spot else "", simple_record=record,
        )
        _assign_number(case, now)
        _set_archive_due(case, now)
        case.save()
        case.officers.set(officers)
        record_event("case.simple_decide", case, actor=actor, case_id=case.pk, payload={
            "number": case.number, "title": title, "party": party.name, "record": record,
            "decision_text": decision_text,
            "penalty_amount": str(penalty_amount) if penalty_amount is not None else None,
            "officers": [_freeze_user(o) for o in officers],
        })
        hooks.produce(hooks.SIMPLE_DECIDED, case, actor=actor, fields=dict(document_fields or {}))
    return case
