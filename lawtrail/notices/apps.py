from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "lawtrail.notices"
    label = "notices"
    verbose_name = "通知"
