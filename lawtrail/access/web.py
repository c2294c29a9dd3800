"""How a page answers the access policy's refusals: a 404 for what the user may not know
exists, a 403 page with the reason for what the user sees but may not take."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from lawtrail.lib.errors import Conflict, Forbidden, NotFound

R = TypeVar("R", bound=HttpResponseBase)


def refused(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    return render(request, "access/refused.html", {"message": message}, status=status)


def served(request: HttpRequest, call: Callable[[], R]) -> R | HttpResponse:
    try:
        return call()
    except NotFound:
        raise Http404
    except (Forbidden, Conflict) as err:
        return refused(request, err.message, status=err.status)
