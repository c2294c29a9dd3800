"""Pages for documents. Each view parses input, calls one action and shows its result or its error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lawtrail.access import actions as access_actions
from lawtrail.access import prints as access_prints
from lawtrail.access import serving as access_serving
from lawtrail.access.policy import restrict as access_restrict
from lawtrail.access.web import served
from lawtrail.cases.models import Case, Complaint, Inspection
from lawtrail.documents import actions, signing
from lawtrail.documents.catalogue import STAGES, DocumentType, catalogue, get_type
from lawtrail.documents.forms import (
    ApprovalForm,
    CorrectionForm,
    DocumentForm,
    HandSignatureForm,
    NumberSchemeForm,
    RefusalForm,
)
from lawtrail.documents.models import Document
from lawtrail.documents.values import clean_fields, display
from lawtrail.lib.errors import DomainError
from lawtrail.profiles.registry import get_profile
from lawtrail.web.kit import attempt, signed_in_user


def _case(request: HttpRequest, pk: int) -> Case:
    return get_object_or_404(Case.objects.restrict(signed_in_user(request)).select_related("agency", "party", "unit"), pk=pk)


def _complaint(request: HttpRequest, pk: int) -> Complaint:
    return get_object_or_404(Complaint.objects.restrict(signed_in_user(request)).select_related(
        "agency", "respondent", "unit", "received_by"), pk=pk)


def _inspection(request: HttpRequest, pk: int) -> Inspection:
    return get_object_or_404(Inspection.objects.restrict(signed_in_user(request)).select_related(
        "agency", "party", "unit", "recorded_by"), pk=pk)


def _document(request: HttpRequest, pk: int) -> Document:
    # access: marked documents the user is not cleared for are left out (lawtrail/access/policy.py).
    return get_object_or_404(
        access_restrict(Document.objects.all(), signed_in_user(request)).select_related(
            "case", "case__party", "complaint", "complaint__respondent", "inspection", "inspection__party", "agency",
            "previous"), pk=pk)


def _basis(doc_type: DocumentType, owner: Case | Complaint | Inspection) -> str:
    """The regulation of the owner's agency and the articles of it the type rests on."""
    articles = doc_type.articles_for(owner.agency.profile_id)
    return f"《{get_profile(owner.agency.profile_id).name}》{articles}" if articles else ""


def _owner_links(owner: Case | Complaint | Inspection) -> dict[str, str]:
    """Where a document's page links back to: its case, the complaint or the patrol it was made on."""
    if isinstance(owner, Inspection):
        url = reverse("inspection_detail", args=[owner.pk])
        return {"owner_url": url, "owner_label": f"{owner.party.name}的日常巡查", "owner_kind": "日常巡视检查",
                "back_url": url + "#inspection-documents"}
    if isinstance(owner, Complaint):
        url = reverse("complaint_detail", args=[owner.pk])
        return {"owner_url": url, "owner_label": f"{owner.get_kind_display()}登记 #{owner.pk}", "owner_kind": "投诉(举报)登记",
                "back_url": url + "#complaint-documents"}
    return {"owner_url": reverse("case_detail", args=[owner.pk]), "owner_label": owner.label, "owner_kind": "本案",
            "back_url": reverse("case_documents", args=[owner.pk])}


def _party_name(doc: Document) -> str:
    owner = doc.owner
    party = owner.respondent if isinstance(owner, Complaint) else owner.party  # a case's or a patrol's
    return party.legal_representative or party.name


@login_required
def case_documents(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case(request, case_pk)
    types = list(catalogue().values())
    groups = [(label, [t for t in types if t.stage == stage]) for stage, label in STAGES.items()]
    return render(request, "documents/case_documents.html", {
        "case": case, "documents": access_restrict(Document.objects.all(), signed_in_user(request)).filter(  # access
            case=case).order_by("id"),
        "groups": [(label, ts) for label, ts in groups if ts],
    })


@login_required
def document_new(request: HttpRequest, case_pk: int, code: str) -> HttpResponse:
    return _new(request, _case(request, case_pk), code)


@login_required
def complaint_document_new(request: HttpRequest, complaint_pk: int, code: str) -> HttpResponse:
    """An intake document (登记表, 一次性补证告知书, 不予受理决定书 …) made on a complaint, before or without a case."""
    complaint = _complaint(request, complaint_pk)
    if code not in {t.code for t in catalogue().values() if t.stage == "intake"}:
        raise Http404
    return _new(request, complaint, code)


@login_required
def inspection_document_new(request: HttpRequest, inspection_pk: int, code: str) -> HttpResponse:
    """A patrol document (检查记录, 责令改正决定书, 监察建议书) made on a patrol inspection that opened no case."""
    inspection = _inspection(request, inspection_pk)
    if code not in {t.code for t in catalogue().values() if t.stage == "patrol"}:
        raise Http404
    return _new(request, inspection, code)


def _new(request: HttpRequest, case: Case | Complaint | Inspection, code: str) -> HttpResponse:
    user = signed_in_user(request)
    try:
        doc_type = get_type(code)
    except DomainError:
        raise Http404
    form = DocumentForm(request.POST or None, doc_type=doc_type,
                        values=None if request.method == "POST" else actions.prefilled(case, doc_type, user))
    if request.method == "POST" and form.is_valid():
        doc = attempt(form, lambda: actions.do_create_document(case, type_code=code, fields=form.values(),
                                                                actor=user))
        if doc is not None:
            if request.POST.get("issue") and _issue(request, doc, form):
                return redirect("document_detail", pk=doc.pk)
            if not request.POST.get("issue"):
                messages.success(request, f"「{doc_type.name}」草稿已保存")
            return redirect("document_detail", pk=doc.pk)
    return render(request, "documents/document_edit.html", {
        "doc_type": doc_type, "form": form, "document": None, **_owner_links(case), "basis": _basis(doc_type, case),
    }, status=400 if form.errors else 200)


def _unchanged(doc: Document, values: dict[str, Any]) -> bool:
    try:
        return clean_fields(doc.doc_type, values, base=doc.fields) == (doc.fields or {})
    except DomainError:
        return False


def _issue(request: HttpRequest, doc: Document, form: forms.Form) -> bool:
    try:
        issued = actions.do_issue_document(doc, actor=signed_in_user(request))
    except DomainError as err:
        messages.error(request, err.message)
        return False
    messages.success(request, f"「{issued.type_name}」已签发" + (f",文书编号 {issued.number}" if issued.number else ""))
    return True


def _slot_forms(request: HttpRequest, doc: Document, bound: dict[str, forms.Form]) -> list[dict[str, Any]]:
    user = signed_in_user(request)
    rows = []
    for state in signing.slot_states(doc):
        slot = state.slot
        may = doc.status == "issued" and state.open and signing.may_sign(user, doc, slot)
        row: dict[str, Any] = {"state": state, "slot": slot, "may": may, "forms": {}}
        if may:
            key = slot.key
            if slot.role in ("officer", "participant"):
                already = any(s.user_id == user.pk for s in state.signatures)
                row["may"] = not already
                row["login"] = True
            elif slot.role == "approver":
                row["forms"]["approve"] = bound.get(f"approve:{key}") or ApprovalForm(
                    initial={"slot": key}, doc_type=doc.type_code)
            else:
                party = _party_name(doc)
                row["forms"]["hand"] = bound.get(f"hand:{key}") or HandSignatureForm(
                    initial={"slot": key, "name": party if slot.role == "party" else ""})
                if slot.refusable:
                    row["forms"]["refuse"] = bound.get(f"refuse:{key}") or RefusalForm(
                        initial={"slot": key, "name": _party_name(doc)})
        rows.append(row)
    return rows


@login_required
def document_detail(request: HttpRequest, pk: int, bound: dict[str, forms.Form] | None = None) -> HttpResponse:
    user = signed_in_user(request)
    doc = _document(request, pk)
    access_actions.note_view(user, doc)  # access: a read of marked material is logged
    doc_type = doc.doc_type
    bound = bound or {}
    edit = None
    writer = signing.may_write_document(user, doc)
    if doc.is_draft and writer:
        edit = bound.get("edit") or DocumentForm(doc_type=doc_type, values=doc.fields)
    correction = None
    if doc.status == "issued" and writer and not hasattr(doc, "next_version"):
        correction = bound.get("correct") or CorrectionForm()
    values = [(f, display(f, doc.fields.get(f.key))) for f in doc_type.fields]
    versions = []
    cursor: Document | None = doc
    while cursor is not None and cursor.previous_id:
        cursor = Document.objects.filter(pk=cursor.previous_id).first()
        if cursor is not None:
            versions.append(cursor)
    newer = Document.objects.filter(previous=doc).first()
    return render(request, "documents/document_detail.html", {
        "document": doc, "doc_type": doc_type, "case": doc.case, **_owner_links(doc.owner), "values": values,
        "edit": edit,
        "correction": correction, "slots": _slot_forms(request, doc, bound), "older": versions, "newer": newer,
        "complete": doc.status != "draft" and signing.is_complete(doc),
    }, status=400 if bound else 200)


@login_required
@require_POST
def document_save(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    doc = _document(request, pk)
    form = DocumentForm(request.POST, doc_type=doc.doc_type)
    if form.is_valid():
        # Pressing 签发 again after a refusal, without changing anything, saves nothing (and records
        # no edit): only the issue is tried again.
        saved = doc if _unchanged(doc, form.values()) else attempt(
            form, lambda: actions.do_update_document(doc, fields=form.values(), actor=user))
        if saved is not None:
            if request.POST.get("issue"):
                issued = attempt(form, lambda: actions.do_issue_document(saved, actor=user))
                if issued is not None:
                    messages.success(request, f"「{issued.type_name}」已签发" + (
                        f",文书编号 {issued.number}" if issued.number else ""))
                    return redirect("document_detail", pk=pk)
                # Every missing field is marked on the form at once (the refusal names them all);
                # what was typed is kept as the draft.
                reasons = [str(e) for errs in form.errors.values() for e in errs if str(e) != "必填"]
                messages.error(request, "草稿已保存,但未能签发:" + (reasons[0] if reasons else "请按下方提示补全"))
                return document_detail(request, pk, bound={"edit": form})
            messages.success(request, "草稿已保存")
            return redirect("document_detail", pk=pk)
    messages.error(request, "操作未完成,请查看下方提示")
    return document_detail(request, pk, bound={"edit": form})


@login_required
@require_POST
def document_step(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    user = signed_in_user(request)
    doc = _document(request, pk)
    form: forms.Form
    call: Callable[[], Any]
    slot = request.POST.get("slot", "")
    if kind == "sign":
        try:
            actions.do_sign_document(doc, slot=slot, actor=user)
        except DomainError as err:
            messages.error(request, err.message)
            return redirect("document_detail", pk=pk)
        messages.success(request, "已签名")
        return redirect("document_detail", pk=pk)
    if kind == "hand":
        form = HandSignatureForm(request.POST)
        call = lambda: actions.do_record_hand_signature(  # noqa: E731
            doc, slot=form.cleaned_data["slot"], name=form.cleaned_data["name"], image=form.cleaned_data["image"],
            id_number=form.cleaned_data["id_number"], fingerprint=form.cleaned_data["fingerprint"], actor=user)
        done = "手写签名已保存"
    elif kind == "refuse":
        form = RefusalForm(request.POST)
        call = lambda: actions.do_record_refusal(  # noqa: E731
            doc, slot=form.cleaned_data["slot"], name=form.cleaned_data["name"], reason=form.cleaned_data["reason"],
            witnesses=form.witnesses(), actor=user)  # type: ignore[attr-defined]
        done = "拒签情况已记录"
    elif kind == "approve":
        form = ApprovalForm(request.POST, doc_type=doc.type_code)
        call = lambda: actions.do_approve_document(  # noqa: E731
            doc, slot=form.cleaned_data["slot"], approved=form.cleaned_data["approved"],
            opinion=form.cleaned_data["opinion"], actor=user)
        done = "审批意见已签署"
    elif kind == "correct":
        form = CorrectionForm(request.POST)
        if form.is_valid():
            new = attempt(form, lambda: actions.do_correct_document(doc, reason=form.cleaned_data["reason"],
                                                                     actor=user))
            if new is not None:
                messages.success(request, f"已制作第{new.version}版更正草稿,请修改后签发")
                return redirect("document_detail", pk=new.pk)
        messages.error(request, "操作未完成,请查看下方提示")
        return document_detail(request, pk, bound={"correct": form})
    else:
        raise Http404
    if form.is_valid() and attempt(form, call) is not None:
        messages.success(request, done)
        return redirect("document_detail", pk=pk)
    messages.error(request, "操作未完成,请查看下方提示")
    return document_detail(request, pk, bound={f"{kind}:{slot}": form})


def _file(data: bytes, filename: str, content_type: str, *, download: bool) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(data, content_type=content_type)
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    return response


def filename(doc: Document, ext: str) -> str:
    return f"{doc.type_name}-{doc.number or doc.pk}" + (f"-第{doc.version}版" if doc.version > 1 else "") + f".{ext}"


@login_required
def document_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _document(request, pk)
    # access: every file of a document goes through the access policy (lawtrail/access/serving.py)
    return served(request, lambda: _file(access_serving.document_file(signed_in_user(request), doc, "pdf")[0],
                                         filename(doc, "pdf"), "application/pdf", download=False))


@login_required
def document_issued_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF exactly as issued: the bytes whose SHA-256 the issue event recorded."""
    doc = _document(request, pk)
    if doc.pdf is None:
        raise Http404
    return served(request, lambda: _file(access_serving.document_file(signed_in_user(request), doc, "issued")[0],
                                         filename(doc, "pdf"), "application/pdf", download=True))


@login_required
def document_docx(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _document(request, pk)
    return served(request, lambda: _file(access_serving.document_file(signed_in_user(request), doc, "docx")[0],
                                         filename(doc, "docx"),
                                         "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                                         download=True))


@login_required
def case_documents_pdf(request: HttpRequest, case_pk: int) -> HttpResponse:
    """批量打印: the case's current documents (issued, not superseded) as one PDF."""
    case = _case(request, case_pk)
    docs = list(access_restrict(Document.objects.all(), signed_in_user(request))
                .filter(case=case, status="issued").order_by("id"))
    if not docs:
        messages.error(request, "本案尚无已签发的文书")
        return redirect("case_documents", case_pk=case.pk)
    if access_prints.is_large(docs):
        # Bound by the worker, fetched through a link (lawtrail/access/prints.py).
        from lawtrail.access.jobs import queue_case_print

        return served(request, lambda: redirect(
            "access_print", token=queue_case_print(signed_in_user(request), case, docs)))
    return served(request, lambda: _file(access_serving.case_print(signed_in_user(request), case, docs),
                                         f"{case.number or case.pk}-文书.pdf", "application/pdf", download=False))


@login_required
def number_scheme(request: HttpRequest) -> HttpResponse:
    """文书编号规则: everyone of the agency reads it; its head or an administrator changes it.

    `?preview=FORMAT` answers the page's live example as JSON, checked by the same rules the
    action applies, so the page never shows an example the action would refuse.
    """
    user = signed_in_user(request)
    agency = user.agency
    if agency is None:
        raise Http404
    from lawtrail.lib import timez

    year = timez.beijing(timez.now()).year
    if "preview" in request.GET:
        try:
            return JsonResponse({"examples": actions.number_examples(agency, request.GET["preview"], year=year)})
        except DomainError as err:
            return JsonResponse({"error": err.message}, status=400)
    current = actions.number_format(agency)
    may_change = actions.may_set_number_scheme(user)
    form = NumberSchemeForm(request.POST or None, initial={"format": current})
    if request.method == "POST":
        if not may_change:
            messages.error(request, "只有机关负责人或系统管理员可以设置文书编号规则")
            return redirect("document_number_scheme")
        if form.is_valid() and attempt(form, lambda: actions.do_set_number_scheme(
                agency, format=form.cleaned_data["format"], actor=user)) is not None:
            messages.success(request, "文书编号规则已保存,此后签发的文书按新规则编号")
            return redirect("document_number_scheme")
    shown = form.data.get("format", current) if form.is_bound else current
    try:
        examples = actions.number_examples(agency, shown, year=year)
    except DomainError:
        examples = []
    return render(request, "documents/number_scheme.html", {
        "form": form, "current": current, "examples": examples, "may_change": may_change, "agency": agency,
        "default": actions.DEFAULT_NUMBER_FORMAT,
    }, status=400 if form.errors else 200)
