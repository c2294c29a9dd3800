"""The demo carries issued documents: each step's own (立案审批表 with its opinion, the decision
documents with their 文号, 送达回证 signed by the recipient, 结案审批表), an inquiry record with its
times and two officers, and a complaint not accepted with its 不予受理决定书 — loaded once. Its
closed and archived cases hold their full document sets and pass the compliance checks. (The labour
agency's; the other agencies' demo cases are tested in test_demo_agencies.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lawtrail.accounts.models import Agency
from lawtrail.cases import hooks
from lawtrail.cases.models import Case
from lawtrail.compliance.engine import BLOCKING
from lawtrail.compliance.queries import case_findings
from lawtrail.demo import AGENCY_NAME, ensure_demo
from lawtrail.documents.acts import required_missing
from lawtrail.documents.models import Document, Signature
from lawtrail.testing.shared_demo import committed_demo

STEP_DOCUMENTS = {"filing_approval_form", "investigation_report", "penalty_approval_form", "rectification_order",
                  "penalty_decision", "service_receipt", "closing_approval_form", "complaint_register",
                  "correction_notice", "non_acceptance_decision", "on_the_spot_penalty_decision"}


# One worker takes the whole module, so the demo is loaded once (Makefile: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("labour_demo")


@pytest.fixture(scope="module", autouse=True)
def demo_loaded(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[bool]:
    """The labour agency's demo, loaded once for this module (each test's changes are rolled back)."""
    with committed_demo(django_db_blocker, tmp_path_factory.mktemp("demo-checkpoints"), ["labor-inspection"]) as loaded:
        yield loaded


def test_the_demo_has_issued_documents_and_loads_them_once(db: None, demo_loaded: bool) -> None:
    assert demo_loaded is True
    labour = Agency.objects.get(name=AGENCY_NAME)
    docs: dict[str, list[Document]] = {}
    for d in Document.objects.filter(agency=labour).order_by("pk"):
        docs.setdefault(d.type_code, []).append(d)
    # rights_notice: the archived case the demo adds (lawtrail.archive) carries one.
    assert set(docs) == STEP_DOCUMENTS | {"inquiry_record", "rights_notice"}
    # The order drafted on the case waiting for review is the one draft: it is issued once approved.
    drafts = [d for ds in docs.values() for d in ds if d.status == "draft"]
    assert [d.type_code for d in drafts] == ["rectification_order"]
    assert all(d.pdf_sha256 for ds in docs.values() for d in ds if d.status == "issued")
    [inquiry] = docs["inquiry_record"]
    assert inquiry.fields["started_at"] < inquiry.fields["ended_at"]
    officers = Signature.objects.filter(document=inquiry, slot="officers")
    assert sorted(s.cert_no for s in officers) == ["川劳监2026001", "川劳监2026002"]
    for receipt in docs["service_receipt"]:
        assert Signature.objects.filter(document=receipt, slot="recipient", kind="signed").exists()
        assert Signature.objects.filter(document=receipt, slot="server", cert_no="川劳监2026001").exists()
    for form in docs["filing_approval_form"]:
        assert Signature.objects.filter(document=form, kind="approval", approved=True, name="陈静").exists()
    [rejected] = docs["non_acceptance_decision"]
    assert rejected.case_id is None and rejected.complaint is not None
    assert rejected.complaint.status == "not_accepted" and rejected.fields["addressee"] == "周小川"
    assert rejected.number.startswith("名劳监不受〔") and rejected.number.endswith("〕1号")
    count = Document.objects.count()
    assert ensure_demo(profiles=["labor-inspection"]) is False and Document.objects.count() == count


def test_the_demos_closed_and_archived_cases_hold_their_documents_and_comply(db: None) -> None:
    finished = Case.objects.filter(stage__in=["closed", "archived"], procedure="general")
    assert finished.count() == 2
    for case in finished:
        assert required_missing(case, closing=True) == []
        assert [f for f in case_findings(case) if f.severity == BLOCKING] == []
        assert hooks.missing_for(case, hooks.ARCHIVE) == []


def test_演示的日常巡查制作并签发限期责令改正决定书_当事人签收(db: None) -> None:
    """劳动保障监察 第九条、第七条: the demo's patrol, which opened no case, ends in its own
    责令改正决定书, issued and signed for by the inspected unit; no patrol-document rule reports it."""
    from lawtrail.cases.models import Inspection
    from lawtrail.compliance.agency import patrol_findings

    patrol = Inspection.objects.get(outcome="rectification")
    [order] = Document.objects.filter(inspection=patrol)
    assert (order.type_code, order.status, order.case_id) == ("rectification_order", "issued", None)
    assert [s.slot for s in order.signatures.all()] == ["recipient"]
    rules = {f.rule for f in patrol_findings([patrol])[patrol.pk]}
    assert not rules & {"patrol_outcome_documents", "patrol_signatures", "patrol_party_confirmation",
                        "patrol_document_times"}
