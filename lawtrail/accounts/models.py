from __future__ import annotations

import datetime as dt
import hashlib
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models

from lawtrail.accounts.choices import AGENCY_WIDE_ROLES, Role


class Agency(models.Model):
    """行政执法机关 — an enforcement agency, run under one regulation profile."""

    name = models.CharField("机关名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=30)
    profile_id = models.CharField("适用规范", max_length=64)
    # 案号 formats: {year} and {seq} are filled in; e.g. 名劳监立〔{year}〕第{seq}号.
    case_number_format = models.CharField("一般程序案号格式", max_length=100)
    simple_case_number_format = models.CharField("简易程序案号格式", max_length=100)

    class Meta:
        verbose_name = "执法机关"

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """执法机构/科室 — a unit of an agency; officers and cases belong to one."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units")
    name = models.CharField("名称", max_length=100)

    class Meta:
        verbose_name = "执法机构"
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="unit_unique_name")]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """用户 — a person who signs in; an officer (执法人员) when holding a 执法证号."""

    full_name = models.CharField("姓名", max_length=50)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    phone = models.CharField("电话", max_length=30, blank=True)
    cert_no = models.CharField("执法证号", max_length=64, null=True, blank=True, unique=True)
    cert_valid_from = models.DateField("执法证有效期起", null=True, blank=True)
    cert_valid_until = models.DateField("执法证有效期止", null=True, blank=True)

    class Meta:
        verbose_name = "用户"

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @cached_property
    def grants(self) -> list[RoleGrant]:
        return list(self.role_grants.all())

    @property
    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    @property
    def primary_role(self) -> str:
        order = list(Role.values)
        roles = sorted(self.roles, key=order.index)
        return roles[0] if roles else ""

    def role_labels(self) -> list[str]:
        return [Role(r).label for r in sorted(self.roles, key=list(Role.values).index)]

    def has_role(self, role: str, unit_id: int | None = None) -> bool:
        """Holds `role`; with `unit_id`, for that unit (an agency-wide grant covers every unit)."""
        for g in self.grants:
            if g.role != role:
                continue
            if unit_id is None or g.unit_id is None or g.unit_id == unit_id:
                return True
        return False

    def has_agency_role(self, role: str) -> bool:
        return any(g.role == role and g.unit_id is None for g in self.grants)

    @property
    def sees_whole_agency(self) -> bool:
        return self.is_superuser or any(
            g.role in AGENCY_WIDE_ROLES or (g.role == Role.HEAD and g.unit_id is None) for g in self.grants
        )

    def cert_valid_on(self, day: dt.date) -> bool:
        if not self.cert_no:
            return False
        if self.cert_valid_from and day < self.cert_valid_from:
            return False
        return not (self.cert_valid_until and day > self.cert_valid_until)


class RoleGrant(models.Model):
    """角色授权 — a role held by a user, for one unit or (unit empty) the whole agency."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = "角色授权"
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="grant_unique"),
        ]

    def __str__(self) -> str:
        scope = self.unit.name if self.unit else "全局"
        return f"{self.user} {Role(self.role).label}({scope})"


class ApiToken(models.Model):
    """API 令牌 — a bearer token for scripts; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user.username}:{self.name}"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class LoginFailure(models.Model):
    """登录失败 — one failed sign-in, counted by the login throttle."""

    username = models.CharField(max_length=150, db_index=True)
    client_ip = models.CharField(max_length=64, blank=True, db_index=True)
    at = models.DateTimeField(db_index=True)


class OversightGrant(models.Model):
    """跨机关监督授权 — an installation serving several agencies (a district's platform) lets a
    supervising office (监督机构) read the dashboards of the agencies named here, one row each.

    Read only: it widens what the dashboards count, never what a user may change. The office's
    users have no agency of their own, so every case, document and record query scoped by
    `.restrict(user)` still gives them nothing to act on.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="oversight_grants")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="被监督机关")
    granted_at = models.DateTimeField("授权时间")

    class Meta:
        verbose_name = "跨机关监督授权"
        constraints = [models.UniqueConstraint(fields=["user", "agency"], name="oversight_unique")]

    def __str__(self) -> str:
        return f"{self.user} 监督 {self.agency}"
