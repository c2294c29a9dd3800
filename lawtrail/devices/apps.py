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
