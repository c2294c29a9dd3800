"""`record|download_via:user`: whether to offer a download at all (a button that can only answer 403 is not offered)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from lawtrail.access.policy import authorize
from lawtrail.accounts.models import User

register = template.Library()


@register.filter
def download_via(obj: models.Model, user: Any) -> str:
    """What would allow `user` to download `obj` (role, handler, grant), or "" if nothing would."""
    if not isinstance(user, User):
        return ""
    decision = authorize(user, "download", obj)
    return decision.via if decision.allowed else ""
