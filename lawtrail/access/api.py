"""API: 调用单 (requests, approvals, grants and their copies), the access register, confidentiality marks."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from lawtrail.cases.models import Case
from lawtrail.documents.models import Document
from lawtrail.evidence.models import Evidence
from lawtrail.lib.apikit import (
    ERROR_STATUSES,
    EXPENSIVE_STATUSES,
    CursorPaging,
    ErrorOut,
    Id,
    IdList,
    LongText,
    Moment,
    Page,
    Str50,
    Str100,
    Str200,
    auth_user,
    reference,
    references,
    responses,
    visible,
)
from lawtrail.lib.errors import Conflict
from lawtrail.lib.paging import cached_count

from . import actions, policy, queries
from . import serving as access_serving
from .choices import RequesterKind, RequestStatus, Secrecy
from .models import AccessRequest, Share

router = Router(tags=["access"])


class RequestIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "case_id": 1, "kind": "internal", "whole_case": True, "purpose": "复核案件", "expires_at":
            "2026-12-31T18:00:00+08:00"}]})

    case_id: Id
    kind: RequesterKind
    whole_case: bool = False
    document_ids: IdList = Field(default_factory=list)
    evidence_ids: IdList = Field(default_factory=list)
    clearances: list[Secrecy] = Field(default_factory=list, max_length=3)
    purpose: LongText
    requester_id: Id | None = Field(None, description="调用人的账号(非本机关人员);本机构调用缺省为本人")
    requester_name: Str100 = ""
    requester_unit: Str200 = ""
    copier_name: Str100 = ""
    expires_at: Moment


class RequestOut(Schema):
    id: int
    number: str
    kind: RequesterKind
    status: RequestStatus
    status_label: str
    in_force: bool = Field(description="已批准、未撤销、未过期")
    case_id: int
    whole_case: bool
    document_ids: list[int]
    evidence_ids: list[int]
    clearances: list[str]
    purpose: str
    requester_id: int | None
    requester_name: str
    requester_unit: str
    copier_name: str
    expires_at: dt.datetime
    created_at: dt.datetime
    approver_name: str
    decided_at: dt.datetime | None
    opinion: str
    rule_article: str
    revoked_at: dt.datetime | None


class RequestPage(Page):
    count: int = Field(description="符合条件的调用单数:每位用户、每种筛选条件至多每分钟统计一次,"
                                   "可能未计入刚提交的调用单(统计时间见 counted_at;列表本身总是最新的)")
    counted_at: dt.datetime | None = Field(None, description="count 的统计时间(待我审批的列表为当前数目,无此项)")
    items: list[RequestOut]
    next: str | None = Field(None, description="下一页的游标:作为 after 参数传回即得下一页;没有下一页时为 null"
                                               "(待我审批的列表为一页,无此项)")


class RequestFilter(CursorPaging):
    status: RequestStatus | None = None
    pending_for_me: bool = Field(False, description="只列待我审批的")


class DecisionIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"approved": True, "opinion": "同意"}]})

    approved: bool
    opinion: LongText = ""


class RevokeIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "事由已消失"}]})

    reason: LongText


class MarkIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"record": "evidence", "record_id": 1,
                                                              "level": "privacy", "reason": "含未成年人影像"}]})

    record: Literal["case", "document", "evidence"]
    record_id: Id
    level: Secrecy
    reason: LongText


class MarkOut(Schema):
    id: int
    record: str
    record_id: int
    level: Secrecy
    reason: str
    active: bool
    marked_by: str
    marked_at: dt.datetime


class RegisterFilterIn(Schema):
    case_id: Id | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    person: Str50 = ""
    limit: int = Field(100, ge=1, le=1000)


class RegisterRowOut(Schema):
    event_id: int
    at: dt.datetime
    action: str
    action_label: str
    outcome: str
    reason: str
    record: str
    case_id: int | None
    actor: str
    payload: dict[str, Any]


def request_out(r: AccessRequest) -> RequestOut:
    from lawtrail.lib import timez

    return RequestOut(
        id=r.pk, number=r.number, kind=RequesterKind(r.kind), status=RequestStatus(r.status),
        status_label=r.get_status_display(), in_force=r.valid_at(timez.now()), case_id=r.case_id,
        whole_case=r.whole_case, document_ids=sorted(d.pk for d in r.documents.all()),
        evidence_ids=sorted(e.pk for e in r.evidence.all()), clearances=list(r.clearances or []),
        purpose=r.purpose, requester_id=r.requester_id, requester_name=r.requester_name,
        requester_unit=r.requester_unit, copier_name=r.copier_name, expires_at=r.expires_at,
        created_at=r.created_at, approver_name=r.approver_name, decided_at=r.decided_at, opinion=r.opinion,
        rule_article=r.rule_article, revoked_at=r.revoked_at)


def _request(request: HttpRequest, pk: int) -> AccessRequest:
    return visible(queries.visible_requests(auth_user(request)), pk, "调用单")


@router.get("/access-requests", response=responses(200, RequestPage), summary="调用单列表(我提出的、为我调用的、我可查阅的)")
def list_requests(request: HttpRequest, filters: Query[RequestFilter]) -> RequestPage:
    user = auth_user(request)
    if filters.pending_for_me:
        items = queries.approvals_inbox(user, limit=200)
        return RequestPage(count=len(items), counted_at=None, items=[request_out(r) for r in
                                                    items[filters.offset:filters.offset + filters.limit]], next=None)
    qs = queries.visible_requests(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    page, following = queries.newest_requests(user, qs, after=filters.after, offset=filters.offset, limit=filters.limit)
    # The chosen records of a page's requests in two queries, not two a request.
    prefetch_related_objects(page, Prefetch("documents", Document.objects.only("pk")),
                             Prefetch("evidence", Evidence.objects.only("pk")))
    # The count reads every request in reach: counted at most once a minute per user and filter.
    count, counted_at = cached_count(qs, f"api-access-requests:{user.pk}?{filters.status or ''}")
    return RequestPage(count=count, counted_at=counted_at, items=[request_out(r) for r in page], next=following)


@router.post("/access-requests", response=responses(201, RequestOut), summary="提交调用单")
def create_request(request: HttpRequest, data: RequestIn) -> Status[RequestOut]:
    from lawtrail.accounts.models import User

    user = auth_user(request)
    case = reference(Case.objects.restrict(user), data.case_id, "case_id", "案件")
    # access: records the requester may not see are named like missing ones (no existence oracle).
    docs = references(policy.restrict(Document.objects.filter(case=case), user), data.document_ids,
                      "document_ids", "文书")
    evs = references(policy.restrict(Evidence.objects.filter(case=case), user), data.evidence_ids,
                     "evidence_ids", "音像资料")
    requester = reference(User.objects.filter(is_active=True), data.requester_id, "requester_id", "调用人") \
        if data.requester_id else None
    req = actions.do_request_access(
        case, kind=data.kind, whole_case=data.whole_case, documents=docs, evidence=evs,
        clearances=[str(c) for c in data.clearances], purpose=data.purpose, requester=requester,
        requester_name=data.requester_name, requester_unit=data.requester_unit, copier_name=data.copier_name,
        expires_at=data.expires_at, actor=user)
    return Status(201, request_out(req))


@router.get("/access-requests/{request_id}", response=responses(200, RequestOut), summary="调用单详情")
def get_request(request: HttpRequest, request_id: Id) -> RequestOut:
    return request_out(_request(request, request_id))


@router.post("/access-requests/{request_id}/decision", response=responses(200, RequestOut),
             summary="审批调用单(由规范指定的负责人)")
def decide_request(request: HttpRequest, request_id: Id, data: DecisionIn) -> RequestOut:
    req = actions.do_decide_access_request(_request(request, request_id), approved=data.approved,
                                           opinion=data.opinion, actor=auth_user(request))
    return request_out(req)


@router.post("/access-requests/{request_id}/revocation", response=responses(200, RequestOut),
             summary="撤销调用授权")
def revoke_request(request: HttpRequest, request_id: Id, data: RevokeIn) -> RequestOut:
    req = actions.do_revoke_access_grant(_request(request, request_id), reason=data.reason,
                                         actor=auth_user(request))
    return request_out(req)


def _binary(content_types: list[str], description: str) -> dict[str, Any]:
    return {"responses": {"200": {"description": description, "content": {
        t: {"schema": {"type": "string", "format": "binary"}} for t in content_types}}}}


class PrintStateOut(Schema):
    status: str = Field(description="queued 正在后台合并;完成后本地址直接返回 PDF")
    documents: int


@router.get("/prints/{token}", response={202: PrintStateOut, **{s: ErrorOut for s in ERROR_STATUSES}},
            summary="取得后台合并的批量打印 PDF(仅申请人本人)",
            openapi_extra={"responses": {"200": {"description": "合并的 PDF", "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def get_print(request: HttpRequest, token: str) -> HttpResponse | Status:
    from . import prints

    state = prints.fetch(auth_user(request), token)
    if state.status == prints.FAILED:
        raise Conflict("print_failed", f"批量打印未能生成:{state.message}")
    if state.pdf is None:
        return Status(202, PrintStateOut(status=state.status, documents=state.documents))
    response = HttpResponse(state.pdf.read_bytes(), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename=\"print-{state.case.pk}.pdf\""
    return response


@router.get("/access-requests/{request_id}/documents/{document_id}/copy",
            response={s: ErrorOut for s in EXPENSIVE_STATUSES}, summary="调用授权下的文书复制件(PDF,加水印)",
            openapi_extra=_binary(["application/pdf"], "加水印的 PDF 复制件"))
def grant_document(request: HttpRequest, request_id: Id, document_id: Id) -> HttpResponse:
    user = auth_user(request)
    req = _request(request, request_id)
    doc = Document.objects.filter(pk=document_id).first()
    if doc is None:
        raise policy.Decision(False, "copy", visible=False).not_found()
    copy = access_serving.grant_document_copy(user, req, doc)
    response = HttpResponse(copy.data, content_type=copy.content_type)
    response["Content-Disposition"] = f"attachment; filename=\"copy-{doc.pk}.pdf\""
    response["X-Content-SHA256"] = copy.sha256
    return response


@router.get("/access-requests/{request_id}/evidence/{evidence_id}/copy",
            response={s: ErrorOut for s in EXPENSIVE_STATUSES}, summary="调用授权下的音像资料复制件(图片加水印,音视频原样)",
            openapi_extra=_binary(["application/octet-stream", "image/jpeg", "image/png"], "复制件"))
def grant_evidence(request: HttpRequest, request_id: Id, evidence_id: Id) -> HttpResponse | StreamingHttpResponse:
    user = auth_user(request)
    req = _request(request, request_id)
    ev = Evidence.objects.select_related("stored").filter(pk=evidence_id).first()
    if ev is None:
        raise policy.Decision(False, "copy", visible=False).not_found()
    return access_serving.grant_evidence(request, user, req, ev)


@router.get("/access-register", response=responses(200, list[RegisterRowOut]),
            summary="调用登记(查阅涉密资料、下载、复制;调阅人、复制人、审批人、时间、事由)")
def access_register(request: HttpRequest, filters: Query[RegisterFilterIn]) -> list[RegisterRowOut]:
    user = auth_user(request)
    events = queries.register(user, queries.RegisterFilter(case_id=filters.case_id, date_from=filters.date_from,
                                                           date_to=filters.date_to, person=filters.person))
    hidden = queries.withheld(user, events)
    return [RegisterRowOut(event_id=e.pk, at=e.occurred_at, action=e.action, action_label=e.action_label,
                           outcome=e.outcome, reason=e.reason,
                           record=queries.WITHHELD if e.pk in hidden else e.object_repr, case_id=e.case_id_frozen,
                           actor=e.actor_name, payload={} if e.pk in hidden else dict(e.payload or {}))
            for e in events[:filters.limit]]


@router.post("/confidentiality-marks", response=responses(201, MarkOut), summary="标记保密(国家秘密、商业秘密、个人隐私)")
def mark(request: HttpRequest, data: MarkIn) -> Status[MarkOut]:
    user = auth_user(request)
    model = {"case": Case, "document": Document, "evidence": Evidence}[data.record]
    obj = reference(policy.restrict(model._default_manager.all(), user), data.record_id, "record_id", "资料")
    m = actions.do_mark_confidential(obj, level=data.level, reason=data.reason, actor=user)
    return Status(201, MarkOut(id=m.pk, record=data.record, record_id=data.record_id, level=Secrecy(m.level),
                               reason=m.reason, active=m.active, marked_by=m.marked_by.display_name,
                               marked_at=m.marked_at))


class ShareIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "recipient": "名山区人民法院", "document_ids": [1], "evidence_ids": [], "expires_at": "2026-12-31T18:00:00+08:00"}]})

    recipient: Str200
    document_ids: IdList = Field(default_factory=list)
    evidence_ids: IdList = Field(default_factory=list)
    expires_at: Moment


class ShareOut(Schema):
    id: int
    request_id: int
    recipient: str
    document_ids: list[int]
    evidence_ids: list[int]
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    link: str | None = Field(None, description="共享链接,只在制作时返回一次")


def share_out(s: Share, link: str | None = None) -> ShareOut:
    return ShareOut(id=s.pk, request_id=s.request_id, recipient=s.recipient,
                    document_ids=sorted(s.documents.values_list("pk", flat=True)),
                    evidence_ids=sorted(s.evidence.values_list("pk", flat=True)), expires_at=s.expires_at,
                    revoked_at=s.revoked_at, link=link)


@router.post("/access-requests/{request_id}/shares", response=responses(201, ShareOut),
             summary="依据调用单制作共享链接(法院、检察院,无需登录)")
def create_share(request: HttpRequest, request_id: Id, data: ShareIn) -> Status[ShareOut]:
    user = auth_user(request)
    req = _request(request, request_id)
    docs = references(req.scope_documents(), data.document_ids, "document_ids", "文书")
    evs = references(req.scope_evidence(), data.evidence_ids, "evidence_ids", "音像资料")
    share, token = actions.do_create_share(req, recipient=data.recipient, documents=docs, evidence=evs,
                                           expires_at=data.expires_at, actor=user)
    return Status(201, share_out(share, request.build_absolute_uri(f"/s/{token}/")))


@router.post("/shares/{share_id}/revocation", response=responses(200, ShareOut), summary="撤销共享链接")
def revoke_share(request: HttpRequest, share_id: Id) -> ShareOut:
    user = auth_user(request)
    share = visible(queries.visible_shares(user), share_id, "共享链接")
    return share_out(actions.do_revoke_share(share, actor=user))


@router.get("/shares/{share_id}/receipt", response={s: ErrorOut for s in ERROR_STATUSES},
            summary="共享回执 PDF(每件资料及其 SHA-256)", openapi_extra=_binary(["application/pdf"], "回执 PDF"))
def share_receipt(request: HttpRequest, share_id: Id) -> HttpResponse:
    from . import receipt

    share = visible(queries.visible_shares(auth_user(request)), share_id, "共享链接")
    response = HttpResponse(receipt.receipt_pdf(share), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename=\"receipt-{share.pk}.pdf\""
    return response
