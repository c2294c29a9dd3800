from django.db import models


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    ISSUED = "issued", "已签发"
    SUPERSEDED = "superseded", "已被更正"


class SignatureKind(models.TextChoices):
    SIGNED = "signed", "签名"
    REFUSED = "refused", "拒绝签名"
    APPROVAL = "approval", "审批意见"


class SignerRole(models.TextChoices):
    OFFICER = "officer", "执法人员"
    PARTICIPANT = "participant", "参加人员"
    APPROVER = "approver", "审批人"
    PARTY = "party", "当事人"
    WITNESS = "witness", "见证人"
    EXTERNAL = "external", "其他人员"
