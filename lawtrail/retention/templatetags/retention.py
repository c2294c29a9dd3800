"""`{% retention_card obj %}`: the record's retention and why it is kept, on the evidence and case pages."""

from __future__ import annotations

from typing import Any

from django import template

from lawtrail.cases.models import Case
from lawtrail.evidence.models import Evidence
from lawtrail.retention import queries

register = template.Library()


@register.inclusion_tag("retention/_card.html")
def retention_card(obj: Evidence | Case) -> dict[str, Any]:
    if isinstance(obj, Evidence):
        return {"x": queries.explain_evidence(obj), "url_name": "evidence_retention", "pk": obj.pk}
    return {"x": queries.explain_case(obj), "url_name": "case_retention", "pk": obj.pk}
