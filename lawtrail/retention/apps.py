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
