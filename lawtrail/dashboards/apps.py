from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "lawtrail.dashboards"
    verbose_name = "数据看板"
