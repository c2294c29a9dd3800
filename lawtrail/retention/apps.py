from typing import Any

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

        # The vault asks, through its hooks, which originals must still be present and why one is
        # gone: the vault does not import this app (layers point down).
        from lawtrail.evidence import hooks

        hooks.retention.kept = _expected_present
        hooks.retention.disposed = _disposed_reason
        hooks.retention.disposal = _disposal


# Imported when first asked (the queries import the media reader, which a plain command need not load).
def _expected_present(qs: Any) -> Any:
    from lawtrail.retention.queries import expected_present

    return expected_present(qs)


def _disposal(ev: Any) -> Any:
    from lawtrail.retention.queries import is_disposed

    return is_disposed(ev)


def _disposed_reason(ev: Any) -> str:
    from lawtrail.retention.queries import disposed_reason

    return disposed_reason(ev)
