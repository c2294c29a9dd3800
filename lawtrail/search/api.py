"""API: the one search box, within what the user may see."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from lawtrail.lib.apikit import auth_user, responses
from lawtrail.search import queries

router = Router(tags=["search"])


class CaseHit(Schema):
    id: int
    number: str | None
    title: str
    party: str
    stage: str
    stage_label: str


class DocumentHit(Schema):
    id: int
    number: str
    type_name: str
    case_id: int | None


class PartyHit(Schema):
    id: int
    name: str
    kind: str
    id_number: str
    uscc: str


class SearchOut(Schema):
    q: str
    cases: list[CaseHit]
    documents: list[DocumentHit]
    parties: list[PartyHit]
    limit: int = Field(description="每类最多返回的条数")
    cut: list[str] = Field(description="只返回了最新 limit 条、可能还有更多匹配的类别(cases、documents、parties)")
    windowed: bool = Field(False, description="检索词不足三个字:每类只在最新的 window 条记录中查找")
    window: int = Field(description="检索词不足三个字时每类查找的最新记录条数")


@router.get("/search", response=responses(200, SearchOut),
            summary="检索案号、文书编号、当事人、身份证号、统一社会信用代码、案由和案情")
def search(request: HttpRequest, q: str = "") -> SearchOut:
    r = queries.search(auth_user(request), q)
    return SearchOut(
        q=r.q, limit=queries.LIMIT, cut=sorted(r.cut), windowed=r.windowed, window=queries.SHORT_WINDOW,
        cases=[CaseHit(id=c.pk, number=c.number, title=c.title, party=c.party.name, stage=c.stage,
                       stage_label=c.get_stage_display()) for c in r.cases],
        documents=[DocumentHit(id=d.pk, number=d.number, type_name=d.type_name, case_id=d.case_id)
                   for d in r.documents],
        parties=[PartyHit(id=p.pk, name=p.name, kind=p.kind, id_number=p.id_number, uscc=p.uscc) for p in r.parties],
    )
