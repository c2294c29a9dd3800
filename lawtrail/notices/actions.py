"""Sending and reading notices (通知). The only code that writes Notice rows.

Notices are messages about derived states (a deadline turned yellow or red), not domain state:
they record no domain event and the ledger does not track them. Besides the in-app row, a notice
may go out by e-mail (settings.NOTIFY_EMAIL, through Django's EMAIL_* settings, to the person's
address) and to a webhook (settings.NOTIFY_WEBHOOK: a JSON POST an SMS gateway can take), after
the rows commit, best effort: a failure is logged and the in-app notice stays.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from lawtrail.lib import timez
from lawtrail.notices.models import Notice

if TYPE_CHECKING:
    from lawtrail.accounts.models import User

log = logging.getLogger(__name__)

LEVELS = ("info", "near", "overdue")


def send_notice(recipients: Iterable[User], *, key: str, title: str, body: str = "", url: str = "",
                level: str = "info") -> list[Notice]:
    """Notify each recipient once for `key` (a second call with the same key sends nothing to those
    already told). Returns the notices made now."""
    if level not in LEVELS:
        raise ValueError(f"unknown notice level {level!r}")
    people = {u.pk: u for u in recipients if u is not None and u.is_active}
    if not people:
        return []
    now = timez.now()
    with transaction.atomic():
        told = set(Notice.objects.filter(key=key, recipient_id__in=list(people))
                   .values_list("recipient_id", flat=True))
        fresh = [Notice(recipient_id=pk, key=key[:200], level=level, title=title[:200], body=body, url=url[:300],
                        created_at=now) for pk in people if pk not in told]
        Notice.objects.bulk_create(fresh, ignore_conflicts=True)
        if fresh and (settings.NOTIFY_WEBHOOK or settings.NOTIFY_EMAIL):
            targets = [people[n.recipient_id] for n in fresh]
            transaction.on_commit(lambda: _deliver(targets, title, body, url, level))
    return fresh


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark `user`'s notices read (all unread ones, or those of `ids`); how many were marked."""
    qs = Notice.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timez.now())


def _deliver(people: list[User], title: str, body: str, url: str, level: str) -> None:
    if settings.NOTIFY_EMAIL:
        from django.core.mail import send_mail

        for person in people:
            if not person.email:
                continue
            try:
                send_mail(title, f"{body}\n{url}".strip(), None, [person.email])
            except Exception:  # noqa: BLE001 — best effort: the in-app notice is the record
                log.exception("notice e-mail to user %s not sent", person.pk)
    if settings.NOTIFY_WEBHOOK:
        payload = {"title": title, "body": body, "url": url, "level": level,
                   "recipients": [{"username": p.username, "name": p.display_name, "phone": p.phone,
                                   "email": p.email} for p in people]}
        request = urllib.request.Request(settings.NOTIFY_WEBHOOK, data=json.dumps(payload, ensure_ascii=False).encode(),
                                         headers={"Content-Type": "application/json; charset=utf-8"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10):  # noqa: S310 — the operator's own URL
                pass
        except Exception:  # noqa: BLE001 — best effort, as above
            log.exception("notice webhook not reached")
