from django.db import models


class CaseFileStatus(models.TextChoices):
    ASSEMBLED = "assembled", "已组卷,待审核装订"
    BOUND = "bound", "已装订归档"


class Retention(models.TextChoices):
    """保管期限 and its code in the 档号, as DA/T 22-2015《归档文件整理规则》 writes them."""

    PERMANENT = "Y", "永久"
    YEARS_30 = "D30", "定期30年"
    YEARS_10 = "D10", "定期10年"


class ItemKind(models.TextChoices):
    DOCUMENT = "document", "文书"
    MEDIA = "media", "音像资料"
    # A text record filed with the case (附卷), such as the explanation of a recording used as
    # evidence (安全生产 第二十条); registered in lawtrail/registers, printed when registered.
    RECORD = "record", "附卷说明"
