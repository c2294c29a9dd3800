from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "lawtrail.devices"
    label = "devices"
    verbose_name = "执法记录设备"

    def ready(self) -> None:
        from lawtrail.devices.models import Device, DeviceCheck, DeviceLoan, Maintenance
        from lawtrail.events.state import track

        # Domain records: each change is frozen into the event of the action that made it.
        track(Device, DeviceCheck, DeviceLoan, Maintenance)

        # The footage's page asks whether the serial it names is registered (the vault imports no registry).
        from lawtrail.evidence import hooks

        hooks.devices.registered = _registered


def _registered(agency_id: int, serial: str) -> bool:
    from lawtrail.devices.models import Device

    return Device.objects.filter(agency_id=agency_id, serial=serial).exists()
