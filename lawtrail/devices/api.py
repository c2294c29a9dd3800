"""API: the device registry, issue and return, pre-use checks, maintenance, the ratio per unit."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from lawtrail.accounts.models import Unit, User
from lawtrail.devices import actions, queries
from lawtrail.devices.choices import DeviceKind, MaintenanceKind
from lawtrail.devices.models import Device
from lawtrail.lib.apikit import Id, LongText, Str50, Str100, Str200, auth_user, responses, visible
from lawtrail.lib.errors import InvalidInput

router = Router(tags=["devices"])


class DeviceOut(Schema):
    id: int
    serial: str
    kind: str
    kind_label: str
    model_name: str
    explosion_proof: bool
    unit: str
    custodian: str
    status: str
    status_label: str


class DeviceIn(Schema):
    unit_id: Id
    kind: DeviceKind
    serial: Str50
    model_name: Str100
    explosion_proof: bool = False
    custodian_id: Id | None = None
    note: LongText = ""


class IssueIn(Schema):
    holder_id: Id
    purpose: Str200 = ""


class ReturnIn(Schema):
    note: Str200 = ""


class CheckIn(Schema):
    battery_ok: bool
    storage_ok: bool
    clock_ok: bool
    note: Str200 = Field("", description="有不合格项时必填")


class MaintenanceIn(Schema):
    kind: MaintenanceKind
    done_on: dt.date
    description: LongText
    result: Str200 = ""


class StatusIn(Schema):
    status: str = Field(description="in_store / repair / retired")
    reason: Str200


class RatioOut(Schema):
    unit: str
    officers: int
    body_cams: int
    needed: int
    short: int


class RatiosOut(Schema):
    officers_per_device: int | None
    article: str
    units: list[RatioOut]


def device_out(d: Device) -> DeviceOut:
    return DeviceOut(id=d.pk, serial=d.serial, kind=d.kind, kind_label=d.get_kind_display(), model_name=d.model_name,
                     explosion_proof=d.explosion_proof, unit=d.unit.name, custodian=d.custodian_name, status=d.status,
                     status_label=d.get_status_display())


def _device(user: User, device_id: int) -> Device:
    return visible(queries.visible_devices(user), device_id, "设备")


def _colleague(user: User, pk: int, field: str) -> User:
    found = User.objects.filter(pk=pk, agency_id=user.agency_id).first() if user.agency_id else None
    if found is None:
        raise InvalidInput("unknown_user", "人员不存在或不属于本机关", {"field": field})
    return found


@router.get("/devices", response=responses(200, list[DeviceOut]), summary="执法记录设备台账(本人可查看的)")
def list_devices(request: HttpRequest) -> list[DeviceOut]:
    return [device_out(d) for d in queries.visible_devices(auth_user(request))[:1000]]


@router.get("/devices/ratios", response=responses(200, RatiosOut), summary="各单位执法记录仪配备情况(按设备台账)")
def ratios(request: HttpRequest) -> RatiosOut:
    user = auth_user(request)
    if user.agency is None:
        return RatiosOut(officers_per_device=None, article="", units=[])
    ratio = queries.officers_per_device(user.agency.profile_id)
    mine = set(Unit.objects.filter(pk__in=[g.unit_id for g in user.grants if g.unit_id]
                                   + ([user.unit_id] if user.unit_id else [])).values_list("name", flat=True))
    units = [RatioOut(unit=r.unit, officers=r.officers, body_cams=r.body_cams, needed=r.needed, short=r.short)
             for r in queries.unit_ratios(user.agency) if queries.sees_all_units(user) or r.unit in mine]
    return RatiosOut(officers_per_device=ratio[0] if ratio else None, article=ratio[1] if ratio else "", units=units)


@router.get("/devices/{device_id}", response=responses(200, DeviceOut), summary="一台设备")
def get_device(request: HttpRequest, device_id: Id) -> DeviceOut:
    return device_out(_device(auth_user(request), device_id))


@router.post("/devices", response=responses(201, DeviceOut), summary="登记设备")
def register(request: HttpRequest, body: DeviceIn) -> Status[DeviceOut]:
    user = auth_user(request)
    unit = Unit.objects.filter(pk=body.unit_id, agency_id=user.agency_id).first() if user.agency_id else None
    if unit is None:
        raise InvalidInput("unknown_unit", "配备单位不存在或不属于本机关", {"field": "unit_id"})
    custodian = _colleague(user, body.custodian_id, "custodian_id") if body.custodian_id else None
    d = actions.do_register_device(unit=unit, kind=body.kind, serial=body.serial, model_name=body.model_name,
                                   explosion_proof=body.explosion_proof, custodian=custodian, note=body.note,
                                   actor=user)
    return Status(201, device_out(d))


@router.post("/devices/{device_id}/issue", response=responses(200, DeviceOut), summary="领用")
def issue(request: HttpRequest, device_id: Id, body: IssueIn) -> DeviceOut:
    user = auth_user(request)
    d = _device(user, device_id)
    actions.do_issue_device(d, holder=_colleague(user, body.holder_id, "holder_id"), purpose=body.purpose, actor=user)
    return device_out(d)


@router.post("/devices/{device_id}/return", response=responses(200, DeviceOut), summary="归还")
def give_back(request: HttpRequest, device_id: Id, body: ReturnIn) -> DeviceOut:
    user = auth_user(request)
    d = _device(user, device_id)
    actions.do_return_device(d, note=body.note, actor=user)
    return device_out(d)


@router.post("/devices/{device_id}/check", response=responses(201, DeviceOut), summary="使用前检查(电量、存储、时钟)")
def check(request: HttpRequest, device_id: Id, body: CheckIn) -> Status[DeviceOut]:
    user = auth_user(request)
    d = _device(user, device_id)
    actions.do_check_device(d, battery_ok=body.battery_ok, storage_ok=body.storage_ok, clock_ok=body.clock_ok,
                            note=body.note, actor=user)
    return Status(201, device_out(d))


@router.post("/devices/{device_id}/maintenance", response=responses(201, DeviceOut), summary="维护保养记录")
def maintain(request: HttpRequest, device_id: Id, body: MaintenanceIn) -> Status[DeviceOut]:
    user = auth_user(request)
    d = _device(user, device_id)
    actions.do_record_maintenance(d, kind=body.kind, done_on=body.done_on, description=body.description,
                                  result=body.result, actor=user)
    return Status(201, device_out(d))


@router.post("/devices/{device_id}/status", response=responses(200, DeviceOut), summary="变更状态(在库、维修中、报废)")
def set_status(request: HttpRequest, device_id: Id, body: StatusIn) -> DeviceOut:
    user = auth_user(request)
    d = _device(user, device_id)
    actions.do_set_device_status(d, status=body.status, reason=body.reason, actor=user)
    return device_out(d)
