"""`lawtrail check`, `lawtrail profiles`, `lawtrail bundle`: JSON for scripts, exit 0 clean / 1 blocking /
2 bad input, and bad input told in Chinese."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from lawtrail.cli import main
from lawtrail.compliance import bundle as bundles
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, register_case


def write(tmp_path: Path, data: dict[str, Any], name: str = "case.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_a_clean_bundle_exits_0_with_an_empty_json_array(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, bundles.example("agriculture"))
    assert main(["check", path, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_blocking_finding_exits_1_and_the_other_profile_decides(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = copy.deepcopy(bundles.example("labor-inspection"))
    for a in b["approvals"]:
        if a["kind"].startswith("filing."):
            a["at"] = "2025-03-04T07:00:00Z"  # 30 hours after the emergency start
    path = write(tmp_path, b)
    assert main(["check", path, "--json"]) == 0
    capsys.readouterr()
    assert main(["check", path, "--profile", "agriculture", "--json"]) == 1
    findings = json.loads(capsys.readouterr().out)
    emergency = [f for f in findings if f["rule"] == "emergency_start"]
    assert emergency and emergency[0]["article"] == "第七条" and emergency[0]["severity"] == "blocking"
    assert set(emergency[0]) >= {"profile", "article", "rule", "severity", "subject", "message"}
    assert emergency[0]["profile"] == "agriculture" and emergency[0]["subject"] == "case"


def test_the_human_output_cites_article_and_what_to_add(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = copy.deepcopy(bundles.example("commission-rules"))
    b["interruptions"][0]["status"] = "open"
    assert main(["check", write(tmp_path, b)]) == 1
    out = capsys.readouterr().out
    # The text each finding comes from, then its article.
    assert "[阻断] 《行政执法全过程记录实施细则(报批稿)》第十三条 evidence_uninterrupted interruption-1" in out
    assert "请补充中断原因" in out


@pytest.mark.parametrize(("content", "needle"), [
    ("{not json", "第1行"), ('{"format": "lawtrail-case-bundle"}', "$"), ("[]", "$"),
])
def test_bad_input_exits_2_with_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               content: str, needle: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "案件数据包" in err and needle in err


def test_an_unknown_case_number_or_profile_exits_2(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "无此案号"]) == 2
    assert "未找到案件" in capsys.readouterr().err
    case = advance(world, register_case(world), "filed")  # type: ignore[arg-type]
    assert main(["check", str(case.number), "--profile", "no-such"]) == 2
    assert "未找到规范配置" in capsys.readouterr().err


def test_a_case_in_the_database_is_exported_and_checked(world: World, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    case = advance(world, register_case(world), "investigating")  # type: ignore[arg-type]
    assert main(["check", str(case.number), "--json"]) == 0
    # Still to do while investigating: tell the party its rights (a warning, exit 0).
    assert [(f["rule"], f["severity"]) for f in json.loads(capsys.readouterr().out)] == [("rights_notice", "warning")]
    out = tmp_path / "exported.json"
    assert main(["bundle", "export", str(case.number), "-o", str(out)]) == 0
    exported = bundles.load_file(out)
    assert exported["case"]["number"] == case.number and exported["case"]["stage"] == "investigating"


def test_profiles_list_names_the_five_with_their_sources(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["agriculture", "commission-rules", "housing-construction",
                                       "labor-inspection", "safety-production"]
    labor = rows[3]
    assert labor["source"] == "1-labor-inspection.txt" and labor["agency_kind"] == "劳动保障监察"
    assert labor["rules"] >= 20 and labor["name"].startswith("名山区")


def test_profiles_show_prints_each_rule_with_its_article(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles", "show", "agriculture"]) == 0
    out = capsys.readouterr().out
    assert "第七条" in out and "emergency_start" in out and "24" in out and "情况紧急的" in out
    assert main(["profiles", "show", "nope"]) == 2
