"""Pages: the agency's 责任追究 register with its counts, and the form that records one (from a
case's compliance finding or from supervision)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lawtrail.accountability import actions, queries
from lawtrail.accountability.forms import FilterForm, RecordForm
from lawtrail.accounts.models import User
from lawtrail.cases import hooks
from lawtrail.cases.models import Case
from lawtrail.lib import timez
from lawtrail.web.kit import attempt, signed_in_user


def _texts(user: User) -> tuple[Any, list[str], list[str]]:
    rule = actions.accountability_rule(user.agency.profile_id) if user.agency is not None else None
    if rule is None:
        return None, [], []
    return rule, [str(s) for s in rule.values.get("situations", [])], [str(o) for o in rule.values.get("outcomes", [])]


def _people(user: User) -> Any:
    return User.objects.filter(agency_id=user.agency_id or 0, cert_no__isnull=False).order_by("unit_id", "username")


@login_required
def record_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    rule, _, outcomes = _texts(user)
    form = FilterForm(request.GET or None, outcomes=outcomes)
    qs = queries.visible_records(user)
    if form.is_bound and form.is_valid():
        qs = queries.filter_records(qs, form.cleaned_data)
    return render(request, "accountability/record_list.html", {
        "form": form, "report": queries.report(qs), "rule": rule, "may_record": actions.may_record(user),
    })


@login_required
def record_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    rule, situations, outcomes = _texts(user)
    if not actions.may_record(user) or rule is None:
        return render(request, "accountability/record_new.html", {"refused": True, "rule": rule}, status=403)
    source = request.POST if request.method == "POST" else request.GET
    case = None
    cases = Case.objects.restrict(user).select_related("handler")
    if str(source.get("case") or "").isdigit():
        case = cases.filter(pk=int(str(source["case"]))).first()
    elif request.GET.get("number"):
        case = cases.filter(number=request.GET["number"].strip()).first()
        if case is None:
            messages.error(request, f"未找到案号为 {request.GET['number'].strip()} 的案件")
    findings = hooks.provided(hooks.FINDINGS, case, default=[]) if case is not None else []
    initial: dict[str, Any] = {"decided_on": timez.beijing(timez.now()).date(), "case": case.pk if case else None}
    picked = next((f for f in findings if f"{f.rule}:{f.subject}" == request.GET.get("finding")), None)
    if case is not None and picked is not None:
        # A finding of the compliance check becomes the record's 认定, citing the article it broke.
        initial.update(officer=case.handler_id, rule=picked.rule, situation=situations[0] if situations else "",
                       finding=f"{case.label}:{picked.message}(依据{picked.cite})")
    form = RecordForm(request.POST or None, initial=initial, people=_people(user), situations=situations,
                      outcomes=outcomes)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = attempt(form, lambda: actions.do_record_accountability(
            officer=d["officer"], situation=d["situation"], finding=d["finding"], outcome=d["outcome"],
            decided_by_name=d["decided_by_name"], decided_on=d["decided_on"], case=case, rule=d["rule"] or "",
            outcome_note=d["outcome_note"], actor=user))
        if done is not None:
            messages.success(request, f"已记录责任追究:{done.officer_name} {done.outcome}")
            return redirect("accountability_list")
    return render(request, "accountability/record_new.html", {
        "form": form, "rule": rule, "case": case, "findings": findings, "picked": picked,
    }, status=400 if form.errors else 200)
