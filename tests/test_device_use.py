"""The registry's own records against the footage each registered device recorded: a body cam used
without a pre-use check earlier that day (安全生产 第十九条: 使用前……全面检查,确保电量充足,内存充裕),
and a device used while neither issued to an officer nor kept by a named custodian (劳动保障监察
第三十七条: the officer answers for the equipment). Both are findings of the agency-level check.

uma (一中队负责人) issues the cameras; alice, an officer of 一中队, checks and films with them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.compliance.agency import agency_snapshot, check_agency
from lawtrail.devices.actions import do_check_device, do_issue_device, do_register_device, do_return_device
from lawtrail.profiles.registry import get_profile
from lawtrail.testing import media
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import beijing

pytestmark = pytest.mark.usefixtures("ledger")

DAY = dt.date(2026, 3, 2)


def world(profile_id: str, settings: Settings, tmp_path: Path, time_machine: TimeMachineFixture) -> World:
    time_machine.move_to(beijing(2026, 3, 2, 8, 0), tick=False)
    use_fresh_vault(settings, tmp_path / "vault")
    return build_world(profile_id, name=f"测试{profile_id}")


def film(w: World, tmp_path: Path, serial: str, hour: int, minute: int = 0) -> None:
    path = media.make_clip(tmp_path / f"{serial}-{hour}-{minute}.mp4", seconds=1,
                           created=beijing(2026, 3, 2, hour, minute), audio=False)
    ingest(path, officer=w.alice, device_serial=serial)


def findings(w: World, rule: str) -> list[tuple[str, str, str]]:
    found = check_agency(agency_snapshot(w.agency, DAY, DAY), get_profile(w.agency.profile_id))
    return [(f.article, f.subject, f.message) for f in found if f.rule == rule]


def test_执法记录仪拍摄前当日没有合格的使用前检查的被发现(settings: Settings, tmp_path: Path,
                                          time_machine: TimeMachineFixture) -> None:
    w = world("safety-production", settings, tmp_path, time_machine)
    cam = do_register_device(unit=w.unit_a, kind="body_cam", serial="DSJ-A1", model_name="DSJ-V8", actor=w.uma)
    do_issue_device(cam, holder=w.alice, actor=w.uma)
    # A failed check is no check: the battery was low and nothing says it was put right.
    do_check_device(cam, battery_ok=False, storage_ok=True, clock_ok=True, note="电量不足", actor=w.alice)
    time_machine.move_to(beijing(2026, 3, 2, 11, 0), tick=False)
    film(w, tmp_path, "DSJ-A1", 10)
    [(article, subject, message)] = findings(w, "device_precheck")
    assert (article, subject) == ("第十九条", "device:DSJ-A1:2026-03-02")
    assert "1段音像资料" in message
    # A check made after filming does not cover what was filmed before it …
    do_check_device(cam, battery_ok=True, storage_ok=True, clock_ok=True, actor=w.alice)
    time_machine.move_to(beijing(2026, 3, 2, 12, 0), tick=False)
    film(w, tmp_path, "DSJ-A1", 11, 30)
    # … but covers what is filmed after it that day.
    assert [s for _, s, m in findings(w, "device_precheck") if "1段音像资料" in m] == ["device:DSJ-A1:2026-03-02"]


def test_每天使用前检查合格的执法记录仪没有提示_存储设备不要求使用前检查(settings: Settings, tmp_path: Path,
                                                time_machine: TimeMachineFixture) -> None:
    w = world("safety-production", settings, tmp_path, time_machine)
    cam = do_register_device(unit=w.unit_a, kind="body_cam", serial="DSJ-A1", model_name="DSJ-V8", actor=w.uma)
    do_register_device(unit=w.unit_a, kind="storage", serial="CCZ-1", model_name="工作站", actor=w.uma, custodian=w.uma)
    do_check_device(cam, battery_ok=True, storage_ok=True, clock_ok=True, actor=w.alice)
    time_machine.move_to(beijing(2026, 3, 2, 11, 0), tick=False)
    film(w, tmp_path, "DSJ-A1", 9)
    film(w, tmp_path, "CCZ-1", 10)
    assert findings(w, "device_precheck") == []
    # The work-safety rules do not carry the labour rules' custody check.
    assert findings(w, "device_custody") == []


def test_使用时既未领用给执法人员也没有保管人的设备被发现(settings: Settings, tmp_path: Path,
                                        time_machine: TimeMachineFixture) -> None:
    w = world("labor-inspection", settings, tmp_path, time_machine)
    cam = do_register_device(unit=w.unit_a, kind="body_cam", serial="DSJ-L1", model_name="DSJ-V8", actor=w.uma)
    time_machine.move_to(beijing(2026, 3, 2, 9, 30), tick=False)
    film(w, tmp_path, "DSJ-L1", 9)  # filmed with the camera in store, issued to nobody
    do_issue_device(cam, holder=w.alice, actor=w.uma)
    time_machine.move_to(beijing(2026, 3, 2, 12, 0), tick=False)
    film(w, tmp_path, "DSJ-L1", 10)  # filmed while issued to alice
    do_return_device(cam, actor=w.uma)
    [(article, subject, message)] = findings(w, "device_custody")
    assert (article, subject) == ("第三十七条", "device:DSJ-L1:2026-03-02")
    assert "1段音像资料" in message and "既未领用给执法人员也没有保管人" in message
    # A device the registry puts in a named person's keeping is "to a person" whether issued or not.
    do_register_device(unit=w.unit_a, kind="body_cam", serial="DSJ-L2", model_name="DSJ-V8", custodian=w.andy,
                       actor=w.uma)
    film(w, tmp_path, "DSJ-L2", 11)
    assert [s for _, s, _ in findings(w, "device_custody")] == ["device:DSJ-L1:2026-03-02"]
    # The labour rules do not carry the work-safety pre-use check.
    assert findings(w, "device_precheck") == []
