"""Reads of the register: which kinds an agency keeps (its profile's), and what a user may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from lawtrail.accounts.models import User
from lawtrail.profiles.registry import get_profile

from .choices import RecordKind
from .models import TextRecord

# The profile entries that name the text records an agency keeps (`kinds`), each under its article.
REGISTER_RULES = ("text_records", "storage_supervision", "evidence_explanation", "guidance_records",
                  "implementing_rules")


@dataclass(frozen=True)
class KindSpec:
    kind: str
    label: str
    article: str
    quote: str


def kinds_for(profile_id: str) -> dict[str, KindSpec]:
    """The kinds this profile's regulation asks to be kept in writing, in the text's order."""
    profile = get_profile(profile_id)
    out: dict[str, KindSpec] = {}
    for rule_id in REGISTER_RULES:
        rule = profile.rule(rule_id)
        if rule is None:
            continue
        for kind in rule.values.get("kinds") or []:
            out.setdefault(str(kind), KindSpec(str(kind), RecordKind(kind).label, rule.article, rule.quote))
    return out


def visible_records(user: User) -> QuerySet[TextRecord]:
    return TextRecord.objects.restrict(user).select_related("unit", "complaint", "case", "evidence")
