# mypy: disable-error-code="func-returns-value"
"""Defects of the exemplary case bundles, one per rule the engine checks: the bundle altered so
that exactly that rule fires. The rule tests (tests/test_compliance_rules.py) and the compliance
benchmark (bench/compliance.py) share them; nothing in the product calls them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from lawtrail.compliance import bundle as bundles
from lawtrail.compliance.samples import _document
from lawtrail.profiles.registry import Profile

Bundle = dict[str, Any]


def doc(b: Bundle, type_code: str) -> dict[str, Any]:
    return next(d for d in b["documents"] if d["type"] == type_code)


def service(b: Bundle, method: str) -> dict[str, Any]:
    return next(s for s in b["services"] if s["method"] == method)


def shift(value: str, **delta: float) -> str:
    moment = bundles.parse_time(value) + dt.timedelta(**delta)
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def late_filing_approval(hours: float) -> Callable[[Bundle, Profile], None]:
    def defect(b: Bundle, p: Profile) -> None:
        for a in b["approvals"]:
            if a["kind"].startswith("filing."):
                a["at"] = shift(b["case"]["registered_at"], hours=hours)
    return defect


def drop_av(b: Bundle, p: Profile, rule_id: str) -> None:
    rule = p.rule(rule_id)
    assert rule is not None
    for n, type_code in enumerate(rule.values["items"]):
        found = [d for d in b["documents"] if d["type"] == type_code]
        if not found:
            new = (_hearing(b, p, 90 + n) if type_code == "hearing_record"
                   else _document(p, 90 + n, type_code, {}, "2025-05-12T02:00:00Z"))
            b["documents"].append(new)
            found = [new]
        for d in found:
            d["media"] = []


def _hearing(b: Bundle, p: Profile, n: int) -> dict[str, Any]:
    """A hearing held as the texts ask, but for its footage: signed by all who took part, after its
    notice was served on the party, who signed the 送达回证 (the notice and its service are added to `b`)."""
    notice = _document(p, n + 100, "hearing_notice", {"hearing_at": "2025-05-12T02:00:00Z"}, "2025-05-05T02:00:00Z")
    receipt = _document(p, n + 200, "service_receipt", {"documents": [f"听证通知书 {notice['number']}"],
                                                        "recipient": "张三", "method": "直接送达"}, "2025-05-06T02:00:00Z")
    b["documents"] += [notice, receipt]
    b["services"].append({"id": f"service-{n}", "document": notice["name"], "method": "direct",
                          "served_at": "2025-05-06T02:00:00Z", "recipient": "张三", "note": "", "witnesses": [],
                          "media": [], "approval_document": None, "document_id": notice["id"],
                          "receipt_document": receipt["id"]})
    return _document(p, n, "hearing_record", {"host": "艾丽", "clerk": "安迪", "case_officers": "艾丽(LD001)、安迪(LD002)",
                                              "attendees": "张三", "started_at": "2025-05-12T02:00:00Z",
                                              "ended_at": "2025-05-12T03:00:00Z"}, "2025-05-12T03:00:00Z")


def _situation_unfilmed(b: Bundle, p: Profile, rule_id: str) -> None:
    """An unfilmed record of an act in a situation the rule names (易引起争议 …)."""
    rule = p.rule(rule_id)
    assert rule is not None
    type_code = (rule.values.get("situation_items") or ["site_inspection_record"])[0]
    new = _document(p, 95, type_code, {}, "2025-05-12T02:00:00Z")
    new["situations"] = [rule.values["situations"][0]]
    b["documents"].append(new)


def _signed_by(d: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """`d` with its participants' signatures those of `names` (logged-in participants sign)."""
    d["signatures"] = [s for s in d["signatures"] if s["role"] != "participant"] + [
        {"slot": "attendees", "role": "participant", "kind": "signed", "name": n, "at": d["created_at"]} for n in names]
    return d


def remove(b: Bundle, type_code: str) -> None:
    b["documents"] = [d for d in b["documents"] if d["type"] != type_code]


DEFECTS: dict[str, Callable[[Bundle, Profile], object]] = {
    "emergency_start": late_filing_approval(50),
    "filing_approval": lambda b, p: (b["case"].update(emergency=False),
                                     b.__setitem__("approvals", [a for a in b["approvals"]
                                                                 if a["kind"] != "filing.head"])),
    "legal_review": lambda b, p: b.__setitem__("approvals", [a for a in b["approvals"]
                                                              if a["kind"] != "decision.legal_review"]),
    "head_decision": lambda b, p: b.__setitem__("approvals", [a for a in b["approvals"]
                                                               if a["kind"] != "decision.head"]),
    "complaint_register": lambda b, p: b["complaint"].update(status="pending", decided_at=None),
    "complaint_rejection_notice": lambda b, p: b["complaint"].update(status="not_accepted", decision_reason=""),
    "intake_receipt": lambda b, p: b["complaint"].update(receipt_no="", receipt_issued_at=None),
    "oral_application_record": lambda b, p: b["complaint"].update(channel="oral", oral_record=""),
    "online_application_capture": lambda b, p: b["complaint"].update(channel="online", online_captures=[]),
    "investigation_officers": lambda b, p: (
        doc(b, "inquiry_record").update(officers=["officer-1"]),
        doc(b, "inquiry_record").__setitem__("signatures", [
            s for s in doc(b, "inquiry_record")["signatures"] if s["role"] != "officer" or s["name"] == "艾丽"])),
    "record_officers": lambda b, p: doc(b, "inquiry_record")["fields"].update(credentials_shown=""),
    "inquiry_fingerprint": lambda b, p: [s.update(fingerprint=False) for s in doc(b, "inquiry_record")["signatures"]],
    "rights_notice": lambda b, p: (remove(b, "rights_notice"),
                                   doc(b, "inquiry_record")["fields"].update(rights_told="")),
    "document_signatures": lambda b, p: doc(b, "inquiry_record").__setitem__("signatures", [
        s for s in doc(b, "inquiry_record")["signatures"] if s["role"] != "party"]),
    "signature_refusal": lambda b, p: [s.update(witnesses=[]) for s in doc(b, "performance_reminder")["signatures"]
                                       if s["kind"] == "refused"],
    "av_required": lambda b, p: drop_av(b, p, "av_required"),
    "av_required_seizure": lambda b, p: drop_av(b, p, "av_required_seizure"),
    "av_required_enforcement": lambda b, p: drop_av(b, p, "av_required_enforcement"),
    "av_forbidden": lambda b, p: doc(b, "inquiry_record").update(situations=["涉及秘密或个人隐私未经当事人同意"]),
    "av_manner": lambda b, p: doc(b, "site_inspection_record")["fields"].update(av_manner=["全程不间断录制"]),
    "av_focus": lambda b, p: doc(b, "site_inspection_record")["fields"].update(av_focus=["执法现场环境"]),
    "av_required_situations": lambda b, p: _situation_unfilmed(b, p, "av_required_situations"),
    "av_time_match": lambda b, p: doc(b, "inquiry_record")["fields"].update(
        started_at=shift(doc(b, "inquiry_record")["fields"]["started_at"], minutes=30)),
    # The record says the inquiry began half an hour before the footage did.
    "av_whole_activity": lambda b, p: doc(b, "inquiry_record")["fields"].update(
        started_at=shift(doc(b, "inquiry_record")["fields"]["started_at"], minutes=-30)),
    # A refusal recorded, but nobody signed it.
    "investigation_refusal": lambda b, p: b["documents"].append(
        dict(_document(p, 95, "refusal_record", {}, "2025-05-12T02:00:00Z"), signatures=[])),
    # The decision served by e-mail.
    "electronic_service_excluded": lambda b, p: service(b, "electronic").update(
        document_id=doc(b, "penalty_decision")["id"], document=doc(b, "penalty_decision")["name"]),
    # The direct service names no 送达回证.
    "service_receipt_signed": lambda b, p: service(b, "direct").update(receipt_document=None),
    # Served through someone entrusted, with no word of why.
    "entrusted_service": lambda b, p: service(b, "direct").update(method="entrusted", note="受送达人外出,委托转交"),
    "evidence_no_alteration": lambda b, p: b["media"][0].update(fixity_ok=False),
    "evidence_uninterrupted": lambda b, p: b["interruptions"][0].update(status="open", explanation=""),
    "evidence_storage": lambda b, p: b["media"][2]["labels"].update(case_number=""),
    "recording_stop_report": lambda b, p: b["recording_stops"][0].update(explanation=""),
    "evidence_naming": lambda b, p: b["media"][2].update(labelled_at=None, catalogued_at=None, title=""),
    "decision_contents": lambda b, p: doc(b, "penalty_decision")["fields"].update(remedy=""),
    "lodged_service": lambda b, p: service(b, "lodged").update(witnesses=[]),
    # Lodged with the witnesses and the footage, but the receipt does not say why it was refused.
    "lodged_service_refusal": lambda b, p: service(b, "lodged").pop("refusal"),
    "lodged_service_av": lambda b, p: service(b, "lodged").update(media=[], note=""),
    "mail_service": lambda b, p: service(b, "mail").pop("receipt"),
    "electronic_service": lambda b, p: service(b, "electronic").pop("record"),
    "public_service": lambda b, p: service(b, "public").update(approval_document=None, attempts="", media=[],
                                                               record=""),
    "reminder_before_enforcement": lambda b, p: remove(b, "performance_reminder"),
    # The decision served an hour before it was issued.
    "decision_before_service": lambda b, p: service(b, "direct").update(
        served_at=shift(doc(b, "penalty_decision")["issued_at"], hours=-1)),
    "service_before_enforcement": lambda b, p: b.__setitem__("services", []),
    "case_file": lambda b, p: b.update(case_file=None),
    # Closed a week after the decision, the file assembled 35 days after it (28 after closing).
    "case_file_after_decision": lambda b, p: (
        b["case"].update(closed_at=shift(doc(b, "penalty_decision")["issued_at"], hours=24 * 7)),
        b["case_file"].update(assembled_at=shift(doc(b, "penalty_decision")["issued_at"], hours=24 * 35))),
    # No check of the party's 履行情况 was recorded after the decision.
    "follow_up_checks": lambda b, p: b.__setitem__("follow_ups", [f for f in b["follow_ups"]
                                                                  if f["kind"] != "performance"]),
    # The court's enforcement result was never recorded.
    "court_enforcement_record": lambda b, p: b.__setitem__("follow_ups", [f for f in b["follow_ups"]
                                                                          if f["kind"] != "court_result"]),
    # A 证据登记保存清单 that does not say why the evidence was kept.
    "preservation_record": lambda b, p: b["documents"].append(
        _document(p, 95, "evidence_preservation_list", {"reason": ""}, "2025-03-05T02:00:00Z")),
    # A 行政强制措施现场笔录 with no 查封(扣押)决定书.
    "coercive_measure_documents": lambda b, p: b["documents"].append(
        _document(p, 95, "coercive_measure_record", {}, "2025-03-05T02:00:00Z", media=["media-3"])),
    # A hearing held without a 听证通知书 served on the party.
    "hearing_notice_receipt": lambda b, p: b["documents"].append(
        dict(_document(p, 95, "hearing_record", {}, "2025-03-05T02:00:00Z"), av_exempt_reason="当事人不同意录像")),
    # The party's statements recorded, no review of them.
    "statement_review": lambda b, p: b["documents"].append(
        _document(p, 95, "statement_record", {}, "2025-03-05T02:00:00Z")),
    # A 听证笔录 that lists an agent who did not sign.
    "hearing_signatures": lambda b, p: b["documents"].append(dict(
        _document(p, 95, "hearing_record", {"host": "艾丽", "clerk": "安迪", "case_officers": "艾丽(LD001)、安迪(LD002)",
                                            "attendees": "张三(法定代表人)、李四(委托代理人)"},
                  "2025-03-05T02:00:00Z", media=["media-3"]), av_exempt_reason="当事人不同意录像")),
    # A 集体讨论记录 one of its listed participants did not sign.
    "discussion_signatures": lambda b, p: b["documents"].append(_signed_by(
        _document(p, 95, "collective_discussion_record", {"chair": "汉克", "attendees": "艾丽、安迪、莉娜"},
                  "2025-03-18T02:00:00Z"), ["汉克", "艾丽", "安迪"])),
    # A 证据清单 the party refused to sign (a refusal is no signature or seal).
    "evidence_list_signed": lambda b, p: b["documents"].append(
        _document(p, 95, "evidence_list", {}, "2025-03-05T02:00:00Z", refused_party=True)),
    # The decision went out without its 报批表.
    "approval_forms_drafted": lambda b, p: remove(b, "penalty_approval_form"),
    "simple_procedure": lambda b, p: b["case"].update(procedure="simple", simple_record={
        "facts_and_basis": "事实清楚", "steps": "当场处罚", "statement": "", "statement_review": "无", "filing": "已备案"}),
}
