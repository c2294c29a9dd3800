"""考核 — per period, per unit and per officer: the 评查 scores, the compliance findings and the
deadlines missed, combined into one stated score, and exported as xlsx and a printable PDF.

The commission's rules count the check of the units' records in the 法治建设绩效考核 (第二十三条);
the work-safety rules count the records in 绩效考核 and 评议考核 (第二十五条). The weights below are
the agency's choice, not a regulation's: the formula is printed on the page and in every export, so
whoever reads a score reads how it was made.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q
from django.template.loader import render_to_string

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Unit, User
from lawtrail.compliance.models import Deadline, StoredFinding
from lawtrail.lib import timez
from lawtrail.lib.errors import Forbidden, InvalidInput

from .choices import SCORED
from .models import CaseReview

# Points taken off the review average for each finding still open at the period's end, and for
# each deadline of the period missed (overdue, or met after it was due).
FINDING_WEIGHT = 1
OVERDUE_WEIGHT = 2
# The base of a unit or officer with no review scored in the period.
NO_REVIEW_BASE = 100
FORMULA = (f"考核得分 = 评查平均得分率(百分制;期内无评查的按 {NO_REVIEW_BASE} 分计)"
           f" − {FINDING_WEIGHT} × 期末未整改的合规问题数 − {OVERDUE_WEIGHT} × 期内逾期的期限数,最低 0 分")
NO_UNIT = "机关本级"

KINDS = {"month": "月度", "quarter": "季度", "year": "年度"}


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    number: int  # month 1–12, quarter 1–4; 1 for a year

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.year}年{self.number}月"
        if self.kind == "quarter":
            return f"{self.year}年第{'一二三四'[self.number - 1]}季度"
        return f"{self.year}年度"

    @property
    def slug(self) -> str:
        return f"{self.year}" + ({"month": f"-{self.number:02d}", "quarter": f"-Q{self.number}"}.get(self.kind, ""))

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) in Beijing time: the period as the agency's calendar has it."""
        first_month = {"month": self.number, "quarter": 3 * self.number - 2, "year": 1}[self.kind]
        months = {"month": 1, "quarter": 3, "year": 12}[self.kind]
        start = dt.datetime(self.year, first_month, 1, tzinfo=timez.BEIJING)
        return start, timez.add_months(start, months)


def parse_period(kind: str | None, year: Any, number: Any) -> Period:
    """The period a person picked; today's month when nothing was picked."""
    today = timez.beijing(timez.now()).date()
    kind = kind or "month"
    if kind not in KINDS:
        raise InvalidInput("invalid_period", "考核周期应为月度、季度或年度", {"field": "period"})
    try:
        y = int(year) if year not in (None, "") else today.year
        n = int(number) if number not in (None, "") else (
            today.month if kind == "month" else (today.month - 1) // 3 + 1 if kind == "quarter" else 1)
    except (TypeError, ValueError):
        raise InvalidInput("invalid_period", "考核年份或期数无效", {"field": "year"})
    top = {"month": 12, "quarter": 4, "year": 1}[kind]
    if not 2000 <= y <= 2100 or not 1 <= n <= top:
        raise InvalidInput("invalid_period", "考核年份或期数超出范围", {"field": "number"})
    return Period(kind, y, n if kind != "year" else 1)


def may_read(user: User) -> bool:
    """The 考核 is read by the supervisors, legal reviewers and heads (a unit's head: that unit)."""
    if user.agency_id is None:
        return False  # a supervising office across agencies reads the dashboards, not one agency's 考核
    return user.is_superuser or any(g.role in (Role.SUPERVISOR, Role.LEGAL_REVIEWER, Role.HEAD, Role.ADMIN)
                                    for g in user.grants)


def scope_units(user: User) -> list[Unit] | None:
    """The units a user's 考核 covers; None for the whole agency (units and 机关本级)."""
    if not may_read(user):
        raise Forbidden("not_allowed", "只有监督人员、法制审核人员和负责人可以查看考核")
    if user.is_superuser or user.sees_whole_agency:
        return None
    ids = {g.unit_id for g in user.grants if g.role == Role.HEAD and g.unit_id}
    return list(Unit.objects.filter(pk__in=ids).order_by("name"))


@dataclass
class Row:
    name: str
    unit: str = ""
    reviews: int = 0
    rates: list[float] = field(default_factory=list)
    findings_new: int = 0
    findings_resolved: int = 0
    findings_open: int = 0
    overdue: int = 0

    @property
    def average(self) -> float | None:
        return round(sum(self.rates) / len(self.rates), 1) if self.rates else None

    @property
    def score(self) -> float:
        base = self.average if self.average is not None else NO_REVIEW_BASE
        return max(round(base - FINDING_WEIGHT * self.findings_open - OVERDUE_WEIGHT * self.overdue, 1), 0.0)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "unit": self.unit, "reviews": self.reviews, "average": self.average,
                "findings_new": self.findings_new, "findings_resolved": self.findings_resolved,
                "findings_open": self.findings_open, "overdue": self.overdue, "score": self.score}


@dataclass
class Report:
    agency: str
    period: Period
    units: list[Row]
    officers: list[Row]
    made_at: dt.datetime
    formula: str = FORMULA


def build(user: User, period: Period) -> Report:
    """The 考核 of `period` over the user's scope: a few grouped queries, whatever the number of cases."""
    units = scope_units(user)
    if user.agency is None:
        raise Forbidden("no_agency", "您不属于任何执法机关,无法生成考核")
    agency = user.agency
    start, end = period.bounds()
    now = timez.now()

    def scoped(qs: Any) -> Any:
        qs = qs.filter(agency=agency)
        return qs if units is None else qs.filter(unit__in=units)

    unit_names = dict(Unit.objects.filter(agency=agency).values_list("pk", "name"))
    listed = [u.pk for u in units] if units is not None else sorted(unit_names, key=lambda k: unit_names[k])
    by_unit: dict[int | None, Row] = {pk: Row(unit_names[pk]) for pk in listed}
    by_officer: dict[int, Row] = {}

    def unit_row(unit_id: int | None) -> Row:
        if unit_id not in by_unit:
            by_unit[unit_id] = Row(unit_names.get(unit_id, NO_UNIT) if unit_id else NO_UNIT)
        return by_unit[unit_id]

    def officer_row(handler_id: int | None) -> Row | None:
        if handler_id is None:
            return None
        if handler_id not in by_officer:
            by_officer[handler_id] = Row("")
        return by_officer[handler_id]

    reviews = scoped(CaseReview.objects).filter(status__in=SCORED, submitted_at__gte=start, submitted_at__lt=end)
    for unit_id, handler_id, score, total in reviews.values_list("unit_id", "handler_id", "score", "total_points"):
        rate = round(score * 100 / total, 1) if total else 0.0
        for row in (unit_row(unit_id), officer_row(handler_id)):
            if row is not None:
                row.reviews += 1
                row.rates.append(rate)

    findings = scoped(StoredFinding.objects).filter(first_seen_at__lt=end)
    for unit_id, handler_id, first, resolved in findings.filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gte=start)).values_list(
            "unit_id", "handler_id", "first_seen_at", "resolved_at"):
        for maybe in (unit_row(unit_id), officer_row(handler_id)):
            if maybe is None:
                continue
            if first >= start:
                maybe.findings_new += 1
            if resolved is not None and start <= resolved < end:
                maybe.findings_resolved += 1
            if resolved is None or resolved >= end:
                maybe.findings_open += 1

    # A deadline of the period missed: still overdue now, or met only after it was due.
    missed = scoped(Deadline.objects).filter(due_at__gte=start, due_at__lt=min(end, now)).filter(
        Q(state=Deadline.OVERDUE) | Q(state=Deadline.MET, met_at__gt=F("due_at")))
    for unit_id, handler_id in missed.values_list("unit_id", "handler_id"):
        for maybe in (unit_row(unit_id), officer_row(handler_id)):
            if maybe is not None:
                maybe.overdue += 1

    people = {u.pk: u for u in User.objects.filter(pk__in=by_officer).select_related("unit")}
    for pk, row in by_officer.items():
        person = people.get(pk)
        row.name = person.display_name if person else "(已删除的人员)"
        row.unit = person.unit.name if person and person.unit else NO_UNIT
    officers = sorted(by_officer.values(), key=lambda r: (r.unit, r.name))
    unit_rows = [by_unit[k] for k in listed] + [r for k, r in by_unit.items() if k not in listed]
    return Report(agency=agency.name, period=period, units=unit_rows, officers=officers, made_at=now)


# ---------------------------------------------------------------- exports

HEADERS = ["评查次数", "评查平均得分率", "新发现合规问题", "期内已整改", "期末未整改", "逾期期限", "考核得分"]


def _cells(row: Row) -> list[Any]:
    return [row.reviews, row.average if row.average is not None else "无评查", row.findings_new,
            row.findings_resolved, row.findings_open, row.overdue, row.score]


def xlsx(report: Report) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "按单位"
    title = f"{report.agency} {report.period.label}执法考核"
    for ws, first, rows in ((sheet, "单位", report.units), (book.create_sheet("按执法人员"), None, report.officers)):
        ws.append([title])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([report.formula])
        ws.append([])
        ws.append(([first] if first else ["执法人员", "所在单位"]) + HEADERS)
        for cell in ws[4]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(([row.name] if first else [row.name, row.unit]) + _cells(row))
        ws.column_dimensions["A"].width = 24
        ws.append([])
        ws.append([f"生成时间 {timez.beijing(report.made_at):%Y-%m-%d %H:%M}(北京时间)"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf(report: Report) -> bytes:
    from lawtrail.documents.fonts import font_map
    from lawtrail.lib.pdf import html_to_pdf

    fonts = font_map()
    page = render_to_string("review/assessment_print.html", {
        "report": report, "headers": HEADERS, "unit_rows": [(r, _cells(r)) for r in report.units],
        "officer_rows": [(r, _cells(r)) for r in report.officers], "made_at": timez.beijing(report.made_at),
        "font_faces": fonts.font_faces(), "font_body": fonts.css_family("body"),
        "font_title": fonts.css_family("title"),
    })
    return html_to_pdf(page)
