from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
        """A one-line reading of the payload for people (the payload itself stays the record), by
        the app that owns the action (register_summary); empty when none says more."""
        reader = SUMMARIES.get(self.action)
        return reader(self.payload or {}) if reader is not None else ""


# How each action's payload reads in one line: filled by the app that owns the action
# (AppConfig.ready()), so this ground-floor app knows no stage, approval or service names.
SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {}


def register_summary(action: str, reader: Callable[[dict[str, Any]], str]) -> None:
    SUMMARIES[action] = reader
