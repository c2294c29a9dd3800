from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "lawtrail.archive"
    label = "archive"
    verbose_name = "案卷与归档"

    def ready(self) -> None:
        from lawtrail.archive.models import ArchiveCounter, CaseFile, Fonds, PackageExport
        from lawtrail.archive.sql import GUARDS
        from lawtrail.events.state import track
        from lawtrail.lib.appendonly import register_guards

        # Domain records: each change is frozen into the event of the action that made it.
        track(ArchiveCounter, CaseFile, Fonds, PackageExport)
        register_guards(*GUARDS)

        # 我的待办: the case files waiting for the archivist's check and binding.
        from lawtrail.archive import queries
        from lawtrail.lib import inbox

        inbox.register("case_files_to_bind", "待装订归档的案卷", inbox.FILING, queries.inbox_binding, order=10)
