from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    name = "lawtrail.accountability"
    label = "accountability"
    verbose_name = "责任追究"

    def ready(self) -> None:
        from lawtrail.accountability.models import AccountabilityRecord
        from lawtrail.events.state import track

        # Domain records: each change is frozen into the event of the action that made it.
        track(AccountabilityRecord)
