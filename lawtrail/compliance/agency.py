"""Agency-level checks: what no single case shows (reception surveillance saved every day, body
cams for the officers, footage from registered devices). A pure function over an agency snapshot,
plus the read that builds it.

The snapshot (JSON-able):
    {"profile": id, "from": "YYYY-MM-DD", "to": "YYYY-MM-DD",
     "reception": {site: ["YYYY-MM-DD", ...]},       # days with a saved 日存 segment
     "officers": [{"name", "cert_no"}],               # certified officers on the last day
     "units": [{"unit", "officers", "body_cams"}],    # per unit: certified officers, body cams in the
                                                      # device registry (lawtrail/devices), in service
     "unregistered_devices": [{"serial", "clips"}],   # the period's footage from serials not registered
     "device_use": [{"serial", "kind", "day", "clips", "unchecked", "unheld"}],  # registered devices'
                                                      # clips per day: recorded with no pre-use check
                                                      # earlier that day, or with no holder or custodian
     "text_records": {"plan_years": [YYYY, ...],      # years with a 监督检查计划 on record (registers)
                      "letters_missing": [{"id", "label"}],  # written complaints accepted in the period
                                                      # with no letter on record
                      "units_without_rules": [unit name, ...]},  # units with no 实施细则 on record
     "patrols": [{"id", "label", "started_at", "ended_at", "arrival_filmed", "departure_filmed",
                  "credentials_shown", "footage": [[start, end], ...],  # the period's 日常巡视检查
                  "outcome", "has_case",                 # and the recordings that belong to each; the
                  "documents": [{"id", "type", "name", "status", "fields", "signers", "signatures"}]}]}
                                                      # outcome and the patrol's own documents (a
                                                      # patrol that opened a case has them in the case)
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from lawtrail.compliance.engine import BLOCKING, WARNING, Finding
from lawtrail.lib import timez
from lawtrail.profiles.registry import Profile

# The rules checked here rather than per case, with what they check.
AGENCY_RULES = {"reception_surveillance": "受理场所监控每日保存(机关层面)", "body_cams": "执法记录仪配备(每个单位,按设备台账)",
                "device_registry": "音像资料来自已登记的执法记录设备(机关层面)",
                "device_precheck": "执法记录仪使用前检查电量、存储(机关层面,按设备使用日)",
                "device_custody": "执法记录设备领用或保管到人(机关层面,按设备使用日)",
                "inspection_plan": "每年的监督检查计划有文字记录(机关层面)",
                "complaint_letters": "书面投诉举报受理核查的,所依据的信件(函)有文字记录(机关层面)",
                "implementing_rules": "各执法单位制定本单位全过程记录实施细则(机关层面)",
                "patrol_footage": "日常巡查自到达至检查完毕全程录像并拍摄门头(机关层面)",
                "patrol_identity": "日常巡查表明身份、出示执法证件的拍摄或记录(机关层面)",
                "patrol_outcome_documents": "日常巡查结束后制作检查记录、责令改正决定书或建议书(机关层面)",
                "patrol_signatures": "日常巡查文书的检查人员等责任人签字(机关层面)",
                "patrol_party_confirmation": "当事人对日常巡查文书签字确认的记录(机关层面)",
                "patrol_document_times": "日常巡查文书记载的时间与巡查录像起止时间一致(机关层面)"}


def check_agency(snapshot: dict[str, Any], profile: Profile) -> list[Finding]:
    findings: list[Finding] = []
    start = dt.date.fromisoformat(snapshot["from"])
    end = dt.date.fromisoformat(snapshot["to"])
    rule = profile.rule("reception_surveillance")
    if rule is not None:
        severity = str(rule.values.get("severity", WARNING))
        for site, days in sorted(snapshot.get("reception", {}).items()):
            saved = set(days)
            day = start
            missing: list[str] = []
            while day <= end:
                if day.isoformat() not in saved:
                    missing.append(day.isoformat())
                day += dt.timedelta(days=1)
            for d in missing:
                findings.append(Finding(profile.id, rule.article, rule.id, severity, f"reception:{site}:{d}",
                                        f"受理场所「{site}」{d} 的视频监控未按日保存:请补存当日监控并标注日期"))
    rule = profile.rule("body_cams")
    if rule is not None:
        # 每两人一台 is equipment of each unit (安全生产 第十五条: 为各监管处室、监察支队配备), read from
        # the registry, not from the cameras that happened to appear in footage.
        per = int(rule.values.get("officers_per_device", 2))
        severity = str(rule.values.get("severity", WARNING))
        for u in snapshot.get("units", []):
            officers, cams = int(u["officers"]), int(u["body_cams"])
            needed = math.ceil(officers / per) if per else 0
            if cams < needed:
                findings.append(Finding(profile.id, rule.article, rule.id, severity, f"unit:{u['unit']}",
                                        f"{u['unit']}有{officers}名执法人员,应配备至少{needed}台执法记录仪"
                                        f"(每{per}人一台),设备台账中在用{cams}台:请补充配备并登记设备"))
    rule = profile.rule("device_registry")
    if rule is not None:
        severity = str(rule.values.get("severity", WARNING))
        for d in snapshot.get("unregistered_devices", []):
            findings.append(Finding(profile.id, rule.article, rule.id, severity, f"device:{d['serial']}",
                                    f"期间有{d['clips']}段音像资料来自未登记的设备「{d['serial']}」:"
                                    f"请在执法记录设备台账中登记该设备,或核实资料来源"))
    findings += _device_use(snapshot, profile)
    findings += _text_records(snapshot, profile)
    findings += _patrols(snapshot, profile)
    return findings


def _text_records(snapshot: dict[str, Any], profile: Profile) -> list[Finding]:
    """The text records an agency keeps beside its cases (lawtrail/registers): 安全生产 第六条 (the year's
    监督检查计划; the complaint letter a complaint was verified on) and 委员会细则 第三条 (each unit's
    implementing rules)."""
    findings: list[Finding] = []
    if "text_records" not in snapshot:
        return findings  # a snapshot made without the register (an older one, a bundle's) says nothing of it
    records = snapshot["text_records"]
    start, end = dt.date.fromisoformat(snapshot["from"]), dt.date.fromisoformat(snapshot["to"])
    rule = profile.rule("inspection_plan")
    if rule is not None:
        have = set(records.get("plan_years", []))
        for year in range(start.year, end.year + 1):
            if year not in have:
                findings.append(Finding(profile.id, rule.article, rule.id, str(rule.values.get("severity", WARNING)),
                                        f"plan:{year}", f"{year}年没有登记安全生产监督检查计划:请在文字记录中登记"))
    rule = profile.rule("complaint_letters")
    if rule is not None:
        for c in records.get("letters_missing", []):
            findings.append(Finding(profile.id, rule.article, rule.id, str(rule.values.get("severity", WARNING)),
                                    f"complaint:{c['id']}", f"{c['label']}为书面投诉举报,已受理核查,未登记所依据的"
                                    f"投诉、举报信件(函):请在文字记录中登记并关联该投诉举报"))
    rule = profile.rule("implementing_rules")
    if rule is not None:
        for unit in records.get("units_without_rules", []):
            findings.append(Finding(profile.id, rule.article, rule.id, str(rule.values.get("severity", WARNING)),
                                    f"unit:{unit}", f"{unit}尚未登记本单位全过程记录实施细则:请制定并在文字记录中登记"))
    return findings


def _device_use(snapshot: dict[str, Any], profile: Profile) -> list[Finding]:
    """安全生产 第十九条 (a body cam checked before use: 确保电量充足,内存充裕) and 劳动保障监察 第三十七条
    (the officer answers for the equipment: a device in use is issued to, or kept by, a named person),
    read from the device registry's own records against the footage each device recorded. A day's
    use without them cannot be put right afterwards: the finding stays for supervision."""
    findings: list[Finding] = []
    check_rule, custody_rule = profile.rule("device_precheck"), profile.rule("device_custody")
    for d in snapshot.get("device_use", []):
        subject = f"device:{d['serial']}:{d['day']}"
        if check_rule is not None and d["kind"] == "body_cam" and d["unchecked"]:
            findings.append(Finding(profile.id, check_rule.article, check_rule.id,
                                    str(check_rule.values.get("severity", WARNING)), subject,
                                    f"执法记录仪「{d['serial']}」{d['day']} 拍摄的{d['unchecked']}段音像资料,"
                                    f"拍摄前当日没有合格的使用前检查记录(电量、存储、时钟):使用前应全面检查并登记"))
        if custody_rule is not None and d["unheld"]:
            findings.append(Finding(profile.id, custody_rule.article, custody_rule.id,
                                    str(custody_rule.values.get("severity", WARNING)), subject,
                                    f"设备「{d['serial']}」{d['day']} 拍摄的{d['unheld']}段音像资料,拍摄时该设备"
                                    f"既未领用给执法人员也没有保管人:请登记领用或指定保管人"))
    return findings


def _patrols(snapshot: dict[str, Any], profile: Profile) -> list[Finding]:
    """劳动保障监察 第七条、第八条, checked on the patrols themselves (a patrol often opens no case):
    the recorder on from arrival to the end of the inspection without a break, the site's front
    filmed on arrival and again before leaving, the showing of identity filmed or written down."""
    findings: list[Finding] = []
    footage_rule, identity_rule = profile.rule("patrol_footage"), profile.rule("patrol_identity")
    for p in snapshot.get("patrols", []):
        subject, label = f"inspection:{p['id']}", p["label"]
        if footage_rule is not None:
            severity = str(footage_rule.values.get("severity", BLOCKING))
            slack = dt.timedelta(minutes=int((footage_rule.values.get("tolerance") or {}).get("amount", 5)))
            for message in _patrol_footage(p, slack):
                findings.append(Finding(profile.id, footage_rule.article, footage_rule.id, severity, subject,
                                        f"{label}:{message}", source=f"《{profile.name}》"))
        if identity_rule is not None and not p.get("credentials_shown"):
            findings.append(Finding(profile.id, identity_rule.article, identity_rule.id,
                                    str(identity_rule.values.get("severity", BLOCKING)), subject,
                                    f"{label}:未拍摄或记录表明身份、出示执法证件的过程:请补充记录",
                                    source=f"《{profile.name}》"))
        if "documents" in p and not p.get("has_case"):
            findings += _patrol_documents(p, profile, subject, label)
    return findings


def _patrol_documents(p: dict[str, Any], profile: Profile, subject: str, label: str) -> list[Finding]:
    """劳动保障监察 第九条 (the patrol ends in its outcome's document: 检查记录, 限期责令改正决定书 or
    建议书), 第十条 (every patrol document signed by those responsible for it, nothing left out) and
    第七条 (the party's signing of the documents recorded), on a patrol that opened no case: a case's
    documents are checked with the case."""
    findings: list[Finding] = []
    live = [d for d in p["documents"] if d["status"] != "superseded"]
    issued = [d for d in live if d["status"] == "issued"]
    outcome_rule = profile.rule("patrol_outcome_documents")
    if outcome_rule is not None:
        wanted = (outcome_rule.values.get("documents") or {}).get(p.get("outcome") or "")
        if wanted and not any(d["type"] == wanted for d in issued):
            name = str((outcome_rule.values.get("names") or {}).get(wanted, wanted))
            drafted = any(d["type"] == wanted for d in live)
            findings.append(Finding(profile.id, outcome_rule.article, outcome_rule.id,
                                    str(outcome_rule.values.get("severity", BLOCKING)), subject,
                                    f"{label}:处理结果为「{p.get('outcome_label') or p.get('outcome')}」,"
                                    + (f"《{name}》尚未签发:请完成并签发" if drafted else
                                       f"未制作《{name}》:请在巡查中制作并签发"),
                                    source=f"《{profile.name}》"))
    times_rule = profile.rule("patrol_document_times")
    spans = sorted((dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b)) for a, b in p.get("footage", []))
    if times_rule is not None and spans:
        tol = dt.timedelta(minutes=int((times_rule.values.get("tolerance") or {}).get("amount", 5)))
        av_start, av_end = spans[0][0], max(e for _, e in spans)
        for d in issued:
            start, end = _moment((d.get("fields") or {}).get("started_at")), _moment((d.get("fields") or {}).get("ended_at"))
            if start is None or end is None:
                continue  # a document that records no times (责令改正决定书, 建议书) has none to compare
            if abs(start - av_start) > tol or abs(end - av_end) > tol:
                b = timez.beijing
                findings.append(Finding(profile.id, times_rule.article, times_rule.id,
                                        str(times_rule.values.get("severity", BLOCKING)), subject,
                                        f"{label}:《{d['name']}》记载的时间 {b(start):%H:%M}–{b(end):%H:%M} 与巡查录像的起止时间 "
                                        f"{b(av_start):%H:%M}–{b(av_end):%H:%M} 相差超过{_minutes(tol)}:"
                                        f"请核对并更正文书时间或说明原因", source=f"《{profile.name}》"))
    sign_rule, party_rule = profile.rule("patrol_signatures"), profile.rule("patrol_party_confirmation")
    for d in issued:
        for signer in d.get("signers", []):
            if signer["min"] < 1 or signer["role"] == "approver":
                continue
            got = [s for s in d["signatures"] if s["slot"] == signer["slot"] and s["kind"] in ("signed", "refused")]
            if len(got) >= signer["min"]:
                continue
            if signer["role"] == "party" and party_rule is not None:
                findings.append(Finding(profile.id, party_rule.article, party_rule.id,
                                        str(party_rule.values.get("severity", BLOCKING)), subject,
                                        f"{label}:《{d['name']}》没有{signer['label']}签字确认(或拒签记录):"
                                        f"请补签或记录拒签事由及见证人", source=f"《{profile.name}》"))
            elif signer["role"] != "party" and sign_rule is not None:
                findings.append(Finding(profile.id, sign_rule.article, sign_rule.id,
                                        str(sign_rule.values.get("severity", BLOCKING)), subject,
                                        f"{label}:《{d['name']}》{signer['label']}签名{len(got)}人,应有{signer['min']}人:"
                                        f"请补签", source=f"《{profile.name}》"))
    return findings


def _patrol_footage(p: dict[str, Any], slack: dt.timedelta) -> list[str]:
    out: list[str] = []
    if not p.get("arrival_filmed"):
        out.append("未记录到达检查地点即开启执法记录仪并拍摄门头及周边环境")
    if not p.get("departure_filmed"):
        out.append("未记录检查完毕再次拍摄门头后关闭执法记录仪")
    spans = sorted((dt.datetime.fromisoformat(s), dt.datetime.fromisoformat(e)) for s, e in p.get("footage", []))
    if not spans:
        out.append("没有归属本次巡查的执法记录仪录像:请将巡查录像归属本次巡查")
        return out
    start, end = dt.datetime.fromisoformat(p["started_at"]), dt.datetime.fromisoformat(p["ended_at"])
    if spans[0][0] > start + slack:
        out.append(f"录像在检查开始{_minutes(spans[0][0] - start)}后才开始,未自到达检查地点开启执法记录仪")
    reach = spans[0][1]
    for s, e in spans[1:]:
        if s > reach + slack:
            out.append(f"检查过程中中断拍摄{_minutes(s - reach)}")
        reach = max(reach, e)
    if reach < end - slack:
        out.append(f"录像在检查结束前{_minutes(end - reach)}已停止,未拍摄至检查完毕")
    return out


def _moment(value: Any) -> dt.datetime | None:
    """A time a document field holds (ISO 8601 with its offset), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _minutes(delta: dt.timedelta) -> str:
    return f"{math.ceil(delta.total_seconds() / 60)}分钟"


def agency_snapshot(agency: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """What check_agency needs, read from the database for one agency and period (Beijing days)."""
    from lawtrail.accounts.models import User
    from lawtrail.devices.queries import device_use, unit_counts, unregistered_serials
    from lawtrail.evidence.models import ReceptionSegment

    reception: dict[str, list[str]] = {}
    for site, day in ReceptionSegment.objects.filter(agency=agency).values_list("site", "day"):
        if start <= day <= end:
            reception.setdefault(site, []).append(day.isoformat())
        else:
            reception.setdefault(site, [])
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=timez.BEIJING)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=timez.BEIJING)
    officers = [{"name": u.display_name, "cert_no": u.cert_no}
                for u in User.objects.filter(agency=agency, is_active=True).exclude(cert_no=None).exclude(cert_no="")
                if u.cert_valid_on(end)]
    unregistered = [{"serial": d["serial"], "clips": d["clips"]} for d in unregistered_serials(agency, lo, hi)]
    return {"profile": agency.profile_id, "from": start.isoformat(), "to": end.isoformat(),
            "reception": reception, "officers": officers, "units": unit_counts(agency, end),
            "unregistered_devices": unregistered, "device_use": device_use(agency, lo, hi),
            "text_records": _text_record_snapshot(agency, lo, hi),
            "patrols": _patrol_snapshot(agency, lo, hi)}


def _text_record_snapshot(agency: Any, lo: dt.datetime, hi: dt.datetime) -> dict[str, Any]:
    from lawtrail.accounts.models import Unit
    from lawtrail.cases.choices import ComplaintKind, ComplaintStatus, IntakeChannel
    from lawtrail.cases.models import Complaint
    from lawtrail.registers.choices import RecordKind
    from lawtrail.registers.models import TextRecord

    records = TextRecord.objects.filter(agency=agency)
    plan_years = sorted({d.year for d in records.filter(kind=RecordKind.INSPECTION_PLAN).values_list("dated", flat=True)})
    with_letter = records.filter(kind=RecordKind.COMPLAINT_LETTER, complaint__isnull=False).values("complaint_id")
    # A complaint verified in a case may have its letter filed with the case instead.
    case_letters = records.filter(kind=RecordKind.COMPLAINT_LETTER, case__complaint__isnull=False) \
        .values("case__complaint_id")
    missing = (Complaint.objects.filter(agency=agency, channel=IntakeChannel.WRITTEN, status=ComplaintStatus.ACCEPTED,
                                        kind__in=(ComplaintKind.COMPLAINT, ComplaintKind.REPORT),
                                        received_at__gte=lo, received_at__lt=hi)
               .exclude(pk__in=with_letter).exclude(pk__in=case_letters).select_related("respondent").order_by("pk"))
    ruled = set(records.filter(kind=RecordKind.IMPLEMENTING_RULES).values_list("unit_id", flat=True))
    return {"plan_years": plan_years,
            "letters_missing": [{"id": c.pk, "label": str(c)} for c in missing],
            "units_without_rules": [u.name for u in Unit.objects.filter(agency=agency).order_by("name") if u.pk not in ruled]}


def _patrol_snapshot(agency: Any, lo: dt.datetime, hi: dt.datetime) -> list[dict[str, Any]]:
    from lawtrail.cases.models import Inspection

    return patrol_items(list(Inspection.objects.filter(agency=agency, started_at__gte=lo, started_at__lt=hi)
                             .select_related("party", "agency").order_by("started_at", "pk")))


def patrol_findings(patrols: list[Any]) -> dict[int, list[Finding]]:
    """The patrol rules' findings of these 日常巡视检查 (one agency's), by inspection id: the
    patrol list shows them next to each patrol."""
    from lawtrail.profiles.registry import get_profile

    if not patrols:
        return {}
    profile = get_profile(patrols[0].agency.profile_id)
    out: dict[int, list[Finding]] = {p.pk: [] for p in patrols}
    for f in _patrols({"patrols": patrol_items(patrols)}, profile):
        out[int(f.subject.partition(":")[2])].append(f)
    return out


def patrol_items(patrols: list[Any]) -> list[dict[str, Any]]:
    from lawtrail.cases.models import Case
    from lawtrail.evidence.models import Evidence

    footage: dict[int, list[list[str]]] = {}
    for inspection_id, s, e in Evidence.objects.filter(
            inspection__in=patrols, media_kind__in=("video", "audio"), recorded_start__isnull=False,
            recorded_end__isnull=False).values_list("inspection_id", "recorded_start", "recorded_end"):
        footage.setdefault(inspection_id, []).append([s.isoformat(), e.isoformat()])
    with_case = set(Case.objects.filter(inspection__in=patrols).values_list("inspection_id", flat=True))
    documents = _patrol_documents_of(patrols)
    return [{"id": p.pk, "label": f"{timez.beijing(p.started_at):%Y-%m-%d %H:%M} {p.party.name}的日常巡查",
             "started_at": p.started_at.isoformat(), "ended_at": p.ended_at.isoformat(),
             "arrival_filmed": p.arrival_filmed, "departure_filmed": p.departure_filmed,
             "credentials_shown": p.credentials_shown, "footage": footage.get(p.pk, []),
             "outcome": p.outcome, "outcome_label": p.get_outcome_display(), "has_case": p.pk in with_case,
             "documents": documents.get(p.pk, [])} for p in patrols]


def _patrol_documents_of(patrols: list[Any]) -> dict[int, list[dict[str, Any]]]:
    """The documents made on these patrols, with their signer slots (as the agency's profile sets
    them) and signatures, as the patrol rules read them."""
    from lawtrail.documents.models import Document
    from lawtrail.documents.signing import slots_for
    from lawtrail.profiles.registry import get_profile

    out: dict[int, list[dict[str, Any]]] = {}
    if not patrols:
        return out
    profile = get_profile(patrols[0].agency.profile_id)
    for d in Document.objects.filter(inspection__in=patrols, case__isnull=True).select_related(
            "definition").prefetch_related("signatures").order_by("pk"):
        out.setdefault(int(d.inspection_id or 0), []).append({
            "id": d.pk, "type": d.type_code, "name": d.type_name, "status": d.status,
            "fields": {k: (d.fields or {}).get(k) for k in ("started_at", "ended_at") if (d.fields or {}).get(k)},
            "signers": [{"slot": s.key, "role": s.role, "label": s.label, "min": s.min}
                        for s in slots_for(d.doc_type, profile)],
            "signatures": [{"slot": s.slot, "kind": s.kind} for s in d.signatures.all()]})
    return out
