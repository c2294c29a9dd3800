"""API: the text records the agency's regulation asks it to keep, and adding one."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from lawtrail.accounts.models import Unit, User
from lawtrail.cases.models import Case, Complaint
from lawtrail.evidence.models import Evidence
from lawtrail.lib.apikit import Id, LongText, Str100, Str200, auth_user, responses, visible
from lawtrail.lib.errors import InvalidInput
from lawtrail.registers import actions, queries
from lawtrail.registers.models import TextRecord

router = Router(tags=["registers"])


class KindOut(Schema):
    kind: str
    label: str
    article: str
    quote: str


class TextRecordOut(Schema):
    id: int
    kind: str
    kind_label: str
    article: str
    title: str
    issuer: str
    dated: dt.date
    content: str
    unit: str
    complaint_id: int | None
    case_id: int | None
    case_number: str
    evidence_id: int | None
    medium: str
    recorded_by: str
    recorded_at: dt.datetime
    pdf_sha256: str = Field("", description="附卷说明打印件的 SHA-256(音像资料转化说明登记时打印,随案卷装订)")
    pdf_url: str = Field("", description="附卷说明打印件")


class TextRecordIn(Schema):
    kind: str = Field(description="记录类别,见 GET /records/kinds")
    title: Str200
    issuer: Str100 = ""
    dated: dt.date
    content: LongText
    unit_id: Id | None = None
    complaint_id: Id | None = None
    case_id: Id | None = None
    evidence_id: Id | None = None
    medium: Str100 = ""


def record_out(r: TextRecord) -> TextRecordOut:
    return TextRecordOut(id=r.pk, kind=r.kind, kind_label=r.get_kind_display(), article=r.article, title=r.title,
                         issuer=r.issuer, dated=r.dated, content=r.content, unit=r.unit.name if r.unit else "",
                         complaint_id=r.complaint_id, case_id=r.case_id, case_number=(r.case.number or "") if r.case else "",
                         evidence_id=r.evidence_id, medium=r.medium, recorded_by=r.recorded_by_name,
                         recorded_at=r.recorded_at, pdf_sha256=r.pdf_sha256,
                         pdf_url=reverse("text_record_pdf", args=[r.pk]) if r.pdf_sha256 else "")


@router.get("/records/kinds", response=responses(200, list[KindOut]), summary="本机关规定要求留存的文字记录类别")
def kinds(request: HttpRequest) -> list[KindOut]:
    user = auth_user(request)
    specs = queries.kinds_for(user.agency.profile_id) if user.agency is not None else {}
    return [KindOut(kind=s.kind, label=s.label, article=s.article, quote=s.quote) for s in specs.values()]


@router.get("/records", response=responses(200, list[TextRecordOut]), summary="文字记录(本人可查看的)")
def list_records(request: HttpRequest, kind: str = "", case_id: Id | None = None) -> list[TextRecordOut]:
    qs = queries.visible_records(auth_user(request)).defer("pdf")
    if kind:
        qs = qs.filter(kind=kind)
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    return [record_out(r) for r in qs[:1000]]


def _unit(user: User, pk: int) -> Unit:
    found = Unit.objects.filter(pk=pk, agency_id=user.agency_id).first() if user.agency_id else None
    if found is None:
        raise InvalidInput("unknown_unit", "单位不存在或不属于本机关", {"field": "unit_id"})
    return found


@router.post("/records", response=responses(201, TextRecordOut), summary="登记文字记录")
def add_record(request: HttpRequest, body: TextRecordIn) -> Status[TextRecordOut]:
    user = auth_user(request)
    r = actions.do_register_text_record(
        kind=body.kind, title=body.title, issuer=body.issuer, dated=body.dated, content=body.content,
        unit=_unit(user, body.unit_id) if body.unit_id else None,
        complaint=visible(Complaint.objects.restrict(user), body.complaint_id, "投诉举报") if body.complaint_id else None,
        case=visible(Case.objects.restrict(user), body.case_id, "案件") if body.case_id else None,
        evidence=visible(Evidence.objects.restrict(user), body.evidence_id, "音像资料") if body.evidence_id else None,
        medium=body.medium, actor=user)
    return Status(201, record_out(r))
