"""The article map: how LawTrail covers each article of a profile's regulation.

One file per profile, coverage/<profile-id>.yaml, beside the profiles:

    profile: labor-inspection
    articles:
      第十二条:
        status: partial            # covered | partial | gap | n/a
        rules: [filing_approval, emergency_start]      # compliance checks (the profile's rules)
        agency: [reception_surveillance]               # agency-level checks (compliance/agency.py)
        settings: [retention_case_file]                # profile entries other apps read (retention, access)
        steps: [cases.do_register_case]                # workflow actions (lawtrail/<app>/actions.py)
        documents: [filing_approval_form]              # document types (documents/catalogue)
        note: 紧急先行启动后补办审批的逾期说明未记录    # what is missing; why an article is n/a

Every article of the text is listed, and nothing else: the map is read against the text by the
tests, so an article cannot drop out of sight. A person reads the map in Chinese: the step and
setting names below, and the rules' own labels (given by the compliance app).

Importing this module needs no Django.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lawtrail.profiles.articles import Regulation, regulation

COVERAGE_DIR = Path(__file__).resolve().parent / "coverage"
PROFILE_DATA_DIR = Path(__file__).resolve().parent / "data"

STATUSES = ("covered", "partial", "gap", "n/a")
STATUS_LABELS = {"covered": "已覆盖", "partial": "部分覆盖", "gap": "未覆盖", "n/a": "不适用"}
MEANS = ("rules", "agency", "settings", "steps", "documents")
MEANS_LABELS = {"rules": "检查", "agency": "机关层面检查", "settings": "配置", "steps": "流程",
                "documents": "文书"}

# The workflow actions a map may name (lawtrail/<app>/actions.py do_<verb>_<noun>), as a person
# reads them. The tests check each one exists.
STEP_LABELS: dict[str, str] = {
    "devices.do_register_device": "登记执法记录设备(台账)",
    "devices.do_issue_device": "执法记录设备领用",
    "devices.do_return_device": "执法记录设备归还",
    "devices.do_check_device": "执法记录设备使用前检查(电量、存储、时钟)",
    "devices.do_record_maintenance": "执法记录设备维护保养记录",
    "cases.do_register_complaint": "投诉举报、依申请事项登记(口头申请记录其内容)",
    "cases.do_decide_complaint": "投诉举报受理、不予受理或一次性告知补正",
    "cases.do_supplement_complaint": "投诉举报补正材料",
    "cases.do_correct_complaint_on_spot": "当场更正申请材料",
    "cases.do_issue_complaint_receipt": "出具书面凭证或回执",
    "cases.do_keep_online_capture": "保留网络提交截图",
    "cases.do_register_case": "案件登记(立案审批)",
    "cases.do_give_approval": "审批意见(立案、法制审核、负责人审批)",
    "cases.do_assign_officers": "指派执法人员",
    "cases.do_record_inspection": "日常巡视检查记录",
    "cases.do_record_decision": "记录处理决定",
    "cases.do_decide_simple_case": "简易程序处理",
    "cases.do_record_service": "送达记录",
    "cases.do_add_service_proof": "送达留痕(回执、音像、见证人)",
    "cases.do_schedule_follow_up": "登记履行、整改期限",
    "cases.do_record_follow_up": "履行情况检查、整改核查(复查)、法院受理和执行结果记录",
    "cases.do_transition_case": "案件阶段流转(调查、审查、送达执行、结案、归档)",
    "documents.do_create_document": "制作执法文书",
    "documents.do_issue_document": "签发执法文书",
    "documents.do_sign_document": "文书签名",
    "documents.do_update_document": "填写文书(含执法情形、音像记录方式、重点摄录内容)",
    "documents.do_record_hand_signature": "手写签名(含摁手印)",
    "documents.do_record_refusal": "拒签记录及见证人",
    "documents.do_approve_document": "文书审批",
    "evidence.do_ingest_evidence": "音像资料入库(标明案号、当事人、承办人)",
    "evidence.do_link_evidence": "音像资料关联案件和文书",
    "evidence.do_link_patrol_evidence": "巡查录像归属日常巡视检查(无案件)",
    "evidence.do_explain_interruption": "录像中断说明",
    "evidence.do_report_recording_stop": "无法继续音像记录,报告部门负责人",
    "evidence.do_explain_recording_stop": "无法继续音像记录的事后书面说明",
    "evidence.do_record_evidence_return": "登记返回单位时间及迟延存储原因",
    "evidence.do_catalogue_evidence": "音像资料分类整理并命名(名称、分类、场所、内容描述)",
    "evidence.do_register_reception_segment": "受理场所监控按日保存",
    "evidence.do_record_replication": "异地备份",
    "evidence.do_record_fixity": "完整性校验",
    "evidence.do_mark_long_term": "音像资料长期保存标记",
    "access.do_request_access": "调用、复制申请",
    "access.do_decide_access_request": "调用、复制审批",
    "access.do_record_access": "调用、复制登记",
    "access.do_mark_confidential": "涉密、商业秘密、个人隐私标记",
    "archive.do_assemble_case_file": "组卷",
    "archive.do_bind_case_file": "案卷归档",
    "archive.do_export_package": "导出归档包",
    "retention.do_flag_long_term": "长期保存情形标记",
    "retention.do_set_hold": "保存冻结",
    "retention.do_request_disposal": "到期销毁审批",
    "ledger.do_make_checkpoint": "防篡改账本检查点",
    "review.do_start_review": "案卷评查(评查已装订归档的案卷)",
    "review.do_score_review": "案卷评查逐项评分及评查意见",
    "review.do_submit_review": "提交评查结果",
    "review.do_reply_review": "被评查人答复评查意见",
    "review.do_close_review": "评查办结",
    "accountability.do_record_accountability": "责任追究记录(责任人、条款、认定、处理结果)",
    "registers.do_register_text_record": "文字记录登记(计划、通知方案、信件、批示、指导、细则、存储监督、证据转化说明)",
    "accounts.do_grant_oversight": "授予跨机关监督权限",
    "accounts.do_revoke_oversight": "撤销跨机关监督权限",
}

# Profile entries read by apps other than the compliance engine, as a person reads them.
SETTING_LABELS: dict[str, str] = {
    "retention_case_file": "案卷保存期限",
    "retention_document": "文书保存期限",
    "evidence_retention_case": "办案音像资料保存期限",
    "evidence_retention_patrol": "日常巡查音像资料保存期限",
    "evidence_retention_other": "其他音像资料保存期限",
    "evidence_retention_reception": "受理场所监控保存期限",
    "evidence_long_term": "音像资料长期保存",
    "long_term_triggers": "长期保存的情形",
    "access_internal": "内部调用审批",
    "access_external": "外部调用审批",
    "access_party_copy": "当事人申请复制审批",
    "case_review": "案卷评查项目及分值(评查与考核)",
    "accountability": "责任追究的情形和处理方式",
    "text_records": "须留存的文字记录类别(监督检查计划、督导通知方案、投诉举报信件、领导批示)",
    "storage_supervision": "法制机构对记录存储内容的监督检查记录",
    "evidence_explanation": "音像资料作为证据使用的转化和说明(附卷)",
    "guidance_records": "全过程记录工作的指导和监督记录",
    "implementing_rules": "本单位全过程记录实施细则",
}


# The Chinese names of what a map cites that belongs to higher apps (the compliance rules, the
# document types): they register a source in their AppConfig.ready(), so this app imports none
# of them. Keys: a rule id, or "doc:<code>" for a document type.
_LABEL_SOURCES: list[Callable[[], dict[str, str]]] = []


def register_labels(source: Callable[[], dict[str, str]]) -> None:
    if source not in _LABEL_SOURCES:
        _LABEL_SOURCES.append(source)


def labels() -> dict[str, str]:
    out: dict[str, str] = {}
    for source in _LABEL_SOURCES:
        out.update(source())
    return out


class CoverageError(ValueError):
    pass


@dataclass(frozen=True)
class ArticleCoverage:
    label: str  # 第X条
    status: str
    note: str = ""
    means: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def names(self, kind: str) -> tuple[str, ...]:
        return self.means.get(kind, ())


@dataclass(frozen=True)
class Coverage:
    profile_id: str
    profile_name: str
    regulation: Regulation
    articles: tuple[ArticleCoverage, ...]
    path: Path

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUSES}
        for a in self.articles:
            out[a.status] += 1
        return out

    @property
    def applicable(self) -> int:
        return sum(1 for a in self.articles if a.status != "n/a")


def profile_data(profile_id: str, directory: Path = PROFILE_DATA_DIR) -> dict[str, Any]:
    """A profile file as written (the map only needs its id, name, source and rule ids)."""
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("id") == profile_id:
            return data
    raise CoverageError(f"未找到规范配置 {profile_id}")


def _names(path: Path, label: str, kind: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise CoverageError(f"{path.name} {label}.{kind}:须为字符串列表")
    return tuple(value)


def load_coverage(path: Path) -> Coverage:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("articles"), dict):
        raise CoverageError(f"{path.name}:须有 profile 和 articles")
    profile = profile_data(str(data.get("profile") or path.stem))
    reg = regulation(str(profile["source"]))
    entries: list[ArticleCoverage] = []
    for label, body in data["articles"].items():
        if not isinstance(body, dict):
            raise CoverageError(f"{path.name} {label}:须为映射")
        unknown = set(body) - {"status", "note", *MEANS}
        if unknown:
            raise CoverageError(f"{path.name} {label}:未知字段 {', '.join(sorted(unknown))}")
        status = body.get("status")
        if status not in STATUSES:
            raise CoverageError(f"{path.name} {label}.status:须为 {' | '.join(STATUSES)}")
        note = str(body.get("note") or "").strip()
        means = {k: _names(path, str(label), k, body.get(k)) for k in MEANS if body.get(k)}
        if status != "covered" and not note:
            raise CoverageError(f"{path.name} {label}:{STATUS_LABELS[status]}的条款须说明理由或所缺内容")
        if status in ("covered", "partial") and not means:
            raise CoverageError(f"{path.name} {label}:{STATUS_LABELS[status]}的条款须写明由什么覆盖")
        entries.append(ArticleCoverage(label=str(label), status=status, note=note, means=means))
    # The map follows the text's order, whatever order the file lists its articles in.
    order = {lbl: i for i, lbl in enumerate(reg.labels)}
    entries.sort(key=lambda a: order.get(a.label, len(order)))
    return Coverage(profile_id=str(profile["id"]), profile_name=str(profile["name"]), regulation=reg,
                    articles=tuple(entries), path=path)


@functools.cache
def all_coverage(directory: Path = COVERAGE_DIR) -> dict[str, Coverage]:
    found: dict[str, Coverage] = {}
    for path in sorted(directory.glob("*.yaml")):
        cov = load_coverage(path)
        found[cov.profile_id] = cov
    return found


def label_of(kind: str, name: str, known: dict[str, str]) -> str:
    """What a person reads for a name the map cites (`known`: labels())."""
    if kind in ("rules", "agency"):
        return known.get(name, name)
    if kind == "steps":
        return STEP_LABELS.get(name, name)
    if kind == "settings":
        return SETTING_LABELS.get(name, name)
    return known.get(f"doc:{name}", name)


def as_json(cov: Coverage, known: dict[str, str] | None = None) -> dict[str, Any]:
    """The map of one profile as the CLI's --json prints it, each name with its Chinese label."""
    known = labels() if known is None else known
    return {
        "profile": cov.profile_id, "name": cov.profile_name, "source": cov.regulation.source,
        "counts": cov.counts(), "applicable": cov.applicable, "articles": [
            {"article": a.label, "status": a.status, "status_label": STATUS_LABELS[a.status], "note": a.note,
             **{k: [{"id": n, "label": label_of(k, n, known)} for n in a.names(k)] for k in MEANS}}
            for a in cov.articles],
    }
