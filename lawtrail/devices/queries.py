"""Reads of the device registry: what a user may see, the camera ratio per unit, unregistered footage."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Agency, Unit, User
from lawtrail.devices.choices import EQUIPPED, DeviceKind
from lawtrail.devices.models import Device
from lawtrail.lib import timez
from lawtrail.profiles.registry import get_profile

# The officers and devices of no unit (the agency's own leaders) are counted under this name.
AGENCY_LEVEL = "机关本级"


def sees_all_units(user: User) -> bool:
    """The ratio of every unit is read by the agency-wide roles and the agency's 负责人; others see their own."""
    return user.is_superuser or user.sees_whole_agency or user.has_agency_role(Role.HEAD)


def visible_devices(user: User) -> QuerySet[Device]:
    return Device.objects.restrict(user).select_related("unit", "custodian")


@dataclass(frozen=True)
class UnitRatio:
    """每两人一台: a unit's certified officers, its body cams in the registry, and what the rule asks."""

    unit: str
    officers: int
    body_cams: int
    per: int

    @property
    def needed(self) -> int:
        return math.ceil(self.officers / self.per) if self.per else 0

    @property
    def short(self) -> int:
        return max(self.needed - self.body_cams, 0)

    def as_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "officers": self.officers, "body_cams": self.body_cams}


def officers_per_device(profile_id: str) -> tuple[int, str, str] | None:
    """The ratio the agency's profile sets (rule body_cams), with its article and quote, or None."""
    rule = get_profile(profile_id).rule("body_cams")
    if rule is None:
        return None
    return int(rule.values.get("officers_per_device", 2)), rule.article, rule.quote


def unit_counts(agency: Agency, day: dt.date) -> list[dict[str, Any]]:
    """Per unit (and the agency level): certified officers on `day`, registered body cams in service.
    Three queries, whatever the number of units."""
    names = dict(Unit.objects.filter(agency=agency).values_list("pk", "name"))
    officers: dict[int | None, int] = {}
    certified = User.objects.filter(agency=agency, is_active=True).exclude(cert_no=None).exclude(cert_no="") \
        .filter(Q(cert_valid_from__isnull=True) | Q(cert_valid_from__lte=day)) \
        .filter(Q(cert_valid_until__isnull=True) | Q(cert_valid_until__gte=day))
    for of_unit, n in certified.order_by().values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n"):
        officers[of_unit] = n
    cams: dict[int | None, int] = dict(
        Device.objects.filter(agency=agency, kind=DeviceKind.BODY_CAM, status__in=EQUIPPED).order_by()
        .values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n"))
    out = []
    order: list[int | None] = [*sorted(names, key=lambda k: names[k]), None]
    for unit_id in order:
        if unit_id is None and not officers.get(None) and not cams.get(None):
            continue
        out.append({"unit": names.get(unit_id, AGENCY_LEVEL) if unit_id else AGENCY_LEVEL,
                    "officers": officers.get(unit_id, 0), "body_cams": cams.get(unit_id, 0)})
    return out


def unit_ratios(agency: Agency, day: dt.date | None = None) -> list[UnitRatio]:
    ratio = officers_per_device(agency.profile_id)
    per = ratio[0] if ratio else 0
    return [UnitRatio(u["unit"], u["officers"], u["body_cams"], per)
            for u in unit_counts(agency, day or timez.beijing(timez.now()).date())]


def unregistered_serials(agency: Agency, start: dt.datetime | None = None,
                         end: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Footage whose device serial is not in the registry: each serial, its clips, the first and last."""
    from django.db.models import Max, Min

    from lawtrail.evidence.models import Evidence

    registered = Device.objects.filter(agency=agency).values("serial")
    qs = Evidence.objects.filter(agency=agency).exclude(device_serial="").exclude(device_serial__in=registered)
    if start is not None:
        qs = qs.filter(recorded_start__gte=start)
    if end is not None:
        qs = qs.filter(recorded_start__lt=end)
    rows = qs.order_by().values("device_serial").annotate(n=Count("pk"), first=Min("recorded_start"),
                                                           last=Max("recorded_start")).order_by("device_serial")
    return [{"serial": r["device_serial"], "clips": r["n"], "first": r["first"], "last": r["last"]} for r in rows]
