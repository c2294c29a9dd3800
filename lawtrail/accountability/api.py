"""API: the 责任追究 register of the agency (the records and their counts) and recording one."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from lawtrail.accountability import actions, queries
from lawtrail.accountability.models import AccountabilityRecord
from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.lib.apikit import Id, LongText, Str50, Str100, Str200, auth_user, reference, responses

router = Router(tags=["accountability"])


class RecordOut(Schema):
    id: int
    officer_id: int
    officer_name: str
    officer_cert_no: str
    case_id: int | None
    case_label: str | None
    source_text: str = Field(description="依据的规定")
    article: str
    situation: str = Field(description="情形(规定所列)")
    finding: str = Field(description="认定的事实")
    source: str = Field(description="finding 合规检查发现, supervision 监督检查发现")
    source_label: str
    rule_label: str = Field(description="所依据的检查项(合规检查发现时)")
    outcome: str = Field(description="处理结果(规定所列)")
    outcome_note: str
    decided_by_name: str
    decided_on: dt.date
    recorded_by_name: str
    recorded_at: dt.datetime


class CountOut(Schema):
    name: str
    count: int


class ReportOut(Schema):
    article: str | None = Field(description="本机关规定的责任追究条款;为空表示没有")
    situations: list[str] = Field(description="可选的情形")
    outcomes: list[str] = Field(description="可选的处理结果")
    records: list[RecordOut]
    by_outcome: list[CountOut]
    by_situation: list[CountOut]
    by_officer: list[CountOut]


class ReportFilter(Schema):
    officer: Str50 = Field("", description="责任人姓名包含")
    outcome: Str50 = Field("", description="处理结果")
    date_from: dt.date | None = Field(None, description="决定日期不早于")
    date_to: dt.date | None = Field(None, description="决定日期不晚于")


class RecordIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "officer_id": 2, "situation": "不制作或不按要求制作行政执法全过程记录的",
        "finding": "询问笔录未记载执法证号", "outcome": "责令改正", "decided_by_name": "局长办公会",
        "decided_on": "2025-06-01"}]})

    officer_id: Id = Field(description="责任人(本机关持证执法人员)")
    situation: Str200 = Field(description="情形:report 的 situations 之一")
    finding: LongText = Field(description="认定的事实")
    outcome: Str50 = Field(description="处理结果:report 的 outcomes 之一")
    outcome_note: LongText = ""
    decided_by_name: Str100 = Field(description="决定人或决定机关")
    decided_on: dt.date
    case_id: Id | None = Field(None, description="所涉案件")
    rule: Str50 = Field("", description="所依据的合规检查发现的检查项(需同时给出 case_id)")


def _out(r: AccountabilityRecord) -> RecordOut:
    return RecordOut(
        id=r.pk, officer_id=r.officer_id, officer_name=r.officer_name, officer_cert_no=r.officer_cert_no,
        case_id=r.case_id, case_label=r.case.label if r.case else None, source_text=r.source_text, article=r.article,
        situation=r.situation, finding=r.finding, source=r.source, source_label=r.get_source_display(),
        rule_label=r.rule_label, outcome=r.outcome, outcome_note=r.outcome_note, decided_by_name=r.decided_by_name,
        decided_on=r.decided_on, recorded_by_name=r.recorded_by_name, recorded_at=r.recorded_at)


def _report(user: User, filters: dict[str, object]) -> ReportOut:
    rule = actions.accountability_rule(user.agency.profile_id) if user.agency is not None else None
    rep = queries.report(queries.filter_records(queries.visible_records(user), filters))
    return ReportOut(
        article=rule.article if rule else None,
        situations=[str(s) for s in rule.values.get("situations", [])] if rule else [],
        outcomes=[str(o) for o in rule.values.get("outcomes", [])] if rule else [],
        records=[_out(r) for r in rep.records],
        by_outcome=[CountOut(name=n, count=c) for n, c in rep.by_outcome],
        by_situation=[CountOut(name=n, count=c) for n, c in rep.by_situation],
        by_officer=[CountOut(name=n, count=c) for n, c in rep.by_officer])


@router.get("/accountability", response=responses(200, ReportOut), summary="责任追究情况(记录及按处理结果、情形、责任人的统计)")
def accountability_report(request: HttpRequest, filters: Query[ReportFilter]) -> ReportOut:
    return _report(auth_user(request), filters.dict())


@router.post("/accountability", response=responses(201, RecordOut), summary="记录责任追究")
def record_accountability(request: HttpRequest, data: RecordIn) -> Status[RecordOut]:
    user = auth_user(request)
    officers = User.objects.filter(agency_id=user.agency_id or 0)
    case = reference(Case.objects.restrict(user), data.case_id, "case_id", "案件") if data.case_id else None
    record = actions.do_record_accountability(
        officer=reference(officers, data.officer_id, "officer_id", "责任人"), situation=data.situation,
        finding=data.finding, outcome=data.outcome, decided_by_name=data.decided_by_name, decided_on=data.decided_on,
        case=case, rule=data.rule, outcome_note=data.outcome_note, actor=user)
    return Status(201, _out(AccountabilityRecord.objects.select_related("case").get(pk=record.pk)))
