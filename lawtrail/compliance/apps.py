from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "lawtrail.compliance"
    verbose_name = "合规检查"
