"""What the compliance engine tells the case workflow (registered in ComplianceConfig.ready()).

- Each move is refused while a blocking finding names it (a rule's `blocks`).
- Closing (结案), binding the case file and archiving run every blocking rule of the profile,
  whatever moves the rule names: a case does not close or go to the archive with a record the
  regulation requires still missing. A simple-procedure case is created closed, so for it the
  gates of binding and archiving are where its findings block.
- The proofs of a service (付邮凭证和回执 …) are this app's rows, written with the service.
"""

from __future__ import annotations

from typing import Any

from lawtrail.accounts.models import User
from lawtrail.cases import hooks
from lawtrail.cases.models import Case, Service
from lawtrail.compliance.agency import patrol_findings
from lawtrail.compliance.engine import BLOCKING, Finding
from lawtrail.compliance.queries import case_findings
from lawtrail.lib.errors import InvalidInput

# The case page's step that fixes what a rule finds.
RULE_STEPS = {
    "filing_approval": "approval", "emergency_start": "approval", "legal_review": "approval",
    "head_decision": "approval", "decision_contents": "decision", "lodged_service": "service_proof",
    "lodged_service_av": "service_proof", "mail_service": "service_proof", "public_service": "service_proof",
    "electronic_service": "service_proof", "entrusted_service": "service_proof", "investigation_officers": "officers",
    "lodged_service_refusal": "service_proof",
}


def as_missing(finding: Finding) -> hooks.Missing:
    return hooks.Missing(message=finding.message, source=finding.cite, step=RULE_STEPS.get(finding.rule, "documents"),
                         detail={"rule": finding.rule, "subject": finding.subject})


def _gate(case: Case, gate: str) -> list[hooks.Missing]:
    findings = case_findings(case)
    if gate.startswith("move:"):
        to = gate.removeprefix("move:")
        return [as_missing(f) for f in findings if f.blocks_move(to)]
    if gate in (hooks.CLOSE, hooks.BIND, hooks.ARCHIVE):
        # Every blocking rule; one that blocks no move at all (its profile says `blocks: []`) stays a reminder.
        return [as_missing(f) for f in findings if f.severity == BLOCKING and f.blocks]
    return []


def _save_proofs(case: Case, *, actor: User, service: Service, proofs: dict[str, str], **_: Any) -> None:
    from lawtrail.compliance.models import ServiceProof

    if not proofs:
        return
    proof, _created = ServiceProof.objects.get_or_create(service=service)
    for key, text in proofs.items():
        setattr(proof, key, text)
    proof.save()


def _refuse_excluded_method(case: Case, *, actor: User, service: Service, **_: Any) -> None:
    """A decision document served by a method the profile excludes for it (the commission's 第十六条(四):
    通过传真、电子邮件等方式送达(行政执法决定文书除外)) is not served: the registration is refused,
    not only flagged afterwards by the electronic_service_excluded check."""
    from lawtrail.cases.workflow import profile_of
    from lawtrail.compliance.rules import METHOD_LABELS, excluded_service_methods
    from lawtrail.documents.models import Document

    profile = profile_of(case)
    rule = profile.rule("electronic_service_excluded")
    if rule is None:
        return
    methods, decisions = excluded_service_methods(rule)
    if service.method not in methods:
        return
    served = Document.objects.filter(pk=service.document_ref or 0, case=case).only("type_code").first()
    if served is not None and served.type_code in decisions:
        raise InvalidInput("decision_service_method_refused",
                           f"{service.document}是行政执法决定文书,不得以{METHOD_LABELS[service.method]}方式送达"
                           f"(依据{rule.law or '《' + profile.name + '》'}{rule.article}):请改用直接、留置、邮寄、委托或公告送达",
                           {"field": "method", "rule": rule.id})


def register() -> None:
    hooks.register_gate(_gate)
    hooks.register_producer(hooks.SERVICE_RECORDED, _refuse_excluded_method)
    hooks.register_producer(hooks.SERVICE_RECORDED, _save_proofs)
    hooks.register_producer(hooks.SERVICE_PROOF, _save_proofs)
    hooks.register_provider(hooks.FINDINGS, case_findings)
    hooks.register_provider(hooks.PATROL_FINDINGS, patrol_findings)
