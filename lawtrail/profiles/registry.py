"""Regulation profiles: one YAML file per regulation, read once.

A rule is a mapping with its `article` (第X条 as the regulation writes it), the `quote` it
comes from, and its values. Code asks a profile for a rule by its stable id; it never knows
which agency or regulation it serves.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from lawtrail.lib.errors import InvalidInput
from lawtrail.profiles.articles import NATIONAL_SOURCE

PROFILE_DATA_DIR = Path(__file__).resolve().parent / "data"
# The national base every agency profile extends: the minimums of 《行政处罚法》 and 《行政强制法》.
BASE_PROFILE_PATH = Path(__file__).resolve().parent / "base" / "national.yaml"
REGULATIONS_DIR = Path(__file__).resolve().parent / "regulations"

PERIOD_UNITS = {"hours", "days", "working_days", "months", "years"}
PERIOD_LABELS = {"hours": "小时", "days": "日", "working_days": "个工作日", "months": "个月", "years": "年",
                 "minutes": "分钟"}
# A tolerance (how far two clocks may disagree) is short: minutes or hours.
TOLERANCE_UNITS = {"minutes", "hours"}
SEVERITIES = {"blocking", "warning"}

# The rule fields whose shape the loader checks (profile.schema.json documents them). Any
# other field is kept as it is written: rules and fields the engine does not know are fine,
# so an agency's profile may carry more than the code reads.
LIST_OF_STRINGS_FIELDS = ("approvers", "roles", "items", "methods", "classes", "blocks", "decisions")
COUNT_FIELDS = ("witnesses", "min_officers", "officers_per_device")
TEXT_FIELDS = ("note",)


class ProfileError(InvalidInput):
    pass


@dataclass(frozen=True)
class Rule:
    id: str
    article: str
    quote: str
    values: dict[str, Any] = field(default_factory=dict)
    # The law the rule comes from when it is the national base's (《中华人民共和国行政处罚法》);
    # empty for a rule of the agency's own regulation.
    law: str = ""
    # The file under regulations/ that the quote comes from.
    text: str = ""

    def period(self, key: str = "within") -> tuple[int, str]:
        p = self.values[key]
        return int(p["amount"]), str(p["unit"])

    def period_label(self, key: str = "within") -> str:
        amount, unit = self.period(key)
        return f"{amount}{PERIOD_LABELS[unit]}"


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    agency_kind: str
    source: str
    rules: dict[str, Rule]
    path: Path
    # 卷内目录: the order the case file lists its documents in, by document type code ("media" for
    # the AV records); a type not named follows the named ones, by date. The national base gives
    # one; an agency's profile may give its own, which replaces it whole.
    case_file_order: tuple[str, ...] = ()
    # 期限预警: how long before a deadline it turns yellow, {default: period, hours: period} (the
    # second for deadlines counted in hours); a rule may say its own with `warn_before`. The
    # national base gives one; an agency's profile may give its own.
    deadline_warning: dict[str, Any] = field(default_factory=dict)

    def rule(self, rule_id: str) -> Rule | None:
        return self.rules.get(rule_id)


def _fail(path: Path, line: int | None, field_name: str, message: str) -> ProfileError:
    where = f"{path.name}" + (f" 第{line}行" if line else "")
    return ProfileError("bad_profile", f"规范配置文件 {where} 字段 {field_name}:{message}",
                        {"file": str(path), "line": line, "field": field_name})


def _line_of(node: yaml.Node | None, key: str) -> int | None:
    if isinstance(node, yaml.MappingNode):
        for k, _v in node.value:
            if getattr(k, "value", None) == key:
                return int(k.start_mark.line) + 1
    return None


def _value_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                return v
    return None


def _check_field(path: Path, line: int | None, name: str, key: str, value: Any) -> None:
    """The shape of the rule fields the code reads; a wrong one names its line and field."""
    if key == "tolerance":
        if (not isinstance(value, dict) or value.get("unit") not in TOLERANCE_UNITS
                or not isinstance(value.get("amount"), int) or isinstance(value.get("amount"), bool)
                or value["amount"] < 0):
            raise _fail(path, line, name, "容差须为 {amount: 非负整数, unit: minutes|hours}")
        return
    if isinstance(value, dict) and "unit" in value:
        amount = value.get("amount")
        if (value["unit"] not in PERIOD_UNITS or not isinstance(amount, int) or isinstance(amount, bool)
                or amount <= 0):
            raise _fail(path, line, name, "期限须为 {amount: 正整数, unit: hours|days|working_days|months|years}")
        return
    if key in ("within",) and not isinstance(value, dict):
        raise _fail(path, line, name, "期限须为 {amount: 正整数, unit: hours|days|working_days|months|years}")
    if key == "triggers":
        # Names, or the regulation's own list: {kind, item, text} (long-term retention, lawtrail/retention).
        if not isinstance(value, list) or not all(
                (isinstance(x, str) and x) or (isinstance(x, dict) and isinstance(x.get("kind"), str) and x["kind"])
                for x in value):
            raise _fail(path, line, name, "须为字符串列表,或 {kind, item, text} 的列表")
    elif key in LIST_OF_STRINGS_FIELDS:
        if not isinstance(value, list) or not all(isinstance(x, str) and x for x in value):
            raise _fail(path, line, name, "须为字符串列表,如 [a, b]")
    elif key in COUNT_FIELDS:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _fail(path, line, name, "须为非负整数")
    elif key == "severity":
        if value not in SEVERITIES:
            raise _fail(path, line, name, "须为 blocking 或 warning")
    elif key in TEXT_FIELDS and not isinstance(value, str):
        raise _fail(path, line, name, "须为文字")


def load_profile(path: Path) -> Profile:
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise _fail(path, mark.line + 1 if mark else None, "-", f"YAML 语法错误 {err}")
    if not isinstance(data, dict):
        raise _fail(path, 1, "-", "顶层必须是映射")
    for key in ("id", "name", "agency_kind", "source", "rules"):
        if key not in data:
            raise _fail(path, None, key, "缺少必填字段")
    rules_node = None
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == "rules":
                rules_node = v
    rules: dict[str, Rule] = {}
    if not isinstance(data["rules"], dict):
        raise _fail(path, _line_of(node, "rules"), "rules", "必须是映射")
    for rule_id, body in data["rules"].items():
        line = _line_of(rules_node, rule_id)
        if not isinstance(body, dict):
            raise _fail(path, line, f"rules.{rule_id}", "必须是映射")
        for key in ("article", "quote"):
            if not body.get(key):
                raise _fail(path, line, f"rules.{rule_id}.{key}", "缺少必填字段")
        values = {k: v for k, v in body.items() if k not in ("article", "quote", "law")}
        body_node = _value_node(rules_node, rule_id)
        for k, v in values.items():
            _check_field(path, _line_of(body_node, k) or line, f"rules.{rule_id}.{k}", k, v)
        rules[rule_id] = Rule(id=rule_id, article=str(body["article"]), quote=str(body["quote"]), values=values,
                              law=str(body.get("law", "")),
                              # A rule naming a national law quotes the excerpt of the national laws.
                              text=NATIONAL_SOURCE if body.get("law") else str(data["source"]))
    order = data.get("case_file_order", [])
    if not isinstance(order, list) or not all(isinstance(x, str) and x for x in order):
        raise _fail(path, _line_of(node, "case_file_order"), "case_file_order", "须为文书类型代码的列表,如 [filing_approval_form, media]")
    if len(set(order)) != len(order):
        raise _fail(path, _line_of(node, "case_file_order"), "case_file_order", "同一文书类型只能列出一次")
    warning = data.get("deadline_warning") or {}
    if not isinstance(warning, dict) or set(warning) - {"default", "hours"}:
        raise _fail(path, _line_of(node, "deadline_warning"), "deadline_warning", "须为 {default: 期限, hours: 期限}")
    for k, v in warning.items():
        if not isinstance(v, dict) or "unit" not in v:
            raise _fail(path, _line_of(node, "deadline_warning"), f"deadline_warning.{k}",
                        "期限须为 {amount: 正整数, unit: hours|days|working_days|months|years}")
        _check_field(path, _line_of(node, "deadline_warning"), f"deadline_warning.{k}", k, v)
    return Profile(id=str(data["id"]), name=str(data["name"]), agency_kind=str(data["agency_kind"]),
                   source=str(data["source"]), rules=rules, path=path, case_file_order=tuple(order),
                   deadline_warning=dict(warning))


# Numbers a local rule may raise, never lower, against the national base.
NOT_BELOW = ("min_officers", "witnesses")


def _not_looser(path: Path, base: Rule, local: Rule) -> None:
    for key in NOT_BELOW:
        if key in base.values and int(local.values.get(key, base.values[key])) < int(base.values[key]):
            raise _fail(path, None, f"rules.{local.id}.{key}",
                        f"不得低于国家规定的 {base.values[key]}({base.law}{base.article}):地方规范只能更严格")
    if base.values.get("severity") == "blocking" and local.values.get("severity") == "warning":
        raise _fail(path, None, f"rules.{local.id}.severity",
                    f"国家规定({base.law}{base.article})为阻断,地方规范不能降为提示")


def extend(base: Profile, profile: Profile) -> Profile:
    """`profile` on top of the national base: the base's rules the regulation does not restate, and
    the regulation's own, each no looser than the base's (a stricter number wins, a looser one
    is refused). A rule the regulation restates keeps what the base requires that it does not say
    (a base `severity` stays when the regulation names none), and cites the regulation."""
    rules: dict[str, Rule] = {}
    for rule_id, rule in base.rules.items():
        local = profile.rules.get(rule_id)
        if local is None:
            rules[rule_id] = rule
            continue
        _not_looser(profile.path, rule, local)
        values = {k: v for k, v in rule.values.items() if k in ("severity", "blocks")}
        values.update(local.values)
        for key in NOT_BELOW:
            if key in rule.values:
                values[key] = max(int(rule.values[key]), int(values[key]))
        rules[rule_id] = Rule(id=rule_id, article=local.article, quote=local.quote, values=values, law=local.law,
                              text=local.text)
    for rule_id, rule in profile.rules.items():
        rules.setdefault(rule_id, rule)
    return Profile(id=profile.id, name=profile.name, agency_kind=profile.agency_kind, source=profile.source,
                   rules=rules, path=profile.path, case_file_order=profile.case_file_order or base.case_file_order,
                   deadline_warning=profile.deadline_warning or base.deadline_warning)


@functools.cache
def base_profile() -> Profile:
    return load_profile(BASE_PROFILE_PATH)


@functools.cache
def all_profiles() -> dict[str, Profile]:
    found: dict[str, Profile] = {}
    for directory in settings.PROFILE_DIRS:
        for path in sorted(Path(directory).glob("*.yaml")):
            profile = extend(base_profile(), load_profile(path))
            found[profile.id] = profile
    return found


def get_profile(profile_id: str) -> Profile:
    try:
        return all_profiles()[profile_id]
    except KeyError:
        raise InvalidInput("unknown_profile", f"未找到规范配置 {profile_id}", {"profile_id": profile_id})
