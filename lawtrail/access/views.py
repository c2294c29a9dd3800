"""Pages of 调用、复制与保密: the request form, my requests and approvals, a grant and its copies,
the access register, shares, confidentiality marks, and the recipient's no-login share page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lawtrail.cases.models import Case
from lawtrail.documents.models import Document
from lawtrail.evidence.models import Evidence
from lawtrail.lib import timez
from lawtrail.lib.errors import DomainError
from lawtrail.web.kit import attempt, signed_in_user

from . import actions, policy, queries, receipt
from . import serving as access_serving
from .forms import CasePickForm, DecisionForm, LiftForm, MarkForm, RequestForm, RevokeForm, ShareForm
from .models import AccessRequest, ConfidentialityMark
from .web import refused, served


def _file(data: bytes, name: str, content_type: str, *, download: bool = True) -> HttpResponse:
    from lawtrail.evidence.serving import disposition

    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = disposition("attachment" if download else "inline", name)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def access_home(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    mine = queries.visible_requests(user).filter(created_by=user) | queries.visible_requests(user).filter(
        requester=user)
    return render(request, "access/home.html", {
        "mine": mine.distinct()[:50], "inbox": queries.approvals_inbox(user), "now": timez.now(),
        "may_register": queries.may_read_register(user),
    })


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    pick = CasePickForm(request.GET or None, user=user)
    if not (request.GET.get("case") and pick.is_valid()):
        return render(request, "access/request_pick.html", {"pick": CasePickForm(user=user)})
    case: Case = pick.cleaned_data["case"]
    form = RequestForm(request.POST or None, user=user, case=case)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        req = attempt(form, lambda: actions.do_request_access(
            case, kind=d["kind"], whole_case=d["whole_case"], documents=list(d["documents"]),
            evidence=list(d["evidence"]), clearances=list(d["clearances"]), purpose=d["purpose"],
            requester=d["requester"], requester_name=d["requester_name"], requester_unit=d["requester_unit"],
            copier_name=d["copier_name"], expires_at=d["expires_at"], actor=user))
        if req is not None:
            messages.success(request, f"调用单 {req.number} 已提交,待审批")
            return redirect("access_request_detail", pk=req.pk)
    return render(request, "access/request_form.html", {"case": case, "form": form},
                  status=400 if form.errors else 200)


def _request(request: HttpRequest, pk: int) -> AccessRequest:
    return get_object_or_404(queries.visible_requests(signed_in_user(request)), pk=pk)


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    req = _request(request, pk)
    now = timez.now()
    in_force = req.valid_at(now)
    items: list[dict[str, Any]] = []
    for doc in req.scope_documents():
        marks = policy.marks_of(doc)
        items.append({"kind": "document", "obj": doc, "label": str(doc), "marks": marks,
                      "cleared": set(marks) <= set(req.clearances or []), "sha256": doc.pdf_sha256})
    for ev in req.scope_evidence():
        marks = policy.marks_of(ev)
        items.append({"kind": "evidence", "obj": ev, "label": ev.display_name, "marks": marks,
                      "cleared": set(marks) <= set(req.clearances or []), "sha256": ev.stored.sha256})
    for it in items:
        # A marked item the reader may not read (by role or grant) is counted, not named or hashed.
        if it["marks"] and not policy.authorize(user, "view", it["obj"]).allowed:
            it.update(label="涉密资料(未获保密权限,不显示名称)", sha256="")
    return render(request, "access/request_detail.html", {
        "req": req, "items": items, "in_force": in_force, "is_grantee": req.requester_id == user.pk,
        "may_decide": req.status == "pending" and actions.may_approve(user, req)
        and user.pk not in (req.created_by_id, req.requester_id),
        "may_revoke": in_force and actions.may_revoke(user, req),
        "may_share": in_force and req.kind == "external" and policy.may_download_by_role(user, req.case.unit_id),
        "decision_form": DecisionForm(), "revoke_form": RevokeForm(),
        "rule": actions.approval_rule(req, req.kind),
        "copies": queries.register(None, queries.RegisterFilter()).filter(payload__grant_id=req.pk)[:100],
    })


@login_required
@require_POST
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    req = _request(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            actions.do_decide_access_request(req, approved=form.cleaned_data["approved"],
                                             opinion=form.cleaned_data["opinion"], actor=user)
            messages.success(request, "审批意见已签署")
        except DomainError as err:
            messages.error(request, err.message)
    else:
        messages.error(request, "请选择同意或不同意")
    return redirect("access_request_detail", pk=pk)


@login_required
@require_POST
def request_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    req = _request(request, pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            actions.do_revoke_access_grant(req, reason=form.cleaned_data["reason"], actor=user)
            messages.success(request, "调用授权已撤销")
        except DomainError as err:
            messages.error(request, err.message)
    else:
        messages.error(request, "请说明撤销理由")
    return redirect("access_request_detail", pk=pk)


@login_required
def grant_copy(request: HttpRequest, pk: int, kind: str, item: int) -> HttpResponse | StreamingHttpResponse:
    """A copy under the grant: a watermarked PDF or image, or the AV file byte-identical; logged."""
    user = signed_in_user(request)
    req = _request(request, pk)
    if kind == "document":
        doc = get_object_or_404(Document, pk=item)

        def copy_doc() -> HttpResponse:
            copy = access_serving.grant_document_copy(user, req, doc)
            return _file(copy.data, f"{doc.type_name}-{doc.number or doc.pk}-复制件.pdf", copy.content_type)
        return served(request, copy_doc)
    if kind == "evidence":
        ev = get_object_or_404(Evidence.objects.select_related("stored"), pk=item)
        return served(request, lambda: access_serving.grant_evidence(request, user, req, ev))
    raise Http404


# ---------------------------------------------------------------- register


def _register_filter(request: HttpRequest) -> queries.RegisterFilter:
    def day(name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None
    case = request.GET.get("case", "")
    return queries.RegisterFilter(case_number=case.strip()[:100], date_from=day("from"), date_to=day("to"),
                                  person=request.GET.get("person", "").strip()[:50])


@login_required
def register_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not queries.may_read_register(user):
        return refused(request, "调用登记由负责人、档案管理员、法制审核人员和监督人员查阅")
    f = _register_filter(request)
    events = queries.register(user, f)
    if request.GET.get("format") == "csv":
        data = ("\ufeff" + queries.register_csv(events, queries.withheld(user, events))).encode("utf-8")
        return _file(data, f"调用登记-{timez.beijing(timez.now()):%Y%m%d}.csv", "text/csv; charset=utf-8")
    return render(request, "access/register.html", {
        "rows": queries.rows(events[:500], queries.withheld(user, events)), "columns": queries.COLUMNS, "f": f, "query": request.GET.urlencode(),
        "printable": request.GET.get("print") == "1", "now": timez.now(),
    })


# ---------------------------------------------------------------- confidentiality


def _record(request: HttpRequest, kind: str, pk: int) -> Any:
    user = signed_in_user(request)
    model = {"case": Case, "document": Document, "evidence": Evidence}.get(kind)
    if model is None:
        raise Http404
    obj = get_object_or_404(model._default_manager.restrict(user), pk=pk)  # type: ignore[attr-defined]
    if not policy.authorize(user, "view", obj).allowed:
        raise Http404
    return obj


@login_required
def marks_page(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    obj = _record(request, kind, pk)
    form = MarkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if attempt(form, lambda: actions.do_mark_confidential(obj, level=form.cleaned_data["level"],
                                                             reason=form.cleaned_data["reason"], actor=user)):
            messages.success(request, "保密标记已保存")
            return redirect("access_marks", kind=kind, pk=pk)
    target = {kind: obj}
    return render(request, "access/marks.html", {
        "obj": obj, "kind": kind, "form": form, "lift_form": LiftForm(),
        "marks": ConfidentialityMark.objects.filter(**target).select_related("marked_by", "lifted_by"),
        "inherited": policy.marks_of(obj), "may_mark": policy.may_mark(user, obj),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def mark_lift(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    mark = get_object_or_404(ConfidentialityMark.objects.filter(agency_id=user.agency_id or 0), pk=pk)
    target = mark.case or mark.document or mark.evidence
    kind = policy.kind_of(target).key  # type: ignore[arg-type]
    form = LiftForm(request.POST)
    if form.is_valid():
        try:
            actions.do_lift_mark(mark, reason=form.cleaned_data["reason"], actor=user)
            messages.success(request, "保密标记已解除")
        except DomainError as err:
            messages.error(request, err.message)
    return redirect("access_marks", kind=kind, pk=target.pk)  # type: ignore[union-attr]


# ---------------------------------------------------------------- shares


@login_required
def shares_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return render(request, "access/shares.html", {"shares": queries.visible_shares(user)[:100], "now": timez.now()})


@login_required
def share_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    req = _request(request, pk)
    form = ShareForm(request.POST or None, grant=req, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        made = attempt(form, lambda: actions.do_create_share(
            req, recipient=d["recipient"], documents=list(d["documents"]), evidence=list(d["evidence"]),
            expires_at=d["expires_at"], actor=user))
        if made is not None:
            share, token = made
            link = request.build_absolute_uri(f"/s/{token}/")
            return render(request, "access/share_made.html", {"share": share, "link": link})
    return render(request, "access/share_form.html", {"req": req, "form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def share_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    share = get_object_or_404(queries.visible_shares(user), pk=pk)
    try:
        actions.do_revoke_share(share, actor=user)
        messages.success(request, "共享链接已撤销")
    except DomainError as err:
        messages.error(request, err.message)
    return redirect("access_shares")


@login_required
def share_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    share = get_object_or_404(queries.visible_shares(signed_in_user(request)), pk=pk)
    return _file(receipt.receipt_pdf(share), f"共享回执-{share.request.number}.pdf", "application/pdf",
                 download=False)


# ---------------------------------------------------------------- large batch prints (lawtrail/access/prints.py)


@login_required
def print_page(request: HttpRequest, token: str) -> HttpResponse:
    """A large batch print: its state while the worker binds it, then the PDF."""
    from . import prints

    try:
        state = prints.fetch(signed_in_user(request), token)
    except DomainError:
        raise Http404
    if state.pdf is not None:
        return _file(state.pdf.read_bytes(), f"{state.case.number or state.case.pk}-文书.pdf", "application/pdf",
                     download=False)
    return render(request, "access/print.html", {"state": state})


# ---------------------------------------------------------------- the recipient's page (no login)


def _open(token: str) -> Any:
    try:
        return actions.open_share(token)
    except DomainError:
        raise Http404


def public_share(request: HttpRequest, token: str) -> HttpResponse:
    share = _open(token)
    actions.do_record_access(share.request.case, action="view", actor=None, share=share,
                             extra={"page": "index"})
    return render(request, "access/public_share.html", {
        "share": share, "token": token, "documents": share.documents.all(),
        "evidence": share.evidence.select_related("stored"),
    })


def public_share_item(request: HttpRequest, token: str, kind: str, item: int) -> HttpResponse | StreamingHttpResponse:
    share = _open(token)
    if kind == "document":
        doc = get_object_or_404(Document, pk=item)

        def copy_doc() -> HttpResponse:
            copy = access_serving.share_document(share, doc)
            return _file(copy.data, f"{doc.type_name}-{doc.number or doc.pk}-复制件.pdf", copy.content_type)
        return served(request, copy_doc)
    if kind == "evidence":
        ev = get_object_or_404(Evidence.objects.select_related("stored"), pk=item)
        return served(request, lambda: access_serving.share_evidence(request, share, ev))
    raise Http404


def public_share_receipt(request: HttpRequest, token: str) -> HttpResponse:
    share = _open(token)
    return _file(receipt.receipt_pdf(share), f"共享回执-{share.request.number}.pdf", "application/pdf",
                 download=False)
