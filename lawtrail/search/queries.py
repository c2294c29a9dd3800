"""One search box: 案号, 文书编号, party name, 身份证号, 统一社会信用代码, case title and facts.

Every answer starts from what the user may see (the models' `.restrict` and the access policy's
marks: a marked record the user is not cleared for is not found, not even by its number).

On SQLite a query of three characters or more is answered by the FTS5 trigram index; on
PostgreSQL `icontains` uses the pg_trgm indexes (sql.py). A shorter one (two Chinese characters:
a surname, 工资) cannot be cut into trigrams on either database (pg_trgm finds no trigram in
'%工资%' and reads its whole index), and is answered by a scan (LIKE) on the user's scope only.

What it reads does not grow with the number of matches: a word every case holds (the year of a
案号) must not make the database collect, sort and cut every match. Each kind is read newest first
(by id, the order records were entered) and cut inside the match: the FTS5 index hands its rowids
in descending order a chunk at a time, and each chunk is narrowed to the user's scope, until a
list is full or a bounded number of matches was looked at; a word under three characters (LIKE)
is looked for in the newest SHORT_WINDOW records of the scope only; on PostgreSQL a longer word
(icontains) is looked for in the newest WINDOW records first and in the rest only when they held
too few. A cut list
says so (`Results.cut`): the page shows "the newest N", not a total.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from lawtrail.access import policy
from lawtrail.accounts.models import User
from lawtrail.cases.models import Case, Party
from lawtrail.documents.models import Document
from lawtrail.lib.errors import InvalidInput
from lawtrail.search.sql import INDEXED

MAX_QUERY = 100
LIMIT = 50
# The FTS5 rowids read per step, and how many matches of one kind are looked at before giving up
# (a word that matches thousands of records the user may not see: another unit's cases).
CHUNK = 200
MAX_SCANNED = 2_000
# The newest records of the scope a scan (LIKE, icontains) reads before it asks the whole scope.
WINDOW = 2_000
# A word under three characters (no trigram index finds it) is looked for in the newest records of
# each kind only.
SHORT_WINDOW = 20_000


def _fts(table: str) -> str:
    return next(ix.fts for ix in INDEXED if ix.table == table)


def _phrase(q: str) -> str:
    # One FTS5 phrase: the words as typed, quotes doubled, so no character is read as syntax.
    return '"' + q.replace('"', '""') + '"'


def _fts_ids(table: str, q: str, below: int | None) -> list[int]:
    """The next chunk of matching rowids, newest first: FTS5 walks its index in rowid order and
    stops at the LIMIT, so a chunk costs the same however many rows match."""
    fts = _fts(table)
    sql = f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s"
    params: list[str | int] = [_phrase(q)]
    if below is not None:
        sql += " AND rowid < %s"
        params.append(below)
    sql += " ORDER BY rowid DESC LIMIT %s"
    params.append(CHUNK)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [int(rowid) for (rowid,) in cursor.fetchall()]


def _newest(scope: QuerySet, table: str, columns: tuple[str, ...], q: str) -> tuple[list[int], bool, bool]:
    """The ids of the newest (at most LIMIT) records of `scope` that match `q`, newest first;
    whether more may match (the list was cut, or the look stopped at MAX_SCANNED matches); and
    whether only the newest SHORT_WINDOW records were looked at (a word under three characters)."""
    if connection.vendor == "sqlite" and len(q) >= 3:
        found: list[int] = []
        scanned = 0
        below: int | None = None
        while True:
            chunk = _fts_ids(table, q, below)
            scanned += len(chunk)
            if chunk:
                # The scope (units, access marks) decides, a chunk at a time; one more than the
                # list needs tells that it is cut.
                need = LIMIT + 1 - len(found)
                found += list(scope.filter(pk__in=chunk).order_by("-pk").values_list("pk", flat=True)[:need])
            if len(found) > LIMIT:
                return found[:LIMIT], True, False
            if len(chunk) < CHUNK:
                return found, False, False
            if scanned >= MAX_SCANNED:
                return found, True, False
            below = chunk[-1]
    if len(q) < 3:
        return _short_scan(scope, columns, q)
    # PostgreSQL (icontains): one query in two parts, read in turn until LIMIT+1 ids came back.
    # First the newest WINDOW records of the scope, read by the primary key, so a word most records
    # hold fills the list from them whatever the table's size; only when they held too few is the
    # rest of the scope asked (a rarer word: from the trigram index), ordered by id and cut. Each
    # part is a derived table with its own LIMIT, which the planner does not fold into the outer
    # query, and a UNION ALL under a LIMIT (an Append) starts its second part only when the first
    # ran out.
    window, params = scope.order_by("-pk").values("pk", *columns)[:WINDOW].query.sql_with_params()
    match = _match(columns)
    where = Q()
    for col in columns:
        where |= Q(**{f"{col}__icontains": q})
    oldest = RawSQL(f"SELECT MIN(w.pk) FROM ({window}) w", params)
    rest, rest_params = (scope.filter(where, pk__lt=oldest).order_by("-pk").values("pk")[:LIMIT + 1]
                         .query.sql_with_params())
    sql = (f"SELECT u.pk FROM (SELECT * FROM (SELECT w.pk FROM ({window}) w WHERE {match} "
           f"ORDER BY w.pk DESC LIMIT %s) a UNION ALL SELECT * FROM ({rest}) b) u LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, *([_like(q)] * len(columns)), LIMIT + 1, *rest_params, LIMIT + 1))
        ids = sorted((int(pk) for (pk,) in cursor.fetchall()), reverse=True)
    return ids[:LIMIT], len(ids) > LIMIT, False


def _match(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"UPPER(CAST(w.{connection.ops.quote_name(c)} AS TEXT)) LIKE UPPER(%s) ESCAPE '\\'"
                       for c in columns)


def _short_scan(scope: QuerySet, columns: tuple[str, ...], q: str) -> tuple[list[int], bool, bool]:
    """A word under three characters: no index can find it (trigrams need three; on PostgreSQL the
    pg_trgm index would be read whole for a word no 文书编号 holds: part of the 4 s such a search
    took at 100,000 cases, docs/performance.md), so only
    the newest SHORT_WINDOW records of the scope are read — a bounded scan — and a scope holding
    more says so (`Results.windowed`): a longer word searches everything through the index."""
    if connection.vendor == "sqlite":
        return _short_scan_sqlite(scope, columns, q)
    window, params = scope.order_by("-pk").values("pk", *columns)[:SHORT_WINDOW].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({window}) c", params)
        read = int(cursor.fetchone()[0])
        cursor.execute(f"SELECT w.pk FROM ({window}) w WHERE {_match(columns)} ORDER BY w.pk DESC LIMIT %s",
                       (*params, *([_like(q)] * len(columns)), LIMIT + 1))
        ids = [int(pk) for (pk,) in cursor.fetchall()]
    return ids[:LIMIT], len(ids) > LIMIT, read >= SHORT_WINDOW


def _short_scan_sqlite(scope: QuerySet, columns: tuple[str, ...], q: str) -> tuple[list[int], bool, bool]:
    """The same window on SQLite, read the way SQLite can stop early: the window's oldest record is
    found first (the SHORT_WINDOW-th newest of the scope, if the scope holds that many), then the
    scope from the newest record down to it is read in id order and the read stops at LIMIT + 1
    matches. (Matching inside the window as a derived table made SQLite build the whole window,
    twenty thousand rows, for a word the newest records already hold.)"""
    oldest = scope.order_by("-pk").values_list("pk", flat=True)[SHORT_WINDOW - 1:SHORT_WINDOW].first()
    table = connection.ops.quote_name(scope.model._meta.db_table)
    match = " OR ".join(
        f"UPPER(CAST({table}.{connection.ops.quote_name(scope.model._meta.get_field(c).column)} AS TEXT)) "
        "LIKE UPPER(%s) ESCAPE '\\'" for c in columns)
    found = scope.filter(RawSQL(f"({match})", [_like(q)] * len(columns), output_field=BooleanField()))
    if oldest is not None:
        found = found.filter(pk__gte=oldest)
    ids = list(found.order_by("-pk").values_list("pk", flat=True)[:LIMIT + 1])
    return ids[:LIMIT], len(ids) > LIMIT, oldest is not None


def _like(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass
class Results:
    q: str
    cases: list[Case] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    parties: list[Party] = field(default_factory=list)
    # The kinds ("cases", "documents", "parties") whose list shows only the newest LIMIT found:
    # more may match.
    cut: set[str] = field(default_factory=set)
    # A word under three characters was looked for in the newest SHORT_WINDOW records of a kind
    # only (no index finds it): older records need a longer word.
    windowed: bool = False

    @property
    def total(self) -> int:
        return len(self.cases) + len(self.documents) + len(self.parties)


def clean(q: str) -> str:
    q = " ".join((q or "").split())
    if len(q) > MAX_QUERY:
        raise InvalidInput("query_too_long", f"检索词最长{MAX_QUERY}个字", {"field": "q"})
    if "\x00" in q:
        raise InvalidInput("invalid_query", "检索词包含无法识别的字符", {"field": "q"})
    return q


def search(user: User, q: str) -> Results:
    q = clean(q)
    out = Results(q)
    if not q:
        return out
    party_scope = Party.objects.restrict(user)
    # Documents are looked up by their own key here (a chunk of matches, a window): their case's
    # scope by EXISTS (DocumentQuerySet.restrict), less the marked ones the user is not cleared for.
    hidden = policy.hidden_ids(Document, user)
    doc_scope = Document.objects.restrict(user, by_key=True)
    doc_scope = doc_scope.exclude(pk__in=hidden) if hidden else doc_scope
    cases = policy.restrict(Case.objects.all(), user)
    party_ids, parties_cut, parties_windowed = _newest(party_scope, "cases_party", ("name", "id_number", "uscc"), q)
    doc_ids, docs_cut, docs_windowed = _newest(doc_scope, "documents_document", ("number",), q)
    own_ids, own_cut, own_windowed = _newest(cases, "cases_case", ("number", "title", "facts"), q)
    out.windowed = parties_windowed or docs_windowed or own_windowed
    # A case is found by its party too (身份证号, 统一社会信用代码) and by the numbers of its 文书
    # that the user may see; each way is bounded, and the union cut to the newest again.
    found = set(own_ids)
    by_party_cut = False
    if party_ids:
        by_party = list(cases.filter(party_id__in=party_ids).order_by("-pk").values_list("pk", flat=True)[:LIMIT + 1])
        by_party_cut = len(by_party) > LIMIT
        found.update(by_party[:LIMIT])
    documents: list[Document] = []
    if doc_ids:
        documents = list(Document.objects.filter(pk__in=doc_ids).select_related("case", "complaint").order_by("-pk"))
        # No ordering: the model's (registered_at) would have the database walk the scope's index.
        found.update(cases.filter(pk__in={d.case_id for d in documents if d.case_id is not None})
                     .order_by().values_list("pk", flat=True))
    if found:
        # Sorted here, not by the database: asked for ORDER BY registered_at, it walks the unit's
        # registration index over every case of the scope to skip the sort of these few.
        hits = cases.filter(pk__in=found).select_related("party", "unit", "handler").order_by()
        out.cases = sorted(hits, key=lambda c: (c.registered_at, c.pk), reverse=True)[:LIMIT]
    out.documents = [d for d in documents if d.number]
    if party_ids:
        out.parties = list(Party.objects.filter(pk__in=party_ids).order_by("name", "pk"))
    # More parties or 文书 may match than were read, and each could bring a case.
    if own_cut or own_windowed or by_party_cut or docs_cut or parties_cut or len(found) > LIMIT:
        out.cut.add("cases")
    if docs_cut or docs_windowed:
        out.cut.add("documents")
    if parties_cut or parties_windowed:
        out.cut.add("parties")
    return out
