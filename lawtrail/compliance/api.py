"""API: a case's findings (the live checklist) and its bundle."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from lawtrail.access import actions as access_actions
from lawtrail.access import policy
from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.compliance.actions import do_acknowledge_lapse, do_explain_lapse
from lawtrail.compliance.export import export_case
from lawtrail.compliance.models import LapseNote
from lawtrail.compliance.queries import case_findings
from lawtrail.documents.models import Document
from lawtrail.evidence.models import Evidence
from lawtrail.lib.apikit import Id, LongText, auth_user, responses, visible

router = Router(tags=["compliance"])


class FindingOut(Schema):
    profile: str = Field(description="规范配置编号")
    article: str = Field(description="条款,如 第十二条")
    rule: str = Field(description="规则编号(稳定)")
    severity: str = Field(description="blocking(阻断)或 warning(提示)")
    subject: str = Field(description="涉及的文书、音像资料、送达、事件编号,或 case")
    message: str = Field(description="需补充的内容(中文)")
    blocks: list[str] = Field(description="被阻止的目标阶段(* 为所有后续阶段)")
    lapse: bool = Field(False, description="无法补救的逾期:记录逾期原因并经负责人确认后转为提示")


class FindingFilter(Schema):
    severity: str = Field("", pattern="^(|blocking|warning)$", description="只列出该严重程度")
    profile: str = Field("", max_length=64, pattern="^[a-z0-9-]*$", description="改用该规范配置检查")


@router.get("/cases/{case_id}/findings", response=responses(200, list[FindingOut]), summary="案件合规检查结果")
def list_findings(request: HttpRequest, case_id: Id, filters: Query[FindingFilter]) -> list[FindingOut]:
    case = visible(Case.objects.restrict(auth_user(request)).select_related("agency"), case_id, "案件")
    found = case_findings(case, profile_id=filters.profile or None)
    return [FindingOut(**f.as_dict()) for f in found if not filters.severity or f.severity == filters.severity]


class LapseIn(Schema):
    rule: str = Field(max_length=64, pattern="^[a-z0-9_]+$", description="检查结果的规则编号(findings 中 lapse 为 true 的一项)")
    subject: str = Field(max_length=64, pattern="^[a-z0-9-]+$", description="检查结果所涉记录(findings 中的 subject)")
    reason: LongText = Field(description="逾期原因")


class AcknowledgeIn(Schema):
    opinion: LongText = Field("", description="负责人意见")


class LapseOut(Schema):
    id: int
    case_id: int
    rule: str
    subject: str
    reason: str
    recorded_by: str
    recorded_at: dt.datetime
    acknowledged_by: str
    acknowledged_at: dt.datetime | None
    opinion: str


def lapse_out(n: LapseNote) -> LapseOut:
    return LapseOut(id=n.pk, case_id=n.case_id, rule=n.rule, subject=n.subject, reason=n.reason,
                    recorded_by=n.recorded_by_name, recorded_at=n.recorded_at,
                    acknowledged_by=n.acknowledged_by_name, acknowledged_at=n.acknowledged_at, opinion=n.opinion)


@router.post("/cases/{case_id}/lapses", response=responses(200, LapseOut), summary="记录逾期原因(逾期说明)")
def explain_lapse(request: HttpRequest, case_id: Id, data: LapseIn) -> LapseOut:
    user = auth_user(request)
    case = visible(Case.objects.restrict(user).select_related("agency"), case_id, "案件")
    return lapse_out(do_explain_lapse(case, rule=data.rule, subject=data.subject, reason=data.reason, actor=user))


@router.post("/lapses/{lapse_id}/acknowledge", response=responses(200, LapseOut), summary="负责人确认逾期说明")
def acknowledge_lapse(request: HttpRequest, lapse_id: Id, data: AcknowledgeIn) -> LapseOut:
    user = auth_user(request)
    case_ids = Case.objects.restrict(user).values("pk")
    note = visible(LapseNote.objects.filter(case__in=case_ids).select_related("case"), lapse_id, "逾期说明")
    return lapse_out(do_acknowledge_lapse(note, opinion=data.opinion, actor=user))


@router.get("/cases/{case_id}/bundle", response=responses(200, dict[str, Any], expensive=True), summary="导出案件数据包")
def get_bundle(request: HttpRequest, case_id: Id) -> dict[str, Any]:
    user = auth_user(request)
    case = visible(Case.objects.restrict(user).select_related("agency"), case_id, "案件")
    return visible_bundle(user, export_case(case))


def visible_bundle(user: User, bundle: dict[str, Any]) -> dict[str, Any]:
    """The bundle as `user` may read it: documents and footage under a marking the user is not
    cleared for are left out without a trace (as on the case page), references to them dropped,
    and each marked record that stays is a read of marked material in the access register."""
    def pk(ref: str) -> int:
        return int(ref.rsplit("-", 1)[1])

    docs = {d.pk: d for d in Document.objects.filter(pk__in=[pk(d["id"]) for d in bundle["documents"]])}
    media = {e.pk: e for e in Evidence.objects.filter(pk__in=[pk(m["id"]) for m in bundle["media"]])}
    shown: set[str] = set()
    for prefix, objs in (("doc", docs), ("media", media)):
        for obj in objs.values():
            decision = policy.authorize(user, "view", obj)
            if decision.allowed:
                shown.add(f"{prefix}-{obj.pk}")
                if decision.marks:
                    access_actions.note_view(user, obj, decision)
    out = dict(bundle)
    out["documents"] = [dict(d, media=[m for m in d["media"] if m in shown]) for d in bundle["documents"]
                        if d["id"] in shown]
    out["media"] = [m for m in bundle["media"] if m["id"] in shown]
    out["services"] = [dict(s, media=[m for m in s.get("media", []) if m in shown],
                            approval_document=s.get("approval_document")
                            if s.get("approval_document") in shown else None,
                            receipt_document=s.get("receipt_document") if s.get("receipt_document") in shown else None)
                       for s in bundle["services"]]
    out["interruptions"] = [i for i in bundle["interruptions"] if i["before"] in shown and i["after"] in shown
                            and (i["voice_note"] is None or i["voice_note"] in shown)]
    out["lapses"] = [n for n in bundle.get("lapses", []) if n["subject"] == "case" or n["subject"] in shown]
    return out
