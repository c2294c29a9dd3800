"""执法记录设备 — the agency's body-worn cameras (执法记录仪) and storage devices, who keeps them,
who has one out, their pre-use checks and maintenance.

The regulations make the agency answer for its equipment: the safety rules' one camera for every
two officers (第十五条) and pre-use check and maintenance (第十九条); the labour rules' equipment
(第四条) and the officer's duty of care for it (第三十七条); agriculture's equipment (第五条). The
ratio is read from this registry, per unit; footage names its device by serial (evidence), and a
serial not registered here is flagged.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lawtrail.accounts.models import Agency, Unit
from lawtrail.cases.models import RestrictedQuerySet

from .choices import DeviceKind, DeviceStatus, MaintenanceKind


class DeviceQuerySet(RestrictedQuerySet):
    """A device is seen by its unit and by the agency-wide roles (as a case is)."""


class Device(models.Model):
    """执法记录设备台账 — one registered device: what it is, whose unit it belongs to, who keeps it."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name="配备单位")
    kind = models.CharField("设备类别", max_length=16, choices=DeviceKind.choices)
    serial = models.CharField("设备编号", max_length=64)
    model_name = models.CharField("型号", max_length=100)
    explosion_proof = models.BooleanField("防爆型", default=False)
    custodian = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="保管人")
    custodian_name = models.CharField("保管人", max_length=50, blank=True)
    status = models.CharField("状态", max_length=16, choices=DeviceStatus.choices, default=DeviceStatus.IN_STORE)
    note = models.TextField("备注", blank=True)
    registered_by_name = models.CharField("登记人", max_length=50)
    registered_at = models.DateTimeField("登记时间")

    objects = DeviceQuerySet.as_manager()

    class Meta:
        verbose_name = "执法记录设备"
        ordering = ["unit_id", "kind", "serial"]
        constraints = [models.UniqueConstraint(fields=["agency", "serial"], name="device_unique_serial")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial}"


class DeviceLoan(models.Model):
    """领用登记 — a device issued to an officer and, later, returned."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="loans")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    holder_name = models.CharField("领用人", max_length=50)
    purpose = models.CharField("用途", max_length=200, blank=True)
    issued_at = models.DateTimeField("领用时间")
    issued_by_name = models.CharField("发放人", max_length=50)
    returned_at = models.DateTimeField("归还时间", null=True, blank=True)
    returned_to_name = models.CharField("接收人", max_length=50, blank=True)
    return_note = models.CharField("归还情况", max_length=200, blank=True)

    class Meta:
        verbose_name = "设备领用登记"
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["device"], condition=models.Q(returned_at__isnull=True),
                                               name="device_one_open_loan")]

    def __str__(self) -> str:
        return f"{self.device} 由 {self.holder_name} 领用"


class DeviceCheck(models.Model):
    """使用前检查 — before use, the officer checks the battery, the free storage and the clock
    (safety rules 第十九条: 确保电量充足,内存充裕; a camera's clock is what footage times rest on)."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="checks")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_by_name = models.CharField("检查人", max_length=50)
    checked_at = models.DateTimeField("检查时间")
    battery_ok = models.BooleanField("电量充足")
    storage_ok = models.BooleanField("存储空间充裕")
    clock_ok = models.BooleanField("时钟准确")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "使用前检查"
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.device} 使用前检查"

    @property
    def passed(self) -> bool:
        return self.battery_ok and self.storage_ok and self.clock_ok


class Maintenance(models.Model):
    """维护保养记录 — service, repair or periodic inspection of a device."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="maintenance")
    kind = models.CharField("类别", max_length=16, choices=MaintenanceKind.choices)
    done_on = models.DateField("日期")
    description = models.TextField("内容")
    result = models.CharField("结果", max_length=200, blank=True)
    recorded_by_name = models.CharField("记录人", max_length=50)
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "维护保养记录"
        ordering = ["-done_on", "-id"]

    def __str__(self) -> str:
        return f"{self.device} {self.get_kind_display()}"
