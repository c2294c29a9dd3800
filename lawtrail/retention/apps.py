from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "lawtrail.retention"
    label = "retention"
    verbose_name = "保存期限与销毁"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from lawtrail.retention.sql import ensure_triggers

        # As for the ledger: every `migrate` (and a test's flush) puts the append-only triggers back.
        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="lawtrail.retention.triggers")
