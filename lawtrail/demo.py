"""Demo data: one agency per regulation profile in one installation. This module holds the labour
agency (two units, officers with 执法证号, cases in different stages, a complaint, a patrol, footage
and its disposal); lawtrail.demo_agencies holds the other four.

Loaded through the real actions, so the demo's timeline is what real use produces.
Idempotent: a second run finds each agency and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from lawtrail.accounts.actions import do_create_agency, do_create_unit, do_create_user
from lawtrail.accounts.choices import Role
from lawtrail.accounts.models import Agency, User
from lawtrail.cases import actions as ca
from lawtrail.cases.choices import ApprovalKind, Stage
from lawtrail.events.context import Origin, origin
from lawtrail.lib import timez
from lawtrail.lib.ids import id_check_char, uscc_check_char

AGENCY_NAME = "名山区劳动保障监察大队"
PASSWORD = "lawtrail2026"

# (username, name, unit index or None, roles with scope "unit"/"agency", cert number)
PEOPLE = [
    ("zhangwei", "张伟", 0, [(Role.OFFICER, "unit"), (Role.HANDLER, "unit")], "川劳监2026001"),
    ("liqiang", "李强", 0, [(Role.OFFICER, "unit")], "川劳监2026002"),
    ("wangfang", "王芳", 1, [(Role.OFFICER, "unit"), (Role.HANDLER, "unit")], "川劳监2026003"),
    ("zhaolei", "赵磊", 0, [(Role.HEAD, "unit")], "川劳监2026004"),
    ("chenjing", "陈静", None, [(Role.HEAD, "agency")], "川劳监2026005"),
    ("liuyang", "刘洋", None, [(Role.LEGAL_REVIEWER, "agency")], None),
    ("sunli", "孙丽", None, [(Role.ARCHIVIST, "agency")], None),
    ("zhoujie", "周杰", None, [(Role.SUPERVISOR, "agency")], None),
    ("admin", "系统管理员", None, [(Role.ADMIN, "agency")], None),
]


def _uscc(body: str) -> str:
    return body + uscc_check_char(body)


def _id(body: str) -> str:
    return body + id_check_char(body)


LABOUR_UNITS = ("监察一中队", "监察二中队")


def demo_logins_by_agency() -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Each demo agency's name and its logins: (username, password, who — name, roles and unit)."""
    from lawtrail.demo_agencies import AGENCIES, people_of

    labels = {r.value: r.label for r in Role}

    def logins(people: list[Any], units: tuple[str, str]) -> list[tuple[str, str, str]]:
        return [(u, PASSWORD, f"{n} · " + "、".join(labels[r] for r, _ in roles) + (
            f" · {units[unit]}" if unit is not None else "")) for u, n, unit, roles, _ in people]

    return [(AGENCY_NAME, logins(PEOPLE, LABOUR_UNITS)),
            *((spec.name, logins(people_of(spec), spec.units)) for spec in AGENCIES)]


# Who does what in a demo agency's cases, by the part they play (as lawtrail.testing.personas names them).
CAST = ("handler", "partner", "other_handler", "unit_head", "head", "legal_reviewer", "archivist", "supervisor")


def demo_cast(profile_id: str) -> dict[str, str]:
    """The usernames of the demo agency of `profile_id`, by the part they play (CAST)."""
    from lawtrail.demo_agencies import spec_of

    names: tuple[str, ...]
    if profile_id == "labor-inspection":
        names = ("zhangwei", "liqiang", "wangfang", "zhaolei", "chenjing", "liuyang", "sunli", "zhoujie")
    else:
        names = tuple(username for username, _ in spec_of(profile_id).people)
    return dict(zip(CAST, names, strict=True))


def demo_agency_name(profile_id: str) -> str:
    from lawtrail.demo_agencies import spec_of

    return AGENCY_NAME if profile_id == "labor-inspection" else spec_of(profile_id).name


def demo_logins() -> list[tuple[str, str, str]]:
    return [login for _agency, logins in demo_logins_by_agency() for login in logins]


# A supervising office across the demo agencies (an installation serving a district's agencies):
# it reads every agency's dashboards and changes nothing.
OVERSIGHT = ("jiandu", "区司法局执法监督科", "韩立")


def demo_oversight_login() -> tuple[str, str, str]:
    username, office, name = OVERSIGHT
    return username, PASSWORD, f"{name} · 监督人员 · {office}(只读查看全部演示机关的数据看板)"


def _ensure_oversight() -> None:
    """The supervising office's login, overseeing every demo agency loaded (added once per agency)."""
    from lawtrail.accounts.actions import do_grant_oversight
    from lawtrail.accounts.models import OversightGrant

    username, _office, name = OVERSIGHT
    with origin(Origin(channel="cli")):
        user = User.objects.filter(username=username).first() or do_create_user(
            username=username, password=PASSWORD, full_name=name, agency=None, unit=None,
            roles=[(Role.SUPERVISOR, None)], actor=None)
        have = OversightGrant.objects.filter(user=user).values("agency_id")
        missing = list(Agency.objects.exclude(pk__in=have).order_by("pk"))
        if missing:
            do_grant_oversight(user, agencies=missing, actor=None)


def ensure_demo(profiles: Iterable[str] | None = None) -> bool:
    """Load each demo agency that is not there yet (only those of `profiles`, if given: a test may
    want one); True if any was loaded now."""
    from lawtrail.demo_agencies import AGENCIES, load_agency

    wanted = set(profiles) if profiles is not None else {"labor-inspection", *(s.profile_id for s in AGENCIES)}
    loaded = _ensure_labour() if "labor-inspection" in wanted else False
    for spec in AGENCIES:
        if spec.profile_id not in wanted or Agency.objects.filter(name=spec.name).exists():
            continue
        with origin(Origin(channel="cli")):
            load_agency(spec, password=PASSWORD, handwriting=_handwriting, serve=_serve_decision)
        loaded = True
    _ensure_devices()
    _ensure_oversight()
    return loaded


def _ensure_devices() -> None:
    """Each demo agency's body cams and storage devices in the registry (once)."""
    from lawtrail.devices.demo import seed_devices

    with origin(Origin(channel="cli")):
        for agency in Agency.objects.order_by("pk"):
            seed_devices(agency)


def _ensure_labour() -> bool:
    agency = Agency.objects.filter(name=AGENCY_NAME).first()
    if agency is not None:
        # A demo loaded before it had documents or an archived case gets them now (and only once).
        with origin(Origin(channel="cli")):
            _load_documents(agency)
        loaded = _ensure_archived_case()
        return _ensure_review() or loaded
    with origin(Origin(channel="cli")):
        _load()
        _load_documents(Agency.objects.get(name=AGENCY_NAME))
    _ensure_archived_case()
    _ensure_review()
    return True


def _ensure_archived_case() -> bool:
    """An archived case with its bound case file (案卷), added to a demo that lacks one."""
    from lawtrail.archive.models import CaseFile

    agency = Agency.objects.filter(name=AGENCY_NAME).first()
    if agency is None or CaseFile.objects.filter(agency=agency).exists():
        return False
    with origin(Origin(channel="cli")):
        _load_archived_case(agency)
    return True


def _load_archived_case(agency: Agency) -> None:
    from lawtrail.archive.actions import do_assemble_case_file, do_bind_case_file
    from lawtrail.cases.models import Party

    zw, lq, chen, liu, sun = (User.objects.get(username=u) for u in ("zhangwei", "liqiang", "chenjing", "liuyang", "sunli"))
    party = Party.objects.filter(agency=agency, name="名山区宏达建筑劳务有限公司").first() or ca.do_create_party(
        kind="organisation", name="名山区宏达建筑劳务有限公司", uscc=_uscc("91511803MA62K3Q8X"),
        legal_representative="何宏达", actor=zw)
    assert zw.unit is not None
    case = ca.do_register_case(unit=zw.unit, title="未按时足额支付劳动报酬", source="complaint", party=party,
                               facts="8 名劳动者反映 2026 年 3 月工资被拖欠共计 42,000 元。", handler=zw, officers=[lq],
                               handler_opinion="建议立案调查。", actor=zw)
    ca.do_give_approval(case, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="同意立案。", actor=chen)
    case.refresh_from_db()
    ca.do_transition_case(case, to=Stage.INVESTIGATING, actor=zw)
    _notify_rights(case, recipient="何宏达", actor=zw)
    for step in (
        lambda c: ca.do_transition_case(c, to=Stage.REVIEWING, fields={"investigation_summary": "经调取工资表、询问劳动者,拖欠事实属实。"},
                                        actor=zw),
        lambda c: ca.do_record_decision(c, kind="order", text="责令于 15 日内支付拖欠的劳动报酬 42,000 元。",
                                        basis="《劳动保障监察条例》第二十六条", document_fields={
                                            "evidence": ["工资发放表", "8 名劳动者的投诉登记", "权利告知书"],
                                            "deadline_on": _days_ahead(15)}, actor=zw),
        lambda c: ca.do_give_approval(c, kind=ApprovalKind.LEGAL_REVIEW, approved=True, opinion="事实清楚,依据正确。",
                                      actor=liu),
        lambda c: ca.do_give_approval(c, kind=ApprovalKind.DECISION_HEAD, approved=True, opinion="同意。", actor=chen),
        lambda c: ca.do_transition_case(c, to=Stage.SERVING, actor=zw),
        lambda c: _serve_decision(c, recipient="何宏达", actor=zw),
        lambda c: ca.do_transition_case(c, to=Stage.CLOSED, fields={"execution_result": "已全额支付拖欠工资。"}, actor=zw),
    ):
        case.refresh_from_db()
        step(case)
    case.refresh_from_db()
    case_file = do_assemble_case_file(case, notes="本卷文书齐全。", actor=zw)
    do_bind_case_file(case_file, note="齐全完整,同意装订归档。", actor=sun)


def _ensure_review() -> bool:
    """案卷评查 of the bound case file: scored by the legal reviewer, answered by the officer who handled
    the case, closed — so the unit's 考核 has a review to count (once)."""
    from lawtrail.archive.models import CaseFile
    from lawtrail.review.actions import (
        do_close_review,
        do_reply_review,
        do_score_review,
        do_start_review,
        do_submit_review,
    )
    from lawtrail.review.models import CaseReview

    agency = Agency.objects.filter(name=AGENCY_NAME).first()
    case_file = CaseFile.objects.filter(agency=agency, status="bound").select_related("case").first() \
        if agency is not None else None
    if case_file is None or CaseReview.objects.filter(case_file=case_file).exists():
        return False
    liu, zw = User.objects.get(username="liuyang"), User.objects.get(username="zhangwei")
    with origin(Origin(channel="cli")):
        review = do_start_review(case_file, actor=liu)
        for item in review.checklist:
            short = 3 if item["id"] == "whole_process" else 0
            do_score_review(review, item=item["id"], score=int(item["points"]) - short,
                            comment="询问劳动者未同步录音录像,调查取证环节音像记录不全。" if short else "", actor=liu)
        do_submit_review(review, summary="案卷材料齐全,程序合法;调查询问环节缺少音像记录,扣 3 分。", actor=liu)
        do_reply_review(review, kind="accepted", reply="今后调查询问同步录音录像。", actor=zw)
        do_close_review(review, note="评查办结。", actor=liu)
    return True


def _load() -> None:
    agency = do_create_agency(
        name=AGENCY_NAME, short_name="名劳监", profile_id="labor-inspection",
        case_number_format="名劳监立〔{year}〕第{seq}号", simple_case_number_format="名劳监简〔{year}〕第{seq}号",
        actor=None,
    )
    units = [do_create_unit(agency, name=name, actor=None) for name in LABOUR_UNITS]
    people: dict[str, User] = {}
    for username, name, unit_ix, roles, cert in PEOPLE:
        unit = units[unit_ix] if unit_ix is not None else None
        people[username] = do_create_user(
            username=username, password=PASSWORD, full_name=name, agency=agency, unit=unit,
            roles=[(r, unit if scope == "unit" else None) for r, scope in roles], cert_no=cert,
            cert_valid_from=dt.date(2024, 1, 1) if cert else None,
            cert_valid_until=dt.date(2029, 12, 31) if cert else None, actor=None,
        )
    zw, lq, wf, chen, liu, sun = (people[k] for k in ("zhangwei", "liqiang", "wangfang", "chenjing", "liuyang", "sunli"))
    a, b = units

    p1 = ca.do_create_party(kind="organisation", name="名山区宏达建筑劳务有限公司", uscc=_uscc("91511803MA62K3Q8X"),
                            legal_representative="何宏达", address="名山区蒙阳镇建设路 18 号", phone="0835-3221001",
                            actor=zw)
    p2 = ca.do_create_party(kind="organisation", name="名山区清源茶业有限公司", uscc=_uscc("91511803MA64N7T2B"),
                            legal_representative="罗清源", address="名山区中峰镇茶园路 6 号", actor=zw)
    p3 = ca.do_create_party(kind="organisation", name="名山区鑫诚餐饮管理有限公司", uscc=_uscc("91511803MA66P1R5C"),
                            legal_representative="邓鑫", address="名山区蒙阳镇正街 102 号", actor=wf)
    p4 = ca.do_create_party(kind="person", name="杨建国", id_number=_id("51180319750612301"),
                            address="名山区永兴镇", actor=zw)

    # A complaint awaiting examination, and one with a one-time correction notice.
    ca.do_register_complaint(unit=a, kind="complaint", respondent=p1, complainant_name="陈小兵",
                             complainant_phone="13800000001",
                             facts="反映宏达劳务拖欠其 2026 年 8 月至 10 月工资共计 18,600 元。", actor=zw)
    c2 = ca.do_register_complaint(unit=a, kind="complaint", respondent=p2, complainant_name="吴敏",
                                  complainant_phone="13800000002", facts="反映清源茶业未签订书面劳动合同。", actor=zw)
    ca.do_issue_complaint_receipt(c2, actor=zw)
    ca.do_decide_complaint(c2, outcome="correction",
                           missing_items=["劳动关系证明材料(工牌、工资条或考勤记录)", "投诉人身份证复印件"],
                           document_fields={"deadline_days": 5}, actor=zw)

    # 1. Registered, waiting for the head's filing approval.
    c3 = ca.do_register_complaint(unit=a, kind="report", respondent=p3, complainant_name="匿名",
                                  anonymous=True, facts="举报鑫诚餐饮安排未成年人从事夜班工作。", actor=zw)
    ca.do_decide_complaint(c3, outcome="accepted", title="涉嫌违法使用童工", handler=zw,
                           handler_opinion="举报线索具体,建议立案调查。", actor=zw)

    # 2. Under investigation.
    case2 = ca.do_register_case(unit=a, title="拖欠劳动者工资", source="inspection", party=p1,
                                facts="日常巡查发现该公司未按月足额支付 23 名农民工工资。", handler=zw, officers=[lq],
                                handler_opinion="事实基本清楚,建议立案。", actor=zw)
    ca.do_give_approval(case2, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="同意立案。", actor=chen)
    case2.refresh_from_db()
    ca.do_transition_case(case2, to=Stage.INVESTIGATING, actor=zw)

    # 3. Decision drafted, waiting for legal review.
    case3 = ca.do_register_case(unit=a, title="未依法签订书面劳动合同", source="referral", source_note="区人社局转办",
                                party=p2, facts="该公司 12 名采茶工未签订书面劳动合同。", handler=zw, officers=[lq],
                                handler_opinion="建议立案调查。", actor=zw)
    ca.do_give_approval(case3, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="同意。", actor=chen)
    case3.refresh_from_db()
    ca.do_transition_case(case3, to=Stage.INVESTIGATING, actor=zw)
    # 第十五条: the rights told are recorded before any decision (a 责令改正 as much as a penalty).
    _notify_rights(case3, recipient=p2.legal_representative or p2.name, actor=zw)
    case3.refresh_from_db()
    ca.do_transition_case(case3, to=Stage.REVIEWING, fields={"investigation_summary": "经询问 5 名劳动者并调取花名册,违法事实成立。"},
                          actor=zw)
    case3.refresh_from_db()
    ca.do_record_decision(case3, kind="order", text="责令该公司于 30 日内与劳动者补签书面劳动合同。",
                          basis="《劳动合同法》第十条、第八十二条", document_fields={
                              "evidence": ["劳动者询问笔录 5 份", "员工花名册"], "deadline_on": _days_ahead(30)}, actor=zw)

    # 4. Closed, waiting to be archived.
    case4 = ca.do_register_case(unit=a, title="未按规定支付加班费", source="assignment", source_note="市监察支队交办",
                                party=p4, facts="杨建国经营的作坊安排工人延长工作时间未支付加班费。", handler=zw,
                                officers=[lq], handler_opinion="建议立案。", actor=zw)
    ca.do_give_approval(case4, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="同意立案。", actor=chen)
    for step in (
        lambda c: ca.do_transition_case(c, to=Stage.INVESTIGATING, actor=zw),
        lambda c: ca.do_transition_case(c, to=Stage.REVIEWING, fields={"investigation_summary": "违法事实清楚,证据确凿。"},
                                        actor=zw),
        # 《行政处罚法》第四十四条: the party is told of the intended penalty and its rights first.
        lambda c: _notify_rights(c, recipient="杨建国", actor=zw),
        lambda c: ca.do_record_decision(c, kind="penalty", text="责令支付加班费并处罚款。", basis="《劳动保障监察条例》第二十六条",
                                        penalty_amount=Decimal("5000"), document_fields={
                                            "evidence": ["考勤记录", "工资支付记录", "工人询问笔录 3 份"],
                                            "circumstances": "当事人主动补发部分加班费,依法从轻处罚。"}, actor=zw),
        lambda c: ca.do_give_approval(c, kind=ApprovalKind.LEGAL_REVIEW, approved=True, opinion="主体适格,程序合法。",
                                      actor=liu),
        lambda c: ca.do_give_approval(c, kind=ApprovalKind.DECISION_HEAD, approved=True, opinion="同意。", actor=chen),
        lambda c: ca.do_transition_case(c, to=Stage.SERVING, actor=zw),
        lambda c: _serve_decision(c, recipient="杨建国", actor=zw),
        lambda c: ca.do_transition_case(c, to=Stage.CLOSED, fields={"execution_result": "当事人已缴纳罚款并补发加班费。"},
                                        actor=zw),
    ):
        case4.refresh_from_db()
        step(case4)

    # 5. Emergency start in unit B, approval to follow within the profile's hours.
    ca.do_register_case(unit=b, title="拖欠工资引发群体性事件", source="other", party=p3,
                        facts="30 余名劳动者聚集讨薪,需立即调查。", handler=wf, handler_opinion="情况紧急,先行启动。",
                        emergency=True, emergency_reason="劳动者聚集,可能引发群体性事件。", actor=wf)

    # 6. Simple procedure, decided on the spot; and a patrol inspection ending in a rectification order.
    ca.do_decide_simple_case(
        unit=b, party=p3, title="未公示劳动保障监察举报电话", officers=[],
        items={"facts_and_basis": "现场检查发现未按规定公示;《劳动保障监察条例》第三十条",
               "steps": "出示执法证件,告知权利,制作当场处罚决定书", "statement": "当事人无异议",
               "statement_review": "无需复核", "filing": "已报大队备案"},
        decision_text="警告,责令当日改正。", penalty_amount=None, paid_on_spot=False,
        document_fields={"place": "名山区城东路 18 号该公司经营场所", "legal_basis": "《劳动保障监察条例》第三十条",
                         "penalty": "警告,责令当日改正。", "payment": "不涉及罚款",
                         "statement": "当事人无异议,未提出陈述、申辩。",
                         "remedy": "如不服本决定,可在六十日内申请行政复议,或在六个月内提起行政诉讼。"}, actor=wf)
    ended = timez.now() - dt.timedelta(hours=2)
    patrol = ca.do_record_inspection(
        unit=a, party=p2, place="名山区中峰镇茶园路 6 号", started_at=ended - dt.timedelta(hours=1), ended_at=ended,
        officers=[lq], findings="工资台账不完整,考勤记录缺失 2 个月。", outcome="rectification",
        rectification_deadline=(ended + dt.timedelta(days=15)).date(), arrival_filmed=True, departure_filmed=True,
        credentials_shown=True, actor=zw)
    _patrol_order(patrol, lq, p2.legal_representative or p2.name)
    _ = sun
    _retention_demo(people, case2)

    # 7. Decided and served, the order's time limit running (added with the other agencies' demo).
    case7 = ca.do_register_case(unit=a, title="未按规定建立职工名册", source="inspection", party=p3,
                                facts="日常巡查发现该公司未建立职工名册,无法提供 15 名员工的用工信息。", handler=zw,
                                officers=[lq], handler_opinion="建议立案调查。", actor=zw)
    ca.do_give_approval(case7, kind=ApprovalKind.FILING_HEAD, approved=True, opinion="同意立案。", actor=chen)
    for step in (
        lambda c: ca.do_transition_case(c, to=Stage.INVESTIGATING, actor=zw),
        lambda c: _notify_rights(c, recipient="邓鑫", actor=zw),
        lambda c: ca.do_transition_case(c, to=Stage.REVIEWING, fields={
            "investigation_summary": "经现场检查并询问人事负责人,未建立职工名册属实。"}, actor=zw),
        lambda c: ca.do_record_decision(c, kind="order", text="责令于 10 日内建立职工名册并报送备查。",
                                        basis="《劳动合同法实施条例》第八条、第三十三条", document_fields={
                                            "evidence": ["现场检查记录", "人事负责人询问笔录"],
                                            "deadline_on": _days_ahead(10)}, actor=zw),
        lambda c: ca.do_give_approval(c, kind=ApprovalKind.LEGAL_REVIEW, approved=True, opinion="事实清楚,依据正确。",
                                      actor=liu),
        lambda c: ca.do_give_approval(c, kind=ApprovalKind.DECISION_HEAD, approved=True, opinion="同意。", actor=chen),
        lambda c: ca.do_transition_case(c, to=Stage.SERVING, actor=zw),
        lambda c: _serve_decision(c, recipient="邓鑫", actor=zw),
    ):
        case7.refresh_from_db()
        step(case7)


def _footage_of_inquiry(case: Any, started: dt.datetime, *, minutes: int, officer: User) -> None:
    import tempfile
    from pathlib import Path

    from lawtrail.demo_agencies import record_footage

    with tempfile.TemporaryDirectory() as folder:
        record_footage(case, officer=officer, device="DSJ-MS-02", started=started, minutes=minutes, folder=Path(folder))



def _days_ahead(days: int) -> str:
    return (timez.beijing(timez.now()) + dt.timedelta(days=days)).date().isoformat()


def _notify_rights(case: Any, *, recipient: str, actor: User) -> None:
    """行政处罚告知: the rights notice, issued and signed for by the party (before a penalty is decided)."""
    from lawtrail.documents.actions import do_create_document, do_issue_document, do_record_hand_signature

    notice = do_create_document(case, type_code="rights_notice", fields={
        "rights": ["陈述、申辩的权利", "申请执法人员回避的权利"], "how_told": "当面送达并口头告知",
        "deadline_days": 3}, actor=actor)
    notice = do_issue_document(notice, actor=actor)
    do_record_hand_signature(notice, slot="recipient", name=recipient, image=_handwriting(2), actor=actor)


def _serve_decision(case: Any, *, recipient: str, actor: User) -> None:
    """送达 the issued decision document directly; the recipient signs its 送达回证 on the tablet."""
    from lawtrail.cases import hooks
    from lawtrail.documents.actions import do_record_hand_signature
    from lawtrail.documents.steps import act_document, service_act

    [(document_id, _label)] = [d for d in hooks.provided(hooks.SERVABLE_DOCUMENTS, case, default=[])
                               if "决定书" in d[1]]
    service = ca.do_record_service(case, document_id=document_id, method="direct", served_at=timez.now(),
                                   recipient=recipient, actor=actor)
    receipt = act_document(case, service_act(service.pk))
    assert receipt is not None
    do_record_hand_signature(receipt, slot="recipient", name=recipient, image=_handwriting(3), actor=actor)
    # A 责令改正决定书 has its own 签收 line, signed when it is handed over.
    from lawtrail.documents.models import Document
    from lawtrail.documents.signing import slot_states

    served = Document.objects.get(pk=document_id)
    for state in slot_states(served):
        if state.slot.role == "party" and not state.complete:
            do_record_hand_signature(served, slot=state.slot.key, name=recipient, image=_handwriting(4), actor=actor)


def _patrol_order(patrol: Any, officer: User, recipient: str) -> None:
    """The patrol's 限期责令改正决定书 (劳动保障监察 第九条), made on the patrol (it opened no case),
    issued and signed for by the inspected unit on the officer's tablet (第七条)."""
    from lawtrail.documents.actions import do_create_document, do_issue_document, do_record_hand_signature

    order = do_create_document(patrol, type_code="rectification_order", fields={
        "facts": "工资台账不完整,考勤记录缺失 2 个月。", "legal_basis": "《劳动保障监察条例》第二十五条",
        "requirements": ["补齐 2026 年考勤记录", "按月编制工资支付台账"],
        "deadline_on": patrol.rectification_deadline.isoformat(),
        "remedy": "如不服本决定,可在六十日内申请行政复议,或在六个月内提起行政诉讼。"}, actor=officer)
    order = do_issue_document(order, actor=officer)
    do_record_hand_signature(order, slot="recipient", name=recipient, image=_handwriting(5), actor=officer)


def _handwriting(text_seed: int) -> bytes:
    """A tablet signature for the demo: a few strokes on white, as the browser's canvas sends it."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (240, 80), (255, 255, 255, 255))
    pen = ImageDraw.Draw(img)
    x = 20
    for i in range(4):
        pen.line([(x, 55), (x + 12, 20 + (text_seed + i) % 3 * 6), (x + 24, 58), (x + 40, 30)], fill=(20, 20, 60, 255),
                 width=3)
        x += 48
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _load_documents(agency: Agency) -> None:
    """Documents made by hand on the demo cases — a 询问笔录 with start and end times and two
    officers — and a complaint not accepted, with its 不予受理决定书. (The steps' own documents,
    立案审批表, 决定书, 送达回证, 结案审批表, come with the steps.) Skipped when already there."""
    from lawtrail.cases.models import Case, Complaint, Party
    from lawtrail.documents import actions as da
    from lawtrail.documents.models import Document

    if Document.objects.filter(agency=agency, type_code="inquiry_record").exists():
        return
    users = {u.username: u for u in User.objects.filter(agency=agency)}
    zw, lq = users["zhangwei"], users["liqiang"]
    investigating = Case.objects.filter(agency=agency, title="拖欠劳动者工资").first()
    now = timez.beijing(timez.now()).replace(second=0, microsecond=0)

    def issue(owner: Case | Complaint, code: str, fields: dict[str, object]) -> Document:
        doc = da.do_create_document(owner, type_code=code, fields=fields, actor=zw)
        return da.do_issue_document(doc, actor=zw)

    if investigating is not None:
        started = now - dt.timedelta(hours=3)
        inquiry = issue(investigating, "inquiry_record", {
            "started_at": started.isoformat(), "ended_at": (started + dt.timedelta(minutes=42)).isoformat(),
            "place": "名山区劳动保障监察大队询问室", "credentials_shown": "已出示执法证件",
            "interviewee_id": _id("51180319700305121"), "interviewee_relation": "法定代表人",
            "rights_told": "已告知陈述、申辩和申请回避的权利",
            "transcript": "问：你公司 2026 年 8 月至 10 月是否足额支付了工人工资？\n"
                          "答：因工程款未到位,23 名工人的工资尚未发放。\n问：以上记录是否属实？\n答：属实。",
        })
        da.do_sign_document(inquiry, slot="officers", actor=zw)
        da.do_sign_document(inquiry, slot="officers", actor=lq)
        da.do_record_hand_signature(inquiry, slot="interviewee", name="何宏达", image=_handwriting(1),
                                    actor=zw)
        _footage_of_inquiry(investigating, started, minutes=42, officer=zw)

    respondent = investigating.party if investigating is not None else Party.objects.filter(agency=agency).first()
    if zw.unit is None or respondent is None:
        return
    complaint = ca.do_register_complaint(
        unit=zw.unit, kind="complaint", respondent=respondent,
        complainant_name="周小川", complainant_phone="13800000003",
        facts="反映其在外省务工期间被拖欠工资,用人单位注册地在外省。", actor=zw)
    ca.do_issue_complaint_receipt(complaint, actor=zw)
    # The decision issues its 不予受理决定书 itself (the step's document), from these fields.
    ca.do_decide_complaint(complaint, outcome="not_accepted", reason="用人单位及用工行为均不在本机关管辖区域内。",
                           document_fields={
                               "legal_basis": "《劳动保障监察条例》第十三条",
                               "remedy": "请向用人单位所在地劳动保障行政部门投诉;"
                                         "如不服本决定,可在六十日内申请行政复议,或在六个月内提起行政诉讼。"},
                           actor=zw)



# ---------------------------------------------------------------- retention and disposal (lawtrail/retention)


def _retention_demo(people: dict[str, User], case: Any) -> None:
    """Patrol footage past its 2 years (第三十九条), destroyed with approval and a disposal record; another
    clip still due; and a case whose records are long-term after the party's objection."""
    import tempfile
    from pathlib import Path

    from lawtrail.evidence.ingest import ingest_staged
    from lawtrail.evidence.staging import stage_file
    from lawtrail.retention import actions as ra
    from lawtrail.storage import get_store
    from lawtrail.testing.media import make_clip

    zw, chen, sun = people["zhangwei"], people["chenjing"], people["sunli"]
    old = [dt.datetime(2023, 5, 8 + i, 9, 30, tzinfo=timez.BEIJING) for i in range(2)]
    with tempfile.TemporaryDirectory() as folder:
        def clip(name: str, created: dt.datetime, **options: Any) -> Any:
            path = make_clip(Path(folder) / name, seconds=2, created=created, audio=False)
            staged = stage_file(path, get_store().staging_dir())
            return ingest_staged(staged, name=name, officer=zw, device_serial="DSJ-MS-01", channel="demo", actor=zw,
                                 **options)

        expired = [clip(f"DSJ-MS-01_{m:%Y%m%d%H%M%S}.mp4", m) for m in old]
        on_site = clip("DSJ-MS-01_宏达劳务现场检查.mp4", timez.now() - dt.timedelta(days=3), case=case)
    request = ra.do_request_disposal(expired[:1], reason="日常巡查音像资料保存期限(两年)已满,申请销毁", actor=sun)
    ra.do_decide_disposal(request, approve=True, opinion="经核对无长期保存情形,同意销毁。", actor=chen)
    ra.do_execute_disposal(request, actor=sun)
    ra.do_record_incident(case, kind="objection", description="当事人对现场检查提出异议,并向区人社局投诉。",
                          occurred_on=timez.beijing(timez.now()).date(), actor=zw)
    # The on-site clip was stored three days after it was made, past the 2-day limit: a lapse that
    # cannot be undone, so its reason is recorded and the head acknowledges it (逾期说明).
    from lawtrail.compliance.actions import do_acknowledge_lapse, do_explain_lapse

    note = do_explain_lapse(case, rule="evidence_storage", subject=f"media-{on_site.pk}",
                            reason="执法记录仪在现场检查后即送修,修复返回当日存储。", actor=zw)
    do_acknowledge_lapse(note, opinion="情况属实。已要求配备备用执法记录仪,避免再次逾期。", actor=chen)
