"""通知: the signed-in person's notices, newest first, and marking them read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lawtrail.accounts.models import User
from lawtrail.lib.paging import paged
from lawtrail.notices.actions import mark_read
from lawtrail.notices.queries import notices_of, unread_count


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page, query = paged(notices_of(user), "created_at", request.GET, size=30)
    return render(request, "notices/list.html", {"page": page, "query": query, "unread": unread_count(user)})


@login_required
@require_POST
def notice_read(request: HttpRequest) -> HttpResponse:
    ids = [int(x) for x in request.POST.getlist("id") if x.isdigit()]
    mark_read(_user(request), ids or None)
    return redirect("notice_list")


def unread_notices(request: HttpRequest) -> dict[str, int]:
    """Context processor: the number beside 通知 in the menu (one COUNT over the person's own rows)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    return {"notice_count": unread_count(user)}
