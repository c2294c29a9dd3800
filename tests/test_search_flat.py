"""检索的读取量不随匹配数增长:一个每件案件都含有的词(案由、文书编号、当事人),匹配 10 件与 1,000 件时
检索的查询次数相同;列表满了以后(300 件),1,000 件时读回的行数也相同,数据库替它读过的行也不多一行。

alice (一中队) and sam (监督人员, agency-wide) search a word that all of alice's cases hold; the
cases are one case walked through the actions and copied (lawtrail/testing/many.py). bob (二中队)
may see none of them: his search stops after a bounded number of matches and says the list is cut.

Rows are counted twice: those handed to Python (lawtrail/testing/reads.py), which a subquery that
collects every match inside the database would not show, and on SQLite those the database itself
stepped over (its virtual-machine steps, a progress handler called at each one). PostgreSQL's own
reads are not pinned: the match reads at most a window of each table, but whether the scope's
test (a document's case in the user's units) probes each case or hashes every case of the scope
is the planner's choice by cost, and at a thousand cases it hashes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.accounts.models import User
from lawtrail.cases.choices import Stage
from lawtrail.cases.models import Case
from lawtrail.search import queries
from lawtrail.search.sql import INDEXED
from lawtrail.testing.archive import issue
from lawtrail.testing.evidence import use_fresh_vault
from lawtrail.testing.many import grow
from lawtrail.testing.personas import World
from lawtrail.testing.reads import Reads, reads
from lawtrail.testing.scenarios import advance, beijing, register_case

pytestmark = pytest.mark.usefixtures("ledger")

SMALL, MIDDLE, LARGE = 10, 300, 1_000
TITLE = "未依法订立书面劳动合同"


@dataclass
class Read:
    reads: Reads
    db_rows: int  # what the database stepped over (see the module's docstring)
    found: queries.Results


@contextmanager
def _db_rows() -> Iterator[list[int]]:
    out = [0]
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        raw = connection.connection

        def step() -> int:
            out[0] += 1
            return 0

        raw.set_progress_handler(step, 1)
        try:
            yield out
        finally:
            raw.set_progress_handler(None, 1)
        return
    yield out


def _optimize() -> None:
    """Merge each FTS5 index into one segment. FTS5 keeps a growing index in segments it merges
    level by level (their number goes up and down with the rows); reading one costs steps per
    segment, so two sizes are compared on the same layout, as a merged index in service is."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for ix in INDEXED:
                cursor.execute(f"INSERT INTO {ix.fts}({ix.fts}) VALUES ('optimize')")


def _search(user: User, q: str) -> Read:
    queries.search(user, q)  # warm: the user's grants, the access marks' first reads
    with _db_rows() as db, reads() as read:
        found = queries.search(user, q)
    return Read(read, db[0], found)


@pytest.fixture
def template(world: World, settings: Settings, tmp_path: Path, time_machine: TimeMachineFixture) -> Case:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    use_fresh_vault(settings, tmp_path / "vault")
    case = advance(world, register_case(world, title=TITLE), Stage.INVESTIGATING)
    issue(world, case, "rights_notice")
    return Case.objects.get(pk=case.pk)


def _words(case: Case) -> dict[str, str]:
    doc = case.documents.exclude(number="").order_by("-pk").first()
    assert doc is not None
    return {"title": TITLE, "document_number": doc.number, "party": case.party.name}


def _measured(world: World, template: Case) -> dict[int, dict[tuple[str, str], Read]]:
    words = _words(template)
    out: dict[int, dict[tuple[str, str], Read]] = {}
    done = 1
    for size in (SMALL, MIDDLE, LARGE):
        done = grow([template], size - done, start=done)
        assert Case.objects.filter(agency=world.agency).count() == size
        _optimize()
        out[size] = {(kind, who): _search(getattr(world, who), q)
                     for kind, q in words.items() for who in ("alice", "sam")}
    return out


def test_search_reads_as_many_queries_and_rows_at_1000_matching_cases_as_at_10(
        world: World, template: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    """检索的查询次数与匹配的案件数无关;列表满了以后读回的行数、数据库读过的行数也不再增加。"""
    # A scan reads the newest WINDOW records of a kind first (all of them while there are fewer):
    # a smaller window, so that 300 cases already fill it as a large agency does.
    monkeypatch.setattr(queries, "WINDOW", queries.CHUNK)
    measured = _measured(world, template)
    for key, small in measured[SMALL].items():
        middle, large = measured[MIDDLE][key], measured[LARGE][key]
        assert len(large.reads) == len(small.reads), \
            (key, [q.sql for q in small.reads.queries], [q.sql for q in large.reads.queries])
        assert large.reads.rows == middle.reads.rows, (key, middle.reads.rows, large.reads.rows)
        # Not to the step: the FTS5 index's lists of rowids grow by a few bytes a match, which
        # its reader walks in a few more steps (0.2 % here); collecting every match would be
        # over three times as many at 1,000 as at 300.
        if connection.vendor == "sqlite":
            assert large.db_rows <= middle.db_rows * 1.01, (key, middle.db_rows, large.db_rows)
        # It still finds them: a full list of the newest cases, which says it is cut.
        assert len(large.found.cases) == queries.LIMIT and "cases" in large.found.cut, key
        assert len(small.found.cases) == SMALL and not small.found.cut, key


def test_a_cut_list_says_it_shows_only_the_newest(world: World, template: Case) -> None:
    """结果被截断时页面说明只列出最新的若干项,而不是假装完整;接口同样标明。"""
    grow([template], queries.LIMIT + 5, start=1)
    client = Client()
    client.force_login(world.alice)
    page = client.get("/search/", {"q": TITLE}).content.decode()
    assert 'id="search-cut"' in page and f"只列出最新的 {queries.LIMIT} 项" in page
    newest = Case.objects.filter(title__contains=TITLE).order_by("-pk").first()
    assert newest is not None and f"/cases/{newest.pk}/" in page
    few = client.get("/search/", {"q": template.party.id_number}).content.decode()
    assert 'id="search-cut"' not in few
    from lawtrail.testing.api import ApiClient

    reply = ApiClient(world.alice).get("/api/search", q=TITLE)
    assert reply.status == 200 and "cases" in reply.body["cut"] and len(reply.body["cases"]) == queries.LIMIT


def test_a_colleague_who_sees_none_of_the_matches_stops_after_a_bounded_look(
        world: World, template: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    """另一中队的人检索一个只在别人案件里出现的词:什么也找不到,只看有限的匹配,并标明未查完。"""
    monkeypatch.setattr(queries, "MAX_SCANNED", 2 * queries.CHUNK)
    grow([template], 5 * queries.CHUNK, start=1)
    with reads() as read:
        found = queries.search(world.bob, TITLE)
    assert found.cases == [] and found.documents == []
    if connection.vendor == "sqlite":
        fts_rows = sum(q.rows for q in read.queries if "MATCH" in q.sql)
        assert fts_rows == 2 * queries.CHUNK, fts_rows
        assert "cases" in found.cut


def test_a_rare_word_older_than_the_newest_records_is_still_found(
        world: World, template: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    """扫描先读最新的一批记录;只在更早记录里出现的词仍能找到(到整个范围里去找)。"""
    monkeypatch.setattr(queries, "WINDOW", 40)
    old = register_case(world, title="甲乙公司拖欠工资")
    grow([template], 100, start=1)  # newer than `old`: the window of the newest 40 misses it
    assert old.pk in numbers(world.alice, "甲乙公司")[0]
    assert numbers(world.bob, "甲乙公司") == (set(), set(), set())
    assert numbers(world.alice, "%_") == (set(), set(), set())  # typed as characters, not as patterns
    # A word every case holds fills the list from the window alone and says it is cut.
    found = queries.search(world.alice, "劳动")
    assert len(found.cases) == queries.LIMIT and "cases" in found.cut


def numbers(user: User, q: str) -> tuple[set[int], set[int], set[int]]:
    r = queries.search(user, q)
    return {c.pk for c in r.cases}, {d.pk for d in r.documents}, {p.pk for p in r.parties}


def test_短于三个字的检索词只查最新的一批记录并加以说明_三个字以上查全部(
        world: World, template: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    """三字索引(SQLite 的 FTS5、PostgreSQL 的 pg_trgm)都找不到两个字的词:只扫描每类最新的
    SHORT_WINDOW 条记录,页面和接口说明这一点;三个字以上经索引查全部记录。"""
    monkeypatch.setattr(queries, "SHORT_WINDOW", 40)
    monkeypatch.setattr(queries, "WINDOW", 40)
    old = register_case(world, title="甲乙公司拖欠工资")
    grow([template], 100, start=1)  # newer than `old`
    short = queries.search(world.alice, "甲乙")
    assert old.pk not in {c.pk for c in short.cases} and short.windowed and "cases" in short.cut
    client = Client()
    client.force_login(world.alice)
    page = client.get("/search/", {"q": "甲乙"}).content.decode()
    assert 'id="search-windowed"' in page and "请输入至少三个字" in page
    from lawtrail.testing.api import ApiClient

    reply = ApiClient(world.alice).get("/api/search", q="甲乙")
    assert reply.body["windowed"] is True and reply.body["window"] == 40
    # Within the window a two-character word is found, on either database.
    monkeypatch.setattr(queries, "SHORT_WINDOW", 1000)
    short = queries.search(world.alice, "甲乙")
    assert old.pk in {c.pk for c in short.cases} and not short.windowed
    assert old.pk in numbers(world.alice, "甲乙公司")[0]
    assert not queries.search(world.alice, "甲乙公司").windowed


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT")
def test_the_application_s_connections_to_postgresql_compile_no_query() -> None:
    """PostgreSQL 连接关闭 JIT:10 万件时检索窗口的查询编译耗时是读取本身的 7 倍。"""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
