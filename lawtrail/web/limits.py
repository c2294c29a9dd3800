"""The per-user rate limit of the expensive endpoints (lawtrail/lib/limits.py), in one table for the
pages and the API alike: a route named here counts one start for its user before its view runs,
and over the limit answers 429 with Retry-After — the API's JSON error, or a Chinese page."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from lawtrail.lib.errors import DomainError
from lawtrail.lib.limits import Busy, RateLimited, spend

# URL name → (kind counted, what a person calls it). Pages and API operations of one kind share a budget.
EXPENSIVE: dict[str, tuple[str, str]] = {
    "case_documents_pdf": ("print", "批量打印"),
    "api:print_case_documents": ("print", "批量打印"),
    "case_file_pdf": ("case_file", "生成案卷 PDF"),
    "api:case_file_pdf": ("case_file", "生成案卷 PDF"),
    "case_file_package": ("package", "导出归档包"),
    "api:export_package": ("package", "导出归档包"),
    "api:get_bundle": ("bundle", "导出案件数据包"),
    "access_grant_copy": ("copy", "制作加水印复制件"),
    "dashboard_xlsx": ("dashboard", "导出数据看板"),
    "dashboard_pdf": ("dashboard", "生成数据看板报告"),
    "api:grant_document": ("copy", "制作加水印复制件"),
    "api:grant_evidence": ("copy", "制作加水印复制件"),
    "assessment_xlsx": ("assessment", "导出考核表"),
    "assessment_pdf": ("assessment", "打印考核表"),
    "api:assessment_xlsx": ("assessment", "导出考核表"),
    "api:assessment_pdf": ("assessment", "打印考核表"),
}


def _who(request: HttpRequest) -> str | None:
    """The user, or for a bearer token (authenticated later, by the API) the token itself, hashed."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u{user.pk}"
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return "t" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    return None  # not signed in: the view refuses it without doing the work


class ExpensiveRequestLimit:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        match = request.resolver_match
        entry = EXPENSIVE.get(match.view_name) if match is not None else None
        if entry is None or request.method not in ("GET", "POST"):
            return None
        who = _who(request)
        if who is None:
            return None
        try:
            spend(who, *entry)
        except RateLimited as err:
            return _refusal(request, err)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Every render slot stayed taken: "try again shortly", not a 500.
        return _refusal(request, exception) if isinstance(exception, Busy) else None


def _refusal(request: HttpRequest, err: DomainError) -> HttpResponse:
    """429 (or 503 for Busy) with Retry-After: the API's JSON error, or a Chinese page."""
    retry = str(err.detail.get("retry_after", 10))
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(err.as_dict(), status=err.status, json_dumps_params={"ensure_ascii": False})
    else:
        body = render_to_string("limited.html", {"code": err.code, "message": err.message, "retry": retry})
        response = HttpResponse(body, status=err.status, content_type="text/html; charset=utf-8")
    response["Retry-After"] = retry
    return response
