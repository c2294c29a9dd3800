"""The case file printed: cover (案卷封面), index of contents (卷内目录) and reference sheet (备考表).

Printed through the documents app's WeasyPrint path and font map, so a 案卷 looks like the
documents it holds.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from lawtrail.archive.models import CaseFile
from lawtrail.documents.render import font_context, pdf_from_html
from lawtrail.lib import timez
from lawtrail.verifier.checkpoint import parse_timestamp


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = int(round(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def day_text(utc: str | None) -> str:
    if not utc:
        return ""
    return f"{timez.beijing(parse_timestamp(utc)):%Y-%m-%d}"


def index_rows(case_file: CaseFile) -> list[dict[str, Any]]:
    return [{**item, "day": day_text(item.get("date")), "duration": duration_text(item.get("duration_seconds"))}
            for item in case_file.items]


def render_html(case_file: CaseFile) -> str:
    return render_to_string("archive/print.html", {
        "cf": case_file, "cover": case_file.cover, "rows": index_rows(case_file),
        "media_duration": duration_text(case_file.media_seconds), **font_context(),
    })


def render_pdf(case_file: CaseFile) -> bytes:
    return pdf_from_html(render_html(case_file))
