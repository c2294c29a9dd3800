"""API: a case's case file (案卷) — read, assemble, bind, its PDF — and the archive package download.

Reads start from `Case.objects.restrict(user)`; each write calls exactly one action.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from lawtrail.access import serving as access_serving
from lawtrail.accounts.models import User
from lawtrail.archive import queries
from lawtrail.archive.actions import do_assemble_case_file, do_bind_case_file, do_export_package
from lawtrail.archive.models import CaseFile
from lawtrail.cases.models import Case
from lawtrail.lib.apikit import (
    EXPENSIVE_STATUSES,
    ErrorOut,
    Id,
    auth_user,
    responses,
    visible,
)
from lawtrail.lib.errors import NotFound

router = Router(tags=["archive"])

Notes = Annotated[str, Field(max_length=2000, pattern=r"^[^\x00]*$")]


class CaseFileOut(Schema):
    id: int
    case_id: int
    archive_no: str = Field(description="档号:全宗号-年度-保管期限-件号")
    fonds: str
    year: int
    seq: int
    retention: str
    retention_label: str
    title: str
    status: str
    status_label: str
    cover: dict[str, Any] = Field(description="案卷封面")
    items: list[dict[str, Any]] = Field(description="卷内目录")
    notes: str = Field(description="备考表说明")
    page_count: int
    document_count: int
    media_count: int
    media_seconds: float
    assembled_by: str
    assembled_at: dt.datetime
    checked_by: str
    bound_at: dt.datetime | None
    pdf_sha256: str


class CaseFileStateOut(Schema):
    case_id: int
    stage: str
    due_at: dt.datetime | None = Field(description="归档期限(结案起算,依机关适用的规定)")
    due_estimated: bool
    due_rule: str = Field(description="期限依据:条款与原文")
    may_assemble: bool
    may_bind: bool
    may_export: bool
    case_file: CaseFileOut | None


class AssembleIn(Schema):
    retention: Literal["", "Y", "D30", "D10"] = Field("", description="保管期限;空为按规定的默认值")
    notes: Notes = ""


class BindIn(Schema):
    note: Notes = ""


def case_file_out(cf: CaseFile) -> CaseFileOut:
    return CaseFileOut(
        id=cf.pk, case_id=cf.case_id, archive_no=cf.archive_no, fonds=cf.fonds, year=cf.year, seq=cf.seq,
        retention=cf.retention, retention_label=cf.get_retention_display(), title=cf.title, status=cf.status,
        status_label=cf.get_status_display(), cover=cf.cover, items=cf.items, notes=cf.notes,
        page_count=cf.page_count, document_count=cf.document_count, media_count=cf.media_count,
        media_seconds=cf.media_seconds, assembled_by=cf.assembled_by_name, assembled_at=cf.assembled_at,
        checked_by=cf.checked_by_name, bound_at=cf.bound_at, pdf_sha256=cf.pdf_sha256,
    )


def _case(user: User, case_id: int) -> Case:
    return visible(Case.objects.restrict(user).select_related("agency", "unit", "party", "handler"), case_id, "案件")


def _case_file(user: User, case: Case) -> CaseFile:
    cf = queries.case_file_of(user, case)
    if cf is None:
        raise NotFound("no_case_file", "本案尚未组卷", {"case_id": case.pk})
    return cf


def state_out(user: User, case: Case) -> CaseFileStateOut:
    rule = queries.deadline_rule(case)
    cf = queries.case_file_of(user, case)
    return CaseFileStateOut(
        case_id=case.pk, stage=case.stage, due_at=case.archive_due_at, due_estimated=case.archive_due_estimated,
        due_rule=f"{rule.article}:{rule.quote}" if rule else "", may_assemble=queries.may_assemble(user, case),
        may_bind=queries.may_bind(user, case), may_export=queries.may_export(user, case),
        case_file=case_file_out(cf) if cf else None,
    )


@router.get("/cases/{case_id}/case-file", response=responses(200, CaseFileStateOut),
            summary="案卷:归档期限、封面、卷内目录、备考表")
def get_case_file(request: HttpRequest, case_id: Id) -> CaseFileStateOut:
    user = auth_user(request)
    return state_out(user, _case(user, case_id))


@router.post("/cases/{case_id}/case-file", response=responses(200, CaseFileStateOut),
             summary="组卷(结案后由本案执法人员办理,装订前可重新组卷)")
def assemble_case_file(request: HttpRequest, case_id: Id, data: AssembleIn) -> CaseFileStateOut:
    user = auth_user(request)
    case = _case(user, case_id)
    do_assemble_case_file(case, retention=data.retention, notes=data.notes, actor=user)
    return state_out(user, _case(user, case_id))


@router.post("/cases/{case_id}/case-file/bind", response=responses(200, CaseFileStateOut),
             summary="检查并装订归档(档案管理员;案件随之归档)")
def bind_case_file(request: HttpRequest, case_id: Id, data: BindIn) -> CaseFileStateOut:
    user = auth_user(request)
    case = _case(user, case_id)
    do_bind_case_file(_case_file(user, case), note=data.note, actor=user)
    return state_out(user, _case(user, case_id))


def _binary(content_type: str, description: str) -> dict[str, Any]:
    return {"responses": {"200": {"description": description, "content": {
        content_type: {"schema": {"type": "string", "format": "binary"}}}}}}


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@router.get("/cases/{case_id}/case-file/pdf", response={s: ErrorOut for s in EXPENSIVE_STATUSES},
            summary="案卷封面、卷内目录、备考表 PDF", openapi_extra=_binary("application/pdf", "PDF"))
def case_file_pdf(request: HttpRequest, case_id: Id) -> HttpResponse:
    user = auth_user(request)
    case = _case(user, case_id)
    cf = _case_file(user, case)
    # access: the bound file names every record; the one policy decides and the register records it.
    data = access_serving.case_file_pdf(user, case, bytes(cf.pdf or b""))
    return _attachment(HttpResponse(data, content_type="application/pdf"), f"{cf.archive_no}.pdf")


@router.post("/cases/{case_id}/archive-package", response={s: ErrorOut for s in EXPENSIVE_STATUSES},
             summary="导出归档包(BagIt ZIP;档案管理员、法制审核人员、负责人)",
             openapi_extra=_binary("application/zip", "BagIt 归档包(ZIP)"))
def export_package(request: HttpRequest, case_id: Id) -> FileResponse:
    user = auth_user(request)
    cf = _case_file(user, _case(user, case_id))
    return package_download(cf, user)


def package_download(cf: CaseFile, user: User) -> FileResponse:
    """Export into a temporary file and stream it; the file is gone once the response is closed."""
    handle = tempfile.NamedTemporaryFile(prefix="lawtrail-package-", suffix=".zip", delete=False)  # noqa: SIM115
    handle.close()
    path = Path(handle.name)
    try:
        do_export_package(cf, out=path, actor=user)
        stream = open(path, "rb")  # noqa: SIM115 — closed by the response
    finally:
        # Unlinked at once: the open handle keeps the bytes readable until the response is sent.
        path.unlink(missing_ok=True)
    return FileResponse(stream, as_attachment=True, filename=f"{cf.archive_no}.zip", content_type="application/zip")
