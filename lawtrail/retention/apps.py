from typing import Any

from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "lawtrail.retention"
    label = "retention"
    verbose_name = "保存期限与销毁"

    def ready(self) -> None:
        from lawtrail.events.state import track
        from lawtrail.lib.appendonly import register_guards
        from lawtrail.retention.models import (
            CaseIncident,
            DisposalItem,
            DisposalRecord,
            DisposalRequest,
            DisposedEvidence,
            DisposedObject,
            LegalHold,
            LongTermFlag,
            RetentionState,
        )
        from lawtrail.retention.sql import GUARDS

        # Domain records: each change is frozen into the event of the action that made it.
        track(CaseIncident, DisposalItem, DisposalRecord, DisposalRequest, DisposedEvidence, DisposedObject,
              LegalHold, LongTermFlag, RetentionState)

        # Checked by `lawtrail verify`; put back by a test's flush or by `lawtrail migrate --restore-guards`.
        register_guards(*GUARDS)

        # The vault asks, through its hooks, which originals must still be present and why one is
        # gone: the vault does not import this app (layers point down).
        from lawtrail.evidence import hooks

        hooks.retention.kept = _expected_present
        hooks.retention.disposed = _disposed_reason
        hooks.retention.disposal = _disposal

        # 我的待办: the 销毁申请 waiting for the agency's 负责人.
        from lawtrail.lib import inbox

        inbox.register("disposal_approvals", "销毁审批", inbox.APPROVAL, _inbox_disposals, order=40)


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


def _inbox_disposals(user: Any) -> Any:
    from lawtrail.retention.queries import inbox_disposals

    return inbox_disposals(user)
