"""API: a case's findings (the live checklist) and its bundle."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from lawtrail.cases.models import Case
from lawtrail.compliance.export import export_case
from lawtrail.compliance.queries import case_findings
from lawtrail.lib.apikit import Id, auth_user, responses, visible

router = Router(tags=["compliance"])


class FindingOut(Schema):
    profile: str = Field(description="规范配置编号")
    article: str = Field(description="条款,如 第十二条")
    rule: str = Field(description="规则编号(稳定)")
    severity: str = Field(description="blocking(阻断)或 warning(提示)")
    subject: str = Field(description="涉及的文书、音像资料、送达、事件编号,或 case")
    message: str = Field(description="需补充的内容(中文)")
    blocks: list[str] = Field(description="被阻止的目标阶段(* 为所有后续阶段)")


class FindingFilter(Schema):
    severity: str = Field("", pattern="^(|blocking|warning)$", description="只列出该严重程度")
    profile: str = Field("", max_length=64, pattern="^[a-z0-9-]*$", description="改用该规范配置检查")


@router.get("/cases/{case_id}/findings", response=responses(200, list[FindingOut]), summary="案件合规检查结果")
def list_findings(request: HttpRequest, case_id: Id, filters: Query[FindingFilter]) -> list[FindingOut]:
    case = visible(Case.objects.restrict(auth_user(request)).select_related("agency"), case_id, "案件")
    found = case_findings(case, profile_id=filters.profile or None)
    return [FindingOut(**f.as_dict()) for f in found if not filters.severity or f.severity == filters.severity]


@router.get("/cases/{case_id}/bundle", response=responses(200, dict[str, Any]), summary="导出案件数据包")
def get_bundle(request: HttpRequest, case_id: Id) -> dict[str, Any]:
    case = visible(Case.objects.restrict(auth_user(request)).select_related("agency"), case_id, "案件")
    return export_case(case)
