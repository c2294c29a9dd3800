"""The checks, one per rule id a profile may carry (see engine.py for how they are run).

Each check reads the bundle through the Context and yields (subject, message): the id of
the document, media item, service or event concerned (or "case"), and what to add, in
Chinese. Numbers, document types, proofs and witnesses come from the profile's rule; a check
never knows which regulation it serves.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Generator, Iterator
from typing import Any

from lawtrail.compliance.engine import CASE_SUBJECT, LAPSE, WARNING, Context, Report, check
from lawtrail.lib import timez
from lawtrail.profiles.registry import Rule

INVESTIGATION_RECORDS = ("inquiry_record", "site_inspection_record")
DECISION_DOCUMENTS = ("penalty_decision",)
ENFORCEMENT_DOCUMENTS = ("enforcement_application", "enforcement_decision", "substitute_performance_decision")
REMINDER = "performance_reminder"
PUBLIC_APPROVAL = "public_service_approval"
AV_KINDS = ("video", "audio")
METHOD_LABELS = {"direct": "直接送达", "mail": "邮寄送达", "lodged": "留置送达", "entrusted": "委托/转交送达",
                 "electronic": "电子送达", "fax": "传真送达", "public": "公告送达"}
LATER_STAGES = {"investigating", "reviewing", "serving", "closed", "archived"}


def _due(start: dt.datetime, rule: Rule, key: str = "within") -> dt.datetime:
    amount, unit = rule.period(key)
    if unit == "working_days":
        # The official calendar is looked up day by day (slow); the answer depends only on the
        # Beijing date, so it is computed once per date and period.
        local = timez.beijing(start)
        day = _working_days_after(local.date(), amount)
        return local.replace(year=day.year, month=day.month, day=day.day)
    return timez.add_period(start, amount, unit, estimate=True)


@functools.lru_cache(maxsize=4096)
def _working_days_after(day: dt.date, amount: int) -> dt.date:
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=timez.BEIJING)
    return timez.add_working_days(noon, amount, estimate=True).date()


def _hours(delta: dt.timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f}小时"


def _field_label(doc_type: str, key: str) -> str:
    from lawtrail.documents.catalogue import catalogue

    spec = catalogue().get(doc_type)
    if spec is not None:
        for f in spec.fields:
            if f.key == key:
                return f.label
    return key


def _filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | dict):
        return bool(value)
    return True


# ---------------------------------------------------------------- 程序启动


@check("emergency_start", label="紧急先行启动按期补办审批", blocks=("reviewing",))
def emergency_start(ctx: Context, rule: Rule) -> Iterator[Report]:
    case = ctx.case
    if not case["emergency"]:
        return
    start = ctx.time(case["registered_at"])
    assert start is not None
    due = _due(start, rule)
    filing = [a for a in ctx.bundle["approvals"] if a["kind"].startswith("filing.")]
    refused = any(not a["approved"] for a in filing)
    if refused:
        return
    approvals = [ctx.time(a["at"]) for a in filing if a["approved"]]
    # The start is approved when its last filing opinion is given (unit head, then head).
    done = max((t for t in approvals if t is not None), default=None)
    label = rule.period_label()
    ctx.deadline(CASE_SUBJECT, "先行启动后补办立案审批", due, met_at=done)
    if done is None:
        if ctx.now > due:
            yield CASE_SUBJECT, f"先行启动后{label}内应补办立案审批,已逾期{_hours(ctx.now - due)}:请补办立案审批并说明逾期原因"
        return
    if done > due:
        yield CASE_SUBJECT, f"先行启动后{label}内应补办立案审批,实际在启动后{_hours(done - start)}才批准", LAPSE


@check("complaint_register", label="投诉举报登记与一次性告知")
def complaint_register(ctx: Context, rule: Rule) -> Iterator[Report]:
    complaint = ctx.bundle.get("complaint")
    if not complaint:
        return
    if complaint["status"] == "pending" and ctx.case["stage"] in LATER_STAGES:
        yield complaint["id"], "投诉(举报)登记尚未记录受理或不予受理的结果:请记录审查结果"
    if complaint["status"] == "correction" and not complaint.get("missing_items"):
        yield complaint["id"], "一次性告知补正未列明需补正的全部内容:请逐项列明"


@check("intake_receipt", label="出具书面凭证或回执的记录")
def intake_receipt(ctx: Context, rule: Rule) -> Iterator[Report]:
    """出具书面凭证或回执 is one of the intake steps the texts ask to be recorded: once the
    registration is examined, a named applicant (complainant) has been handed one. An anonymous
    report has nobody to receive it."""
    complaint = ctx.bundle.get("complaint")
    if not complaint or complaint.get("anonymous") or complaint["status"] == "pending":
        return
    if not complaint.get("receipt_issued_at"):
        yield complaint["id"], "登记未记录向申请人出具书面凭证或回执:请出具并登记回执"


@check("oral_application_record", label="口头申请的记录")
def oral_application_record(ctx: Context, rule: Rule) -> Iterator[Report]:
    """口头申请 予以记录: an application (complaint) made orally is written down as it was said."""
    complaint = ctx.bundle.get("complaint")
    if complaint and complaint.get("channel") == "oral" and not _filled(complaint.get("oral_record")):
        yield complaint["id"], "口头提出的申请未记录口头申请的内容:请补充口头申请记录"


@check("online_application_capture", label="网络提交的截图保留", severity=WARNING)
def online_application_capture(ctx: Context, rule: Rule) -> Iterator[Report]:
    """通过网络等方式提出申请的,可以通过截图、拍照等方式对电子数据进行保留: a may, so a reminder."""
    complaint = ctx.bundle.get("complaint")
    if complaint and complaint.get("channel") == "online" and not complaint.get("online_captures"):
        yield complaint["id"], "网络提交的申请未保留截图或照片:建议截图保留提交的电子数据"


@check("complaint_rejection_notice", label="不予受理的告知与书面记录")
def complaint_rejection_notice(ctx: Context, rule: Rule) -> Iterator[Report]:
    complaint = ctx.bundle.get("complaint")
    if not complaint or complaint["status"] != "not_accepted" or complaint.get("anonymous"):
        return
    if not _filled(complaint.get("decision_reason")) or not complaint.get("decided_at"):
        yield complaint["id"], "不予受理的投诉(举报)未书面记录理由和告知时间:请补充不予受理理由及告知情况"


@check("filing_approval", label="立案审批", blocks=("investigating", "reviewing"))
def filing_approval(ctx: Context, rule: Rule) -> Iterator[Report]:
    if ctx.case["procedure"] != "general" or ctx.case["stage"] in ("registered", "not_filed"):
        return
    if ctx.case["emergency"]:
        return  # judged by emergency_start: the approval comes after the start, within its hours
    done = {a["kind"] for a in ctx.bundle["approvals"] if a["approved"]}
    labels = {"unit_head": "承办机构意见", "head": "机关负责人意见", "legal_review": "法制机构合法性审查意见"}
    needed = list(rule.values.get("approvers", ["head"]))
    if ctx.case.get("major"):
        # 重大行政执法行为还应载明行政执法机关法制机构合法性审查意见 (agriculture 第七条).
        needed += [k for k in rule.values.get("major_approvers", []) if k not in needed]
    missing = [labels.get(k, k) for k in needed if f"filing.{k}" not in done]
    if missing:
        what = "重大行政执法行为的立案审批表" if ctx.case.get("major") else "立案审批表"
        yield CASE_SUBJECT, f"{what}缺少{'、'.join(missing)}:请补办立案审批"


def _decision_approval(ctx: Context, kind: str, what: str) -> Iterator[Report]:
    if ctx.case["procedure"] != "general" or ctx.case["stage"] not in ("serving", "closed", "archived"):
        return
    if ctx.case["decision_kind"] in ("", "drop"):
        return
    if not any(a["kind"] == kind and a["approved"] for a in ctx.bundle["approvals"]):
        yield CASE_SUBJECT, f"处理决定缺少{what}:请补充"


@check("legal_review", label="法制审核记录", blocks=("serving",))
def legal_review(ctx: Context, rule: Rule) -> Iterator[Report]:
    yield from _decision_approval(ctx, "decision.legal_review", "法制审核意见")


@check("head_decision", label="负责人审批记录", blocks=("serving",))
def head_decision(ctx: Context, rule: Rule) -> Iterator[Report]:
    yield from _decision_approval(ctx, "decision.head", "负责人审批意见")


# The items of a simple-procedure record as the case keeps them (cases.actions.SIMPLE_ITEMS).
SIMPLE_ITEMS = (("facts_and_basis", "适用简易程序的事实依据、法律依据"), ("steps", "实施简易程序的程序步骤及法定文书"),
                ("statement", "当事人陈述、申辩"), ("statement_review", "对陈述、申辩的复核及处理"),
                ("filing", "向所属行政机关备案的内容"))
SIMPLE_COLLECTION = ("collection", "当场收缴罚款的实施过程")


@check("simple_procedure", label="简易程序记录事项")
def simple_procedure(ctx: Context, rule: Rule) -> Iterator[Report]:
    if ctx.case["procedure"] != "simple":
        return
    record = ctx.case.get("simple_record") or {}
    missing = [label for key, label in SIMPLE_ITEMS if not _filled(record.get(key))]
    # 对符合当场收缴罚款情况的实施过程: asked of a fine collected on the spot, where the profile's rule
    # lists it (`collection: true`, the agriculture rules' 第二十条(六)).
    if (rule.values.get("collection") and record.get("paid_on_spot") == "是"
            and not _filled(record.get(SIMPLE_COLLECTION[0]))):
        missing.append(SIMPLE_COLLECTION[1])
    if missing:
        yield CASE_SUBJECT, f"简易程序记录缺少:{'、'.join(missing)}:请补充记录"


# ---------------------------------------------------------------- 调查取证


@check("inquiry_fingerprint", label="询问笔录签字并摁手印")
def inquiry_fingerprint(ctx: Context, rule: Rule) -> Iterator[Report]:
    for doc in ctx.live_documents(["inquiry_record"]):
        for s in doc["signatures"]:
            if s["role"] == "party" and s["kind"] == "signed" and not s.get("fingerprint"):
                yield doc["id"], f"{doc['name']}中{s['name']}已签字但未摁手印:请补摁手印"


def _doc_officers(ctx: Context, doc: dict[str, Any]) -> list[dict[str, Any]]:
    refs = doc.get("officers")
    if refs:
        return [ctx.officers[r] for r in refs]
    return [{"name": s["name"], "cert_no": s.get("cert_no", ""), "id": ""}
            for s in doc["signatures"] if s["role"] == "officer" and s["kind"] == "signed"]


@check("investigation_officers", label="调查取证执法人员人数")
def investigation_officers(ctx: Context, rule: Rule) -> Iterator[Report]:
    needed = int(rule.values.get("min_officers", 2))
    for doc in ctx.live_documents(rule.values.get("items", INVESTIGATION_RECORDS)):
        count = len(_doc_officers(ctx, doc))
        if count < needed:
            yield doc["id"], f"{doc['name']}只记录了{count}名执法人员,调查取证不得少于{needed}人:请补充执法人员及其签名"


@check("record_officers", label="笔录记载执法人员及执法证")
def record_officers(ctx: Context, rule: Rule) -> Iterator[Report]:
    validity = bool(rule.values.get("cert_validity"))
    for doc in ctx.live_documents(rule.values.get("items", INVESTIGATION_RECORDS)):
        officers = _doc_officers(ctx, doc)
        if not officers:
            # Before the officers sign, the record's own 执法人员及执法证号 line is what it shows.
            if not _filled(doc["fields"].get("officers")):
                yield doc["id"], f"{doc['name']}未记录执法人员:请补充执法人员姓名和执法证号"
            elif not _filled(doc["fields"].get("credentials_shown")):
                yield doc["id"], f"{doc['name']}未记录出示执法证件情况:请补充"
            continue
        missing = [o["name"] for o in officers if not o.get("cert_no")]
        if missing:
            yield doc["id"], f"{doc['name']}未记录{'、'.join(missing)}的执法证号:请补充执法证件编号"
        # The texts ask the record itself to show who did it and their certificate numbers (在调查
        # 笔录中…进行文字记录): a number known from the officer list but absent from the record
        # does not count. Read from the record's 执法人员及执法证号 line.
        line = re.sub(r"\s+", "", str(doc["fields"].get("officers") or ""))
        omitted = [f"{o['name']}(执法证号 {o['cert_no']})" for o in officers if o.get("cert_no")
                   and (re.sub(r"\s+", "", str(o["cert_no"])) not in line or o["name"] not in line)]
        if omitted:
            yield doc["id"], (f"{doc['name']}的“执法人员及执法证号”未载明{'、'.join(omitted)}:"
                              f"执法证号须记载在笔录中,请补记")
        if not _filled(doc["fields"].get("credentials_shown")):
            yield doc["id"], f"{doc['name']}未记录出示执法证件情况:请补充"
        if validity:
            # 执法证编号及有效期 are recorded in the 笔录 (the commission's 第七条): the validity is read
            # from the record's line, each officer's part of it, not from the officer list.
            moment = ctx.doc_moment(doc)
            day = timez.beijing(moment).date().isoformat() if moment else None
            names = [o["name"] for o in officers]
            for o in officers:
                start, until = _recorded_validity(line, o["name"], names)
                if not until:
                    yield doc["id"], (f"{doc['name']}的“执法人员及执法证号”未载明{o['name']}执法证的有效期:"
                                      f"请补记执法证有效期")
                elif day and (day > until or (start and day < start)):
                    yield doc["id"], f"{o['name']}的执法证在{day}不在有效期内({start or ''}至{until}):须由持有效证件的执法人员办理"


_DATE = r"(\d{4})[-年./](\d{1,2})[-月./](\d{1,2})日?"
_VALIDITY = re.compile(rf"有效期(?:为|:|:)?(?:(?:自|从)?{_DATE})?(?:至|到|-|—|~)+{_DATE}")


def _recorded_validity(line: str, name: str, names: list[str]) -> tuple[str | None, str | None]:
    """The validity (from, until) the record's 执法人员 line gives for `name`: read from the part of
    the line that starts at the name and ends where the next officer's name starts."""
    at = line.find(name)
    if at < 0:
        return None, None
    ends = [i for i in (line.find(n, at + len(name)) for n in names if n != name) if i > at]
    part = line[at:min(ends) if ends else len(line)]
    found = _VALIDITY.search(part)
    if found is None:
        return None, None
    g = found.groups()

    def iso(y: str | None, m: str | None, d: str | None) -> str | None:
        return f"{int(y):04d}-{int(m):02d}-{int(d):02d}" if y and m and d else None

    return iso(*g[:3]), iso(*g[3:])


# The records that show how the party was told its rights (告知…权利的方式): a 权利告知书, the 告知 line
# of a 询问笔录 or of a 行政强制措施现场笔录 (the labour rules 第十五条 name all three), or the rights a
# 事先告知书 sets out. The field is what must be filled (None: the document itself is the record).
RIGHTS_RECORDS: dict[str, str | None] = {"rights_notice": None, "inquiry_record": "rights_told",
                                         "coercive_measure_record": "told", "prior_notice": "rights"}


@check("rights_notice", label="权利告知记录", severity=WARNING, blocks=("reviewing",))
def rights_notice(ctx: Context, rule: Rule) -> Iterator[Report]:
    """《行政处罚法》第四十四条: the party is told its rights before a penalty decision, and 第六十二条: without
    it no penalty decision may be made. The national base makes the rule blocking (before 送达执行, where
    the decision is issued) for the decisions it names (`decisions: [penalty]`). An agency's regulation
    that restates it (应…进行记录) asks the record before any decision it makes: blocking once a
    decision is drafted, a reminder before that (the rights may still be told before the decision)."""
    case = ctx.case
    if case["procedure"] != "general" or case["stage"] not in LATER_STAGES:
        return
    kind = case.get("decision_kind") or ""
    if kind == "drop":
        return  # a case dropped decides nothing against the party
    for doc in ctx.live_documents(RIGHTS_RECORDS):
        key = RIGHTS_RECORDS[doc["type"]]
        if key is None or _filled(doc["fields"].get(key)):
            return
    message = "尚未记录告知当事人陈述、申辩、申请回避、听证等权利:请制作权利告知书或在询问笔录中记录告知情况"
    bound = rule.values.get("decisions")
    if kind == "penalty":
        yield CASE_SUBJECT, message + "(未告知的,不得作出行政处罚决定:《中华人民共和国行政处罚法》第四十四条、第六十二条)"
    elif not kind or (bound is not None and kind not in bound):
        yield CASE_SUBJECT, message, WARNING
    else:
        yield CASE_SUBJECT, message


def _signatures(doc: dict[str, Any], slot: str) -> list[dict[str, Any]]:
    return [s for s in doc["signatures"] if s["slot"] == slot]


# A mailed or electronic service is signed for on the postal 回执 or proven by its record (the
# mail_service / electronic_service rules ask for those): its 送达回证 has no recipient at hand.
UNSIGNED_RECEIPT_METHODS = ("邮寄送达", "电子送达")


@check("document_signatures", label="文书签名或拒签记录")
def document_signatures(ctx: Context, rule: Rule) -> Iterator[Report]:
    for doc in ctx.live_documents():
        for signer in doc.get("signers", []):
            if signer["role"] in ("approver", "officer") or signer["min"] < 1:
                continue
            if (doc["type"] == "service_receipt" and signer["role"] == "party"
                    and doc["fields"].get("method") in UNSIGNED_RECEIPT_METHODS):
                continue
            got = [s for s in _signatures(doc, signer["slot"]) if s["kind"] in ("signed", "refused")]
            if len(got) < signer["min"]:
                yield doc["id"], f"{doc['name']}缺少{signer['label']}的签名(或拒签记录):请补签或记录拒签事由及见证人"


@check("signature_refusal", label="拒签须有见证人")
def signature_refusal(ctx: Context, rule: Rule) -> Iterator[Report]:
    needed = int(rule.values.get("witnesses", 1))
    for doc in ctx.live_documents():
        for s in doc["signatures"]:
            if s["kind"] == "refused" and len(s.get("witnesses") or []) < needed:
                yield doc["id"], (f"{doc['name']}中{s['name']}拒绝签名,只有{len(s.get('witnesses') or [])}名见证人,"
                                  f"应有{needed}名以上无利害关系的见证人:请补充见证人签名")


REFUSAL_RECORD = "refusal_record"


@check("investigation_refusal", label="拒绝接受调查、提供证据的记录")
def investigation_refusal(ctx: Context, rule: Rule) -> Iterator[Report]:
    """A refusal to be investigated or to hand over evidence is recorded, the record signed by the
    officers and, where the regulation asks (witnesses > 0), by witnesses; what was refused and how
    is written down."""
    needed = int(rule.values.get("witnesses", 0))
    for doc in ctx.live_documents([REFUSAL_RECORD]):
        signed = [s for s in doc["signatures"] if s["kind"] == "signed"]
        if not any(s["role"] == "officer" for s in signed):
            yield doc["id"], f"{doc['name']}没有执法人员签名:请执法人员签名"
        witnesses = [s for s in signed if s["role"] == "witness"]
        if len(witnesses) < needed:
            yield doc["id"], (f"{doc['name']}只有{len(witnesses)}名见证人签名,应有{needed}名以上有关见证人签字或盖章:"
                              f"请补充见证人签名")
        if not _filled(doc["fields"].get("circumstances")):
            yield doc["id"], f"{doc['name']}未记录拒绝的经过:请补充"


def _missing_fields(doc: dict[str, Any], keys: list[str]) -> list[str]:
    return [_field_label(doc["type"], k) for k in keys if not _filled(doc["fields"].get(k))]


@check("preservation_record", label="证据保全记载启动理由、具体标的和形式")
def preservation_record(ctx: Context, rule: Rule) -> Iterator[Report]:
    """证据保全 (先行登记保存): its document records why it was started, what exactly is kept and in
    what form. The profile names, per document type, the fields that carry the three."""
    for doc_type, keys in (rule.values.get("documents") or {}).items():
        for doc in ctx.live_documents([doc_type]):
            missing = _missing_fields(doc, list(keys))
            if missing:
                yield doc["id"], f"{doc['name']}未记载{'、'.join(missing)}:请更正文书补记后重新签发"


EVIDENCE_LIST = "evidence_list"


@check("evidence_list_signed", label="当事人提供证据的证据清单及其签名或盖章")
def evidence_list_signed(ctx: Context, rule: Rule) -> Iterator[Report]:
    """当事人提供证据,应制作证据清单,并签名或盖章: each 证据清单 lists what was handed in and carries the
    provider's own signature or seal (a refusal to sign is no signature: the text's alternative is
    to record the evidence in the 询问笔录 instead)."""
    for doc in ctx.live_documents([EVIDENCE_LIST]):
        missing = _missing_fields(doc, ["provided_by", "items"])
        if missing:
            yield doc["id"], f"{doc['name']}未记载{'、'.join(missing)}:请补充后重新签发"
        if not any(s["role"] == "party" and s["kind"] == "signed" for s in doc["signatures"]):
            yield doc["id"], f"{doc['name']}没有提供证据的当事人签名或盖章:请由当事人签名或盖章,或在询问笔录中记录所提供的证据"


SEIZURE_DECISION = "seizure_decision"
COERCIVE_RECORD = "coercive_measure_record"


@check("coercive_measure_documents", label="行政强制措施制作法定文书并告知诉权")
def coercive_measure_documents(ctx: Context, rule: Rule) -> Iterator[Report]:
    """A coercive measure (查封、扣押) is recorded by its statutory document, the 查封(扣押)决定书, and
    the party is told in it that it may sue against the measure (the words the profile's `told`
    lists must appear in its 救济途径)."""
    decisions = list(ctx.live_documents([SEIZURE_DECISION]))
    if not decisions:
        for record in ctx.live_documents([COERCIVE_RECORD]):
            yield record["id"], (f"{record['name']}记载了行政强制措施,但没有已签发的查封(扣押)决定书:"
                                 f"请制作并签发决定书")
    words = [str(w) for w in rule.values.get("told") or ["行政诉讼"]]
    for doc in decisions:
        remedy = str(doc["fields"].get("remedy") or "")
        if not any(w in remedy for w in words):
            yield doc["id"], (f"{doc['name']}未告知当事人对行政强制措施不服有权提起{'、'.join(words)}:"
                              f"请在救济途径中写明后重新签发")


_SEPARATORS = re.compile(r"[、,\uff0c;\uff1b/\s]+")
_BRACKETS = re.compile(r"[(\uff08][^)\uff09]*[)\uff09]")


def _named_people(text: str) -> list[str]:
    """The people a field lists ("艾丽(LD001)、安迪;张三(委托代理人)"): each name once, without
    what the brackets add."""
    names: list[str] = []
    for part in _SEPARATORS.split(_BRACKETS.sub("", text)):
        part = part.strip()
        if part and part not in names:
            names.append(part)
    return names


def _unsigned_participants(doc: dict[str, Any], keys: list[str]) -> list[str]:
    """Those the record lists as taking part (in `keys`) without a signature (or a recorded
    refusal) of theirs. A listed entry may carry a title ("局长张三"): it is signed for when a
    signer's name is in it."""
    signers = [str(s["name"]) for s in doc["signatures"] if s["kind"] in ("signed", "refused", "approval") and s.get("name")]
    listed: list[str] = []
    for key in keys:
        for name in _named_people(str(doc["fields"].get(key) or "")):
            if name not in listed:
                listed.append(name)
    return [n for n in listed if not any(_signed_as(n, s) for s in signers)]


# The titles a list of participants may put before or after a name ("副局长艾丽", "张三律师").
_TITLES_BEFORE = ("局长", "副局长", "科长", "副科长", "队长", "副队长", "中队长", "支队长", "大队长", "主任", "副主任",
                  "处长", "副处长", "所长", "站长", "组长", "书记", "委员", "律师", "法制员")
_TITLES_AFTER = ("律师", "同志", "先生", "女士", "主持人", "记录员", "书记员", "听证员", "调查人员", "执法人员",
                 "代理人", "委托代理人", "法定代表人", "负责人")


def _signed_as(listed: str, signer: str) -> bool:
    """Is the listed participant the signer? The same name, or it with a title before or after —
    not a longer name that merely begins or ends with it (莉娜 does not sign for 王莉娜 or 莉娜娜)."""
    if listed == signer:
        return True
    if listed.endswith(signer) and listed[:-len(signer)] in _TITLES_BEFORE:
        return True
    return listed.startswith(signer) and listed[len(signer):] in _TITLES_AFTER


def _all_participants_signed(ctx: Context, rule: Rule) -> Iterator[Report]:
    for doc_type, keys in (rule.values.get("documents") or {}).items():
        for doc in ctx.live_documents([doc_type]):
            unsigned = _unsigned_participants(doc, list(keys))
            if unsigned:
                yield doc["id"], (f"{doc['name']}所列参加人员{'、'.join(unsigned)}未签名或盖章:"
                                  f"请由全体参加人员签名")


@check("hearing_signatures", label="听证笔录由参加听证的所有人员签名")
def hearing_signatures(ctx: Context, rule: Rule) -> Iterator[Report]:
    """举行听证会的,应由参加听证会所有人员签名或盖章: everyone the 听证笔录 lists (host, clerk,
    investigators, the party and its agents) signs it."""
    yield from _all_participants_signed(ctx, rule)


HEARING_NOTICE = "hearing_notice"
HEARING_RECORD = "hearing_record"


@check("hearing_notice_receipt", label="听证会前告知并由当事人在送达回证上签字")
def hearing_notice_receipt(ctx: Context, rule: Rule) -> Iterator[Report]:
    """Before a hearing the party is told its time, place and content (听证通知书), and signs the
    送达回证 of that notice. Checked once a hearing is recorded, or once the case is decided."""
    hearings = list(ctx.live_documents([HEARING_RECORD]))
    notices = list(ctx.live_documents([HEARING_NOTICE]))
    if not hearings and not (notices and ctx.case["stage"] in ("serving", "closed", "archived")):
        return
    held = min((t for t in (ctx.doc_time(h, "started_at") for h in hearings) if t is not None), default=None)
    if not notices:
        yield hearings[0]["id"], "举行听证会前没有已签发的听证通知书:请制作听证通知书,告知当事人听证的时间、地点和内容"
        return
    for notice in notices:
        missing = _missing_fields(notice, ["hearing_at", "hearing_place", "content"])
        if missing:
            yield notice["id"], f"{notice['name']}未载明{'、'.join(missing)}:请补充后重新签发"
    served = [s for s in ctx.bundle["services"] if s.get("document_id") in {n["id"] for n in notices}]
    signed = [s for s in served if _signed_receipt(ctx, s)]
    if not signed:
        yield notices[0]["id"], f"{notices[0]['name']}没有当事人签收的送达回证:请送达并由当事人在送达回证上签字"
        return
    first = min((t for t in (ctx.time(s.get("served_at")) for s in signed) if t is not None), default=None)
    if held is not None and first is not None and first > held:
        yield notices[0]["id"], f"{notices[0]['name']}在听证会举行之后才送达:须在举行听证会前告知当事人"


# ---------------------------------------------------------------- 音像记录


def _av_of(ctx: Context, refs: list[str] | None) -> list[dict[str, Any]]:
    return [ctx.media[r] for r in refs or [] if ctx.media[r]["kind"] in AV_KINDS]


# Bundles written before the situations were entered in the UI named the forbidden ones by code;
# the catalogue's 执法情形 field stores what a person reads.
LEGACY_SITUATIONS = {"explosion_zone_without_ex_device": "爆炸危险区域未配备防爆音像记录设备",
                     "secret_without_consent": "涉及秘密或个人隐私未经当事人同意",
                     "unsuitable": "其他不适宜音像记录"}


def _situations(doc: dict[str, Any]) -> set[str]:
    return {LEGACY_SITUATIONS.get(str(x), str(x)) for x in doc.get("situations") or []}


def _forbidden(ctx: Context) -> set[str]:
    rule = ctx.profile.rules.get("av_forbidden")
    return {LEGACY_SITUATIONS.get(str(x), str(x)) for x in rule.values.get("items", ())} if rule else set()


def _av_acts(ctx: Context, rule: Rule) -> Iterator[tuple[dict[str, Any], set[str]]]:
    """The rule's acts: records of its document types (`items`), and any record whose act is in one of
    its situations (`situations`), with the situations that bring it in."""
    items = set(rule.values.get("items", ()))
    situations = set(rule.values.get("situations", ()))
    # `situation_items` narrows the situations to some acts (易引起争议的简易程序: its 当场处罚决定书).
    narrowed = set(rule.values.get("situation_items", ()))
    for doc in ctx.live_documents():
        hit = situations & _situations(doc) if not narrowed or doc["type"] in narrowed else set()
        if doc["type"] in items or hit:
            yield doc, hit


@check("av_required", "av_required_seizure", "av_required_enforcement", "av_required_coercion",
       "av_required_situations", label="应当音像记录的环节")
def av_required(ctx: Context, rule: Rule) -> Iterator[Report]:
    """The act is filmed when its record's type is one the text names, or when the officer ticked a
    situation the text names (易引起争议, 阻碍执法, 责令停工 …). A situation in which filming is
    forbidden, or a written reason (不适宜音像记录的除外), excuses it."""
    forbidden = _forbidden(ctx)
    for doc, hit in _av_acts(ctx, rule):
        if _av_of(ctx, doc.get("media")) or _filled(doc.get("av_exempt_reason")) or forbidden & _situations(doc):
            continue
        why = f"(情形:{'、'.join(sorted(hit))})" if hit else ""
        yield doc["id"], (f"{doc['name']}所记录的执法环节{why}应当同步音像记录,但未关联任何录音录像:"
                          f"请关联音像资料或说明不适宜音像记录的理由")


@check("av_forbidden", label="不得音像记录的情形")
def av_forbidden(ctx: Context, rule: Rule) -> Iterator[Report]:
    forbidden = _forbidden(ctx)
    for doc in ctx.live_documents():
        hit = forbidden & _situations(doc)
        if hit and _av_of(ctx, doc.get("media")):
            yield doc["id"], (f"{doc['name']}记录的情形({'、'.join(sorted(hit))})不得音像记录,却关联了录音录像:"
                              f"请说明情况并按规定处置该音像资料")


# rule id -> (the record's field, the rule's list of what it must show, the field's label)
AV_SHOOTING = {"av_manner": ("av_manner", "manner", "音像记录方式"),
               "av_focus": ("av_focus", "focus", "重点摄录内容")}


@check("av_manner", "av_focus", label="音像记录的录制方式和重点摄录内容")
def av_manner(ctx: Context, rule: Rule) -> Iterator[Report]:
    """Where the text prescribes how footage is made (from arrival, the site's front, without
    interruption, a spoken notice at the start) or what it dwells on (现场环境, 当事人言行 …), a
    filmed act's record states it: each item the rule lists is ticked in the record's field."""
    key, wanted_key, label = AV_SHOOTING[rule.id]
    wanted = [str(x) for x in rule.values.get(wanted_key, ())]
    for doc, _ in _av_acts(ctx, rule):
        if not _av_of(ctx, doc.get("media")):
            continue  # unfilmed: whether it had to be is av_required's question
        done = {str(x) for x in doc["fields"].get(key) or []}
        missing = [m for m in wanted if m not in done]
        if missing:
            yield doc["id"], (f"{doc['name']}的“{label}”未载明:{'、'.join(missing)}:"
                              f"请核实后更正文书并勾选;未做到的,说明原因并按规定补救")


def _tolerance(rule: Rule) -> dt.timedelta:
    tol = rule.values.get("tolerance") or {"amount": 5, "unit": "minutes"}
    return dt.timedelta(minutes=int(tol["amount"]) * (60 if tol["unit"] == "hours" else 1))


def _spans(ctx: Context, doc: dict[str, Any]) -> list[tuple[dt.datetime | None, dt.datetime | None, str]]:
    """(start, end, basis) of each recording of a document: a link made by hand gives its own span
    (a stated start, a segment) and says where a stated start comes from; others their file's times."""
    linked = {x["media"]: x for x in doc.get("media_links") or []}
    out = []
    for m in _av_of(ctx, doc.get("media")):
        link = linked.get(m["id"])
        if link is not None and (link.get("start") or link.get("end")):
            basis = f"开始时间依据{link['basis_label']}" if link.get("basis_label") else "人工关联"
            out.append((ctx.time(link.get("start")), ctx.time(link.get("end")), basis))
        else:
            out.append((ctx.time(m.get("recorded_start")), ctx.time(m.get("recorded_end")), ""))
    return out


@check("av_time_match", label="文书时间与音像起止时间一致")
def av_time_match(ctx: Context, rule: Rule) -> Iterator[Report]:
    tol = _tolerance(rule)
    for doc, span in (yield from _clip_spans(ctx, rule)):
        start, end, av_start, av_end = span
        if abs(av_start - start) > tol or abs(av_end - end) > tol:
            b = timez.beijing
            bases = sorted({basis for _, _, basis in _spans(ctx, doc) if basis})
            said = f"(其中人工关联的录像{'、'.join(bases)})" if bases else ""
            yield doc["id"], (f"{doc['name']}记载的时间 {b(start):%H:%M}–{b(end):%H:%M} 与音像记录的起止时间 "
                              f"{b(av_start):%H:%M}–{b(av_end):%H:%M}{said}相差超过{int(tol.total_seconds() // 60)}分钟:"
                              f"请核对并更正文书时间或说明原因")


Span = tuple[dt.datetime, dt.datetime, dt.datetime, dt.datetime]


def _clip_span(ctx: Context, doc: dict[str, Any]) -> Span | str | None:
    """The document's own start and end, and the span of the recordings linked to it; or what is
    missing to compare them (a comparison skipped in silence would pass a record it cannot judge).
    None when no recording is linked: whether one must be is av_required's question."""
    spans = _spans(ctx, doc)  # a recording linked by hand counts with its own (stated) span
    if not spans:
        return None
    start, end = ctx.doc_time(doc, "started_at"), ctx.doc_time(doc, "ended_at")
    if start is None or end is None:
        return "未记载起止时间"
    starts = [t for t, _, _ in spans if t is not None]
    ends = [t for _, t, _ in spans if t is not None]
    if not starts or not ends:
        return "所关联的音像资料没有录制起止时间"
    return start, end, min(starts), max(ends)


def _uncomparable(doc: dict[str, Any], missing: str) -> Report:
    return doc["id"], f"{doc['name']}{missing},无法核对文书时间与音像记录是否一致:请补充后再核对"


def _clip_spans(ctx: Context, rule: Rule) -> Generator[Report, None, list[tuple[dict[str, Any], Span]]]:
    """The rule's records with footage whose times can be compared, and their spans; a record that
    cannot be compared is reported (yielded) instead. Use as `for doc, span in (yield from …)`."""
    comparable = []
    for doc in ctx.live_documents(rule.values.get("items", INVESTIGATION_RECORDS)):
        span = _clip_span(ctx, doc)
        if isinstance(span, str):
            yield _uncomparable(doc, span)
        elif span is not None:
            comparable.append((doc, span))
    return comparable


@check("av_whole_activity", label="音像记录自到达现场至执法活动结束")
def av_whole_activity(ctx: Context, rule: Rule) -> Iterator[Report]:
    """The recording spans the activity (from arrival to its end): the record's times must lie
    within the footage. Unlike av_time_match, footage that runs longer than the record is right."""
    tol = _tolerance(rule)
    for doc, span in (yield from _clip_spans(ctx, rule)):
        start, end, av_start, av_end = span
        if av_start - start > tol or end - av_end > tol:
            b = timez.beijing
            yield doc["id"], (f"{doc['name']}记载的执法活动 {b(start):%H:%M}–{b(end):%H:%M} 未被音像记录 "
                              f"{b(av_start):%H:%M}–{b(av_end):%H:%M} 全程覆盖:音像记录应自到达现场开始、"
                              f"至执法活动结束时停止:请核对文书时间或说明未记录的原因")


@check("evidence_uninterrupted", label="录像中断须说明")
def evidence_uninterrupted(ctx: Context, rule: Rule) -> Iterator[Report]:
    for gap in ctx.bundle["interruptions"]:
        if gap["status"] == "open":
            yield gap["id"], (f"设备 {gap.get('device') or ''} 录像中断{gap['gap_seconds']:.0f}秒未作说明:"
                              f"请补充中断原因的语音或书面说明")


def _storage_due(ctx: Context, rule: Rule, m: dict[str, Any],
                 end: dt.datetime) -> tuple[dt.datetime, dt.datetime, str, str]:
    """(due, start, what the period runs from, the period) of a recording's storage. `from: returned` counts from the
    officer's return to the office (返回单位后24小时内) where it is recorded; `delayed` is the longer
    period a recorded delay reason allows (特殊情况不得超过3个工作日; 连续工作…返回单位后24小时内),
    counted from the return too."""
    returned = ctx.time(m.get("returned_at"))
    start, basis = end, "录制结束"
    if rule.values.get("from") == "returned" and returned is not None:
        start, basis = returned, "返回单位"
    due = _due(start, rule)
    if "delayed" in rule.values and _filled(m.get("storage_delay_reason")):
        later = _due(returned or end, rule, "delayed")
        if later > due:
            due, start = later, returned or end
            basis = f"{'返回单位' if returned else '录制结束'}(已说明迟延原因)"
            return due, start, basis, rule.period_label("delayed")
    return due, start, basis, rule.period_label()


@check("recording_stop_report", label="无法继续音像记录的报告和书面说明")
def recording_stop_report(ctx: Context, rule: Rule) -> Iterator[Report]:
    """确实无法继续记录的: reported at once to the head of the unit (the report names the head and when)
    and explained in writing afterwards."""
    for s in ctx.bundle.get("recording_stops") or []:
        if not _filled(s.get("reported_to_name")) or not s.get("reported_at"):
            yield s["id"], "无法继续音像记录,未记录向所属部门负责人报告的情况:请补充报告对象和时间"
        if not _filled(s.get("explanation")):
            yield s["id"], (f"{timez.beijing(ctx.time(s['stopped_at']) or ctx.now):%m月%d日%H:%M}无法继续音像记录"
                            f"({s['cause']}),尚无事后书面说明:请补充书面说明")


@check("evidence_storage", label="音像资料按期存储并标明信息")
def evidence_storage(ctx: Context, rule: Rule) -> Iterator[Report]:
    for m in ctx.bundle["media"]:
        if m["class"] not in ("case", "patrol"):
            continue
        end, stored = ctx.time(m.get("recorded_end")), ctx.time(m["ingested_at"])
        if end is not None and stored is not None:
            due, start, basis, period = _storage_due(ctx, rule, m, end)
            # Footage is known only once stored, so this deadline is always met (on time or late).
            ctx.deadline(m["id"], f"音像资料「{m.get('original_name') or m['id']}」存储上传", due, met_at=stored)
            if stored > due:
                # A lapse in the past: nothing can be added to repair it but its reason, acknowledged.
                yield m["id"], (f"音像资料在{basis}{_hours(stored - start)}后才存储,超过{period}的期限"
                                + ("(未记录迟延原因)" if "delayed" in rule.values
                                   and not _filled(m.get("storage_delay_reason")) else "")), LAPSE
            if ("delayed" in rule.values and _filled(m.get("storage_delay_reason"))
                    and rule.values.get("from") != "returned" and not m.get("returned_at")):
                yield m["id"], "音像资料记录了迟延存储的原因,但未登记返回单位时间:请补充返回单位时间"
        if m["class"] == "case":
            labels = m.get("labels") or {}
            missing = [n for k, n in (("case_number", "案号"), ("party", "当事人"), ("handler", "承办人"))
                       if not _filled(labels.get(k))]
            if missing:
                yield m["id"], f"音像资料未标明{'、'.join(missing)}:请关联案件并补充标注"


NAMING_LABELS = {"title": "名称", "category": "分类", "place": "场所", "description": "内容描述"}


@check("evidence_naming", label="音像资料按期分类命名")
def evidence_naming(ctx: Context, rule: Rule) -> Iterator[Report]:
    label = rule.period_label()
    for m in ctx.bundle["media"]:
        if m["class"] not in ("case", "patrol"):
            continue
        stored = ctx.time(m["ingested_at"])
        assert stored is not None
        due = _due(stored, rule)
        named = ctx.time(m.get("labelled_at"))
        missing = ["名称", "分类", "内容描述"]
        wanted = [str(k) for k in rule.values.get("fields", ())]
        if wanted:
            # The text names what sorting gives (名称、分类、场所、内容描述): done when all of it is there.
            missing = [NAMING_LABELS.get(k, k) for k in wanted if not _filled(m.get(k))]
            named = None if missing else ctx.time(m.get("catalogued_at"))
        ctx.deadline(m["id"], f"音像资料「{m.get('original_name') or m['id']}」分类命名", due, met_at=named)
        if named is None and ctx.now > due:
            yield m["id"], f"音像资料存储后{label}内应分类整理并命名,已逾期:请补充{'、'.join(missing)}"
        elif named is not None and named > due:
            yield m["id"], f"音像资料在存储{label}后才命名分类", LAPSE


@check("evidence_no_alteration", label="音像资料不得伪造、剪接、删改、销毁")
def evidence_no_alteration(ctx: Context, rule: Rule) -> Iterator[Report]:
    """An original whose bytes no longer match the digest taken at ingest has been altered or lost
    (the store keeps originals write-once; only a fault or a hand outside LawTrail changes them)."""
    for m in ctx.bundle["media"]:
        if m.get("fixity_ok") is False:
            yield m["id"], (f"音像资料 {m.get('original_name') or m['id']} 的原件校验不一致或已缺失,"
                            f"可能被删改或损毁:请从备份恢复原件并书面说明情况")


# ---------------------------------------------------------------- 审查决定


@check("decision_contents", label="决定书载明法定内容", blocks=("serving", "closed"))
def decision_contents(ctx: Context, rule: Rule) -> Iterator[Report]:
    items = list(rule.values.get("items", ()))
    found = False
    for doc in ctx.live_documents(DECISION_DOCUMENTS):
        found = True
        missing = [_field_label(doc["type"], k) for k in items if not _filled(doc["fields"].get(k))]
        if missing:
            yield doc["id"], f"{doc['name']}缺少法定载明事项:{'、'.join(missing)}:请补充后重新签发"
    # The other decisive documents a regulation names (先行登记保存决定书 …), each with its own items.
    for doc_type, keys in (rule.values.get("documents") or {}).items():
        for doc in ctx.live_documents([doc_type]):
            missing = _missing_fields(doc, list(keys))
            if missing:
                yield doc["id"], f"{doc['name']}缺少法定载明事项:{'、'.join(missing)}:请补充后重新签发"
    # A simple-procedure penalty is decided on the spot in its own 当场处罚决定书 (not this check's).
    if (not found and ctx.case["decision_kind"] == "penalty" and ctx.case["procedure"] == "general"
            and ctx.case["stage"] in ("serving", "closed", "archived")):
        yield CASE_SUBJECT, "已作出行政处罚决定,但案件中没有已签发的行政处罚(处理)决定书:请制作并签发决定书"


STATEMENT_RECORD = "statement_record"
STATEMENT_REVIEW = "statement_review_opinion"


@check("statement_review", label="陈述申辩的记录和复核意见", blocks=("serving", "closed", "archived"))
def statement_review(ctx: Context, rule: Rule) -> Iterator[Report]:
    """当事人进行陈述、申辩的: what it put forward is written down (陈述申辩笔录), and the agency's
    review of it and what it made of it (复核及处理意见: 陈述申辩复核意见书) recorded, before the
    decision goes out."""
    statements = list(ctx.live_documents([STATEMENT_RECORD]))
    if not statements:
        return
    for doc in statements:
        missing = _missing_fields(doc, ["statement"])
        if missing:
            yield doc["id"], f"{doc['name']}未记录{'、'.join(missing)}:请补充"
    last = max((t for t in (ctx.doc_moment(d) for d in statements) if t is not None), default=None)
    reviews = list(ctx.live_documents([STATEMENT_REVIEW]))
    if not reviews:
        yield statements[0]["id"], "当事人进行了陈述、申辩,没有对其复核及处理意见的记录:请制作陈述申辩复核意见书"
        return
    for doc in reviews:
        missing = _missing_fields(doc, ["statement", "review", "adopted", "reasons"])
        if missing:
            yield doc["id"], f"{doc['name']}未记录{'、'.join(missing)}:请补充后重新签发"
    latest = max((t for t in (ctx.doc_moment(d) for d in reviews) if t is not None), default=None)
    if last is not None and latest is not None and latest < last:
        yield reviews[0]["id"], f"{reviews[0]['name']}早于最后一次陈述、申辩:请对最后的陈述、申辩复核并记录"


@check("discussion_signatures", label="集体讨论记录由参加讨论人员签名")
def discussion_signatures(ctx: Context, rule: Rule) -> Iterator[Report]:
    """参加讨论人员应签名: everyone the 集体讨论记录 lists as taking part signs it."""
    yield from _all_participants_signed(ctx, rule)


@check("approval_forms_drafted", label="草拟告知书、决定书时制作报批表", blocks=("serving", "closed", "archived"))
def approval_forms_drafted(ctx: Context, rule: Rule) -> Iterator[Report]:
    """草拟事先告知书、决定书时,应制作报批表 (事先告知报批表, 处罚(处理)报批表) showing the handler and
    the reviewer, the legal basis and the evidence. The profile pairs each document with its form
    (`documents`) and names the fields the form must carry (`items`); the form is made no later
    than its document is issued."""
    items = list(rule.values.get("items") or [])
    for doc_type, form_type in (rule.values.get("documents") or {}).items():
        for doc in ctx.live_documents([doc_type]):
            forms = list(ctx.live_documents([str(form_type)]))
            issued = ctx.time(doc.get("issued_at"))
            form_name = _type_name(str(form_type))
            if not forms:
                yield doc["id"], f"{doc['name']}没有对应的{form_name}:请制作报批表并报批"
                continue
            made = min((t for t in (ctx.time(f["created_at"]) for f in forms) if t is not None), default=None)
            if issued is not None and made is not None and made > issued:
                yield doc["id"], f"{form_name}在{doc['name']}签发之后才制作:报批表应在草拟时制作"
            for form in forms:
                missing = _missing_fields(form, items)
                if missing:
                    yield form["id"], f"{form['name']}未载明{'、'.join(missing)}:请补充后重新签发"


def _type_name(code: str) -> str:
    from lawtrail.documents.catalogue import catalogue

    spec = catalogue().get(code)
    return spec.name if spec is not None else code


# ---------------------------------------------------------------- 送达执行


@check("lodged_service", label="留置送达的见证人")
def lodged_service(ctx: Context, rule: Rule) -> Iterator[Report]:
    needed = int(rule.values.get("witnesses", 1))
    for s in ctx.bundle["services"]:
        if s["method"] == "lodged" and len(s.get("witnesses") or []) < needed:
            yield s["id"], f"留置送达{s['document']}须有{needed}名以上见证人签名,当前{len(s.get('witnesses') or [])}名:请补充见证人"


def _approved_public_notice(ctx: Context, ref: str | None) -> bool:
    doc = ctx.documents.get(ref or "")
    if doc is None or doc["type"] != PUBLIC_APPROVAL or doc["status"] != "issued":
        return False
    return any(s["kind"] == "approval" and s.get("approved") for s in doc["signatures"])


PROOFS = {
    "media": "送达过程的音像记录",
    "receipt": "付邮凭证和回执",
    "attempts": "已采用其他方式均无法送达的情况",
    "approval": "经批准的公告送达审批意见书",
    "record": "截屏、截图、录音或屏幕录像等记录",
    "note": "在送达回证上注明的情况",
    "witnesses": "见证人",
    "fax": "传真时间和受送达人的传真号码",
    "signed_receipt": "受送达人签收的送达回证",
    "refusal": "送达回证上记明的拒收事由和日期",
    "entrust_reason": "送达回证上记录的委托、转交原因",
}


def _signed_receipt(ctx: Context, service: dict[str, Any]) -> bool:
    """The service's issued 送达回证 carries the recipient's signature."""
    receipt = ctx.documents.get(service.get("receipt_document") or "")
    return (receipt is not None and receipt["status"] == "issued"
            and any(x["role"] == "party" and x["kind"] == "signed" for x in receipt["signatures"]))


@check("lodged_service_av", "mail_service", "public_service", "electronic_service", "entrusted_service",
       "lodged_service_refusal", label="送达方式的留痕要求")
def service_proofs(ctx: Context, rule: Rule) -> Iterator[Report]:
    methods = set(rule.values.get("methods", ()))
    items = list(rule.values.get("items", ()))
    for s in ctx.bundle["services"]:
        if s["method"] not in methods:
            continue
        missing = []
        for item in items:
            if item == "media":
                # A photo counts: the regulations accept 拍照、录像、录音.
                ok = bool(s.get("media"))
            elif item == "approval":
                ok = _approved_public_notice(ctx, s.get("approval_document"))
            elif item == "record":
                ok = _filled(s.get("record")) or bool(s.get("media"))
            elif item == "receipt":
                # A mail the post office returned has no 回执: what became of it is recorded instead.
                ok = _filled(s.get("receipt")) or _filled(s.get("returned"))
            elif item == "signed_receipt":
                ok = _signed_receipt(ctx, s)
            elif item == "fax":
                # Asked of a fax only (an e-mail has no fax number): one recorded as 传真送达, or an
                # older electronic service whose note or record says it went by fax.
                # Recorded as 传真送达, the number has its field and the time is the service's own.
                by_fax = s["method"] == "fax" or "传真" in f"{s.get('note') or ''}{s.get('record') or ''}"
                ok = _filled(s.get("fax")) or _filled(s.get("fax_number")) or not by_fax
            else:
                ok = _filled(s.get(item))
            if not ok:
                missing.append(PROOFS.get(item, item))
        if missing:
            yield s["id"], f"{METHOD_LABELS[s['method']]}{s['document']}缺少{'、'.join(missing)}:请补充"


def excluded_service_methods(rule: Rule) -> tuple[set[str], set[str]]:
    """The `electronic_service_excluded` rule's service methods and the document types (the
    decision documents) they may not serve: read by the check and by the gate that refuses such a
    service when it is registered (compliance/gates.py)."""
    return set(rule.values.get("methods", ("electronic",))), set(rule.values.get("items", ()))


@check("electronic_service_excluded", label="决定文书不得以传真、电子邮件等方式送达")
def electronic_service_excluded(ctx: Context, rule: Rule) -> Iterator[Report]:
    """The methods a regulation refuses for decision documents (the commission's 第十六条(四):
    传真、电子邮件…(行政执法决定文书除外)): a decision served that way is not served."""
    methods, decisions = excluded_service_methods(rule)
    for s in ctx.bundle["services"]:
        if s["method"] not in methods:
            continue
        doc = ctx.documents.get(s.get("document_id") or "")
        # A service recorded before documents were picked names its document in words only.
        is_decision = doc["type"] in decisions if doc is not None else "决定书" in str(s.get("document") or "")
        if is_decision:
            yield s["id"], (f"{_served_name(ctx, s)}是行政执法决定文书,不得以{METHOD_LABELS[s['method']]}方式送达:"
                            f"请改用直接、留置、邮寄、委托或公告送达并记录")


@check("service_receipt_signed", label="直接、委托送达须有受送达人签收的送达回证")
def service_receipt_signed(ctx: Context, rule: Rule) -> Iterator[Report]:
    """A service by hand (directly, or through someone entrusted) is proven by its 送达回证, signed
    by the recipient: the service must name its receipt, and the receipt carry that signature."""
    methods = set(rule.values.get("methods", ("direct",)))
    for s in ctx.bundle["services"]:
        if s["method"] not in methods:
            continue
        receipt = ctx.documents.get(s.get("receipt_document") or "")
        what = f"{METHOD_LABELS[s['method']]}{_served_name(ctx, s)}"
        if receipt is None or receipt["status"] != "issued":
            yield s["id"], f"{what}没有对应的送达回证:请制作送达回证并由受送达人签收"
        elif not _signed_receipt(ctx, s):
            yield s["id"], f"{what}的送达回证没有受送达人签收:请由受送达人在送达回证上签名或盖章"


DECIDING_KINDS = {"penalty": "行政处罚决定书", "order": "责令改正决定书", "no_penalty": "不予行政处罚决定书"}


def _served_name(ctx: Context, service: dict[str, Any]) -> str:
    doc = ctx.documents.get(service.get("document_id") or "")
    # A service recorded before documents were picked (or imported) names its document in words.
    return str(doc["name"]) if doc is not None else str(service.get("document") or "")


@check("decision_before_service", label="先有决定书,后送达", blocks=("closed",))
def decision_before_service(ctx: Context, rule: Rule) -> Iterator[Report]:
    """What is served is a document issued before its service; a decided case serves its decision."""
    for s in ctx.bundle["services"]:
        ref = s.get("document_id")
        if not ref:
            continue
        doc = ctx.documents.get(ref)
        issued = ctx.time(doc.get("issued_at")) if doc else None
        served = ctx.time(s.get("served_at"))
        if doc is None or doc["status"] == "draft" or issued is None:
            yield s["id"], f"送达的{s['document']}不是本案已签发的文书:请先签发再送达"
        # A service time is given to the minute (as the 送达回证 records it): within the minute of issue is after it.
        elif served is not None and served < issued.replace(second=0, microsecond=0):
            yield s["id"], f"{s['document']}的送达时间早于其签发时间:请核对送达时间或文书"
    if "within" in rule.values:
        # 第六十一条: a decision not handed over when announced is served within 7 days (期限预警).
        for doc in ctx.live_documents(DECISION_DOCUMENTS):
            issued = ctx.time(doc.get("issued_at"))
            if issued is None:
                continue
            times = [ctx.time(s.get("served_at")) for s in ctx.bundle["services"] if s.get("document_id") == doc["id"]]
            served = min((t for t in times if t is not None), default=None)
            ctx.deadline(doc["id"], f"{doc['name']}送达当事人", _due(issued, rule), met_at=served)
    kind = ctx.case.get("decision_kind") or ""
    if (ctx.case["procedure"] == "general" and kind in DECIDING_KINDS and ctx.bundle["services"]
            and not any("决定书" in _served_name(ctx, s) for s in ctx.bundle["services"])):
        yield CASE_SUBJECT, f"已作出处理决定,但送达记录中没有送达{DECIDING_KINDS[kind]}:请从本案已签发的文书中选择决定书登记送达"


@check("service_before_enforcement", label="决定送达后方可强制执行")
def service_before_enforcement(ctx: Context, rule: Rule) -> Iterator[Report]:
    enforcement = list(ctx.live_documents(ENFORCEMENT_DOCUMENTS))
    if not enforcement:
        return
    first = min(enforcement, key=lambda d: ctx.doc_moment(d) or ctx.now)
    first_at = ctx.doc_moment(first) or ctx.now
    served = [t for t in (ctx.time(s.get("served_at")) for s in ctx.bundle["services"]) if t is not None]
    if not any(t < first_at for t in served):
        yield first["id"], f"{first['name']}之前没有处理决定的送达记录:决定送达当事人、履行期限届满后方可强制执行"


@check("reminder_before_enforcement", label="强制执行前催告")
def reminder_before_enforcement(ctx: Context, rule: Rule) -> Iterator[Report]:
    enforcement = list(ctx.live_documents(ENFORCEMENT_DOCUMENTS))
    if not enforcement:
        return
    first = min(enforcement, key=lambda d: ctx.doc_moment(d) or ctx.now)
    first_at = ctx.doc_moment(first) or ctx.now
    reminders = [d for d in ctx.live_documents([REMINDER]) if (ctx.doc_moment(d) or ctx.now) < first_at]
    if not reminders:
        yield first["id"], f"{first['name']}之前没有已签发的履行催告书:强制执行前须制作催告书并送达当事人"
        return
    served = any(
        any(s["role"] == "party" and s["kind"] in ("signed", "refused") for s in d["signatures"])
        for d in reminders
    ) or any("催告" in s["document"] for s in ctx.bundle["services"])
    if not served:
        yield reminders[0]["id"], "催告书尚未送达当事人:请记录催告书的送达(签收或送达回证)"


@check("case_file", label="按期立卷归档", blocks=("archived",))
def case_file(ctx: Context, rule: Rule) -> Iterator[Report]:
    closed = ctx.time(ctx.case.get("closed_at"))
    if closed is None:
        return
    due = _due(closed, rule)
    record = ctx.bundle.get("case_file") or {}
    assembled = ctx.time(record.get("assembled_at"))
    label = rule.period_label()
    ctx.deadline(CASE_SUBJECT, "结案后形成案卷、立卷归档", due, met_at=assembled)
    if assembled is None and ctx.now > due:
        yield CASE_SUBJECT, f"结案后{label}内应形成案卷,已逾期(期限{timez.beijing(due):%Y-%m-%d}):请立即组卷归档"
    elif assembled is not None and assembled > due:
        yield CASE_SUBJECT, f"案卷在结案{label}后才形成(期限{timez.beijing(due):%Y-%m-%d})", LAPSE


@check("case_file_after_decision", label="决定书作出后按期形成案卷", blocks=("archived",))
def case_file_after_decision(ctx: Context, rule: Rule) -> Iterator[Report]:
    """The case file formed within its period of the decision document (the commission's 第五条:
    在行政执法决定书作出后30日内…形成案卷), counted from the issue of the first decision document the
    profile names (`items`). Its 第十九条 counts 30 days from the end of the act (case_file), and the
    file holds the records of the act to its end, so it is formed after closing (archive refuses it
    before). Both stand: where the act ended within the decision's period, the file is due by that
    period's end, the earlier of the two; where performance or enforcement ran past it, 第十九条's
    deadline from the end of the act is the one the file can meet, and this check leaves it to that."""
    issued = sorted(t for t in (ctx.time(d.get("issued_at"))
                                for d in ctx.live_documents(rule.values.get("items", DECISION_DOCUMENTS)))
                    if t is not None)
    closed = ctx.time(ctx.case.get("closed_at"))
    if not issued or closed is None:
        return
    due = _due(issued[0], rule)
    if closed > due:
        return
    assembled = ctx.time((ctx.bundle.get("case_file") or {}).get("assembled_at"))
    label = rule.period_label()
    ctx.deadline(CASE_SUBJECT, "决定书作出后形成案卷", due, met_at=assembled)
    if assembled is None and ctx.now > due:
        yield CASE_SUBJECT, (f"行政执法决定书作出后{label}内应形成案卷,已逾期(期限{timez.beijing(due):%Y-%m-%d}):"
                             f"请立即组卷")
    elif assembled is not None and assembled > due:
        yield CASE_SUBJECT, f"案卷在决定书作出{label}后才形成(期限{timez.beijing(due):%Y-%m-%d})", LAPSE


# ---------------------------------------------------------------- 决定后的跟进

FOLLOW_UP_LABELS = {"performance": "履行情况检查", "rectification": "整改核查", "court_acceptance": "法院受理",
                    "court_result": "法院强制执行结果"}
DECIDED = ("penalty", "order")
AFTER_DECISION = ("serving", "closed", "archived")


def _day(ctx: Context, value: str | None) -> dt.date | None:
    moment = ctx.time(value)
    return timez.beijing(moment).date() if moment is not None else None


@check("follow_up_checks", label="履行情况检查和按期整改核查", blocks=("closed", "archived"))
def follow_up_checks(ctx: Context, rule: Rule) -> Iterator[Report]:
    """After a decision the party's 履行情况 is checked and written down, and a 责令改正 is checked
    by its due date (按期核查). A check still to be made once its date has passed blocks until it is
    made; one made after its date is a lapse (it cannot be made on time any more). Cases of the
    简易程序 record the payment on the spot in their own record (第二十条 of the texts that have one)."""
    case = ctx.case
    if case["procedure"] != "general" or case["decision_kind"] not in DECIDED or case["stage"] not in AFTER_DECISION:
        return
    follow_ups = ctx.bundle.get("follow_ups") or []
    today = timez.beijing(ctx.now).date()
    if not any(f["kind"] == "performance" and f.get("checked_at") for f in follow_ups):
        yield CASE_SUBJECT, "作出决定后未记录对当事人履行决定情况的检查:请检查履行情况并记录"
    if case["decision_kind"] == "order" and not any(f["kind"] == "rectification" for f in follow_ups):
        yield CASE_SUBJECT, "责令改正的决定未登记整改期限:请登记整改期限,并按期核查改正情况"
    for f in follow_ups:
        due = dt.date.fromisoformat(f["due_on"]) if f.get("due_on") else None
        if f["kind"] not in ("performance", "rectification") or due is None:
            continue
        what = FOLLOW_UP_LABELS[f["kind"]]
        # 期限预警: the check may be made all of its due day (Beijing time).
        ctx.deadline(f["id"], what, dt.datetime.combine(due + dt.timedelta(days=1), dt.time(), tzinfo=timez.BEIJING),
                     met_at=ctx.time(f.get("checked_at")))
        checked = _day(ctx, f.get("checked_at"))
        if checked is None:
            if today > due:
                yield f["id"], f"{what}期限{due:%Y年%m月%d日}已过{(today - due).days}天仍未核查:请核查并记录"
        elif checked > due:
            yield f["id"], f"{what}未按期进行:期限{due:%Y年%m月%d日},{checked:%Y年%m月%d日}才核查", LAPSE


@check("court_enforcement_record", label="法院受理通知书和强制执行结果的记录", blocks=("closed", "archived"))
def court_enforcement_record(ctx: Context, rule: Rule) -> Iterator[Report]:
    """申请法院强制执行的: the court's 受理通知书 is kept and the result of its enforcement recorded."""
    applications = list(ctx.live_documents(["enforcement_application"]))
    if not applications:
        return
    done = {f["kind"] for f in ctx.bundle.get("follow_ups") or [] if f.get("checked_at")}
    missing = [FOLLOW_UP_LABELS[k] + ("通知书" if k == "court_acceptance" else "")
               for k in ("court_acceptance", "court_result") if k not in done]
    if missing:
        yield applications[0]["id"], f"已申请法院强制执行,未记录{'、'.join(missing)}:请保存并记录"
