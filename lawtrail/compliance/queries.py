"""Findings of cases in the database: export the case to a bundle, then run the engine. Reads only."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from lawtrail.compliance.engine import Finding, evaluate
from lawtrail.compliance.export import export_case
from lawtrail.lib import timez
from lawtrail.profiles.registry import get_profile

if TYPE_CHECKING:
    from lawtrail.cases.models import Case


def case_findings(case: Case, *, now: dt.datetime | None = None, profile_id: str | None = None) -> list[Finding]:
    """The live checklist of a case under its agency's profile (or another one, to compare)."""
    profile = get_profile(profile_id or case.agency.profile_id)
    return evaluate(export_case(case), profile, now=now or timez.now())
