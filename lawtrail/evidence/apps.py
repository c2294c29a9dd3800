from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "lawtrail.evidence"
    label = "evidence"
    verbose_name = "音像资料库"
