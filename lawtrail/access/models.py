"""Access to records: requests to use or copy them (调用单), the grants they become, shares with
courts and procuratorates, and confidentiality markings.

Nothing here holds a record's bytes: the vault and the documents keep the originals; these
rows say who may see or copy which of them, until when, and on whose approval. What was
actually viewed, downloaded or copied is in the domain events (the access register).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from lawtrail.accounts.models import Agency
from lawtrail.cases.models import Case
from lawtrail.documents.models import Document
from lawtrail.evidence.models import Evidence

from .choices import RequesterKind, RequestStatus, Secrecy

if TYPE_CHECKING:
    import datetime as dt

    from lawtrail.accounts.models import User


class AccessRequestQuerySet(models.QuerySet["AccessRequest"]):
    def restrict(self, user: User, action: str = "view") -> AccessRequestQuerySet:
        """A request is seen by whoever asked, whoever it is for, and the agency's leaders and archivists."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        mine = Q(created_by=user) | Q(requester=user)
        if user.agency_id is None:
            return self.filter(mine)
        from lawtrail.accounts.choices import Role

        if user.has_agency_role(Role.HEAD) or user.has_agency_role(Role.ARCHIVIST) or \
                user.has_agency_role(Role.SUPERVISOR):
            return self.filter(mine | Q(agency_id=user.agency_id))
        led = [g.unit_id for g in user.grants if g.role == Role.HEAD and g.unit_id]
        return self.filter(mine | Q(agency_id=user.agency_id, case__unit_id__in=led))


class AccessRequest(models.Model):
    """行政执法全过程记录资料调用单 — a request to view or copy records of a case, and, once
    approved, the grant (调用授权) it gives: a scope, a purpose, an expiry, revocable.

    Who approves depends on who asks (the agency's profile names the leader: access_internal,
    access_external, access_party_copy); the rule's article is frozen here at the decision.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    number = models.CharField("调用单编号", max_length=100, blank=True)
    number_year = models.IntegerField(null=True, blank=True)
    number_seq = models.IntegerField(null=True, blank=True)
    kind = models.CharField("调用类型", max_length=16, choices=RequesterKind.choices)
    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="access_requests")
    # Scope: the whole case (its documents and AV records), or the items chosen.
    whole_case = models.BooleanField("全案资料", default=False)
    documents = models.ManyToManyField(Document, blank=True, related_name="+", verbose_name="执法文书")
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="+", verbose_name="音像资料")
    # Marked records are left out unless the approval names their marking here.
    clearances = models.JSONField("涉密资料范围", default=list, blank=True)
    purpose = models.TextField("调用事由")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="access_requests", verbose_name="调用人(账号)")
    requester_name = models.CharField("调用人", max_length=100)
    requester_unit = models.CharField("调用人单位", max_length=200, blank=True)
    copier_name = models.CharField("复制人", max_length=100, blank=True)
    expires_at = models.DateTimeField("有效期至")

    status = models.CharField("状态", max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("申请时间")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    approver_name = models.CharField("审批人", max_length=100, blank=True)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    opinion = models.TextField("审批意见", blank=True)
    rule_article = models.CharField("依据条款", max_length=100, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    revoke_reason = models.TextField("撤销理由", blank=True)

    objects = AccessRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "调用单"
        ordering = ["-created_at", "-id"]
        # The list's order within an agency.
        indexes = [models.Index(fields=["agency", "-created_at", "-id"], name="access_request_agency_created")]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number_year", "number_seq"],
                                    condition=Q(number_seq__isnull=False), name="access_request_unique_number"),
        ]

    def __str__(self) -> str:
        return f"调用单 {self.label}"

    @property
    def label(self) -> str:
        return self.number or f"#{self.pk}"

    def valid_at(self, moment: dt.datetime) -> bool:
        """An approved, unrevoked request before its expiry is a grant in force."""
        return self.status == RequestStatus.APPROVED and self.revoked_at is None and moment < self.expires_at

    def covers(self, kind: str, obj_id: int) -> bool:
        if kind == "case":
            return self.whole_case and self.case_id == obj_id
        if kind == "document":
            if self.whole_case:
                return Document.objects.filter(pk=obj_id, case_id=self.case_id).exists()
            return self.documents.filter(pk=obj_id).exists()
        if kind == "evidence":
            if self.whole_case:
                return Evidence.objects.filter(pk=obj_id, case_id=self.case_id).exists()
            return self.evidence.filter(pk=obj_id).exists()
        return False

    def scope_documents(self) -> models.QuerySet[Document]:
        if self.whole_case:
            return Document.objects.filter(case_id=self.case_id, status="issued")
        return self.documents.all()

    def scope_evidence(self) -> models.QuerySet[Evidence]:
        if self.whole_case:
            return Evidence.objects.filter(case_id=self.case_id).select_related("stored")
        return self.evidence.select_related("stored")


class AccessRequestCounter(models.Model):
    """调用单编号计数器 — the last number given per agency and year."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    year = models.IntegerField()
    last_seq = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="access_counter_unique")]


class ConfidentialityMark(models.Model):
    """保密标记 — a case, document or AV record marked as holding 国家秘密, 商业秘密 or 个人隐私.

    A mark on a case covers its documents and AV records. A mark is lifted, never deleted:
    the row keeps who marked and who lifted it.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    level = models.CharField("密级/类别", max_length=16, choices=Secrecy.choices)
    reason = models.TextField("标记理由")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField("标记时间")
    active = models.BooleanField("有效", default=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    lifted_at = models.DateTimeField("解除时间", null=True, blank=True)
    lift_reason = models.TextField("解除理由", blank=True)

    class Meta:
        verbose_name = "保密标记"
        ordering = ["-marked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(case__isnull=False, document__isnull=True, evidence__isnull=True)
                           | Q(case__isnull=True, document__isnull=False, evidence__isnull=True)
                           | Q(case__isnull=True, document__isnull=True, evidence__isnull=False)),
                name="mark_exactly_one_record"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.target_label}"

    @property
    def target_label(self) -> str:
        target = self.case or self.document or self.evidence
        return str(target)


class Share(models.Model):
    """共享链接 — chosen records of an approved outside request, handed to a court or procuratorate
    through an unguessable link that needs no login, until it expires or is revoked.

    Only the SHA-256 of the token is stored; the link is shown once, when it is made.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    request = models.ForeignKey(AccessRequest, on_delete=models.PROTECT, related_name="shares",
                                verbose_name="调用单")
    token_digest = models.CharField(max_length=64, unique=True)
    recipient = models.CharField("接收单位", max_length=200)
    documents = models.ManyToManyField(Document, blank=True, related_name="+")
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="+")
    expires_at = models.DateTimeField("有效期至")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = "共享链接"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"共享 {self.recipient} ({self.request.label})"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def open_at(self, moment: dt.datetime) -> bool:
        return self.revoked_at is None and moment < self.expires_at and self.request.valid_at(moment)
