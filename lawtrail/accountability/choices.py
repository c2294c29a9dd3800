from django.db import models


class AccountabilitySource(models.TextChoices):
    """How the violation came to light."""

    FINDING = "finding", "合规检查发现"
    SUPERVISION = "supervision", "监督检查发现"
