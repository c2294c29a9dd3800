"""The disposal process and explanations through the API, with the roles it allows."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.testing import media
from lawtrail.testing.api import ApiClient
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import beijing, file_case, register_case

pytestmark = pytest.mark.usefixtures("ledger")


@pytest.fixture
def commission(db: None, settings: Settings, tmp_path: Path, time_machine: TimeMachineFixture) -> World:
    time_machine.move_to(beijing(2026, 3, 2, 9, 0), tick=False)
    use_fresh_vault(settings, tmp_path / "vault")
    return build_world("commission-rules", name="某委员会")


def test_due_request_approve_execute_and_explain(commission: World, tmp_path: Path) -> None:
    w = commission
    path = media.make_clip(tmp_path / "old.mp4", seconds=1, created=beijing(2025, 6, 1), audio=False)
    old = ingest(path, officer=w.alice)
    archie, hank, alice = ApiClient(w.archie), ApiClient(w.hank), ApiClient(w.alice)

    due = archie.get("/api/retention/due")
    assert due.status == 200 and [d["evidence_id"] for d in due.body] == [old.pk]
    assert due.body[0]["until"] == "2025-12-01"

    refused = alice.post("/api/retention/disposals", {"evidence_ids": [old.pk], "reason": "清理"})
    assert (refused.status, refused.code) == (403, "not_allowed")
    asked = archie.post("/api/retention/disposals", {"evidence_ids": [old.pk], "reason": "保存期限已满"})
    assert asked.status == 201 and asked.body["status"] == "requested"
    number = asked.body["id"]
    assert alice.get(f"/api/retention/disposals/{number}").status == 404  # an officer does not see the archive's work
    early = archie.post(f"/api/retention/disposals/{number}/execute")
    assert (early.status, early.code) == (409, "not_approved")
    assert archie.post(f"/api/retention/disposals/{number}/decide", {"approve": True}).status == 403
    decided = hank.post(f"/api/retention/disposals/{number}/decide", {"approve": True, "opinion": "同意"})
    assert decided.status == 200 and decided.body["status"] == "approved"
    done = archie.post(f"/api/retention/disposals/{number}/execute")
    assert done.status == 200
    assert [(i["evidence_id"], i["sha256"], i["object_removed"]) for i in done.body["items"]] == [
        (old.pk, old.stored.sha256, True)]
    record = hank.get(f"/api/retention/disposal-records/{done.body['id']}")
    assert record.status == 200 and record.body["approved_by"] == w.hank.display_name

    explained = alice.get(f"/api/retention/evidence/{old.pk}")
    assert explained.status == 200 and explained.body["disposal"]["record_id"] == done.body["id"]
    assert archie.get(f"/api/evidence/{old.pk}/original").code == "disposed"  # even for one who may download
    assert ApiClient(build_world("commission-rules", name="别的委员会").alice).get(
        f"/api/retention/evidence/{old.pk}").status == 404


def test_a_case_explains_itself_and_takes_flags_and_holds(world: World, settings: Settings, tmp_path: Path) -> None:
    use_fresh_vault(settings, tmp_path / "vault")
    case = file_case(world, register_case(world))
    alice, uma = ApiClient(world.alice), ApiClient(world.uma)
    explained = alice.get(f"/api/retention/cases/{case.pk}")
    assert explained.status == 200 and explained.body["retention"]["kind"] == "indefinite"
    assert alice.post(f"/api/retention/cases/{case.pk}/long-term",
                      {"kind": "obstruction", "reason": "阻碍"}).status == 403
    flagged = uma.post(f"/api/retention/cases/{case.pk}/long-term", {"kind": "obstruction", "reason": "当事人阻碍检查"})
    assert flagged.status == 200 and flagged.body["retention"]["kind"] == "long_term"
    incident = alice.post(f"/api/retention/cases/{case.pk}/incidents",
                          {"kind": "objection", "description": "当事人投诉", "occurred_on": "2026-01-05"})
    assert incident.status == 201 and incident.body["long_term"] is True
    hold = uma.post(f"/api/retention/cases/{case.pk}/holds", {"reason": "复议期间"})
    assert hold.status == 201
    released = uma.post(f"/api/retention/holds/{hold.body['id']}/release", {"reason": "复议结束"})
    assert released.status == 200 and released.body["released_by"] == world.uma.display_name
