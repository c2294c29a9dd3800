"""文书目录: every type the issue names is in the catalogue, and a bad catalogue file is refused
with its file, line and field named."""

from __future__ import annotations

from pathlib import Path

import pytest

from lawtrail.documents.catalogue import (
    CATALOGUE_DIR,
    CatalogueError,
    DocumentType,
    catalogue,
    load_catalogue,
)

# The documents issue 7 names, as the regulations name them.
NAMED = {
    "投诉(举报)登记表": "complaint_register", "一次性补证告知书": "correction_notice",
    "不予受理决定书": "non_acceptance_decision", "立案审批表": "filing_approval_form",
    "询问(调查)笔录": "inquiry_record", "现场检查(勘验)笔录": "site_inspection_record",
    "调查询问通知书": "inquiry_notice", "证据登记保存清单": "evidence_preservation_list",
    "抽样取证物品清单": "sampling_list", "权利告知书": "rights_notice", "陈述申辩笔录": "statement_record",
    "听证通知书": "hearing_notice", "听证笔录": "hearing_record", "鉴定委托书": "appraisal_commission",
    "先行登记保存决定书": "preservation_decision", "行政处罚(处理)事先告知书": "prior_notice",
    "行政处罚(处理)事先告知报批表": "prior_notice_approval_form",
    "行政处罚(处理)决定书": "penalty_decision", "行政处罚(处理)报批表": "penalty_approval_form",
    "法制审核意见书": "legal_review_opinion", "集体讨论记录": "collective_discussion_record",
    "专家论证意见书": "expert_opinion", "送达回证": "service_receipt", "公告送达审批意见书": "public_service_approval",
    "履行行政处罚(处理)决定催告书": "performance_reminder", "陈述申辩复核意见书": "statement_review_opinion",
    "强制执行申请书": "enforcement_application", "检查记录": "check_record", "责令改正决定书": "rectification_order",
    "监察建议书": "supervision_recommendation", "行政执法全过程记录资料调用单": "records_access_slip",
    "查封(扣押)决定书": "seizure_decision", "行政强制措施现场笔录": "coercive_measure_record",
    "调取证据通知书": "evidence_request_notice", "抽样取证通知书": "sampling_notice",
    "当场行政处罚决定书": "on_the_spot_penalty_decision", "听证报告": "hearing_report",
    "强制执行决定书": "enforcement_decision", "代履行决定书": "substitute_performance_decision",
    # Issue 14: the decision that fits a 不予行政处罚 outcome, and the closing's own record.
    "不予行政处罚决定书": "no_penalty_decision", "结案审批表": "closing_approval_form",
    # Issue 16: the record of a refusal to be investigated or to hand over evidence.
    "拒绝接受调查(提供证据)记录": "refusal_record",
    # Issue 16: the commission's 检验(检测)委托书 (第八条), the work-safety register of the certificates and
    # copies a party hands in (第十条(三)).
    "检验(检测)委托书": "testing_commission", "当事人提交证件资料接收登记表": "credentials_receipt",
    # Issue 14: the investigation's end, made by its step.
    "调查终结报告": "investigation_report",
    # Issue 16: the list of the evidence a party hands in (劳动 第十八条).
    "证据清单": "evidence_list",
}


def test_every_document_the_issue_names_is_in_the_catalogue() -> None:
    types = catalogue()
    assert {name: types[code].name for name, code in NAMED.items() if code in types} == {n: n for n in NAMED}
    assert len(types) == len(NAMED)


def test_every_type_has_mandatory_fields_a_stage_and_a_layout() -> None:
    for t in catalogue().values():
        assert t.mandatory, t.code
        assert t.stage_label and t.action and t.layout.style in ("form", "record", "notice")
        assert not t.numbered or t.abbr
        assert DocumentType.from_snapshot(t.snapshot()) == t


def test_inquiry_and_inspection_records_carry_start_and_end_times() -> None:
    for code in ("inquiry_record", "site_inspection_record", "check_record"):
        t = catalogue()[code]
        start, end = t.field("started_at"), t.field("ended_at")
        assert start and end and start.required and end.required and end.after == "started_at"


def _write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


GOOD = """types:
  - code: note
    name: 便笺
    stage: intake
    action: 记录
    numbered: false
    fields:
      - {key: text, label: 内容, type: textarea, required: true}
    signers:
      - {key: officers, role: officer, label: 执法人员}
"""


@pytest.mark.parametrize(("text", "line", "field", "words"), [
    (GOOD.replace("stage: intake", "stage: lunch"), 4, "types[note].stage", "阶段无效"),
    (GOOD.replace("type: textarea", "type: poem"), 8, "types[note].fields[text].type", "类型无效"),
    (GOOD.replace("required: true}", "required: true, prefill: case.colour}"), 8,
     "types[note].fields[text].prefill", "未知的预填来源"),
    (GOOD.replace("role: officer", "role: king"), 10, "types[note].signers.role", "签名人类型无效"),
    (GOOD.replace("    name: 便笺\n", ""), 2, "types[note].name", "缺少必填字段"),
    (GOOD.replace("    numbered: false\n", ""), 2, "types[note].abbr", "缺少必填字段"),
    (GOOD + "    layout: {style: form, rows: [[nothing]]}\n", 11, "types[note].layout.rows", "不存在的字段 nothing"),
    (GOOD.replace("action: 记录", "action: [记录"), 6, "-", "YAML 语法错误"),
])
def test_a_bad_catalogue_names_file_line_and_field(tmp_path: Path, text: str, line: int, field: str,
                                                   words: str) -> None:
    with pytest.raises(CatalogueError) as err:
        load_catalogue([_write(tmp_path, text)])
    assert err.value.code == "bad_catalogue"
    assert err.value.detail["file"].endswith("bad.yaml")
    assert err.value.detail["field"] == field
    assert err.value.detail["line"] == line, err.value.message
    assert words in err.value.message and f"bad.yaml 第{line}行" in err.value.message


def test_adding_a_type_is_a_data_change(tmp_path: Path) -> None:
    types = load_catalogue([CATALOGUE_DIR, _write(tmp_path, GOOD, "extra.yaml")])
    assert types["note"].name == "便笺" and types["note"].source == "extra.yaml"
    with pytest.raises(CatalogueError) as err:
        load_catalogue([CATALOGUE_DIR, _write(tmp_path, GOOD.replace("code: note", "code: inquiry_record"))])
    assert "代码与" in err.value.message and "重复" in err.value.message
