"""The demo carries issued documents: a filing approval with its approval, an inquiry record with
its times and two officers, a service receipt refused before a witness, and a complaint not
accepted with its 不予受理决定书 — loaded once."""

from __future__ import annotations

from lawtrail.demo import ensure_demo
from lawtrail.documents.models import Document, Signature


def test_the_demo_has_issued_documents_and_loads_them_once(db: None) -> None:
    assert ensure_demo() is True
    docs = {d.type_code: d for d in Document.objects.all()}
    # rights_notice: the archived case the demo adds (lawtrail.archive) carries one.
    assert set(docs) == {"filing_approval_form", "inquiry_record", "service_receipt", "non_acceptance_decision",
                         "rights_notice"}
    assert all(d.status == "issued" and d.pdf_sha256 for d in docs.values())
    inquiry = docs["inquiry_record"]
    assert inquiry.fields["started_at"] < inquiry.fields["ended_at"]
    officers = Signature.objects.filter(document=inquiry, slot="officers")
    assert sorted(s.cert_no for s in officers) == ["川劳监2026001", "川劳监2026002"]
    [refusal] = Signature.objects.filter(document=docs["service_receipt"], kind="refused")
    assert refusal.name == "杨建国" and [w["name"] for w in refusal.witnesses] == ["王建华"]
    assert Signature.objects.filter(document=docs["filing_approval_form"], kind="approval", approved=True).exists()
    rejected = docs["non_acceptance_decision"]
    assert rejected.case_id is None and rejected.complaint is not None
    assert rejected.complaint.status == "not_accepted" and rejected.fields["addressee"] == "周小川"
    assert rejected.number.startswith("名劳监不受〔") and rejected.number.endswith("〕1号")
    assert ensure_demo() is False and Document.objects.count() == 5
