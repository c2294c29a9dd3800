from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "lawtrail.compliance"
    verbose_name = "合规检查"

    def ready(self) -> None:
        from lawtrail.compliance.models import ServiceProof
        from lawtrail.events.state import track

        # Domain records: each change is frozen into the event of the action that made it.
        track(ServiceProof)
