"""Every response that carries record content passes here: the policy decides, the register
records, and a copy handed out under a grant or a share is derived and watermarked.

The evidence and documents apps call these from their views and API (marked there with
`# access:`), so the rules live in one place.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.documents import render as printing
from lawtrail.documents.models import Document
from lawtrail.evidence import serving
from lawtrail.evidence.models import Evidence
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, NotFound
from lawtrail.storage import get_store

from . import actions, policy, watermark
from .models import AccessRequest, Share

Served = HttpResponse | StreamingHttpResponse

UNWATERMARKED_NOTE = "音视频复制件未加水印:加水印须重新编码,会改变与原件比对的哈希值;按原件逐字节提供并登记"


def _first_request(request: HttpRequest) -> bool:
    """A player or a resuming download asks for many ranges: one register line per download,
    written for the request that starts at the first byte."""
    if request.method == "HEAD":
        return False
    wanted = request.headers.get("Range", "").strip()
    return not wanted or wanted.startswith("bytes=0-")


class LogCopy(Protocol):
    def __call__(self, *, sha256: str, original_sha256: str, watermarked: bool, note: str) -> None: ...


@dataclass(frozen=True)
class Copy:
    data: bytes
    content_type: str
    sha256: str
    watermarked: bool


def _read(key: str) -> bytes:
    with get_store().open(key) as f:
        return f.read()


def image_copy(ev: Evidence, stamp: watermark.Stamp) -> Copy:
    data, content_type = watermark.watermark_image(_read(ev.stored.key), stamp)
    return Copy(data, content_type, hashlib.sha256(data).hexdigest(), True)


def pdf_copy(data: bytes, stamp: watermark.Stamp) -> Copy:
    marked = watermark.watermark_pdf(data, stamp)
    return Copy(marked, "application/pdf", hashlib.sha256(marked).hexdigest(), True)


def _bytes_response(copy: Copy, filename: str) -> HttpResponse:
    response = HttpResponse(copy.data, content_type=copy.content_type)
    response["Content-Disposition"] = serving.disposition("attachment", filename)
    response["Cache-Control"] = "no-store"
    response["X-Content-SHA256"] = copy.sha256
    return response


def _evidence_copy(request: HttpRequest, ev: Evidence, stamp: watermark.Stamp, log: LogCopy) -> Served:
    """A copy of an AV record: images watermarked, video and audio byte-identical (see watermark.py)."""
    if ev.media_kind == "photo":
        copy = image_copy(ev, stamp)
        log(sha256=copy.sha256, original_sha256=ev.stored.sha256, watermarked=True, note="")
        ext = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[copy.content_type]
        return _bytes_response(copy, f"{ev.display_name.rsplit('.', 1)[0]}-复制件.{ext}")
    if _first_request(request):
        log(sha256=ev.stored.sha256, original_sha256=ev.stored.sha256, watermarked=False, note=UNWATERMARKED_NOTE)
    response = serving.serve_original(request, ev)
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- evidence (vault pages and API)


def evidence_original(request: HttpRequest, user: User, ev: Evidence) -> Served:
    """The original file: for a role that keeps or judges records; under a grant, as a copy."""
    decision = actions.enforce(user, "download", ev)
    if decision.via == "grant":
        assert decision.grant is not None
        return grant_evidence(request, user, decision.grant, ev, decision=decision)
    if _first_request(request):
        actions.do_record_access(ev, action="download", actor=user, decision=decision, sha256=ev.stored.sha256)
    return serving.serve_original(request, ev)


def evidence_view(request: HttpRequest, user: User, ev: Evidence, which: str) -> Served:
    """Preview or thumbnail in the browser: a read, logged when the record is marked."""
    decision = actions.enforce(user, "view", ev)
    if decision.marks and _first_request(request):
        actions.note_view(user, ev, decision)
    if which == "thumbnail":
        return serving.serve_thumbnail(request, ev)
    return serving.serve_preview(request, ev)


# ---------------------------------------------------------------- documents (pages and API)


def document_file(user: User, doc: Document, which: str) -> tuple[bytes, str]:
    """(bytes, content type) of `which`: "pdf" (to read or print: a view), "issued" (the issued
    original) or "docx" (both downloads). Under a grant, the PDF comes watermarked and the DOCX
    is refused: a copy handed out is a PDF that carries its stamp."""
    if which == "pdf":
        decision = actions.enforce(user, "view", doc)
        if decision.marks:
            actions.note_view(user, doc, decision)
        return printing.current_pdf(doc), "application/pdf"
    decision = actions.enforce(user, "download", doc)
    if decision.via == "grant":
        if which == "docx":
            raise Conflict("copy_is_pdf", "调用授权下只提供加水印的 PDF 复制件,不提供可编辑的 DOCX")
        assert decision.grant is not None
        copy = grant_document_copy(user, decision.grant, doc, decision=decision)
        return copy.data, copy.content_type
    if which == "issued":
        if doc.pdf is None:
            raise NotFound("not_issued", "文书尚未签发,没有签发原件", {"id": doc.pk})
        data, content_type = bytes(doc.pdf), "application/pdf"
    else:
        data = printing.render_docx(doc)
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    actions.do_record_access(doc, action="download", actor=user, decision=decision,
                             sha256=hashlib.sha256(data).hexdigest(), extra={"format": which})
    return data, content_type


def case_print(user: User, case: Case, docs: list[Document]) -> bytes:
    """批量打印 of a case's documents as one PDF: a download of each of them."""
    decision = actions.enforce(user, "download", case)
    docs = [d for d in docs if policy.authorize(user, "download", d).allowed]
    if not docs:
        raise NotFound("no_documents", "本案尚无可打印的已签发文书", {"case_id": case.pk})
    data = printing.combined_pdf(docs)
    if decision.via == "grant":
        assert decision.grant is not None
        copy = pdf_copy(data, stamp_for(user, decision.grant))
        data, watermarked = copy.data, True
    else:
        watermarked = False
    actions.do_record_access(case, action="copy" if watermarked else "download", actor=user, decision=decision,
                             sha256=hashlib.sha256(data).hexdigest(), watermarked=watermarked,
                             extra={"documents": [d.pk for d in docs]})
    return data


# ---------------------------------------------------------------- the bound case file (lawtrail/archive)


def case_file_pdf(user: User, case: Case, pdf: bytes) -> bytes:
    """The bound case file's PDF (封面、卷内目录、备考表): it names every record of the case, so it
    leaves as a download of the case — a role or a grant, and a line in the register."""
    decision = actions.enforce(user, "download", case)
    data, watermarked = pdf, False
    if decision.via == "grant":
        assert decision.grant is not None
        data, watermarked = pdf_copy(pdf, stamp_for(user, decision.grant)).data, True
    actions.do_record_access(case, action="copy" if watermarked else "download", actor=user, decision=decision,
                             sha256=hashlib.sha256(data).hexdigest(), original_sha256=hashlib.sha256(pdf).hexdigest(),
                             watermarked=watermarked, extra={"format": "case_file_pdf"})
    return data


def record_package_export(user: User, case: Case, *, sha256: str, archive_no: str) -> None:
    """An archive package taken away (导出归档包) is a download of the whole case file: its register line."""
    decision = actions.enforce(user, "download", case)
    actions.do_record_access(case, action="copy" if decision.via == "grant" else "download", actor=user,
                             decision=decision, sha256=sha256,
                             extra={"format": "archive_package", "archive_no": archive_no})


# ---------------------------------------------------------------- grants (调用授权)


def stamp_for(user: User, grant: AccessRequest) -> watermark.Stamp:
    return watermark.Stamp(who=grant.requester_name or user.display_name, when=timez.now(), number=grant.number)


def grant_document_copy(user: User, grant: AccessRequest, doc: Document,
                        decision: policy.Decision | None = None) -> Copy:
    decision = decision or actions.enforce(user, "copy", doc, grant=grant)
    if doc.pdf is None:
        raise NotFound("not_issued", "文书尚未签发,没有可复制的签发件", {"id": doc.pk})
    copy = pdf_copy(printing.current_pdf(doc), stamp_for(user, grant))
    actions.do_record_access(doc, action="copy", actor=user, decision=decision, sha256=copy.sha256,
                             original_sha256=doc.pdf_sha256, watermarked=True)
    return copy


def grant_evidence(request: HttpRequest, user: User, grant: AccessRequest, ev: Evidence,
                   decision: policy.Decision | None = None) -> Served:
    decision = decision or actions.enforce(user, "copy", ev, grant=grant)

    def log(*, sha256: str, original_sha256: str, watermarked: bool, note: str) -> None:
        actions.do_record_access(ev, action="copy", actor=user, decision=decision, sha256=sha256,
                                 original_sha256=original_sha256, watermarked=watermarked, note=note)

    return _evidence_copy(request, ev, stamp_for(user, grant), log)


# ---------------------------------------------------------------- shares (no login)


def share_stamp(share: Share) -> watermark.Stamp:
    return watermark.Stamp(who=share.recipient, when=timez.now(), number=share.request.number)


def share_document(share: Share, doc: Document) -> Copy:
    if not share.documents.filter(pk=doc.pk).exists() or doc.pdf is None:
        raise NotFound("not_found", "共享中没有该文书")
    copy = pdf_copy(printing.current_pdf(doc), share_stamp(share))
    actions.do_record_access(doc, action="copy", actor=None, share=share, sha256=copy.sha256,
                             original_sha256=doc.pdf_sha256, watermarked=True)
    return copy


def share_evidence(request: HttpRequest, share: Share, ev: Evidence) -> Served:
    if not share.evidence.filter(pk=ev.pk).exists():
        raise NotFound("not_found", "共享中没有该音像资料")

    def log(*, sha256: str, original_sha256: str, watermarked: bool, note: str) -> None:
        actions.do_record_access(ev, action="copy", actor=None, share=share, sha256=sha256,
                                 original_sha256=original_sha256, watermarked=watermarked, note=note)

    return _evidence_copy(request, ev, share_stamp(share), log)

