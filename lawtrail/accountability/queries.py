"""Reads of the accountability register: every one starts from `.restrict(user)`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from lawtrail.accountability.models import AccountabilityRecord
from lawtrail.accounts.models import User


def visible_records(user: User) -> QuerySet[AccountabilityRecord]:
    return AccountabilityRecord.objects.restrict(user).select_related("case", "unit")


def filter_records(qs: QuerySet[AccountabilityRecord], params: dict[str, Any]) -> QuerySet[AccountabilityRecord]:
    if params.get("officer"):
        qs = qs.filter(officer_name__icontains=params["officer"])
    if params.get("outcome"):
        qs = qs.filter(outcome=params["outcome"])
    if params.get("date_from"):
        qs = qs.filter(decided_on__gte=params["date_from"])
    if params.get("date_to"):
        qs = qs.filter(decided_on__lte=params["date_to"])
    return qs


@dataclass(frozen=True)
class Report:
    """责任追究情况表: the records, and how many by outcome, by 情形 and by officer."""

    records: list[AccountabilityRecord]
    by_outcome: list[tuple[str, int]]
    by_situation: list[tuple[str, int]]
    by_officer: list[tuple[str, int]]


def report(qs: QuerySet[AccountabilityRecord], limit: int = 500) -> Report:
    records = list(qs.order_by("-decided_on", "-pk")[:limit])
    rows = list(qs.values_list("outcome", "situation", "officer_name"))
    return Report(records=records,
                  by_outcome=Counter(r[0] for r in rows).most_common(),
                  by_situation=Counter(r[1] for r in rows).most_common(),
                  by_officer=Counter(r[2] for r in rows).most_common())
