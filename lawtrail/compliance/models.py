from __future__ import annotations

from django.conf import settings
from django.db import models

from lawtrail.cases.models import Case, Service
from lawtrail.documents.models import Document

# The proof's texts, as the case bundle's service carries them under the same names.
PROOF_TEXTS = ("receipt", "attempts", "record", "returned", "fax", "refusal", "entrust_reason", "fax_number")


class ServiceProof(models.Model):
    """送达留痕 — what proves a service by its method: witnesses of a lodged service, the postal
    receipt (付邮凭证和回执), the proof other methods failed before a public announcement, the
    screenshot or recording of an electronic service. Imported from bundles; the checks read it.
    """

    service = models.OneToOneField(Service, on_delete=models.PROTECT, related_name="proof")
    witnesses = models.JSONField("见证人", default=list, blank=True)
    # Bundle media ids are resolved to evidence rows of the same case on import.
    media = models.JSONField("音像记录(音像资料编号)", default=list, blank=True)
    receipt = models.TextField("付邮凭证和回执", blank=True)
    attempts = models.TextField("已采用其他方式均无法送达的情况", blank=True)
    record = models.TextField("截屏、截图、录音等记录", blank=True)
    # 被邮政企业退回的,记录具体情况 / 传真件上注明传真时间和受送达人的传真号码 (commission 第十六条).
    returned = models.TextField("邮件被退回的情况", blank=True)
    fax = models.TextField("传真时间和受送达人的传真号码", blank=True)
    # 在《送达回执》中记明拒收事由和日期 (labour 第二十七条): the reason, kept apart from the free note so
    # a check can read it; the date is the service's own (送达时间), printed beside it on the receipt.
    refusal = models.TextField("拒收事由", blank=True)
    # 在《送达回执》中记录委托、转交原因 (labour 第二十八条, agriculture 第二十四条, commission 第十六条(五)).
    entrust_reason = models.TextField("委托、转交原因", blank=True)
    # 传真送达: the recipient's number in its own field; the fax time is the service's 送达时间.
    fax_number = models.CharField("受送达人的传真号码", max_length=40, blank=True)
    approval_document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name="公告送达审批意见书")

    class Meta:
        verbose_name = "送达留痕"

    def __str__(self) -> str:
        return f"送达留痕 {self.service_id}"


class LapseNote(models.Model):
    """逾期说明 — why a deadline of the regulation was missed (a lapse nothing can undo now: footage
    stored late, a case file assembled late, an emergency start approved late), and a leader's
    acknowledgement. Until acknowledged, the finding blocks; after, it stays as a warning for
    supervision. `subject` is the finding's: "case", or "media-<id>" / "doc-<id>" as the case's
    bundle names the record.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="lapse_notes")
    rule = models.CharField("规则", max_length=64)
    subject = models.CharField("所涉记录", max_length=64)
    reason = models.TextField("逾期原因")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by_name = models.CharField("说明人", max_length=100)
    recorded_at = models.DateTimeField("说明时间")
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    acknowledged_by_name = models.CharField("确认人", max_length=100, blank=True)
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)
    opinion = models.TextField("负责人意见", blank=True)

    class Meta:
        verbose_name = "逾期说明"
        constraints = [models.UniqueConstraint(fields=["case", "rule", "subject"], name="one_lapse_note_per_finding")]

    def __str__(self) -> str:
        from lawtrail.compliance.labels import rule_label

        return f"逾期说明:{rule_label(self.rule)}"


class CaseCheck(models.Model):
    """When a case's findings and deadlines were last computed and stored (one row a case).

    Pages, inboxes and dashboards read the stored rows below instead of exporting and checking
    cases on every view; a worker job refreshes a case after its events, and `lawtrail check --all`
    refreshes every case. `stale` marks a case whose events came after the last refresh.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="check_state")
    profile_id = models.CharField("规范", max_length=64)
    checked_at = models.DateTimeField("检查时间")
    # The last event of the case the stored rows account for.
    event_id = models.BigIntegerField("已计入的最后事件", default=0)
    blocking = models.PositiveIntegerField("须整改", default=0)
    warnings = models.PositiveIntegerField("提示", default=0)
    stale = models.BooleanField("待重新检查", default=False, db_index=True)

    class Meta:
        verbose_name = "合规检查状态"

    def __str__(self) -> str:
        return f"合规检查状态 {self.case_id}"


class StoredFinding(models.Model):
    """A finding of the compliance engine as last computed for its case; scope columns (agency,
    unit, handler) are copied from the case so supervision counts without joining cases.
    A finding that stops being reported is kept with `resolved_at` set: its trend stays visible.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stored_findings")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("accounts.Unit", null=True, on_delete=models.SET_NULL, related_name="+")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    profile_id = models.CharField("规范", max_length=64)
    rule = models.CharField("规则", max_length=64)
    article = models.CharField("条款", max_length=64, blank=True)
    source = models.CharField("依据", max_length=200, blank=True)
    severity = models.CharField("程度", max_length=16)
    subject = models.CharField("所涉记录", max_length=64)
    message = models.TextField("问题")
    lapse = models.BooleanField("逾期", default=False)
    blocks = models.JSONField("阻止的环节", default=list, blank=True)
    first_seen_at = models.DateTimeField("发现时间")
    last_seen_at = models.DateTimeField("最近确认时间")
    resolved_at = models.DateTimeField("整改时间", null=True, blank=True)

    class Meta:
        verbose_name = "合规问题"
        indexes = [
            # The findings page's scope and order: open (or resolved), blocking first, newest first.
            models.Index(fields=["agency", "resolved_at", "severity", "-first_seen_at", "-id"], name="finding_scope"),
            # A handler's open findings by severity, oldest first (我的待办 on every page): with the
            # agency in it, it is the index of that query, not the agency's open findings above.
            models.Index(fields=["handler", "agency", "resolved_at", "severity", "first_seen_at", "id"],
                         name="finding_handler"),
            models.Index(fields=["rule", "first_seen_at"], name="finding_rule_trend"),
        ]
        constraints = [models.UniqueConstraint(fields=["case", "rule", "subject", "first_seen_at"],
                                               name="one_stored_finding_per_sighting")]

    def __str__(self) -> str:
        from lawtrail.compliance.labels import rule_label

        return f"合规问题:{rule_label(self.rule)}"


class Deadline(models.Model):
    """A deadline a profile defines, as it stands for one case (期限预警): due at `due_at`;
    `near` (yellow) from `warn_at`, `overdue` (red) after `due_at`, `met` once done.
    """

    PENDING, NEAR, OVERDUE, MET = "pending", "near", "overdue", "met"
    STATES = [(PENDING, "未到期"), (NEAR, "临近期限"), (OVERDUE, "已逾期"), (MET, "已完成")]

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("accounts.Unit", null=True, on_delete=models.SET_NULL, related_name="+")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    rule = models.CharField("规则", max_length=64)
    article = models.CharField("条款", max_length=64, blank=True)
    source = models.CharField("依据", max_length=200, blank=True)
    subject = models.CharField("所涉记录", max_length=64)
    label = models.CharField("期限事项", max_length=200)
    due_at = models.DateTimeField("期限", db_index=True)
    warn_at = models.DateTimeField("预警起始")
    state = models.CharField("状态", max_length=16, choices=STATES, default=PENDING)
    met_at = models.DateTimeField("完成时间", null=True, blank=True)
    refreshed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "期限预警"
        indexes = [
            models.Index(fields=["agency", "state", "due_at"], name="deadline_scope"),
            models.Index(fields=["handler", "state", "due_at"], name="deadline_handler"),
        ]
        constraints = [models.UniqueConstraint(fields=["case", "rule", "subject"], name="one_deadline_per_subject")]

    def __str__(self) -> str:
        return f"期限预警:{self.label}"
