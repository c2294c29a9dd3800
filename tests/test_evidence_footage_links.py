"""Footage linked by hand: a recording without a time of its own (a phone clip, a file passed through
a chat app) is linked to the act it records with a stated start and its basis, and then clears the
audio/video rule; a segment of a longer recording is linked by its in/out seconds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case
from lawtrail.compliance.bundle import validate
from lawtrail.compliance.export import export_case
from lawtrail.compliance.queries import case_findings
from lawtrail.documents.actions import do_correct_document, do_issue_document
from lawtrail.documents.models import Document
from lawtrail.events.models import DomainEvent
from lawtrail.evidence.actions import do_link_footage
from lawtrail.evidence.models import Evidence, FootageLink
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.testing import media
from lawtrail.testing.archive import issue
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, beijing, register_case

T0 = beijing(2026, 3, 2, 9, 0)


@pytest.fixture
def vault(settings: Settings, tmp_path: Path) -> Path:
    return use_fresh_vault(settings, tmp_path / "vault")


def phone_clip(tmp_path: Path, world: World, case: Case, seconds: float = 3) -> Evidence:
    """A clip made with a time, then passed on as a chat app does: no time left in the file."""
    made = media.make_clip(tmp_path / "camera.mp4", seconds=seconds, created=T0)
    passed_on = media.strip_metadata(made, tmp_path / "微信视频_转发.mp4")
    ev = ingest(passed_on, case=case, officer=world.alice, actor=world.alice)
    assert ev.recorded_start is None and ev.creation_time_raw == ""  # nothing to match by time
    return ev


def inquiry(world: World, case: Case, minutes: int = 3) -> Document:
    return issue(world, case, started_at=T0.isoformat(), ended_at=(T0 + dt.timedelta(minutes=minutes)).isoformat())


def av_findings(case: Case) -> list[str]:
    return [f.rule for f in case_findings(case, now=T0 + dt.timedelta(days=1)) if f.rule.startswith("av_")]


def test_a_phone_clip_without_time_clears_the_av_rule_only_once_linked_by_hand(
        world: World, vault: Path, tmp_path: Path) -> None:
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    record = inquiry(world, case, minutes=3)
    ev = phone_clip(tmp_path, world, case)
    assert av_findings(case) == ["av_required"]  # in the case, but nothing says which act it records

    link = do_link_footage(ev, case=case, act=f"document:{record.pk}", stated_start=T0 + dt.timedelta(minutes=1),
                           start_basis="statement", actor=world.alice)
    assert av_findings(case) == []
    assert (link.act_label, link.basis_label) == ("《询问(调查)笔录》", "执法人员陈述")

    bundle = validate(json.loads(json.dumps(export_case(case))))
    [doc] = [d for d in bundle["documents"] if d["id"] == f"doc-{record.pk}"]
    assert doc["media"] == [f"media-{ev.pk}"]
    [hand] = doc["media_links"]
    assert (hand["basis"], hand["basis_label"], hand["linked_by"]) == ("statement", "执法人员陈述",
                                                                      world.alice.display_name)
    assert hand["start"] == "2026-03-02T01:01:00Z" and hand["end"] == "2026-03-02T01:01:03.008000Z"

    event = DomainEvent.objects.filter(action="evidence.link_act").get()
    assert (event.object_id, event.case_id_frozen, event.payload["act"], event.payload["basis"]) == (
        str(ev.pk), case.pk, f"document:{record.pk}", "执法人员陈述")
    assert event.payload["stated_start"] == (T0 + dt.timedelta(minutes=1)).isoformat()


def test_a_link_by_hand_travels_in_the_bundle_to_another_database(
        world: World, vault: Path, tmp_path: Path) -> None:
    from lawtrail.compliance.actions import do_import_bundle
    from lawtrail.testing.personas import build_world

    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    record = inquiry(world, case)
    ev = phone_clip(tmp_path, world, case)
    do_link_footage(ev, case=case, act=f"document:{record.pk}", stated_start=T0, start_basis="other",
                    basis_note="执法记录仪屏幕截图", actor=world.alice)
    exported = validate(json.loads(json.dumps(export_case(case))))
    other = build_world(name="另一劳动保障监察大队")
    copy = do_import_bundle(json.loads(json.dumps(exported)), actor=other.root)
    [link] = FootageLink.objects.filter(case=copy)
    assert (link.start_basis, link.basis_label, link.stated_start) == ("other", "其他:执法记录仪屏幕截图", T0)
    again = export_case(copy)
    [doc] = [d for d in again["documents"] if d["type"] == "inquiry_record"]
    [before] = [d for d in exported["documents"] if d["type"] == "inquiry_record"]
    strip = [{k: v for k, v in x.items() if k != "media"} for x in before["media_links"]]
    assert [{k: v for k, v in x.items() if k != "media"} for x in doc["media_links"]] == strip
    assert av_findings(copy) == []


def test_a_stated_start_far_from_the_record_is_named_with_its_basis(
        world: World, vault: Path, tmp_path: Path) -> None:
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    record = inquiry(world, case, minutes=3)
    ev = phone_clip(tmp_path, world, case)
    do_link_footage(ev, case=case, act=f"document:{record.pk}", stated_start=T0 + dt.timedelta(hours=2),
                    start_basis="other", basis_note="当事人手机截图", actor=world.alice)
    [finding] = [f for f in case_findings(case, now=T0 + dt.timedelta(days=1)) if f.rule.startswith("av_")]
    assert finding.rule == "av_time_match"
    assert "人工关联的录像开始时间依据其他:当事人手机截图" in finding.message


def test_a_link_without_the_start_or_its_basis_is_refused(world: World, vault: Path, tmp_path: Path) -> None:
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    record = inquiry(world, case)
    ev = phone_clip(tmp_path, world, case)
    act = f"document:{record.pk}"
    refusals = [
        ({}, "missing_start"),
        ({"stated_start": T0}, "missing_basis"),
        ({"stated_start": T0, "start_basis": "other"}, "missing_basis_note"),
        ({"start_basis": "statement"}, "basis_without_start"),
        ({"stated_start": T0 + dt.timedelta(days=5), "start_basis": "statement"}, "start_far_from_act"),
        ({"stated_start": T0, "start_basis": "statement", "segment_in": 2, "segment_out": 1}, "invalid_segment"),
        ({"stated_start": T0, "start_basis": "statement", "segment_out": 60}, "segment_beyond_end"),
    ]
    for given, code in refusals:
        with pytest.raises(InvalidInput) as err:
            do_link_footage(ev, case=case, act=act, actor=world.alice, **given)  # type: ignore[arg-type]
        assert err.value.code == code, given
    with pytest.raises(InvalidInput) as err:
        do_link_footage(ev, case=case, act="document:999999", stated_start=T0, start_basis="statement",
                        actor=world.alice)
    assert err.value.code == "unknown_act"
    with pytest.raises(Forbidden):  # bob's unit may not file into alice's case
        do_link_footage(ev, case=case, act=act, stated_start=T0, start_basis="statement", actor=world.bob)
    do_link_footage(ev, case=case, act=act, stated_start=T0, start_basis="file_name", actor=world.alice)
    with pytest.raises(Conflict):
        do_link_footage(ev, case=case, act=act, stated_start=T0, start_basis="file_name", actor=world.alice)
    assert FootageLink.objects.count() == 1
    refused = DomainEvent.objects.filter(action="evidence.link_act", outcome="refused").count()
    assert refused == len(refusals) + 3


@pytest.mark.usefixtures("ledger")
def test_the_ledger_verifies_clean_after_a_link_by_hand(world: World, vault: Path, tmp_path: Path) -> None:
    from lawtrail.ledger.verify import verify_ledger

    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    record = inquiry(world, case)
    ev = phone_clip(tmp_path, world, case)
    do_link_footage(ev, case=case, act=f"document:{record.pk}", stated_start=T0, start_basis="statement",
                    actor=world.alice)
    report = verify_ledger()
    assert report.ok, [p.message for p in report.problems]


def test_a_segment_of_a_longer_timed_recording_links_that_part_and_a_correction_keeps_it(
        world: World, vault: Path, tmp_path: Path) -> None:
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    # A long patrol recording that began ten minutes before the inquiry and is not yet in the case.
    path = media.make_clip(tmp_path / "DSJ-long.mp4", seconds=8, created=T0 - dt.timedelta(minutes=10), audio=False)
    ev = ingest(path, officer=world.alice, actor=world.alice)
    assert ev.case_id is None
    record = issue(world, case, started_at=(T0 - dt.timedelta(minutes=10)).isoformat(),
                   ended_at=(T0 - dt.timedelta(minutes=9)).isoformat())
    with pytest.raises(InvalidInput) as err:  # the file's own time stands
        do_link_footage(ev, case=case, act=f"document:{record.pk}", stated_start=T0, start_basis="statement",
                        actor=world.alice)
    assert err.value.code == "has_own_time"
    link = do_link_footage(ev, case=case, act=f"document:{record.pk}", segment_in=2, segment_out=6,
                           actor=world.alice)
    ev.refresh_from_db()
    assert ev.case_id == case.pk and ev.label_case_number == case.number  # it joined the case
    assert link.span() == (T0 - dt.timedelta(minutes=10) + dt.timedelta(seconds=2),
                           T0 - dt.timedelta(minutes=10) + dt.timedelta(seconds=6))
    assert av_findings(case) == []

    correction = do_correct_document(record, reason="更正笔录中的错字", actor=world.alice)
    correction = do_issue_document(correction, actor=world.alice)
    [doc] = [d for d in export_case(case)["documents"] if d["id"] == f"doc-{correction.pk}"]
    assert doc["media"] == [f"media-{ev.pk}"] and doc["media_links"][0]["segment_in"] == 2


def test_the_api_lists_the_acts_and_links_a_clip_by_hand(world: World, vault: Path, tmp_path: Path) -> None:
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    record = inquiry(world, case)
    ev = phone_clip(tmp_path, world, case)
    from lawtrail.testing.api import ApiClient

    api = ApiClient(world.alice)
    acts = api.get(f"/api/cases/{case.pk}/acts").body
    assert [a["key"] for a in acts] == [f"document:{record.pk}"]
    answer = api.post(f"/api/evidence/{ev.pk}/acts", {"case_id": case.pk, "act": acts[0]["key"]})
    assert (answer.status, answer.code) == (422, "missing_start")
    assert "开始时间" in answer.body["message"]
    answer = api.post(f"/api/evidence/{ev.pk}/acts", {
        "case_id": case.pk, "act": acts[0]["key"], "stated_start": "2026-03-02T09:00:00+08:00",
        "start_basis": "device_screen"})
    assert answer.status == 201, answer.body
    assert answer.body["basis_label"] == "设备屏幕显示"
    assert [x["act"] for x in api.get(f"/api/evidence/{ev.pk}/acts").body] == [acts[0]["key"]]
    assert av_findings(case) == []
    # Another unit's officer sees neither the case's acts nor the recording.
    assert ApiClient(world.bob).get(f"/api/cases/{case.pk}/acts").status == 404


def test_the_document_page_links_a_phone_clip_picked_from_the_case(
        world: World, vault: Path, tmp_path: Path, client: Client) -> None:
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    record = inquiry(world, case)
    ev = phone_clip(tmp_path, world, case)
    client.force_login(world.alice)
    page = client.get(f"/documents/{record.pk}/").content.decode()
    assert 'id="act-footage-form"' in page and "微信视频_转发.mp4(文件中无录制时间)" in page
    assert "执法人员陈述" in page and "设备屏幕显示" in page
    answer = client.post(f"/evidence/footage/{case.pk}/", {
        "act": f"document:{record.pk}", "evidence": ev.pk, "stated_start": "2026-03-02T09:00:00",
        "start_basis": "statement", "next": f"/documents/{record.pk}/"})
    assert answer.status_code == 302 and answer["Location"] == f"/documents/{record.pk}/"
    link = FootageLink.objects.get()
    assert link.stated_start == T0 and link.linked_by == world.alice
    page = client.get(f"/documents/{record.pk}/").content.decode()
    assert "依据:执法人员陈述" in page
    case_page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "开始时间 09:00:00,依据:执法人员陈述" in case_page
    evidence_page = client.get(f"/evidence/{ev.pk}/").content.decode()
    assert "依据:执法人员陈述" in evidence_page and "人工关联" in evidence_page


@pytest.mark.slow
def test_in_a_browser_on_a_phone_a_clip_is_linked_to_its_record_and_clears_the_check(
        transactional_db: None, live_server, browser, settings: Settings,
        tmp_path: Path) -> None:
    import os

    from playwright.sync_api import expect

    from lawtrail.testing.browser import sign_in
    from lawtrail.testing.personas import build_world

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    use_fresh_vault(settings, tmp_path / "vault")
    world = build_world()
    case = advance(world, register_case(world), to=Stage.INVESTIGATING)
    record = inquiry(world, case)
    ev = phone_clip(tmp_path, world, case)
    page = sign_in(browser, live_server.url, world.alice.username, width=390, height=844)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("#compliance-checklist [data-rule=av_required]")).to_have_count(1)
    expect(page.locator("#case-evidence")).to_contain_text("无录制时间,待人工关联")

    page.goto(f"{live_server.url}/evidence/{ev.pk}/")
    form = page.locator("#footage-form")
    expect(form).to_be_visible()  # opened: the file has no time, so the link is what is missing
    form.locator("select[name=act]").select_option(label="《询问(调查)笔录》 03-02 09:00")
    form.locator("input[name=stated_start]").fill("2026-03-02T09:00:30")
    expect(form.locator("[data-field=basis_note]")).to_be_hidden()
    form.get_by_label("其他").check()
    expect(form.locator("[data-field=basis_note]")).to_be_visible()  # "other" asks for its text
    form.get_by_label("执法人员陈述").check()
    form.locator("button[type=submit]").click()
    expect(page.locator("#footage-links")).to_contain_text("依据:执法人员陈述")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("#compliance-checklist [data-rule=av_required]")).to_have_count(0)
    expect(page.locator("#case-evidence")).to_contain_text("依据:执法人员陈述")
    assert FootageLink.objects.get().act == f"document:{record.pk}"
