"""Pages: why a record is kept, what is due, disposal requests and records.

Each view parses input, calls one action and shows its result or its refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lawtrail.cases.models import Case
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.queries import visible_evidence
from lawtrail.lib import timez
from lawtrail.profiles.registry import get_profile
from lawtrail.retention import actions, policy, queries
from lawtrail.retention.choices import IncidentKind, TriggerKind
from lawtrail.retention.models import DisposalRecord, DisposalRequest, LegalHold
from lawtrail.web.kit import attempt, signed_in_user


class FlagForm(forms.Form):
    kind = forms.ChoiceField(label="长期保存情形", choices=TriggerKind.choices)
    reason = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(k, TriggerKind(k).label) for k in kinds if k in TriggerKind.values]


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(label="情况", choices=IncidentKind.choices)
    occurred_on = forms.DateField(label="发生日期", widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label="经过", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(label="审批结论", choices=[("1", "同意销毁"), ("0", "不同意")],
                                     coerce=lambda v: v == "1")
    opinion = forms.CharField(label="审批意见", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                              required=False)


class RequestForm(forms.Form):
    reason = forms.CharField(label="申请理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class EmptyForm(forms.Form):
    pass


def _kinds(agency_profile_id: str) -> list[str]:
    return policy.trigger_kinds(get_profile(agency_profile_id))


# ---------------------------------------------------------------- explanations


@login_required
def evidence_retention(request: HttpRequest, pk: int, given: dict[str, forms.Form] | None = None) -> HttpResponse:
    user = signed_in_user(request)
    # access: marked records the user is not cleared for answer like missing ones.
    ev = get_object_or_404(visible_evidence(user).select_related("agency", "case", "stored"), pk=pk)
    given = given or {}
    kinds = _kinds(ev.agency.profile_id)
    return render(request, "retention/explain.html", {
        "subject": ev, "kind": "evidence", "x": queries.explain_evidence(ev, user=user),
        "may_lead": actions._is_head_for(user, ev.unit_id, ev.agency_id),
        "flag_form": given.get("flag") or FlagForm(kinds=kinds), "kinds": kinds,
        "hold_form": given.get("hold") or ReasonForm(),
        "holds": LegalHold.objects.filter(evidence=ev, released_at__isnull=True),
        "back": ("evidence_detail", ev.pk),
    }, status=400 if given else 200)


@login_required
def case_retention(request: HttpRequest, pk: int, given: dict[str, forms.Form] | None = None) -> HttpResponse:
    user = signed_in_user(request)
    case = get_object_or_404(Case.objects.restrict(user).select_related("agency", "unit"), pk=pk)
    given = given or {}
    kinds = _kinds(case.agency.profile_id)
    return render(request, "retention/explain.html", {
        "subject": case, "kind": "case", "x": queries.explain_case(case, user=user),
        "may_lead": actions._is_head_for(user, case.unit_id, case.agency_id),
        "may_handle": actions.may_handle(user, case.unit_id, case.agency_id),
        "flag_form": given.get("flag") or FlagForm(kinds=kinds), "kinds": kinds,
        "hold_form": given.get("hold") or ReasonForm(),
        "incident_form": given.get("incident") or IncidentForm(),
        "holds": LegalHold.objects.filter(case=case, released_at__isnull=True),
        "back": ("case_detail", case.pk),
    }, status=400 if given else 200)


@login_required
@require_POST
def retention_step(request: HttpRequest, what: str, pk: int, step: str) -> HttpResponse:
    user = signed_in_user(request)
    target: Case | Evidence
    if what == "case":
        target = get_object_or_404(Case.objects.restrict(user).select_related("agency", "unit"), pk=pk)
    elif what == "evidence":
        target = get_object_or_404(visible_evidence(user).select_related("agency", "case", "stored"), pk=pk)
    else:
        raise Http404
    form: forms.Form
    call: Callable[[], Any]
    if step == "flag":
        form = FlagForm(request.POST, kinds=_kinds(target.agency.profile_id))
        call = lambda: actions.do_flag_long_term(target, kind=form.cleaned_data["kind"],  # noqa: E731
                                                 reason=form.cleaned_data["reason"], actor=user)
    elif step == "hold":
        form = ReasonForm(request.POST)
        call = lambda: actions.do_set_hold(target, reason=form.cleaned_data["reason"], actor=user)  # noqa: E731
    elif step == "incident" and isinstance(target, Case):
        form = IncidentForm(request.POST)
        case = target
        call = lambda: actions.do_record_incident(  # noqa: E731
            case, kind=form.cleaned_data["kind"], description=form.cleaned_data["description"],
            occurred_on=form.cleaned_data["occurred_on"], actor=user)
    else:
        raise Http404
    if form.is_valid() and attempt(form, call) is not None:
        messages.success(request, "已保存")
        return redirect(f"{what}_retention", pk=pk)
    messages.error(request, "操作未完成:" + "；".join(str(e) for errs in form.errors.values() for e in errs))
    view = case_retention if what == "case" else evidence_retention
    return view(request, pk, given={step: form})


@login_required
@require_POST
def release_hold(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    holds = LegalHold.objects.filter(Q(case__in=Case.objects.restrict(user))
                                     | Q(evidence__in=visible_evidence(user)))
    hold = get_object_or_404(holds, pk=pk)
    what, target = ("case", hold.case_id) if hold.case_id else ("evidence", hold.evidence_id)
    form = ReasonForm(request.POST)
    if form.is_valid() and attempt(form, lambda: actions.do_release_hold(
            hold, reason=form.cleaned_data["reason"], actor=user)) is not None:
        messages.success(request, "已解除冻结")
        return redirect(f"{what}_retention", pk=target)
    messages.error(request, "操作未完成:" + "；".join(str(e) for errs in form.errors.values() for e in errs))
    view = case_retention if what == "case" else evidence_retention
    assert target is not None
    return view(request, target, given={"hold": form})


# ---------------------------------------------------------------- due list and disposal


@login_required
def due_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    # Bound on every POST (an empty one too: add_error needs a cleaned form).
    form = RequestForm(request.POST if request.method == "POST" else None)
    may_request = user.agency_id is not None and actions.may_request_disposal(user, user.agency_id)
    if request.method == "POST":
        if not may_request:
            form.add_error(None, "只有档案管理员或机关负责人可以提出销毁申请")
        elif form.is_valid():
            ids = [int(i) for i in request.POST.getlist("evidence") if i.isdigit()]
            chosen = list(visible_evidence(user).select_related("agency", "case", "stored")
                          .filter(pk__in=ids))
            made = attempt(form, lambda: actions.do_request_disposal(chosen, reason=form.cleaned_data["reason"],
                                                                     actor=user))
            if made is not None:
                messages.success(request, f"已提出销毁申请第 {made.pk} 号,待机关负责人审批")
                return redirect("disposal_detail", pk=made.pk)
    return render(request, "retention/due.html", {
        "items": queries.due(user), "form": form, "may_request": may_request, "today": policy.today(),
    }, status=400 if form.errors else 200)


@login_required
def disposal_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return render(request, "retention/disposal_list.html", {
        "requests": DisposalRequest.objects.restrict(user)[:200],
        "records": DisposalRecord.objects.restrict(user)[:200],
    })


@login_required
def disposal_detail(request: HttpRequest, pk: int, given: dict[str, forms.Form] | None = None) -> HttpResponse:
    user = signed_in_user(request)
    req = get_object_or_404(DisposalRequest.objects.restrict(user), pk=pk)
    given = given or {}
    items = list(req.items.select_related("evidence__stored"))
    return render(request, "retention/disposal_detail.html", {
        "req": req, "items": items, "record": DisposalRecord.objects.filter(request=req).first(),
        "may_decide": actions._is_agency_head(user, req.agency_id) and user.pk != req.requested_by_id,
        "may_execute": actions.may_request_disposal(user, req.agency_id),
        "decide_form": given.get("decide") or DecideForm(), "execute_form": given.get("execute") or EmptyForm(),
    }, status=400 if given else 200)


@login_required
@require_POST
def disposal_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    user = signed_in_user(request)
    req = get_object_or_404(DisposalRequest.objects.restrict(user), pk=pk)
    form: forms.Form
    if step == "decide":
        form = DecideForm(request.POST)
        call: Callable[[], Any] = lambda: actions.do_decide_disposal(  # noqa: E731
            req, approve=form.cleaned_data["approve"], opinion=form.cleaned_data["opinion"], actor=user)
    elif step == "execute":
        form = EmptyForm(request.POST)
        call = lambda: actions.do_execute_disposal(req, actor=user)  # noqa: E731
    else:
        raise Http404
    done = attempt(form, call) if form.is_valid() else None
    if done is not None:
        if isinstance(done, DisposalRecord):
            messages.success(request, f"已销毁 {len(done.items)} 条,销毁记录第 {done.pk} 号")
            return redirect("disposal_record", pk=done.pk)
        messages.success(request, "已保存")
        return redirect("disposal_detail", pk=pk)
    messages.error(request, "操作未完成:" + "；".join(str(e) for errs in form.errors.values() for e in errs))
    return disposal_detail(request, pk, given={step: form})


@login_required
def disposal_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    record = get_object_or_404(DisposalRecord.objects.restrict(user), pk=pk)
    return render(request, "retention/disposal_record.html", {"record": record, "now": timez.now()})
