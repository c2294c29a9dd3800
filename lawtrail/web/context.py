from __future__ import annotations

from typing import Any

from django.http import HttpRequest

import lawtrail


def lawtrail_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    agency = getattr(user, "agency", None) if user.is_authenticated else None
    return {"lawtrail_version": lawtrail.__version__, "current_agency": agency}


def inbox_badge(request: HttpRequest) -> dict[str, Any]:
    """The number beside 我的待办 in the menu: what waits for the signed-in person (bounded reads)."""
    from lawtrail.accounts.models import User
    from lawtrail.lib import inbox

    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    gathered = getattr(request, "inbox_sections", None)
    if gathered is not None:  # the page gathered them already (home, 我的待办)
        return {"inbox_count": sum(s.count for s in gathered if s.source.badge)}
    return {"inbox_count": inbox.badge_count(user)}


