"""`{% case_evidence case as items %}`: the recordings of a case the viewer may see (for the case page)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import QuerySet

from lawtrail.accounts.models import User
from lawtrail.cases.models import Case
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.queries import visible_evidence

register = template.Library()


@register.simple_tag(takes_context=True)
def case_evidence(context: dict[str, Any], case: Case) -> QuerySet[Evidence]:
    user = context["request"].user
    if not isinstance(user, User):
        return Evidence.objects.none()
    return visible_evidence(user).filter(case=case).order_by("recorded_start", "id")
