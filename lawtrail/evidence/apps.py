from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "lawtrail.evidence"
    label = "evidence"
    verbose_name = "音像资料库"

    def ready(self) -> None:
        from lawtrail.evidence import hooks

        # An ingest queues its previews through a hook, so the actions never import the jobs
        # (imported when first needed: a command that ingests nothing loads no task queue).
        if _queue_previews not in hooks.after_ingest:
            hooks.after_ingest.append(_queue_previews)


def _queue_previews(evidence_id: int) -> None:
    from lawtrail.evidence import jobs

    jobs.make_derivatives(evidence_id)
