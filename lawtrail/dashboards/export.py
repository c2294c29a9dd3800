"""The dashboards exported: an xlsx workbook with one sheet per table, and a printable PDF report
whose charts are bars drawn by the server in HTML/CSS (WeasyPrint runs no JavaScript)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from django.template.loader import render_to_string

from lawtrail.compliance.models import Deadline
from lawtrail.dashboards.queries import Chart
from lawtrail.dashboards.scope import Scope
from lawtrail.documents.fonts import font_map
from lawtrail.evidence.serving import disposition as _disposition
from lawtrail.lib import timez
from lawtrail.lib.pdf import html_to_pdf

# What Excel refuses in a sheet's name.
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def disposition(scope: Scope, ext: str) -> str:
    return _disposition("attachment", f"数据看板_{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.{ext}")


def deadline_rows(items: list[Deadline]) -> list[list[Any]]:
    return [[d.case.number or d.case.title, d.label, d.article, d.unit.name if d.unit else "机关本级",
             d.handler.display_name if d.handler else "", timez.beijing(d.due_at).strftime("%Y-%m-%d %H:%M"),
             d.get_state_display()] for d in items]


DEADLINE_COLUMNS = ["案号/案由", "期限事项", "条款", "承办机构", "主办人", "期限", "状态"]


def workbook(scope: Scope, charts: list[Chart], headline: list[tuple[str, int]], items: list[Deadline], *,
             computed_at: dt.datetime | None = None) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    wb = Workbook()
    ws = wb.active
    ws.title = "概况"
    ws.append(["数据看板"])
    ws.append(["范围", scope.describe()])
    ws.append(["导出时间", timez.beijing(timez.now()).strftime("%Y-%m-%d %H:%M")])
    if computed_at is not None:
        ws.append(["统计时间", timez.beijing(computed_at).strftime("%Y-%m-%d %H:%M")])
    ws.append([])
    for label, n in headline:
        ws.append([label, n])
    ws["A1"].font = Font(bold=True, size=14)
    names = {"概况"}
    for chart in charts:
        name = _SHEET_BAD.sub("", chart.title)[:31]
        while name in names:
            name = name[:29] + f"_{len(names)}"
        names.add(name)
        sheet = wb.create_sheet(name)
        sheet.append([chart.title])
        sheet.append([chart.note])
        sheet.append(chart.columns)
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in chart.table():
            sheet.append(row)
        sheet["A1"].font = Font(bold=True)
        sheet.column_dimensions["A"].width = 28
    sheet = wb.create_sheet("期限预警清单")
    sheet.append(DEADLINE_COLUMNS)
    for row in deadline_rows(items):
        sheet.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# The page's colours (dashboard.js): yellow before a deadline, red after it or for what is still wrong.
PALETTE = ["#2d5b8c", "#d9822b", "#5a9e6f", "#9b59b6"]
NAMED = {"临近期限": "#e0a800", "已逾期": "#c0392b", "未整改": "#c0392b", "已整改": "#5a9e6f", "未覆盖": "#c0392b",
         "已覆盖": "#5a9e6f", "逾期存储": "#c0392b", "按期存储": "#5a9e6f", "缺少天数": "#c0392b", "已保存天数": "#5a9e6f"}


def colours(chart: Chart) -> list[str]:
    return [NAMED.get(s, PALETTE[i % len(PALETTE)]) for i, s in enumerate(chart.series)]


def bars(chart: Chart) -> list[dict[str, Any]]:
    """Each row's bar segments as widths in percent of the longest row (for the printed report)."""
    stacked = chart.kind != "bar"
    totals = [sum(int(v) for v in r[1:]) if stacked else max([int(v) for v in r[1:]] or [0]) for r in chart.rows]
    top = max(totals or [0]) or 1
    return [{"label": r[0], "total": t,
             "parts": [{"n": int(v), "width": round(100 * int(v) / top, 2), "colour": colours(chart)[i]}
                       for i, v in enumerate(r[1:])]}
            for r, t in zip(chart.rows, totals, strict=True)]


def report_pdf(scope: Scope, charts: list[Chart], headline: list[tuple[str, int]], items: list[Deadline], *,
               computed_at: dt.datetime | None = None) -> bytes:
    fonts = font_map()
    html = render_to_string("dashboards/report.html", {
        "scope": scope, "charts": [(c, bars(c), list(zip(c.series, colours(c), strict=True))) for c in charts], "headline": headline,
        "deadline_columns": DEADLINE_COLUMNS, "deadline_rows": deadline_rows(items),
        "now": timez.now(), "computed_at": computed_at, "font_faces": fonts.font_faces(), "font_body": fonts.css_family("body"),
        "font_title": fonts.css_family("title"),
    })
    return html_to_pdf(html)
