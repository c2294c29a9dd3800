from django.db import models


class ReviewStatus(models.TextChoices):
    """The steps of one 评查: the reviewer scores (评分中) and submits (待答复); the reviewed officer
    answers (已答复); the reviewer closes it (已办结), after which nothing of it changes."""

    DRAFT = "draft", "评分中"
    SUBMITTED = "submitted", "待被评查人答复"
    REPLIED = "replied", "被评查人已答复"
    CLOSED = "closed", "已办结"


class ReplyKind(models.TextChoices):
    ACCEPTED = "accepted", "无异议"
    EXPLAINED = "explained", "有异议,作出说明"


# The steps each action may start from (compare-and-set on status).
OPEN = (ReviewStatus.DRAFT, ReviewStatus.SUBMITTED, ReviewStatus.REPLIED)
SCORED = (ReviewStatus.SUBMITTED, ReviewStatus.REPLIED, ReviewStatus.CLOSED)
