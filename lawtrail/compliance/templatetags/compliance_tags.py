"""Readable names of a finding's rule, stages and subject in templates (lawtrail/compliance/labels.py)."""

from __future__ import annotations

from django import template

from lawtrail.compliance import labels

register = template.Library()

register.filter("rule_label", labels.rule_label)
register.filter("stage_label", labels.stage_label)


@register.filter
def subject_label(subject: str) -> str:
    return labels.subject_labels([subject])[subject]
