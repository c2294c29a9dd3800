"""期限预警 as notices: a deadline that turns near (yellow) or overdue (red) is announced once, in
the app (lawtrail.notices) and by the notice hooks it offers (e-mail, webhook), to the case's
handler and to the leader who answers for it: the 负责人 of the case's unit, or, where the unit
has none, the agency's 负责人."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import User
from lawtrail.compliance.models import Deadline
from lawtrail.lib import timez
from lawtrail.notices.actions import send_notice


def leaders_of(agency_id: int, unit_id: int | None) -> list[User]:
    # One filter() call: the role and its unit are conditions on the same grant.
    heads = list(User.objects.filter(Q(role_grants__unit_id=unit_id) | Q(role_grants__unit__isnull=True),
                                     is_active=True, agency_id=agency_id, role_grants__role=Role.HEAD)
                 .distinct().order_by("pk").prefetch_related("role_grants"))
    heads = [u for u in heads if any(g.role == Role.HEAD and g.unit_id in (None, unit_id) for g in u.grants)]
    of_unit = [u for u in heads if any(g.role == Role.HEAD and g.unit_id == unit_id for g in u.grants)]
    return of_unit or heads


def announce_deadline(row: Deadline, previous: str) -> None:
    if row.state not in (Deadline.NEAR, Deadline.OVERDUE):
        return
    case = row.case
    due = timez.beijing(row.due_at)
    if row.state == Deadline.OVERDUE:
        title = f"已逾期:{case.label} {row.label}"
        body = f"{row.label}的期限 {due:%Y-%m-%d %H:%M} 已过(依据{row.source}{row.article}),请尽快办理并说明逾期原因。"
    else:
        title = f"临近期限:{case.label} {row.label}"
        body = f"{row.label}将于 {due:%Y-%m-%d %H:%M} 到期(依据{row.source}{row.article}),请按期办理。"
    people = leaders_of(row.agency_id, row.unit_id)
    if row.handler is not None:
        people.append(row.handler)
    # One notice per transition: the key names the deadline, its due time and the state it reached.
    send_notice(people, key=f"deadline:{row.pk}:{row.state}:{row.due_at:%Y%m%d%H%M}", title=title, body=body,
                url=reverse("case_detail", args=[row.case_id]), level=row.state)
