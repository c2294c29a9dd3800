"""The compliance engine: each profile's exemplary bundle checks clean, and for every rule it
checks, one defect derived from that bundle triggers exactly that rule, citing its article."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from lawtrail.compliance import bundle as bundles
from lawtrail.compliance.defects import DEFECTS, Bundle, doc, late_filing_approval, service, shift
from lawtrail.compliance.engine import BLOCKING, WARNING, evaluate, known_rules
from lawtrail.compliance.samples import PROFILE_IDS, _document, exemplary
from lawtrail.profiles.registry import get_profile

NOW = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)

CASES = [(pid, rid) for pid in PROFILE_IDS for rid in get_profile(pid).rules if rid in known_rules()]


def check(b: Bundle, profile_id: str) -> list[Any]:
    return evaluate(bundles.validate(b), get_profile(profile_id), now=NOW)


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_each_profiles_exemplary_bundle_checks_clean(profile_id: str) -> None:
    assert check(bundles.example(profile_id), profile_id) == []


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_the_shipped_example_is_the_builders_output(profile_id: str) -> None:
    assert bundles.example(profile_id) == exemplary(get_profile(profile_id))


def test_every_checked_rule_has_a_defect_here() -> None:
    assert {rid for _, rid in CASES} <= set(DEFECTS)
    assert len(CASES) >= 60


@pytest.mark.parametrize(("profile_id", "rule_id"), CASES)
def test_a_defect_triggers_exactly_its_rule_with_its_article(profile_id: str, rule_id: str) -> None:
    b = copy.deepcopy(bundles.example(profile_id))
    DEFECTS[rule_id](b, get_profile(profile_id))
    findings = check(b, profile_id)
    assert findings, rule_id
    assert {f.rule for f in findings} == {rule_id}
    rule = get_profile(profile_id).rule(rule_id)
    assert rule is not None
    for f in findings:
        assert f.article == rule.article and f.profile == profile_id
        assert f.severity in (BLOCKING, WARNING) and f.message and f.subject


@pytest.mark.parametrize(("profile_id", "verdict"), [("labor-inspection", []), ("agriculture", [BLOCKING])])
def test_an_emergency_start_approved_after_30_hours_is_fine_under_48_and_blocking_under_24(
        profile_id: str, verdict: list[str]) -> None:
    b = copy.deepcopy(bundles.example(profile_id))
    late_filing_approval(30)(b, get_profile(profile_id))
    findings = check(b, profile_id)
    assert [f.severity for f in findings] == verdict
    if verdict:
        assert findings[0].article == "第七条" and findings[0].rule == "emergency_start"
        assert "24小时" in findings[0].message and "reviewing" in findings[0].blocks


def test_the_same_bundle_checked_under_another_profile_follows_that_profiles_numbers() -> None:
    b = copy.deepcopy(bundles.example("labor-inspection"))
    late_filing_approval(30)(b, get_profile("labor-inspection"))
    assert check(b, "labor-inspection") == []
    # Under the agriculture rules the approval is late, and the interviewee must also finger-print.
    assert sorted(f.rule for f in check(b, "agriculture")) == ["emergency_start", "inquiry_fingerprint"]


@pytest.mark.parametrize(("profile_id", "minutes", "flagged"), [
    ("labor-inspection", 8, True), ("commission-rules", 8, False), ("commission-rules", 14, True)])
def test_the_time_tolerance_comes_from_the_profile(profile_id: str, minutes: int, flagged: bool) -> None:
    b = copy.deepcopy(bundles.example(profile_id))
    fields = doc(b, "inquiry_record")["fields"]
    fields["ended_at"] = shift(fields["ended_at"], minutes=minutes)
    assert bool(check(b, profile_id)) is flagged


def test_音像记录应自到达现场至活动结束_录像长于笔录不是缺陷() -> None:
    # 委员会细则第十三条: the footage spans the activity; a longer recording is what it asks for.
    b = copy.deepcopy(bundles.example("commission-rules"))
    fields = doc(b, "inquiry_record")["fields"]
    fields["started_at"] = shift(fields["started_at"], minutes=20)
    fields["ended_at"] = shift(fields["ended_at"], minutes=-20)
    assert check(b, "commission-rules") == []
    # Under the labour rules (第十条) the record's times must equal the footage's.
    b = copy.deepcopy(bundles.example("labor-inspection"))
    fields = doc(b, "inquiry_record")["fields"]
    fields["started_at"] = shift(fields["started_at"], minutes=20)
    assert [f.rule for f in check(b, "labor-inspection")] == ["av_time_match"]


def test_立案审批引用规定立案的国家法律条文() -> None:
    b = copy.deepcopy(bundles.example("safety-production"))
    DEFECTS["filing_approval"](b, get_profile("safety-production"))
    [finding] = check(b, "safety-production")
    assert finding.cite == "《中华人民共和国行政处罚法》第五十四条"


def test_直接送达须与受送达人签收的送达回证关联() -> None:
    b = copy.deepcopy(bundles.example("commission-rules"))
    receipt = doc(b, "service_receipt")
    assert service(b, "direct")["receipt_document"] == receipt["id"]
    receipt["signatures"] = [s for s in receipt["signatures"] if s["role"] != "party"]
    findings = check(b, "commission-rules")
    assert [(f.rule, f.article, f.subject) for f in findings] == [
        ("service_receipt_signed", "第十六条", service(b, "direct")["id"])]
    assert "没有受送达人签收" in findings[0].message


def test_传真送达须注明传真时间和号码_邮件退回须记录情况() -> None:
    b = copy.deepcopy(bundles.example("commission-rules"))
    faxed = service(b, "electronic")
    faxed["note"] = "传真"
    findings = check(b, "commission-rules")
    assert [(f.rule, f.subject) for f in findings] == [("electronic_service", faxed["id"])]
    assert "传真时间和受送达人的传真号码" in findings[0].message
    faxed["fax"] = "2025-03-26 10:00 发送至 028-88886666"
    assert check(b, "commission-rules") == []
    mailed = service(b, "mail")
    mailed.pop("receipt")
    assert [f.rule for f in check(b, "commission-rules")] == ["mail_service"]
    mailed["returned"] = "EMS1234567890CN 因收件人拒收于2025-03-28被退回"
    assert check(b, "commission-rules") == []


def test_委托送达须记录原因并由受送达人在送达回证上签收() -> None:
    # 农业农村局制度第二十四条.
    b = copy.deepcopy(bundles.example("agriculture"))
    entrusted = service(b, "direct")
    entrusted.update(method="entrusted", entrust_reason="受送达人外出,委托其单位办公室转交")
    assert check(b, "agriculture") == []
    receipt = doc(b, "service_receipt")
    receipt["signatures"] = [s for s in receipt["signatures"] if s["role"] != "party"]
    found = {(f.rule, f.subject) for f in check(b, "agriculture")}
    assert ("entrusted_service", entrusted["id"]) in found
    assert [f.message for f in check(b, "agriculture") if f.rule == "entrusted_service"] == [
        f"委托/转交送达{entrusted['document']}缺少受送达人签收的送达回证:请补充"]


def test_决定文书不得以电子邮件送达_其他文书可以() -> None:
    b = copy.deepcopy(bundles.example("commission-rules"))
    assert check(b, "commission-rules") == []  # the 听证告知书 was e-mailed: allowed
    emailed = service(b, "electronic")
    emailed.update(document="行政处罚决定书", document_id=None)  # named in words only
    assert [(f.rule, f.article, f.subject) for f in check(b, "commission-rules")] == [
        ("electronic_service_excluded", "第十六条", emailed["id"])]
    # 行政处罚法第六十一条 allows it with the party's confirmation: the labour rules add no ban.
    assert "electronic_service_excluded" not in get_profile("labor-inspection").rules


def test_拒不接受调查须记录_并由执法人员和见证人签名() -> None:
    # 委员会细则第八条: 由行政执法人员、有关见证人员签字或者盖章 (1 witness in its profile).
    profile = get_profile("commission-rules")
    b = copy.deepcopy(bundles.example("commission-rules"))
    record = _document(profile, 95, "refusal_record", {"circumstances": "当事人拒绝提供工资台账"}, "2025-05-12T02:00:00Z")
    b["documents"].append(record)
    findings = check(b, "commission-rules")
    assert [(f.rule, f.article, f.subject) for f in findings] == [("investigation_refusal", "第八条", record["id"])]
    assert "见证人" in findings[0].message
    record["signatures"].append({"slot": "witnesses", "role": "witness", "kind": "signed", "name": "王五",
                                 "at": "2025-05-12T02:00:00Z"})
    assert check(b, "commission-rules") == []
    # The housing rules ask for the record, not for witnesses.
    housing = copy.deepcopy(bundles.example("housing-construction"))
    housing["documents"].append(_document(get_profile("housing-construction"), 95, "refusal_record", {},
                                          "2025-05-12T02:00:00Z"))
    assert check(housing, "housing-construction") == []


def test_笔录须载明执法证号_执法人员名册中有证号也不能代替() -> None:
    b = copy.deepcopy(bundles.example("housing-construction"))
    inquiry = doc(b, "inquiry_record")
    assert all(o["cert_no"] for o in b["officers"] if o["id"] in inquiry["officers"])
    inquiry["fields"]["officers"] = "艾丽、安迪"  # names without their numbers
    findings = check(b, "housing-construction")
    assert [(f.rule, f.article, f.subject) for f in findings] == [("record_officers", "第六条", inquiry["id"])]
    assert "执法证号须记载在笔录中" in findings[0].message and "安迪" in findings[0].message
    inquiry["fields"]["officers"] = "艾丽(LD001)、安迪 ( LD002 )"  # spacing aside, both shown
    assert check(b, "housing-construction") == []


def test_footage_stored_late_is_a_lapse_that_blocks_until_its_reason_is_acknowledged() -> None:
    b = copy.deepcopy(bundles.example("safety-production"))
    media = b["media"][0]
    media["ingested_at"] = shift(media["recorded_end"], hours=30)
    media["labelled_at"] = shift(media["ingested_at"], hours=1)
    findings = check(b, "safety-production")
    assert [(f.rule, f.severity, f.article, f.lapse) for f in findings] == [
        ("evidence_storage", BLOCKING, "第十六条", True)]
    assert check(b, "labor-inspection") == []  # 2 days there


def test_a_case_file_not_assembled_is_flagged_only_once_its_deadline_has_passed() -> None:
    b = copy.deepcopy(bundles.example("safety-production"))
    b["case_file"] = None
    closed = bundles.parse_time(b["case"]["closed_at"])
    profile = get_profile("safety-production")
    # 30 working days after 2025-05-20 is past the Dragon Boat holiday: 2025-07-02.
    assert evaluate(b, profile, now=closed + dt.timedelta(days=40)) == []
    late = evaluate(b, profile, now=closed + dt.timedelta(days=44))
    assert [(f.rule, f.severity, f.article) for f in late] == [("case_file", BLOCKING, "第十八条")]


def test_a_profile_may_raise_a_warning_to_blocking(tmp_path: Any) -> None:
    from lawtrail.profiles.registry import load_profile

    path = tmp_path / "strict.yaml"
    path.write_text(
        "id: strict\nname: 严格\nagency_kind: 测试\nsource: x.txt\nrules:\n"
        "  rights_notice:\n    article: 第一条\n    quote: 应记录权利告知\n    severity: blocking\n"
        "    blocks: [reviewing]\n", encoding="utf-8")
    b = copy.deepcopy(bundles.example("labor-inspection"))
    DEFECTS["rights_notice"](b, get_profile("labor-inspection"))
    findings = evaluate(b, load_profile(path), now=NOW)
    assert [(f.severity, f.blocks_move("reviewing"), f.blocks_move("serving")) for f in findings] == [
        (BLOCKING, True, False)]


def test_the_simple_procedure_check_knows_the_items_the_case_records() -> None:
    from lawtrail.cases.actions import SIMPLE_ITEMS
    from lawtrail.compliance import rules

    assert rules.SIMPLE_ITEMS == SIMPLE_ITEMS
