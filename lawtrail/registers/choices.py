from django.db import models


class RecordKind(models.TextChoices):
    """The text records the regulations name beside the case's own documents. Which kinds an agency
    keeps, and under which article, is its profile's (rules whose `kinds` list them, see queries)."""

    INSPECTION_PLAN = "inspection_plan", "监督检查计划"
    SUPERVISION_NOTICE = "supervision_notice", "督导执法检查的通知、方案"
    COMPLAINT_LETTER = "complaint_letter", "投诉、举报信件(函)"
    LEADER_INSTRUCTION = "leader_instruction", "领导批示、批复或机关督办文件"
    GUIDANCE = "guidance", "全过程记录工作指导和监督记录"
    IMPLEMENTING_RULES = "implementing_rules", "本单位全过程记录实施细则"
    STORAGE_SUPERVISION = "storage_supervision", "法制机构对记录存储内容的监督检查"
    EVIDENCE_EXPLANATION = "evidence_explanation", "音像资料作为证据使用的转化和说明"


# What each kind must name beyond its title, date and text (the text says what it attaches to).
NEEDS_COMPLAINT_OR_CASE = (RecordKind.COMPLAINT_LETTER, RecordKind.LEADER_INSTRUCTION)
NEEDS_UNIT = (RecordKind.IMPLEMENTING_RULES,)
NEEDS_EVIDENCE = (RecordKind.EVIDENCE_EXPLANATION,)
