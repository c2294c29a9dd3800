from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "lawtrail.ledger"
    label = "ledger"
    verbose_name = "防篡改账本"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from lawtrail.events.recorder import set_writer
        from lawtrail.ledger.writer import append

        # The ledger is the event recorder's writer: each event goes in with its entry.
        set_writer(append)

        from lawtrail.ledger.guards import after_migrate
        from lawtrail.ledger.sql import GUARDS
        from lawtrail.lib.appendonly import register_guards

        register_guards(*GUARDS)
        # After every `migrate` the database's guards (every app's) are checked: one found missing
        # is put back only when asked, and its restoration is recorded (guards.py).
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="lawtrail.ledger.guards")
