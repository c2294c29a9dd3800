"""The explanation of a recording used as evidence (安全生产 第二十条) printed, to be filed with the
case (附卷): rendered once when it is registered and kept with its SHA-256, so the case file binds
the very pages that were registered, however the fonts or the printer change later."""

from __future__ import annotations

from django.template.loader import render_to_string

from lawtrail.documents.render import font_context, pdf_from_html
from lawtrail.evidence.models import Evidence
from lawtrail.lib import timez

from .models import TextRecord


def render_pdf(record: TextRecord, evidence: Evidence, *, quote: str) -> bytes:
    return pdf_from_html(render_to_string("registers/explanation_print.html", {
        "r": record, "evidence": evidence, "quote": quote, "case": record.case, "agency": record.agency,
        "recorded_day": f"{timez.beijing(record.recorded_at):%Y年%m月%d日}",
        "dated_day": f"{record.dated:%Y年%m月%d日}",
        "evidence_start": timez.beijing(evidence.recorded_start) if evidence.recorded_start else None,
        **font_context(),
    }))
