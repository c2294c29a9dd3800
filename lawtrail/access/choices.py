from django.db import models


class RequesterKind(models.TextChoices):
    INTERNAL = "internal", "本机构人员因工作需要调用"
    EXTERNAL = "external", "非本机构人员(单位)调用"
    PARTY = "party", "当事人申请复制"


# The profile rule that names who approves each kind of request.
RULE_FOR_KIND = {
    RequesterKind.INTERNAL: "access_internal",
    RequesterKind.EXTERNAL: "access_external",
    RequesterKind.PARTY: "access_party_copy",
}


class RequestStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "不予批准"
    REVOKED = "revoked", "已撤销"


class Secrecy(models.TextChoices):
    STATE = "state", "国家秘密"
    COMMERCIAL = "commercial", "商业秘密"
    PRIVACY = "privacy", "个人隐私"


class RecordKind(models.TextChoices):
    CASE = "case", "案件"
    DOCUMENT = "document", "执法文书"
    EVIDENCE = "evidence", "音像资料"
