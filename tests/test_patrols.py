"""日常巡视检查 without a case: its footage belongs to the patrol itself, and the patrol rules of the
labour text are checked on the patrol (第八条: the recorder on from arrival to the end of the
inspection without a break, the site's front filmed on arrival and before leaving; 第七条: the
showing of identity and 执法证件 filmed or written down).

Personas (lawtrail.testing.personas): alice patrols in unit A, bob is of unit B and may not
touch unit A's footage or patrols."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from lawtrail.cases.actions import do_record_inspection
from lawtrail.cases.models import Inspection
from lawtrail.compliance.agency import check_agency, patrol_findings
from lawtrail.compliance.engine import Finding
from lawtrail.events.models import DomainEvent
from lawtrail.evidence.actions import do_link_patrol_evidence
from lawtrail.evidence.choices import EvidenceClass
from lawtrail.evidence.models import Evidence
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden
from lawtrail.profiles.registry import get_profile
from lawtrail.testing import media
from lawtrail.testing.api import ApiClient
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World

pytestmark = pytest.mark.django_db

LABOUR = get_profile("labor-inspection")


@pytest.fixture
def vault(settings: Settings, tmp_path: Path) -> Path:
    return use_fresh_vault(settings, tmp_path / "vault")


def at(minutes: float) -> str:
    return (dt.datetime(2026, 3, 2, 9, 0, tzinfo=timez.BEIJING) + dt.timedelta(minutes=minutes)).isoformat()


def patrol(**over: object) -> dict[str, object]:
    base: dict[str, object] = {"id": 1, "label": "2026-03-02 09:00 某某公司的日常巡查", "started_at": at(0),
                               "ended_at": at(60), "arrival_filmed": True, "departure_filmed": True,
                               "credentials_shown": True, "footage": [[at(-1), at(30)], [at(31), at(61)]]}
    return {**base, **over}


def findings_of(*patrols: dict[str, object]) -> list[tuple[str, str, str]]:
    snapshot = {"profile": LABOUR.id, "from": "2026-03-01", "to": "2026-03-31", "patrols": list(patrols)}
    return [(f.rule, f.article, f.message) for f in check_agency(snapshot, LABOUR)]


def filming(findings: list[Finding]) -> list[Finding]:
    """The filming rules' findings (第七条、第八条); the patrol documents' rules are proven in
    tests/test_patrol_documents.py."""
    return [f for f in findings if f.rule in ("patrol_footage", "patrol_identity")]


def test_巡查自到达至检查完毕全程录像并拍摄门头的_不报问题() -> None:
    assert findings_of(patrol()) == []


def test_巡查未自到达开启执法记录仪_中途中断_或提前关闭的被指出并引用第八条() -> None:
    late = findings_of(patrol(footage=[[at(12), at(61)]]))
    assert late == [("patrol_footage", "第八条",
                     "2026-03-02 09:00 某某公司的日常巡查:录像在检查开始12分钟后才开始,未自到达检查地点开启执法记录仪")]
    [(_, _, gap)] = findings_of(patrol(footage=[[at(0), at(20)], [at(40), at(60)]]))
    assert "检查过程中中断拍摄20分钟" in gap
    [(_, _, early)] = findings_of(patrol(footage=[[at(0), at(45)]]))
    assert "未拍摄至检查完毕" in early
    [(_, _, none)] = findings_of(patrol(footage=[]))
    assert "没有归属本次巡查的执法记录仪录像" in none


def test_巡查未拍摄门头_未记录出示执法证件的被指出() -> None:
    found = findings_of(patrol(arrival_filmed=False, departure_filmed=False, credentials_shown=False))
    assert [(rule, article) for rule, article, _ in found] == [
        ("patrol_footage", "第八条"), ("patrol_footage", "第八条"), ("patrol_identity", "第七条")]
    assert "拍摄门头及周边环境" in found[0][2] and "再次拍摄门头" in found[1][2] and "出示执法证件" in found[2][2]


def test_巡查规则只在规定了它的机关适用() -> None:
    snapshot = {"profile": "agriculture", "from": "2026-03-01", "to": "2026-03-31", "patrols": [patrol(footage=[])]}
    assert check_agency(snapshot, get_profile("agriculture")) == []


def test_无案件的巡查录像归属该巡查_并在巡查上检查(world: World, vault: Path, tmp_path: Path) -> None:
    start = timez.now().replace(microsecond=0) - dt.timedelta(hours=2)
    path = media.make_clip(tmp_path / "patrol.mp4", seconds=2, created=start, audio=False)
    clip = ingest(path, officer=world.alice, device_serial="DSJ-1")
    inspection = do_record_inspection(
        unit=world.unit_a, party=world.company, place="名山区某工地", started_at=start,
        ended_at=start + dt.timedelta(seconds=2), officers=[world.andy], findings="工资台账齐全",
        outcome="record", arrival_filmed=True, departure_filmed=True, credentials_shown=True, actor=world.alice)
    assert [f.message for f in filming(patrol_findings([inspection])[inspection.pk])] == [
        f"{timez.beijing(start):%Y-%m-%d %H:%M} 某某建筑劳务有限公司的日常巡查:没有归属本次巡查的执法记录仪录像:"
        f"请将巡查录像归属本次巡查"]
    with pytest.raises(Forbidden):
        do_link_patrol_evidence(clip, inspection=inspection, actor=world.bob)
    before = DomainEvent.objects.count()
    linked = do_link_patrol_evidence(clip, inspection=inspection, actor=world.alice)
    assert (linked.inspection_id, linked.case_id, linked.evidence_class) == (inspection.pk, None, EvidenceClass.PATROL)
    [event] = DomainEvent.objects.order_by("pk")[before:]
    assert event.action == "evidence.link_inspection" and event.payload["inspection_id"] == inspection.pk
    assert filming(patrol_findings([inspection])[inspection.pk]) == []
    with pytest.raises(Conflict) as again:
        do_link_patrol_evidence(clip, inspection=inspection, actor=world.alice)
    assert again.value.code == "already_linked"

    # The patrol list shows each patrol's findings; the API names its footage.
    client = Client()
    client.force_login(world.alice)
    page = client.get("/inspections/").content.decode()
    assert "巡查记录检查" in page and "没有归属本次巡查" not in page
    body = ApiClient(world.alice).get(f"/api/inspections/{inspection.pk}").body
    assert body["evidence_ids"] == [clip.pk] and body["arrival_filmed"] is True


def test_接口和页面将录像归属巡查_已入案件的录像不能再归属无案件的巡查(world: World, vault: Path, tmp_path: Path) -> None:
    start = timez.now().replace(microsecond=0) - dt.timedelta(hours=3)
    clip = ingest(media.make_clip(tmp_path / "a.mp4", seconds=2, created=start, audio=False), officer=world.alice,
                  device_serial="DSJ-1")
    other = ingest(media.make_clip(tmp_path / "b.mp4", seconds=2, created=start + dt.timedelta(seconds=5),
                                   audio=False), officer=world.alice, device_serial="DSJ-1")
    inspection = do_record_inspection(
        unit=world.unit_a, party=world.company, place="名山区某工地", started_at=start,
        ended_at=start + dt.timedelta(minutes=30), officers=[], findings="检查", outcome="record", actor=world.alice)
    reply = ApiClient(world.alice).post(f"/api/evidence/{clip.pk}/inspection", {"inspection_id": inspection.pk})
    assert reply.status == 200
    assert Evidence.objects.get(pk=clip.pk).inspection_id == inspection.pk
    reply = ApiClient(world.alice).post(f"/api/evidence/{clip.pk}/inspection", {"inspection_id": inspection.pk})
    assert (reply.status, reply.code) == (409, "already_linked")
    assert ApiClient(world.bob).post(f"/api/evidence/{other.pk}/inspection",
                                     {"inspection_id": inspection.pk}).status in (403, 404)

    client = Client()
    client.force_login(world.alice)
    page = client.get(f"/evidence/{other.pk}/").content.decode()
    assert 'id="patrol-link"' in page and "某某建筑劳务有限公司" in page
    response = client.post(f"/evidence/{other.pk}/patrol/", {"inspection": inspection.pk})
    assert response.status_code == 302
    assert Evidence.objects.get(pk=other.pk).inspection_id == inspection.pk
    assert Inspection.objects.get(pk=inspection.pk).evidence.count() == 2


def test_巡查录像已入案件的不能归属无案件的巡查(world: World, vault: Path, tmp_path: Path) -> None:
    from lawtrail.evidence.actions import do_link_evidence
    from lawtrail.testing.scenarios import file_case, register_case

    start = timez.now().replace(microsecond=0) - dt.timedelta(hours=3)
    clip = ingest(media.make_clip(tmp_path / "c.mp4", seconds=2, created=start, audio=False), officer=world.alice,
                  device_serial="DSJ-1")
    case = file_case(world, register_case(world))
    do_link_evidence(clip, case=case, actor=world.alice)
    inspection = do_record_inspection(
        unit=world.unit_a, party=world.company, place="名山区某工地", started_at=start,
        ended_at=start + dt.timedelta(minutes=30), officers=[], findings="检查", outcome="record", actor=world.alice)
    with pytest.raises(Conflict) as refused:
        do_link_patrol_evidence(Evidence.objects.get(pk=clip.pk), inspection=inspection, actor=world.alice)
    assert refused.value.code == "in_case"
