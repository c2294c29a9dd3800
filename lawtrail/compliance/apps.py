from django.apps import AppConfig


def _rule_labels() -> dict[str, str]:
    from lawtrail.compliance import rules  # noqa: F401 — the checks register their names on import
    from lawtrail.compliance.agency import AGENCY_RULES
    from lawtrail.compliance.engine import REGISTRY

    return {rule_id: spec.label for rule_id, spec in REGISTRY.items()} | AGENCY_RULES


class ComplianceConfig(AppConfig):
    name = "lawtrail.compliance"
    verbose_name = "合规检查"

    def ready(self) -> None:
        # The checks register themselves with the engine (its REGISTRY) as their module is imported.
        from lawtrail.compliance import gates, rules  # noqa: F401
        from lawtrail.compliance.models import LapseNote, ServiceProof
        from lawtrail.events.state import track
        from lawtrail.profiles.coverage import register_labels

        # Domain records: each change is frozen into the event of the action that made it.
        track(ServiceProof, LapseNote)
        # The article map (profiles) names checks by id; a person reads their Chinese names.
        register_labels(_rule_labels)
        # The profile's blocking rules gate the case's moves, its closing and its archiving (lawtrail/cases/hooks.py).
        gates.register()

        # 我的待办: the open blocking findings of the cases a person handles, and the deadlines near or
        # past of the cases they handle or answer for, read from the store (compliance.store).
        from lawtrail.compliance import queries
        from lawtrail.lib import inbox

        inbox.register("findings", "检查发现的问题", inbox.FINDING, queries.inbox_findings, order=10)
        inbox.register("deadline_warnings", "期限预警", inbox.DEADLINE, queries.inbox_deadlines, order=5)

        # The store follows the events: each committed event of a case queues its refresh.
        from lawtrail.compliance import incremental, store
        from lawtrail.events import recorder

        recorder.add_listener(incremental.on_event)
        # A deadline turning yellow or red is announced to its handler and leader (lawtrail.notices).
        from lawtrail.compliance.notify import announce_deadline

        store.on_deadline_transition(announce_deadline)
