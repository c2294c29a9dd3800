"""Agency-level checks: what no single case shows (reception surveillance saved every day, body
cams for the officers). A pure function over an agency snapshot, plus the read that builds it.

The snapshot (JSON-able):
    {"profile": id, "from": "YYYY-MM-DD", "to": "YYYY-MM-DD",
     "reception": {site: ["YYYY-MM-DD", ...]},       # days with a saved 日存 segment
     "officers": [{"name", "cert_no"}],               # certified officers
     "devices": ["DSJ-0001", ...]}                    # body cams seen in the period's footage
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from lawtrail.compliance.engine import WARNING, Finding
from lawtrail.profiles.registry import Profile

# The rules checked here rather than per case, with what they check.
AGENCY_RULES = {"reception_surveillance": "受理场所监控每日保存(机关层面)", "body_cams": "执法记录仪配备(机关层面)"}


def check_agency(snapshot: dict[str, Any], profile: Profile) -> list[Finding]:
    findings: list[Finding] = []
    start = dt.date.fromisoformat(snapshot["from"])
    end = dt.date.fromisoformat(snapshot["to"])
    rule = profile.rule("reception_surveillance")
    if rule is not None:
        severity = str(rule.values.get("severity", WARNING))
        for site, days in sorted(snapshot.get("reception", {}).items()):
            saved = set(days)
            day = start
            missing: list[str] = []
            while day <= end:
                if day.isoformat() not in saved:
                    missing.append(day.isoformat())
                day += dt.timedelta(days=1)
            for d in missing:
                findings.append(Finding(profile.id, rule.article, rule.id, severity, f"reception:{site}:{d}",
                                        f"受理场所「{site}」{d} 的视频监控未按日保存:请补存当日监控并标注日期"))
    rule = profile.rule("body_cams")
    if rule is not None:
        per = int(rule.values.get("officers_per_device", 2))
        officers = len(snapshot.get("officers", []))
        devices = len(set(snapshot.get("devices", [])))
        needed = math.ceil(officers / per) if per else 0
        if devices < needed:
            findings.append(Finding(profile.id, rule.article, rule.id, str(rule.values.get("severity", WARNING)),
                                    "agency", f"{officers}名执法人员应配备至少{needed}台执法记录仪(每{per}人一台),"
                                              f"期间只使用了{devices}台:请补充配备并登记设备"))
    return findings


def agency_snapshot(agency: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """What check_agency needs, read from the database for one agency and period (Beijing days)."""
    from lawtrail.accounts.models import User
    from lawtrail.evidence.models import Evidence, ReceptionSegment
    from lawtrail.lib import timez

    reception: dict[str, list[str]] = {}
    for site, day in ReceptionSegment.objects.filter(agency=agency).values_list("site", "day"):
        if start <= day <= end:
            reception.setdefault(site, []).append(day.isoformat())
        else:
            reception.setdefault(site, [])
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=timez.BEIJING)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=timez.BEIJING)
    devices = sorted(set(Evidence.objects.filter(agency=agency, recorded_start__gte=lo, recorded_start__lt=hi)
                         .exclude(device_serial="").values_list("device_serial", flat=True)))
    officers = [{"name": u.display_name, "cert_no": u.cert_no}
                for u in User.objects.filter(agency=agency, is_active=True).exclude(cert_no=None).exclude(cert_no="")
                if u.cert_valid_on(end)]
    return {"profile": agency.profile_id, "from": start.isoformat(), "to": end.isoformat(),
            "reception": reception, "officers": officers, "devices": devices}
