"""Agency-level checks: what no single case shows (reception surveillance saved every day, body
cams for the officers, footage from registered devices). A pure function over an agency snapshot,
plus the read that builds it.

The snapshot (JSON-able):
    {"profile": id, "from": "YYYY-MM-DD", "to": "YYYY-MM-DD",
     "reception": {site: ["YYYY-MM-DD", ...]},       # days with a saved 日存 segment
     "officers": [{"name", "cert_no"}],               # certified officers on the last day
     "units": [{"unit", "officers", "body_cams"}],    # per unit: certified officers, body cams in the
                                                      # device registry (lawtrail/devices), in service
     "unregistered_devices": [{"serial", "clips"}]}   # the period's footage from serials not registered
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from lawtrail.compliance.engine import WARNING, Finding
from lawtrail.profiles.registry import Profile

# The rules checked here rather than per case, with what they check.
AGENCY_RULES = {"reception_surveillance": "受理场所监控每日保存(机关层面)", "body_cams": "执法记录仪配备(每个单位,按设备台账)",
                "device_registry": "音像资料来自已登记的执法记录设备(机关层面)"}


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
        # 每两人一台 is equipment of each unit (安全生产 第十五条: 为各监管处室、监察支队配备), read from
        # the registry, not from the cameras that happened to appear in footage.
        per = int(rule.values.get("officers_per_device", 2))
        severity = str(rule.values.get("severity", WARNING))
        for u in snapshot.get("units", []):
            officers, cams = int(u["officers"]), int(u["body_cams"])
            needed = math.ceil(officers / per) if per else 0
            if cams < needed:
                findings.append(Finding(profile.id, rule.article, rule.id, severity, f"unit:{u['unit']}",
                                        f"{u['unit']}有{officers}名执法人员,应配备至少{needed}台执法记录仪"
                                        f"(每{per}人一台),设备台账中在用{cams}台:请补充配备并登记设备"))
    rule = profile.rule("device_registry")
    if rule is not None:
        severity = str(rule.values.get("severity", WARNING))
        for d in snapshot.get("unregistered_devices", []):
            findings.append(Finding(profile.id, rule.article, rule.id, severity, f"device:{d['serial']}",
                                    f"期间有{d['clips']}段音像资料来自未登记的设备「{d['serial']}」:"
                                    f"请在执法记录设备台账中登记该设备,或核实资料来源"))
    return findings


def agency_snapshot(agency: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """What check_agency needs, read from the database for one agency and period (Beijing days)."""
    from lawtrail.accounts.models import User
    from lawtrail.devices.queries import unit_counts, unregistered_serials
    from lawtrail.evidence.models import ReceptionSegment
    from lawtrail.lib import timez

    reception: dict[str, list[str]] = {}
    for site, day in ReceptionSegment.objects.filter(agency=agency).values_list("site", "day"):
        if start <= day <= end:
            reception.setdefault(site, []).append(day.isoformat())
        else:
            reception.setdefault(site, [])
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=timez.BEIJING)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=timez.BEIJING)
    officers = [{"name": u.display_name, "cert_no": u.cert_no}
                for u in User.objects.filter(agency=agency, is_active=True).exclude(cert_no=None).exclude(cert_no="")
                if u.cert_valid_on(end)]
    unregistered = [{"serial": d["serial"], "clips": d["clips"]} for d in unregistered_serials(agency, lo, hi)]
    return {"profile": agency.profile_id, "from": start.isoformat(), "to": end.isoformat(),
            "reception": reception, "officers": officers, "units": unit_counts(agency, end),
            "unregistered_devices": unregistered}
