from __future__ import annotations

from django.conf import settings
from django.db import models


class Outcome(models.TextChoices):
    DONE = "done", "完成"
    REFUSED = "refused", "拒绝"


class DomainEvent(models.Model):
    """领域事件 — one row for every action taken or refused, in one shape.

    Facts are frozen at the moment (actor's name, role and 执法证号, the object's
    representation), so an event stays true when users or objects change later. The
    tamper-evident ledger is built from these rows; nothing updates or deletes them.
    """

    # Indexed only for the reads that exist (a case's timeline, an object's history, an agency's
    # events): every index is written in every action's commit (see docs/ledger.md, "Cost").
    occurred_at = models.DateTimeField()
    action = models.CharField(max_length=64)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.DONE)
    reason_code = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)

    # Not indexed: nothing lists events by actor id (PROTECT's check on deleting a user scans).
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              db_index=False)
    actor_name = models.CharField(max_length=100, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=32, blank=True)
    actor_cert_no = models.CharField(max_length=64, blank=True)

    agency_id_frozen = models.BigIntegerField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255, blank=True)
    # The case this event belongs to, if any: the case timeline is a query on this column.
    case_id_frozen = models.BigIntegerField(null=True, blank=True, db_index=True)

    payload = models.JSONField(default=dict, blank=True)
    # The records the action left changed, frozen (lawtrail.events.state): [[label, pk, digest or
    # null when deleted], …] and, in the same order, their fields. The ledger entry freezes the
    # digests; `lawtrail verify` compares live rows with them and names a changed field from these.
    records = models.JSONField("记录状态", default=list, blank=True)
    record_fields = models.JSONField("记录字段", default=list, blank=True)

    client_ip = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    channel = models.CharField(max_length=16, blank=True)  # web, api, cli, job
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    @property
    def action_label(self) -> str:
        from lawtrail.events.types import EVENT_TYPES

        return EVENT_TYPES.get(self.action, self.action)

    @property
    def summary(self) -> str:
        """A one-line reading of the payload for people (the payload itself stays the record)."""
        from lawtrail.cases.choices import ApprovalKind, ServiceMethod, Stage

        p = self.payload or {}
        if self.action == "case.transition":
            text = f"{_label(Stage, p.get('from'))} → {_label(Stage, p.get('to'))}"
            return text + (f":{p['note']}" if p.get("note") else "")
        if self.action == "case.approve":
            verdict = "同意" if p.get("approved") else "不同意"
            return f"{_label(ApprovalKind, p.get('kind'))}:{verdict}。{p.get('opinion', '')}"
        if self.action == "case.file":
            return f"案号 {p.get('number', '')}" + ("(紧急先行启动)" if p.get("emergency") else "")
        if self.action == "case.record_service":
            return f"{p.get('document', '')} · {_label(ServiceMethod, p.get('method'))} · {p.get('recipient', '')}"
        if self.action == "case.record_decision":
            return str(p.get("text", ""))[:120]
        if self.action == "case.register":
            return f"{p.get('title', '')} · 当事人 {(p.get('party') or {}).get('name', '')}"
        if self.action == "case.not_filed":
            return str(p.get("opinion", ""))
        return ""


def _label(choices: type[models.TextChoices], value: object) -> str:
    try:
        return str(choices(str(value)).label)
    except ValueError:
        return str(value or "")
