"""Reads of the access app, each starting from what the user may see; the access register.

The register (调用登记: 调阅人、复制人、审批人、时间、事由) is not a table of its own: it is the
domain events of reads of marked material, downloads and copies, which are in the ledger.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import User
from lawtrail.events.models import DomainEvent
from lawtrail.lib import inbox, timez
from lawtrail.lib.paging import api_page, checked_cursor, cursor_of, keyset_page

from . import policy
from .choices import RequestStatus
from .models import AccessRequest, Share

REGISTER_ACTIONS = ("access.view_confidential", "access.download", "access.copy", "access.share_open")


def visible_requests(user: User) -> QuerySet[AccessRequest]:
    return AccessRequest.objects.restrict(user).select_related("case", "requester", "approver")


def newest_requests(user: User, qs: QuerySet[AccessRequest], *, after: str = "", offset: int = 0,
                    limit: int) -> tuple[list[AccessRequest], str | None]:
    """A page of `qs` (visible_requests, maybe filtered), newest first: the `limit` rows after the
    cursor `after` (lib.paging), else from `offset`; and the cursor of the next page (None at the end).

    For whoever sees the agency's requests (its heads, archivists, supervisors), the requests are
    the agency's, plus the few they asked or were asked for elsewhere: as one OR the database
    collected and sorted every request of the agency for a page; read as two lists, the agency's
    comes from its own index (agency, -created_at, -id) a page deep, and the two are merged here."""
    if user.agency_id is None or user.is_superuser:
        return api_page(qs, "created_at", after=after, offset=offset, limit=limit)
    checked_cursor(AccessRequest, "created_at", after)
    parts = (qs.filter(agency_id=user.agency_id),
             # Another agency's requests are visible only as the user's own (restrict's first terms):
             # said here too, so that the database reads them from those indexes, not from every request.
             qs.exclude(agency_id=user.agency_id).filter(Q(created_by=user) | Q(requester=user)))
    if after:
        pages = [keyset_page(part, "created_at", after=after, size=limit) for part in parts]
        rows, more = [r for page in pages for r in page.items], any(page.next for page in pages)
    else:
        rows = [r for part in parts for r in part.order_by("-created_at", "-id")[:offset + limit + 1]]
        more = False
    rows.sort(key=lambda r: (r.created_at, r.pk), reverse=True)
    rows = rows if after else rows[offset:]
    items = rows[:limit]
    more = more or len(rows) > limit
    return items, cursor_of(items[-1].created_at, items[-1].pk) if more and items else None


def approvals_inbox(user: User, *, limit: int = inbox.LIMIT + 1) -> list[AccessRequest]:
    """Pending requests this user may decide, oldest first, at most `limit` (as many as the inbox lists).

    Who approves is the profile's (approval_rule): an agency head whatever it names, a unit's head
    where it names the unit's head, for that unit's cases; that is asked in SQL, so the rows read
    do not grow with the agency's pending requests. `may_approve` stays the last word."""
    from lawtrail.profiles.registry import get_profile

    from .actions import may_approve
    from .choices import RULE_FOR_KIND

    if user.agency_id is None:
        return []
    head = user.has_agency_role(Role.HEAD)
    head_units = {g.unit_id for g in user.grants if g.role == Role.HEAD and g.unit_id}
    if not (head or head_units):
        return []
    assert user.agency is not None
    profile = get_profile(user.agency.profile_id)
    where = Q(pk__in=[])
    for kind, key in RULE_FOR_KIND.items():
        rule = profile.rule(key)
        approvers = rule.values.get("approvers", ["head"]) if rule else []
        if head and ("head" in approvers or "unit_head" in approvers):
            where |= Q(kind=kind)
        elif "unit_head" in approvers:
            where |= Q(kind=kind, case__unit_id__in=head_units)
    pending = AccessRequest.objects.filter(where, agency_id=user.agency_id, status=RequestStatus.PENDING) \
        .exclude(created_by=user).select_related("case", "agency").order_by("pk")
    return [r for r in pending[:limit] if may_approve(user, r)]


def may_read_register(user: User) -> bool:
    return user.is_superuser or any(user.has_agency_role(r) for r in (Role.HEAD, Role.ARCHIVIST, Role.SUPERVISOR,
                                                                     Role.LEGAL_REVIEWER)) \
        or any(g.role == Role.HEAD for g in user.grants)


def visible_shares(user: User) -> QuerySet[Share]:
    return Share.objects.filter(request__in=visible_requests(user)).select_related("request", "request__case")


@dataclass(frozen=True)
class RegisterFilter:
    case_number: str = ""
    case_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    person: str = ""


def register(user: User | None, f: RegisterFilter) -> QuerySet[DomainEvent]:
    """The access register, newest first; `user` None means everything (the CLI on the server)."""
    qs = DomainEvent.objects.filter(action__in=REGISTER_ACTIONS)
    if user is not None and not user.is_superuser:
        if not may_read_register(user):
            return qs.none()
        qs = qs.filter(agency_id_frozen=user.agency_id)
        if not user.sees_whole_agency and not user.has_agency_role(Role.HEAD):
            from lawtrail.cases.models import Case

            qs = qs.filter(case_id_frozen__in=Case.objects.restrict(user).values("pk"))
    if f.case_id:
        qs = qs.filter(case_id_frozen=f.case_id)
    if f.case_number:
        from lawtrail.cases.models import Case

        qs = qs.filter(case_id_frozen__in=Case.objects.filter(number=f.case_number).values("pk"))
    if f.date_from:
        qs = qs.filter(occurred_at__gte=_start_of(f.date_from))
    if f.date_to:
        qs = qs.filter(occurred_at__lt=_start_of(f.date_to + dt.timedelta(days=1)))
    if f.person:
        qs = qs.filter(Q(actor_name__icontains=f.person) | Q(actor_username__iexact=f.person)
                       | Q(payload__copier__icontains=f.person) | Q(payload__approver__icontains=f.person)
                       | Q(payload__requester__icontains=f.person))
    return qs.order_by("-occurred_at", "-id")


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=timez.BEIJING)


COLUMNS = ["时间", "事项", "结果", "资料", "案件", "调阅人", "复制人", "审批人", "事由", "调用单", "方式",
           "SHA-256", "原件 SHA-256", "水印", "说明", "账本事件"]


def row(e: DomainEvent) -> dict[str, Any]:
    p = e.payload or {}
    who = e.actor_name if e.actor_id or e.actor_name != "系统" else ""
    if p.get("share_id"):
        who = f"{p.get('recipient', '')}(共享链接)"
    return {
        "时间": f"{timez.beijing(e.occurred_at):%Y-%m-%d %H:%M:%S}", "事项": e.action_label,
        "结果": "完成" if e.outcome == "done" else f"拒绝:{e.reason}", "资料": e.object_repr,
        "案件": p.get("case", "") or (str(e.case_id_frozen) if e.case_id_frozen else ""),
        "调阅人": who, "复制人": p.get("copier", ""), "审批人": p.get("approver", ""),
        "事由": p.get("reason", ""), "调用单": p.get("grant_number", ""),
        "方式": {"role": "职权", "handler": "本案承办", "grant": "调用授权", "share": "共享链接"}.get(p.get("via", ""), ""),
        "SHA-256": p.get("sha256", ""), "原件 SHA-256": p.get("original_sha256", ""),
        "水印": "是" if p.get("watermarked") else ("否" if e.action in ("access.copy",) else ""),
        "说明": p.get("note", ""), "账本事件": e.pk,
    }


def case_label(e: DomainEvent, labels: dict[int, str]) -> str:
    return labels.get(e.case_id_frozen or 0, "")


WITHHELD = "涉密资料(未获相应保密权限,不显示名称)"


def withheld(user: User | None, events: QuerySet[DomainEvent]) -> set[int]:
    """Register lines about marked records `user` may not read: the line stays (who, when, what
    kind of act), the record's name and hashes do not (None: the CLI on the server)."""
    if user is None:
        return set()
    return set(events.filter(policy.hidden_events(user)).values_list("pk", flat=True))


def rows(events: QuerySet[DomainEvent], hidden: set[int] | None = None) -> list[dict[str, Any]]:
    from lawtrail.cases.models import Case

    events_list = list(events[:5000])
    ids = {e.case_id_frozen for e in events_list if e.case_id_frozen}
    labels = {c.pk: c.label for c in Case.objects.filter(pk__in=ids)}
    out = []
    for e in events_list:
        r = row(e)
        r["案件"] = case_label(e, labels) or r["案件"]
        if e.pk in (hidden or set()):
            r.update({"资料": WITHHELD, "SHA-256": "", "原件 SHA-256": ""})
        out.append(r)
    return out


def register_csv(events: QuerySet[DomainEvent], hidden: set[int] | None = None) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS)
    writer.writeheader()
    for r in rows(events, hidden):
        writer.writerow(r)
    return buf.getvalue()


def inbox_approvals(user: User) -> list[inbox.Item]:
    """我的待办: the 调用单 this leader may decide."""
    return [inbox.Item(r.label, r.case.label, "审批调用单", reverse("access_request_detail", args=[r.pk]))
            for r in approvals_inbox(user)]
