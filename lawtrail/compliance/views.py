"""The supervisor's page: findings across the agency's cases, filtered by severity and rule."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lawtrail.accounts.choices import Role
from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case
from lawtrail.compliance.engine import Finding
from lawtrail.compliance.queries import case_findings
from lawtrail.profiles.registry import get_profile
from lawtrail.web.kit import signed_in_user

# A page checks at most this many cases (newest first); the CLI checks everything.
LIMIT = 100
SUPERVISING_ROLES = (Role.SUPERVISOR, Role.HEAD, Role.LEGAL_REVIEWER, Role.ADMIN)


@login_required
def findings_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if user.agency is None or not (user.is_superuser or any(user.has_role(r) for r in SUPERVISING_ROLES)):
        raise PermissionDenied("只有监督人员、负责人、法制审核人员可以查看全机关的检查结果")
    severity = request.GET.get("severity", "")
    rule = request.GET.get("rule", "")
    cases = list(Case.objects.restrict(user).exclude(stage=Stage.NOT_FILED)
                 .select_related("agency", "unit", "party", "handler", "complaint").order_by("-pk")[:LIMIT + 1])
    truncated = len(cases) > LIMIT
    rows: list[tuple[Case, Finding]] = []
    seen_rules: set[str] = set()
    for case in cases[:LIMIT]:
        for f in case_findings(case):
            seen_rules.add(f.rule)
            if (not severity or f.severity == severity) and (not rule or f.rule == rule):
                rows.append((case, f))
    rows.sort(key=lambda r: (r[1].severity != "blocking", -r[0].pk))
    return render(request, "compliance/findings.html", {
        "rows": rows, "severity": severity, "rule": rule, "rules": sorted(seen_rules), "truncated": truncated,
        "limit": LIMIT, "profile": get_profile(user.agency.profile_id), "open_only": False,
    })
