"""API: parties, complaints, patrol inspections and cases.

Reads start from `Model.objects.restrict(user)`; a write parses its input, resolves the ids
it names, and calls exactly one action — the action validates, saves and records the event.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Unit, User
from lawtrail.cases import hooks, queries, workflow
from lawtrail.cases.actions import (
    SERVICE_PROOFS,
    do_add_service_proof,
    do_assign_officers,
    do_correct_complaint_on_spot,
    do_create_party,
    do_decide_complaint,
    do_decide_simple_case,
    do_give_approval,
    do_issue_complaint_receipt,
    do_keep_online_capture,
    do_record_decision,
    do_record_follow_up,
    do_record_inspection,
    do_record_service,
    do_register_case,
    do_register_complaint,
    do_schedule_follow_up,
    do_supplement_complaint,
    do_transition_case,
)
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
from lawtrail.cases.models import Approval, Case, Complaint, FollowUp, Inspection, Party, Service
from lawtrail.lib.apikit import (
    Amount,
    CursorPage,
    CursorPaging,
    Id,
    Ident,
    IdList,
    LongText,
    Moment,
    Str30,
    Str50,
    Str100,
    Str200,
    Str500,
    agency_users,
    auth_user,
    reference,
    references,
    responses,
    visible,
)
from lawtrail.lib.errors import InvalidInput, NotFound
from lawtrail.lib.paging import api_page, cached_count, list_key

router = Router(tags=["cases"])

# ---------------------------------------------------------------- shared pieces



class UnitBrief(Schema):
    id: int
    name: str


class UserBrief(Schema):
    id: int
    name: str
    cert_no: str | None


class PartyBrief(Schema):
    id: int
    kind: str
    name: str


def _unit(unit: Unit) -> UnitBrief:
    return UnitBrief(id=unit.pk, name=unit.name)


def _user(user: User) -> UserBrief:
    return UserBrief(id=user.pk, name=user.display_name, cert_no=user.cert_no)


def _party_brief(party: Party) -> PartyBrief:
    return PartyBrief(id=party.pk, kind=party.kind, name=party.name)


def _agency_units(user: User) -> QuerySet[Unit]:
    return Unit.objects.all() if user.is_superuser else Unit.objects.filter(agency_id=user.agency_id or 0)


# ---------------------------------------------------------------- parties


class PartyOut(Schema):
    id: int
    kind: PartyKind
    kind_label: str
    name: str
    id_number: str
    uscc: str
    legal_representative: str
    address: str
    phone: str
    created_at: dt.datetime


class PartyPage(CursorPage):
    count: int = Field(description="符合条件的当事人数:每位用户、每种筛选条件至多每分钟统计一次(统计时间见 counted_at;"
                                   "列表本身总是最新的)")
    items: list[PartyOut]


class PartyFilter(CursorPaging):
    q: Str200 = Field("", description="名称或证件号码包含")


class PartyIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "kind": "organisation", "name": "某某建筑劳务有限公司", "uscc": "91510100MA6123456W",
        "legal_representative": "张三", "address": "名山区某路1号", "phone": "028-12345678"}]})

    kind: PartyKind
    name: Str200
    id_number: Ident = Field("", description="自然人的公民身份号码")
    uscc: Ident = Field("", description="组织的统一社会信用代码")
    legal_representative: Str50 = ""
    address: Str200 = ""
    phone: Str30 = ""


def party_out(p: Party) -> PartyOut:
    return PartyOut(id=p.pk, kind=PartyKind(p.kind), kind_label=p.get_kind_display(), name=p.name,
                    id_number=p.id_number, uscc=p.uscc, legal_representative=p.legal_representative,
                    address=p.address, phone=p.phone, created_at=p.created_at)


@router.get("/parties", response=responses(200, PartyPage), summary="当事人列表")
def list_parties(request: HttpRequest, filters: Query[PartyFilter]) -> PartyPage:
    user = auth_user(request)
    qs = Party.objects.restrict(user)
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(id_number__icontains=filters.q)
                       | Q(uscc__icontains=filters.q))
    items, following = api_page(qs, ("-id",), after=filters.after, offset=filters.offset, limit=filters.limit)
    count, counted_at = cached_count(
        qs, list_key("api-parties", user.pk, filters.dict()))
    return PartyPage(count=count, counted_at=counted_at, items=[party_out(p) for p in items], next=following)


@router.get("/parties/{party_id}", response=responses(200, PartyOut), summary="当事人详情")
def get_party(request: HttpRequest, party_id: Id) -> PartyOut:
    return party_out(visible(Party.objects.restrict(auth_user(request)), party_id, "当事人"))


@router.post("/parties", response=responses(201, PartyOut), summary="登记当事人")
def create_party(request: HttpRequest, data: PartyIn) -> Status[PartyOut]:
    party = do_create_party(**data.model_dump(), actor=auth_user(request))
    return Status(201, party_out(party))


# ---------------------------------------------------------------- complaints


class ComplaintOut(Schema):
    id: int
    kind: ComplaintKind
    kind_label: str
    unit: UnitBrief
    complainant_name: str
    complainant_id_number: str
    complainant_phone: str
    anonymous: bool
    respondent: PartyBrief
    facts: str
    received_at: dt.datetime
    received_by: UserBrief
    status: ComplaintStatus
    status_label: str
    missing_items: list[str]
    decision_reason: str
    decided_at: dt.datetime | None
    application_matter: str = Field(description="依申请事项的类别;投诉、举报为空")
    application_matter_label: str
    channel: IntakeChannel
    channel_label: str
    oral_record: str = Field(description="口头申请记录")
    corrections: list[dict[str, Any]] = Field(description="当场更正记录:item 更正事项、before、after、at、by")
    online_captures: list[dict[str, Any]] = Field(description="网络提交截图:name、sha256、size、captured_at、by")
    receipt_no: str = Field(description="书面凭证/回执编号")
    receipt_issued_at: dt.datetime | None
    case_ids: list[int]


class ComplaintPage(CursorPage):
    count: int = Field(description="符合条件的登记数:每位用户、每种筛选条件至多每分钟统计一次(统计时间见 counted_at;"
                                   "列表本身总是最新的)")
    items: list[ComplaintOut]


class ComplaintFilter(CursorPaging):
    status: ComplaintStatus | None = None


class ComplaintIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "unit_id": 1, "kind": "complaint", "respondent_id": 1, "facts": "拖欠工资三个月",
        "complainant_name": "王五", "complainant_phone": "13800000000"}]})

    unit_id: Id
    kind: ComplaintKind
    respondent_id: Id = Field(..., description="被投诉(举报)人的当事人编号")
    facts: LongText
    complainant_name: Str50 = ""
    complainant_id_number: Ident = ""
    complainant_phone: Str30 = ""
    anonymous: bool = False
    application_matter: ApplicationMatter | Literal[""] = Field("", description="依申请事项的类别(kind=application 时必填)")
    channel: IntakeChannel = Field(IntakeChannel.WRITTEN, description="提出方式;oral 须填写 oral_record")
    oral_record: LongText = Field("", description="口头申请记录:口头提出的内容")


class CorrectionIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "item": "申请人名称", "before": "某建筑公司", "after": "某建筑工程有限公司"}]})

    item: Str200 = Field(description="更正事项")
    before: Str500 = Field("", description="更正前内容")
    after: Str500 = Field(description="更正后内容")


class CaptureIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "网上申请页面.png", "content_base64": "iVBORw0KGgo="}]})

    name: Str200 = ""
    content_base64: str = Field(max_length=28_000_000, description="截图文件(PNG、JPEG 或 PDF)的 base64 编码")


class ComplaintDecisionIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "outcome": "accepted", "title": "某某公司拖欠工资案", "handler_id": 1, "handler_opinion": "建议立案调查"}]})

    outcome: Literal["accepted", "not_accepted", "correction"]
    reason: LongText = Field("", description="不予受理理由")
    missing_items: list[Str500] = Field([], max_length=50, description="一次性告知需补正的全部内容")
    title: Str200 = Field("", description="受理时:案由")
    handler_id: Id | None = Field(None, description="受理时:承办人编号")
    handler_opinion: LongText = Field("", description="受理时:承办人意见")
    document_fields: dict[Str50, LongText | list[Str200]] = Field(
        {}, max_length=20, description="不予受理决定书或一次性补证告知书除处理结果外的内容:legal_basis(法律依据)、"
        "remedy(救济途径和期限)、deadline_days(补正期限,日)等;齐全时随处理结果签发,否则留作草稿")


class SupplementIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "投诉人已补交劳动合同复印件"}]})

    note: LongText


def _complaints(user: User) -> QuerySet[Complaint]:
    return Complaint.objects.restrict(user).select_related("unit", "respondent", "received_by")


def complaint_out(c: Complaint) -> ComplaintOut:
    return ComplaintOut(
        id=c.pk, kind=ComplaintKind(c.kind), kind_label=c.get_kind_display(), unit=_unit(c.unit),
        complainant_name=c.complainant_name, complainant_id_number=c.complainant_id_number,
        complainant_phone=c.complainant_phone, anonymous=c.anonymous, respondent=_party_brief(c.respondent),
        facts=c.facts, received_at=c.received_at, received_by=_user(c.received_by),
        status=ComplaintStatus(c.status), status_label=c.get_status_display(), missing_items=list(c.missing_items),
        decision_reason=c.decision_reason, decided_at=c.decided_at,
        application_matter=c.application_matter, application_matter_label=c.get_application_matter_display(),
        channel=IntakeChannel(c.channel), channel_label=c.get_channel_display(), oral_record=c.oral_record,
        corrections=list(c.corrections), online_captures=[{k: v for k, v in e.items() if k != "key"}
                                                          for e in c.online_captures],
        receipt_no=c.receipt_no, receipt_issued_at=c.receipt_issued_at,
        case_ids=sorted(c.cases.values_list("id", flat=True)),
    )


@router.get("/complaints", response=responses(200, ComplaintPage), summary="投诉举报登记列表")
def list_complaints(request: HttpRequest, filters: Query[ComplaintFilter]) -> ComplaintPage:
    user = auth_user(request)
    qs = _complaints(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    items, following = api_page(qs, "received_at", after=filters.after, offset=filters.offset, limit=filters.limit)
    count, counted_at = cached_count(
        qs, list_key("api-complaints", user.pk, filters.dict()))
    return ComplaintPage(count=count, counted_at=counted_at, items=[complaint_out(c) for c in items], next=following)


@router.get("/complaints/{complaint_id}", response=responses(200, ComplaintOut), summary="投诉举报登记详情")
def get_complaint(request: HttpRequest, complaint_id: Id) -> ComplaintOut:
    return complaint_out(visible(_complaints(auth_user(request)), complaint_id, "投诉举报登记"))


@router.post("/complaints", response=responses(201, ComplaintOut), summary="填写投诉(举报)登记表")
def create_complaint(request: HttpRequest, data: ComplaintIn) -> Status[ComplaintOut]:
    user = auth_user(request)
    unit = reference(_agency_units(user), data.unit_id, "unit_id", "执法机构")
    respondent = reference(Party.objects.restrict(user), data.respondent_id, "respondent_id", "当事人")
    complaint = do_register_complaint(
        unit=unit, kind=data.kind, respondent=respondent, facts=data.facts, complainant_name=data.complainant_name,
        complainant_id_number=data.complainant_id_number, complainant_phone=data.complainant_phone,
        anonymous=data.anonymous, application_matter=data.application_matter, channel=data.channel,
        oral_record=data.oral_record, actor=user,
    )
    return Status(201, complaint_out(visible(_complaints(user), complaint.pk, "投诉举报登记")))


@router.post("/complaints/{complaint_id}/corrections", response=responses(200, ComplaintOut),
             summary="记录当场更正申请材料中的错误")
def correct_complaint(request: HttpRequest, complaint_id: Id, data: CorrectionIn) -> ComplaintOut:
    user = auth_user(request)
    complaint = visible(_complaints(user), complaint_id, "投诉举报登记")
    do_correct_complaint_on_spot(complaint, item=data.item, before=data.before, after=data.after, actor=user)
    return complaint_out(visible(_complaints(user), complaint_id, "投诉举报登记"))


@router.post("/complaints/{complaint_id}/receipt", response=responses(200, ComplaintOut),
             summary="出具书面凭证或回执")
def issue_complaint_receipt(request: HttpRequest, complaint_id: Id) -> ComplaintOut:
    user = auth_user(request)
    complaint = visible(_complaints(user), complaint_id, "投诉举报登记")
    do_issue_complaint_receipt(complaint, actor=user)
    return complaint_out(visible(_complaints(user), complaint_id, "投诉举报登记"))


@router.post("/complaints/{complaint_id}/captures", response=responses(200, ComplaintOut),
             summary="保留网络提交的截图")
def keep_online_capture(request: HttpRequest, complaint_id: Id, data: CaptureIn) -> ComplaintOut:
    user = auth_user(request)
    complaint = visible(_complaints(user), complaint_id, "投诉举报登记")
    try:
        content = base64.b64decode(data.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("invalid_capture", "截图文件的 base64 编码无效", {"field": "content_base64"}) from None
    do_keep_online_capture(complaint, name=data.name, data=content, actor=user)
    return complaint_out(visible(_complaints(user), complaint_id, "投诉举报登记"))


@router.post("/complaints/{complaint_id}/decision", response=responses(200, ComplaintOut),
             summary="处理投诉举报:受理(登记案件)、不予受理或一次性告知补正")
def decide_complaint(request: HttpRequest, complaint_id: Id, data: ComplaintDecisionIn) -> ComplaintOut:
    user = auth_user(request)
    complaint = visible(_complaints(user), complaint_id, "投诉举报登记")
    handler = (reference(agency_users(user), data.handler_id, "handler_id", "承办人")
               if data.handler_id is not None else None)
    do_decide_complaint(complaint, outcome=data.outcome, reason=data.reason, missing_items=data.missing_items,
                        title=data.title, handler=handler, handler_opinion=data.handler_opinion,
                        document_fields=dict(data.document_fields), actor=user)
    return complaint_out(visible(_complaints(user), complaint_id, "投诉举报登记"))


@router.post("/complaints/{complaint_id}/supplement", response=responses(200, ComplaintOut),
             summary="投诉人已补正,重新审查")
def supplement_complaint(request: HttpRequest, complaint_id: Id, data: SupplementIn) -> ComplaintOut:
    user = auth_user(request)
    complaint = visible(_complaints(user), complaint_id, "投诉举报登记")
    do_supplement_complaint(complaint, note=data.note, actor=user)
    return complaint_out(visible(_complaints(user), complaint_id, "投诉举报登记"))


# ---------------------------------------------------------------- patrol inspections


class InspectionOut(Schema):
    id: int
    unit: UnitBrief
    party: PartyBrief
    place: str
    started_at: dt.datetime
    ended_at: dt.datetime
    officers: list[UserBrief]
    findings: str
    outcome: InspectionOutcome
    outcome_label: str
    rectification_deadline: dt.date | None
    arrival_filmed: bool = Field(description="到达即开机并拍摄门头及周边环境")
    departure_filmed: bool = Field(description="检查完毕再次拍摄门头后关机")
    credentials_shown: bool = Field(description="表明身份、出示执法证件已拍摄或记录")
    evidence_ids: list[int] = Field(description="归属本次巡查的音像资料")
    case_ids: list[int]


class InspectionPage(CursorPage):
    count: int = Field(description="符合条件的巡查记录数:每位用户、每种筛选条件至多每分钟统计一次(统计时间见 counted_at;"
                                   "列表本身总是最新的)")
    items: list[InspectionOut]


class InspectionFilter(CursorPaging):
    outcome: InspectionOutcome | None = None


class InspectionIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "unit_id": 1, "party_id": 1, "place": "名山区某工地", "started_at": "2025-03-02T09:00:00+08:00",
        "ended_at": "2025-03-02T10:30:00+08:00", "officer_ids": [2], "findings": "工资支付台账齐全,未发现问题",
        "outcome": "record"}]})

    unit_id: Id
    party_id: Id
    place: Str200
    started_at: Moment
    ended_at: Moment
    officer_ids: IdList = Field([], description="检查人员编号(记录人自动列入)")
    findings: LongText
    outcome: InspectionOutcome
    rectification_deadline: dt.date | None = Field(None, description="责令改正时:整改期限")
    case_title: Str200 = Field("", description="转立案时:案由")
    handler_opinion: LongText = Field("", description="转立案时:承办人意见")
    arrival_filmed: bool = Field(False, description="到达检查地点即开启执法记录仪,拍摄门头及周边环境")
    departure_filmed: bool = Field(False, description="检查完毕再次拍摄门头后关闭执法记录仪")
    credentials_shown: bool = Field(False, description="表明身份、出示执法证件的过程已拍摄或记录")


def _inspections(user: User) -> QuerySet[Inspection]:
    return (Inspection.objects.restrict(user).select_related("unit", "party")
            .prefetch_related("officers", "cases"))


def inspection_out(i: Inspection) -> InspectionOut:
    return InspectionOut(
        id=i.pk, unit=_unit(i.unit), party=_party_brief(i.party), place=i.place, started_at=i.started_at,
        ended_at=i.ended_at, officers=[_user(o) for o in i.officers.all()], findings=i.findings,
        outcome=InspectionOutcome(i.outcome), outcome_label=i.get_outcome_display(),
        rectification_deadline=i.rectification_deadline, arrival_filmed=i.arrival_filmed,
        departure_filmed=i.departure_filmed, credentials_shown=i.credentials_shown,
        evidence_ids=sorted(hooks.provided(hooks.INSPECTION_EVIDENCE, i, default=[])),
        case_ids=sorted(c.pk for c in i.cases.all()),
    )


@router.get("/inspections", response=responses(200, InspectionPage), summary="日常巡视检查列表")
def list_inspections(request: HttpRequest, filters: Query[InspectionFilter]) -> InspectionPage:
    user = auth_user(request)
    qs = _inspections(user)
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    items, following = api_page(qs, "started_at", after=filters.after, offset=filters.offset, limit=filters.limit)
    count, counted_at = cached_count(
        qs, list_key("api-inspections", user.pk, filters.dict()))
    return InspectionPage(count=count, counted_at=counted_at, items=[inspection_out(i) for i in items], next=following)


@router.get("/inspections/{inspection_id}", response=responses(200, InspectionOut), summary="日常巡视检查详情")
def get_inspection(request: HttpRequest, inspection_id: Id) -> InspectionOut:
    return inspection_out(visible(_inspections(auth_user(request)), inspection_id, "巡视检查记录"))


@router.post("/inspections", response=responses(201, InspectionOut), summary="记录日常巡视检查")
def create_inspection(request: HttpRequest, data: InspectionIn) -> Status[InspectionOut]:
    user = auth_user(request)
    inspection = do_record_inspection(
        unit=reference(_agency_units(user), data.unit_id, "unit_id", "执法机构"),
        party=reference(Party.objects.restrict(user), data.party_id, "party_id", "当事人"),
        place=data.place, started_at=data.started_at, ended_at=data.ended_at,
        officers=references(agency_users(user), data.officer_ids, "officer_ids", "执法人员"),
        findings=data.findings, outcome=data.outcome, rectification_deadline=data.rectification_deadline,
        case_title=data.case_title, handler_opinion=data.handler_opinion, arrival_filmed=data.arrival_filmed,
        departure_filmed=data.departure_filmed, credentials_shown=data.credentials_shown, actor=user,
    )
    return Status(201, inspection_out(visible(_inspections(user), inspection.pk, "巡视检查记录")))


# ---------------------------------------------------------------- cases: reads


class CaseSummaryOut(Schema):
    id: int
    number: str | None
    title: str
    procedure: Procedure
    stage: Stage
    stage_label: str
    unit: UnitBrief
    party: PartyBrief
    handler: UserBrief
    emergency: bool
    registered_at: dt.datetime
    filed_at: dt.datetime | None
    closed_at: dt.datetime | None


class CasePage(CursorPage):
    count: int = Field(description="符合条件的案件数:每位用户、每种筛选条件至多每分钟统计一次,"
                                   "可能未计入刚登记的案件(统计时间见 counted_at;列表本身总是最新的)")
    items: list[CaseSummaryOut]


class ApprovalOut(Schema):
    id: int
    kind: ApprovalKind
    kind_label: str
    approved: bool
    opinion: str
    by_name: str
    at: dt.datetime


class ServiceOut(Schema):
    id: int
    document: str = Field(description="送达文书的名称和文号(送达时)")
    document_id: int | None = Field(None, description="送达的文书(本案已签发的文书)")
    method: ServiceMethod
    method_label: str
    served_at: dt.datetime
    recipient: str
    note: str
    receipt: str = Field("", description="付邮凭证和回执(邮寄送达)")
    attempts: str = Field("", description="已采用其他方式均无法送达的情况(公告送达)")
    record: str = Field("", description="截屏、截图、录音或屏幕录像等记录(电子送达、公告送达)")
    returned: str = Field("", description="邮件被邮政企业退回的具体情况(邮寄送达)")
    fax: str = Field("", description="传真时间和受送达人的传真号码(传真送达)")
    refusal: str = Field("", description="拒收事由(留置送达,记入送达回证)")
    entrust_reason: str = Field("", description="委托、转交原因(委托/转交送达,记入送达回证)")
    fax_number: str = Field("", description="受送达人的传真号码(传真送达;传真时间即送达时间)")


class FollowUpOut(Schema):
    id: int
    kind: FollowUpKind
    kind_label: str
    due_on: dt.date | None = Field(description="履行或整改期限")
    checked_at: dt.datetime | None = Field(description="核查、受理或执行的时间;为空表示尚待核查")
    result: str = Field(description="核查情况、法院受理通知书或执行结果的记录")
    fulfilled: bool | None = Field(description="已履行或整改到位")
    overdue: bool = Field(description="期限已过仍未核查")
    recorded_by_name: str
    recorded_at: dt.datetime


class TransitionOut(Schema):
    from_stage: Stage
    to_stage: Stage
    actor_name: str
    at: dt.datetime
    note: str


class MoveFieldOut(Schema):
    name: str
    label: str


class MoveOut(Schema):
    to: Stage
    label: str
    fields: list[MoveFieldOut] = Field(description="该操作须填写的字段(放入 transitions 请求的 fields)")
    blocked_reason: str | None = Field(description="目前还不能执行的原因;为空表示可以执行")


class PendingApprovalOut(Schema):
    kind: ApprovalKind
    label: str
    may_approve: bool = Field(description="当前用户能否签署此意见")


class ServableDocumentOut(Schema):
    id: int
    label: str = Field(description="文书名称和文号")


class CaseDetailOut(CaseSummaryOut):
    source: CaseSource
    source_note: str
    complaint_id: int | None
    inspection_id: int | None
    facts: str
    handler_opinion: str
    officers: list[UserBrief]
    emergency_reason: str
    major: bool = Field(False, description="重大行政执法行为(规范要求时,立案审批表须有法制机构合法性审查意见)")
    approval_due_at: dt.datetime | None
    archive_due_at: dt.datetime | None
    archived_at: dt.datetime | None
    investigation_summary: str
    decision_kind: DecisionKind | None
    decision_text: str
    decision_basis: str
    penalty_amount: Amount | None
    decided_at: dt.datetime | None
    execution_result: str
    simple_record: dict[str, str]
    version: int
    approvals: list[ApprovalOut]
    services: list[ServiceOut]
    follow_ups: list[FollowUpOut] = Field(description="决定后的跟进:履行情况检查、整改核查(复查)、法院受理和执行结果")
    transitions: list[TransitionOut]
    moves: list[MoveOut] = Field(description="当前用户可执行的阶段变更")
    pending_approvals: list[PendingApprovalOut] = Field(description="案件正在等待的审批意见")
    may_record_decision: bool
    may_record_service: bool
    may_record_follow_up: bool = Field(description="当前用户能否登记履行、整改期限和跟进情况")
    may_assign_officers: bool
    servable_documents: list[ServableDocumentOut] = Field(
        description="本案已签发、可以送达的文书:登记送达时从中选择(document_id)")


class TimelineEntryOut(Schema):
    id: int
    occurred_at: dt.datetime
    action: str
    actor_name: str
    actor_role: str
    payload: dict[str, Any]


class CaseFilter(CursorPaging):
    stage: Stage | None = None
    unit: Id | None = Field(None, description="承办机构编号")
    handler: Id | None = Field(None, description="主办人编号")
    party: Str200 = Field("", description="当事人名称包含")
    q: Str200 = Field("", description="案号或案由包含")
    date_from: dt.date | None = Field(None, description="登记日期不早于(北京时间)")
    date_to: dt.date | None = Field(None, description="登记日期不晚于(北京时间)")


def _cases(user: User) -> QuerySet[Case]:
    return Case.objects.restrict(user).select_related("agency", "unit", "party", "handler")


def _case(user: User, case_id: int) -> Case:
    return visible(_cases(user), case_id, "案件")


def _summary_fields(c: Case) -> dict[str, Any]:
    return {
        "id": c.pk, "number": c.number, "title": c.title, "procedure": Procedure(c.procedure),
        "stage": Stage(c.stage), "stage_label": c.get_stage_display(), "unit": _unit(c.unit),
        "party": _party_brief(c.party), "handler": _user(c.handler), "emergency": c.emergency,
        "registered_at": c.registered_at, "filed_at": c.filed_at, "closed_at": c.closed_at,
    }


def _moves(case: Case, user: User) -> list[MoveOut]:
    profile = workflow.profile_of(case)
    out = []
    for move in workflow.MOVES.get(Stage(case.stage), ()):
        if workflow.find_move(case, move.to) != move or not workflow.may_move(user, case, move):
            continue
        out.append(MoveOut(
            to=move.to, label=move.label, fields=[MoveFieldOut(name=n, label=lbl) for n, lbl in move.fields],
            blocked_reason=move.guard(case, profile) if move.guard else None,
        ))
    return out


def _proof_texts(service: Service) -> dict[str, str]:
    proof = getattr(service, "proof", None)  # none until a proof is recorded
    return {k: getattr(proof, k) for k in SERVICE_PROOFS} if proof is not None else {}


def _follow_up_out(f: FollowUp) -> FollowUpOut:
    return FollowUpOut(id=f.pk, kind=FollowUpKind(f.kind), kind_label=f.get_kind_display(), due_on=f.due_on,
                       checked_at=f.checked_at, result=f.result, fulfilled=f.fulfilled,
                       overdue=queries.follow_up_overdue(f), recorded_by_name=f.recorded_by_name,
                       recorded_at=f.recorded_at)


def case_detail(case_id: int, user: User) -> CaseDetailOut:
    c = visible(_cases(user).prefetch_related("officers", "approvals", "services", "follow_ups",
                                         "transitions__actor"),
                case_id, "案件")
    officer = workflow.is_case_officer(user, c)
    approvals: list[Approval] = list(c.approvals.all())
    services: list[Service] = list(c.services.select_related("proof"))
    return CaseDetailOut(
        **_summary_fields(c),
        source=CaseSource(c.source), source_note=c.source_note, complaint_id=c.complaint_id,
        inspection_id=c.inspection_id, facts=c.facts, handler_opinion=c.handler_opinion,
        officers=[_user(o) for o in c.officers.all()], emergency_reason=c.emergency_reason, major=c.major,
        approval_due_at=c.approval_due_at, archive_due_at=c.archive_due_at, archived_at=c.archived_at,
        investigation_summary=c.investigation_summary,
        decision_kind=DecisionKind(c.decision_kind) if c.decision_kind else None, decision_text=c.decision_text,
        decision_basis=c.decision_basis, penalty_amount=c.penalty_amount, decided_at=c.decided_at,
        execution_result=c.execution_result, simple_record={str(k): str(v) for k, v in c.simple_record.items()},
        version=c.version,
        approvals=[ApprovalOut(id=a.pk, kind=ApprovalKind(a.kind), kind_label=a.get_kind_display(),
                               approved=a.approved, opinion=a.opinion, by_name=a.by_name, at=a.at)
                   for a in approvals],
        services=[ServiceOut(id=s.pk, document=s.document, document_id=s.document_ref, method=ServiceMethod(s.method),
                             method_label=s.get_method_display(), served_at=s.served_at, recipient=s.recipient,
                             note=s.note, **_proof_texts(s)) for s in services],
        follow_ups=[_follow_up_out(f) for f in c.follow_ups.all()],
        transitions=[TransitionOut(from_stage=Stage(t.from_stage), to_stage=Stage(t.to_stage),
                                   actor_name=t.actor.display_name, at=t.at, note=t.note)
                     for t in c.transitions.all()],
        moves=_moves(c, user),
        pending_approvals=[PendingApprovalOut(kind=ApprovalKind(k), label=ApprovalKind(k).label,
                                              may_approve=workflow.may_approve(user, c, k))
                           for k in workflow.pending_approval_kinds(c)],
        may_record_decision=officer and c.stage == Stage.REVIEWING,
        may_record_service=officer and c.stage == Stage.SERVING,
        may_record_follow_up=(officer or user.has_role(Role.HEAD, c.unit_id))
        and c.stage in (Stage.SERVING, Stage.CLOSED) and bool(c.decision_kind),
        may_assign_officers=(officer or user.has_role(Role.HEAD, c.unit_id))
        and c.stage not in (Stage.CLOSED, Stage.ARCHIVED, Stage.NOT_FILED),
        servable_documents=[ServableDocumentOut(id=pk, label=label)
                            for pk, label in hooks.provided(hooks.SERVABLE_DOCUMENTS, c, default=[])],
    )


@router.get("/cases", response=responses(200, CasePage), summary="案件列表")
def list_cases(request: HttpRequest, filters: Query[CaseFilter]) -> CasePage:
    user = auth_user(request)
    qs = queries.filter_cases(_cases(user), filters.dict())
    items, following = api_page(qs, "registered_at", after=filters.after, offset=filters.offset, limit=filters.limit)
    # The count is the case list's: an exact COUNT reads every case of the user's scope and filter
    # (a third to a half of the request's reads at 300 cases, growing with every case), so it is counted at
    # most once a minute per user and filter, as the list page's total is.
    count, counted_at = cached_count(
        qs, list_key("api-cases", user.pk, filters.dict()))
    return CasePage(count=count, counted_at=counted_at, items=[CaseSummaryOut(**_summary_fields(c)) for c in items],
                    next=following)


@router.get("/cases/{case_id}", response=responses(200, CaseDetailOut), summary="案件详情(含当前用户可执行的操作)")
def get_case(request: HttpRequest, case_id: Id) -> CaseDetailOut:
    return case_detail(case_id, auth_user(request))


@router.get("/cases/{case_id}/timeline", response=responses(200, list[TimelineEntryOut]),
            summary="案件全过程记录(已完成的领域事件)")
def case_timeline(request: HttpRequest, case_id: Id) -> list[TimelineEntryOut]:
    user = auth_user(request)
    case = _case(user, case_id)
    events = queries.timeline(case)
    # access: events about marked records the user may not read are named, their facts withheld.
    from lawtrail.access.policy import hidden_events

    withheld = set(events.filter(hidden_events(user)).values_list("pk", flat=True))
    return [TimelineEntryOut(id=e.pk, occurred_at=e.occurred_at, action=e.action, actor_name=e.actor_name,
                             actor_role=e.actor_role, payload={} if e.pk in withheld else e.payload) for e in events]


# ---------------------------------------------------------------- cases: writes


class CaseIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "unit_id": 1, "title": "某某公司未依法签订劳动合同案", "source": "inspection", "party_id": 1,
        "facts": "巡查发现该公司未与 12 名劳动者签订书面劳动合同", "handler_id": 1, "handler_opinion": "建议立案调查",
        "officer_ids": [2]}]})

    unit_id: Id
    title: Str200
    source: CaseSource
    source_note: Str200 = ""
    party_id: Id
    facts: LongText
    handler_id: Id = Field(..., description="主办人编号")
    handler_opinion: LongText
    officer_ids: IdList = Field([], description="其他执法人员编号(主办人自动列入)")
    emergency: bool = Field(False, description="情况紧急,先行启动(规范允许时)")
    emergency_reason: LongText = ""
    major: bool = Field(False, description="重大行政执法行为(规范要求时,立案须经法制机构合法性审查)")


class ApprovalIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"kind": "filing.head", "approved": True, "opinion": "同意立案"}]})

    kind: ApprovalKind
    approved: bool
    opinion: LongText


class TransitionIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "to": "reviewing", "note": "调查终结", "fields": {"investigation_summary": "经调查,拖欠工资属实"}}]})

    to: Stage
    note: LongText = ""
    fields: dict[Str50, LongText] = Field({}, max_length=10, description="该阶段变更须填写的字段,见案件详情 moves")


class DecisionIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "kind": "penalty", "text": "罚款人民币贰仟元", "basis": "《劳动保障监察条例》第二十六条",
        "penalty_amount": "2000.00"}]})

    kind: DecisionKind
    text: LongText
    basis: LongText
    penalty_amount: Amount | None = Field(None, description="行政处罚时:罚款金额(元)")
    document_fields: dict[Str50, LongText | list[Str200]] = Field(
        {}, max_length=20,
        description="决定书上决定本身以外的内容,如 evidence(证据材料,每项一行)、circumstances(从重从轻情形)、"
                    "performance(履行期限和方式)、remedy(救济途径和期限)、deadline_on(改正期限,责令改正时)")


# What proves a service beyond the receipt (SERVICE_PROOFS): given with the service or added later.
class ServiceProofIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"receipt": "EMS 1234567890123,回执已由张三签收"}]})

    receipt: LongText = Field("", description="付邮凭证和回执(邮寄送达)")
    attempts: LongText = Field("", description="已采用其他方式均无法送达的情况(公告送达)")
    record: LongText = Field("", description="截屏、截图、录音或屏幕录像等记录(电子送达、公告送达)")
    returned: LongText = Field("", description="邮件被邮政企业退回的具体情况(邮寄送达)")
    fax: LongText = Field("", description="传真时间和受送达人的传真号码(传真送达)")
    refusal: LongText = Field("", description="拒收事由(留置送达须填,记入送达回证)")
    entrust_reason: LongText = Field("", description="委托、转交原因(委托/转交送达须填,记入送达回证)")
    fax_number: Str100 = Field("", description="受送达人的传真号码(传真送达须填;传真时间即送达时间)")


class ServiceIn(ServiceProofIn):
    # The served document is picked from the case's issued ones (servable_documents), never typed.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "document_id": 1, "method": "direct", "served_at": "2025-03-05T10:00:00+08:00",
        "recipient": "张三"}]})

    document_id: Id = Field(description="送达的文书:案件详情 servable_documents 中的一项")
    method: ServiceMethod
    served_at: Moment
    recipient: Str100
    note: LongText = ""


class FollowUpDueIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "kind": "rectification", "due_on": "2025-04-30"}]})

    kind: Literal["performance", "rectification"] = Field(description="performance 履行期限,rectification 整改期限")
    due_on: dt.date = Field(description="期限(北京时间的日期)")


class FollowUpIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "kind": "rectification", "checked_at": "2025-04-30T10:00:00+08:00",
        "result": "复查:已按要求补发工资并公示", "fulfilled": True}]})

    kind: FollowUpKind
    checked_at: Moment = Field(description="核查(复查)、法院受理或执行的时间")
    result: LongText = Field(description="核查情况、法院受理通知书(文号)或强制执行结果")
    fulfilled: bool | None = Field(None, description="已履行或整改到位(履行情况检查、整改核查须填)")


class OfficersIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"officer_ids": [2]}]})

    officer_ids: IdList


class SimpleCaseIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "unit_id": 1, "party_id": 1, "title": "未按规定公示工资支付情况", "decision_text": "当场罚款人民币伍拾元",
        "items": {"facts_and_basis": "现场检查发现……依据……", "steps": "出示执法证件,告知权利,制作当场处罚决定书",
                  "statement": "当事人无异议", "statement_review": "无需复核", "filing": "已于当日备案"},
        "penalty_amount": "50.00", "paid_on_spot": True, "officer_ids": [2]}]})

    unit_id: Id
    party_id: Id
    title: Str200
    items: dict[Str50, LongText] = Field(
        ..., max_length=10,
        description="简易程序记录: facts_and_basis, steps, statement, statement_review, filing;"
                    "当场收缴罚款的另填 collection(收缴的实施过程)",
    )
    decision_text: LongText
    penalty_amount: Amount | None = None
    paid_on_spot: bool = False
    officer_ids: IdList = []
    document_fields: dict[Str50, LongText | list[Str200]] = Field(
        {}, max_length=20, description="当场行政处罚决定书除简易程序记录外的内容:place(地点)等;齐全时随决定签发")


@router.post("/cases", response=responses(201, CaseDetailOut), summary="登记案件(填写立案审批表)")
def create_case(request: HttpRequest, data: CaseIn) -> Status[CaseDetailOut]:
    user = auth_user(request)
    users = agency_users(user)
    case = do_register_case(
        unit=reference(_agency_units(user), data.unit_id, "unit_id", "执法机构"), title=data.title,
        source=data.source, party=reference(Party.objects.restrict(user), data.party_id, "party_id", "当事人"),
        facts=data.facts, handler=reference(users, data.handler_id, "handler_id", "主办人"),
        handler_opinion=data.handler_opinion,
        officers=references(users, data.officer_ids, "officer_ids", "执法人员"), source_note=data.source_note,
        emergency=data.emergency, emergency_reason=data.emergency_reason, major=data.major, actor=user,
    )
    return Status(201, case_detail(case.pk, user))


@router.post("/cases/{case_id}/approvals", response=responses(201, CaseDetailOut), summary="签署审批意见")
def give_approval(request: HttpRequest, case_id: Id, data: ApprovalIn) -> Status[CaseDetailOut]:
    user = auth_user(request)
    do_give_approval(_case(user, case_id), kind=data.kind, approved=data.approved, opinion=data.opinion,
                     actor=user)
    return Status(201, case_detail(case_id, user))


@router.post("/cases/{case_id}/transitions", response=responses(200, CaseDetailOut), summary="变更案件阶段")
def transition_case(request: HttpRequest, case_id: Id, data: TransitionIn) -> CaseDetailOut:
    user = auth_user(request)
    do_transition_case(_case(user, case_id), to=data.to, note=data.note, fields=data.fields, actor=user)
    return case_detail(case_id, user)


@router.post("/cases/{case_id}/decision", response=responses(200, CaseDetailOut), summary="拟定处理决定")
def record_decision(request: HttpRequest, case_id: Id, data: DecisionIn) -> CaseDetailOut:
    user = auth_user(request)
    do_record_decision(_case(user, case_id), kind=data.kind, text=data.text, basis=data.basis,
                       penalty_amount=data.penalty_amount, document_fields=dict(data.document_fields), actor=user)
    return case_detail(case_id, user)


@router.post("/cases/{case_id}/services", response=responses(201, CaseDetailOut), summary="登记送达回证")
def record_service(request: HttpRequest, case_id: Id, data: ServiceIn) -> Status[CaseDetailOut]:
    user = auth_user(request)
    do_record_service(_case(user, case_id), document_id=data.document_id, method=data.method, served_at=data.served_at,
                      recipient=data.recipient, note=data.note, receipt=data.receipt, attempts=data.attempts,
                      record=data.record, returned=data.returned, fax=data.fax, refusal=data.refusal,
                      entrust_reason=data.entrust_reason, fax_number=data.fax_number, actor=user)
    return Status(201, case_detail(case_id, user))


@router.post("/cases/{case_id}/services/{service_id}/proof", response=responses(200, CaseDetailOut),
             summary="补充送达留痕(如邮寄送达的回执)")
def add_service_proof(request: HttpRequest, case_id: Id, service_id: Id, data: ServiceProofIn) -> CaseDetailOut:
    user = auth_user(request)
    case = _case(user, case_id)
    service = case.services.filter(pk=service_id).first()
    if service is None:
        raise NotFound("not_found", "送达记录不存在或无权查看", {"id": service_id})
    do_add_service_proof(service, receipt=data.receipt, attempts=data.attempts, record=data.record,
                         returned=data.returned, fax=data.fax, refusal=data.refusal,
                         entrust_reason=data.entrust_reason, fax_number=data.fax_number, actor=user)
    return case_detail(case_id, user)


@router.post("/cases/{case_id}/follow-up-dues", response=responses(201, CaseDetailOut), summary="登记履行或整改期限")
def schedule_follow_up(request: HttpRequest, case_id: Id, data: FollowUpDueIn) -> Status[CaseDetailOut]:
    user = auth_user(request)
    do_schedule_follow_up(_case(user, case_id), kind=data.kind, due_on=data.due_on, actor=user)
    return Status(201, case_detail(case_id, user))


@router.post("/cases/{case_id}/follow-ups", response=responses(201, CaseDetailOut),
             summary="记录履行情况检查、整改核查(复查)、法院受理或强制执行结果")
def record_follow_up(request: HttpRequest, case_id: Id, data: FollowUpIn) -> Status[CaseDetailOut]:
    user = auth_user(request)
    do_record_follow_up(_case(user, case_id), kind=data.kind, checked_at=data.checked_at, result=data.result,
                        fulfilled=data.fulfilled, actor=user)
    return Status(201, case_detail(case_id, user))


@router.post("/cases/{case_id}/officers", response=responses(200, CaseDetailOut), summary="调整办案人员")
def assign_officers(request: HttpRequest, case_id: Id, data: OfficersIn) -> CaseDetailOut:
    user = auth_user(request)
    case = _case(user, case_id)
    do_assign_officers(case, officers=references(agency_users(user), data.officer_ids, "officer_ids", "执法人员"),
                       actor=user)
    return case_detail(case_id, user)


@router.post("/simple-cases", response=responses(201, CaseDetailOut), summary="简易程序当场作出决定")
def decide_simple_case(request: HttpRequest, data: SimpleCaseIn) -> Status[CaseDetailOut]:
    user = auth_user(request)
    case = do_decide_simple_case(
        unit=reference(_agency_units(user), data.unit_id, "unit_id", "执法机构"),
        party=reference(Party.objects.restrict(user), data.party_id, "party_id", "当事人"), title=data.title,
        items=data.items, decision_text=data.decision_text, penalty_amount=data.penalty_amount,
        paid_on_spot=data.paid_on_spot, officers=references(agency_users(user), data.officer_ids, "officer_ids",
                                                            "执法人员"),
        document_fields=dict(data.document_fields), actor=user,
    )
    return Status(201, case_detail(case.pk, user))
