"""Time helpers. Stored times are aware UTC; people see Beijing time."""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
from django.utils import timezone

BEIJING = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return timezone.now()


def beijing(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(BEIJING)


def calendar_knows(day: dt.date) -> bool:
    """Whether the State Council's holiday arrangement for `day`'s year is known here."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def add_working_days(start: dt.datetime, days: int, *, estimate: bool = False) -> dt.datetime:
    """The same clock time `days` official working days after `start` (Beijing calendar).

    Follows the State Council's holiday and make-up-workday calendar. A year not announced
    yet raises NotImplementedError, unless `estimate` is set: then its Mondays to Fridays
    count, and the caller must mark the result as an estimate.
    """
    local = beijing(start)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        try:
            workday = chinese_calendar.is_workday(day)
        except NotImplementedError:
            if not estimate:
                raise
            workday = day.weekday() < 5
        if workday:
            remaining -= 1
    return local.replace(year=day.year, month=day.month, day=day.day)


def add_months(start: dt.datetime, months: int) -> dt.datetime:
    """The same Beijing wall-clock time `months` calendar months later (31 Jan + 1 month → 28/29 Feb)."""
    local = beijing(start)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return local.replace(year=year, month=month, day=min(local.day, last_day))


def add_period(start: dt.datetime, amount: int, unit: str, *, estimate: bool = False) -> dt.datetime:
    """`start` plus a period as regulations state them: hours, calendar days or working days."""
    if unit == "hours":
        return start + dt.timedelta(hours=amount)
    if unit == "days":
        return start + dt.timedelta(days=amount)
    if unit == "working_days":
        return add_working_days(start, amount, estimate=estimate)
    if unit in ("months", "years"):
        return add_months(start, amount * (12 if unit == "years" else 1))
    raise ValueError(f"unknown period unit {unit!r}")


def period_is_estimate(start: dt.datetime, due: dt.datetime, unit: str) -> bool:
    """Whether a working-day period from `start` to `due` crossed a year whose holidays are unknown."""
    if unit != "working_days":
        return False
    return any(not calendar_knows(dt.date(y, 1, 1)) for y in range(beijing(start).year, beijing(due).year + 1))
