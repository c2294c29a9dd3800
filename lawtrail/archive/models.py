"""The case file (案卷) of a closed case, its 档号 counter and the record of each package export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models

from lawtrail.accounts.models import Agency
from lawtrail.archive.choices import CaseFileStatus, Retention
from lawtrail.cases.models import Case, units_of

if TYPE_CHECKING:
    from lawtrail.accounts.models import User


class CaseFileQuerySet(models.QuerySet["CaseFile"]):
    def restrict(self, user: User, action: str = "view") -> CaseFileQuerySet:
        """A case file is visible exactly when its case is: the case's rule (Case.objects.restrict),
        applied to the file's own agency (always its case's) and its case's unit through the join.
        Not as `case IN (the cases in reach)`, which SQLite lists first, every case of the scope,
        to pick out the few files waiting for binding."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.agency_id is None:
            return self.none()
        files = self.filter(agency_id=user.agency_id)
        if user.sees_whole_agency:
            return files
        return files.filter(case__unit_id__in=units_of(user))


class CaseFile(models.Model):
    """案卷 — the records of one closed case put in order: cover (案卷封面), index of contents
    (卷内目录) and reference sheet (备考表).

    Assembled by the case's officers, possibly again while the archivist has not bound it;
    once bound (装订) it is frozen: the database refuses any change of a bound row, and its
    contents (each item's hash) are recorded in the ledger by the binding event.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="case_file")
    # 档号: 全宗号-年度-保管期限-件号 (see lawtrail/packagecheck/archive_no.py), gap-free per agency and year.
    archive_no = models.CharField("档号", max_length=40)
    fonds = models.CharField("全宗号", max_length=8)
    year = models.IntegerField("年度")
    seq = models.IntegerField("件号")
    retention = models.CharField("保管期限", max_length=8, choices=Retention.choices)
    title = models.CharField("案卷题名", max_length=300)
    status = models.CharField("状态", max_length=16, choices=CaseFileStatus.choices, default=CaseFileStatus.ASSEMBLED)
    cover = models.JSONField("案卷封面", default=dict)
    items = models.JSONField("卷内目录", default=list)
    notes = models.TextField("备考表说明", blank=True)
    page_count = models.IntegerField("页数", default=0)
    document_count = models.IntegerField("文书件数", default=0)
    media_count = models.IntegerField("音像资料件数", default=0)
    media_seconds = models.FloatField("音像资料总时长(秒)", default=0)
    assembled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assembled_by_name = models.CharField("立卷人", max_length=50)
    assembled_at = models.DateTimeField("立卷时间")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    checked_by_name = models.CharField("检查人", max_length=50, blank=True)
    bound_at = models.DateTimeField("装订归档时间", null=True, blank=True)
    pdf = models.BinaryField("案卷封面、卷内目录、备考表 PDF", null=True, blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    revision = models.PositiveIntegerField(default=0)

    objects = CaseFileQuerySet.as_manager()

    class Meta:
        verbose_name = "案卷"
        ordering = ["-assembled_at", "-id"]
        # The archivist's queue: the files of an agency waiting for binding, oldest first.
        indexes = [models.Index(fields=["agency", "status", "assembled_at"], name="casefile_agency_status")]
        constraints = [
            models.UniqueConstraint(fields=["agency", "archive_no"], name="casefile_unique_archive_no"),
            models.UniqueConstraint(fields=["agency", "year", "seq"], name="casefile_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"案卷 {self.archive_no}"

    @property
    def is_bound(self) -> bool:
        return self.status == CaseFileStatus.BOUND

    @property
    def media_items(self) -> list[dict[str, Any]]:
        return [i for i in self.items if i.get("kind") == "media"]

    @property
    def record_items(self) -> list[dict[str, Any]]:
        """The explanations filed with the case (附卷说明), printed when registered."""
        return [i for i in self.items if i.get("kind") == "record"]

    @property
    def record_pages(self) -> int:
        return sum(int(i.get("pages") or 0) for i in self.record_items)


class ArchiveCounter(models.Model):
    """档号件号计数器 — the last 件号 given per agency and year."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    year = models.IntegerField()
    last_seq = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="archive_counter_unique")]


class Fonds(models.Model):
    """全宗 — the agency's fonds number (全宗号) as its archives office assigned it."""

    agency = models.OneToOneField(Agency, on_delete=models.PROTECT, related_name="fonds")
    code = models.CharField("全宗号", max_length=8)

    class Meta:
        verbose_name = "全宗"

    def __str__(self) -> str:
        return self.code


class PackageExport(models.Model):
    """归档包导出记录 — one BagIt package written of a bound case file: who, when, what it holds."""

    case_file = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="exports")
    # Empty when exported at the server's console (`lawtrail package export` without --user).
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    exported_by_name = models.CharField(max_length=50)
    exported_at = models.DateTimeField()
    file_name = models.CharField(max_length=200)
    size = models.BigIntegerField()
    sha256 = models.CharField("归档包的 SHA-256", max_length=64)
    payload_oxum = models.CharField(max_length=40)
    checkpoint_size = models.BigIntegerField("签名树头条目数")

    class Meta:
        verbose_name = "归档包导出记录"
        ordering = ["-exported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name}"
