"""Body-worn cameras and storage devices: the registry, issue and return, pre-use checks and
maintenance, the one-camera-per-two-officers ratio per unit read from the registry (safety rules
第十五条), and footage from a device the registry does not know.

hank (机关负责人) and uma (一中队负责人) keep the registry; alice, an officer of 一中队, checks a camera
before use; bob, of 二中队, neither sees nor touches 一中队's devices; sam (监督人员) reads every unit.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.accounts.models import Unit, User
from lawtrail.compliance.agency import agency_snapshot, check_agency
from lawtrail.devices import queries
from lawtrail.devices.actions import (
    do_check_device,
    do_issue_device,
    do_record_maintenance,
    do_register_device,
    do_return_device,
    do_set_device_status,
)
from lawtrail.devices.demo import seed_devices
from lawtrail.devices.models import Device
from lawtrail.events.models import DomainEvent, Outcome
from lawtrail.ledger.verify import verify_ledger
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.profiles.registry import get_profile
from lawtrail.testing import media
from lawtrail.testing.api import ApiClient
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import beijing

pytestmark = pytest.mark.usefixtures("ledger")


@pytest.fixture
def safety(db: None, settings: Settings, tmp_path: Path, time_machine: TimeMachineFixture) -> World:
    """An agency under the work-safety rules: one body cam for every two officers (第十五条)."""
    time_machine.move_to(beijing(2026, 3, 2, 9, 0), tick=False)
    use_fresh_vault(settings, tmp_path / "vault")
    return build_world("safety-production", name="测试市安全生产监督管理局")


def cam(w: World, serial: str, *, by: User | None = None, unit: Unit | None = None, **more: Any) -> Device:
    return do_register_device(unit=unit or w.unit_a, kind="body_cam", serial=serial, model_name="DSJ-V8",
                              actor=by or w.hank, **more)


def events_since(first: int) -> list[str]:
    return list(DomainEvent.objects.filter(pk__gt=first, outcome=Outcome.DONE).order_by("pk")
                .values_list("action", flat=True))


def last_event() -> int:
    return DomainEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_each_step_of_a_devices_life_records_its_event(safety: World) -> None:
    w = safety
    start = last_event()
    d = cam(w, "DSJ-001", explosion_proof=True, custodian=w.andy)
    loan = do_issue_device(d, holder=w.alice, purpose="现场检查", actor=w.uma)
    check = do_check_device(d, battery_ok=True, storage_ok=True, clock_ok=True, actor=w.alice)
    do_return_device(d, note="完好", actor=w.uma)
    do_record_maintenance(d, kind="service", done_on=dt.date(2026, 3, 1), description="清洁镜头、校准时钟",
                          actor=w.uma)
    do_set_device_status(d, status="repair", reason="电池鼓包", actor=w.hank)
    assert events_since(start) == ["device.register", "device.issue", "device.check", "device.return",
                                   "device.maintain", "device.status"]
    d.refresh_from_db()
    loan.refresh_from_db()
    assert d.status == "repair" and d.explosion_proof and d.custodian_name == w.andy.display_name
    assert loan.returned_at is not None and loan.returned_to_name == w.uma.display_name and check.passed
    # Every row the actions wrote (the compare-and-set updates too) is frozen in their events.
    report = verify_ledger()
    assert report.ok, report.problems


def test_the_registry_refuses_what_it_must(safety: World) -> None:
    w = safety
    with pytest.raises(Forbidden):
        cam(w, "DSJ-001", by=w.alice)  # an officer does not keep the registry
    with pytest.raises(Forbidden):
        cam(w, "DSJ-001", by=w.uma, unit=w.unit_b)  # nor a unit head another unit's
    d = cam(w, "DSJ-001", by=w.uma)
    with pytest.raises(Conflict) as dup:
        cam(w, "DSJ-001")
    assert dup.value.code == "device_exists"
    do_issue_device(d, holder=w.alice, actor=w.uma)
    with pytest.raises(Conflict):
        do_issue_device(d, holder=w.andy, actor=w.uma)  # already out
    with pytest.raises(InvalidInput) as failed:
        do_check_device(d, battery_ok=False, storage_ok=True, clock_ok=True, actor=w.alice)
    assert failed.value.detail == {"field": "note"}  # a failed item says why
    do_check_device(d, battery_ok=False, storage_ok=True, clock_ok=True, note="电量20%,已更换电池", actor=w.alice)
    with pytest.raises(Forbidden):
        do_check_device(d, battery_ok=True, storage_ok=True, clock_ok=True, actor=w.bob)
    with pytest.raises(InvalidInput):
        do_record_maintenance(d, kind="service", done_on=dt.date(2026, 3, 9), description="保养", actor=w.uma)
    refused = DomainEvent.objects.filter(outcome=Outcome.REFUSED, action__startswith="device.").count()
    assert refused == 7


def test_the_ratio_per_unit_comes_from_the_registry(safety: World, tmp_path: Path) -> None:
    w = safety
    day = dt.date(2026, 3, 2)
    ratios = {r.unit: (r.officers, r.body_cams, r.needed) for r in queries.unit_ratios(w.agency, day)}
    # 一中队: alice, andy, uma; 二中队: bob; hank leads the agency from no unit.
    assert ratios == {"一中队": (3, 0, 2), "二中队": (1, 0, 1), "机关本级": (1, 0, 1)}
    cam(w, "DSJ-A1")
    spare = cam(w, "DSJ-A2")
    cam(w, "DSJ-B1", unit=w.unit_b)
    do_register_device(unit=w.unit_a, kind="storage", serial="CCZ-1", model_name="工作站", actor=w.hank)
    found = check_agency(agency_snapshot(w.agency, day, day), get_profile("safety-production"))
    assert [(f.rule, f.article, f.subject) for f in found] == [("body_cams", "第十五条", "unit:机关本级"),
                                                               ("inspection_plan", "第六条", "plan:2026")]
    # A camera seen in footage is no camera of the unit: only the registry counts, and retiring one shows.
    clip = media.make_clip(tmp_path / "a.mp4", seconds=1, created=beijing(2026, 3, 1, 10), audio=False)
    footage = ingest(clip, officer=w.alice, device_serial="DSJ-X9")
    known = ingest(media.make_clip(tmp_path / "b.mp4", seconds=1, created=beijing(2026, 3, 1, 11), audio=False),
                   officer=w.alice, device_serial="DSJ-A1")
    alice = client_for(w.alice)
    assert 'id="device-unregistered"' in alice.get(f"/evidence/{footage.pk}/").content.decode()
    assert 'id="device-unregistered"' not in alice.get(f"/evidence/{known.pk}/").content.decode()
    do_set_device_status(spare, status="retired", reason="损坏无法维修", actor=w.hank)
    found = check_agency(agency_snapshot(w.agency, dt.date(2026, 3, 1), day), get_profile("safety-production"))
    assert [(f.rule, f.subject) for f in found] == [("body_cams", "unit:一中队"), ("body_cams", "unit:机关本级"),
                                                    ("device_registry", "device:DSJ-X9"),
                                                    # filmed with no pre-use check that day (第十九条)
                                                    ("device_precheck", "device:DSJ-A1:2026-03-01"),
                                                    # the year's 监督检查计划 is not on record (第六条)
                                                    ("inspection_plan", "plan:2026")]
    assert "设备台账中在用1台" in found[0].message


def test_the_pages_answer_each_persona_within_its_scope(safety: World) -> None:
    w = safety
    d = cam(w, "DSJ-A1")
    b = cam(w, "DSJ-B1", unit=w.unit_b)
    alice, bob, sam = client_for(w.alice), client_for(w.bob), client_for(w.sam)
    page = alice.get("/devices/").content.decode()
    assert "DSJ-A1" in page and "DSJ-B1" not in page and "第十五条" in page and "登记设备" not in page
    assert bob.get(f"/devices/{d.pk}/").status_code == 404
    assert bob.post(f"/devices/{d.pk}/check/", {"battery_ok": "on", "storage_ok": "on", "clock_ok": "on"}).status_code \
        == 404
    posted = alice.post(f"/devices/{d.pk}/check/", {"battery_ok": "on", "storage_ok": "on", "clock_ok": "on"})
    assert posted.status_code == 302 and d.checks.count() == 1
    refused = alice.post(f"/devices/{d.pk}/check/", {"storage_ok": "on", "clock_ok": "on"})
    assert refused.status_code == 400 and "请填写说明" in refused.content.decode()
    assert alice.post(f"/devices/{d.pk}/issue/", {"holder": w.alice.pk}).status_code == 400  # not a manager
    everything = sam.get("/devices/").content.decode()
    assert "DSJ-A1" in everything and "DSJ-B1" in everything and "二中队" in everything
    hank = client_for(w.hank)
    made = hank.post("/devices/new/", {"unit": w.unit_b.pk, "kind": "storage", "serial": "CCZ-9",
                                       "model_name": "存储工作站"})
    assert made.status_code == 302 and Device.objects.filter(serial="CCZ-9").exists()
    assert b.pk != d.pk


def test_the_api_speaks_for_the_registry(safety: World) -> None:
    w = safety
    hank, alice, bob = ApiClient(w.hank), ApiClient(w.alice), ApiClient(w.bob)
    made = hank.post("/api/devices", {"unit_id": w.unit_a.pk, "kind": "body_cam", "serial": "DSJ-A1",
                                      "model_name": "DSJ-V8", "explosion_proof": True})
    assert made.status == 201 and made.body["explosion_proof"] is True
    pk = made.body["id"]
    assert hank.post("/api/devices", {"unit_id": w.unit_a.pk, "kind": "body_cam", "serial": "DSJ-A1",
                                      "model_name": "x"}).code == "device_exists"
    assert alice.post(f"/api/devices/{pk}/check", {"battery_ok": True, "storage_ok": True, "clock_ok": True}).status \
        == 201
    assert bob.get(f"/api/devices/{pk}").status == 404
    assert bob.post(f"/api/devices/{pk}/check", {"battery_ok": True, "storage_ok": True, "clock_ok": True}).status \
        == 404
    assert hank.post(f"/api/devices/{pk}/issue", {"holder_id": w.alice.pk}).body["status"] == "issued"
    ratios = hank.get("/api/devices/ratios").body
    assert ratios["officers_per_device"] == 2 and ratios["article"] == "第十五条"
    assert {u["unit"]: u["short"] for u in ratios["units"]} == {"一中队": 1, "二中队": 1, "机关本级": 1}
    assert [u["unit"] for u in bob.get("/api/devices/ratios").body["units"]] == ["二中队"]


def test_the_demo_seed_registers_cameras_for_each_unit(safety: World) -> None:
    made = seed_devices(safety.agency)
    assert made and Device.objects.filter(agency=safety.agency).count() == len(made)
    assert seed_devices(safety.agency) == []  # a second run adds nothing
