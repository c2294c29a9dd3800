"""Agency-level checks: reception surveillance saved for every day, a body cam for every two officers."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from lawtrail.cli import main
from lawtrail.compliance.agency import agency_snapshot, check_agency
from lawtrail.profiles.registry import get_profile
from lawtrail.testing.personas import build_world


def snapshot(**over: object) -> dict[str, object]:
    base: dict[str, object] = {"profile": "x", "from": "2026-03-01", "to": "2026-03-05",
                               "reception": {"一楼受理大厅": ["2026-03-01", "2026-03-02", "2026-03-04", "2026-03-05"]},
                               "officers": [{"name": f"执法员{i}", "cert_no": f"C{i}"} for i in range(5)],
                               "devices": ["DSJ-1", "DSJ-2", "DSJ-3"]}
    base.update(over)
    return base


def test_a_day_without_saved_reception_footage_is_named_under_the_labour_rules() -> None:
    found = check_agency(snapshot(), get_profile("labor-inspection"))
    assert [(f.rule, f.article, f.subject) for f in found] == [
        ("reception_surveillance", "第三十二条", "reception:一楼受理大厅:2026-03-03")]
    assert "2026-03-03" in found[0].message and "未按日保存" in found[0].message


def test_the_safety_rules_want_one_body_cam_per_two_officers() -> None:
    profile = get_profile("safety-production")
    assert check_agency(snapshot(), profile) == []  # 5 officers, 3 cams
    found = check_agency(snapshot(devices=["DSJ-1", "DSJ-2"]), profile)
    assert [(f.rule, f.article) for f in found] == [("body_cams", "第十五条")]
    assert "至少3台" in found[0].message


def test_profiles_without_those_rules_find_nothing() -> None:
    assert check_agency(snapshot(devices=[]), get_profile("housing-construction")) == []


def test_the_cli_reads_the_agency_from_the_database(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    w = build_world("safety-production", name="测试市安全生产监督管理局")
    snap = agency_snapshot(w.agency, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert len(snap["officers"]) == 5 and snap["devices"] == [] and snap["reception"] == {}
    assert main(["check-agency", str(w.agency.pk), "--since", "2026-03-01", "--to", "2026-03-31", "--json"]) == 0
    assert [f["rule"] for f in json.loads(capsys.readouterr().out)] == ["body_cams"]
    assert main(["check-agency", str(w.agency.pk), "--since", "March"]) == 2
