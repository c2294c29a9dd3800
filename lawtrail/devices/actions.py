"""The only writes of the device registry: register, issue, return, check before use, maintain,
set a status. Each records its domain event in its own transaction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Unit, User
from lawtrail.events.recorder import domain_action, record_event
from lawtrail.events.state import note_changed
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.lib.text import clean_text

from .choices import SETTABLE, DeviceKind, DeviceStatus, MaintenanceKind
from .models import Device, DeviceCheck, DeviceLoan, Maintenance

# ---------------------------------------------------------------- who may do what


def may_manage(user: User, unit_id: int, agency_id: int) -> bool:
    """The registry is kept by the agency's 负责人 (or the unit's own) and the system administrator."""
    if user.is_superuser:
        return True
    if user.agency_id != agency_id:
        return False
    return user.has_agency_role(Role.ADMIN) or user.has_role(Role.HEAD, unit_id)


def may_check(user: User, device: Device) -> bool:
    """A pre-use check is the officer's (labour rules 第三十七条: the officer answers for the equipment):
    whoever keeps or holds the device, an officer of its unit, or a manager."""
    if may_manage(user, device.unit_id, device.agency_id):
        return True
    if user.agency_id != device.agency_id:
        return False
    return user.pk == device.custodian_id or user.has_role(Role.OFFICER, device.unit_id) or \
        DeviceLoan.objects.filter(device=device, holder=user, returned_at__isnull=True).exists()




def _payload(device: Device, **more: object) -> dict[str, object]:
    return {"serial": device.serial, "kind": device.kind, "unit": device.unit.name, **more}


def _set_status(device: Device, expected: tuple[str, ...], status: str, **fields: object) -> None:
    # Compare-and-set: a device issued or retired by someone else meanwhile refuses the step.
    updated = Device.objects.filter(pk=device.pk, status__in=expected).update(status=status, **fields)
    if updated != 1:
        device.refresh_from_db()
        raise Conflict("device_status", f"「{device}」当前为「{device.get_status_display()}」,不能办理此操作",
                       {"status": device.status})
    note_changed(Device.objects.filter(pk=device.pk))
    device.refresh_from_db()


# ---------------------------------------------------------------- actions


@domain_action("device.register")
def do_register_device(*, unit: Unit, kind: str, serial: str, model_name: str, explosion_proof: bool = False,
                       custodian: User | None = None, note: str = "", actor: User) -> Device:
    """登记设备: a body cam or storage device enters the unit's registry."""
    if not may_manage(actor, unit.pk, unit.agency_id):
        raise Forbidden("not_allowed", "只有负责人或系统管理员可以登记执法记录设备")
    if kind not in DeviceKind.values:
        raise InvalidInput("invalid_kind", "设备类别无效", {"field": "kind"})
    serial = clean_text(serial, "serial", "设备编号", max_len=64)
    model_name = clean_text(model_name, "model_name", "型号", max_len=100)
    note = clean_text(note, "note", "备注", required=False, max_len=2000)
    if custodian is not None and custodian.agency_id != unit.agency_id:
        raise InvalidInput("custodian_not_in_agency", "保管人须为本机关人员", {"field": "custodian"})
    with transaction.atomic(durable=True):
        if Device.objects.filter(agency_id=unit.agency_id, serial=serial).exists():
            raise Conflict("device_exists", f"设备编号「{serial}」已登记", {"field": "serial"})
        device = Device.objects.create(
            agency_id=unit.agency_id, unit=unit, kind=kind, serial=serial, model_name=model_name,
            explosion_proof=bool(explosion_proof), custodian=custodian,
            custodian_name=custodian.display_name if custodian else "", note=note,
            registered_by_name=actor.display_name, registered_at=timez.now())
        record_event("device.register", device, actor=actor, agency_id=unit.agency_id, payload=_payload(
            device, model=model_name, explosion_proof=device.explosion_proof, custodian=device.custodian_name))
    return device


@domain_action("device.issue")
def do_issue_device(device: Device, *, holder: User, purpose: str = "", actor: User) -> DeviceLoan:
    """领用: the device goes out to an officer; it must be in store."""
    if not may_manage(actor, device.unit_id, device.agency_id):
        raise Forbidden("not_allowed", "只有负责人或系统管理员可以发放执法记录设备")
    if holder.agency_id != device.agency_id or not holder.is_active:
        raise InvalidInput("holder_not_in_agency", "领用人须为本机关在职人员", {"field": "holder"})
    purpose = clean_text(purpose, "purpose", "用途", required=False)
    with transaction.atomic(durable=True):
        _set_status(device, (DeviceStatus.IN_STORE,), DeviceStatus.ISSUED)
        loan = DeviceLoan.objects.create(device=device, holder=holder, holder_name=holder.display_name,
                                         purpose=purpose, issued_at=timez.now(), issued_by_name=actor.display_name)
        record_event("device.issue", loan, actor=actor, agency_id=device.agency_id,
                     payload=_payload(device, holder=holder.display_name, purpose=purpose), changed=[device])
    return loan


@domain_action("device.return")
def do_return_device(device: Device, *, note: str = "", actor: User) -> DeviceLoan:
    """归还: the device comes back into store; the open loan is closed."""
    if not may_manage(actor, device.unit_id, device.agency_id):
        raise Forbidden("not_allowed", "只有负责人或系统管理员可以接收归还的设备")
    note = clean_text(note, "note", "归还情况", required=False)
    with transaction.atomic(durable=True):
        loan = DeviceLoan.objects.select_for_update().filter(device=device, returned_at__isnull=True).first()
        if loan is None:
            raise Conflict("not_issued", f"「{device}」未被领用")
        _set_status(device, (DeviceStatus.ISSUED,), DeviceStatus.IN_STORE)
        DeviceLoan.objects.filter(pk=loan.pk).update(returned_at=timez.now(), returned_to_name=actor.display_name,
                                                     return_note=note)
        note_changed(DeviceLoan.objects.filter(pk=loan.pk))
        loan.refresh_from_db()
        record_event("device.return", loan, actor=actor, agency_id=device.agency_id,
                     payload=_payload(device, holder=loan.holder_name, note=note), changed=[device])
    return loan


@domain_action("device.check")
def do_check_device(device: Device, *, battery_ok: bool, storage_ok: bool, clock_ok: bool, note: str = "",
                    actor: User) -> DeviceCheck:
    """使用前检查: battery, storage and clock, before the device is used. A failed item needs a note."""
    if not may_check(actor, device):
        raise Forbidden("not_allowed", "只有设备保管人、领用人、本单位执法人员或负责人可以登记使用前检查")
    if device.status == DeviceStatus.RETIRED:
        raise Conflict("device_retired", f"「{device}」已报废")
    note = clean_text(note, "note", "说明", required=not (battery_ok and storage_ok and clock_ok))
    with transaction.atomic(durable=True):
        check = DeviceCheck.objects.create(device=device, checked_by=actor, checked_by_name=actor.display_name,
                                           checked_at=timez.now(), battery_ok=bool(battery_ok),
                                           storage_ok=bool(storage_ok), clock_ok=bool(clock_ok), note=note)
        record_event("device.check", check, actor=actor, agency_id=device.agency_id, payload=_payload(
            device, battery_ok=check.battery_ok, storage_ok=check.storage_ok, clock_ok=check.clock_ok,
            passed=check.passed, note=note))
    return check


@domain_action("device.maintain")
def do_record_maintenance(device: Device, *, kind: str, done_on: dt.date, description: str, result: str = "",
                          actor: User) -> Maintenance:
    """维护保养记录 (safety rules 第十九条: 加强……存储设备的维护保养)."""
    if not may_manage(actor, device.unit_id, device.agency_id):
        raise Forbidden("not_allowed", "只有负责人或系统管理员可以登记维护保养")
    if kind not in MaintenanceKind.values:
        raise InvalidInput("invalid_kind", "维护类别无效", {"field": "kind"})
    if done_on > timez.beijing(timez.now()).date():
        raise InvalidInput("date_in_future", "维护日期不能晚于今天", {"field": "done_on"})
    description = clean_text(description, "description", "维护内容", max_len=2000)
    result = clean_text(result, "result", "结果", required=False)
    with transaction.atomic(durable=True):
        m = Maintenance.objects.create(device=device, kind=kind, done_on=done_on, description=description,
                                       result=result, recorded_by_name=actor.display_name, recorded_at=timez.now())
        record_event("device.maintain", m, actor=actor, agency_id=device.agency_id, payload=_payload(
            device, maintenance=kind, done_on=done_on.isoformat(), description=description, result=result))
    return m


@domain_action("device.status")
def do_set_device_status(device: Device, *, status: str, reason: str, actor: User) -> Device:
    """在库、维修中、报废: a retired device no longer counts as equipment of its unit."""
    if not may_manage(actor, device.unit_id, device.agency_id):
        raise Forbidden("not_allowed", "只有负责人或系统管理员可以变更设备状态")
    if status not in SETTABLE:
        raise InvalidInput("invalid_status", "设备状态无效(领用、归还请用领用登记)", {"field": "status"})
    reason = clean_text(reason, "reason", "变更理由")
    before = device.status
    allowed = {DeviceStatus.IN_STORE: (DeviceStatus.REPAIR,), DeviceStatus.REPAIR: (DeviceStatus.IN_STORE,),
               DeviceStatus.RETIRED: (DeviceStatus.IN_STORE, DeviceStatus.REPAIR)}[DeviceStatus(status)]
    with transaction.atomic(durable=True):
        _set_status(device, allowed, status)
        record_event("device.status", device, actor=actor, agency_id=device.agency_id,
                     payload=_payload(device, before=before, after=status, reason=reason))
    return device
