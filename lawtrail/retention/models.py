"""Retention and disposal (保存期限与销毁): how long each record is kept and why, and the records of
destruction.

A record's retention is computed from the agency's profile (never from code) and kept here as
a floor: recomputing may only extend it (lawtrail/retention/policy.py). Long-term flags and
legal holds are rows of their own, so each record can say why it is still kept. Destruction
goes through a request, a head's approval and an execution that leaves a disposal record; the
record and the per-object marks are append-only (database triggers refuse UPDATE and DELETE).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from lawtrail.accounts.models import Agency, Unit
from lawtrail.cases.models import Case, RestrictedQuerySet
from lawtrail.documents.models import Document
from lawtrail.evidence.models import Evidence, StoredObject
from lawtrail.retention.choices import (
    DisposalStatus,
    IncidentKind,
    KeptKind,
    RecordKind,
    TriggerKind,
)

if TYPE_CHECKING:
    from lawtrail.accounts.models import User


class AgencyQuerySet(RestrictedQuerySet):
    """Rows that belong to the agency as a whole: visible to those who see the whole agency."""

    def restrict(self, user: User, action: str = "view") -> RestrictedQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.agency_id is None or not user.sees_whole_agency:
            return self.none()
        return self.filter(agency_id=user.agency_id)


class RetentionState(models.Model):
    """保存期限 — the retention a record has been given so far (a floor: only ever extended).

    Exactly one of evidence, document or case is set.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    record_kind = models.CharField("记录类型", max_length=16, choices=RecordKind.choices)
    evidence = models.OneToOneField(Evidence, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="retention_state")
    document = models.OneToOneField(Document, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="retention_state")
    case = models.OneToOneField(Case, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="retention_state")
    record_class = models.CharField("保存类别", max_length=32)
    kind = models.CharField("期限类型", max_length=16, choices=KeptKind.choices)
    until = models.DateField("保存期限至", null=True, blank=True)
    basis = models.CharField("依据", max_length=500)
    rule_id = models.CharField(max_length=64, blank=True)
    article = models.CharField(max_length=32, blank=True)
    quote = models.TextField(blank=True)
    computed_at = models.DateTimeField()
    extended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "保存期限"
        constraints = [
            models.CheckConstraint(
                condition=(Q(evidence__isnull=False, document__isnull=True, case__isnull=True)
                           | Q(evidence__isnull=True, document__isnull=False, case__isnull=True)
                           | Q(evidence__isnull=True, document__isnull=True, case__isnull=False)),
                name="retention_state_one_record"),
        ]

    def __str__(self) -> str:
        return f"{self.get_record_kind_display()} {self.basis}"


class LongTermFlag(models.Model):
    """长期保存情形 — one of the profile's long-term triggers applies to a case (all its records) or a record.

    Set by hand (a leader, with a reason) or by a case event (an issued 查封(扣押)决定书, a recorded
    objection). Never removed: a retention is never shortened automatically.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="long_term_flags")
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="long_term_flags")
    kind = models.CharField("情形", max_length=32, choices=TriggerKind.choices)
    # The regulation's words, frozen: the item (一)(二)… and its text, the article and the sentence.
    item = models.CharField(max_length=16, blank=True)
    text = models.CharField(max_length=200)
    article = models.CharField(max_length=32)
    quote = models.TextField()
    reason = models.TextField("说明")
    source = models.CharField("来源", max_length=16)  # manual | incident | document
    source_ref = models.CharField("来源记录", max_length=200, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    set_by_name = models.CharField(max_length=50, blank=True)
    set_at = models.DateTimeField()

    class Meta:
        verbose_name = "长期保存情形"
        ordering = ["set_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(case__isnull=False) | Q(evidence__isnull=False),
                                   name="long_term_flag_target"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}({self.article}{self.item})"


class CaseIncident(models.Model):
    """执法异议与阻碍情况登记 — an objection/complaint about the enforcement, obstruction, a group incident."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField("情况", max_length=32, choices=IncidentKind.choices)
    description = models.TextField("经过")
    occurred_on = models.DateField("发生日期")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "执法异议与阻碍情况"
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on:%Y-%m-%d}"


class LegalHold(models.Model):
    """冻结(暂停销毁) — a record or a whole case that must not be destroyed whatever its retention says."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="legal_holds")
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="legal_holds")
    reason = models.TextField("冻结理由")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_by_name = models.CharField(max_length=50)
    set_at = models.DateTimeField()
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    released_by_name = models.CharField(max_length=50, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField("解除理由", blank=True)

    class Meta:
        verbose_name = "冻结"
        ordering = ["-set_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(case__isnull=False) | Q(evidence__isnull=False),
                                   name="legal_hold_target"),
        ]

    def __str__(self) -> str:
        return f"冻结 #{self.pk}"

    @property
    def active(self) -> bool:
        return self.released_at is None


class DisposalRequest(models.Model):
    """销毁申请 — the records someone proposes to destroy, waiting for the head's approval."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    status = models.CharField("状态", max_length=16, choices=DisposalStatus.choices,
                              default=DisposalStatus.REQUESTED)
    reason = models.TextField("申请理由")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_by_name = models.CharField(max_length=50)
    requested_at = models.DateTimeField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_by_name = models.CharField(max_length=50, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    opinion = models.TextField("审批意见", blank=True)
    executed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    executed_at = models.DateTimeField(null=True, blank=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = "销毁申请"
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"销毁申请第 {self.pk} 号"


class DisposalItem(models.Model):
    """销毁申请所列记录 — one record on a request, with the facts it was listed with."""

    request = models.ForeignKey(DisposalRequest, on_delete=models.PROTECT, related_name="items")
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    until = models.DateField(null=True, blank=True)
    basis = models.CharField(max_length=500)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["request", "evidence"], name="disposal_item_unique")]


class DisposalRecord(models.Model):
    """销毁记录 — who requested, approved and executed a destruction, when, what and on which basis.

    Kept for ever: append-only (database triggers refuse UPDATE and DELETE).
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    request = models.OneToOneField(DisposalRequest, on_delete=models.PROTECT, related_name="record")
    requested_by_name = models.CharField(max_length=50)
    requested_at = models.DateTimeField()
    approved_by_name = models.CharField(max_length=50)
    approved_at = models.DateTimeField()
    executed_by_name = models.CharField(max_length=50)
    executed_at = models.DateTimeField()
    reason = models.TextField()
    opinion = models.TextField(blank=True)
    # [{evidence_id, name, class, case_number, sha256, sm3, size, object_key, until, basis, object_removed}]
    items = models.JSONField()
    # Listed but not destroyed, and why: [{evidence_id, name, code, message}]
    refused = models.JSONField(default=list)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = "销毁记录"
        ordering = ["-executed_at", "-id"]

    def __str__(self) -> str:
        return f"销毁记录第 {self.pk} 号"

    @property
    def total_bytes(self) -> int:
        return sum(int(i.get("size") or 0) for i in self.items)


class DisposedEvidence(models.Model):
    """已销毁的音像资料 — the mark that a record was destroyed (its row stays, so history stays readable).

    Append-only.
    """

    evidence = models.OneToOneField(Evidence, on_delete=models.PROTECT, related_name="disposal")
    record = models.ForeignKey(DisposalRecord, on_delete=models.PROTECT, related_name="disposed")
    disposed_at = models.DateTimeField()

    class Meta:
        verbose_name = "已销毁的音像资料"


class DisposedObject(models.Model):
    """已销毁的存储对象 — bytes removed from the store because no kept record referred to them.

    `lawtrail verify`, fixity, replication and restore read this to know which objects are
    expected to be absent. Append-only.
    """

    stored = models.OneToOneField(StoredObject, on_delete=models.PROTECT, related_name="disposal")
    key = models.CharField(max_length=200, unique=True)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    record = models.ForeignKey(DisposalRecord, on_delete=models.PROTECT, related_name="objects_removed")
    disposed_at = models.DateTimeField()

    class Meta:
        verbose_name = "已销毁的存储对象"
