from __future__ import annotations

from django.conf import settings
from django.db import models

from lawtrail.cases.models import Case, Service
from lawtrail.documents.models import Document


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
