from django.apps import AppConfig


def _document_labels() -> dict[str, str]:
    from lawtrail.documents.catalogue import catalogue

    return {f"doc:{code}": spec.name for code, spec in catalogue().items()}


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
        track(ActDocument, Document, DocumentCounter, DocumentTypeVersion, NumberScheme, Signature)
        register_guards(*GUARDS)
        # The article map (profiles) names document types by code; a person reads their names.
        register_labels(_document_labels)
        # The 文书 of each step and what closing, binding and archiving need of them (lawtrail/cases/hooks.py).
        acts.register()

        # 我的待办: the opinions an issued 文书 waits for (审批栏, in the form's order).
        from lawtrail.documents import queries
        from lawtrail.lib import inbox

        inbox.register("document_approvals", "文书审批", inbox.APPROVAL, queries.inbox_approvals, order=20)
