from __future__ import annotations

from django.db import models

from lawtrail.cases.models import Service
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
    approval_document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name="公告送达审批意见书")

    class Meta:
        verbose_name = "送达留痕"

    def __str__(self) -> str:
        return f"送达留痕 {self.service_id}"
