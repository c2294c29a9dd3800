from django.db import models


class TriggerKind(models.TextChoices):
    """The situations the regulations name for 长期保存; each profile lists the ones its rule names."""

    OBJECTION = "objection", "当事人有异议或者投诉、上访"
    OBSTRUCTION = "obstruction", "拒绝、阻碍执法"
    COERCIVE_MEASURE = "coercive_measure", "对当事人采取强制措施"
    GROUP_INCIDENT = "group_incident", "参与处置群体性事件、突发事件"
    OTHER = "other", "其他需要长期保存的情况"


class IncidentKind(models.TextChoices):
    """What can be recorded on a case as having happened (and which trigger it is)."""

    OBJECTION = "objection", "异议、投诉或上访"
    OBSTRUCTION = "obstruction", "拒绝、阻碍执法"
    GROUP_INCIDENT = "group_incident", "群体性事件、突发事件"


class RecordKind(models.TextChoices):
    EVIDENCE = "evidence", "音像资料"
    DOCUMENT = "document", "执法文书"
    CASE = "case", "案卷"


class KeptKind(models.TextChoices):
    PERIOD = "period", "定期保存"
    INDEFINITE = "indefinite", "不自动到期"
    LONG_TERM = "long_term", "长期保存"


class DisposalStatus(models.TextChoices):
    REQUESTED = "requested", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"
    EXECUTED = "executed", "已销毁"
