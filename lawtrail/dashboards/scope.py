"""Who sees which dashboards, and the scope a person picks (agency, unit, officer, period).

An agency's 监督人员, its 负责人 and the administrators see the agency; a unit's 负责人 sees the
unit; a supervising office (accounts.OversightGrant) sees every agency it oversees, read only.
Every count of the dashboards filters by `Scope.where()`: nothing here widens what a user may
change, only what the dashboards count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.http import QueryDict

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Agency, OversightGrant, Unit, User
from lawtrail.lib import timez
from lawtrail.lib.errors import Forbidden


@dataclass(frozen=True)
class Reach:
    """What a user may look at: agencies whole, and units of other agencies (a unit head's)."""

    agencies: frozenset[int]
    units: frozenset[int]

    @property
    def empty(self) -> bool:
        return not self.agencies and not self.units


def reach(user: User) -> Reach:
    if not user.is_authenticated:
        return Reach(frozenset(), frozenset())
    if user.is_superuser:
        return Reach(frozenset(Agency.objects.values_list("pk", flat=True)), frozenset())
    agencies: set[int] = set(OversightGrant.objects.filter(user=user).values_list("agency_id", flat=True))
    units: set[int] = set()
    if user.agency_id is not None:
        if any(g.unit_id is None and g.role in (Role.SUPERVISOR, Role.HEAD, Role.ADMIN) for g in user.grants):
            agencies.add(user.agency_id)
        else:
            units |= {g.unit_id for g in user.grants if g.role == Role.HEAD and g.unit_id is not None}
    return Reach(frozenset(agencies), frozenset(units - set(
        Unit.objects.filter(pk__in=units, agency_id__in=agencies).values_list("pk", flat=True))))


def may_see_dashboards(user: User) -> bool:
    return not reach(user).empty


@dataclass
class Scope:
    """The dashboards' filter: the agencies and units reached, narrowed by the pickers."""

    user: User
    reach: Reach
    agency: Agency | None = None
    unit: Unit | None = None
    officer: User | None = None
    start: dt.date = field(default_factory=lambda: timez.beijing(timez.now()).date())
    end: dt.date = field(default_factory=lambda: timez.beijing(timez.now()).date())

    # ---- what the pickers offer
    def agencies(self) -> list[Agency]:
        ids = set(self.reach.agencies) | set(Unit.objects.filter(pk__in=self.reach.units)
                                              .values_list("agency_id", flat=True))
        return list(Agency.objects.filter(pk__in=ids).order_by("name"))

    def units(self) -> list[Unit]:
        qs = Unit.objects.filter(Q(agency_id__in=self.reach.agencies) | Q(pk__in=self.reach.units))
        if self.agency is not None:
            qs = qs.filter(agency=self.agency)
        return list(qs.select_related("agency").order_by("agency__name", "name"))

    def officers(self) -> list[User]:
        qs = User.objects.filter(is_active=True).exclude(cert_no=None).exclude(cert_no="")
        qs = qs.filter(Q(agency_id__in=self.reach.agencies) | Q(unit_id__in=self.reach.units))
        if self.agency is not None:
            qs = qs.filter(agency=self.agency)
        if self.unit is not None:
            qs = qs.filter(unit=self.unit)
        return list(qs.order_by("unit__name", "full_name"))

    # ---- the filter
    def where(self, agency: str = "agency", unit: str = "unit", person: str | None = "handler") -> Q:
        """The rows of this scope, for a model whose agency, unit and officer fields are named so."""
        if self.agency is not None and self.agency.pk in self.reach.agencies:
            # A chosen agency the whole of which is in reach: its own condition says all (the reach's
            # beside it would only lead SQLite to the agency index over the wider ones).
            q = Q(**{f"{agency}_id": self.agency.pk})
        else:
            q = Q(**{f"{agency}_id__in": self.reach.agencies}) | Q(**{f"{unit}_id__in": self.reach.units})
            if self.agency is not None:
                q &= Q(**{f"{agency}_id": self.agency.pk})
        if self.unit is not None:
            q &= Q(**{f"{unit}_id": self.unit.pk})
        if self.officer is not None and person is not None:
            q &= Q(**{f"{person}_id": self.officer.pk})
        return q

    @property
    def lo(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=timez.BEIJING)

    @property
    def hi(self) -> dt.datetime:
        """The end of the period (exclusive): the day after `end`, at Beijing midnight."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=timez.BEIJING)

    def params(self) -> dict[str, str]:
        out = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.agency is not None:
            out["agency"] = str(self.agency.pk)
        if self.unit is not None:
            out["unit"] = str(self.unit.pk)
        if self.officer is not None:
            out["officer"] = str(self.officer.pk)
        return out

    def describe(self) -> str:
        parts = [self.agency.name if self.agency else "全部可查看的机关"]
        if self.unit is not None:
            parts.append(self.unit.name)
        if self.officer is not None:
            parts.append(self.officer.display_name)
        parts.append(f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}")
        return " · ".join(parts)


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months: from the first day of the month eleven months back, to today."""
    month = today.month - 11
    year = today.year
    if month <= 0:
        month += 12
        year -= 1
    return dt.date(year, month, 1), today


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def scope_from(user: User, params: QueryDict | dict[str, Any]) -> Scope:
    """The scope the pickers ask for, within the user's reach; a pick out of reach is refused."""
    r = reach(user)
    if r.empty:
        raise Forbidden("no_dashboard", "您没有查看数据看板的权限")
    today = timez.beijing(timez.now()).date()
    start, end = default_period(today)
    scope = Scope(user=user, reach=r, start=_day(params.get("from")) or start, end=_day(params.get("to")) or end)
    if scope.end < scope.start:
        scope.start, scope.end = scope.end, scope.start
    agency_id, unit_id, officer_id = (_int(params.get(k)) for k in ("agency", "unit", "officer"))
    if agency_id is not None:
        scope.agency = next((a for a in scope.agencies() if a.pk == agency_id), None)
        if scope.agency is None:
            raise Forbidden("agency_out_of_scope", "无权查看该机关的数据")
    elif len(r.agencies) <= 1 and not r.units and user.agency_id in r.agencies:
        scope.agency = user.agency  # one's own agency: picked already
    if unit_id is not None:
        scope.unit = next((u for u in scope.units() if u.pk == unit_id), None)
        if scope.unit is None:
            raise Forbidden("unit_out_of_scope", "无权查看该执法机构的数据")
    elif not r.agencies and len(r.units) == 1:
        scope.unit = Unit.objects.get(pk=next(iter(r.units)))
    if officer_id is not None:
        scope.officer = next((o for o in scope.officers() if o.pk == officer_id), None)
        if scope.officer is None:
            raise Forbidden("officer_out_of_scope", "无权查看该执法人员的数据")
    return scope
