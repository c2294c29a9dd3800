"""Pages (in Chinese): the due list, a request, the head's approval, execution and the disposal record."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.accounts.models import User
from lawtrail.retention.models import DisposalRecord, DisposalRequest
from lawtrail.testing import media
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import build_world
from lawtrail.testing.scenarios import beijing, file_case, register_case

pytestmark = pytest.mark.usefixtures("ledger")


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_from_the_due_list_to_the_disposal_record(db: None, settings: Settings, tmp_path: Path,
                                                  time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(beijing(2026, 3, 2, 9, 0), tick=False)
    use_fresh_vault(settings, tmp_path / "vault")
    w = build_world("commission-rules", name="某委员会")
    old = ingest(media.make_clip(tmp_path / "巡查.mp4", seconds=1, created=beijing(2025, 6, 1), audio=False),
                 officer=w.alice)
    archie, hank, alice = signed_in(w.archie), signed_in(w.hank), signed_in(w.alice)

    page = archie.get("/retention/due/")
    assert page.status_code == 200 and "巡查.mp4" in page.content.decode() and "提出销毁申请" in page.content.decode()
    refused = alice.post("/retention/due/", {"evidence": [old.pk], "reason": "清理"})
    assert refused.status_code == 400 and "只有档案管理员或机关负责人" in refused.content.decode()
    made = archie.post("/retention/due/", {"evidence": [old.pk], "reason": "保存期限已满6个月"})
    request = DisposalRequest.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/retention/disposals/{request.pk}/"
    own = archie.post(f"/retention/disposals/{request.pk}/decide/", {"approve": "1"})
    assert own.status_code == 400
    assert hank.post(f"/retention/disposals/{request.pk}/decide/", {"approve": "1", "opinion": "同意"}).status_code == 302
    done = archie.post(f"/retention/disposals/{request.pk}/execute/")
    record = DisposalRecord.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/retention/records/{record.pk}/"
    shown = hank.get(f"/retention/records/{record.pk}/").content.decode()
    assert old.stored.sha256 in shown and "永久保存" in shown and w.hank.display_name in shown
    detail = alice.get(f"/evidence/{old.pk}/").content.decode()
    assert "已销毁" in detail and f"销毁记录第 {record.pk} 号" in detail
    assert archie.get(f"/evidence/{old.pk}/original").status_code == 404  # even for one who may download


def test_a_case_page_says_why_its_records_are_kept_and_takes_a_leaders_flag(db: None, settings: Settings,
                                                                           tmp_path: Path) -> None:
    use_fresh_vault(settings, tmp_path / "vault")
    w = build_world()
    case = file_case(w, register_case(w))
    assert "保存期限说明" in signed_in(w.alice).get(f"/cases/{case.pk}/").content.decode()
    uma = signed_in(w.uma)
    flagged = uma.post(f"/retention/case/{case.pk}/flag/", {"kind": "obstruction", "reason": "当事人阻碍检查"})
    assert flagged.status_code == 302
    page = uma.get(f"/retention/cases/{case.pk}/").content.decode()
    assert "长期保存" in page and "阻碍劳动保障监察员依法执行公务的" in page and "第三十九条" in page
    refused = signed_in(w.alice).post(f"/retention/case/{case.pk}/flag/", {"kind": "objection", "reason": "x"})
    assert refused.status_code == 400
    held = uma.post(f"/retention/case/{case.pk}/hold/", {"reason": "复议期间"})
    assert held.status_code == 302
    hold_id = case.legal_holds.get().pk
    assert uma.post(f"/retention/holds/{hold_id}/release/", {"reason": "复议结束"}).status_code == 302
    assert case.legal_holds.get().released_at is not None
