"""API: the ledger as an outsider's tool reads it — an object's entries, an entry's inclusion
proof, a consistency proof between two signed tree heads, the latest signed tree head.

Entries are shown to whoever may see them on the history page (queries.visible_entries);
signed tree heads and consistency proofs reveal only sizes and hashes, so every signed-in
user may fetch them (a witness's script needs nothing more). Proofs are the bundles of
lawtrail/verifier/bundle.py: `python -m lawtrail.verifier bundle FILE --public-key KEY`
checks them without LawTrail.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from lawtrail.cases.models import Case
from lawtrail.ledger import proofs, queries, tiles
from lawtrail.ledger.models import Checkpoint, LedgerEntry
from lawtrail.lib.apikit import MAX_ID, Id, auth_user, responses
from lawtrail.lib.errors import InvalidInput, NotFound
from lawtrail.lib.paging import api_page
from lawtrail.verifier import note
from lawtrail.verifier.entry import parse_entry

router = Router(tags=["ledger"])

EntryNo = Annotated[int, Field(ge=0, le=MAX_ID, description="条目号(从 0 起)")]
ObjectType = Annotated[str, Field(max_length=64, pattern=r"^[a-z_]+\.[a-z_]+$")]
ObjectId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class EntryOut(Schema):
    seq: int = Field(description="条目号 = 默克尔树叶序号,从 0 起")
    leaf_hash: str = Field(description="SHA-256(0x00 ‖ 条目内容),十六进制")
    canonical: str = Field(description="条目内容原样(base64):被哈希的字节")
    facts: dict[str, Any] = Field(description="条目内容解读后的 JSON(无法解读时为空)")


class EntryPage(Schema):
    count: int
    items: list[EntryOut]
    next: str | None = Field(None, description="下一页的游标:作为 after 参数传回即得下一页;没有下一页时为 null")


class EntryFilter(Schema):
    limit: int = Field(100, ge=1, le=500, description="每页条数")
    offset: int = Field(0, ge=0, le=1_000_000_000, description="跳过条数")
    after: str = Field("", max_length=32, description="游标:上一页返回的 next;给出时忽略 offset")


class CheckpointOut(Schema):
    id: int = Field(description="签名树头在本系统中的编号")
    format: str
    origin: str = Field(description="账本名称")
    tree_size: int = Field(description="条目数")
    root_hash: str = Field(description="树根哈希(十六进制)")
    timestamp: str = Field(description="签署时间(UTC)")
    key_id: str = Field(description="签名密钥标识")
    signature: str = Field(description="Ed25519 签名(base64)")
    public_key: str | None = Field(None, description="签名公钥(base64,仅供参考:核验时请使用独立取得的公钥)")


class ProofOut(Schema):
    """A proof bundle (证明包), lawtrail-proof/1."""

    format: str
    checkpoint: dict[str, Any]
    entry: dict[str, Any] | None = None
    consistency: list[dict[str, Any]] | None = None
    public_key: str | None = None


class ProofQuery(Schema):
    checkpoint_id: Id | None = Field(None, description="签名树头编号(缺省为包含该条目的最新签名树头)")


class ConsistencyQuery(Schema):
    from_id: Id = Field(description="较早的签名树头编号")
    to_id: Id | None = Field(None, description="较新的签名树头编号(缺省为最新)")


def _entry_out(seq: int, canonical: bytes, leaf: bytes) -> EntryOut:
    try:
        facts = parse_entry(canonical)
    except ValueError:
        facts = {}
    return EntryOut(seq=seq, leaf_hash=leaf.hex(), canonical=base64.b64encode(canonical).decode(), facts=facts)


def _checkpoint(pk: int) -> Checkpoint:
    row = Checkpoint.objects.filter(pk=pk).first()
    if row is None:
        raise NotFound("no_checkpoint", f"签名树头 #{pk} 不存在", {"id": pk})
    return row


@router.get("/ledger/objects/{object_type}/{object_id}/entries", response=responses(200, EntryPage),
            summary="对象的账本条目(案件、文书、证据等的全部记录)")
def object_entries(request: HttpRequest, object_type: ObjectType, object_id: ObjectId,
                   page: Query[EntryFilter]) -> EntryPage:
    """Entries whose event is about this object (object type as `cases.case`, `documents.document`,
    `evidence.evidence`); for a case, also the events of its objects."""
    user = auth_user(request)
    if object_type == "cases.case":
        if not object_id.isdigit() or int(object_id) > MAX_ID:
            raise InvalidInput("invalid_object", "案件编号应为数字", {"field": "object_id"})
        case = Case.objects.restrict(user).filter(pk=int(object_id)).first()
        qs = queries.case_entries(user, case) if case is not None else LedgerEntry.objects.none()
    else:
        qs = queries.object_entries(user, object_type, object_id)
    qs = qs.select_related(None).only("seq", "canonical", "leaf_hash")
    rows, following = api_page(qs, ("seq",), after=page.after, offset=page.offset, limit=page.limit)
    items = [_entry_out(e.seq, bytes(e.canonical), bytes(e.leaf_hash)) for e in rows]
    return EntryPage(count=qs.count(), items=items, next=following)


@router.get("/ledger/entries/{seq}", response=responses(200, EntryOut), summary="一个账本条目")
def get_entry(request: HttpRequest, seq: EntryNo) -> EntryOut:
    entry = queries.visible_entry(auth_user(request), seq)
    if entry is None:
        raise NotFound("no_entry", f"条目 #{seq} 不存在或无权查看", {"seq": seq})
    return _entry_out(entry.seq, bytes(entry.canonical), bytes(entry.leaf_hash))


@router.get("/ledger/entries/{seq}/proof", response=responses(200, ProofOut),
            summary="条目的包含证明(证明包,可用独立核验程序核验)")
def entry_proof(request: HttpRequest, seq: EntryNo, query: Query[ProofQuery]) -> dict[str, Any]:
    if queries.visible_entry(auth_user(request), seq) is None:
        raise NotFound("no_entry", f"条目 #{seq} 不存在或无权查看", {"seq": seq})
    checkpoint = _checkpoint(query.checkpoint_id) if query.checkpoint_id is not None else None
    return proofs.prove(seq, checkpoint=checkpoint)


@router.get("/ledger/consistency", response=responses(200, ProofOut),
            summary="两个签名树头之间的一致性证明(较新的账本是较早账本的延续)")
def consistency_proof(request: HttpRequest, query: Query[ConsistencyQuery]) -> dict[str, Any]:
    auth_user(request)
    old = _checkpoint(query.from_id)
    new = _checkpoint(query.to_id) if query.to_id is not None else queries.latest_checkpoint()
    assert new is not None  # there is at least `old`
    return proofs.consistency(old, new)


@router.get("/ledger/checkpoints/latest", response=responses(200, CheckpointOut),
            summary="最新的签名树头(供见证方保存)")
def latest_checkpoint(request: HttpRequest) -> dict[str, Any]:
    auth_user(request)
    return proofs.export_checkpoint()




# The tlog view (C2SP tlog-tiles / tlog-checkpoint): what standard tlog clients and witnesses fetch,
# `<prefix>/checkpoint` and `<prefix>/tile/<L>/<N>[.p/<W>]`, under /api/ledger/tlog. Sizes and
# hashes only, so every signed-in user may fetch them, like the signed tree heads above.


@router.get("/ledger/tlog/checkpoint", response=responses(200, None),
            summary="最新的签名树头(C2SP 签名注记格式,text/plain)")
def tlog_checkpoint(request: HttpRequest) -> HttpResponse:
    auth_user(request)
    row = queries.latest_checkpoint()
    if row is None or not hasattr(row, "note"):
        raise NotFound("no_checkpoint", "尚未签署签名注记格式的签名树头;请先运行 lawtrail ledger checkpoint")
    text = note.signed_note(note.checkpoint_body(row.origin, row.tree_size, bytes(row.root_hash)),
                            row.note.signature_line)
    return HttpResponse(text.encode(), content_type="text/plain; charset=utf-8")


@router.get("/ledger/tlog/tile/{level}/{path:index}", response=responses(200, None),
            summary="账本瓦片(C2SP tlog-tiles:第 L 层第 N 块,.p/W 为不满 256 个哈希的块)")
def tlog_tile(request: HttpRequest, level: Annotated[int, Field(ge=0, le=63)], index: str) -> HttpResponse:
    auth_user(request)
    parsed = tiles.parse_tile_path(index)
    if parsed is None:
        raise InvalidInput("invalid_tile", "瓦片路径应为 N 或 N.p/W(W 为 1 至 255),N 按三位一组写作 x001/x234/067",
                           {"field": "index"})
    number, partial = parsed
    width = partial or tiles.WIDTH
    row = queries.latest_checkpoint()
    size = row.tree_size if row is not None else 0
    try:
        data = tiles.tile_bytes(level, number, width, size)
    except ValueError:
        raise NotFound("no_tile", f"最新的签名树头({size} 条)中没有瓦片 {level}/{index}", {"level": level})
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Cache-Control"] = "private, max-age=31536000, immutable"  # a tile of this width never changes
    return response
