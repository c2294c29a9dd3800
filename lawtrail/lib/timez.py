"""Time helpers. Stored times are aware UTC; people see Beijing time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
from django.utils import timezone

BEIJING = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return timezone.now()


def beijing(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(BEIJING)


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same clock time `days` official working days after `start` (Beijing calendar).

    Follows the State Council's holiday and make-up-workday calendar; a year it does not
    know yet raises NotImplementedError rather than guessing.
    """
    local = beijing(start)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if chinese_calendar.is_workday(day):
            remaining -= 1
    return local.replace(year=day.year, month=day.month, day=day.day)


def add_period(start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """`start` plus a period as regulations state them: hours, calendar days or working days."""
    if unit == "hours":
        return start + dt.timedelta(hours=amount)
    if unit == "days":
        return start + dt.timedelta(days=amount)
    if unit == "working_days":
        return add_working_days(start, amount)
    raise ValueError(f"unknown period unit {unit!r}")
