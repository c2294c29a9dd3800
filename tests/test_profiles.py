"""Regulation profiles: the shipped ones load and agree with the code; a broken file says where it is broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from lawtrail.cases.choices import FILING_APPROVER_KINDS
from lawtrail.cases.workflow import min_officers, required_filing_kinds
from lawtrail.lib.errors import InvalidInput
from lawtrail.profiles.registry import (
    PERIOD_UNITS,
    ProfileError,
    all_profiles,
    base_profile,
    extend,
    get_profile,
    load_profile,
)

SHIPPED = ["agriculture", "commission-rules", "housing-construction", "labor-inspection", "safety-production"]

GOOD_HEAD = """\
id: test-profile
name: 测试规范
agency_kind: 测试
source: test.txt
rules:
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def broken(tmp_path: Path, text: str) -> ProfileError:
    with pytest.raises(ProfileError) as err:
        load_profile(write(tmp_path, text))
    assert err.value.code == "bad_profile"
    return err.value


# ---------------------------------------------------------------- shipped profiles


def test_all_five_shipped_profiles_load() -> None:
    assert sorted(all_profiles()) == SHIPPED


@pytest.mark.parametrize("profile_id", SHIPPED)
def test_every_shipped_rule_cites_its_article_and_quote(profile_id: str) -> None:
    profile = get_profile(profile_id)
    assert profile.name and profile.source
    for rule in profile.rules.values():
        assert rule.article.startswith("第") and rule.article.endswith("条"), rule.id
        assert rule.quote, rule.id


@pytest.mark.parametrize("profile_id", SHIPPED)
def test_every_shipped_profile_names_filing_approvers_the_code_knows(profile_id: str) -> None:
    rule = get_profile(profile_id).rule("filing_approval")
    assert rule is not None
    assert rule.values["approvers"]
    assert set(rule.values["approvers"]) <= set(FILING_APPROVER_KINDS)


@pytest.mark.parametrize("profile_id", SHIPPED)
def test_every_shipped_period_is_a_positive_amount_of_a_known_unit(profile_id: str) -> None:
    for rule in get_profile(profile_id).rules.values():
        if "within" in rule.values:
            amount, unit = rule.period()
            assert amount > 0 and unit in PERIOD_UNITS


# Two officers everywhere: the agriculture rules say so (第九条), the others inherit 《行政处罚法》第四十二条.
@pytest.mark.parametrize(("profile_id", "approvers", "officers", "emergency", "archive"), [
    ("labor-inspection", ["filing.head"], 2, "48小时", "30日"),
    ("agriculture", ["filing.unit_head", "filing.head"], 2, "24小时", None),
    ("safety-production", ["filing.head"], 2, None, "30个工作日"),
    ("commission-rules", ["filing.unit_head", "filing.head"], 2, None, "30日"),
    ("housing-construction", ["filing.head"], 2, None, "30日"),
])
def test_each_profile_states_its_regulations_rules(
        profile_id: str, approvers: list[str], officers: int, emergency: str | None, archive: str | None) -> None:
    profile = get_profile(profile_id)
    assert required_filing_kinds(profile) == approvers
    assert min_officers(profile) == officers
    emergency_rule, archive_rule = profile.rule("emergency_start"), profile.rule("case_file")
    assert (emergency_rule.period_label() if emergency_rule else None) == emergency
    assert (archive_rule.period_label() if archive_rule else None) == archive


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        get_profile("no-such-regulation")
    assert err.value.code == "unknown_profile"


def test_a_well_formed_profile_file_loads(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, GOOD_HEAD + """\
  emergency_start:
    article: 第一条
    quote: 情况紧急的,可先行启动
    within: {amount: 12, unit: hours}
"""))
    assert profile.id == "test-profile"
    rule = profile.rule("emergency_start")
    assert rule is not None and rule.period() == (12, "hours") and rule.period_label() == "12小时"


# ---------------------------------------------------------------- broken files


@pytest.mark.parametrize("period", [
    "{amount: 0, unit: hours}", "{amount: -3, unit: days}", "{amount: 2.5, unit: days}",
    "{amount: 30, unit: weeks}", "{amount: '30', unit: days}",
])
def test_a_bad_period_names_its_line_and_field(tmp_path: Path, period: str) -> None:
    err = broken(tmp_path, GOOD_HEAD + f"""\
  filing_approval: {{article: 第二条, quote: 报负责人批准, approvers: [head]}}
  case_file: {{article: 第三条, quote: 三十日内归档, within: {period}}}
""")
    assert err.detail["line"] == 7
    assert err.detail["field"] == "rules.case_file.within"
    assert "broken.yaml 第7行" in err.message
    assert "rules.case_file.within" in err.message


@pytest.mark.parametrize("missing", ["article", "quote"])
def test_a_rule_without_its_article_or_quote_names_the_rules_line(tmp_path: Path, missing: str) -> None:
    body = {"article": "    article: 第四条\n", "quote": "    quote: 应当记录\n"}
    del body[missing]
    err = broken(tmp_path, GOOD_HEAD + "  complaint_register:\n    note: x\n" + "".join(body.values()))
    assert err.detail["line"] == 6
    assert err.detail["field"] == f"rules.complaint_register.{missing}"
    assert "第6行" in err.message


def test_a_rule_that_is_not_a_mapping_names_its_line(tmp_path: Path) -> None:
    err = broken(tmp_path, GOOD_HEAD + "  filing_approval: {article: 第一条, quote: 批准}\n  case_file: 30\n")
    assert (err.detail["line"], err.detail["field"]) == (7, "rules.case_file")


@pytest.mark.parametrize("missing", ["id", "name", "agency_kind", "source", "rules"])
def test_a_missing_top_level_field_is_named(tmp_path: Path, missing: str) -> None:
    lines = [line for line in GOOD_HEAD.splitlines() if not line.startswith(f"{missing}:")]
    err = broken(tmp_path, "\n".join(lines) + "\n")
    assert err.detail["field"] == missing
    assert missing in err.message


def test_a_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    err = broken(tmp_path, GOOD_HEAD + "  case_file:\n    article: 第五条\n    quote: [未闭合\n")
    assert err.detail["line"] is not None and err.detail["line"] >= 8
    assert "YAML" in err.message


@pytest.mark.parametrize("text", ["", "- just\n- a list\n"])
def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path, text: str) -> None:
    err = broken(tmp_path, text)
    assert err.detail["line"] == 1


def _local(tmp_path: Path, body: str) -> Path:
    return write(tmp_path, GOOD_HEAD + body)


def test_a_profile_may_be_stricter_than_the_national_base_never_looser(tmp_path: Path) -> None:
    base = base_profile()
    stricter = extend(base, load_profile(_local(tmp_path, """  investigation_officers:
    article: 第九条
    quote: 执法人员不少于三人
    min_officers: 3
""")))
    rule = stricter.rule("investigation_officers")
    assert rule is not None and rule.values["min_officers"] == 3 and rule.article == "第九条" and rule.law == ""
    looser = load_profile(_local(tmp_path, """  investigation_officers:
    article: 第九条
    quote: 执法人员一人即可
    min_officers: 1
"""))
    with pytest.raises(ProfileError) as err:
        extend(base, looser)
    assert err.value.detail["field"] == "rules.investigation_officers.min_officers"
    assert "不得低于国家规定的 2" in err.value.message and "第四十二条" in err.value.message


def test_a_rule_a_profile_does_not_state_comes_from_the_national_law(tmp_path: Path) -> None:
    profile = extend(base_profile(), load_profile(_local(tmp_path, "  other:\n    article: 第一条\n    quote: 应当记录\n")))
    rule = profile.rule("decision_before_service")
    assert rule is not None and rule.law == "《中华人民共和国行政处罚法》" and rule.article == "第六十一条"
