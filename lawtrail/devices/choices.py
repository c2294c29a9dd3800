from django.db import models


class DeviceKind(models.TextChoices):
    BODY_CAM = "body_cam", "执法记录仪"
    STORAGE = "storage", "存储设备"


class DeviceStatus(models.TextChoices):
    IN_STORE = "in_store", "在库"
    ISSUED = "issued", "已领用"
    REPAIR = "repair", "维修中"
    RETIRED = "retired", "已报废"


# A retired device is no longer equipment the unit has; one under repair still is (it comes back).
EQUIPPED = (DeviceStatus.IN_STORE, DeviceStatus.ISSUED, DeviceStatus.REPAIR)
# The statuses a manager sets by hand; 已领用 is set by issuing it and left by returning it.
SETTABLE = (DeviceStatus.IN_STORE, DeviceStatus.REPAIR, DeviceStatus.RETIRED)


class MaintenanceKind(models.TextChoices):
    SERVICE = "service", "维护保养"
    REPAIR = "repair", "维修"
    INSPECTION = "inspection", "定期检查"
