"""Demo data for the device registry: a few body cams and one storage device per unit, through the
real action. The demo (lawtrail/demo.py) may call `seed_devices(agency)`; a second call adds nothing."""

from __future__ import annotations

import datetime as dt
import math

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Agency, User
from lawtrail.devices.actions import do_register_device
from lawtrail.devices.models import Device
from lawtrail.devices.queries import unit_counts


def seed_devices(agency: Agency, *, actor: User | None = None) -> list[Device]:
    """One camera for every two certified officers of each unit (one short in the last unit, so the
    ratio check has something to show), and one storage device per unit."""
    if Device.objects.filter(agency=agency).exists():
        return []
    actor = actor or User.objects.filter(agency=agency, role_grants__role__in=[Role.ADMIN, Role.HEAD],
                                         role_grants__unit__isnull=True).order_by("pk").first()
    if actor is None:
        return []
    units = list(agency.units.order_by("name"))
    counts = {c["unit"]: c["officers"] for c in unit_counts(agency, _today())}
    made: list[Device] = []
    short = agency.short_name or "DSJ"
    for i, unit in enumerate(units, start=1):
        cams = math.ceil(counts.get(unit.name, 0) / 2) - (1 if i == len(units) else 0)
        for n in range(1, max(cams, 0) + 1):
            made.append(do_register_device(unit=unit, kind="body_cam", serial=f"{short}-DSJ-{i:02d}{n:02d}",
                                           model_name="DSJ-V8 执法记录仪", explosion_proof=n == 1, actor=actor))
        made.append(do_register_device(unit=unit, kind="storage", serial=f"{short}-CCZ-{i:02d}",
                                       model_name="执法记录仪采集工作站", actor=actor))
    return made


def _today() -> dt.date:
    from lawtrail.lib import timez

    return timez.beijing(timez.now()).date()
