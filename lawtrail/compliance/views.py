"""The supervisor's page: findings across the agency's cases, filtered by severity and rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import User
from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case
from lawtrail.compliance.actions import do_acknowledge_lapse, do_explain_lapse
from lawtrail.compliance.labels import subject_labels
from lawtrail.compliance.models import LapseNote
from lawtrail.lib.errors import InvalidInput
from lawtrail.lib.paging import cached_count, keyset_page, list_key
from lawtrail.profiles.registry import get_profile
from lawtrail.web.kit import attempt, signed_in_user

# Findings a page lists (read from the store; `lawtrail check` checks one case live).
LIMIT = 100
STATUS_CHOICES = [("open", "未整改"), ("resolved", "已整改"), ("all", "全部")]
SUPERVISING_ROLES = (Role.SUPERVISOR, Role.HEAD, Role.LEGAL_REVIEWER, Role.ADMIN)
# "": all cases; "open": those not yet archived (what can still be put right); or one stage.
STAGE_CHOICES = [("", "全部"), ("open", "未归档")] + [(s.value, s.label) for s in Stage if s != Stage.NOT_FILED]


def may_see_findings(user: User) -> bool:
    """The agency's findings page is for those who supervise, review or head the agency."""
    return user.agency is not None and (user.is_superuser or any(user.has_role(r) for r in SUPERVISING_ROLES))


def may_see_agency_checks(user: User) -> bool:
    """The agency-level checks answer for the whole agency: its agency-wide roles and its 负责人."""
    return may_see_findings(user) and (user.sees_whole_agency or user.has_agency_role(Role.HEAD))


def nav(request: HttpRequest) -> dict[str, bool]:
    """Context processor: the menu offers 合规检查 only to those who may open it."""
    user = request.user
    return {"nav_compliance": isinstance(user, User) and user.is_authenticated and may_see_findings(user)}


@login_required
def findings_page(request: HttpRequest) -> HttpResponse:
    """The findings as stored (compliance.store), filtered and paged: a fixed number of queries
    whatever the number of cases (tests/test_compliance_store.py)."""
    from lawtrail.accounts.models import Agency, Unit
    from lawtrail.compliance.engine import BLOCKING, REGISTRY, WARNING
    from lawtrail.compliance.models import StoredFinding

    user = signed_in_user(request)
    if not may_see_findings(user) or user.agency is None:
        raise PermissionDenied("只有监督人员、负责人、法制审核人员可以查看全机关的检查结果")
    get = request.GET
    severity = get.get("severity", "") if get.get("severity", "") in ("", BLOCKING, WARNING) else ""
    stage = get.get("stage", "") if get.get("stage", "") in dict(STAGE_CHOICES) else ""
    status = get.get("status", "open") if get.get("status", "open") in dict(STATUS_CHOICES) else "open"
    rule = get.get("rule", "") if get.get("rule", "") in REGISTRY else ""

    def number(key: str) -> int | None:
        value = get.get(key, "")
        return int(value) if value.isdigit() else None

    # Reads start from permission: the agency's findings, the units' for a unit's 负责人.
    rows = StoredFinding.objects.all()
    agencies = Agency.objects.order_by("pk") if user.is_superuser else Agency.objects.filter(pk=user.agency.pk)
    agency_id: int = (number("agency") if user.is_superuser else None) or user.agency.pk
    rows = rows.filter(agency_id=agency_id)
    units = Unit.objects.filter(agency_id=agency_id).order_by("pk")
    if not user.is_superuser and not user.sees_whole_agency:
        mine = {g.unit_id for g in user.grants if g.unit_id} | ({user.unit_id} if user.unit_id else set())
        rows = rows.filter(unit_id__in=mine)
        units = units.filter(pk__in=mine)
    unit_id, officer_id = number("unit"), number("officer")
    if unit_id is not None:
        rows = rows.filter(unit_id=unit_id)
    if officer_id is not None:
        rows = rows.filter(handler_id=officer_id)
    if severity:
        rows = rows.filter(severity=severity)
    if rule:
        rows = rows.filter(rule=rule)
    if status == "open":
        rows = rows.filter(resolved_at__isnull=True)
    elif status == "resolved":
        rows = rows.filter(resolved_at__isnull=False)
    if stage == "open":
        rows = rows.exclude(case__stage=Stage.ARCHIVED)
    elif stage:
        rows = rows.filter(case__stage=stage)
    rows = rows.select_related("case", "case__check_state", "handler")
    officers = User.objects.filter(agency_id=agency_id, role_grants__role=Role.HANDLER).distinct().order_by("pk")
    profile = get_profile(Agency.objects.get(pk=agency_id).profile_id if agency_id != user.agency.pk
                          else user.agency.profile_id)
    query = {k: v for k, v in (("severity", severity), ("rule", rule), ("stage", stage),
                               ("status", status if status != "open" else ""),
                               ("unit", unit_id or ""), ("officer", officer_id or ""),
                               ("agency", agency_id if user.is_superuser else "")) if v}
    # Blocking before warnings, the newest first; a keyset page however deep, and a total counted
    # at most once a minute for this user and these filters.
    page = keyset_page(rows, ("severity", "-first_seen_at", "-id"), after=get.get("after", ""),
                       before=get.get("before", ""), size=LIMIT)
    found = page.items
    subjects = subject_labels(f.subject for f in found)
    total, counted_at = cached_count(rows, list_key("findings", user.pk, query, paging=()))
    return render(request, "compliance/findings.html", {
        "rows": [(f.case, f, subjects[f.subject]) for f in found], "severity": severity, "rule": rule,
        "rules": [r for r in profile.rules if r in REGISTRY], "status": status, "statuses": STATUS_CHOICES,
        "stage": stage, "stages": STAGE_CHOICES, "page": page, "query": urlencode(query),
        "total": total, "counted_at": counted_at,
        "limit": LIMIT, "profile": profile, "agencies": agencies if user.is_superuser else [],
        "agency_id": agency_id, "units": units, "unit_id": unit_id, "officers": officers, "officer_id": officer_id,
        "may_see_agency": may_see_agency_checks(user),
    })


STATUS_TAGS = {"covered": "ok", "partial": "warn", "gap": "bad", "n/a": ""}


@login_required
def coverage_page(request: HttpRequest) -> HttpResponse:
    """条款覆盖: the article map of the agency's regulation, read-only, for those who supervise."""
    from lawtrail.profiles.coverage import (
        MEANS,
        MEANS_LABELS,
        STATUS_LABELS,
        STATUSES,
        all_coverage,
        label_of,
        labels,
    )

    user = signed_in_user(request)
    if not may_see_findings(user) or user.agency is None:
        raise PermissionDenied("只有监督人员、负责人、法制审核人员可以查看条款覆盖情况")
    profile = get_profile(user.agency.profile_id)
    cov = all_coverage().get(profile.id)
    rows: list[dict[str, object]] = []
    counts: list[tuple[str, int, str]] = []
    if cov is not None:
        known = labels()
        for a in cov.articles:
            article = cov.regulation.article(a.label)
            means = [(MEANS_LABELS[k], list(dict.fromkeys(label_of(k, n, known) for n in a.names(k))))
                     for k in MEANS if a.names(k)]
            rows.append({"label": a.label, "status": STATUS_LABELS[a.status], "tag": STATUS_TAGS[a.status],
                         "means": means, "note": a.note, "text": article.text if article else ""})
        counts = [(STATUS_LABELS[s], n, STATUS_TAGS[s]) for s, n in cov.counts().items() if s in STATUSES]
    return render(request, "compliance/coverage.html", {
        "profile": profile, "rows": rows, "counts": counts, "applicable": cov.applicable if cov else 0,
    })



class LapseForm(forms.Form):
    rule = forms.CharField(max_length=64, widget=forms.HiddenInput)
    subject = forms.CharField(max_length=64, widget=forms.HiddenInput)
    reason = forms.CharField(label="逾期原因", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    opinion = forms.CharField(label="负责人意见", max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


@login_required
@require_POST
def lapse_step(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """记录逾期原因 (a case officer) or 确认 it (a head), from the case page's checklist."""
    user = signed_in_user(request)
    case = get_object_or_404(Case.objects.restrict(user), pk=pk)
    form = LapseForm(request.POST)
    call: Callable[[], Any]
    if kind == "explain":
        call = lambda: do_explain_lapse(  # noqa: E731
            case, rule=form.cleaned_data["rule"], subject=form.cleaned_data["subject"],
            reason=form.cleaned_data["reason"], actor=user)
    elif kind == "acknowledge":
        def call() -> Any:
            note = LapseNote.objects.filter(case=case, rule=form.cleaned_data["rule"],
                                            subject=form.cleaned_data["subject"]).first()
            if note is None:
                raise InvalidInput("no_note", "尚未记录逾期原因,无法确认", {"field": "reason"})
            return do_acknowledge_lapse(note, opinion=form.cleaned_data["opinion"], actor=user)
    else:
        return HttpResponse(status=404)
    if form.is_valid() and attempt(form, call) is not None:
        messages.success(request, "已记录逾期原因" if kind == "explain" else "已确认逾期说明")
    else:
        errors = [str(e) for errs in form.errors.values() for e in errs]
        messages.error(request, "操作未完成:" + ";".join(errors))
    return redirect("case_detail", pk=case.pk)


class AgencyPeriodForm(forms.Form):
    since = forms.DateField(label="自", widget=forms.DateInput(attrs={"type": "date"}))
    to = forms.DateField(label="至", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, to = data.get("since"), data.get("to")
        if since and to and (to < since or (to - since).days > 366):
            raise forms.ValidationError("期间应在一年以内,且结束日期不早于开始日期")
        return data


@login_required
def agency_page(request: HttpRequest) -> HttpResponse:
    """机关层面检查: what no single case shows (reception footage saved daily, cameras per unit and
    their use, the text records the agency keeps, patrols), for one period, computed live as the
    `lawtrail check-agency` command does. For those who answer for the whole agency."""
    import datetime as dt

    from lawtrail.compliance.agency import AGENCY_RULES, agency_snapshot, check_agency
    from lawtrail.compliance.engine import BLOCKING
    from lawtrail.lib import timez

    user = signed_in_user(request)
    if user.agency is None or not may_see_agency_checks(user):
        raise PermissionDenied("只有监督人员、机关负责人、法制审核人员可以查看机关层面的检查结果")
    yesterday = timez.beijing(timez.now()).date() - dt.timedelta(days=1)
    form = AgencyPeriodForm(request.GET or {"since": yesterday - dt.timedelta(days=29), "to": yesterday})
    rows: list[dict[str, Any]] = []
    if form.is_valid():
        profile = get_profile(user.agency.profile_id)
        found = check_agency(agency_snapshot(user.agency, form.cleaned_data["since"], form.cleaned_data["to"]), profile)
        rows = [{"blocking": f.severity == BLOCKING, "article": f"{f.source}{f.article}",
                 "rule": AGENCY_RULES.get(f.rule, f.rule), "message": f.message} for f in found]
    return render(request, "compliance/agency.html", {"form": form, "rows": rows,
                                                      "profile": get_profile(user.agency.profile_id)},
                  status=200 if form.is_valid() else 400)
