from django.db import models


class PartyKind(models.TextChoices):
    PERSON = "person", "自然人"
    ORGANISATION = "organisation", "法人或其他组织"


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", "投诉"
    REPORT = "report", "举报"
    # 依申请事项 (行政许可、行政确认、收费 …): registered, accepted or not, and corrected like a
    # complaint (农业 第六条, 住建 第五条, 委员会细则 第四条).
    APPLICATION = "application", "依申请事项"


class ApplicationMatter(models.TextChoices):
    LICENSE = "license", "行政许可"
    CONFIRMATION = "confirmation", "行政确认"
    PAYMENT = "payment", "行政给付"
    FEE = "fee", "行政收费"
    OTHER = "other", "其他依申请事项"


class IntakeChannel(models.TextChoices):
    WRITTEN = "written", "书面提交"
    ORAL = "oral", "口头申请"
    ONLINE = "online", "网络提交"


class ComplaintStatus(models.TextChoices):
    PENDING = "pending", "待审查"
    CORRECTION = "correction", "已一次性告知补正"
    ACCEPTED = "accepted", "已受理"
    NOT_ACCEPTED = "not_accepted", "不予受理"


# Complaints still to be examined (the officer's home lists them): the condition of a partial
# index (cases.models.Complaint), which SQLite uses only for a query that says it the same way.
AWAITING_EXAMINATION = [ComplaintStatus.PENDING.value, ComplaintStatus.CORRECTION.value]


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
    FILING_LEGAL_REVIEW = "filing.legal_review", "法制机构合法性审查意见"
    LEGAL_REVIEW = "decision.legal_review", "法制审核意见"
    DECISION_HEAD = "decision.head", "负责人审批意见"


# The profile's `filing_approval.approvers` names these short keys.
FILING_APPROVER_KINDS = {"unit_head": ApprovalKind.FILING_UNIT_HEAD, "head": ApprovalKind.FILING_HEAD,
                         "legal_review": ApprovalKind.FILING_LEGAL_REVIEW}


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
    # 传真 is its own method: the commission's 第十六条(四) asks the fax time and the recipient's
    # number on the faxed copy, and refuses it, like e-mail, for decision documents.
    FAX = "fax", "传真送达"
    PUBLIC = "public", "公告送达"


class InspectionOutcome(models.TextChoices):
    RECORD = "record", "检查记录(未发现问题)"
    RECTIFICATION = "rectification", "限期责令改正决定书"
    RECOMMENDATION = "recommendation", "建议书"
    OPEN_CASE = "open_case", "转立案"


# 常用审批意见: what an approver usually writes, offered to pick on the approval forms (agreeing,
# disagreeing). By the opinion's kind, or by the 文书 type for a document's approval slots;
# anything else gets the plain ones. The approver may always write their own.
COMMON_OPINIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "filing.unit_head": (("同意立案,报机关负责人审批。", "同意立案。"),
                         ("不同意立案。", "不同意,请补充调查核实后再报。")),
    "filing.head": (("同意立案。", "同意立案,由承办人员依法调查。"),
                    ("不同意立案。", "不同意,请补充材料后再报。")),
    "decision.legal_review": (("经审核,事实清楚,证据确凿,程序合法,适用依据正确,同意。",),
                              ("不同意,请补充调查。", "适用依据不当,请修改后再报。")),
    "decision.head": (("同意处罚。", "同意拟定的处理决定。"),
                      ("不同意,请补充调查。", "不同意,请重新拟定处理决定。")),
    "filing_approval_form": (("同意立案。",), ("不同意立案。", "不同意,请补充调查。")),
    "closing_approval_form": (("同意结案。",), ("不同意结案,请补充执行情况。",)),
}
PLAIN_OPINIONS: tuple[tuple[str, ...], tuple[str, ...]] = (("同意。", "同意,按程序办理。"),
                                                           ("不同意,请补充调查。", "不同意,请修改后再报。"))


def common_opinions(key: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(agreeing, disagreeing) opinions to offer for an approval kind or a 文书 type."""
    return COMMON_OPINIONS.get(key, PLAIN_OPINIONS)


class FollowUpKind(models.TextChoices):
    """What is followed up after a decision (决定作出后的跟进)."""

    PERFORMANCE = "performance", "履行情况检查"
    RECTIFICATION = "rectification", "整改情况核查(复查)"
    COURT_ACCEPTANCE = "court_acceptance", "法院受理强制执行申请"
    COURT_RESULT = "court_result", "法院强制执行结果"


# Follow-ups that come after a decision; the court's two need the 强制执行申请书 first (the
# documents app knows it; the compliance check asks for them once it is issued).
DECIDED_KINDS = (DecisionKind.PENALTY, DecisionKind.ORDER)
