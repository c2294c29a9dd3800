from django.db import models


class PartyKind(models.TextChoices):
    PERSON = "person", "自然人"
    ORGANISATION = "organisation", "法人或其他组织"


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", "投诉"
    REPORT = "report", "举报"


class ComplaintStatus(models.TextChoices):
    PENDING = "pending", "待审查"
    CORRECTION = "correction", "已一次性告知补正"
    ACCEPTED = "accepted", "已受理"
    NOT_ACCEPTED = "not_accepted", "不予受理"


class CaseSource(models.TextChoices):
    COMPLAINT = "complaint", "投诉举报"
    INSPECTION = "inspection", "检查发现"
    REFERRAL = "referral", "其他机关移送"
    ASSIGNMENT = "assignment", "上级交办"
    OTHER = "other", "其他途径"


class Procedure(models.TextChoices):
    GENERAL = "general", "一般程序"
    SIMPLE = "simple", "简易程序"


class Stage(models.TextChoices):
    REGISTERED = "registered", "待立案审批"
    FILED = "filed", "已立案"
    INVESTIGATING = "investigating", "调查取证"
    REVIEWING = "reviewing", "审查决定"
    SERVING = "serving", "送达执行"
    CLOSED = "closed", "结案"
    ARCHIVED = "archived", "归档"
    NOT_FILED = "not_filed", "不予立案"


TERMINAL_STAGES = {Stage.ARCHIVED, Stage.NOT_FILED}
OPEN_STAGES = {Stage.REGISTERED, Stage.FILED, Stage.INVESTIGATING, Stage.REVIEWING, Stage.SERVING}


class ApprovalKind(models.TextChoices):
    """Each opinion a case collects. `filing.*` are the 立案审批表's opinions."""

    FILING_UNIT_HEAD = "filing.unit_head", "承办机构意见"
    FILING_HEAD = "filing.head", "机关负责人意见"
    LEGAL_REVIEW = "decision.legal_review", "法制审核意见"
    DECISION_HEAD = "decision.head", "负责人审批意见"


# The profile's `filing_approval.approvers` names these short keys.
FILING_APPROVER_KINDS = {"unit_head": ApprovalKind.FILING_UNIT_HEAD, "head": ApprovalKind.FILING_HEAD}


class DecisionKind(models.TextChoices):
    PENALTY = "penalty", "行政处罚"
    ORDER = "order", "责令改正/行政处理"
    NO_PENALTY = "no_penalty", "不予行政处罚"
    DROP = "drop", "撤销案件"


class ServiceMethod(models.TextChoices):
    DIRECT = "direct", "直接送达"
    MAIL = "mail", "邮寄送达"
    LODGED = "lodged", "留置送达"
    ENTRUSTED = "entrusted", "委托/转交送达"
    ELECTRONIC = "electronic", "电子送达"
    PUBLIC = "public", "公告送达"


class InspectionOutcome(models.TextChoices):
    RECORD = "record", "检查记录(未发现问题)"
    RECTIFICATION = "rectification", "限期责令改正决定书"
    RECOMMENDATION = "recommendation", "建议书"
    OPEN_CASE = "open_case", "转立案"
