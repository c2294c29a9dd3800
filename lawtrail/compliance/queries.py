"""Findings of cases in the database: live (export the case to a bundle, then run the engine), or as
stored by compliance.store for the inboxes and pages. Reads only."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q

from lawtrail.compliance.engine import Finding, evaluate
from lawtrail.compliance.export import export_case
from lawtrail.lib import inbox, timez
from lawtrail.profiles.registry import get_profile

if TYPE_CHECKING:
    from lawtrail.accounts.models import User
    from lawtrail.cases.models import Case
    from lawtrail.compliance.models import Deadline


def case_findings(case: Case, *, now: dt.datetime | None = None, profile_id: str | None = None) -> list[Finding]:
    """The live checklist of a case under its agency's profile (or another one, to compare)."""
    profile = get_profile(profile_id or case.agency.profile_id)
    return evaluate(export_case(case), profile, now=now or timez.now())


def leader_scope(user: User) -> Q | None:
    """The deadlines a leader answers for (期限预警 to the leader): every case of the agency for an
    agency-wide 负责人, the cases of their units for a unit's 负责人; None for someone who heads nothing."""
    from lawtrail.accounts.choices import Role

    if user.agency_id is None:
        return None
    heads = [g for g in user.grants if g.role == Role.HEAD]
    if not heads:
        return None
    if any(g.unit_id is None for g in heads):
        return Q(agency_id=user.agency_id)
    return Q(agency_id=user.agency_id, unit_id__in=[g.unit_id for g in heads])


def inbox_findings(user: User) -> list[inbox.Item]:
    """The open blocking findings on the open cases this user handles: what a person has to put right.
    Read from the store (compliance.store), one query, the oldest first."""
    from django.urls import reverse

    from lawtrail.cases.choices import OPEN_STAGES
    from lawtrail.compliance.engine import BLOCKING
    from lawtrail.compliance.labels import rule_label
    from lawtrail.compliance.models import StoredFinding

    if user.agency_id is None:
        return []
    rows = StoredFinding.objects.filter(handler=user, agency_id=user.agency_id, resolved_at__isnull=True,
                                        severity=BLOCKING, case__stage__in=OPEN_STAGES) \
        .select_related("case").order_by("first_seen_at", "pk")[:inbox.LIMIT + 1]
    return [inbox.Item(r.case.label, r.message,
                       f"依据{r.source}{r.article}" if r.article else f"整改:{rule_label(r.rule)}",
                       reverse("case_detail", args=[r.case_id])) for r in rows]


def deadline_warnings(user: User, *, limit: int = inbox.LIMIT + 1) -> list[Deadline]:
    """The near (yellow) and overdue (red) deadlines of the cases this user handles or, as 负责人,
    answers for; the earliest due first. One query."""
    from lawtrail.compliance.models import Deadline

    if user.agency_id is None:
        return []
    scope = Q(handler=user)
    leader = leader_scope(user)
    if leader is not None:
        scope |= leader
    return list(Deadline.objects.filter(scope, agency_id=user.agency_id, state__in=[Deadline.NEAR, Deadline.OVERDUE])
                .select_related("case").order_by("due_at", "pk")[:limit])


def inbox_deadlines(user: User) -> list[inbox.Item]:
    """期限预警: yellow before a deadline, red after it (compliance.store keeps the states)."""
    from django.urls import reverse

    from lawtrail.compliance.models import Deadline

    out = []
    for d in deadline_warnings(user):
        overdue = d.state == Deadline.OVERDUE
        out.append(inbox.Item(d.case.label, f"{d.label}(依据{d.source}{d.article})" if d.article else d.label,
                              "已逾期" if overdue else "临近期限", reverse("case_detail", args=[d.case_id]),
                              due=d.due_at, overdue=overdue, state=d.state))
    return out
