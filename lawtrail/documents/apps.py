from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "lawtrail.documents"
    label = "documents"
    verbose_name = "执法文书"

    def ready(self) -> None:
        # The 文书 of each step and what closing, binding and archiving need of them (lawtrail/cases/hooks.py).
        from lawtrail.documents import acts

        acts.register()
