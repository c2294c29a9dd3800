"""One search box: 案号, 文书编号, party name, 身份证号, 统一社会信用代码, case title and facts, within
the user's scope, the same on SQLite (FTS5 trigrams) and PostgreSQL (pg_trgm).

alice (一中队) finds her unit's case by any of them; bob (二中队) finds none of it; sam (监督人员)
finds the case but not the 文书 marked 个人隐私 he is not cleared for, not even by its number.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.access.actions import do_mark_confidential
from lawtrail.accounts.models import User
from lawtrail.cases.actions import do_create_party
from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case
from lawtrail.documents.models import Document
from lawtrail.search import queries
from lawtrail.search.sql import INDEXED
from lawtrail.testing.archive import issue
from lawtrail.testing.evidence import use_fresh_vault
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, beijing, register_case

pytestmark = pytest.mark.usefixtures("ledger")


@pytest.fixture
def found(world: World, settings: Settings, tmp_path: Path, time_machine: TimeMachineFixture) -> tuple[Case, Document]:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    use_fresh_vault(settings, tmp_path / "vault")
    worker = do_create_party(kind="person", name="欧阳明远", id_number=_id("11010519900307123"), actor=world.alice)
    case = advance(world, register_case(world, party=worker, title="未依法订立书面劳动合同"), Stage.INVESTIGATING)
    doc = issue(world, case, "rights_notice")
    register_case(world, by=world.bob, title="二中队的另一件案件")
    return case, doc


def _id(prefix17: str) -> str:
    from lawtrail.testing.personas import valid_id_number

    return valid_id_number(prefix17)


def numbers(user: User, q: str) -> tuple[set[int], set[int], set[int]]:
    r = queries.search(user, q)
    return {c.pk for c in r.cases}, {d.pk for d in r.documents}, {p.pk for p in r.parties}


def test_it_finds_a_case_by_each_thing_a_person_types(world: World, found: tuple[Case, Document]) -> None:
    case, doc = found
    assert case.number and doc.number
    party = case.party
    for q in (case.number, case.number[-4:], "书面劳动合同", "2026年1月至3月拖欠", party.name, party.id_number,
              party.id_number[-6:].lower(), doc.number):
        cases, _docs, _parties = numbers(world.alice, q)
        assert case.pk in cases, f"{q!r} did not find the case"
    assert numbers(world.alice, doc.number)[1] == {doc.pk}
    assert numbers(world.alice, party.id_number)[2] == {party.pk}
    # The company's 统一社会信用代码 finds it (an organisation is shared across the agency's units).
    assert world.company.pk in numbers(world.alice, world.company.uscc)[2]


def test_a_two_character_query_is_answered_too(world: World, found: tuple[Case, Document]) -> None:
    case, _doc = found
    assert case.pk in numbers(world.alice, "欧阳")[0]  # a surname: shorter than a trigram
    assert case.pk in numbers(world.alice, "合同")[0]


def test_a_colleague_of_another_unit_finds_nothing_of_it(world: World, found: tuple[Case, Document]) -> None:
    case, doc = found
    for q in (case.number or "", "书面劳动合同", case.party.name, case.party.id_number, doc.number):
        assert numbers(world.bob, q) == (set(), set(), set()), q
    page = _client(world.bob).get("/search/", {"q": case.party.id_number}).content.decode()
    assert case.party.id_number not in page.replace('value="' + case.party.id_number + '"', "")
    assert case.title not in page


def test_a_marked_document_is_not_found_by_who_is_not_cleared(world: World, found: tuple[Case, Document]) -> None:
    case, doc = found
    do_mark_confidential(doc, level="privacy", reason="含劳动者身份证号", actor=world.alice)
    assert numbers(world.sam, doc.number)[1] == set()
    assert case.pk in numbers(world.sam, "书面劳动合同")[0]
    assert numbers(world.alice, doc.number)[1] == {doc.pk}


def test_the_index_follows_every_write(world: World, found: tuple[Case, Document]) -> None:
    case, _doc = found
    # A QuerySet.update() (as the actions' compare-and-set writes are) reaches the index too.
    Case.objects.filter(pk=case.pk).update(title="拒不支付加班费")
    assert case.pk in numbers(world.alice, "加班费")[0]
    assert case.pk not in numbers(world.alice, "书面劳动合同")[0]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            triggers = {name for (name,) in cursor.fetchall()}
        assert all(set(ix.triggers()) <= triggers for ix in INDEXED)


def test_the_page_and_the_api_answer_in_the_users_words(world: World, found: tuple[Case, Document]) -> None:
    case, _doc = found
    alice = _client(world.alice)
    page = alice.get("/search/", {"q": "书面劳动合同"}).content.decode()
    assert case.title in page and 'id="search-cases"' in page
    assert alice.get("/search/", {"q": "案" * 101}).status_code == 400
    from lawtrail.testing.api import ApiClient

    api = ApiClient(world.alice)
    reply = api.get("/api/search", q=case.party.id_number)
    assert reply.status == 200 and [c["id"] for c in reply.body["cases"]] == [case.pk]
    err = api.get("/api/search", q="案" * 101)
    assert err.status == 422 and err.code == "query_too_long"
    assert api.get("/api/inbox").status == 200


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pg_trgm indexes are PostgreSQL's")
def test_postgresql_answers_a_contains_query_from_the_trigram_index(world: World) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned: ask for the index
    for qs, index in ((Case.objects.filter(title__icontains="劳动合同"), "search_cases_case_title_trgm"),
                      (Case.objects.filter(number__icontains="2026"), "search_cases_case_number_trgm")):
        assert index in qs.explain(), qs.explain()
