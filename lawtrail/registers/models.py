"""文字记录登记 — the text records the regulations make an agency keep that are not a case's own
documents: the inspection plan and the notices of a 督导 inspection, the complaint letter and the
leader's instruction a complaint was verified on (安全生产 第六条), the legal office's supervision of
the stored recordings (第十九条), the conversion and explanation of a recording used as evidence,
filed with the case (第二十条), the policy office's guidance and supervision and each unit's
implementing rules (委员会细则 第三条).

One row is one record as written: its kind, title, issuer, date and text, what it belongs to (the
agency, a unit, a complaint, a case, a recording), and the article it was kept under, frozen.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lawtrail.accounts.models import Agency, Unit
from lawtrail.cases.models import Case, Complaint, RestrictedQuerySet
from lawtrail.evidence.models import Evidence

from .choices import RecordKind


class TextRecordQuerySet(RestrictedQuerySet):
    """An agency-level record (no unit) is read by the whole agency; one of a unit (its rules, a
    complaint's letter, a case's explanation) as that unit's cases are."""

    def in_units(self, units: set[int]) -> Q:
        return Q(unit__isnull=True) | Q(unit__in=units)


class TextRecord(models.Model):
    """文字记录 — one plan, notice, letter, instruction, guidance, rules, supervision or explanation."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    kind = models.CharField("记录类别", max_length=32, choices=RecordKind.choices)
    article = models.CharField("依据条款", max_length=20)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, verbose_name="所属单位")
    title = models.CharField("标题或文号", max_length=200)
    issuer = models.CharField("发文机关、来信人或批示人", max_length=100, blank=True)
    dated = models.DateField("日期")
    content = models.TextField("内容")
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="投诉举报")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="text_records",
                             verbose_name="案件")
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="音像资料")
    medium = models.CharField("转化后的存储介质", max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by_name = models.CharField("登记人", max_length=50)
    recorded_at = models.DateTimeField("登记时间")
    # The explanation of a recording used as evidence is filed with the case (附卷): printed once
    # when it is registered, and bound into the case file by these bytes and their hash.
    pdf = models.BinaryField("附卷说明 PDF", null=True, blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    objects = TextRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "文字记录"
        ordering = ["-dated", "-id"]
        indexes = [models.Index(fields=["agency", "kind", "dated"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}《{self.title}》"
