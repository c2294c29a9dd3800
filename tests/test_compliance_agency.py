"""Agency-level checks: reception surveillance saved for every day, a body cam for every two officers of
each unit (from the device registry), footage from registered devices only."""

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
                               "units": [{"unit": "一中队", "officers": 5, "body_cams": 3}],
                               "unregistered_devices": []}
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
    found = check_agency(snapshot(units=[{"unit": "一中队", "officers": 5, "body_cams": 2},
                                         {"unit": "二中队", "officers": 2, "body_cams": 1}]), profile)
    assert [(f.rule, f.article, f.subject) for f in found] == [("body_cams", "第十五条", "unit:一中队")]
    assert "至少3台" in found[0].message and "一中队" in found[0].message


def test_footage_from_an_unregistered_device_is_flagged_with_the_article_of_each_profile() -> None:
    snap = snapshot(unregistered_devices=[{"serial": "DSJ-9", "clips": 2}])
    for profile_id, article in (("labor-inspection", "第四条"), ("agriculture", "第五条"),
                                ("safety-production", "第十九条")):
        found = [f for f in check_agency(snap, get_profile(profile_id)) if f.rule == "device_registry"]
        assert [(f.article, f.subject) for f in found] == [(article, "device:DSJ-9")], profile_id
        assert "未登记的设备「DSJ-9」" in found[0].message


def test_profiles_without_those_rules_find_nothing() -> None:
    assert check_agency(snapshot(units=[{"unit": "一中队", "officers": 5, "body_cams": 0}],
                                 unregistered_devices=[{"serial": "DSJ-9", "clips": 1}]),
                        get_profile("housing-construction")) == []


def test_the_cli_reads_the_agency_from_the_database(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    w = build_world("safety-production", name="测试市安全生产监督管理局")
    snap = agency_snapshot(w.agency, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert len(snap["officers"]) == 5 and snap["reception"] == {} and snap["unregistered_devices"] == []
    # 一中队: alice, andy, uma; 二中队: bob; the agency's own 负责人 hank; no camera registered yet.
    assert snap["units"] == [{"unit": "一中队", "officers": 3, "body_cams": 0},
                             {"unit": "二中队", "officers": 1, "body_cams": 0},
                             {"unit": "机关本级", "officers": 1, "body_cams": 0}]
    assert main(["check-agency", str(w.agency.pk), "--since", "2026-03-01", "--to", "2026-03-31", "--json"]) == 0
    assert [f["subject"] for f in json.loads(capsys.readouterr().out)] == ["unit:一中队", "unit:二中队", "unit:机关本级",
                                                                           "plan:2026"]  # no 监督检查计划 on record
    assert main(["check-agency", str(w.agency.pk), "--since", "March"]) == 2
