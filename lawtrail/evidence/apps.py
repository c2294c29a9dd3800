from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "lawtrail.evidence"
    label = "evidence"
    verbose_name = "音像资料库"

    def ready(self) -> None:
        # Registers the background jobs (previews, replication, fixity) with the Huey worker.
        from lawtrail.evidence import jobs  # noqa: F401
