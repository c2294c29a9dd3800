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


def device_use(agency: Agency, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """How the registered devices were used in the period, per device and Beijing day: the clips they
    recorded, those recorded with no passing pre-use check of the device earlier that day (safety
    rules 第十九条: 使用前……全面检查), and those recorded while the device was neither issued to an
    officer nor kept by a named custodian (labour rules 第三十七条: the officer answers for the
    equipment). Four queries, whatever the number of clips."""
    from lawtrail.devices.models import DeviceCheck, DeviceLoan
    from lawtrail.evidence.models import Evidence

    devices = {d.serial: d for d in Device.objects.filter(agency=agency)}
    clips = list(Evidence.objects.filter(agency=agency, device_serial__in=list(devices), recorded_start__gte=start,
                                         recorded_start__lt=end).order_by("recorded_start")
                 .values_list("device_serial", "recorded_start"))
    if not clips:
        return []
    ids = [d.pk for d in devices.values()]
    first_day = dt.datetime.combine(timez.beijing(start).date(), dt.time.min, tzinfo=timez.BEIJING)
    checks: dict[int, list[dt.datetime]] = {}
    for device_id, at in DeviceCheck.objects.filter(
            device_id__in=ids, checked_at__gte=first_day, checked_at__lt=end, battery_ok=True, storage_ok=True,
            clock_ok=True).values_list("device_id", "checked_at"):
        checks.setdefault(device_id, []).append(at)
    loans: dict[int, list[tuple[dt.datetime, dt.datetime | None]]] = {}
    for device_id, issued, returned in DeviceLoan.objects.filter(device_id__in=ids, issued_at__lt=end).filter(
            Q(returned_at__isnull=True) | Q(returned_at__gte=start)).values_list("device_id", "issued_at", "returned_at"):
        loans.setdefault(device_id, []).append((issued, returned))
    out: dict[tuple[str, dt.date], dict[str, Any]] = {}
    for serial, at in clips:
        device = devices[serial]
        day = timez.beijing(at).date()
        row = out.setdefault((serial, day), {"serial": serial, "kind": device.kind, "day": day.isoformat(),
                                             "clips": 0, "unchecked": 0, "unheld": 0})
        row["clips"] += 1
        day_start = dt.datetime.combine(day, dt.time.min, tzinfo=timez.BEIJING)
        if not any(day_start <= c <= at for c in checks.get(device.pk, [])):
            row["unchecked"] += 1
        held = any(i <= at and (r is None or r >= at) for i, r in loans.get(device.pk, []))
        # The custodian is who the registry names now: a device kept by a named person is "to a person"
        # even when it was not issued for the day.
        if not held and device.custodian_id is None:
            row["unheld"] += 1
    return [out[k] for k in sorted(out)]
