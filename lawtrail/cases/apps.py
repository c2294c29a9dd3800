from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "lawtrail.cases"
    label = "cases"
    verbose_name = "案件"

    def ready(self) -> None:
        from lawtrail.cases.models import (
            Approval,
            Case,
            CaseNumberCounter,
            CaseTransition,
            Complaint,
            FollowUp,
            Inspection,
            Party,
            Service,
        )
        from lawtrail.cases.summaries import SUMMARIES
        from lawtrail.events.models import register_summary
        from lawtrail.events.state import track

        # Domain records: each change is frozen into the event of the action that made it.
        track(Approval, Case, CaseNumberCounter, CaseTransition, Complaint, FollowUp, Inspection, Party, Service)
        for action, reader in SUMMARIES.items():
            register_summary(action, reader)

        # 我的待办: the opinions waiting for a leader (a case's deadlines are the compliance store's 期限预警).
        from lawtrail.cases import queries
        from lawtrail.lib import inbox

        inbox.register("case_approvals", "立案、处理决定审批", inbox.APPROVAL, queries.inbox_approvals, order=10)
