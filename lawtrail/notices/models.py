from __future__ import annotations

from django.conf import settings
from django.db import models


class Notice(models.Model):
    """通知 — an in-app message to one person (a deadline turned near or overdue …), read on the 通知
    page. A message, not a record of the procedure: it records no domain event. `key` says what it
    announces, so one transition is announced once to each person however often it is computed.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    key = models.CharField("通知事由", max_length=200)
    level = models.CharField("级别", max_length=16, default="info")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("通知时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notice_inbox"),
                   # The 通知 page's order (tests/test_list_plans.py).
                   models.Index(fields=["recipient", "-created_at", "-id"], name="notice_list_order")]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="one_notice_per_key")]

    def __str__(self) -> str:
        return self.title
