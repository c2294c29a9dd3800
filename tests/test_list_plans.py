"""The main pages read complaints, patrol inspections and a recording's interruptions from an index
of their order or of their record, never by sorting or filtering the agency's every row.

SQLite keeps no statistics here: it chooses an index by the shape of a query, and an index of a
list's order draws queries that a more selective index would answer (docs/performance.md, "What is
not flat yet"). Its plans are therefore asked for here (EXPLAIN QUERY PLAN); PostgreSQL plans by
its statistics, and on it the same pages are only checked to list what they should."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lawtrail.cases.actions import do_record_inspection, do_register_complaint
from lawtrail.evidence.models import Interruption
from lawtrail.lib import timez
from lawtrail.testing import media
from lawtrail.testing.api import ApiClient
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing, file_case, register_case


def _plan(sql: str) -> str:
    """SQLite's plan of a query, its steps joined (empty on another database)."""
    if connection.vendor != "sqlite":
        return ""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return " | ".join(row[3] for row in cursor.fetchall())


def _plans(client: Client, url: str, table: str) -> list[tuple[str, str]]:
    """Each query of `url` that reads `table` (its FROM), with SQLite's plan (empty elsewhere)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    found = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if not sql.startswith("SELECT") or f'FROM "{table}"' not in sql:
            continue
        found.append((sql, _plan(sql)))
    assert found, (url, table)
    return found


@pytest.fixture
def registers(world: World) -> World:
    for n in range(3):
        do_register_complaint(unit=world.unit_a, kind="complaint", respondent=world.company, facts=f"拖欠工资{n}",
                              complainant_name="王五", complainant_phone="13800000000", actor=world.alice)
        start = timez.now().replace(microsecond=0) - dt.timedelta(hours=3 + n)
        do_record_inspection(unit=world.unit_a, party=world.company, place="工地", started_at=start,
                             ended_at=start + dt.timedelta(hours=1), officers=[], findings="检查工资台账",
                             outcome="record", actor=world.alice)
    return world


# Each list page, the table it lists and the first field of its order, and the index its page is
# read from for alice (一中队) and for sam (the agency's supervisor); None: the page does not list
# it for that person.
LISTS = [
    ("/complaints/", "cases_complaint.received_at", "complaint_unit_order", "complaint_agency_order"),
    ("/inspections/", "cases_inspection.started_at", "inspection_unit_order", "inspection_agency_order"),
    ("/", "cases_complaint.received_at", "complaint_unit_awaiting", None),  # the officer's home: complaints to examine
    ("/parties/", "cases_party.name", "party_agency_name", "party_agency_name"),
    ("/evidence/reception/", "evidence_receptionsegment.day", "segment_unit_order", "segment_agency_order"),
    ("/notices/", "notices_notice.created_at", "notice_list_order", "notice_list_order"),
    ("/compliance/", "compliance_storedfinding.severity", None, "finding_scope"),
    ("/", "compliance_storedfinding.first_seen_at", "finding_handler", None),  # 我的待办: the officer's open blocking findings
    ("/evidence/interruptions/", "evidence_interruption.detected_at", "interruption_unit_order",
     "interruption_agency_order"),
    ("/evidence/stops/", "evidence_recordingstop.stopped_at", "stop_unit_order", "stop_agency_order"),
]


@pytest.mark.parametrize(("url", "ordered", "for_alice", "for_sam"), LISTS, ids=[f"{e[0]} {e[1]}" for e in LISTS])
def test_a_list_reads_its_page_from_the_index_of_its_order(registers: World, url: str, ordered: str,
                                                           for_alice: str | None, for_sam: str | None) -> None:
    table, first = ordered.split(".")
    for user, index in ((registers.alice, for_alice), (registers.sam, for_sam)):
        if index is None:
            continue
        client = Client()
        client.force_login(user)
        plans = _plans(client, url, table)
        listing = [plan for sql, plan in plans if f'ORDER BY "{table}"."{first}"' in sql and "LIMIT" in sql]
        assert listing, plans
        if connection.vendor == "sqlite":
            for plan in listing:
                assert f"USING INDEX {index} " in plan and "TEMP B-TREE" not in plan, (user.username, plan)


def test_a_recordings_interruptions_and_a_cases_stop_reports_are_found_by_their_record(
        world: World, settings: object, tmp_path: Path) -> None:
    from lawtrail.evidence.actions import do_report_recording_stop
    from lawtrail.evidence.queries import case_stops

    use_fresh_vault(settings, tmp_path / "vault")
    case = file_case(world, register_case(world))
    clips = [ingest(media.make_clip(tmp_path / f"{n}.mp4", seconds=2, created=beijing(2026, 3, 2, 9, n * 2),
                                    audio=False), officer=world.alice, device_serial="DSJ-1", case=case)
             for n in range(2)]
    gap = Interruption.objects.get()
    assert (gap.before, gap.after) == (clips[0], clips[1])
    client = Client()
    client.force_login(world.alice)
    html = client.get(f"/evidence/{clips[1].pk}/").content.decode()
    assert "录像中断" in html and "DSJ-1" in html
    plans = _plans(client, f"/evidence/{clips[0].pk}/", "evidence_interruption")
    if connection.vendor == "sqlite":
        for sql, plan in plans:
            # By the recording (its before/after indexes) or by id, never by the agency or the unit.
            assert "agency" not in plan and "unit" not in plan, (sql, plan)
    now = timez.now()
    stop = do_report_recording_stop(case, stopped_at=now - dt.timedelta(hours=1), cause="设备进水",
                                    reported_to=world.uma, reported_at=now - dt.timedelta(minutes=50),
                                    actor=world.alice)
    assert [s["id"] for s in ApiClient(world.alice).get(f"/api/cases/{case.pk}/recording-stops").body] == [stop.pk]
    assert ApiClient(world.bob).get(f"/api/cases/{case.pk}/recording-stops").status == 404
    with CaptureQueriesContext(connection) as captured:  # what the API reads them with
        assert case_stops(world.alice, case) == [stop]
    assert len(captured.captured_queries) == 2
    for sql in [q["sql"] for q in captured.captured_queries]:
        plan = _plan(sql)
        assert "agency" not in plan and "unit" not in plan, (sql, plan)
