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
        # After 结案 the next step is 立卷 on the case file's page: the case page offers it.
        from lawtrail.archive.queries import next_pages
        from lawtrail.cases import hooks

        hooks.register_provider(hooks.NEXT_PAGES, next_pages)

        # 我的待办: the case files waiting for the archivist's check and binding.
        from lawtrail.archive import queries
        from lawtrail.lib import inbox

        inbox.register("case_files_to_bind", "待装订归档的案卷", inbox.FILING, queries.inbox_binding, order=10)
