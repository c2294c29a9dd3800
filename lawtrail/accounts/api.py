"""API: who am I, and the units and people of my agency an input may name by id."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Unit, User
from lawtrail.lib.apikit import Str50, agency_users, auth_user, responses

router = Router(tags=["accounts"])


class AgencyOut(Schema):
    id: int
    name: str
    short_name: str
    profile_id: str


class UnitOut(Schema):
    id: int
    name: str


class RoleOut(Schema):
    role: str
    label: str
    unit_id: int | None


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    agency: AgencyOut | None
    unit: UnitOut | None
    roles: list[RoleOut]
    cert_no: str | None
    is_superuser: bool


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    unit: UnitOut | None
    roles: list[RoleOut]
    cert_no: str | None
    cert_valid_until: dt.date | None


def unit_out(unit: Unit | None) -> UnitOut | None:
    return UnitOut(id=unit.pk, name=unit.name) if unit is not None else None


def _roles(user: User) -> list[RoleOut]:
    return [RoleOut(role=g.role, label=Role(g.role).label, unit_id=g.unit_id) for g in user.grants]


@router.get("/me", response=responses(200, MeOut), summary="当前用户")
def me(request: HttpRequest) -> MeOut:
    user = auth_user(request)
    agency = user.agency
    return MeOut(
        id=user.pk, username=user.username, full_name=user.display_name,
        agency=AgencyOut(id=agency.pk, name=agency.name, short_name=agency.short_name,
                         profile_id=agency.profile_id) if agency else None,
        unit=unit_out(user.unit), roles=_roles(user), cert_no=user.cert_no, is_superuser=user.is_superuser,
    )


@router.get("/units", response=responses(200, list[UnitOut]), summary="本机关的执法机构")
def list_units(request: HttpRequest) -> list[UnitOut]:
    user = auth_user(request)
    qs = Unit.objects.all() if user.is_superuser else Unit.objects.filter(agency_id=user.agency_id or 0)
    return [UnitOut(id=u.pk, name=u.name) for u in qs.order_by("id")]


class UserFilter(Schema):
    q: Str50 = ""
    role: Role | None = None


@router.get("/users", response=responses(200, list[UserOut]), summary="本机关的人员(承办人、执法人员的编号)")
def list_users(request: HttpRequest, filters: Query[UserFilter]) -> list[UserOut]:
    qs = agency_users(auth_user(request)).select_related("unit").prefetch_related("role_grants")
    if filters.q:
        qs = qs.filter(Q(full_name__icontains=filters.q) | Q(username__icontains=filters.q))
    if filters.role:
        qs = qs.filter(role_grants__role=filters.role).distinct()
    return [
        UserOut(id=u.pk, username=u.username, full_name=u.display_name, unit=unit_out(u.unit), roles=_roles(u),
                cert_no=u.cert_no,
                cert_valid_until=u.cert_valid_until)
        for u in qs.order_by("id")
    ]
