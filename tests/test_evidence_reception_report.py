"""受理场所监控缺失日: per reception site, the days of a range with no saved surveillance
segment — as a page and as `lawtrail evidence reception-report`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from lawtrail.cli import main
from lawtrail.evidence.actions import do_register_reception_segment
from lawtrail.evidence.models import ReceptionSegment
from lawtrail.evidence.queries import missing_reception_days
from lawtrail.testing import media
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing


@pytest.fixture
def days(world: World, settings: Settings, tmp_path: Path) -> World:
    use_fresh_vault(settings, tmp_path / "vault")
    for site, day in (("一楼受理窗口", 1), ("一楼受理窗口", 3), ("二楼接待室", 2)):
        clip = media.make_clip(tmp_path / f"{site}-{day}.mp4", seconds=1, created=beijing(2026, 3, day, 8, 0),
                               audio=False)
        ev = ingest(clip, officer=world.alice)
        do_register_reception_segment(ev, site=site, day=dt.date(2026, 3, day), actor=world.alice)
    return world


def test_it_lists_each_sites_missing_days(days: World) -> None:
    rows = missing_reception_days(ReceptionSegment.objects.all(), dt.date(2026, 3, 1), dt.date(2026, 3, 4))
    assert [(r.site, r.days, r.saved, r.missing) for r in rows] == [
        ("一楼受理窗口", 4, 2, [dt.date(2026, 3, 2), dt.date(2026, 3, 4)]),
        ("二楼接待室", 4, 1, [dt.date(2026, 3, 1), dt.date(2026, 3, 3), dt.date(2026, 3, 4)]),
    ]


def test_the_command_reports_as_text_and_json_and_refuses_a_bad_range(
        days: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evidence", "reception-report", "--from", "2026-03-01", "--to", "2026-03-04"]) == 0
    text = capsys.readouterr().out
    assert "一楼受理窗口:2026-03-01~2026-03-04 共 4 天,已保存 2 天,缺 2 天:2026-03-02、2026-03-04" in text
    assert "二楼接待室" in text
    assert main(["evidence", "reception-report", "--from", "2026-03-01", "--to", "2026-03-03",
                 "--site", "一楼受理窗口", "--json"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row == {"agency": days.agency.name, "site": "一楼受理窗口", "from": "2026-03-01", "to": "2026-03-03",
                   "days": 3, "saved": 2, "missing": ["2026-03-02"]}
    assert main(["evidence", "reception-report", "--from", "2026-03-04", "--to", "2026-03-01"]) == 2
    assert "结束日期不能早于开始日期" in capsys.readouterr().err


def test_the_page_shows_the_missing_days_to_those_who_see_the_sites(days: World) -> None:
    alice = Client()
    alice.force_login(days.alice)
    page = alice.get("/evidence/reception/report/", {"date_from": "2026-03-01", "date_to": "2026-03-04"})
    html = page.content.decode()
    assert page.status_code == 200 and "缺 2 天" in html and "2026-03-04" in html and "二楼接待室" in html
    bad = alice.get("/evidence/reception/report/", {"date_from": "2026-03-04", "date_to": "2026-03-01"})
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.content.decode()
    bob = Client()
    bob.force_login(days.bob)  # another unit: none of these sites
    assert "没有登记过受理场所监控" in bob.get("/evidence/reception/report/").content.decode()
