"""Two people act on the same issued version at once: one correction wins, the other gets a clean
409 (API) or message (page) — never a server error; a signature queued behind the issue of a
correction finds the version superseded."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from time_machine import TimeMachineFixture

from lawtrail.accounts.models import User
from lawtrail.documents.actions import (
    do_correct_document,
    do_create_document,
    do_issue_document,
    do_sign_document,
    do_update_document,
)
from lawtrail.documents.catalogue import get_type
from lawtrail.documents.models import Document, Signature
from lawtrail.lib.errors import Conflict
from lawtrail.testing.api import ApiClient
from lawtrail.testing.documents import sample_fields
from lawtrail.testing.personas import World, build_world
from lawtrail.testing.scenarios import advance, beijing, register_case


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


def issued_record(world: World) -> Document:
    case = advance(world, register_case(world), to="investigating")
    doc = do_create_document(case, type_code="inquiry_record", actor=world.alice)
    doc = do_update_document(doc, fields=sample_fields(get_type("inquiry_record"), prefilled=doc.fields),
                             actor=world.alice)
    return do_issue_document(doc, actor=world.alice)


def test_a_second_correction_of_the_same_version_is_a_409_with_the_error_shape(world: World) -> None:
    doc = issued_record(world)
    alice, andy = ApiClient(world.alice), ApiClient(world.andy)
    first = alice.post(f"/api/documents/{doc.pk}/corrections", {"reason": "当事人名称有误"})
    assert first.status == 201, first.body
    second = andy.post(f"/api/documents/{doc.pk}/corrections", {"reason": "地址有误"})
    assert (second.status, second.code) == (409, "correction_exists")
    assert set(second.body) == {"code", "message", "detail"} and "更正版本" in second.body["message"]
    assert Document.objects.filter(previous=doc).count() == 1


def test_a_stale_copy_cannot_sign_or_correct_a_version_superseded_meanwhile(world: World) -> None:
    doc = issued_record(world)
    stale = Document.objects.get(pk=doc.pk)  # read by a second officer before the correction is issued
    correction = do_correct_document(doc, reason="告知事项有误", actor=world.alice)
    do_issue_document(correction, actor=world.alice)
    assert stale.status == "issued"  # what the second officer still has on screen
    with pytest.raises(Conflict) as err:
        do_sign_document(stale, slot="officers", actor=world.andy)
    assert err.value.code == "document_superseded"
    assert not Signature.objects.filter(document=doc).exists()
    with pytest.raises(Conflict) as err:
        do_correct_document(stale, reason="再次更正", actor=world.andy)
    assert err.value.code == "document_superseded"
    # The page shows the refusal as a message, not an error page.
    web = Client()
    web.force_login(world.andy)
    page = web.post(f"/documents/{doc.pk}/sign/", {"slot": "officers"}, follow=True)
    assert page.status_code == 200 and "已被更正,请在最新版本上签名" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_corrections_end_in_one_correction_and_one_conflict() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so corrections cannot race "
                    f"(running on {connection.vendor}; set DATABASE_URL to a PostgreSQL database)")
    world = build_world()
    doc = issued_record(world)
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def correct(user_id: int, reason: str) -> None:
        try:
            user = User.objects.get(pk=user_id)
            mine = Document.objects.get(pk=doc.pk)
            start.wait(timeout=30)
            outcomes.append(do_correct_document(mine, reason=reason, actor=user))
        except BaseException as err:  # reported by the main thread
            outcomes.append(err)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=correct, args=(world.alice.pk, "名称有误")),
               threading.Thread(target=correct, args=(world.andy.pk, "地址有误"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    made = [o for o in outcomes if isinstance(o, Document)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(made) == 1 and len(refused) == 1, outcomes
    assert refused[0].code == "correction_exists"
    assert list(Document.objects.filter(previous_id=doc.pk).values_list("pk", flat=True)) == [made[0].pk]
