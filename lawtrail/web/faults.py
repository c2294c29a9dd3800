"""A page that fails on a full disk or a read-only data directory answers a Chinese page with the
fault's stable code, not Django's bare 500 (the API answers the same fault as JSON, lawtrail/api.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from lawtrail.lib.faults import storage_fault

logger = logging.getLogger(__name__)


class StorageFaultMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        fault = storage_fault(exception)
        if fault is None:
            return None
        logger.error("storage fault on %s %s: %s", request.method, request.path, fault.__cause__)
        # Rendered without the site's context processors: they read the session and the user,
        # which a read-only or full database may not answer either.
        body = render_to_string("fault.html", {"code": fault.code, "message": fault.message})
        return HttpResponse(body, status=fault.status, content_type="text/html; charset=utf-8")
