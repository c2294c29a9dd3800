from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "lawtrail.compliance"
    verbose_name = "合规检查"

    def ready(self) -> None:
        # The profile's blocking rules gate the case's moves, its closing and its archiving (lawtrail/cases/hooks.py).
        from lawtrail.compliance import gates

        gates.register()
