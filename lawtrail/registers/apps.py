from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "lawtrail.registers"
    label = "registers"
    verbose_name = "文字记录登记"

    def ready(self) -> None:
        from lawtrail.events.state import track
        from lawtrail.registers.models import TextRecord

        # Domain records: each change is frozen into the event of the action that made it.
        track(TextRecord)
