from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "lawtrail.access"
    label = "access"
    verbose_name = "调用、复制与保密"
