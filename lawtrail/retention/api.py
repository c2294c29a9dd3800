"""API: retention (why a record is kept), long-term flags, holds, and the disposal process.

Reads start from what the user may see; writes resolve ids among it and call one action.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.queries import visible_evidence
from lawtrail.lib.apikit import Id, IdList, LongText, auth_user, responses, visible
from lawtrail.lib.errors import InvalidInput
from lawtrail.retention import queries
from lawtrail.retention.actions import (
    do_decide_disposal,
    do_execute_disposal,
    do_flag_long_term,
    do_record_incident,
    do_release_hold,
    do_request_disposal,
    do_set_hold,
)
from lawtrail.retention.choices import IncidentKind, TriggerKind
from lawtrail.retention.models import CaseIncident, DisposalRecord, DisposalRequest, LegalHold

router = Router(tags=["retention"])


class DueOut(Schema):
    evidence_id: int
    name: str
    evidence_class: str
    class_label: str
    case_number: str | None
    sha256: str
    size: int
    recorded_start: dt.datetime | None
    until: dt.date | None
    basis: str
    request_id: int | None = Field(description="已列入的未办结销毁申请")


class ExplainOut(Schema):
    record: dict[str, Any]
    retention: dict[str, Any] = Field(description="保存期限:kind(period/indefinite/long_term)、until、basis、rule")
    by_current_rules: dict[str, Any] = Field(description="按现行规则计算的期限")
    floor_kept: bool = Field(description="是否因不自动缩短而保留了此前更长的期限")
    triggers: list[dict[str, Any]]
    holds: list[dict[str, Any]]
    why: list[str] = Field(description="仍然保存的原因")
    cases: list[dict[str, Any]] = []
    same_original: list[int] = []
    due: bool | None = None
    disposal: dict[str, Any] | None = None
    incidents: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []


class FlagIn(Schema):
    kind: TriggerKind
    reason: LongText


class IncidentIn(Schema):
    kind: IncidentKind
    description: LongText
    occurred_on: dt.date


class IncidentOut(Schema):
    id: int
    kind: str
    kind_label: str
    description: str
    occurred_on: dt.date
    long_term: bool


class ReasonIn(Schema):
    reason: LongText


class HoldOut(Schema):
    id: int
    case_id: int | None
    evidence_id: int | None
    reason: str
    set_by: str
    set_at: dt.datetime
    released_by: str
    released_at: dt.datetime | None
    release_reason: str


class DisposalIn(Schema):
    evidence_ids: IdList
    reason: LongText


class DecideIn(Schema):
    approve: bool
    opinion: LongText = ""


class DisposalItemOut(Schema):
    evidence_id: int
    sha256: str
    size: int
    until: dt.date | None
    basis: str


class DisposalOut(Schema):
    id: int
    status: str
    status_label: str
    reason: str
    requested_by: str
    requested_at: dt.datetime
    approved_by: str
    approved_at: dt.datetime | None
    opinion: str
    executed_at: dt.datetime | None
    items: list[DisposalItemOut]
    record_id: int | None


class DisposalRecordOut(Schema):
    id: int
    request_id: int
    requested_by: str
    requested_at: dt.datetime
    approved_by: str
    approved_at: dt.datetime
    executed_by: str
    executed_at: dt.datetime
    reason: str
    opinion: str
    items: list[dict[str, Any]] = Field(description="销毁的记录:名称、SHA-256、SM3、大小、存储键、依据")
    refused: list[dict[str, Any]] = Field(description="列入申请但未销毁的记录及原因")
    total_bytes: int


def _evidence(user: User, evidence_id: int) -> Evidence:
    # access: marked records the user is not cleared for answer like missing ones.
    return visible(visible_evidence(user).select_related("agency", "case", "stored"), evidence_id, "音像资料")


def _case(user: User, case_id: int) -> Case:
    return visible(Case.objects.restrict(user).select_related("agency", "unit"), case_id, "案件")


def _disposal(user: User, disposal_id: int) -> DisposalRequest:
    return visible(DisposalRequest.objects.restrict(user), disposal_id, "销毁申请")


def disposal_out(r: DisposalRequest) -> DisposalOut:
    record = DisposalRecord.objects.filter(request=r).values_list("pk", flat=True).first()
    return DisposalOut(id=r.pk, status=r.status, status_label=r.get_status_display(), reason=r.reason,
                       requested_by=r.requested_by_name, requested_at=r.requested_at,
                       approved_by=r.approved_by_name, approved_at=r.approved_at, opinion=r.opinion,
                       executed_at=r.executed_at, record_id=record,
                       items=[DisposalItemOut(evidence_id=i.evidence_id, sha256=i.sha256, size=i.size, until=i.until,
                                              basis=i.basis) for i in r.items.all()])


def record_out(r: DisposalRecord) -> DisposalRecordOut:
    return DisposalRecordOut(id=r.pk, request_id=r.request_id, requested_by=r.requested_by_name,
                             requested_at=r.requested_at, approved_by=r.approved_by_name, approved_at=r.approved_at,
                             executed_by=r.executed_by_name, executed_at=r.executed_at, reason=r.reason,
                             opinion=r.opinion, items=r.items, refused=r.refused, total_bytes=r.total_bytes)


def hold_out(h: LegalHold) -> HoldOut:
    return HoldOut(id=h.pk, case_id=h.case_id, evidence_id=h.evidence_id, reason=h.reason, set_by=h.set_by_name,
                   set_at=h.set_at, released_by=h.released_by_name, released_at=h.released_at,
                   release_reason=h.release_reason)


# ---------------------------------------------------------------- why kept, what is due


@router.get("/retention/due", response=responses(200, list[DueOut]), summary="保存期限已满、可申请销毁的音像资料")
def list_due(request: HttpRequest) -> list[DueOut]:
    out = []
    for d in queries.due(auth_user(request)):
        row = d.as_dict()
        row["evidence_class"] = row.pop("class")
        out.append(DueOut(**row))
    return out


@router.get("/retention/evidence/{evidence_id}", response=responses(200, ExplainOut),
            summary="音像资料的保存期限及仍然保存的原因")
def explain_evidence(request: HttpRequest, evidence_id: Id) -> dict[str, Any]:
    return queries.explain_evidence(_evidence(auth_user(request), evidence_id), user=auth_user(request))


@router.get("/retention/cases/{case_id}", response=responses(200, ExplainOut),
            summary="案卷、文书和音像资料的保存期限及原因")
def explain_case(request: HttpRequest, case_id: Id) -> dict[str, Any]:
    return queries.explain_case(_case(auth_user(request), case_id), user=auth_user(request))


# ---------------------------------------------------------------- long-term flags, incidents, holds


@router.post("/retention/cases/{case_id}/long-term", response=responses(200, ExplainOut),
             summary="设定长期保存情形(负责人)")
def flag_case(request: HttpRequest, case_id: Id, data: FlagIn) -> dict[str, Any]:
    user = auth_user(request)
    case = _case(user, case_id)
    do_flag_long_term(case, kind=data.kind, reason=data.reason, actor=user)
    return queries.explain_case(_case(user, case_id), user=user)


@router.post("/retention/evidence/{evidence_id}/long-term", response=responses(200, ExplainOut),
             summary="对一条音像资料设定长期保存情形(负责人)")
def flag_evidence(request: HttpRequest, evidence_id: Id, data: FlagIn) -> dict[str, Any]:
    user = auth_user(request)
    do_flag_long_term(_evidence(user, evidence_id), kind=data.kind, reason=data.reason, actor=user)
    return queries.explain_evidence(_evidence(user, evidence_id), user=user)


@router.post("/retention/cases/{case_id}/incidents", response=responses(201, IncidentOut),
             summary="登记异议、投诉、上访或阻碍执法等情况")
def record_incident(request: HttpRequest, case_id: Id, data: IncidentIn) -> Status[IncidentOut]:
    user = auth_user(request)
    incident = do_record_incident(_case(user, case_id), kind=data.kind, description=data.description,
                                  occurred_on=data.occurred_on, actor=user)
    return Status(201, incident_out(incident))


def incident_out(i: CaseIncident) -> IncidentOut:
    return IncidentOut(id=i.pk, kind=i.kind, kind_label=i.get_kind_display(), description=i.description,
                       occurred_on=i.occurred_on, long_term=i.case.long_term_flags.filter(kind=i.kind).exists())


@router.post("/retention/cases/{case_id}/holds", response=responses(201, HoldOut), summary="冻结案件的全部记录(负责人)")
def hold_case(request: HttpRequest, case_id: Id, data: ReasonIn) -> Status[HoldOut]:
    user = auth_user(request)
    return Status(201, hold_out(do_set_hold(_case(user, case_id), reason=data.reason, actor=user)))


@router.post("/retention/evidence/{evidence_id}/holds", response=responses(201, HoldOut),
             summary="冻结一条音像资料(负责人)")
def hold_evidence(request: HttpRequest, evidence_id: Id, data: ReasonIn) -> Status[HoldOut]:
    user = auth_user(request)
    return Status(201, hold_out(do_set_hold(_evidence(user, evidence_id), reason=data.reason, actor=user)))


@router.post("/retention/holds/{hold_id}/release", response=responses(200, HoldOut), summary="解除冻结(负责人)")
def release_hold(request: HttpRequest, hold_id: Id, data: ReasonIn) -> HoldOut:
    user = auth_user(request)
    holds = LegalHold.objects.filter(Q(case__in=Case.objects.restrict(user))
                                     | Q(evidence__in=visible_evidence(user)))
    return hold_out(do_release_hold(visible(holds, hold_id, "冻结"), reason=data.reason, actor=user))


# ---------------------------------------------------------------- disposal


@router.get("/retention/disposals", response=responses(200, list[DisposalOut]), summary="销毁申请列表")
def list_disposals(request: HttpRequest) -> list[DisposalOut]:
    return [disposal_out(r) for r in DisposalRequest.objects.restrict(auth_user(request))[:200]]


@router.post("/retention/disposals", response=responses(201, DisposalOut), summary="提出销毁申请(档案管理员、机关负责人)")
def request_disposal(request: HttpRequest, data: DisposalIn) -> Status[DisposalOut]:
    user = auth_user(request)
    wanted = list(dict.fromkeys(data.evidence_ids))
    found = {e.pk: e for e in visible_evidence(user).select_related("agency", "case", "stored")
             .filter(pk__in=wanted)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise InvalidInput("unknown_reference", f"音像资料(编号 {missing[0]})不存在或不属于本机关",
                           {"field": "evidence_ids", "id": missing[0]})
    return Status(201, disposal_out(do_request_disposal([found[i] for i in wanted], reason=data.reason, actor=user)))


@router.get("/retention/disposals/{disposal_id}", response=responses(200, DisposalOut), summary="销毁申请详情")
def get_disposal(request: HttpRequest, disposal_id: Id) -> DisposalOut:
    return disposal_out(_disposal(auth_user(request), disposal_id))


@router.post("/retention/disposals/{disposal_id}/decide", response=responses(200, DisposalOut),
             summary="审批销毁申请(机关负责人,不得审批本人的申请)")
def decide_disposal(request: HttpRequest, disposal_id: Id, data: DecideIn) -> DisposalOut:
    user = auth_user(request)
    return disposal_out(do_decide_disposal(_disposal(user, disposal_id), approve=data.approve, opinion=data.opinion,
                                           actor=user))


@router.post("/retention/disposals/{disposal_id}/execute", response=responses(200, DisposalRecordOut),
             summary="执行销毁,生成永久保存的销毁记录")
def execute_disposal(request: HttpRequest, disposal_id: Id) -> DisposalRecordOut:
    user = auth_user(request)
    return record_out(do_execute_disposal(_disposal(user, disposal_id), actor=user))


@router.get("/retention/disposal-records/{record_id}", response=responses(200, DisposalRecordOut),
            summary="销毁记录")
def get_record(request: HttpRequest, record_id: Id) -> DisposalRecordOut:
    return record_out(visible(DisposalRecord.objects.restrict(auth_user(request)), record_id, "销毁记录"))
