"""Pages. Each view parses input, calls one action and shows its result or its error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lawtrail.cases import actions, hooks, queries, workflow
from lawtrail.cases.choices import ApprovalKind, ComplaintStatus, Stage
from lawtrail.cases.forms import (
    ApprovalForm,
    CaptureForm,
    CaseFilterForm,
    CaseForm,
    ComplaintDecisionForm,
    ComplaintForm,
    CorrectionForm,
    DecisionForm,
    FollowUpDueForm,
    FollowUpForm,
    InspectionForm,
    OfficersForm,
    PartyForm,
    ReceiptForm,
    ServiceForm,
    ServiceProofForm,
    SimpleCaseForm,
    SupplementForm,
    TransitionForm,
)
from lawtrail.cases.models import Complaint, Inspection, Party
from lawtrail.lib.paging import cached_count, paged
from lawtrail.web.kit import attempt, signed_in_user


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    query = request.GET.copy()
    for key in ("after", "before", "page"):
        query.pop(key, None)
    form = CaseFilterForm(query or None, user=request.user)
    qs = queries.visible_cases(user)
    if form.is_bound and form.is_valid():
        qs = queries.filter_cases(qs, form.cleaned_data)
    # Keyset pages (queries.case_page): ?after= the next, ?before= the previous; no page numbers,
    # which would need an OFFSET; the total is counted at most once a minute (lib.paging.cached_count).
    page = queries.case_page(qs, after=request.GET.get("after", ""), before=request.GET.get("before", ""))
    total, counted_at = cached_count(qs, f"cases:{user.pk}?{query.urlencode()}")
    return render(request, "cases/case_list.html", {"form": form, "page": page, "query": query.urlencode(),
                                                    "total": total, "counted_at": counted_at})


@login_required
def case_detail(request: HttpRequest, pk: int, forms_override: dict[str, forms.Form] | None = None) -> HttpResponse:
    user = signed_in_user(request)
    case = get_object_or_404(queries.visible_cases(user), pk=pk)
    steps = queries.next_steps(case, user)
    given = forms_override or {}
    step_forms = []
    for step in steps:
        if step.kind in given and (step.kind != "move" or given["move"].data.get("to") == step.key) and \
                (step.kind != "approval" or given["approval"].data.get("kind") == step.key):
            form = given[step.kind]
        elif step.kind == "approval":
            form = ApprovalForm(initial={"kind": step.key})
        elif step.kind == "move":
            form = TransitionForm(initial={"to": step.key})
        elif step.kind == "decision":
            form = DecisionForm(initial={"kind": case.decision_kind, "text": case.decision_text,
                                         "basis": case.decision_basis, "penalty_amount": case.penalty_amount,
                                         **hooks.provided(hooks.DECISION_DOCUMENT_FIELDS, case, default={})})
        elif step.kind == "service":
            form = ServiceForm(case=case, initial={"served_at": timezone.localtime().replace(second=0, microsecond=0),
                                                   "recipient": case.party.name})
        elif step.kind == "service_proof":
            form = ServiceProofForm(case=case)
        elif step.kind == "follow_up":
            form = FollowUpForm(initial={"checked_at": timezone.localtime().replace(second=0, microsecond=0)})
        elif step.kind == "follow_up_due":
            form = FollowUpDueForm()
        else:
            form = OfficersForm(user=user, initial={"officers": case.officers.all()})
        step_forms.append((step, form))
    return render(request, "cases/case_detail.html", {
        "case": case,
        "step_forms": step_forms,
        "waiting_for": [ApprovalKind(k).label for k in queries.workflow.pending_approval_kinds(case)],
        "timeline": queries.timeline(case),
        "approvals": case.approvals.all(),
        "services": case.services.select_related("proof"),
        "follow_ups": [(f, queries.follow_up_overdue(f)) for f in case.follow_ups.all()],
        "officers": case.officers.all(),
        "profile": queries.workflow.profile_of(case),
        # The live checklist: the case exported to a bundle and checked against its profile.
        "findings": hooks.provided(hooks.FINDINGS, case, default=[]),
        "next_pages": hooks.provided(hooks.NEXT_PAGES, case, user, default=[]),
        "stages": [s for s in Stage if s != Stage.NOT_FILED],
        # While serving: what 结案 would still refuse for, each item with its text and where to fix it.
        "closing_missing": workflow.gate_problem_items(case, Stage.CLOSED) if case.stage == Stage.SERVING else [],
    }, status=400 if given else 200)


@login_required
@require_POST
def case_step(request: HttpRequest, pk: str, kind: str) -> HttpResponse:
    user = signed_in_user(request)
    case = get_object_or_404(queries.visible_cases(user), pk=pk)
    form: forms.Form
    call: Callable[[], Any]
    if kind == "approval":
        form = ApprovalForm(request.POST)
        call = lambda: actions.do_give_approval(  # noqa: E731
            case, kind=form.cleaned_data["kind"], approved=form.cleaned_data["approved"],
            opinion=form.cleaned_data["opinion"], actor=user)
    elif kind == "move":
        form = TransitionForm(request.POST)
        call = lambda: actions.do_transition_case(  # noqa: E731
            case, to=form.cleaned_data["to"], note=form.cleaned_data["note"],
            fields={k: form.cleaned_data[k] for k in ("investigation_summary", "execution_result")}, actor=user)
    elif kind == "decision":
        decision = form = DecisionForm(request.POST)
        call = lambda: actions.do_record_decision(  # noqa: E731
            case, kind=decision.cleaned_data["kind"], text=decision.cleaned_data["text"],
            basis=decision.cleaned_data["basis"], penalty_amount=decision.cleaned_data["penalty_amount"],
            document_fields=decision.document_fields(), actor=user)
    elif kind == "service":
        form = ServiceForm(request.POST, case=case)
        call = lambda: actions.do_record_service(  # noqa: E731
            case, document_id=form.cleaned_data["document_id"], method=form.cleaned_data["method"],
            served_at=form.cleaned_data["served_at"], recipient=form.cleaned_data["recipient"],
            note=form.cleaned_data["note"], actor=user,
            **{k: form.cleaned_data[k] for k in actions.SERVICE_PROOFS})
    elif kind == "service_proof":
        form = ServiceProofForm(request.POST, case=case)
        call = lambda: actions.do_add_service_proof(  # noqa: E731
            form.cleaned_data["service"], actor=user, **{k: form.cleaned_data[k] for k in actions.SERVICE_PROOFS})
    elif kind == "follow_up":
        follow = form = FollowUpForm(request.POST)
        call = lambda: actions.do_record_follow_up(  # noqa: E731
            case, kind=follow.cleaned_data["kind"], checked_at=follow.cleaned_data["checked_at"],
            result=follow.cleaned_data["result"], fulfilled=follow.cleaned_data["fulfilled"], actor=user)
    elif kind == "follow_up_due":
        due = form = FollowUpDueForm(request.POST)
        call = lambda: actions.do_schedule_follow_up(  # noqa: E731
            case, kind=due.cleaned_data["kind"], due_on=due.cleaned_data["due_on"], actor=user)
    elif kind == "officers":
        form = OfficersForm(request.POST, user=user)
        call = lambda: actions.do_assign_officers(  # noqa: E731
            case, officers=list(form.cleaned_data["officers"]), actor=user)
    else:
        return HttpResponse(status=404)
    if form.is_valid() and attempt(form, call) is not None:
        messages.success(request, "已保存")
        return redirect("case_detail", pk=case.pk)
    # The refusal's reason on top as well: a step the page no longer offers has no form to show it.
    reasons = [str(e) for e in form.non_field_errors()]
    messages.error(request, "操作未完成:" + ";".join(reasons) if reasons else "操作未完成,请查看下方提示")
    return case_detail(request, int(pk), forms_override={kind: form})


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = CaseForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        case = attempt(form, lambda: actions.do_register_case(
            unit=d["unit"], title=d["title"], source=d["source"], source_note=d["source_note"], party=d["party"],
            facts=d["facts"], handler=d["handler"], officers=list(d["officers"]),
            handler_opinion=d["handler_opinion"], emergency=d["emergency"], emergency_reason=d["emergency_reason"],
            major=d["major"], actor=user))
        if case is not None:
            messages.success(request, "案件已登记" + (f",案号 {case.number}" if case.number else ",待立案审批"))
            return redirect("case_detail", pk=case.pk)
    return render(request, "cases/form_page.html", {"form": form, "title": "登记案件(立案审批表)",
                                                    "party_picker": True}, status=400 if form.errors else 200)


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    qs = Complaint.objects.restrict(signed_in_user(request)).select_related("respondent", "unit")
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    page, query = paged(qs, "received_at", request.GET, size=20)
    return render(request, "cases/complaint_list.html", {"page": page, "query": query, "status": status,
                                                         "statuses": ComplaintStatus.choices})


@login_required
def complaint_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = ComplaintForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        complaint = attempt(form, lambda: actions.do_register_complaint(
            unit=d["unit"], kind=d["kind"], respondent=d["respondent"], facts=d["facts"],
            complainant_name=d["complainant_name"], complainant_id_number=d["complainant_id_number"],
            complainant_phone=d["complainant_phone"], anonymous=d["anonymous"],
            application_matter=d["application_matter"], channel=d["channel"], oral_record=d["oral_record"],
            actor=user))
        if complaint is not None:
            messages.success(request, f"{complaint.get_kind_display()}已登记")
            return redirect("complaint_detail", pk=complaint.pk)
    return render(request, "cases/form_page.html", {"form": form, "title": "投诉(举报)、依申请事项登记表",
                                                    "party_picker": True}, status=400 if form.errors else 200)


@login_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    complaint = get_object_or_404(Complaint.objects.restrict(user), pk=pk)
    decide = ComplaintDecisionForm(None, user=user)
    supplement = SupplementForm()
    correct = CorrectionForm()
    capture = CaptureForm()
    receipt = ReceiptForm()
    if request.method == "POST":
        step = request.POST.get("step")
        if step == "correct":
            correct = CorrectionForm(request.POST)
            if correct.is_valid() and attempt(correct, lambda: actions.do_correct_complaint_on_spot(
                    complaint, item=correct.cleaned_data["item"], before=correct.cleaned_data["before"],
                    after=correct.cleaned_data["after"], actor=user)):
                messages.success(request, "已记录当场更正")
                return redirect("complaint_detail", pk=pk)
        elif step == "receipt":
            receipt = ReceiptForm(request.POST)
            if receipt.is_valid() and attempt(receipt, lambda: actions.do_issue_complaint_receipt(complaint, actor=user)):
                messages.success(request, f"已出具书面凭证/回执 {complaint.receipt_no}")
                return redirect("complaint_detail", pk=pk)
        elif step == "capture":
            capture = CaptureForm(request.POST, request.FILES)
            if capture.is_valid():
                upload = capture.cleaned_data["file"]
                if upload.size > actions.MAX_CAPTURE_BYTES:
                    capture.add_error("file", "截图文件不能超过 20 MB")
                elif attempt(capture, lambda: actions.do_keep_online_capture(
                        complaint, name=upload.name, data=upload.read(), actor=user)):
                    messages.success(request, "已保留网络提交截图")
                    return redirect("complaint_detail", pk=pk)
        elif step == "supplement":
            supplement = SupplementForm(request.POST)
            if supplement.is_valid() and attempt(supplement, lambda: actions.do_supplement_complaint(
                    complaint, note=supplement.cleaned_data["note"], actor=user)):
                messages.success(request, "已登记补正材料,请重新审查")
                return redirect("complaint_detail", pk=pk)
        else:
            decide = ComplaintDecisionForm(request.POST, user=user)
            if decide.is_valid():
                d = decide.cleaned_data
                done = attempt(decide, lambda: actions.do_decide_complaint(
                    complaint, outcome=d["outcome"], reason=d["reason"], missing_items=decide.items(),
                    title=d["title"], handler=d["handler"], handler_opinion=d["handler_opinion"],
                    document_fields=decide.document_fields(), actor=user))
                if done is not None:
                    messages.success(request, "处理结果已记录")
                    case = complaint.cases.first()
                    return redirect("case_detail", pk=case.pk) if case else redirect("complaint_detail", pk=pk)
        messages.error(request, "操作未完成,请查看下方提示")
    return render(request, "cases/complaint_detail.html", {
        "complaint": complaint, "decide": decide, "supplement": supplement, "correct": correct, "capture": capture,
        "receipt": receipt,
        "cases": complaint.cases.all(),
    }, status=400 if (decide.errors or supplement.errors or correct.errors or capture.errors
                                  or receipt.errors) else 200)


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    qs = Inspection.objects.restrict(signed_in_user(request)).select_related("party", "unit")
    page, query = paged(qs.prefetch_related("officers", "cases").select_related("agency"), "started_at", request.GET,
                        size=20)
    # The patrol rules (footage from arrival to departure, the front filmed, identity shown), per patrol.
    findings = hooks.provided(hooks.PATROL_FINDINGS, page.items, default={})
    return render(request, "cases/inspection_list.html", {
        "page": page, "query": query, "rows": [(i, findings.get(i.pk, [])) for i in page.items]})


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One patrol: what was found, how it was filmed, the rules' findings and its own documents."""
    inspection = get_object_or_404(Inspection.objects.restrict(signed_in_user(request)).select_related(
        "party", "unit", "agency", "recorded_by").prefetch_related("officers", "cases"), pk=pk)
    findings = hooks.provided(hooks.PATROL_FINDINGS, [inspection], default={})
    return render(request, "cases/inspection_detail.html", {"inspection": inspection,
                                                            "findings": findings.get(inspection.pk, [])})


@login_required
def inspection_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = InspectionForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        inspection = attempt(form, lambda: actions.do_record_inspection(
            unit=d["unit"], party=d["party"], place=d["place"], started_at=d["started_at"], ended_at=d["ended_at"],
            officers=list(d["officers"]), findings=d["findings"], outcome=d["outcome"],
            rectification_deadline=d["rectification_deadline"], case_title=d["case_title"],
            handler_opinion=d["handler_opinion"], arrival_filmed=d["arrival_filmed"],
            departure_filmed=d["departure_filmed"], credentials_shown=d["credentials_shown"], actor=user))
        if inspection is not None:
            messages.success(request, "检查记录已保存")
            case = inspection.cases.first()
            return redirect("case_detail", pk=case.pk) if case else redirect("inspection_detail", pk=inspection.pk)
    return render(request, "cases/form_page.html", {"form": form, "title": "日常巡视检查记录",
                                                    "party_picker": True}, status=400 if form.errors else 200)


@login_required
def simple_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = SimpleCaseForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        case = attempt(form, lambda: actions.do_decide_simple_case(
            unit=d["unit"], party=d["party"], title=d["title"], items=form.items(),
            decision_text=d["decision_text"], penalty_amount=d["penalty_amount"], paid_on_spot=d["paid_on_spot"],
            officers=list(d["officers"]), document_fields={"place": d["place"]}, actor=user))
        if case is not None:
            messages.success(request, f"简易程序案件已办结,案号 {case.number}")
            return redirect("case_detail", pk=case.pk)
    return render(request, "cases/form_page.html", {"form": form, "title": "简易程序当场处罚",
                                                    "party_picker": True}, status=400 if form.errors else 200)


@login_required
def party_list(request: HttpRequest) -> HttpResponse:
    qs = Party.objects.restrict(signed_in_user(request))
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(id_number=q.upper()) | qs.filter(uscc=q.upper())
    page, query = paged(qs, ("name", "id"), request.GET, size=30)
    return render(request, "cases/party_list.html", {"page": page, "query": query, "q": q})


@login_required
def party_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = PartyForm(request.POST or None)
    back = request.GET.get("next", "")
    if request.method == "POST" and form.is_valid():
        party = attempt(form, lambda: actions.do_create_party(**form.cleaned_data, actor=user))
        if party is not None:
            messages.success(request, f"当事人「{party.name}」已登记")
            if back.startswith("/") and not back.startswith("//"):
                return redirect(back)
            return redirect("party_list")
    return render(request, "cases/form_page.html", {"form": form, "title": "登记当事人"},
                  status=400 if form.errors else 200)
