"""One search box: 案号, 文书编号, party name, 身份证号, 统一社会信用代码, case title and facts.

Every answer starts from what the user may see (the models' `.restrict` and the access policy's
marks: a marked record the user is not cleared for is not found, not even by its number).

On SQLite a query of three characters or more is answered by the FTS5 trigram index; a shorter one
(two Chinese characters: a surname, 工资) cannot be cut into trigrams and is answered by a scan
(LIKE), on the user's scope only. On PostgreSQL `icontains` uses the pg_trgm indexes (sql.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from lawtrail.access import policy
from lawtrail.accounts.models import User
from lawtrail.cases.models import Case, Party
from lawtrail.documents.models import Document
from lawtrail.lib.errors import InvalidInput
from lawtrail.search.sql import INDEXED

MAX_QUERY = 100
LIMIT = 50


def _fts(table: str) -> str:
    return next(ix.fts for ix in INDEXED if ix.table == table)


def _phrase(q: str) -> str:
    # One FTS5 phrase: the words as typed, quotes doubled, so no character is read as syntax.
    return '"' + q.replace('"', '""') + '"'


def _matching(qs: QuerySet, table: str, columns: tuple[str, ...], q: str) -> QuerySet:
    if connection.vendor == "sqlite" and len(q) >= 3:
        fts = _fts(table)
        return qs.filter(pk__in=RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", (_phrase(q),)))
    where = Q()
    for col in columns:
        where |= Q(**{f"{col}__icontains": q})
    return qs.filter(where)


@dataclass
class Results:
    q: str
    cases: list[Case] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    parties: list[Party] = field(default_factory=list)

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
    parties = _matching(Party.objects.restrict(user), "cases_party", ("name", "id_number", "uscc"), q)
    docs = _matching(policy.restrict(Document.objects.all(), user), "documents_document", ("number",), q)
    cases = policy.restrict(Case.objects.all(), user)
    by_own = _matching(cases, "cases_case", ("number", "title", "facts"), q)
    # A case is found by its party too (身份证号, 统一社会信用代码) and by the numbers of its 文书
    # that the user may see.
    found_cases = cases.filter(Q(pk__in=by_own.values("pk")) | Q(party__in=parties.values("pk"))
                               | Q(pk__in=docs.filter(case__isnull=False).values("case_id")))
    out.cases = list(found_cases.select_related("party", "unit", "handler").order_by("-registered_at", "-pk")[:LIMIT])
    out.documents = list(docs.exclude(number="").select_related("case", "complaint").order_by("-pk")[:LIMIT])
    out.parties = list(parties.order_by("name", "pk")[:LIMIT])
    return out
