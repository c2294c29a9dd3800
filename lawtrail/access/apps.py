from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "lawtrail.access"
    label = "access"
    verbose_name = "调用、复制与保密"

    def ready(self) -> None:
        from lawtrail.access.models import AccessRequest, AccessRequestCounter, ConfidentialityMark, Share
        from lawtrail.events.state import track

        # Domain records: each change is frozen into the event of the action that made it.
        track(AccessRequest, AccessRequestCounter, ConfidentialityMark, Share)

        # 我的待办: the 调用单 waiting for this leader's decision.
        from lawtrail.access import queries
        from lawtrail.lib import inbox

        inbox.register("access_approvals", "调用单审批", inbox.APPROVAL, queries.inbox_approvals, order=30)
