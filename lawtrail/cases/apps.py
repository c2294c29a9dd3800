from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "lawtrail.cases"
    label = "cases"
    verbose_name = "案件"
