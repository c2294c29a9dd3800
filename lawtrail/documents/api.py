"""API: the catalogue of document types, and documents with their versions and signatures.

Reads start from `Document.objects.restrict(user)` (a document is visible when its case is);
a write resolves the ids it names and calls exactly one action.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, cast

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from lawtrail.accounts.models import User
from lawtrail.cases.models import Case, Complaint, Inspection
from lawtrail.documents import signing
from lawtrail.documents.actions import (
    do_approve_document,
    do_correct_document,
    do_create_document,
    do_issue_document,
    do_record_hand_signature,
    do_record_refusal,
    do_sign_document,
    do_update_document,
)
from lawtrail.documents.catalogue import DocumentType, catalogue
from lawtrail.documents.choices import DocumentStatus, SignatureKind, SignerRole
from lawtrail.documents.models import Document, DocumentQuerySet, Signature
from lawtrail.lib.apikit import (
    ERROR_STATUSES,
    EXPENSIVE_STATUSES,
    ErrorOut,
    Id,
    LongText,
    Str50,
    Str100,
    auth_user,
    responses,
    visible,
)
from lawtrail.lib.errors import NotFound

router = Router(tags=["documents"])

# A field's value: text, a number, or a list (of lines, or of table rows).
FieldValue = Annotated[
    str | int | float | None | list[Annotated[str, Field(max_length=500)] | list[Annotated[str, Field(max_length=500)]]],
    Field(description="按字段类型:文字、日期(2026-04-20)、带时区的时间、金额、整数,或列表"),
]
FieldsIn = Annotated[dict[Str50, FieldValue], Field(max_length=60)]
TypeCode = Annotated[str, Field(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
Base64Png = Annotated[str, Field(max_length=800_000, description="手写签名 PNG:data URL 或 base64")]


# ---------------------------------------------------------------- catalogue


class FieldSpecOut(Schema):
    key: str
    label: str
    type: str
    required: bool
    prefill: str
    options: list[str]
    columns: list[str]
    after: str
    help: str


class SignerOut(Schema):
    key: str
    role: str
    label: str
    min: int
    refusable: bool
    approval: str
    approvals_from: str


class DocumentTypeOut(Schema):
    code: str
    name: str
    stage: str
    stage_label: str
    action: str
    basis: list[str]
    numbered: bool
    abbr: str
    layout: str
    mandatory: list[str] = Field(description="必填字段")
    fields: list[FieldSpecOut]
    signers: list[SignerOut]


def type_out(t: DocumentType) -> DocumentTypeOut:
    return DocumentTypeOut(
        code=t.code, name=t.name, stage=t.stage, stage_label=t.stage_label, action=t.action, basis=list(t.basis),
        numbered=t.numbered, abbr=t.abbr, layout=t.layout.style, mandatory=[f.key for f in t.mandatory],
        fields=[FieldSpecOut(key=f.key, label=f.label, type=f.type, required=f.required, prefill=f.prefill,
                             options=list(f.options), columns=list(f.columns), after=f.after, help=f.help)
                for f in t.fields],
        signers=[SignerOut(key=s.key, role=s.role, label=s.label, min=s.min, refusable=s.refusable,
                           approval=s.approval, approvals_from=s.approvals_from) for s in t.signers],
    )


@router.get("/document-types", response=responses(200, list[DocumentTypeOut]), summary="文书目录")
def list_document_types(request: HttpRequest) -> list[DocumentTypeOut]:
    return [type_out(t) for t in catalogue().values()]


@router.get("/document-types/{code}", response=responses(200, DocumentTypeOut), summary="文书类型详情")
def get_document_type(request: HttpRequest, code: TypeCode) -> DocumentTypeOut:
    t = catalogue().get(code)
    if t is None:
        raise NotFound("not_found", f"文书目录中没有「{code}」这一类型", {"code": code})
    return type_out(t)


# ---------------------------------------------------------------- documents


class SignatureOut(Schema):
    id: int
    slot: str
    slot_label: str
    role: SignerRole
    kind: SignatureKind
    name: str
    cert_no: str
    at: dt.datetime
    handwritten: bool
    image_sha256: str
    fingerprint: bool
    approved: bool | None
    opinion: str
    refusal_reason: str
    witnesses: list[dict[str, str]]
    rule_article: str
    document_sha256: str


class SlotOut(Schema):
    key: str
    role: SignerRole
    label: str
    min: int
    complete: bool
    missing: str
    refusable: bool
    refusal_witnesses: int = Field(description="拒签时规范要求的见证人人数")
    fingerprint: bool = Field(description="规范是否要求按手印")
    may_sign: bool = Field(description="当前用户现在能否在此栏签名/审批/记录")


class DocumentSummaryOut(Schema):
    id: int
    case_id: int | None = Field(description="所属案件;立案前在投诉(举报)登记上制作的文书为空")
    complaint_id: int | None = Field(description="立案前(或不予受理时)制作该文书的投诉(举报)登记")
    inspection_id: int | None = Field(description="未立案的日常巡视检查上制作的巡查文书所属的巡查")
    type: str
    name: str
    number: str
    version: int
    status: DocumentStatus
    status_label: str
    issued_at: dt.datetime | None
    pdf_sha256: str
    previous_id: int | None
    next_version_id: int | None


class DocumentOut(DocumentSummaryOut):
    fields: dict[str, Any]
    correction_reason: str
    created_at: dt.datetime
    missing_mandatory: list[str] = Field(description="尚未填写的必填字段")
    slots: list[SlotOut]
    signatures: list[SignatureOut]
    complete: bool = Field(description="已签发且各签名栏均已签齐(或依法记录拒签)")


def _documents(user: User) -> DocumentQuerySet:
    # access: marked documents the user is not cleared for are left out (lawtrail/access/policy.py).
    # Every read here is one document by its id or the few of one case, complaint or patrol: each is
    # tested by its own case (by_key), not against a list of every case in reach, which SQLite
    # builds first (a case's documents read three times as much at 1,000 cases as at 300).
    from lawtrail.access.policy import restrict

    return cast(DocumentQuerySet, restrict(Document.objects.all(), user, by_key=True)
                .select_related("case", "complaint", "agency", "previous"))


def _document(user: User, pk: int) -> Document:
    return visible(_documents(user), pk, "文书")


def _next_id(d: Document) -> int | None:
    nxt = Document.objects.filter(previous=d).values_list("pk", flat=True).first()
    return nxt


def _summary(d: Document) -> dict[str, Any]:
    return {"id": d.pk, "case_id": d.case_id, "complaint_id": d.complaint_id,
            "inspection_id": d.inspection_id, "type": d.type_code, "name": d.type_name, "number": d.number,
            "version": d.version, "status": DocumentStatus(d.status), "status_label": d.get_status_display(),
            "issued_at": d.issued_at, "pdf_sha256": d.pdf_sha256, "previous_id": d.previous_id,
            "next_version_id": _next_id(d)}


def _signature_out(s: Signature) -> SignatureOut:
    return SignatureOut(
        id=s.pk, slot=s.slot, slot_label=s.slot_label, role=SignerRole(s.role), kind=SignatureKind(s.kind),
        name=s.name, cert_no=s.cert_no, at=s.at, handwritten=bool(s.image_sha256), image_sha256=s.image_sha256,
        fingerprint=s.fingerprint, approved=s.approved, opinion=s.opinion, refusal_reason=s.refusal_reason,
        witnesses=[{str(k): str(v) for k, v in w.items()} for w in s.witnesses or []], rule_article=s.rule_article,
        document_sha256=s.document_sha256,
    )


def document_out(d: Document, user: User) -> DocumentOut:
    doc_type = d.doc_type
    states = signing.slot_states(d)
    # Empty values are never stored, so a mandatory key that is absent is a missing field.
    missing = [f.key for f in doc_type.mandatory if f.key not in (d.fields or {})]
    return DocumentOut(
        **_summary(d), fields=dict(d.fields or {}), correction_reason=d.correction_reason, created_at=d.created_at,
        missing_mandatory=missing,
        slots=[SlotOut(key=st.slot.key, role=SignerRole(st.slot.role), label=st.slot.label, min=st.slot.min,
                       complete=st.complete, missing=st.missing_text, refusable=st.slot.refusable,
                       refusal_witnesses=st.slot.refusal_witnesses, fingerprint=st.slot.fingerprint,
                       may_sign=d.status == DocumentStatus.ISSUED and st.open and signing.may_sign(user, d, st.slot))
               for st in states],
        signatures=[_signature_out(s) for st in states for s in st.signatures],
        complete=d.status != DocumentStatus.DRAFT and all(st.complete for st in states),
    )


@router.get("/cases/{case_id}/documents", response=responses(200, list[DocumentSummaryOut]),
            summary="案件的执法文书(含各版本)")
def list_case_documents(request: HttpRequest, case_id: Id) -> list[DocumentSummaryOut]:
    user = auth_user(request)
    case = visible(Case.objects.restrict(user), case_id, "案件")
    return [DocumentSummaryOut(**_summary(d)) for d in _documents(user).of_case(case).order_by("id")]


class DocumentIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "type": "inquiry_record", "fields": {"place": "名山区劳动保障监察大队询问室",
                                             "ended_at": "2026-04-20T10:30:00+08:00"}}]})

    type: TypeCode = Field(description="文书类型代码,见 /document-types")
    fields: FieldsIn = Field({}, description="在按案件预填的内容上填写或覆盖的字段")


class FieldsUpdateIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"fields": {"place": "询问室"}}]})

    fields: FieldsIn = Field(description="要修改的字段;空值清除该字段")
    revision: int | None = Field(None, ge=0, le=2**31, description="读取时的修订号(防止覆盖他人修改)")


class CorrectionIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "询问地点记载有误", "fields": {}}]})

    reason: LongText
    fields: FieldsIn = Field({}, description="更正版本中要修改的字段")


class SignIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"slot": "officers"}]})

    slot: Str50 = Field(description="签名栏,见文书详情 slots")


class HandSignatureIn(Schema):
    slot: Str50
    name: Str100
    image: Base64Png
    id_number: Str50 = ""
    fingerprint: bool = Field(False, description="已按手印(规范要求时必须)")


class WitnessIn(Schema):
    name: Str100
    id_number: Str50 = ""
    note: Str100 = ""


class RefusalIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "slot": "interviewee", "name": "张三", "reason": "对笔录内容有异议,拒绝签字",
        "witnesses": [{"name": "王五"}, {"name": "赵六"}]}]})

    slot: Str50
    name: Str100 = Field(description="拒签人")
    reason: LongText
    witnesses: list[WitnessIn] = Field([], max_length=10)


class ApproveIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"slot": "head", "approved": True, "opinion": "同意"}]})

    slot: Str50
    approved: bool
    opinion: LongText


@router.post("/cases/{case_id}/documents", response=responses(201, DocumentOut), summary="制作文书(草稿,按案件预填)")
def create_document(request: HttpRequest, case_id: Id, data: DocumentIn) -> Status[DocumentOut]:
    user = auth_user(request)
    case = visible(Case.objects.restrict(user), case_id, "案件")
    doc = do_create_document(case, type_code=data.type, fields=data.fields, actor=user)
    return Status(201, document_out(_document(user, doc.pk), user))


@router.get("/complaints/{complaint_id}/documents", response=responses(200, list[DocumentSummaryOut]),
            summary="投诉(举报)登记上制作的文书(立案前或不予受理)")
def list_complaint_documents(request: HttpRequest, complaint_id: Id) -> list[DocumentSummaryOut]:
    user = auth_user(request)
    complaint = visible(Complaint.objects.restrict(user), complaint_id, "投诉(举报)登记")
    return [DocumentSummaryOut(**_summary(d)) for d in _documents(user).filter(complaint=complaint).order_by("id")]


@router.post("/complaints/{complaint_id}/documents", response=responses(201, DocumentOut),
             summary="在投诉(举报)登记上制作受理阶段文书(草稿,按登记预填)")
def create_complaint_document(request: HttpRequest, complaint_id: Id, data: DocumentIn) -> Status[DocumentOut]:
    user = auth_user(request)
    complaint = visible(Complaint.objects.restrict(user), complaint_id, "投诉(举报)登记")
    doc = do_create_document(complaint, type_code=data.type, fields=data.fields, actor=user)
    return Status(201, document_out(_document(user, doc.pk), user))


@router.get("/inspections/{inspection_id}/documents", response=responses(200, list[DocumentSummaryOut]),
            summary="未立案的日常巡视检查上制作的巡查文书")
def list_inspection_documents(request: HttpRequest, inspection_id: Id) -> list[DocumentSummaryOut]:
    user = auth_user(request)
    inspection = visible(Inspection.objects.restrict(user), inspection_id, "日常巡视检查")
    return [DocumentSummaryOut(**_summary(d)) for d in _documents(user).filter(inspection=inspection).order_by("id")]


@router.post("/inspections/{inspection_id}/documents", response=responses(201, DocumentOut),
             summary="在未立案的日常巡视检查上制作巡查文书(检查记录、责令改正决定书、监察建议书;草稿,按巡查预填)")
def create_inspection_document(request: HttpRequest, inspection_id: Id, data: DocumentIn) -> Status[DocumentOut]:
    user = auth_user(request)
    inspection = visible(Inspection.objects.restrict(user), inspection_id, "日常巡视检查")
    doc = do_create_document(inspection, type_code=data.type, fields=data.fields, actor=user)
    return Status(201, document_out(_document(user, doc.pk), user))


@router.get("/documents/{document_id}", response=responses(200, DocumentOut), summary="文书详情")
def get_document(request: HttpRequest, document_id: Id) -> DocumentOut:
    user = auth_user(request)
    doc = _document(user, document_id)
    from lawtrail.access.actions import note_view

    note_view(user, doc)  # access: a read of marked material is logged
    return document_out(doc, user)


@router.put("/documents/{document_id}/fields", response=responses(200, DocumentOut), summary="修改文书草稿")
def update_document(request: HttpRequest, document_id: Id, data: FieldsUpdateIn) -> DocumentOut:
    user = auth_user(request)
    do_update_document(_document(user, document_id), fields=data.fields, revision=data.revision, actor=user)
    return document_out(_document(user, document_id), user)


@router.post("/documents/{document_id}/issue", response=responses(200, DocumentOut),
             summary="签发文书(编号、生成 PDF 并记录其 SHA-256)")
def issue_document(request: HttpRequest, document_id: Id) -> DocumentOut:
    user = auth_user(request)
    do_issue_document(_document(user, document_id), actor=user)
    return document_out(_document(user, document_id), user)


@router.post("/documents/{document_id}/corrections", response=responses(201, DocumentOut),
             summary="更正已签发的文书(制作新版本草稿)")
def correct_document(request: HttpRequest, document_id: Id, data: CorrectionIn) -> Status[DocumentOut]:
    user = auth_user(request)
    new = do_correct_document(_document(user, document_id), reason=data.reason, fields=data.fields, actor=user)
    return Status(201, document_out(_document(user, new.pk), user))


@router.post("/documents/{document_id}/signatures", response=responses(201, DocumentOut),
             summary="以当前登录的执法人员/参加人员身份签名")
def sign_document(request: HttpRequest, document_id: Id, data: SignIn) -> Status[DocumentOut]:
    user = auth_user(request)
    do_sign_document(_document(user, document_id), slot=data.slot, actor=user)
    return Status(201, document_out(_document(user, document_id), user))


@router.post("/documents/{document_id}/hand-signatures", response=responses(201, DocumentOut),
             summary="保存当事人、见证人等的手写签名")
def hand_sign_document(request: HttpRequest, document_id: Id, data: HandSignatureIn) -> Status[DocumentOut]:
    user = auth_user(request)
    do_record_hand_signature(_document(user, document_id), slot=data.slot, name=data.name, image=data.image,
                             id_number=data.id_number, fingerprint=data.fingerprint, actor=user)
    return Status(201, document_out(_document(user, document_id), user))


@router.post("/documents/{document_id}/refusals", response=responses(201, DocumentOut),
             summary="记录当事人拒绝签名(理由及见证人)")
def refuse_document(request: HttpRequest, document_id: Id, data: RefusalIn) -> Status[DocumentOut]:
    user = auth_user(request)
    do_record_refusal(_document(user, document_id), slot=data.slot, name=data.name, reason=data.reason,
                      witnesses=[w.dict() for w in data.witnesses], actor=user)
    return Status(201, document_out(_document(user, document_id), user))


@router.post("/documents/{document_id}/approvals", response=responses(201, DocumentOut),
             summary="签署审批意见(审批、法制审核、负责人签批)")
def approve_document(request: HttpRequest, document_id: Id, data: ApproveIn) -> Status[DocumentOut]:
    user = auth_user(request)
    do_approve_document(_document(user, document_id), slot=data.slot, approved=data.approved,
                        opinion=data.opinion, actor=user)
    return Status(201, document_out(_document(user, document_id), user))


def _binary(content_types: list[str], description: str) -> dict[str, Any]:
    """The 200 answer is a file, not JSON: documented so that clients (and schemathesis) know."""
    return {"responses": {"200": {"description": description, "content": {
        t: {"schema": {"type": "string", "format": "binary"}} for t in content_types}}}}


PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _file(data: bytes, content_type: str, name: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@router.get("/documents/{document_id}/render", response={s: ErrorOut for s in ERROR_STATUSES},
            summary="输出文书(PDF 含签名,或 DOCX)", openapi_extra=_binary([PDF, DOCX], "PDF 或 DOCX 文件"))
def render_document(request: HttpRequest, document_id: Id, format: Literal["pdf", "docx"] = "pdf") -> HttpResponse:
    from lawtrail.access.serving import document_file
    from lawtrail.documents.views import filename

    user = auth_user(request)
    doc = _document(user, document_id)
    # access: every file of a document goes through the access policy (lawtrail/access/serving.py)
    if format == "docx":
        return _file(document_file(user, doc, "docx")[0], DOCX, filename(doc, "docx"))
    return _file(document_file(user, doc, "pdf")[0], PDF, filename(doc, "pdf"))


@router.get("/documents/{document_id}/issued-pdf", response={s: ErrorOut for s in ERROR_STATUSES},
            summary="签发原件 PDF(其 SHA-256 即签发事件所记录的)", openapi_extra=_binary([PDF], "签发时的 PDF"))
def issued_pdf(request: HttpRequest, document_id: Id) -> HttpResponse:
    from lawtrail.access.serving import document_file
    from lawtrail.documents.views import filename

    user = auth_user(request)
    doc = _document(user, document_id)
    if doc.pdf is None:
        raise NotFound("not_issued", "文书尚未签发,没有签发原件", {"id": document_id})
    return _file(document_file(user, doc, "issued")[0], PDF, filename(doc, "pdf"))


class PrintQueuedOut(Schema):
    status: str = Field(description="queued:文书较多,由后台合并;完成后从 download 取得")
    token: str
    documents: int
    download: str = Field(description="取得 PDF 的地址(仅本人可用,保留 24 小时)")


@router.get("/cases/{case_id}/documents/print",
            response={202: PrintQueuedOut, **{s: ErrorOut for s in EXPENSIVE_STATUSES}},
            summary="批量打印:案件全部有效文书合并为一个 PDF(文书较多时转后台,返回 202 与取得地址)",
            openapi_extra=_binary([PDF], "合并的 PDF"))
def print_case_documents(request: HttpRequest, case_id: Id) -> HttpResponse | Status:
    user = auth_user(request)
    case = visible(Case.objects.restrict(user), case_id, "案件")
    docs = list(_documents(user).of_case(case).filter(status=DocumentStatus.ISSUED).order_by("id"))
    if not docs:
        raise NotFound("no_documents", "本案尚无已签发的文书", {"case_id": case_id})
    from lawtrail.access import prints
    from lawtrail.access.serving import case_print

    if prints.is_large(docs):
        from lawtrail.access.jobs import queue_case_print

        token = queue_case_print(user, case, docs)
        return Status(202, PrintQueuedOut(status=prints.QUEUED, token=token, documents=len(docs),
                                   download=f"/api/prints/{token}"))
    return _file(case_print(user, case, docs), PDF, f"{case.number or case.pk}-文书.pdf")

