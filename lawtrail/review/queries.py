"""Reads of 案卷评查: what a user may see, the bound files to review, the inbox, the checklist with scores."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse

from lawtrail.accounts.models import User
from lawtrail.archive.choices import CaseFileStatus
from lawtrail.archive.models import CaseFile
from lawtrail.lib import inbox

from .actions import may_review
from .choices import ReviewStatus
from .models import CaseReview


def visible_reviews(user: User) -> QuerySet[CaseReview]:
    return CaseReview.objects.restrict(user).select_related("unit", "case")


def reviewable_files(user: User) -> QuerySet[CaseFile]:
    """待评查的案卷: the bound case files of the reviewer's agency, the least reviewed first."""
    if user.agency_id is None and not user.is_superuser:
        return CaseFile.objects.none()
    if not may_review(user, user.agency_id or 0):
        return CaseFile.objects.none()
    return (CaseFile.objects.restrict(user).filter(status=CaseFileStatus.BOUND)
            .select_related("case", "case__unit", "case__handler")
            .annotate(review_count=Count("reviews")).order_by("review_count", "-bound_at", "-pk"))


def rows(review: CaseReview) -> list[dict[str, Any]]:
    """The checklist with each item's score and comment (None before it is scored)."""
    scores = {s.item: s for s in review.scores.all()}
    out = []
    for item in review.checklist:
        s = scores.get(item["id"])
        out.append({**item, "score": s.score if s else None, "comment": s.comment if s else "",
                    "scored": s is not None})
    return out


def inbox_to_reply(user: User) -> list[inbox.Item]:
    """评查待我答复: the submitted reviews of the cases this officer handled."""
    qs = CaseReview.objects.filter(handler=user, status=ReviewStatus.SUBMITTED).order_by("submitted_at", "pk")
    return [inbox.Item(r.archive_no, f"{r.reviewer_name}评查,得分 {r.score}/{r.total_points}", "答复评查意见",
                       reverse("review_detail", args=[r.pk])) for r in qs[:inbox.LIMIT + 1]]


def inbox_to_finish(user: User) -> list[inbox.Item]:
    """待评查: this reviewer's reviews still being scored, and those the officer has replied to (to close)."""
    qs = CaseReview.objects.filter(reviewer=user, status__in=(ReviewStatus.DRAFT, ReviewStatus.REPLIED)) \
        .order_by("started_at", "pk")
    return [inbox.Item(r.archive_no, f"被评查人 {r.handler_name}",
                       "完成评分并提交" if r.status == ReviewStatus.DRAFT else "被评查人已答复,请办结",
                       reverse("review_detail", args=[r.pk])) for r in qs[:inbox.LIMIT + 1]]
