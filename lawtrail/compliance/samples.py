"""An exemplary case bundle per profile, built from the document catalogue and the profile.

The shipped examples (examples/<profile>.json) are this builder's output, written by
`python -m lawtrail.compliance.samples`; a test keeps the two equal. Tests derive every
defective variant from it, and the benchmark generates its 100,000 cases from it.

One case walked through every step the engine checks: an emergency start approved within a
day, an accepted complaint, an inquiry and a site inspection by two certified officers filmed
in two clips with an explained pause, a rights notice, a penalty decision with every item and its approval form,
service by every method with its proof, a performance check by its date, a reminder before
enforcement, the court's acceptance and result, a case file assembled within a week of closing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from typing import Any

from lawtrail.compliance.bundle import EXAMPLES_DIR, FORMAT, VERSION
from lawtrail.documents.catalogue import catalogue
from lawtrail.profiles.registry import Profile, load_profile

BEIJING = dt.timezone(dt.timedelta(hours=8))
PROFILE_IDS = ("agriculture", "commission-rules", "housing-construction", "labor-inspection", "safety-production")


def at(month: int, day: int, hour: int, minute: int = 0) -> str:
    """A Beijing wall-clock moment of 2025 as the bundle writes it (UTC, Z)."""
    moment = dt.datetime(2025, month, day, hour, minute, tzinfo=BEIJING).astimezone(dt.UTC)
    return moment.isoformat().replace("+00:00", "Z")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


OFFICERS: list[dict[str, Any]] = [
    {"id": "officer-1", "name": "艾丽", "username": "alice", "cert_no": "LD001",
     "cert_valid_from": "2024-01-01", "cert_valid_until": "2030-12-31"},
    {"id": "officer-2", "name": "安迪", "username": "andy", "cert_no": "LD002",
     "cert_valid_from": "2024-01-01", "cert_valid_until": "2030-12-31"},
    {"id": "officer-3", "name": "汉克", "username": "hank", "cert_no": "LD005",
     "cert_valid_from": "2024-01-01", "cert_valid_until": "2030-12-31"},
    {"id": "officer-4", "name": "莉娜", "username": "lena", "cert_no": None,
     "cert_valid_from": None, "cert_valid_until": None},
]
# The records' 执法人员及执法证号 line: names, numbers and each certificate's validity, as the
# commission's 第七条 asks the record itself to show them.
OFFICERS_LINE = "艾丽(LD001,有效期2024-01-01至2030-12-31)、安迪(LD002,有效期2024-01-01至2030-12-31)"
# The filmed records of the clean sample say how the footage was made and what it dwells on: every
# item any profile's av_manner / av_focus rule asks.
SHOT_AS_PRESCRIBED = {
    "av_manner": ["自到达现场开始录制", "拍摄场所门头或明显标志(无标志的拍摄周围标志性建筑并口述场所名称)", "全程不间断录制",
                  "开机时告知当事人全程录音录像"],
    "av_focus": ["执法现场环境", "当事人及现场人员的言行举止"],
}
WITNESSES = ["王五(居委会工作人员)", "赵六(物业管理人员)"]


def _sample(spec_type: str, key: str) -> Any:
    return {"datetime": at(3, 4, 9), "date": "2025-03-04", "integer": 15, "amount": "20000.00",
            "lines": [f"{key} 第一项", f"{key} 第二项"], "table": ["第一行|说明"]}.get(spec_type, f"{key}的内容")


def _document(profile: Profile, n: int, type_code: str, fields: dict[str, Any], moment: str,
              media: list[str] | None = None, refused_party: bool = False) -> dict[str, Any]:
    from lawtrail.documents.signing import slots_for

    spec = catalogue()[type_code]
    values: dict[str, Any] = {}
    for f in spec.fields:
        if f.required:
            values[f.key] = _sample(f.type, f.key)
    values.update(fields)
    signatures: list[dict[str, Any]] = []
    for slot in slots_for(spec, profile):
        if slot.role == "officer":
            for o in OFFICERS[:max(slot.min, 2 if slot.key == "officers" else 1)]:
                signatures.append({"slot": slot.key, "role": "officer", "kind": "signed", "name": o["name"],
                                   "cert_no": o["cert_no"], "at": moment})
        elif slot.role == "approver":
            signatures.append({"slot": slot.key, "role": "approver", "kind": "approval", "name": "汉克",
                               "cert_no": "LD005", "at": moment, "approved": True, "opinion": "同意"})
        elif slot.role == "party" and refused_party:
            signatures.append({"slot": slot.key, "role": "party", "kind": "refused", "name": "张三", "at": moment,
                               "refusal_reason": "当事人拒绝签收", "witnesses": list(WITNESSES)})
        elif slot.min >= 1 or slot.role == "party":
            signatures.append({"slot": slot.key, "role": slot.role, "kind": "signed", "name": "张三", "at": moment,
                               "fingerprint": slot.fingerprint, "image_sha256": sha(f"hand-{n}-{slot.key}")})
    officers = sorted({s["name"] for s in signatures if s["role"] == "officer"})
    return {
        "id": f"doc-{n}", "type": type_code, "name": spec.name, "status": "issued", "version": 1,
        "number": f"示例〔2025〕{n}号" if spec.numbered else "", "fields": values,
        "created_at": moment, "issued_at": moment, "pdf_sha256": sha(f"pdf-{n}"),
        "signers": [{"slot": s.key, "role": s.role, "label": s.label, "min": s.min, "refusable": s.refusable}
                    for s in slots_for(spec, profile)],
        "signatures": signatures,
        "officers": [o["id"] for o in OFFICERS if o["name"] in officers],
        "media": media or [], "situations": [], "av_exempt_reason": "",
    }


def _media(n: int, start: str, end: str, kind: str = "video") -> dict[str, Any]:
    stored = (dt.datetime.fromisoformat(end.replace("Z", "+00:00")) + dt.timedelta(hours=2))
    labelled = stored + dt.timedelta(hours=1)
    z = lambda m: m.isoformat().replace("+00:00", "Z")  # noqa: E731
    return {
        "id": f"media-{n}", "sha256": sha(f"media-{n}"), "sm3": sha(f"sm3-{n}"), "size": 1_000_000 + n,
        "original_name": f"DSJ_20250304_{n:04d}.mp4", "class": "case", "kind": kind, "officer": "officer-1",
        "officer_name": "艾丽", "officer_cert_no": "LD001", "device": "DSJ-0001",
        "recorded_start": start, "recorded_end": end, "duration_seconds": 60.0, "ingested_at": z(stored),
        "labelled_at": z(labelled),
        "labels": {"case_number": "示劳监立〔2025〕第7号", "party": "某某建筑劳务有限公司", "handler": "艾丽"},
        # 返回单位 an hour after the recording ends; sorted and named with the labels.
        "returned_at": z(stored - dt.timedelta(hours=1)), "storage_delay_reason": "",
        "title": f"20250304 现场执法录像 {n}", "category": "inspection", "place": "某某建筑劳务有限公司施工现场",
        "description": "现场检查及询问过程", "catalogued_at": z(labelled),
    }


def exemplary(profile: Profile) -> dict[str, Any]:
    party: dict[str, str] = {"kind": "organisation", "name": "某某建筑劳务有限公司", "legal_representative": "张三",
             "address": "名山区某路1号"}
    filing = profile.rule("filing_approval")
    explanation = profile.rule("evidence_explanation")
    filing_kinds = ["filing." + k for k in (filing.values.get("approvers", ["head"]) if filing else ["head"])]
    approvals = [{"id": f"approval-{i + 1}", "kind": k, "approved": True, "opinion": "同意立案",
                  "by": "officer-3", "by_name": "汉克", "at": at(3, 3, 18 + i)} for i, k in enumerate(filing_kinds)]
    approvals += [
        {"id": "approval-8", "kind": "decision.legal_review", "approved": True, "opinion": "事实清楚,依据正确",
         "by": "officer-4", "by_name": "莉娜", "at": at(3, 18, 10)},
        {"id": "approval-9", "kind": "decision.head", "approved": True, "opinion": "同意", "by": "officer-3",
         "by_name": "汉克", "at": at(3, 19, 10)},
    ]
    steps = [("registered", "filed", at(3, 3, 9)), ("filed", "investigating", at(3, 3, 9, 30)),
             ("investigating", "reviewing", at(3, 10, 9)), ("reviewing", "serving", at(3, 20, 9)),
             ("serving", "closed", at(5, 20, 9)), ("closed", "archived", at(5, 28, 9))]
    transitions = [{"id": f"transition-{i + 1}", "from": a, "to": b, "by": "officer-1", "at": t, "note": ""}
                   for i, (a, b, t) in enumerate(steps)]
    media = [
        _media(1, at(3, 4, 9), at(3, 4, 9, 40)),
        _media(2, at(3, 4, 9, 42), at(3, 4, 10, 30)),
        _media(3, at(3, 4, 14), at(3, 4, 15)),
        _media(4, at(4, 25, 10), at(4, 25, 10, 20)),
        _media(5, at(4, 2, 10), at(4, 2, 10, 10)),
    ]
    docs = [
        _document(profile, 1, "inquiry_record", {
            "started_at": at(3, 4, 9, 2), "ended_at": at(3, 4, 10, 28), "place": "当事人办公室",
            "officers": OFFICERS_LINE, "officer_count": 2, "credentials_shown": "已向当事人出示执法证件",
            "rights_told": "已告知陈述、申辩、申请回避的权利", "transcript": "问:你单位是否拖欠工资?\n答:是。",
            **SHOT_AS_PRESCRIBED,
        }, at(3, 4, 10, 28), media=["media-1", "media-2"]),
        _document(profile, 2, "site_inspection_record", {
            "started_at": at(3, 4, 14, 1), "ended_at": at(3, 4, 14, 58), "place": "施工现场",
            "officers": OFFICERS_LINE, "officer_count": 2, "credentials_shown": "已出示执法证件",
            "av_recorded": "全程使用执法记录仪录像", **SHOT_AS_PRESCRIBED,
        }, at(3, 4, 14, 58), media=["media-3"]),
        _document(profile, 3, "rights_notice", {"rights": ["陈述权", "申辩权", "申请回避权", "听证权"],
                                                "how_told": "书面告知并当场宣读"},
                  at(3, 4, 10, 15), media=["media-2"]),
        _document(profile, 4, "penalty_decision", {
            "party_name": party["name"], "party_identifier": "91510100MA6123400A", "case_number": "示劳监立〔2025〕第7号",
            "facts": "拖欠12名劳动者工资共计8万元", "evidence": ["询问笔录", "工资表"],
            "circumstances": "无从重、从轻情形", "legal_basis": "《劳动保障监察条例》第二十六条",
            "decision": "责令限期支付拖欠工资并处罚款", "penalty_amount": "20000.00",
            "performance": "自收到本决定书之日起15日内", "remedy": "可在60日内申请行政复议或6个月内提起行政诉讼",
        }, at(3, 20, 10)),
        _document(profile, 5, "public_service_approval", {
            "documents": ["行政处罚决定书"], "attempts": "直接送达、邮寄送达均未成功", "medium": "本机关网站及公告栏",
            "handler_opinion": "拟公告送达"}, at(4, 1, 10)),
        _document(profile, 6, "performance_reminder", {"decision_ref": "示例〔2025〕4号", "decided_on": "2025-03-20",
                                                      "deadline_on": "2025-05-05"},
                  at(4, 25, 10, 5), media=["media-4"], refused_party=True),
        _document(profile, 7, "enforcement_application", {}, at(5, 10, 10)),
        _document(profile, 8, "service_receipt", {"documents": ["行政处罚决定书 示例〔2025〕4号"], "recipient": "张三",
                                                  "served_at": at(3, 21, 10), "method": "直接送达"}, at(3, 21, 10)),
        # 行政处罚(处理)报批表, made with the decision it carries (第二十条 of the labour rules).
        _document(profile, 9, "penalty_approval_form", {
            "handler": "艾丽", "reviewer": "莉娜", "facts": "拖欠12名劳动者工资共计8万元", "evidence": ["询问笔录", "工资表"],
            "statement_review": "本案未记录当事人的陈述、申辩", "legal_basis": "《劳动保障监察条例》第二十六条",
            "proposal": "责令限期支付拖欠工资并处罚款(罚款人民币20000.00元)"}, at(3, 19, 10)),
    ]
    services = [
        {"id": "service-1", "document": "行政处罚决定书", "method": "direct", "served_at": at(3, 21, 10),
         "recipient": "张三", "note": "", "witnesses": [], "media": [], "approval_document": None,
         "document_id": "doc-4", "receipt_document": "doc-8"},
        {"id": "service-2", "document": "陈述申辩复核意见书", "method": "mail", "served_at": at(3, 25, 10),
         "recipient": "张三", "note": "EMS 挂号", "witnesses": [], "media": [], "receipt": "EMS1234567890CN 付邮凭证及签收回执",
         "approval_document": None},
        {"id": "service-3", "document": "听证告知书", "method": "electronic", "served_at": at(3, 26, 10),
         "recipient": "张三", "note": "电子邮件", "witnesses": [], "media": [], "record": "电子邮件发送截图",
         "approval_document": None},
        {"id": "service-4", "document": "行政处罚决定书(公告)", "method": "public", "served_at": at(4, 2, 10),
         "recipient": "某某建筑劳务有限公司", "note": "公告30日", "witnesses": [], "media": ["media-5"],
         "attempts": "直接送达、邮寄送达均未成功", "record": "公告截图及现场张贴照片", "approval_document": "doc-5"},
        {"id": "service-5", "document": "履行行政处罚(处理)决定催告书", "method": "lodged", "served_at": at(4, 25, 10, 5),
         "recipient": "张三", "note": "当事人拒收,已留置于其住所", "witnesses": list(WITNESSES), "media": ["media-4"],
         "refusal": "当事人称对决定有异议,拒绝签收", "approval_document": None},
    ]
    return {
        "format": FORMAT, "version": VERSION, "exported_at": at(6, 1, 9),
        "agency": {"name": "示例执法机关", "profile": profile.id},
        "case": {
            "id": "case-1", "number": "示劳监立〔2025〕第7号", "procedure": "general", "title": "拖欠劳动者工资",
            "source": "complaint", "source_note": "", "facts": "2025年1月至2月拖欠12名劳动者工资共计8万元",
            "stage": "archived", "unit": "一中队", "party": "party-1", "handler": "officer-1",
            "officers": ["officer-1", "officer-2"], "handler_opinion": "建议立案调查", "emergency": True, "major": False,
            "emergency_reason": "当事人正在转移财产", "approval_due_at": None, "registered_at": at(3, 3, 9),
            "filed_at": at(3, 3, 9), "closed_at": at(5, 20, 9), "archive_due_at": None, "archived_at": at(5, 28, 9),
            "investigation_summary": "查明拖欠工资属实", "decision_kind": "penalty",
            "decision_text": "责令限期支付拖欠工资并处罚款", "decision_basis": "《劳动保障监察条例》第二十六条",
            "penalty_amount": "20000.00", "decided_at": at(3, 17, 10), "execution_result": "已全额支付",
            "simple_record": {},
        },
        "parties": [{"id": "party-1", **party, "id_number": "", "uscc": "91510100MA6123400A", "phone": ""}],
        "officers": [dict(o) for o in OFFICERS],
        "complaint": {"id": "complaint-1", "kind": "complaint", "complainant_name": "刘七", "anonymous": False,
                      "facts": "拖欠工资", "received_at": at(3, 2, 15), "status": "accepted", "missing_items": [],
                      "decision_reason": "", "decided_at": at(3, 3, 8), "application_matter": "",
                      "channel": "written", "oral_record": "",
                      "corrections": [{"item": "用人单位名称", "before": "某建筑公司", "after": "某建筑工程有限公司",
                                       "at": at(3, 2, 15), "by": "艾丽"}],
                      "online_captures": [], "receipt_no": "回执20250302-000001", "receipt_issued_at": at(3, 2, 15)},
        "approvals": approvals,
        "transitions": transitions,
        "services": services,
        "documents": docs,
        "media": media,
        "interruptions": [{"id": "interruption-1", "device": "DSJ-0001", "before": "media-1", "after": "media-2",
                           "gap_seconds": 120.0, "status": "explained", "explanation": "电池耗尽,更换电池后继续录制",
                           "voice_note": None, "explained_at": at(3, 4, 12)}],
        # After the decision: the party's 履行情况 checked by its date (not paid), then, after the
        # reminder and the application, the court's 受理 and the result of its enforcement.
        "follow_ups": [
            {"id": "followup-1", "kind": "performance", "due_on": "2025-04-19", "checked_at": at(4, 19, 10),
             "result": "当事人逾期未缴纳罚款、未支付拖欠工资", "fulfilled": False, "recorded_by_name": "艾丽",
             "recorded_at": at(3, 20, 11)},
            {"id": "followup-2", "kind": "court_acceptance", "due_on": None, "checked_at": at(5, 14, 10),
             "result": "名山区人民法院受理通知书(2025)川1803执12号", "fulfilled": None, "recorded_by_name": "艾丽",
             "recorded_at": at(5, 14, 11)},
            {"id": "followup-3", "kind": "court_result", "due_on": None, "checked_at": at(5, 19, 10),
             "result": "法院强制执行完毕,罚款和拖欠工资已执行到位", "fulfilled": None, "recorded_by_name": "艾丽",
             "recorded_at": at(5, 19, 11)},
        ],
        "case_file": {"assembled_at": at(5, 27, 16)},
        "recording_stops": [
            {"id": "stop-1", "device": "DSJ-0001", "stopped_at": at(3, 4, 14, 50), "cause": "执法记录仪电量耗尽,无备用电池",
             "reported_to": "officer-2", "reported_to_name": "安迪", "reported_at": at(3, 4, 14, 52),
             "explanation": "现场检查后段执法记录仪电量耗尽,已电话报告负责人,改以文字记录", "explained_at": at(3, 4, 17)},
        ],
        # Where the regulation has a recording used as evidence converted and explained in writing,
        # filed with the case (附卷说明): the inspection's recording.
        "text_records": [
            {"id": "record-1", "kind": "evidence_explanation", "article": explanation.article,
             "title": "现场检查录像作为证据使用的说明", "issuer": "", "dated": "2025-03-05",
             "content": "本录像为执法记录仪现场检查时拍摄的原始录像,未经剪辑;已按视听资料证据的规定刻录光盘一份附卷。",
             "media": "media-1", "medium": "光盘 GP-2025-001", "recorded_by_name": "艾丽",
             "recorded_at": at(3, 5, 10), "pdf_sha256": None},
        ] if explanation is not None else [],
    }


def write_examples() -> None:
    from lawtrail.profiles.registry import PROFILE_DATA_DIR, base_profile, extend

    for profile_id in PROFILE_IDS:
        # The shipped profile as agencies get it: on top of the national base.
        profile = extend(base_profile(), load_profile(PROFILE_DATA_DIR / f"{profile_id}.yaml"))
        text = json.dumps(exemplary(profile), ensure_ascii=False, indent=2) + "\n"
        (EXAMPLES_DIR / f"{profile_id}.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawtrail.settings")
    django.setup()
    write_examples()
    sys.exit(0)
