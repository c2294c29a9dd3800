from typing import Any

from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "lawtrail.evidence"
    label = "evidence"
    verbose_name = "音像资料库"

    def ready(self) -> None:
        from lawtrail.events.state import track
        from lawtrail.evidence import hooks
        from lawtrail.evidence.models import (
            Evidence,
            EvidenceHandling,
            FootageLink,
            Interruption,
            LinkRejection,
            ReceptionSegment,
            RecordingStop,
            StoredObject,
        )

        # Domain records: each change is frozen into the event of the action that made it (upload sessions are not: a half-sent file is no record yet).
        track(Evidence, EvidenceHandling, FootageLink, Interruption, LinkRejection, ReceptionSegment, RecordingStop,
              StoredObject)
        # An ingest queues its previews through a hook, so the actions never import the jobs
        # (imported when first needed: a command that ingests nothing loads no task queue).
        if _queue_previews not in hooks.after_ingest:
            hooks.after_ingest.append(_queue_previews)
        # A patrol's page and API list its recordings (the cases app imports no vault).
        from lawtrail.cases import hooks as case_hooks

        case_hooks.register_provider(case_hooks.INSPECTION_EVIDENCE, _inspection_evidence)


def _inspection_evidence(inspection: Any) -> list[int]:
    from lawtrail.evidence.models import Evidence

    return list(Evidence.objects.filter(inspection_id=inspection.pk).values_list("pk", flat=True))


def _queue_previews(evidence_id: int) -> None:
    from lawtrail.evidence import jobs

    jobs.make_derivatives(evidence_id)
