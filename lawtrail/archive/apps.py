from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "lawtrail.archive"
    label = "archive"
    verbose_name = "案卷与归档"
