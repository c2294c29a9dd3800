"""API: 案卷评查 (start, score, submit, reply, close) and the 考核 with its xlsx and PDF exports."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from lawtrail.archive.models import CaseFile
from lawtrail.lib.apikit import (
    EXPENSIVE_STATUSES,
    ErrorOut,
    Id,
    LongText,
    Str100,
    auth_user,
    reference,
    responses,
    visible,
)
from lawtrail.lib.errors import Forbidden
from lawtrail.review import actions, assessment, queries
from lawtrail.review.choices import ReplyKind
from lawtrail.review.models import CaseReview

router = Router(tags=["review"])


class ItemOut(Schema):
    id: str
    text: str
    points: int
    basis: str
    score: int | None
    comment: str


class ReviewOut(Schema):
    id: int
    archive_no: str
    case_id: int
    case_number: str
    unit: str
    handler: str
    reviewer: str
    basis: str
    status: str
    status_label: str
    total_points: int
    score: int | None
    rate: float | None
    summary: str
    reply_kind: str
    reply: str
    closing_note: str
    items: list[ItemOut]


class ReviewableOut(Schema):
    case_file_id: int
    archive_no: str
    title: str
    unit: str
    handler: str
    reviews: int


class StartIn(Schema):
    case_file_id: Id


class ScoreIn(Schema):
    item: Str100
    # Bounded only against overflow: the item's own points bound it, with the action's Chinese message.
    score: int = Field(ge=-(2**31), le=2**31, description="0 至该项分值")
    comment: LongText = ""


class SubmitIn(Schema):
    summary: LongText


class ReplyIn(Schema):
    kind: ReplyKind
    reply: LongText = ""


class CloseIn(Schema):
    note: LongText = ""


class PeriodIn(Schema):
    period: Literal["month", "quarter", "year"] = "month"
    year: int | None = Field(None, ge=2000, le=2100)
    number: int | None = Field(None, ge=1, le=12, description="月份 1–12 或季度 1–4;年度不填")


class RowOut(Schema):
    name: str
    unit: str
    reviews: int
    average: float | None
    findings_new: int
    findings_resolved: int
    findings_open: int
    overdue: int
    score: float


class AssessmentOut(Schema):
    agency: str
    period: str
    formula: str
    units: list[RowOut]
    officers: list[RowOut]


def review_out(r: CaseReview) -> ReviewOut:
    return ReviewOut(id=r.pk, archive_no=r.archive_no, case_id=r.case_id, case_number=r.case_number,
                     unit=r.unit.name, handler=r.handler_name, reviewer=r.reviewer_name, basis=r.basis,
                     status=r.status, status_label=r.get_status_display(), total_points=r.total_points,
                     score=r.score, rate=r.rate, summary=r.summary, reply_kind=r.reply_kind, reply=r.reply,
                     closing_note=r.closing_note,
                     items=[ItemOut(id=i["id"], text=i["text"], points=i["points"], basis=i["basis"],
                                    score=i["score"], comment=i["comment"]) for i in queries.rows(r)])


def _review(request: HttpRequest, review_id: int) -> CaseReview:
    return visible(queries.visible_reviews(auth_user(request)), review_id, "评查")


@router.get("/reviews", response=responses(200, list[ReviewOut]), summary="评查记录(本人可查看的)")
def list_reviews(request: HttpRequest) -> list[ReviewOut]:
    return [review_out(r) for r in queries.visible_reviews(auth_user(request)).prefetch_related("scores")[:200]]


@router.get("/reviews/case-files", response=responses(200, list[ReviewableOut]),
            summary="可评查的已装订归档案卷(法制审核人员、监督人员)")
def reviewable(request: HttpRequest) -> list[ReviewableOut]:
    return [ReviewableOut(case_file_id=f.pk, archive_no=f.archive_no, title=f.title, unit=f.case.unit.name,
                          handler=f.case.handler.display_name, reviews=f.review_count)  # type: ignore[attr-defined]
            for f in queries.reviewable_files(auth_user(request))[:200]]


@router.get("/reviews/{review_id}", response=responses(200, ReviewOut), summary="一次评查")
def get_review(request: HttpRequest, review_id: Id) -> ReviewOut:
    return review_out(_review(request, review_id))


@router.post("/reviews", response=responses(201, ReviewOut), summary="开始评查已装订归档的案卷")
def start(request: HttpRequest, body: StartIn) -> Status[ReviewOut]:
    user = auth_user(request)
    case_file = reference(CaseFile.objects.restrict(user).select_related("case", "case__agency"),
                          body.case_file_id, "case_file_id", "案卷")
    return Status(201, review_out(actions.do_start_review(case_file, actor=user)))


@router.post("/reviews/{review_id}/scores", response=responses(200, ReviewOut), summary="评分(一个评查项目)")
def score(request: HttpRequest, review_id: Id, body: ScoreIn) -> ReviewOut:
    review = _review(request, review_id)
    actions.do_score_review(review, item=body.item, score=body.score, comment=body.comment,
                            actor=auth_user(request))
    return review_out(review)


@router.post("/reviews/{review_id}/submit", response=responses(200, ReviewOut), summary="提交评查")
def submit(request: HttpRequest, review_id: Id, body: SubmitIn) -> ReviewOut:
    review = _review(request, review_id)
    return review_out(actions.do_submit_review(review, summary=body.summary, actor=auth_user(request)))


@router.post("/reviews/{review_id}/reply", response=responses(200, ReviewOut), summary="被评查人答复")
def reply(request: HttpRequest, review_id: Id, body: ReplyIn) -> ReviewOut:
    review = _review(request, review_id)
    return review_out(actions.do_reply_review(review, kind=body.kind, reply=body.reply, actor=auth_user(request)))


@router.post("/reviews/{review_id}/close", response=responses(200, ReviewOut), summary="办结评查")
def close(request: HttpRequest, review_id: Id, body: CloseIn) -> ReviewOut:
    review = _review(request, review_id)
    return review_out(actions.do_close_review(review, note=body.note, actor=auth_user(request)))


def _report(request: HttpRequest, q: PeriodIn) -> assessment.Report:
    user = auth_user(request)
    if not assessment.may_read(user):
        raise Forbidden("not_allowed", "只有监督人员、法制审核人员和负责人可以查看考核")
    return assessment.build(user, assessment.parse_period(q.period, q.year, q.number))


def _row(r: assessment.Row) -> RowOut:
    return RowOut(**r.as_dict())


@router.get("/assessment", response=responses(200, AssessmentOut), summary="执法考核(按单位、按执法人员)")
def get_assessment(request: HttpRequest, q: Query[PeriodIn]) -> AssessmentOut:
    report = _report(request, q)
    return AssessmentOut(agency=report.agency, period=report.period.label, formula=report.formula,
                         units=[_row(r) for r in report.units], officers=[_row(r) for r in report.officers])


def _binary(content_type: str, description: str) -> dict[str, Any]:
    return {"responses": {"200": {"description": description, "content": {
        content_type: {"schema": {"type": "string", "format": "binary"}}}}}}


def _attachment(body: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/assessment.xlsx", response={s: ErrorOut for s in EXPENSIVE_STATUSES}, url_name="assessment_xlsx",
            summary="执法考核表(Excel)", openapi_extra=_binary(XLSX, "Excel 工作簿"))
def assessment_xlsx(request: HttpRequest, q: Query[PeriodIn]) -> HttpResponse:
    report = _report(request, q)
    return _attachment(assessment.xlsx(report), XLSX, f"assessment-{report.period.slug}.xlsx")


@router.get("/assessment.pdf", response={s: ErrorOut for s in EXPENSIVE_STATUSES}, url_name="assessment_pdf",
            summary="执法考核表(可打印 PDF)", openapi_extra=_binary("application/pdf", "PDF"))
def assessment_pdf(request: HttpRequest, q: Query[PeriodIn]) -> HttpResponse:
    report = _report(request, q)
    return _attachment(assessment.pdf(report), "application/pdf", f"assessment-{report.period.slug}.pdf")
