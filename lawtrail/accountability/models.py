from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from lawtrail.accountability.choices import AccountabilitySource
from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Agency, Unit
from lawtrail.cases.models import Case

if TYPE_CHECKING:
    from lawtrail.accounts.models import User

# Who reads the agency's accountability records: those who decide or supervise them.
READERS = (Role.SUPERVISOR, Role.ADMIN)


class AccountabilityQuerySet(models.QuerySet):
    def restrict(self, user: User, action: str = "view") -> AccountabilityQuerySet:
        """Supervisors and administrators see the agency's records, a head those of the units they
        lead (or all, as the agency's head), an officer only their own."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.agency_id is None:
            return self.none()
        qs = self.filter(agency_id=user.agency_id)
        grants = list(user.grants)
        if any(g.role in READERS for g in grants) or any(g.role == Role.HEAD and g.unit_id is None for g in grants):
            return qs
        led = {g.unit_id for g in grants if g.role == Role.HEAD and g.unit_id}
        return qs.filter(Q(unit_id__in=led) | Q(officer=user))


class AccountabilityRecord(models.Model):
    """责任追究记录 — a violation of the 全过程记录 rules (a record not made or not made as required,
    one altered, leaked or lost…) found by a compliance check or by supervision, the officer held
    responsible, the article applied and the 情形 it names, what was found (认定), and the outcome
    the text provides (责令改正, 通报批评, 责令限期整改 …), decided by whom and when.

    Names, certificate numbers and the article's words are frozen as they were: the record stays
    true when the officer moves or the profile changes."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    # The officer's unit when the record was made: the unit's head reads it.
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, verbose_name="所涉案件", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="accountability_records")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任人", on_delete=models.PROTECT,
                                related_name="accountability_records")
    officer_name = models.CharField("责任人姓名", max_length=50)
    officer_cert_no = models.CharField("执法证号", max_length=50, blank=True)
    source_text = models.CharField("依据的规定", max_length=200)
    article = models.CharField("条款", max_length=20)
    situation = models.CharField("情形", max_length=200)
    finding = models.TextField("认定的事实")
    # The compliance rule whose finding this came from (its id and Chinese name), when it did.
    rule = models.CharField(max_length=64, blank=True)
    rule_label = models.CharField("检查项", max_length=100, blank=True)
    source = models.CharField("发现途径", max_length=16, choices=AccountabilitySource.choices)
    outcome = models.CharField("处理结果", max_length=50)
    outcome_note = models.TextField("处理说明", blank=True)
    decided_by_name = models.CharField("决定人(机关)", max_length=100)
    decided_on = models.DateField("决定日期")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by_name = models.CharField(max_length=50)
    recorded_at = models.DateTimeField()

    objects = AccountabilityQuerySet.as_manager()

    class Meta:
        verbose_name = "责任追究记录"
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.officer_name} {self.outcome} {self.decided_on:%Y-%m-%d}"
