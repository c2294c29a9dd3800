"""案卷评查 — a reviewer's scoring of a bound case file against the profile's checklist, the
reviewed officer's reply, and its closing.

The commission's rules make 政策法规处 supervise the units' records (第三条) and count that check
in the 考核 (第二十三条); the work-safety rules put the records to use in 案卷评查 and 评议考核
(第二十五条). A review reads only a bound file (已装订归档): the file it scores no longer changes.
A closed review is immutable in the database itself (sql.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lawtrail.accounts.models import Agency, Unit
from lawtrail.archive.models import CaseFile
from lawtrail.cases.models import Case, RestrictedQuerySet

from .choices import ReplyKind, ReviewStatus


class CaseReviewQuerySet(RestrictedQuerySet):
    """A review is seen as its case is: by the case's unit and the agency-wide roles."""


class CaseReview(models.Model):
    """案卷评查 — one review of one bound case file by one reviewer. The checklist it was scored
    against is frozen in it (`checklist`: each item's id, text, points and basis), as are the names
    of the moment, so the record stays true when the profile or the people change."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    case_file = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="reviews")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reviews")
    # Copied from the case: the 考核 counts by unit and officer without joining cases.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name="被评查单位")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name="被评查人")
    handler_name = models.CharField("被评查人", max_length=50)
    archive_no = models.CharField("档号", max_length=40)
    case_number = models.CharField("案号", max_length=100, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="评查人")
    reviewer_name = models.CharField("评查人", max_length=50)
    profile_id = models.CharField("规范", max_length=64)
    basis = models.CharField("评查依据", max_length=200)
    checklist = models.JSONField("评查项目", default=list)
    total_points = models.PositiveIntegerField("满分")
    status = models.CharField("状态", max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    score = models.PositiveIntegerField("得分", null=True, blank=True)
    summary = models.TextField("评查意见", blank=True)
    started_at = models.DateTimeField("开始评查时间")
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reply_kind = models.CharField("答复", max_length=16, choices=ReplyKind.choices, blank=True)
    reply = models.TextField("答复说明", blank=True)
    replied_by_name = models.CharField("答复人", max_length=50, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    closing_note = models.TextField("办结意见", blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    objects = CaseReviewQuerySet.as_manager()

    class Meta:
        verbose_name = "案卷评查"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["agency", "status", "submitted_at"], name="review_scope")]

    def __str__(self) -> str:
        return f"案卷评查 {self.archive_no}"

    @property
    def is_closed(self) -> bool:
        return self.status == ReviewStatus.CLOSED

    @property
    def rate(self) -> float | None:
        """得分率: the score out of 100, whatever the checklist's full marks (an agency's adds items)."""
        if self.score is None or not self.total_points:
            return None
        return round(self.score * 100 / self.total_points, 1)


class ReviewScore(models.Model):
    """评查项目得分 — the reviewer's score of one checklist item, with the comment that says why."""

    review = models.ForeignKey(CaseReview, on_delete=models.PROTECT, related_name="scores")
    item = models.CharField("评查项目", max_length=64)
    score = models.PositiveIntegerField("得分")
    comment = models.TextField("评查意见", blank=True)
    scored_by_name = models.CharField("评分人", max_length=50)
    scored_at = models.DateTimeField("评分时间")

    class Meta:
        verbose_name = "评查项目得分"
        ordering = ["review_id", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "item"], name="review_one_score_per_item")]

    def __str__(self) -> str:
        # The item's id is the profile's key (English): a person reads the score, the item's text is
        # in the event's payload and on the review page.
        return f"{self.review} 评分 {self.score}"
