"""What the record of an act must say, as each regulation's article asks: a preservation its
reason, objects and form; a coercive measure its statutory document and the party's right to sue;
a hearing its notice signed for on the 送达回证 and the signatures of all who took part; the
party's statements their review; a collective discussion its participants' signatures; a labour
decision its 报批表; the rights told before any decision where the agency's text says 应. Each check
is shown failing on a bundle that lacks the record and passing once it is there."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from lawtrail.cases.actions import do_transition_case
from lawtrail.cases.choices import Stage
from lawtrail.compliance import bundle as bundles
from lawtrail.compliance.defects import DEFECTS, doc
from lawtrail.compliance.engine import BLOCKING, WARNING, evaluate
from lawtrail.compliance.queries import case_findings
from lawtrail.compliance.samples import _document
from lawtrail.documents.actions import do_record_hand_signature
from lawtrail.lib.errors import Conflict
from lawtrail.profiles.registry import get_profile
from lawtrail.testing.archive import issue
from lawtrail.testing.documents import handwriting_png
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, approve_decision, draft_decision, register_case

NOW = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)
Bundle = dict[str, Any]


def example(profile_id: str) -> Bundle:
    return copy.deepcopy(bundles.example(profile_id))


def found(b: Bundle, profile_id: str) -> list[tuple[str, str, str, str]]:
    """(rule, article, severity, subject) of each finding."""
    return [(f.rule, f.article, f.severity, f.subject)
            for f in evaluate(bundles.validate(b), get_profile(profile_id), now=NOW)]


def messages(b: Bundle, profile_id: str) -> str:
    return "\n".join(f.message for f in evaluate(bundles.validate(b), get_profile(profile_id), now=NOW))


# ---------------------------------------------------------------- 证据保全


def test_证据先行登记保存须记载启动理由_具体标的和保存形式() -> None:
    for profile_id, article in (("labor-inspection", "第十九条"), ("commission-rules", "第九条"),
                                ("agriculture", "第十三条")):
        b = example(profile_id)
        profile = get_profile(profile_id)
        listed = _document(profile, 95, "evidence_preservation_list", {"reason": "", "form": " "},
                           "2025-03-05T02:00:00Z")
        b["documents"].append(listed)
        assert found(b, profile_id) == [("preservation_record", article, BLOCKING, listed["id"])]
        text = messages(b, profile_id)
        assert "先行登记保存的启动理由" in text and "保存形式" in text
        listed["fields"].update(reason="账册可能被转移销毁", form="先行登记保存证据法定文书")
        assert found(b, profile_id) == []


def test_先行登记保存决定书未记载保存的具体标的_被指出() -> None:
    b = example("agriculture")
    decision = _document(get_profile("agriculture"), 95, "preservation_decision", {"subject": ""}, "2025-03-05T02:00:00Z")
    b["documents"].append(decision)
    assert found(b, "agriculture") == [("preservation_record", "第十三条", BLOCKING, decision["id"])]
    assert "保存的具体标的" in messages(b, "agriculture")
    # Housing's rules ask nothing of a preservation: the same document passes there.
    housing = example("housing-construction")
    housing["documents"].append(decision)
    assert found(housing, "housing-construction") == []


def test_劳动保障监察先行登记保存决定书等决定性文书须载明理由_依据和救济途径() -> None:
    # 第二十四条: 行政处罚(处理)决定书、先行登记保存决定书等决定性文书 — not only the penalty decision.
    b = example("labor-inspection")
    decision = _document(get_profile("labor-inspection"), 95, "preservation_decision", {"remedy": ""},
                         "2025-03-05T02:00:00Z")
    b["documents"].append(decision)
    assert found(b, "labor-inspection") == [("decision_contents", "第二十四条", BLOCKING, decision["id"])]
    assert "救济途径和期限" in messages(b, "labor-inspection")
    decision["fields"]["remedy"] = "可在六十日内申请行政复议或六个月内提起行政诉讼"
    assert found(b, "labor-inspection") == []


# ---------------------------------------------------------------- 行政强制措施


def test_查封扣押须制作决定书_并告知当事人有权提起行政诉讼() -> None:
    profile = get_profile("agriculture")
    b = example("agriculture")
    record = _document(profile, 95, "coercive_measure_record", {}, "2025-03-05T02:00:00Z", media=["media-3"])
    b["documents"].append(record)
    assert found(b, "agriculture") == [("coercive_measure_documents", "第十四条", BLOCKING, record["id"])]
    decision = _document(profile, 96, "seizure_decision", {"remedy": "如不服,可在六十日内申请行政复议"},
                         "2025-03-05T02:00:00Z", media=["media-3"])
    b["documents"].append(decision)
    assert found(b, "agriculture") == [("coercive_measure_documents", "第十四条", BLOCKING, decision["id"])]
    assert "行政诉讼" in messages(b, "agriculture")
    decision["fields"]["remedy"] = "对行政强制措施不服的,有权依法申请行政复议或者提起行政诉讼"
    assert found(b, "agriculture") == []


# ---------------------------------------------------------------- 权利告知


def order_case(profile_id: str) -> Bundle:
    """A case decided by a 责令改正 (no penalty), with no record of the rights told."""
    b = example(profile_id)
    b["case"]["decision_kind"] = "order"
    DEFECTS["rights_notice"](b, get_profile(profile_id))
    return b


def test_地方规定应记录权利告知的_责令改正决定前未告知也阻断() -> None:
    for profile_id, article in (("agriculture", "第十条"), ("housing-construction", "第七条"),
                                ("labor-inspection", "第十五条"), ("commission-rules", "第十条")):
        findings = [f for f in found(order_case(profile_id), profile_id) if f[0] == "rights_notice"]
        assert findings == [("rights_notice", article, BLOCKING, "case")], profile_id
    # 《行政处罚法》第四十四条 alone (the work-safety profile restates no rights notice) binds penalties only.
    findings = [f for f in found(order_case("safety-production"), "safety-production") if f[0] == "rights_notice"]
    assert findings == [("rights_notice", "第四十四条", WARNING, "case")]


def test_决定尚未拟定时权利告知只作提示_撤销案件不要求() -> None:
    b = order_case("agriculture")
    b["case"]["decision_kind"] = ""
    assert [f for f in found(b, "agriculture") if f[0] == "rights_notice"] == [
        ("rights_notice", "第十条", WARNING, "case")]
    b["case"]["decision_kind"] = "drop"
    assert [f for f in found(b, "agriculture") if f[0] == "rights_notice"] == []


def test_行政强制措施现场笔录中的告知计为权利告知记录() -> None:
    # 劳动 第十五条: 应制作告知书或者在询问(调查)笔录、行政强制措施现场笔录中予以记录.
    b = order_case("labor-inspection")
    record = _document(get_profile("labor-inspection"), 95, "coercive_measure_record", {"told": ""},
                       "2025-03-05T02:00:00Z", media=["media-3"])
    b["documents"].append(record)
    assert "rights_notice" in {f[0] for f in found(b, "labor-inspection")}
    record["fields"]["told"] = "告知当事人采取强制措施的理由、依据及陈述、申辩权利和救济途径"
    assert "rights_notice" not in {f[0] for f in found(b, "labor-inspection")}


# ---------------------------------------------------------------- 陈述申辩


def test_当事人陈述申辩的_须记录复核及处理意见() -> None:
    for profile_id, article in (("agriculture", "第二十七条"), ("commission-rules", "第十条"),
                                ("labor-inspection", "第三十条")):
        profile = get_profile(profile_id)
        b = example(profile_id)
        statement = _document(profile, 95, "statement_record", {"started_at": "2025-03-15T02:00:00Z",
                                                                "ended_at": "2025-03-15T03:00:00Z"},
                              "2025-03-15T03:00:00Z")
        b["documents"].append(statement)
        assert found(b, profile_id) == [("statement_review", article, BLOCKING, statement["id"])], profile_id
        review = _document(profile, 96, "statement_review_opinion", {"reasons": ""}, "2025-03-16T02:00:00Z")
        b["documents"].append(review)
        assert found(b, profile_id) == [("statement_review", article, BLOCKING, review["id"])]
        assert "采纳或不采纳的理由" in messages(b, profile_id)
        review["fields"]["reasons"] = "当事人提出的证据不足以推翻认定的事实"
        assert found(b, profile_id) == []
        # A review dated before the statement does not review it.
        review["created_at"] = review["issued_at"] = "2025-03-14T02:00:00Z"
        assert [f[3] for f in found(b, profile_id)] == [review["id"]]


def test_陈述申辩笔录未记录陈述内容_被指出() -> None:
    b = example("commission-rules")
    profile = get_profile("commission-rules")
    statement = _document(profile, 95, "statement_record", {"statement": ""}, "2025-03-15T02:00:00Z")
    b["documents"] += [statement, _document(profile, 96, "statement_review_opinion", {}, "2025-03-16T02:00:00Z")]
    assert found(b, "commission-rules") == [("statement_review", "第十条", BLOCKING, statement["id"])]


# ---------------------------------------------------------------- 听证


def test_听证笔录须由参加听证会的所有人员签名() -> None:
    b = example("labor-inspection")
    DEFECTS["hearing_signatures"](b, get_profile("labor-inspection"))
    record = doc(b, "hearing_record")
    assert found(b, "labor-inspection") == [("hearing_signatures", "第十六条", BLOCKING, record["id"])]
    text = messages(b, "labor-inspection")
    assert "李四" in text and "张三" not in text and "艾丽" not in text
    record["signatures"].append({"slot": "others", "role": "external", "kind": "signed", "name": "李四",
                                 "at": record["created_at"]})
    assert found(b, "labor-inspection") == []


def test_举行听证会前须告知当事人并由其在送达回证上签字() -> None:
    profile = get_profile("agriculture")
    b = example("agriculture")
    DEFECTS["hearing_notice_receipt"](b, profile)
    hearing = doc(b, "hearing_record")
    hearing["fields"]["started_at"] = "2025-03-12T02:00:00Z"
    assert found(b, "agriculture") == [("hearing_notice_receipt", "第十一条", BLOCKING, hearing["id"])]
    notice = _document(profile, 96, "hearing_notice", {}, "2025-03-05T02:00:00Z")
    b["documents"].append(notice)
    assert found(b, "agriculture") == [("hearing_notice_receipt", "第十一条", BLOCKING, notice["id"])]
    assert "送达回证" in messages(b, "agriculture")
    receipt = _document(profile, 97, "service_receipt", {"recipient": "张三", "method": "直接送达"},
                        "2025-03-06T02:00:00Z")
    b["documents"].append(receipt)
    b["services"].append({"id": "service-9", "document": notice["name"], "method": "direct",
                          "served_at": "2025-03-06T02:00:00Z", "recipient": "张三", "note": "", "witnesses": [],
                          "media": [], "approval_document": None, "document_id": notice["id"],
                          "receipt_document": receipt["id"]})
    assert found(b, "agriculture") == []
    # Served after the hearing was held: the party was not told before it.
    hearing["fields"]["started_at"] = "2025-03-05T06:00:00Z"
    assert [(f[0], f[3]) for f in found(b, "agriculture")] == [("hearing_notice_receipt", notice["id"])]
    # Signed for by nobody: the 送达回证 carries no signature of the party.
    hearing["fields"]["started_at"] = "2025-03-12T02:00:00Z"
    receipt["signatures"] = [s for s in receipt["signatures"] if s["role"] != "party"]
    assert ("hearing_notice_receipt", notice["id"]) in [(f[0], f[3]) for f in found(b, "agriculture")]


# ---------------------------------------------------------------- 集体讨论, 报批表


def test_集体讨论记录须由参加讨论人员签名() -> None:
    b = example("labor-inspection")
    DEFECTS["discussion_signatures"](b, get_profile("labor-inspection"))
    record = doc(b, "collective_discussion_record")
    assert found(b, "labor-inspection") == [("discussion_signatures", "第二十二条", BLOCKING, record["id"])]
    assert "莉娜" in messages(b, "labor-inspection")
    record["signatures"].append({"slot": "attendees", "role": "participant", "kind": "signed", "name": "莉娜",
                                 "at": record["created_at"]})
    assert found(b, "labor-inspection") == []
    # A participant listed with a title signs under their name.
    record["fields"]["attendees"] = "副局长艾丽、安迪(法制科)、莉娜同志"
    assert found(b, "labor-inspection") == []
    # A name that merely begins with a signer's is someone else, who has not signed.
    record["fields"]["attendees"] = "艾丽、安迪、莉娜、莉娜娜、王莉娜"
    assert found(b, "labor-inspection") == [("discussion_signatures", "第二十二条", BLOCKING, record["id"])]
    assert "莉娜娜、王莉娜未签名" in messages(b, "labor-inspection")


def test_草拟决定书时须制作报批表并载明承办人_审理人_依据和证据() -> None:
    b = example("labor-inspection")
    decision = doc(b, "penalty_decision")
    form = doc(b, "penalty_approval_form")
    form["fields"]["reviewer"] = ""
    assert found(b, "labor-inspection") == [("approval_forms_drafted", "第二十条", BLOCKING, form["id"])]
    assert "审理人" in messages(b, "labor-inspection")
    form["fields"]["reviewer"] = "莉娜"
    form["created_at"] = "2025-03-25T02:00:00Z"  # made after the decision went out
    assert found(b, "labor-inspection") == [("approval_forms_drafted", "第二十条", BLOCKING, decision["id"])]
    b["documents"].remove(form)
    assert found(b, "labor-inspection") == [("approval_forms_drafted", "第二十条", BLOCKING, decision["id"])]
    # 事先告知书 goes with its own 事先告知报批表.
    b = example("labor-inspection")
    notice = _document(get_profile("labor-inspection"), 95, "prior_notice", {}, "2025-03-12T02:00:00Z")
    b["documents"].append(notice)
    assert found(b, "labor-inspection") == [("approval_forms_drafted", "第二十条", BLOCKING, notice["id"])]
    b["documents"].append(_document(get_profile("labor-inspection"), 96, "prior_notice_approval_form", {},
                                    "2025-03-11T02:00:00Z"))
    assert found(b, "labor-inspection") == []
    # Other regulations name no such form.
    other = example("agriculture")
    other["documents"] = [d for d in other["documents"] if d["type"] != "penalty_approval_form"]
    assert found(other, "agriculture") == []


# ---------------------------------------------------------------- 简易程序当场收缴罚款


def simple_case(profile_id: str, *, paid_on_spot: bool, collection: str = "") -> Bundle:
    b = example(profile_id)
    record = {"facts_and_basis": "事实清楚", "steps": "当场处罚", "statement": "无异议", "statement_review": "无需复核",
              "filing": "已备案", "paid_on_spot": "是" if paid_on_spot else "否"}
    if collection:
        record["collection"] = collection
    b["case"].update(procedure="simple", simple_record=record)
    return b


def test_简易程序当场收缴罚款的_须记录收缴的实施过程() -> None:
    # 农业 第二十条(六): 对符合当场收缴罚款情况的实施过程.
    assert found(simple_case("agriculture", paid_on_spot=True), "agriculture") == [
        ("simple_procedure", "第二十条", BLOCKING, "case")]
    assert "当场收缴罚款的实施过程" in messages(simple_case("agriculture", paid_on_spot=True), "agriculture")
    assert found(simple_case("agriculture", paid_on_spot=False), "agriculture") == []
    done = simple_case("agriculture", paid_on_spot=True, collection="执法人员艾丽当场收缴罚款50元,出具财政票据No.0012345,次日上缴")
    assert found(done, "agriculture") == []


# ---------------------------------------------------------------- 证据清单


def test_当事人提供证据的_证据清单须由当事人签名或盖章() -> None:
    # 劳动 第十八条: 应制作证据清单,并签名或盖章.
    profile = get_profile("labor-inspection")
    b = example("labor-inspection")
    listed = _document(profile, 95, "evidence_list", {"items": ["工资发放表|1|12|复印件|已支付部分工资"]},
                       "2025-03-05T02:00:00Z", refused_party=True)
    b["documents"].append(listed)
    assert found(b, "labor-inspection") == [("evidence_list_signed", "第十八条", BLOCKING, listed["id"])]
    assert "签名或盖章" in messages(b, "labor-inspection")
    listed["signatures"] = [s for s in listed["signatures"] if s["role"] != "party"] + [
        {"slot": "provider", "role": "party", "kind": "signed", "name": "张三", "at": listed["created_at"]}]
    assert found(b, "labor-inspection") == []
    listed["fields"]["items"] = []
    assert found(b, "labor-inspection") == [("evidence_list_signed", "第十八条", BLOCKING, listed["id"])]


# ---------------------------------------------------------------- through the real actions, in the database


def test_陈述申辩未复核的_不能转入送达执行_制作复核意见书后可以(world: World) -> None:
    """Labour 第三十条, through the document actions a user's form calls: the party's statement is
    recorded, the decision drafted and approved; 送达执行 waits for the 陈述申辩复核意见书."""
    case = advance(world, register_case(world), Stage.INVESTIGATING)
    issue(world, case, "statement_record", statement="当事人称已于上月补发部分工资,并提交了转账凭证")
    case = advance(world, case, Stage.REVIEWING)
    draft_decision(case)
    approve_decision(world, case)
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.SERVING, actor=world.alice)
    assert err.value.code == "step_incomplete" and "第三十条" in err.value.message
    assert [m["detail"]["rule"] for m in err.value.detail["missing"]] == ["statement_review"]
    issue(world, case, "statement_review_opinion", adopted="部分采纳")
    do_transition_case(case, to=Stage.SERVING, actor=world.alice)
    case.refresh_from_db()
    assert case.stage == Stage.SERVING


def test_证据清单在案件中制作_当事人签名后签发并计入检查(world: World) -> None:
    # 劳动 第十八条, as the case page's document form makes it: issued, then signed by the provider.
    case = advance(world, register_case(world), Stage.INVESTIGATING)
    listed = issue(world, case, "evidence_list", sign=False,
                   items=["工资发放表|1|12|复印件|已支付部分工资"])
    assert "evidence_list_signed" in {f.rule for f in case_findings(case) if f.severity == BLOCKING}
    do_record_hand_signature(listed, slot="provider", name="张三", image=handwriting_png(), actor=world.alice)
    assert "evidence_list_signed" not in {f.rule for f in case_findings(case)}

