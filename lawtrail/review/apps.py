from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "lawtrail.review"
    label = "review"
    verbose_name = "案卷评查与考核"

    def ready(self) -> None:
        from lawtrail.events.state import track
        from lawtrail.lib.appendonly import register_guards
        from lawtrail.review.models import CaseReview, ReviewScore
        from lawtrail.review.sql import GUARDS

        # Domain records: each change is frozen into the event of the action that made it.
        track(CaseReview, ReviewScore)
        register_guards(*GUARDS)

        # 我的待办: the reviews waiting for the reviewed officer's reply, and the reviewer's own to finish.
        from lawtrail.lib import inbox
        from lawtrail.review import queries

        inbox.register("reviews_to_reply", "评查待我答复", inbox.FINDING, queries.inbox_to_reply, order=20)
        inbox.register("reviews_to_finish", "待评查", inbox.APPROVAL, queries.inbox_to_finish, order=90)
