"""The dashboards' counts: one GROUP BY query per chart (a few per regulation profile in scope),
never a Python loop over cases. Each chart comes with its table and, per bar, the drill-down
that lists exactly the cases the bar counts (`drill_cases`).

What each chart counts is said in its `note`, in the words a supervisor reads on the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case as When_
from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, TruncMonth

from lawtrail.access.choices import RequesterKind, RequestStatus
from lawtrail.access.models import AccessRequest
from lawtrail.accounts.models import Agency
from lawtrail.cases.choices import OPEN_STAGES, Stage
from lawtrail.cases.models import Case
from lawtrail.compliance.labels import rule_label
from lawtrail.compliance.models import Deadline, StoredFinding
from lawtrail.dashboards.scope import Scope
from lawtrail.devices.queries import officers_per_device, unit_ratios
from lawtrail.documents.models import Document
from lawtrail.events.models import DomainEvent
from lawtrail.evidence.models import Evidence, ReceptionSegment
from lawtrail.lib import timez
from lawtrail.profiles.registry import get_profile

AGE_BUCKETS = [(0, 30, "30日以内"), (31, 90, "31至90日"), (91, 180, "91至180日"), (181, 365, "181日至一年"),
               (366, None, "一年以上")]
# The rules that name the acts to be recorded on audio/video (their `items` are document types).
AV_RULES = ("av_required", "av_required_seizure", "av_required_enforcement", "av_required_coercion")
NO_UNIT = "机关本级"
NO_ARTICLE = "未注明条款"
OFFICER_ROWS = 20


@dataclass
class Chart:
    """One chart and the table behind it: a row per category, a column per series."""

    key: str
    title: str
    note: str
    category: str  # the first column's heading
    series: list[str]
    rows: list[list[Any]] = field(default_factory=list)  # [label, value per series]
    # Per row, per series: the drill-down's parameters (None: the bar is not a set of cases).
    drills: list[list[dict[str, str] | None]] = field(default_factory=list)
    kind: str = "stack"  # "bar" (grouped), "stack", "line"
    extra_columns: list[str] = field(default_factory=list)  # shown in the table only
    extras: list[list[Any]] = field(default_factory=list)

    def add(self, label: str, values: list[int], drills: list[dict[str, str] | None] | None = None,
            extra: list[Any] | None = None) -> None:
        self.rows.append([label, *values])
        self.drills.append(drills if drills is not None else [None] * len(values))
        self.extras.append(extra or [])

    @property
    def columns(self) -> list[str]:
        return [self.category, *self.series, *self.extra_columns]

    def table(self) -> list[list[Any]]:
        return [r + e for r, e in zip(self.rows, self.extras, strict=True)]

    @property
    def total(self) -> int:
        return sum(int(v) for r in self.rows for v in r[1:])


def _period(scope: Scope, name: str) -> Q:
    return Q(**{f"{name}__gte": scope.lo, f"{name}__lt": scope.hi})


def scoped_cases(scope: Scope) -> QuerySet[Case]:
    return Case.objects.filter(scope.where())


# ------------------------------------------------------------------ cases


def cases_by_stage(scope: Scope) -> Chart:
    chart = Chart("stage", "案件按阶段", "统计期间内登记的案件,按当前所处阶段计数。", "阶段", ["案件数"], kind="bar")
    counts = dict(scoped_cases(scope).filter(_period(scope, "registered_at")).order_by()
                  .values("stage").annotate(n=Count("pk")).values_list("stage", "n"))
    for stage in Stage:
        if counts.get(stage.value):
            chart.add(str(stage.label), [counts[stage.value]], [{"what": "stage", "stage": stage.value}])
    return chart


def _age_bucket(now: dt.datetime) -> When_:
    whens = []
    for i, (lo, _hi, _label) in enumerate(reversed(AGE_BUCKETS)):
        whens.append(When(registered_at__lte=now - dt.timedelta(days=lo), then=Value(len(AGE_BUCKETS) - 1 - i)))
    return When_(*whens, default=Value(0))


def age_filter(index: int, now: dt.datetime) -> Q:
    lo, hi, _ = AGE_BUCKETS[index]
    q = Q(registered_at__lte=now - dt.timedelta(days=lo))
    if hi is not None:
        q &= Q(registered_at__gt=now - dt.timedelta(days=hi + 1))
    return q


def cases_by_age(scope: Scope) -> Chart:
    chart = Chart("age", "在办案件办理时长", "统计期间内登记、尚未结案的案件(待立案审批至送达执行),"
                  "按自登记之日起至今的天数分段计数。", "办理时长", ["在办案件数"], kind="bar")
    now = timez.now()
    counts = dict(scoped_cases(scope).filter(_period(scope, "registered_at"), stage__in=OPEN_STAGES).order_by()
                  .annotate(bucket=_age_bucket(now)).values("bucket").annotate(n=Count("pk"))
                  .values_list("bucket", "n"))
    for i, (_lo, _hi, label) in enumerate(AGE_BUCKETS):
        chart.add(label, [counts.get(i, 0)], [{"what": "age", "age": str(i)}])
    return chart


# ------------------------------------------------------------------ deadlines


def deadlines_by_unit(scope: Scope) -> Chart:
    chart = Chart("deadline", "期限预警", "范围内案件当前处于“临近期限”(黄色)和“已逾期”(红色)的期限事项,"
                  "按承办机构计数;不受统计期间限制。", "承办机构", ["临近期限", "已逾期"])
    rows: dict[tuple[int | None, str], dict[str, int]] = {}
    for unit_id, name, state, n in (Deadline.objects.filter(scope.where(), state__in=(Deadline.NEAR, Deadline.OVERDUE))
                                    .order_by().values("unit_id", "unit__name", "state").annotate(n=Count("pk"))
                                    .values_list("unit_id", "unit__name", "state", "n")):
        rows.setdefault((unit_id, name or NO_UNIT), {})[state] = n
    for (of_unit, name), by in sorted(rows.items(), key=lambda kv: kv[0][1]):
        g = str(of_unit or 0)
        chart.add(name, [by.get(Deadline.NEAR, 0), by.get(Deadline.OVERDUE, 0)],
                  [{"what": "deadline", "state": Deadline.NEAR, "g_unit": g},
                   {"what": "deadline", "state": Deadline.OVERDUE, "g_unit": g}])
    return chart


def deadline_items(scope: Scope, limit: int = 50) -> list[Deadline]:
    return list(Deadline.objects.filter(scope.where(), state__in=(Deadline.NEAR, Deadline.OVERDUE))
                .select_related("case", "unit", "handler").order_by("due_at")[:limit])


# ------------------------------------------------------------------ findings


def _findings(scope: Scope) -> QuerySet[StoredFinding]:
    return StoredFinding.objects.filter(scope.where(), _period(scope, "first_seen_at"))


FINDING_SERIES = ["未整改", "已整改"]


def _open_resolved(qs: QuerySet[StoredFinding], *keys: str) -> list[dict[str, Any]]:
    return list(qs.order_by().values(*keys).annotate(
        open=Count("pk", filter=Q(resolved_at__isnull=True)), done=Count("pk", filter=Q(resolved_at__isnull=False))))


def _finding_drills(params: dict[str, str]) -> list[dict[str, str] | None]:
    return [{"what": "finding", **params, "state": "open"}, {"what": "finding", **params, "state": "resolved"}]


NOTE_FINDINGS = "统计期间内首次发现的合规问题(检查结果存储后的记录),分“未整改”和“已整改”计数;每条问题对应一个案件的一项记录。"


def findings_by_article(scope: Scope) -> Chart:
    chart = Chart("article", "合规问题按条款", NOTE_FINDINGS, "条款", FINDING_SERIES)
    rows = _open_resolved(_findings(scope), "profile_id", "article")
    several = len({r["profile_id"] for r in rows}) > 1
    for r in sorted(rows, key=lambda r: -(r["open"] + r["done"])):
        label = r["article"] or NO_ARTICLE
        if several:
            label = f"{get_profile(r['profile_id']).name} {label}"
        chart.add(label, [r["open"], r["done"]], _finding_drills({"profile": r["profile_id"], "article": r["article"]}))
    return chart


def findings_by_rule(scope: Scope) -> Chart:
    chart = Chart("rule", "合规问题按检查事项", NOTE_FINDINGS, "检查事项", FINDING_SERIES)
    for r in sorted(_open_resolved(_findings(scope), "rule"), key=lambda r: -(r["open"] + r["done"])):
        chart.add(rule_label(r["rule"]), [r["open"], r["done"]], _finding_drills({"rule": r["rule"]}))
    return chart


def findings_by_unit(scope: Scope) -> Chart:
    chart = Chart("unit", "合规问题按承办机构", NOTE_FINDINGS, "承办机构", FINDING_SERIES)
    rows = _open_resolved(_findings(scope), "unit_id", "unit__name", "agency__short_name")
    several = len({r["agency__short_name"] for r in rows}) > 1
    for r in sorted(rows, key=lambda r: (r["agency__short_name"], r["unit__name"] or "")):
        label = r["unit__name"] or NO_UNIT
        chart.add(f"{r['agency__short_name']} {label}" if several else label, [r["open"], r["done"]],
                  _finding_drills({"g_unit": str(r["unit_id"] or 0)}))
    return chart


def findings_by_officer(scope: Scope) -> Chart:
    chart = Chart("officer", "合规问题按主办人", NOTE_FINDINGS + f"按问题数取前 {OFFICER_ROWS} 名主办人。",
                  "主办人", FINDING_SERIES)
    rows = _open_resolved(_findings(scope).exclude(handler=None), "handler_id", "handler__full_name",
                          "handler__username", "unit__name")
    rows.sort(key=lambda r: (-(r["open"] + r["done"]), r["handler__full_name"]))
    for r in rows[:OFFICER_ROWS]:
        name = r["handler__full_name"] or r["handler__username"]
        chart.add(name, [r["open"], r["done"]], _finding_drills({"g_officer": str(r["handler_id"])}),
                  extra=[r["unit__name"] or NO_UNIT])
    chart.extra_columns = ["承办机构"]
    return chart


def months(scope: Scope) -> list[dt.date]:
    out, day = [], scope.start.replace(day=1)
    while day <= scope.end:
        out.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def _month_counts(qs: QuerySet[StoredFinding], name: str) -> dict[dt.date, int]:
    out: dict[dt.date, int] = {}
    for moment, n in (qs.order_by().annotate(m=TruncMonth(name, tzinfo=timez.BEIJING)).values("m")
                      .annotate(n=Count("pk")).values_list("m", "n")):
        day = timez.beijing(moment).date() if isinstance(moment, dt.datetime) else moment
        out[day.replace(day=1)] = out.get(day.replace(day=1), 0) + n
    return out


def findings_trend(scope: Scope) -> Chart:
    chart = Chart("trend", "合规问题月度趋势", "每月新发现的合规问题数(首次发现时间在该月)和该月整改的问题数"
                  "(整改时间在该月),按北京时间计。", "月份", ["新发现", "已整改"], kind="line")
    base = StoredFinding.objects.filter(scope.where())
    new = _month_counts(base.filter(_period(scope, "first_seen_at")), "first_seen_at")
    done = _month_counts(base.filter(_period(scope, "resolved_at")), "resolved_at")
    for m in months(scope):
        key = f"{m:%Y-%m}"
        chart.add(f"{m.year}年{m.month}月", [new.get(m, 0), done.get(m, 0)],
                  [{"what": "trend", "month": key, "state": "new"}, {"what": "trend", "month": key, "state": "resolved"}])
    return chart


# ------------------------------------------------------------------ audio/video


def _agencies(scope: Scope) -> list[Agency]:
    return [scope.agency] if scope.agency is not None else scope.agencies()


def _profiles(scope: Scope) -> dict[str, list[Agency]]:
    out: dict[str, list[Agency]] = {}
    for a in _agencies(scope):
        out.setdefault(a.profile_id, []).append(a)
    return out


def av_items(profile_id: str) -> list[str]:
    profile = get_profile(profile_id)
    items: list[str] = []
    for rule_id in AV_RULES:
        rule = profile.rule(rule_id)
        if rule is not None:
            items += [str(i) for i in rule.values.get("items", ())]
    return items


def av_documents(scope: Scope, profile_id: str) -> QuerySet[Document]:
    """The acts that require recording: issued documents of the types the profile's rules name."""
    return Document.objects.filter(scope.where("case__agency", "case__unit", "case__handler"),
                                   _period(scope, "issued_at"), case__agency__profile_id=profile_id,
                                   status="issued", type_code__in=av_items(profile_id))


def av_gap() -> Exists:
    """An unresolved audio/video finding about this document (the finding's subject is "doc-<id>")."""
    return Exists(StoredFinding.objects.filter(
        case_id=OuterRef("case_id"), rule__in=AV_RULES, resolved_at__isnull=True,
        subject=Concat(Value("doc-"), Cast(OuterRef("pk"), CharField()), output_field=CharField())))


def av_coverage(scope: Scope) -> Chart:
    chart = Chart("av", "应当音像记录的执法环节覆盖情况",
                  "统计期间内签发的、本机关规范要求同步音像记录的文书(如现场检查笔录、查封扣押决定书等,每份文书"
                  "对应一个执法环节);“未覆盖”为其中仍有未整改的“应当音像记录的环节”合规问题的文书,其余为“已覆盖”"
                  "(已关联录音录像或已说明不宜音像记录的理由)。", "承办机构", ["已覆盖", "未覆盖"])
    totals: dict[tuple[int, str], list[int]] = {}
    for pid in _profiles(scope):
        docs = av_documents(scope, pid).order_by().values("case__unit_id", "case__unit__name")
        for unit_id, name, n in docs.annotate(n=Count("pk")).values_list("case__unit_id", "case__unit__name", "n"):
            totals.setdefault((unit_id, name), [0, 0])[0] += n
        for unit_id, name, n in (docs.filter(av_gap()).annotate(n=Count("pk"))
                                 .values_list("case__unit_id", "case__unit__name", "n")):
            totals.setdefault((unit_id, name), [0, 0])[1] += n
    for (unit_id, name), (total, gaps) in sorted(totals.items(), key=lambda kv: kv[0][1]):
        g = str(unit_id)
        chart.add(name, [total - gaps, gaps], [{"what": "av", "gap": "0", "g_unit": g},
                                               {"what": "av", "gap": "1", "g_unit": g}], extra=[total])
    chart.extra_columns = ["应当音像记录的环节"]
    return chart


FOOTAGE_CLASSES = ("case", "patrol")


def storage_period(profile_id: str) -> tuple[dt.timedelta, str, str] | None:
    """The profile's deadline for storing footage as a fixed span, its article and label; None when the
    profile sets none, or sets it in working days (not a fixed span: see the note)."""
    rule = get_profile(profile_id).rule("evidence_storage")
    if rule is None or "within" not in rule.values:
        return None
    amount, unit = rule.period()
    span = {"hours": dt.timedelta(hours=amount), "days": dt.timedelta(days=amount)}.get(unit)
    return (span, rule.article, rule.period_label()) if span is not None else None


def footage(scope: Scope, profile_id: str) -> QuerySet[Evidence]:
    return Evidence.objects.filter(scope.where(person="officer"), _period(scope, "recorded_end"),
                                   agency__profile_id=profile_id, evidence_class__in=FOOTAGE_CLASSES)


def late_filter(span: dt.timedelta) -> Q:
    due = ExpressionWrapper(F("recorded_end") + Value(span, output_field=DurationField()), output_field=DateTimeField())
    return Q(ingested_at__gt=due)


def footage_on_time(scope: Scope) -> Chart:
    chart = Chart("footage", "音像资料按期存储", "", "承办机构", ["按期存储", "逾期存储"])
    totals: dict[tuple[int, str], list[int]] = {}
    rules, skipped = [], []
    for pid, agencies in _profiles(scope).items():
        found = storage_period(pid)
        if found is None:
            skipped += [a.short_name for a in agencies]
            continue
        span, article, label = found
        rules.append(f"{get_profile(pid).name}{article}:{label}内")
        qs = footage(scope, pid).order_by().values("unit_id", "unit__name")
        for unit_id, name, n, late in qs.annotate(n=Count("pk"), late=Count("pk", filter=late_filter(span))) \
                .values_list("unit_id", "unit__name", "n", "late"):
            t = totals.setdefault((unit_id, name), [0, 0])
            t[0] += n - late
            t[1] += late
    chart.note = ("统计期间内录制结束的执法记录(日常巡查、案件证据类音像资料),入库时间不晚于录制结束后规范规定的期限"
                  f"({';'.join(rules) or '无'})为按期存储。")
    if skipped:
        chart.note += f"{'、'.join(skipped)}的规范未以固定时长规定存储期限,未计入。"
    for (unit_id, name), (ok, late) in sorted(totals.items(), key=lambda kv: kv[0][1]):
        g = str(unit_id)
        chart.add(name, [ok, late], [{"what": "footage", "late": "0", "g_unit": g},
                                     {"what": "footage", "late": "1", "g_unit": g}])
    return chart


def reception_days(scope: Scope) -> Chart:
    last = min(scope.end, timez.beijing(timez.now()).date())
    days = max((last - scope.start).days + 1, 0)
    chart = Chart("reception", "受理场所监控按日保存", f"统计期间内(截至今日,共 {days} 天)各受理场所(接待窗口)已登记保存"
                  "当日监控录像的天数和缺少的天数;列出曾登记过监控日存的场所。", "受理场所", ["已保存天数", "缺少天数"])
    segments = ReceptionSegment.objects.filter(scope.where(person=None))
    sites = sorted(set(segments.values_list("agency__short_name", "site")))
    saved = {(a, s): n for a, s, n in segments.filter(day__gte=scope.start, day__lte=last).order_by()
             .values("agency__short_name", "site").annotate(n=Count("day", distinct=True))
             .values_list("agency__short_name", "site", "n")}
    several = len({a for a, _ in sites}) > 1
    for agency, site in sites:
        n = saved.get((agency, site), 0)
        chart.add(f"{agency} {site}" if several else site, [n, max(days - n, 0)])
    return chart


# ------------------------------------------------------------------ access


def access_requests(scope: Scope) -> Chart:
    statuses = list(RequestStatus)
    chart = Chart("access", "资料调用单", "统计期间内提交的调用单(范围内案件的),按调用类型和审批状态计数。",
                  "调用类型", [str(s.label) for s in statuses])
    counts = {(k, s): n for k, s, n in AccessRequest.objects.filter(
        scope.where(unit="case__unit", person="case__handler"), _period(scope, "created_at")).order_by()
        .values("kind", "status").annotate(n=Count("pk")).values_list("kind", "status", "n")}
    for kind in RequesterKind:
        chart.add(str(kind.label), [counts.get((kind.value, s.value), 0) for s in statuses],
                  [{"what": "access", "kind": kind.value, "status": s.value} for s in statuses])
    return chart


def copies_made(scope: Scope) -> int:
    """Watermarked copies handed out (提供复制件) in the period, of cases in scope."""
    return DomainEvent.objects.filter(_period(scope, "occurred_at"), action="access.copy", outcome="done",
                                      case_id_frozen__in=scoped_cases(scope).values("pk")).count()


# ------------------------------------------------------------------ devices


def body_cams(scope: Scope) -> Chart:
    chart = Chart("cams", "执法记录仪配备(按单位)", "", "单位", ["执法人员", "在用执法记录仪", "应配备"], kind="bar")
    articles = []
    today = timez.beijing(timez.now()).date()
    agencies = _agencies(scope)
    unit_names = {(u.agency_id, u.name) for u in scope.units()} if scope.reach.units or scope.unit else None
    if scope.unit is not None:
        unit_names = {(scope.unit.agency_id, scope.unit.name)}
    for agency in agencies:
        ratio = officers_per_device(agency.profile_id)
        if ratio is None:
            continue
        articles.append(f"{agency.short_name}:{get_profile(agency.profile_id).name}{ratio[1]},每{ratio[0]}名执法人员"
                        "至少配备一台")
        for r in unit_ratios(agency, today):
            if unit_names is not None and (agency.pk, r.unit) not in unit_names:
                continue
            label = f"{agency.short_name} {r.unit}" if len(agencies) > 1 else r.unit
            chart.add(label, [r.officers, r.body_cams, r.needed], extra=["不足" if r.short else "达标"])
    chart.extra_columns = ["配备情况"]
    chart.note = ("按执法记录设备台账:各单位今日执法证有效的执法人员数、台账中在用(在库或已领用)的执法记录仪台数,"
                  "以及按规范应配备的台数。依据:" + (";".join(articles) or "所选机关的规范未规定配备比例") + "。")
    return chart


# ------------------------------------------------------------------ everything


def headline(scope: Scope) -> list[tuple[str, int]]:
    cases = scoped_cases(scope).filter(_period(scope, "registered_at"))
    deadlines = Deadline.objects.filter(scope.where())
    return [
        ("期间登记案件", cases.count()),
        ("在办案件", cases.filter(stage__in=OPEN_STAGES).count()),
        ("未整改合规问题", _findings(scope).filter(resolved_at__isnull=True).count()),
        ("临近期限", deadlines.filter(state=Deadline.NEAR).count()),
        ("已逾期", deadlines.filter(state=Deadline.OVERDUE).count()),
        ("提供复制件(次)", copies_made(scope)),
    ]


CHARTS = (cases_by_stage, cases_by_age, deadlines_by_unit, findings_by_article, findings_by_rule, findings_by_unit,
          findings_by_officer, findings_trend, av_coverage, footage_on_time, reception_days, access_requests, body_cams)


def all_charts(scope: Scope) -> list[Chart]:
    return [make(scope) for make in CHARTS]


# ------------------------------------------------------------------ drill-down


def _unit_q(field_name: str, value: str | None) -> Q:
    if value is None:
        return Q()
    return Q(**{f"{field_name}__isnull": True}) if value == "0" else Q(**{field_name: int(value)})


def drill_cases(scope: Scope, params: Any) -> tuple[QuerySet[Case], str]:
    """The cases one bar counts, and what they are in words. Unknown parameters list nothing."""
    what = params.get("what", "")
    g_unit = params.get("g_unit") if (params.get("g_unit") or "").isdigit() else None
    g_officer = params.get("g_officer") if (params.get("g_officer") or "").isdigit() else None
    cases = scoped_cases(scope)
    if what == "stage":
        stage = params.get("stage", "")
        label = Stage(stage).label if stage in Stage.values else "未知阶段"
        return cases.filter(_period(scope, "registered_at"), stage=stage), f"期间登记、当前阶段为“{label}”的案件"
    if what == "age" and (params.get("age") or "").isdigit() and int(params["age"]) < len(AGE_BUCKETS):
        i = int(params["age"])
        return (cases.filter(_period(scope, "registered_at"), age_filter(i, timez.now()), stage__in=OPEN_STAGES),
                f"期间登记、办理时长{AGE_BUCKETS[i][2]}的在办案件")
    if what == "deadline" and params.get("state") in (Deadline.NEAR, Deadline.OVERDUE):
        state = params["state"]
        due = Deadline.objects.filter(scope.where(), _unit_q("unit_id", g_unit), state=state)
        return cases.filter(pk__in=due.values("case_id")), f"有{dict(Deadline.STATES)[state]}期限事项的案件"
    if what in ("finding", "trend"):
        rows = StoredFinding.objects.filter(scope.where(), _unit_q("unit_id", g_unit))
        if g_officer is not None:
            rows = rows.filter(handler_id=int(g_officer))
        words = "合规问题"
        if what == "finding":
            rows = rows.filter(_period(scope, "first_seen_at"))
            if "rule" in params:
                rows = rows.filter(rule=params["rule"])
                words = f"“{rule_label(params['rule'])}”问题"
            if "article" in params:
                rows = rows.filter(profile_id=params.get("profile", ""), article=params["article"])
                words = f"{params['article'] or NO_ARTICLE}的问题"
            state = params.get("state")
            if state == "open":
                rows, words = rows.filter(resolved_at__isnull=True), "有未整改" + words
            elif state == "resolved":
                rows, words = rows.filter(resolved_at__isnull=False), "有已整改" + words
            return cases.filter(pk__in=rows.values("case_id")), f"期间发现{words}的案件"
        try:
            month = dt.date.fromisoformat(params.get("month", "") + "-01")
        except ValueError:
            return cases.none(), "未知月份"
        lo = dt.datetime.combine(month, dt.time.min, tzinfo=timez.BEIJING)
        hi = dt.datetime.combine((month + dt.timedelta(days=32)).replace(day=1), dt.time.min, tzinfo=timez.BEIJING)
        name = "resolved_at" if params.get("state") == "resolved" else "first_seen_at"
        rows = rows.filter(**{f"{name}__gte": max(lo, scope.lo), f"{name}__lt": min(hi, scope.hi)})
        return (cases.filter(pk__in=rows.values("case_id")),
                f"{month.year}年{month.month}月{'整改' if name == 'resolved_at' else '新发现'}合规问题的案件")
    if what == "av":
        ids: list[QuerySet[Any]] = []
        for pid in _profiles(scope):
            docs = av_documents(scope, pid).filter(_unit_q("case__unit_id", g_unit))
            docs = docs.filter(av_gap()) if params.get("gap") == "1" else docs.exclude(av_gap())
            ids.append(docs.values("case_id"))
        q = Q(pk__in=[]) if not ids else _any_of(ids)
        gap = params.get("gap") == "1"
        return cases.filter(q), f"有{'未' if gap else '已'}覆盖音像记录的应当音像记录环节的案件"
    if what == "footage":
        ids = []
        late = params.get("late") == "1"
        for pid in _profiles(scope):
            found = storage_period(pid)
            if found is None:
                continue
            clips = footage(scope, pid).filter(_unit_q("unit_id", g_unit))
            clips = clips.filter(late_filter(found[0])) if late else clips.exclude(late_filter(found[0]))
            ids.append(clips.values("case_id"))
        return cases.filter(_any_of(ids) if ids else Q(pk__in=[])), \
            f"有{'逾期' if late else '按期'}存储音像资料的案件"
    if what == "access" and params.get("kind") in RequesterKind.values and params.get("status") in RequestStatus.values:
        asked = AccessRequest.objects.filter(_period(scope, "created_at"), kind=params["kind"], status=params["status"])
        return (cases.filter(pk__in=asked.values("case_id")),
                f"期间有{RequesterKind(params['kind']).label}、{RequestStatus(params['status']).label}调用单的案件")
    return cases.none(), "未知的统计项"


def _any_of(querysets: Iterable[QuerySet[Any]]) -> Q:
    q = Q(pk__in=[])
    for qs in querysets:
        q |= Q(pk__in=qs)
    return q
