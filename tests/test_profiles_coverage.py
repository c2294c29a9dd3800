"""The article map: every article of each regulation text is listed with what covers it, the map
names only checks, document types and steps that exist, and every quote a profile carries is the
text of the article it cites."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest
import yaml
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from lawtrail.cli import main
from lawtrail.compliance import rules  # noqa: F401 — the checks register on import
from lawtrail.compliance.agency import AGENCY_RULES
from lawtrail.compliance.engine import REGISTRY
from lawtrail.documents.catalogue import catalogue
from lawtrail.profiles.articles import (
    all_regulations,
    article_label,
    chinese_number,
    cited_article,
    normalise,
    parse_regulation,
    regulation,
)
from lawtrail.profiles.coverage import (
    SETTING_LABELS,
    STEP_LABELS,
    CoverageError,
    all_coverage,
    load_coverage,
    profile_data,
)
from lawtrail.testing.personas import World

ROOT = Path(__file__).resolve().parent.parent
PROFILE_FILES = sorted((ROOT / "lawtrail" / "profiles" / "data").glob("*.yaml"))
SHIPPED = ["agriculture", "commission-rules", "housing-construction", "labor-inspection", "safety-production"]



def profile_rules(profile_id: str) -> dict[str, dict[str, object]]:
    return dict(profile_data(profile_id)["rules"])


# ---------------------------------------------------------------- the regulation texts


def test_each_regulation_text_reads_as_consecutive_articles_from_the_first_to_its_date_of_effect() -> None:
    # 0-national-law.txt is an excerpt of two national laws (the base profile's), not one regulation
    # read from its first article to its last.
    regs = {name: r for name, r in all_regulations().items() if not name.startswith("0-")}
    assert {s: len(r.articles) for s, r in regs.items()} == {
        "1-labor-inspection.txt": 40, "2-commission-implementing-rules.txt": 26, "3-safety-production.txt": 27,
        "4-agriculture.txt": 30, "5-housing-construction.txt": 18}
    for reg in regs.values():
        assert [a.number for a in reg.articles] == list(range(1, len(reg.articles) + 1))
        assert all(a.text for a in reg.articles)
        # The last article of every text is its date of effect.
        assert "施行" in reg.articles[-1].text or "实施" in reg.articles[-1].text


def test_an_article_starting_mid_line_ends_the_one_before_it() -> None:
    reg = regulation("1-labor-inspection.txt")
    second, third = reg.article("第二条"), reg.article("第三条")
    assert second is not None and third is not None
    assert second.text == "本细则适用于我区行政区域内劳动保障监察行政执法全过程记录工作。"
    assert third.text.startswith("本细则所称行政执法全过程记录")


def test_an_article_heading_without_its_di_at_a_line_start_is_still_an_article() -> None:
    # The agriculture text writes "十五条" from its fifteenth article on.
    reg = regulation("4-agriculture.txt")
    fifteenth = reg.article("第十五条")
    assert fifteenth is not None and fifteenth.text.startswith("法制机构审查文字记录")
    thirteenth = reg.article("第十三条")
    assert thirteenth is not None and "第十四条" not in thirteenth.text


def test_a_chapter_heading_belongs_to_no_article() -> None:
    reg = regulation("2-commission-implementing-rules.txt")
    fifteenth = reg.article("第十五条")
    assert fifteenth is not None
    assert fifteenth.text.endswith("(六)其他依法记录的内容。")
    safety = regulation("3-safety-production.txt")
    fourth = safety.article("第四条")
    assert fourth is not None and "记录方式" not in fourth.text and "第二章" not in fourth.text


def test_a_reference_to_another_article_is_not_a_heading() -> None:
    reg = parse_regulation("第一条 依照第三条 规定办理。\n第二条 见第一条\n第三条 本办法自发布之日起施行。")
    assert reg.labels == ["第一条", "第二条", "第三条"]
    assert reg.articles[0].text == "依照第三条 规定办理。"


@given(st.integers(min_value=1, max_value=999))
def test_article_numbers_read_back_as_they_are_written(number: int) -> None:
    label = article_label(number)
    assert chinese_number(label[1:-1]) == number


def test_article_numbers_are_written_as_the_regulations_write_them() -> None:
    assert [article_label(n) for n in (1, 10, 15, 20, 21, 40, 100, 103, 110)] == [
        "第一条", "第十条", "第十五条", "第二十条", "第二十一条", "第四十条", "第一百条", "第一百零三条", "第一百一十条"]


# ---------------------------------------------------------------- the map against the texts


def test_every_shipped_profile_has_an_article_map() -> None:
    assert sorted(all_coverage()) == SHIPPED


@pytest.mark.parametrize("profile_id", SHIPPED)
def test_the_map_lists_every_article_of_the_text_and_nothing_else(profile_id: str) -> None:
    cov = all_coverage()[profile_id]
    listed = [a.label for a in cov.articles]
    assert len(listed) == len(set(listed))
    assert listed == cov.regulation.labels
    assert cov.regulation.source == profile_data(profile_id)["source"]


@pytest.mark.parametrize("profile_id", SHIPPED)
def test_every_rule_the_map_names_is_a_check_the_profile_carries(profile_id: str) -> None:
    carried = profile_rules(profile_id)
    for a in all_coverage()[profile_id].articles:
        for rule_id in a.names("rules"):
            assert rule_id in REGISTRY, f"{profile_id} {a.label}: no check implements {rule_id}"
            assert rule_id in carried, f"{profile_id} {a.label}: the profile has no rule {rule_id}"
        for rule_id in a.names("agency"):
            assert rule_id in AGENCY_RULES, f"{profile_id} {a.label}: {rule_id} is not an agency-level check"
            assert rule_id in carried, f"{profile_id} {a.label}: the profile has no rule {rule_id}"


@pytest.mark.parametrize("profile_id", SHIPPED)
def test_every_setting_the_map_names_is_carried_by_the_profile_and_read_by_the_code(profile_id: str) -> None:
    carried = profile_rules(profile_id)
    read = entries_read_by_code()
    for a in all_coverage()[profile_id].articles:
        for name in a.names("settings"):
            assert name in carried, f"{profile_id} {a.label}: the profile has no entry {name}"
            assert name in SETTING_LABELS
            assert is_read(name, read), f"{profile_id} {a.label}: nothing reads {name}"


@pytest.mark.parametrize("profile_id", SHIPPED)
def test_every_document_type_the_map_names_is_in_the_catalogue(profile_id: str) -> None:
    types = catalogue()
    for a in all_coverage()[profile_id].articles:
        for code in a.names("documents"):
            assert code in types, f"{profile_id} {a.label}: no document type {code}"


def test_every_step_the_map_may_name_is_an_action_of_its_app() -> None:
    for step in STEP_LABELS:
        app, _, function = step.partition(".")
        module = importlib.import_module(f"lawtrail.{app}.actions")
        assert callable(getattr(module, function, None)), step


@pytest.mark.parametrize("profile_id", SHIPPED)
def test_every_step_the_map_names_has_a_name_a_person_reads(profile_id: str) -> None:
    for a in all_coverage()[profile_id].articles:
        for step in a.names("steps"):
            assert step in STEP_LABELS, f"{profile_id} {a.label}: unknown step {step}"


@pytest.mark.parametrize("profile_id", SHIPPED)
def test_an_article_counted_as_covered_cites_a_check_or_a_setting_the_code_applies(profile_id: str) -> None:
    # "Covered" is more than a form to fill in: something records it and the map says what.
    for a in all_coverage()[profile_id].articles:
        if a.status == "covered":
            assert any(a.names(k) for k in ("rules", "agency", "settings", "steps", "documents")), a.label


def test_a_map_that_leaves_out_why_an_article_is_a_gap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "labor-inspection.yaml"
    path.write_text("profile: labor-inspection\narticles:\n  第一条:\n    status: gap\n", encoding="utf-8")
    with pytest.raises(CoverageError, match="第一条"):
        load_coverage(path)


def test_a_map_with_an_unknown_status_or_field_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "labor-inspection.yaml"
    path.write_text("profile: labor-inspection\narticles:\n  第一条:\n    status: done\n", encoding="utf-8")
    with pytest.raises(CoverageError, match="status"):
        load_coverage(path)
    path.write_text("profile: labor-inspection\narticles:\n  第一条:\n    status: n/a\n    note: 目的\n"
                    "    checks: [x]\n", encoding="utf-8")
    with pytest.raises(CoverageError, match="checks"):
        load_coverage(path)


def test_a_covered_article_that_names_nothing_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "labor-inspection.yaml"
    path.write_text("profile: labor-inspection\narticles:\n  第十二条:\n    status: covered\n", encoding="utf-8")
    with pytest.raises(CoverageError, match="第十二条"):
        load_coverage(path)


# ---------------------------------------------------------------- quotes


BASE_FILE = ROOT / "lawtrail" / "profiles" / "base" / "national.yaml"


def quotes() -> list[tuple[str, str, str, str, str, str]]:
    """(file, rule, source, law, article, quote) of every rule of every profile and of the national base."""
    out = []
    for path in [*PROFILE_FILES, BASE_FILE]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule_id, body in data["rules"].items():
            out.append((path.name, rule_id, str(data["source"]), str(body.get("law", "")), str(body["article"]),
                        str(body["quote"])))
    return out


@pytest.mark.parametrize(("file", "rule_id", "source", "law", "article", "quote"), quotes(),
                         ids=lambda v: str(v)[:30])
def test_every_quote_is_verbatim_text_of_the_article_it_cites(file: str, rule_id: str, source: str, law: str,
                                                                article: str, quote: str) -> None:
    # A rule of the agency's own regulation quotes it; one that names a national law quotes the excerpt.
    cited = cited_article(source, article, law)
    assert cited is not None, f"{file} {rule_id}: {law or source} has no {article}"
    assert cited.contains(quote), f"{file} {rule_id}: the quote is not the text of {law}{article}"


def test_a_rule_naming_a_national_law_is_read_against_that_law_not_the_other() -> None:
    # Both laws have a 第五十四条: 立案 is the penalty law's, 催告 the coercion law's.
    penalty = cited_article("", "第五十四条", "《中华人民共和国行政处罚法》")
    coercion = cited_article("", "第五十四条", "《中华人民共和国行政强制法》")
    assert penalty is not None and coercion is not None
    assert penalty.contains("符合立案标准的,行政机关应当及时立案。") and not coercion.contains("立案")
    assert cited_article("", "第一条", "《中华人民共和国行政处罚法》") is None


# What the quoted text must speak of for the rule to come from it: a quote that names none of
# these is the text of another duty (the work-safety 立案审批 once quoted the list of records to
# keep, the agriculture access rules the definition of 全过程记录).
SUBJECT_WORDS = {
    "filing_approval": ("立案", "启动"), "emergency_start": ("紧急",), "signature_refusal": ("拒绝签字", "拒签"),
    "access_internal": ("调用", "调阅", "使用", "案卷"), "access_external": ("调用", "调阅", "使用", "案卷"),
    "access_party_copy": ("复制", "案卷"), "av_time_match": ("时间",), "av_whole_activity": ("到达现场",),
    "record_officers": ("执法证", "执法人员"), "lodged_service": ("留置", "留臵"), "lodged_service_av": ("留置", "留臵", "留在受送达人"),
    "lodged_service_refusal": ("拒收事由",),
    "mail_service": ("邮寄",), "public_service": ("公告",), "electronic_service": ("电子邮件", "传真"),
    "case_file": ("案卷", "归档"), "evidence_storage": ("存储", "储存"), "evidence_naming": ("名称",),
    "rights_notice": ("陈述",), "decision_contents": ("决定",), "reminder_before_enforcement": ("催告",),
    "legal_review": ("法制",), "head_decision": ("负责人",), "av_required": ("音像", "视音频"),
    "av_required_seizure": ("音像",), "av_required_enforcement": ("音像",), "complaint_register": ("登记", "申请"),
    "complaint_rejection_notice": ("不启动", "不予受理"), "inquiry_fingerprint": ("手印",),
    "investigation_officers": ("两人",), "investigation_refusal": ("拒绝接受调查", "拒不接受调查"),
    "electronic_service_excluded": ("决定文书除外",), "service_receipt_signed": ("送达回证",),
    "entrusted_service": ("委托",), "document_signatures": ("签字",), "evidence_uninterrupted": ("中断", "断续"),
}


@pytest.mark.parametrize(("file", "rule_id", "source", "law", "article", "quote"),
                         [q for q in quotes() if q[1] in SUBJECT_WORDS], ids=lambda v: str(v)[:30])
def test_every_rule_quotes_a_text_that_speaks_of_its_duty(file: str, rule_id: str, source: str, law: str,
                                                          article: str, quote: str) -> None:
    assert any(w in normalise(quote) for w in SUBJECT_WORDS[rule_id]), f"{file} {rule_id} {article}: {quote}"


def test_a_quote_that_differs_from_its_article_is_caught() -> None:
    reg = regulation("3-safety-production.txt")
    article = reg.article("第二十一条")
    assert article is not None
    assert article.contains("(二)当事人对执法人员现场执法有异议,\n或者投诉、上访的")  # only whitespace differs
    assert not article.contains("当事人对执法人员现场执法有异议或者投诉、上访的")  # a comma dropped
    assert not article.contains("")


def enumerated_items(text: str) -> dict[str, str]:
    """(一) → its text, up to the ; or 。 that ends it (a regulation's list items)."""
    flat = normalise(text)
    number = r"\([一二三四五六七八九十]+\)"
    return {m.group(1): m.group(2) for m in re.finditer(rf"({number})(.*?)(?=[;。]|{number}|$)", flat)}


@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.stem)
def test_every_listed_trigger_is_the_whole_item_of_its_article(path: Path) -> None:
    # A YAML flow mapping ends a plain value at an ASCII comma: the work-safety triggers once
    # stopped at "有异议" and "阻碍执法".
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for rule_id, body in data["rules"].items():
        for trigger in body.get("triggers") or []:
            if not isinstance(trigger, dict) or "item" not in trigger:
                continue
            assert set(trigger) <= {"kind", "item", "text"}, f"{path.name} {rule_id}: {sorted(trigger)}"
            article = regulation(data["source"]).article(body["article"])
            assert article is not None
            items = enumerated_items(article.text)
            assert normalise(str(trigger["text"])) == items[str(trigger["item"])], f"{path.name} {rule_id} {trigger}"


# ---------------------------------------------------------------- entries nothing reads


def entries_read_by_code() -> tuple[set[str], set[str]]:
    """The string literals in the code (profile entries are asked for by id), and the prefixes of
    ids built at run time (f"evidence_retention_{...}")."""
    literals: set[str] = set()
    prefixes: set[str] = set()
    this_map = ROOT / "lawtrail" / "profiles" / "coverage.py"  # names entries only to label them
    for path in (ROOT / "lawtrail").rglob("*.py"):
        if path == this_map or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        literals.update(re.findall(r"[\"']([a-z][a-z0-9_]+)[\"']", text))
        prefixes.update(re.findall(r"f[\"']([a-z][a-z0-9_]+_)\{", text))
    return literals, prefixes


def is_read(name: str, read: tuple[set[str], set[str]]) -> bool:
    literals, prefixes = read
    return name in literals or name in REGISTRY or any(name.startswith(p) for p in prefixes)


def test_no_profile_carries_an_entry_that_nothing_reads() -> None:
    # There is no list of known exceptions: one let `patrol_outcomes` and `evidence_no_alteration`
    # sit in the profiles unread while this test passed.
    read = entries_read_by_code()
    unread = {rule_id for path in [*PROFILE_FILES, BASE_FILE]
              for rule_id in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"] if not is_read(rule_id, read)}
    assert unread == set(), f"entries nothing reads: {sorted(unread)}"


def test_the_unread_entry_finder_can_tell_a_read_entry_from_an_unread_one() -> None:
    read = entries_read_by_code()
    assert is_read("retention_case_file", read) and is_read("evidence_retention_patrol", read)
    assert not is_read("patrol_outcomes", read) and not is_read("no_such_entry", read)


# ---------------------------------------------------------------- the command


@pytest.mark.django_db
def test_the_command_prints_each_article_with_its_status_and_the_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles", "coverage", "labor-inspection"]) == 0
    out = capsys.readouterr().out
    cov = all_coverage()["labor-inspection"]
    for a in cov.articles:
        assert re.search(rf"^\s+{a.label}\s", out, re.MULTILINE), a.label
    counts = cov.counts()
    assert (f"适用条款 {cov.applicable} 条:已覆盖 {counts['covered']},部分覆盖 {counts['partial']},"
            f"未覆盖 {counts['gap']};不适用 {counts['n/a']} 条") in out
    # What covers an article is named in Chinese: the rule's label, not its id.
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("第十二条"))
    assert REGISTRY["filing_approval"].label in line and "filing_approval" not in line


@pytest.mark.django_db
def test_the_json_output_carries_ids_and_labels(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles", "coverage", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["profile"] for d in data] == SHIPPED
    labour = next(d for d in data if d["profile"] == "labor-inspection")
    twelfth = next(a for a in labour["articles"] if a["article"] == "第十二条")
    assert {"id": "filing_approval", "label": REGISTRY["filing_approval"].label} in twelfth["rules"]
    assert {"id": "filing_approval_form", "label": catalogue()["filing_approval_form"].name} in twelfth["documents"]
    assert sum(labour["counts"].values()) == len(labour["articles"]) == 40


@pytest.mark.django_db
def test_an_unknown_profile_exits_non_zero_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles", "coverage", "no-such-profile"]) == 2
    assert "no-such-profile" in capsys.readouterr().err


def test_the_readme_shows_the_counts_the_command_prints() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for cov in all_coverage().values():
        counts = cov.counts()
        row = (f"| {cov.profile_id} | {len(cov.articles)} | {cov.applicable} | {counts['covered']} | "
               f"{counts['partial']} | {counts['gap']} | {counts['n/a']} |")
        assert row in readme, row


# ---------------------------------------------------------------- the supervisor's page


def page_as(world: World, name: str) -> tuple[int, str]:
    client = Client()
    client.force_login(getattr(world, name))
    response = client.get("/compliance/coverage/")
    return response.status_code, response.content.decode()


def test_the_supervisor_reads_every_article_of_the_agencys_regulation_with_its_status(world: World) -> None:
    status, html = page_as(world, "sam")
    assert status == 200
    cov = all_coverage()[world.agency.profile_id]
    table = html.split('id="coverage"')[1]
    for a in cov.articles:
        assert f"<summary>{a.label}</summary>" in table
    statuses = {a.status for a in cov.articles}
    assert "已覆盖" in table and "不适用" in table
    assert ("部分覆盖" in table) == ("partial" in statuses)  # each status by its Chinese name
    assert REGISTRY["filing_approval"].label in table
    # A person reads names, never the engine's ids or an English status.
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", re.sub(r"<[^>]+>", "", table)), "a raw id is shown"
    assert "n/a" not in table and "partial" not in table
    counts = cov.counts()
    assert f"适用条款 {cov.applicable} 条" in html and f"部分覆盖 {counts['partial']}" in html


def test_the_findings_page_leads_to_the_coverage_page(world: World) -> None:
    client = Client()
    client.force_login(world.sam)
    assert 'href="/compliance/coverage/"' in client.get("/compliance/").content.decode()


def test_an_officer_may_not_open_the_coverage_page(world: World) -> None:
    assert page_as(world, "alice")[0] == 403
