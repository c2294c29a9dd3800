from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "lawtrail.documents"
    label = "documents"
    verbose_name = "执法文书"

    def ready(self) -> None:
        from lawtrail.documents.models import Document, DocumentCounter, NumberScheme, Signature
        from lawtrail.documents.sql import GUARDS
        from lawtrail.events.state import track
        from lawtrail.lib.appendonly import register_guards

        # Domain records: each change is frozen into the event of the action that made it.
        track(Document, DocumentCounter, NumberScheme, Signature)
        register_guards(*GUARDS)
