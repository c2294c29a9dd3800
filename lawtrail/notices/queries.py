"""Reading notices: a person's own, newest first (bounded)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from lawtrail.notices.models import Notice

if TYPE_CHECKING:
    from lawtrail.accounts.models import User


def notices_of(user: User) -> QuerySet[Notice]:
    return Notice.objects.filter(recipient=user).order_by("-created_at", "-pk")


def unread_count(user: User) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()
