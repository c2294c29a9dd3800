"""Severity follows the text: an 应当/必须/不得 duty blocks, a 可以/宜/一般 one warns; a lapse that
cannot be undone blocks until its reason is recorded and a leader acknowledged it, then stays
visible as a warning; an exception the text allows, recorded with its reason, clears the block."""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from lawtrail.accounts.actions import do_create_user
from lawtrail.accounts.choices import Role
from lawtrail.compliance import bundle as bundles
from lawtrail.compliance.actions import do_acknowledge_lapse, do_explain_lapse, do_import_bundle
from lawtrail.compliance.engine import BLOCKING, WARNING, evaluate, known_rules
from lawtrail.compliance.export import export_case
from lawtrail.compliance.models import LapseNote
from lawtrail.compliance.queries import case_findings
from lawtrail.compliance.samples import PROFILE_IDS
from lawtrail.events.models import DomainEvent
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.profiles.registry import get_profile
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World, build_world

NOW = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)
Bundle = dict[str, Any]

# 应 as a modal verb (not 相应, 对应, 反应, 适应, 应用); 须 (必须, 须经); 不得.
MUST = re.compile(r"(?<![相对反适])应(?!用)|须|不得")
MAY = re.compile(r"可以|可|宜|一般")

# Rules whose severity is not what the quote's own modal verb says, and why.
EXCEPTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("labor-inspection", "emergency_start"): (
        BLOCKING, "可 grants the emergency start; the 补办 within 48 hours that follows is its condition"),
    ("agriculture", "emergency_start"): (
        BLOCKING, "可 grants the emergency start; the 补报 within 24 hours that follows is its condition"),
    ("commission-rules", "lodged_service_av"): (
        BLOCKING, "the check asks only the 注明情况 the item prescribes; the 可以 is for the photo, not checked"),
}


def quoted_severity(quote: str) -> str:
    """What the text says: a duty (应当/必须/不得, or a prescription stated as fact: 由…签名, 留存…)
    blocks; a permission or a recommendation (可以/宜/一般) with no duty beside it warns."""
    if MUST.search(quote):
        return BLOCKING
    return WARNING if MAY.search(quote) else BLOCKING


CASES = [(pid, rid) for pid in PROFILE_IDS for rid in get_profile(pid).rules if rid in known_rules()]


@pytest.mark.parametrize(("profile_id", "rule_id"), CASES)
def test_严重程度依条文的情态动词而定(profile_id: str, rule_id: str) -> None:
    rule = get_profile(profile_id).rule(rule_id)
    assert rule is not None
    severity = str(rule.values.get("severity", known_rules()[rule_id].severity))
    expected = EXCEPTIONS.get((profile_id, rule_id), (quoted_severity(rule.quote), ""))[0]
    assert severity == expected, f"{profile_id} {rule_id} {rule.article}: {rule.quote}"


def test_the_modal_verb_reader_tells_duty_from_permission() -> None:
    assert quoted_severity("执法人员应当出示执法证件") == BLOCKING
    assert quoted_severity("形成相应案卷") == BLOCKING  # 相应 is no 应; a prescription stated as fact
    assert quoted_severity("可根据执法需要进行音像记录") == WARNING
    assert quoted_severity("一般情况下佩戴在左肩部") == WARNING
    assert quoted_severity("不得断续记录,可以使用手持方式") == BLOCKING


def test_every_exception_is_still_needed() -> None:
    # An exception the modal reader no longer needs is dropped, so the list stays short and true.
    for (profile_id, rule_id), (severity, _why) in EXCEPTIONS.items():
        rule = get_profile(profile_id).rule(rule_id)
        assert rule is not None and quoted_severity(rule.quote) != severity, (profile_id, rule_id)


# ---------------------------------------------------------------- lapses that cannot be undone


def stored_late(profile_id: str = "safety-production") -> Bundle:
    b = copy.deepcopy(bundles.example(profile_id))
    media = b["media"][0]
    moment = bundles.parse_time(media["recorded_end"]) + dt.timedelta(hours=30)
    media["ingested_at"] = moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    media["labelled_at"] = (moment + dt.timedelta(hours=1)).astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return b


def lapse_note(b: Bundle, *, acknowledged: bool) -> Bundle:
    officer = b["officers"][0]["id"]
    b["lapses"] = [{
        "id": "lapse-1", "rule": "evidence_storage", "subject": b["media"][0]["id"], "reason": "执法记录仪故障,次日修复后上传",
        "recorded_by": officer, "recorded_at": "2025-05-20T02:00:00Z",
        "acknowledged_by": officer if acknowledged else None, "acknowledged_by_name": "负责人甲" if acknowledged else "",
        "acknowledged_at": "2025-05-20T03:00:00Z" if acknowledged else None}]
    return b


def test_逾期上传无法补救_记录原因并经负责人确认前阻断_确认后仍作为提示可见() -> None:
    profile = get_profile("safety-production")
    [late] = evaluate(bundles.validate(stored_late()), profile, now=NOW)
    assert (late.rule, late.severity, late.lapse) == ("evidence_storage", BLOCKING, True)
    assert late.blocks and "请记录逾期原因并报负责人确认" in late.message
    [explained] = evaluate(bundles.validate(lapse_note(stored_late(), acknowledged=False)), profile, now=NOW)
    assert explained.severity == BLOCKING and "待负责人确认" in explained.message
    [acknowledged] = evaluate(bundles.validate(lapse_note(stored_late(), acknowledged=True)), profile, now=NOW)
    assert (acknowledged.severity, acknowledged.blocks) == (WARNING, ())
    assert "执法记录仪故障" in acknowledged.message and "负责人甲已确认" in acknowledged.message


def test_a_lapse_note_about_a_record_the_bundle_lacks_is_refused_with_its_path() -> None:
    b = lapse_note(stored_late(), acknowledged=False)
    b["lapses"][0]["subject"] = "media-999"
    with pytest.raises(bundles.BundleError) as err:
        bundles.validate(b)
    assert err.value.detail["path"] == "$.lapses[0].subject"


def test_不适宜音像记录的说明理由后解除阻断() -> None:
    # 住建 第九条: 应同时进行音像记录,不适宜音像记录的除外 — the exception, with its reason, clears it.
    b = copy.deepcopy(bundles.example("housing-construction"))
    record = next(d for d in b["documents"] if d["type"] == "site_inspection_record")
    record["media"] = []
    profile = get_profile("housing-construction")
    assert [(f.rule, f.severity) for f in evaluate(bundles.validate(b), profile, now=NOW)] == [
        ("av_required", BLOCKING)]
    record["av_exempt_reason"] = "现场涉及商业秘密,当事人不同意录像"
    assert evaluate(bundles.validate(b), profile, now=NOW) == []


# ---------------------------------------------------------------- recording and acknowledging, in the database


@pytest.fixture
def late_case(world: World) -> Any:
    b = stored_late("labor-inspection")
    media = b["media"][0]
    moment = bundles.parse_time(media["recorded_end"]) + dt.timedelta(days=3)
    media["ingested_at"] = moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    media["labelled_at"] = media["ingested_at"]
    b["case"]["unit"] = world.alice.unit.name
    return do_import_bundle(b, actor=world.root)


def lapse_of(case: Any) -> Any:
    [finding] = [f for f in case_findings(case) if f.lapse]
    return finding


def test_办案人员记录逾期原因_负责人确认后不再阻断(world: World, late_case: Any) -> None:
    finding = lapse_of(late_case)
    assert finding.severity == BLOCKING
    note = do_explain_lapse(late_case, rule=finding.rule, subject=finding.subject, reason="设备故障,返回后第三日上传",
                            actor=world.alice)
    assert lapse_of(late_case).severity == BLOCKING
    with pytest.raises(Forbidden):
        do_acknowledge_lapse(note, opinion="", actor=world.andy)  # an officer is no leader
    do_acknowledge_lapse(note, opinion="同意,已督促按期上传", actor=world.uma)
    settled = lapse_of(late_case)
    assert (settled.severity, settled.blocks) == (WARNING, ())
    assert "设备故障" in settled.message and "已确认" in settled.message
    assert list(DomainEvent.objects.filter(case_id_frozen=late_case.pk, action__startswith="compliance.",
                                     outcome="done")
                .order_by("pk").values_list("action", flat=True)) == [
        "compliance.explain_lapse", "compliance.acknowledge_lapse"]
    with pytest.raises(Conflict):
        do_explain_lapse(late_case, rule=finding.rule, subject=finding.subject, reason="改写", actor=world.alice)


def test_说明人不能确认自己的逾期说明_也不能为不存在的逾期作说明(world: World, late_case: Any) -> None:
    finding = lapse_of(late_case)
    with pytest.raises(InvalidInput):
        do_explain_lapse(late_case, rule="case_file", subject="case", reason="无", actor=world.alice)
    # A head who also handles the unit's cases may explain, but not acknowledge her own reason.
    both = do_create_user(username="hester", password="Lawtrail-2026-strong", full_name="何思特",
                          agency=world.agency, unit=world.alice.unit,
                          roles=[(Role.HANDLER, world.alice.unit), (Role.HEAD, world.alice.unit)], actor=world.root)
    note = do_explain_lapse(late_case, rule=finding.rule, subject=finding.subject, reason="设备故障", actor=both)
    with pytest.raises(Forbidden) as err:
        do_acknowledge_lapse(note, opinion="", actor=both)
    assert err.value.code == "own_note"
    with pytest.raises(Forbidden):
        do_explain_lapse(late_case, rule=finding.rule, subject=finding.subject, reason="设备故障", actor=world.bob)


def test_the_note_travels_with_the_bundle_to_another_database(world: World, late_case: Any) -> None:
    finding = lapse_of(late_case)
    note = do_explain_lapse(late_case, rule=finding.rule, subject=finding.subject, reason="设备故障", actor=world.alice)
    do_acknowledge_lapse(note, opinion="同意", actor=world.hank)
    exported = bundles.validate(export_case(late_case))
    assert [(n["rule"], n["subject"], n["acknowledged_by_name"]) for n in exported["lapses"]] == [
        (finding.rule, finding.subject, world.hank.display_name)]
    other = build_world(name="另一劳动保障监察大队")
    again = do_import_bundle(copy.deepcopy(exported), actor=other.root)
    moved = LapseNote.objects.get(case=again)
    assert moved.subject != finding.subject and moved.subject.startswith("media-")
    assert [(f.rule, f.severity) for f in case_findings(again) if f.lapse] == [(finding.rule, WARNING)]


def test_the_api_records_and_acknowledges_a_lapse(world: World, late_case: Any) -> None:
    finding = lapse_of(late_case)
    listed = ApiClient(world.alice).get(f"/api/cases/{late_case.pk}/findings").body
    assert [f["lapse"] for f in listed if f["rule"] == finding.rule] == [True]
    bad = ApiClient(world.alice).post(f"/api/cases/{late_case.pk}/lapses", {"rule": "case_file", "subject": "case",
                                                                            "reason": "无"})
    assert (bad.status, bad.body["code"]) == (422, "no_such_lapse")
    made = ApiClient(world.alice).post(f"/api/cases/{late_case.pk}/lapses", {
        "rule": finding.rule, "subject": finding.subject, "reason": "设备故障"})
    assert made.status == 200 and made.body["acknowledged_at"] is None
    assert ApiClient(world.bob).post(f"/api/lapses/{made.body['id']}/acknowledge", {}).status == 404
    assert ApiClient(world.alice).post(f"/api/lapses/{made.body['id']}/acknowledge", {}).status == 403
    done = ApiClient(world.uma).post(f"/api/lapses/{made.body['id']}/acknowledge", {"opinion": "同意"})
    assert done.status == 200 and done.body["acknowledged_by"] == world.uma.display_name


def test_the_case_page_offers_the_note_and_the_acknowledgement(world: World, late_case: Any) -> None:
    finding = lapse_of(late_case)
    client = Client()
    client.force_login(world.alice)
    page = client.get(f"/cases/{late_case.pk}/").content.decode()
    assert "记录逾期原因" in page and "负责人确认" in page and 'name="reason"' in page
    form = {"rule": finding.rule, "subject": finding.subject, "reason": "设备故障"}
    assert client.post(f"/compliance/cases/{late_case.pk}/lapse/explain/", form).status_code == 302
    head = Client()
    head.force_login(world.uma)
    head.post(f"/compliance/cases/{late_case.pk}/lapse/acknowledge/", {**form, "opinion": "同意"})
    assert LapseNote.objects.get(case=late_case).acknowledged_by == world.uma
    assert 'name="reason"' not in client.get(f"/cases/{late_case.pk}/").content.decode()


# ---------------------------------------------------------------- the rule table of docs/compliance.md


def test_the_documented_rule_table_is_the_one_the_profiles_and_checks_give() -> None:
    from pathlib import Path

    from lawtrail.compliance.ruletable import BEGIN, END, rule_table

    doc = (Path(__file__).resolve().parent.parent / "docs" / "compliance.md").read_text(encoding="utf-8")
    committed = doc[doc.index(BEGIN):doc.index(END) + len(END)] + "\n"
    assert committed == rule_table(), "run: lawtrail profiles rules --write docs/compliance.md"
    # Every check and every agency-level rule is a row, with its default severity.
    for rule_id, spec in known_rules().items():
        assert f"| `{rule_id}` | {spec.label} | {spec.severity} |" in committed


def test_the_command_prints_the_table_and_writes_it_between_the_markers(
        tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from lawtrail.cli import main
    from lawtrail.compliance.ruletable import BEGIN, END, rule_table

    assert main(["profiles", "rules", "--markdown"]) == 0
    assert capsys.readouterr().out == rule_table()
    doc = tmp_path / "doc.md"
    doc.write_text(f"前言\n\n{BEGIN}\n| stale |\n{END}\n\n后记\n", encoding="utf-8")
    assert main(["profiles", "rules", "--write", str(doc)]) == 0
    assert doc.read_text(encoding="utf-8") == f"前言\n\n{rule_table()}\n后记\n"
    (tmp_path / "plain.md").write_text("没有标记\n", encoding="utf-8")
    assert main(["profiles", "rules", "--write", str(tmp_path / "plain.md")]) == 2
    assert "标记" in capsys.readouterr().err
