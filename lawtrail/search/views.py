"""The search page: one box, results grouped by what they are, within the user's scope."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lawtrail.lib.errors import DomainError
from lawtrail.search import queries
from lawtrail.web.kit import signed_in_user


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    raw = request.GET.get("q", "")
    try:
        results = queries.search(user, raw)
    except DomainError as err:
        return render(request, "search/search.html", {"q": raw[:queries.MAX_QUERY], "error": err.message}, status=400)
    return render(request, "search/search.html", {"q": results.q, "results": results, "limit": queries.LIMIT,
                                                 "short_window": f"{queries.SHORT_WINDOW:,}"})
