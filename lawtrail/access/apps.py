from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "lawtrail.access"
    label = "access"
    verbose_name = "调用、复制与保密"

    def ready(self) -> None:
        from lawtrail.access.models import AccessRequest, AccessRequestCounter, ConfidentialityMark, Share
        from lawtrail.events.state import track

        # Domain records: each change is frozen into the event of the action that made it.
        track(AccessRequest, AccessRequestCounter, ConfidentialityMark, Share)
