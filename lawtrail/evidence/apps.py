from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "lawtrail.evidence"
    label = "evidence"
    verbose_name = "音像资料库"

    def ready(self) -> None:
        from lawtrail.events.state import track
        from lawtrail.evidence.models import (
            Evidence,
            Interruption,
            LinkRejection,
            ReceptionSegment,
            StoredObject,
        )

        # Domain records: each change is frozen into the event of the action that made it (upload sessions are not: a half-sent file is no record yet).
        track(Evidence, Interruption, LinkRejection, ReceptionSegment, StoredObject)
