"""Profiles as the engine reads them: each rule quotes its regulation verbatim, the shipped files
satisfy the published schema, rules the engine does not know are kept, and a wrongly shaped field
names its line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema_rs
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from lawtrail.compliance.engine import known_rules
from lawtrail.profiles.registry import (
    PROFILE_DATA_DIR,
    REGULATIONS_DIR,
    ProfileError,
    all_profiles,
    get_profile,
    load_profile,
)

HEAD = "id: t\nname: 测试\nagency_kind: 测试\nsource: t.txt\nrules:\n"
SCHEMA = json.loads((PROFILE_DATA_DIR.parent / "profile.schema.json").read_text(encoding="utf-8"))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("profile_id", sorted(all_profiles()))
def test_every_quote_is_the_regulations_own_words(profile_id: str) -> None:
    profile = get_profile(profile_id)
    for rule in profile.rules.values():
        # A rule of the national base quotes the national law's text, the others the agency's regulation.
        text = squeeze((REGULATIONS_DIR / (rule.text or profile.source)).read_text(encoding="utf-8"))
        assert squeeze(rule.quote) in text, rule.id
        # The article is the one the quote sits under (或 a later one of the same chapter, never an invention).
        assert rule.article.lstrip("第").rstrip("条") in text, rule.id


@pytest.mark.parametrize("path", sorted(PROFILE_DATA_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_profile_satisfies_the_published_schema(path: Path) -> None:
    jsonschema_rs.validate(SCHEMA, yaml.safe_load(path.read_text(encoding="utf-8")))


def test_every_profile_has_checks_for_most_of_its_rules() -> None:
    checked = set(known_rules())
    for profile in all_profiles().values():
        assert len(checked & set(profile.rules)) >= 6, profile.id


def test_unknown_rules_and_fields_are_kept_for_other_code(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + "  copy_approval:\n    article: 第一条\n    quote: 复制须经批准\n"
                    "    approvers: [head]\n    triggers: [投诉, 上访]\n    roles: [archivist]\n"
                    "    colour: blue\n", encoding="utf-8")
    rule = load_profile(path).rule("copy_approval")
    assert rule is not None and rule.values == {"approvers": ["head"], "triggers": ["投诉", "上访"],
                                                "roles": ["archivist"], "colour": "blue"}


@pytest.mark.parametrize(("field", "value", "hint"), [
    ("approvers", "head", "字符串列表"), ("triggers", "[1, 2]", "字符串列表"), ("witnesses", "two", "非负整数"),
    ("severity", "fatal", "blocking"), ("tolerance", "{amount: 5, unit: days}", "容差"),
    ("blocks", "reviewing", "字符串列表"), ("within", "30", "期限"),
])
def test_a_wrongly_shaped_field_names_its_own_line(tmp_path: Path, field: str, value: str, hint: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + f"  some_rule:\n    article: 第一条\n    quote: 应当\n    note: 说明\n    {field}: {value}\n",
                    encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert err.value.detail["line"] == 10 and err.value.detail["field"] == f"rules.some_rule.{field}"
    assert "第10行" in err.value.message and hint in err.value.message


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="abc:-[]{}, \n'\"#0123456789第条", max_size=60))
def test_any_rule_body_loads_or_is_refused_with_a_place(tmp_path_factory: pytest.TempPathFactory, body: str) -> None:
    path = tmp_path_factory.mktemp("p") / "p.yaml"
    path.write_text(HEAD + "  r:\n    article: 第一条\n    quote: 应当\n    " + body + "\n", encoding="utf-8")
    try:
        load_profile(path)
    except ProfileError as err:
        assert err.detail["file"] == str(path) and "field" in err.detail
