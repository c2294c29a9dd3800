"""Bidi and zero-width controls cannot make a displayed name lie: names and titles refuse them,
free text and file names keep their words without them (lawtrail/lib/text.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from lawtrail.accounts.actions import do_create_user
from lawtrail.cases.models import Case, Party
from lawtrail.lib.errors import InvalidInput
from lawtrail.testing import media
from lawtrail.testing.api import ApiClient
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import PASSWORD, World

# "某某公司" followed by RIGHT-TO-LEFT OVERRIDE: "gpj.exe" is shown as "exe.jpg".
SPOOFS = ["某某公司\u202egpj.exe", "某某\u2066公司\u2069", "某\u200b某公司", "\ufeff某某公司", "某某公司\u200f"]


@pytest.mark.parametrize("name", SPOOFS)
def test_a_party_name_with_controls_is_refused_in_the_api_and_the_page(world: World, name: str) -> None:
    reply = ApiClient(world.alice).post("/api/parties", {"kind": "organisation", "name": name,
                                                         "uscc": "91510100MA61234001"})
    assert (reply.status, reply.body["code"]) == (422, "invisible_characters"), reply.body
    web = Client()
    web.force_login(world.alice)
    page = web.post("/parties/new/", {"kind": "organisation", "name": name, "uscc": "91510100MA61234001"})
    assert page.status_code == 400 and "不可见的控制字符" in page.content.decode()
    assert not Party.objects.filter(name__contains="某某公司").exclude(pk=world.company.pk).exists()


def test_a_case_title_is_refused_and_its_facts_keep_their_words_without_controls(world: World) -> None:
    alice = ApiClient(world.alice)
    base = {"unit_id": world.unit_a.pk, "source": "other", "party_id": world.company.pk,
            "handler_id": world.alice.pk, "handler_opinion": "立案"}
    refused = alice.post("/api/cases", {**base, "title": "拖欠工资\u202e案", "facts": "事实"})
    assert (refused.status, refused.body["code"]) == (422, "invisible_characters")
    made = alice.post("/api/cases", {**base, "title": "拖欠工资案", "facts": "拖欠\u200b工资\u202e三个月"})
    assert made.status == 201, made.body
    assert Case.objects.get(pk=made.body["id"]).facts == "拖欠工资三个月"


def test_a_person_name_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as err:
        do_create_user(username="mallory", password=PASSWORD, full_name="艾丽\u202e", agency=world.agency,
                       unit=world.unit_a, roles=[], actor=None)
    assert err.value.code == "invisible_characters" and err.value.detail == {"field": "full_name"}


def test_a_file_name_is_kept_without_its_controls(world: World, settings: Settings, tmp_path: Path) -> None:
    use_fresh_vault(settings, tmp_path / "vault")
    clip = media.make_clip(tmp_path / "clip.mp4", seconds=1)
    ev = ingest(clip, name="现场\u202e4pm.exe", officer=world.alice)
    assert ev.original_name == "现场4pm.exe" and ev.display_name == "现场4pm.exe"
