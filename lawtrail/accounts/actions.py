"""The only functions that change agencies, units, users, roles and tokens."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Agency, ApiToken, LoginFailure, OversightGrant, RoleGrant, Unit, User
from lawtrail.events.recorder import domain_action, record_event
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.lib.text import refuse_invisible_controls
from lawtrail.profiles.registry import get_profile


def _require_admin(actor: User | None) -> None:
    # actor None means the system itself (demo loader, CLI run by the operator).
    if actor is not None and not (actor.is_superuser or actor.has_role(Role.ADMIN)):
        raise Forbidden("not_admin", "只有系统管理员可以管理机构和人员")


def _check_number_format(fmt: str) -> None:
    if "{seq}" not in fmt or "{year}" not in fmt:
        raise InvalidInput("bad_case_number_format", "案号格式必须包含 {year} 和 {seq}", {"format": fmt})
    try:
        fmt.format(year=2026, seq=1)
    except (KeyError, IndexError, ValueError):
        raise InvalidInput("bad_case_number_format", "案号格式只能使用 {year} 和 {seq}", {"format": fmt})


@domain_action("agency.create")
def do_create_agency(
    *, name: str, short_name: str, profile_id: str, case_number_format: str,
    simple_case_number_format: str, actor: User | None,
) -> Agency:
    _require_admin(actor)
    refuse_invisible_controls(name, "name", "机关名称")
    refuse_invisible_controls(short_name, "short_name", "机关简称")
    get_profile(profile_id)  # raises if unknown
    _check_number_format(case_number_format)
    _check_number_format(simple_case_number_format)
    with transaction.atomic(durable=True):
        if Agency.objects.filter(name=name).exists():
            raise Conflict("agency_exists", f"机关「{name}」已存在")
        agency = Agency.objects.create(
            name=name, short_name=short_name, profile_id=profile_id,
            case_number_format=case_number_format, simple_case_number_format=simple_case_number_format,
        )
        record_event("agency.create", agency, actor=actor, agency_id=agency.pk,
                     payload={"name": name, "profile_id": profile_id})
    return agency


@domain_action("unit.create")
def do_create_unit(agency: Agency, *, name: str, actor: User | None) -> Unit:
    _require_admin(actor)
    refuse_invisible_controls(name, "name", "机构名称")
    with transaction.atomic(durable=True):
        if Unit.objects.filter(agency=agency, name=name).exists():
            raise Conflict("unit_exists", f"机构「{name}」已存在")
        unit = Unit.objects.create(agency=agency, name=name)
        record_event("unit.create", unit, actor=actor, agency_id=agency.pk, payload={"name": name})
    return unit


@domain_action("user.create")
def do_create_user(
    *, username: str, password: str, full_name: str, agency: Agency | None, unit: Unit | None,
    roles: list[tuple[str, Unit | None]], cert_no: str | None = None,
    cert_valid_from: dt.date | None = None, cert_valid_until: dt.date | None = None,
    phone: str = "", is_superuser: bool = False, actor: User | None,
) -> User:
    _require_admin(actor)
    # Names shown on every record the person signs (lawtrail/lib/text.py).
    refuse_invisible_controls(full_name, "full_name", "姓名")
    refuse_invisible_controls(username, "username", "用户名")
    if unit is not None and agency is not None and unit.agency_id != agency.pk:
        raise InvalidInput("unit_not_in_agency", "所属机构不属于该执法机关")
    for role, _ in roles:
        if role not in Role.values:
            raise InvalidInput("unknown_role", f"未知角色 {role}")
    if cert_valid_from and cert_valid_until and cert_valid_until < cert_valid_from:
        raise InvalidInput("bad_cert_validity", "执法证有效期止不能早于有效期起")
    try:
        validate_password(password)
    except ValidationError as err:
        raise InvalidInput("weak_password", "密码不符合要求:" + ";".join(err.messages))
    with transaction.atomic(durable=True):
        if User.objects.filter(username=username).exists():
            raise Conflict("user_exists", f"用户名 {username} 已被使用")
        if cert_no and User.objects.filter(cert_no=cert_no).exists():
            raise Conflict("cert_no_exists", f"执法证号 {cert_no} 已登记")
        user = User(
            username=username, full_name=full_name, agency=agency, unit=unit, cert_no=cert_no or None,
            cert_valid_from=cert_valid_from, cert_valid_until=cert_valid_until, phone=phone,
            is_superuser=is_superuser, is_staff=is_superuser,
        )
        user.set_password(password)
        user.save()
        for role, scope in roles:
            RoleGrant.objects.create(user=user, role=role, unit=scope)
        record_event("user.create", user, actor=actor, agency_id=agency.pk if agency else None, payload={
            "username": username, "full_name": full_name, "cert_no": cert_no or "",
            "roles": [[r, s.name if s else ""] for r, s in roles],
        })
    return user


@domain_action("oversight.grant")
def do_grant_oversight(user: User, *, agencies: list[Agency], actor: User | None) -> list[OversightGrant]:
    """Let a supervising office's user read the dashboards of `agencies` (read only, see OversightGrant)."""
    _require_admin(actor)
    if user.agency_id is not None:
        # An agency's own user acting across agencies would mix its write scope with a read-only one.
        raise InvalidInput("oversight_user_has_agency", "跨机关监督授权只能授予不属于任何执法机关的监督机构用户")
    if not agencies:
        raise InvalidInput("oversight_no_agency", "请至少选择一个被监督的执法机关", {"field": "agencies"})
    now = timez.now()
    with transaction.atomic(durable=True):
        have = set(OversightGrant.objects.filter(user=user).values_list("agency_id", flat=True))
        grants = [OversightGrant.objects.create(user=user, agency=a, granted_at=now)
                  for a in agencies if a.pk not in have]
        record_event("oversight.grant", user, actor=actor, payload={
            "user": user.username, "agencies": [a.name for a in agencies]})
    return grants


@domain_action("oversight.revoke")
def do_revoke_oversight(user: User, *, agency: Agency, actor: User | None) -> None:
    """Withdraw a supervising office's read-only view of one agency (the grant row goes; the event
    keeps who held it, over which agency, and who withdrew it)."""
    _require_admin(actor)
    with transaction.atomic(durable=True):
        removed, _ = OversightGrant.objects.filter(user=user, agency=agency).delete()
        if not removed:
            raise Conflict("oversight_not_granted", f"「{user.display_name}」没有监督「{agency.name}」的授权")
        record_event("oversight.revoke", user, actor=actor, payload={"user": user.username, "agency": agency.name})


@domain_action("token.create")
def do_create_api_token(user: User, *, name: str, actor: User | None) -> str:
    """Make a token for `user` and return it; only its digest is kept."""
    if actor is not None and actor.pk != user.pk:
        _require_admin(actor)
    raw = "lt_" + secrets.token_urlsafe(32)
    with transaction.atomic(durable=True):
        token = ApiToken.objects.create(user=user, name=name, digest=ApiToken.digest_of(raw),
                                        created_at=timez.now())
        record_event("token.create", token, actor=actor, agency_id=user.agency_id,
                     payload={"user": user.username, "name": name})
    return raw


def login_locked(username: str, client_ip: str = "") -> str:
    """Why sign-ins are refused for now ("user": too many failures for this user name; "address":
    too many from this client address, over any user names), or "" when they are not."""
    since = timez.now() - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    if recent.filter(username=username).count() >= settings.LOGIN_FAILURE_LIMIT:
        return "user"
    limit = settings.LOGIN_FAILURE_IP_LIMIT
    if limit and client_ip and recent.filter(client_ip=client_ip).count() >= limit:
        return "address"
    return ""


def do_record_login_failure(username: str, *, client_ip: str, actor: None = None) -> None:
    with transaction.atomic(durable=True):
        LoginFailure.objects.create(username=username[:150], client_ip=client_ip, at=timez.now())
        record_event("auth.login_failed", None, actor=None, object_type="accounts.user",
                     object_id=username[:64], outcome="refused", reason_code="bad_credentials",
                     reason="用户名或密码错误")


def do_record_login(user: User, *, actor: User) -> None:
    with transaction.atomic(durable=True):
        LoginFailure.objects.filter(username=user.username).delete()
        record_event("auth.login", user, actor=actor)
