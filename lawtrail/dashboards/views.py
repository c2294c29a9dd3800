"""数据看板 pages: the dashboards over a picked scope, the drill-down list of cases behind a bar,
the xlsx and PDF exports, and plotly.js served from the installed Python package (no CDN)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.cases.queries import case_page
from lawtrail.dashboards import export, queries, snapshots
from lawtrail.dashboards.scope import Scope, may_see_dashboards, scope_from
from lawtrail.lib.errors import DomainError
from lawtrail.lib.limits import Busy
from lawtrail.lib.paging import cached_count
from lawtrail.web.kit import signed_in_user

# A year: the file's URL names plotly's version, so a new version is a new URL.
PLOTLY_MAX_AGE = 365 * 24 * 3600


@functools.cache
def plotly_file() -> tuple[Path, str]:
    import plotly  # type: ignore[import-untyped]

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js", plotly.__version__


def plotly_js(request: HttpRequest, version: str) -> FileResponse:
    path, current = plotly_file()
    if version != current or not path.is_file():
        raise Http404("plotly.js")
    response = FileResponse(path.open("rb"), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={PLOTLY_MAX_AGE}, immutable"
    return response


def nav(request: HttpRequest) -> dict[str, Any]:
    """Context processor: whether the menu offers 数据看板."""
    user = request.user
    return {"nav_dashboard": isinstance(user, User) and user.is_authenticated and may_see_dashboards(user)}


def _scope(request: HttpRequest) -> Scope | HttpResponse:
    user = signed_in_user(request)
    try:
        return scope_from(user, request.GET)
    except DomainError as err:
        return render(request, "403.html", {"exception": err.message}, status=403)


def _drill_urls(scope: Scope, chart: queries.Chart) -> list[list[str]]:
    """Per series, per row: the drill-down URL of that bar ("" when the bar is not a set of cases)."""
    base = reverse("dashboard_drill")
    out = []
    for s in range(len(chart.series)):
        out.append([f"{base}?{urlencode({**scope.params(), **d})}" if (d := row[s]) else ""
                    for row in chart.drills])
    return out


def chart_payload(scope: Scope, charts: list[queries.Chart]) -> dict[str, Any]:
    return {c.key: {"kind": c.kind, "x": [r[0] for r in c.rows], "category": c.category,
                    "series": [{"name": name, "y": [r[i + 1] for r in c.rows], "urls": urls}
                               for i, (name, urls) in enumerate(zip(c.series, _drill_urls(scope, c), strict=True))]}
            for c in charts}


def _picker_context(scope: Scope) -> dict[str, Any]:
    return {"scope": scope, "agencies": scope.agencies(), "units": scope.units(), "officers": scope.officers(),
            "query": urlencode(scope.params())}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    if isinstance(scope, HttpResponse):
        return scope
    # The stored counts of this scope (snapshots.py): reading them costs the same however many
    # cases it holds; the page says when they were counted.
    board = snapshots.board(scope)
    path, version = plotly_file()
    return render(request, "dashboards/dashboard.html", {
        **_picker_context(scope), "charts": board.charts, "payload": chart_payload(scope, board.charts),
        "headline": board.headline, "computed_at": board.computed_at, "refresh_minutes": snapshots.REFRESH_MINUTES,
        "deadline_items": queries.deadline_items(scope), "plotly_version": version,
    })


@login_required
def drill(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    if isinstance(scope, HttpResponse):
        return scope
    cases, words = queries.drill_cases(scope, request.GET)
    cases = cases.select_related("agency", "unit", "handler", "party")
    query = request.GET.copy()
    for key in ("after", "before", "page"):
        query.pop(key, None)
    # Keyset pages as the case list's (newest registered first, ?after= / ?before=), and the total
    # counted at most once a minute: the rows a view reads stay the page's, however many cases
    # the bar counts.
    page = case_page(cases, after=request.GET.get("after", ""), before=request.GET.get("before", ""))
    total, counted_at = cached_count(cases, f"drill:{scope.user.pk}?{query.urlencode()}")
    # A case links to its page only for whom the case pages let in (a supervising office reads the
    # counts and the list, not the cases of other agencies).
    openable = set(Case.objects.restrict(scope.user).filter(pk__in=[c.pk for c in page.items])
                   .values_list("pk", flat=True))
    return render(request, "dashboards/cases.html", {
        **_picker_context(scope), "page": page, "words": words, "openable": openable,
        "page_query": query.urlencode(), "total": total, "counted_at": counted_at,
    })


@login_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    if isinstance(scope, HttpResponse):
        return scope
    board = snapshots.board(scope)
    body = export.workbook(scope, board.charts, board.headline, queries.deadline_items(scope),
                           computed_at=board.computed_at)
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = export.disposition(scope, "xlsx")
    return response


@login_required
def export_pdf(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    if isinstance(scope, HttpResponse):
        return scope
    board = snapshots.board(scope)
    try:
        body = export.report_pdf(scope, board.charts, board.headline, queries.deadline_items(scope),
                                 computed_at=board.computed_at)
    except Busy:
        raise  # every render slot taken: the rate-limit middleware answers "try again shortly"
    except DomainError as err:
        # The server cannot draw it (fonts, libraries): say so on the dashboard, with the fix.
        messages.error(request, err.message)
        return redirect(f"{reverse('dashboard')}?{urlencode(scope.params())}")
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = export.disposition(scope, "pdf")
    return response
