from typing import Any

from django.apps import AppConfig


def _document_labels() -> dict[str, str]:
    from lawtrail.documents.catalogue import catalogue

    return {f"doc:{code}": spec.name for code, spec in catalogue().items()}


def _document_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    from lawtrail.documents import signing
    from lawtrail.documents.choices import DocumentStatus

    if instance.status != DocumentStatus.DRAFT or instance.awaiting_opinion:
        signing.refresh_awaiting(instance)


def _signature_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from lawtrail.documents import signing
    from lawtrail.documents.models import Document

    document = Document.objects.filter(pk=instance.document_id).select_related("agency").first()
    if document is not None:
        signing.refresh_awaiting(document)


def _case_moved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """An archived case's forms wait for no opinion any more (a case moves by a compare-and-set
    UPDATE of its stage, and each move writes its CaseTransition row)."""
    from lawtrail.cases.choices import Stage
    from lawtrail.documents.models import Document

    if instance.to_stage == Stage.ARCHIVED:
        Document.objects.filter(case_id=instance.case_id, awaiting_opinion__isnull=False).update(awaiting_opinion=None)


class DocumentsConfig(AppConfig):
    name = "lawtrail.documents"
    label = "documents"
    verbose_name = "执法文书"

    def ready(self) -> None:
        from lawtrail.documents import acts
        from lawtrail.documents.models import (
            ActDocument,
            Document,
            DocumentCounter,
            DocumentTypeVersion,
            NumberScheme,
            Signature,
        )
        from lawtrail.documents.sql import GUARDS
        from lawtrail.events.state import track
        from lawtrail.lib.appendonly import register_guards
        from lawtrail.profiles.coverage import register_labels

        # Domain records: each change is frozen into the event of the action that made it.
        # (A document's awaiting_opinion is derived from its status, signatures and case: not frozen.)
        track(Document, ignore=("awaiting_opinion",))
        track(ActDocument, DocumentCounter, DocumentTypeVersion, NumberScheme, Signature)
        register_guards(*GUARDS)
        # Whether an issued document waits for an opinion, kept as its status, signatures and case change.
        from django.db.models.signals import post_delete, post_save

        from lawtrail.cases.models import CaseTransition

        post_save.connect(_document_saved, sender=Document, dispatch_uid="lawtrail.documents.awaiting.document")
        post_save.connect(_signature_changed, sender=Signature, dispatch_uid="lawtrail.documents.awaiting.signature")
        post_delete.connect(_signature_changed, sender=Signature,
                            dispatch_uid="lawtrail.documents.awaiting.signature-deleted")
        post_save.connect(_case_moved, sender=CaseTransition, dispatch_uid="lawtrail.documents.awaiting.case")
        # The article map (profiles) names document types by code; a person reads their names.
        register_labels(_document_labels)
        # The 文书 of each step and what closing, binding and archiving need of them (lawtrail/cases/hooks.py).
        acts.register()

        # 我的待办: the opinions an issued 文书 waits for (审批栏, in the form's order).
        from lawtrail.documents import queries
        from lawtrail.lib import inbox

        inbox.register("document_approvals", "文书审批", inbox.APPROVAL, queries.inbox_approvals, order=20)
