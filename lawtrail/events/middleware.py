from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from lawtrail.events.context import Origin, origin


class RequestContextMiddleware:
    """Records where each request comes from, for the events its actions write."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        value = Origin(
            channel=channel,
            client_ip=request.META.get("REMOTE_ADDR", "")[:64],
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:255],
        )
        with origin(value):
            response = self.get_response(request)
        response["X-Request-ID"] = value.request_id
        return response
