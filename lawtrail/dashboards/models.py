"""The dashboards' stored counts."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Snapshot(models.Model):
    """数据看板统计快照 — the numbers of one dashboard scope (the agencies and units reached, the
    pickers, the period) as computed at `computed_at` (统计时间), so that a view reads one row
    instead of counting every case and finding of the scope.

    Derived data, like the compliance store's findings: computed from the cases, stored findings,
    deadlines, documents, footage and requests by `lawtrail.dashboards.snapshots.compute`, made
    on the first view of a scope and recomputed by the worker's periodic job; not a record of
    its own, so not ledger-tracked (dropping every row loses nothing but time).
    """

    key = models.CharField("范围摘要", max_length=64, unique=True)
    # Who asked last and what they picked: the job rebuilds the scope from them, through the
    # same checks a view makes.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    params = models.JSONField("选择")
    body = models.JSONField("统计结果")
    computed_at = models.DateTimeField("统计时间")
    asked_at = models.DateTimeField("最近查看时间")

    class Meta:
        verbose_name = "数据看板统计快照"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.key[:12]} @ {self.computed_at:%Y-%m-%d %H:%M}"
