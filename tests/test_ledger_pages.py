"""The ledger pages: a case's history read from the ledger, and the "verify" button."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case
from lawtrail.ledger import keys
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.ledger.models import LedgerEntry
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, register_case
from lawtrail.verifier.bundle import verify_bundle

pytestmark = pytest.mark.usefixtures("ledger")


def as_user(world: World, name: str) -> Client:
    c = Client()
    c.force_login(getattr(world, name))
    return c


@pytest.fixture
def case(world: World) -> Case:
    return advance(world, register_case(world, title="账本页面的案件"), Stage.INVESTIGATING)


def _case_entries(case: Case) -> list[int]:
    return list(LedgerEntry.objects.filter(event__case_id_frozen=case.pk).values_list("seq", flat=True))


def test_the_case_page_links_to_its_ledger_history(world: World, case: Case) -> None:
    page = as_user(world, "alice").get(f"/cases/{case.pk}/").content.decode()
    assert f'href="/ledger/cases/{case.pk}/"' in page


def test_the_history_lists_every_entry_of_the_case_waiting_for_signature(world: World, case: Case) -> None:
    page = as_user(world, "alice").get(f"/ledger/cases/{case.pk}/").content.decode()
    assert "尚未签署签名树头" in page and "待签署" in page
    for seq in _case_entries(case):
        assert f'data-seq="{seq}"' in page
    assert "立案" in page and "阶段变更" in page and "证号 LD001" in page


@pytest.mark.parametrize("who, status", [("alice", 200), ("uma", 200), ("sam", 200), ("bob", 404)])
def test_only_those_who_see_the_case_see_its_ledger(world: World, case: Case, who: str, status: int) -> None:
    do_make_checkpoint()
    seq = _case_entries(case)[0]
    client = as_user(world, who)
    assert client.get(f"/ledger/cases/{case.pk}/").status_code == status
    assert client.get(f"/ledger/entries/{seq}/verify/").status_code == status
    assert client.get(f"/ledger/entries/{seq}/proof.json").status_code == status


def test_the_verify_button_checks_the_proof_against_the_latest_signed_tree_head(world: World, case: Case) -> None:
    do_make_checkpoint()
    seq = _case_entries(case)[-1]
    alice = as_user(world, "alice")
    history = alice.get(f"/ledger/cases/{case.pk}/").content.decode()
    assert f'action="/ledger/entries/{seq}/verify/"' in history
    page = alice.get(f"/ledger/entries/{seq}/verify/").content.decode()
    assert "核验通过" in page and "包含证明" in page and "签名有效" in page
    bundle = json.loads(alice.get(f"/ledger/entries/{seq}/proof.json").content)
    assert verify_bundle(bundle, keys.load_private_key().public_key()).ok


def test_an_entry_not_yet_signed_says_so(world: World, case: Case) -> None:
    seq = _case_entries(case)[0]
    page = as_user(world, "alice").get(f"/ledger/entries/{seq}/verify/").content.decode()
    assert "无法核验" in page and "尚未纳入任何签名树头" in page
