"""Findings of cases in the database: export the case to a bundle, then run the engine. Reads only."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from lawtrail.compliance.engine import Finding, evaluate
from lawtrail.compliance.export import export_case
from lawtrail.lib import inbox, timez
from lawtrail.profiles.registry import get_profile

if TYPE_CHECKING:
    from lawtrail.accounts.models import User
    from lawtrail.cases.models import Case


def case_findings(case: Case, *, now: dt.datetime | None = None, profile_id: str | None = None) -> list[Finding]:
    """The live checklist of a case under its agency's profile (or another one, to compare)."""
    profile = get_profile(profile_id or case.agency.profile_id)
    return evaluate(export_case(case), profile, now=now or timez.now())


# Each case is exported and checked live (there is no stored finding yet), so the inbox checks only
# the handler's most recently registered open cases, and the menu's count leaves findings out.
FINDING_CASES = 10


def inbox_findings(user: User) -> list[inbox.Item]:
    """The blocking findings on the open cases this user handles: what a person has to put right."""
    from django.urls import reverse

    from lawtrail.cases.choices import OPEN_STAGES
    from lawtrail.cases.models import Case
    from lawtrail.compliance.engine import BLOCKING

    cases = Case.objects.restrict(user).filter(handler=user, stage__in=OPEN_STAGES) \
        .select_related("agency", "unit", "party", "handler", "complaint").order_by("-registered_at", "-pk")
    out: list[inbox.Item] = []
    for case in cases[:FINDING_CASES]:
        for f in case_findings(case):
            if f.severity == BLOCKING:
                out.append(inbox.Item(case.label, f.message, f"依据{f.cite}" if f.cite else "整改",
                                      reverse("case_detail", args=[case.pk])))
    return out
