from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "lawtrail.ledger"
    label = "ledger"
    verbose_name = "防篡改账本"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from lawtrail.ledger.sql import ensure_triggers

        # Whatever removed them (a restore from a dump without triggers, a test's flush),
        # every `migrate` puts the append-only triggers back.
        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="lawtrail.ledger.triggers")
