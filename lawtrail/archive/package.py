"""The archive package (归档包): a bound case file as a BagIt bag (RFC 8493), serialized as ZIP.

ZIP because the archives offices that receive it open ZIPs on any desktop; the bag sits in
one top directory named after the 档号, as RFC 8493 §4 recommends for serialized bags.
`lawtrail package verify` (lawtrail/packagecheck) reads the ZIP or an unpacked directory.

    <档号>/bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt  tagmanifest-sm3.txt
    <档号>/data/index.html                       human index (Chinese), no scripts
    <档号>/data/case-file/<档号>.pdf              cover, index of contents, reference sheet
    <档号>/data/documents/0001-document-<id>.pdf  the issued PDFs, named by sequence number
    <档号>/data/media/0002-media-<id>.<ext>       the original recordings, streamed from the store
    <档号>/data/records/0003-record-<id>.pdf      the explanations filed with the case (附卷说明)
    <档号>/data/metadata/metadata.json            every item: name, size, format, times, hashes, 档号, seq
    <档号>/data/ledger/entries.json               the case's ledger entries with RFC 6962 inclusion proofs
    <档号>/data/ledger/checkpoint.json            the signed tree head they prove into

Each ZIP member's time is the time the signed ledger recorded for it (issue, ingest, binding).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db.models import Q
from django.template.loader import render_to_string

from lawtrail.archive import render as printing
from lawtrail.archive.models import CaseFile
from lawtrail.archive.queries import suffix_of
from lawtrail.cases.models import Case
from lawtrail.documents.models import Document
from lawtrail.evidence.models import Evidence
from lawtrail.ledger import keys
from lawtrail.ledger import queries as ledger_queries
from lawtrail.ledger.actions import do_make_checkpoint
from lawtrail.ledger.canonical import utc_text
from lawtrail.ledger.models import Checkpoint, LedgerEntry
from lawtrail.ledger.tiles import StoredTree
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict
from lawtrail.packagecheck.lawtrail import EXTRACT_FORMAT, PACKAGE_FORMAT
from lawtrail.registers.models import TextRecord
from lawtrail.storage import get_store
from lawtrail.verifier.merkle import Subtrees

CHUNK = 1 << 20


@dataclass
class Written:
    size: int
    sha256: str
    payload_oxum: str
    tree_size: int
    entries: int


class _Bag:
    """Members written into the ZIP one after another, each hashed as it streams past."""

    def __init__(self, zf: zipfile.ZipFile, top: str) -> None:
        self.zf, self.top = zf, top
        self.digests: dict[str, dict[str, str]] = {}
        self.sizes: dict[str, int] = {}

    def add_stream(self, path: str, stream: IO[bytes], moment: dt.datetime, *, compress: bool = False) -> dict[str, str]:
        info = zipfile.ZipInfo(f"{self.top}/{path}", date_time=moment.astimezone(dt.UTC).timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o100644 << 16
        sha256, sm3, size = hashlib.sha256(), hashlib.new("sm3"), 0
        with self.zf.open(info, "w", force_zip64=True) as out:
            while chunk := stream.read(CHUNK):
                sha256.update(chunk)
                sm3.update(chunk)
                size += len(chunk)
                out.write(chunk)
        self.digests[path] = {"sha256": sha256.hexdigest(), "sm3": sm3.hexdigest()}
        self.sizes[path] = size
        return self.digests[path]

    def add_bytes(self, path: str, data: bytes, moment: dt.datetime, *, compress: bool = True) -> dict[str, str]:
        import io

        return self.add_stream(path, io.BytesIO(data), moment, compress=compress)


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode()


def case_entries(case: Case, case_file: CaseFile) -> list[LedgerEntry]:
    """Every ledger entry about the case: its own events and those of the records it holds."""
    docs = [str(i["id"]) for i in case_file.items if i["kind"] == "document"]
    media = [str(i["id"]) for i in case_file.items if i["kind"] == "media"]
    records = [str(i["id"]) for i in case_file.items if i["kind"] == "record"]
    about = (Q(event__case_id_frozen=case.pk) | Q(event__object_type="cases.case", event__object_id=str(case.pk))
             | Q(event__object_type="documents.document", event__object_id__in=docs)
             | Q(event__object_type="evidence.evidence", event__object_id__in=media)
             | Q(event__object_type="registers.textrecord", event__object_id__in=records)
             | Q(event__object_type="archive.casefile", event__object_id=str(case_file.pk)))
    return list(LedgerEntry.objects.filter(about).select_related("event").order_by("seq"))


def _anchor(entries: list[LedgerEntry], action: str, object_type: str, object_id: int) -> LedgerEntry:
    found = [e for e in entries if e.event.action == action and e.event.outcome == "done"
             and e.event.object_type == object_type and e.event.object_id == str(object_id)]
    if not found:
        raise Conflict("ledger_record_missing", f"账本中找不到 {object_type} #{object_id} 的「{action}」记录,无法导出归档包")
    return found[-1]


def write_package(case_file: CaseFile, out: Path, *, exported_by: str) -> Written:
    case = case_file.case
    # A tree head covering everything committed, the binding included.
    do_make_checkpoint()
    checkpoint = ledger_queries.latest_checkpoint()
    public_key = keys.load_public_key()
    if checkpoint is None or public_key is None:
        raise Conflict("not_yet_signed", "账本尚未签署签名树头,无法导出归档包")
    size = checkpoint.tree_size
    entries = [e for e in case_entries(case, case_file) if e.seq < size]
    tree = StoredTree(size)
    bind = _anchor(entries, "case_file.bind", "archive.casefile", case_file.pk)

    tmp = out.with_name(out.name + ".part")
    try:
        oxum = _write_zip(tmp, case_file, case, entries, tree, size, bind, checkpoint, public_key, exported_by)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    whole = hashlib.sha256()
    with open(tmp, "rb") as f:
        while chunk := f.read(CHUNK):
            whole.update(chunk)
    tmp.replace(out)
    return Written(size=out.stat().st_size, sha256=whole.hexdigest(), payload_oxum=oxum, tree_size=size,
                   entries=len(entries))


def _write_zip(tmp: Path, case_file: CaseFile, case: Case, entries: list[LedgerEntry], tree: Subtrees, size: int,
               bind: LedgerEntry, checkpoint: Checkpoint, public_key: Ed25519PublicKey, exported_by: str) -> str:
    """Write the bag into `tmp`; the Payload-Oxum it declared."""
    assert case_file.bound_at is not None and case_file.pdf is not None
    no = case_file.archive_no
    now = timez.now()
    store = get_store()
    with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
        bag = _Bag(zf, no)
        cf_path = f"data/case-file/{no}.pdf"
        cf_digest = bag.add_bytes(cf_path, bytes(case_file.pdf), case_file.bound_at, compress=False)
        items: list[dict[str, Any]] = []
        for item in case_file.items:
            seq, kind, pk = item["seq"], item["kind"], item["id"]
            if kind == "document":
                doc = Document.objects.get(pk=pk)
                entry = _anchor(entries, "document.issue", "documents.document", pk)
                path = f"data/documents/{seq:04d}-document-{pk}.pdf"
                digest = bag.add_bytes(path, bytes(doc.pdf or b""), entry.event.occurred_at, compress=False)
            elif kind == "record":
                record = TextRecord.objects.get(pk=pk)
                entry = _anchor(entries, "text_record.register", "registers.textrecord", pk)
                path = f"data/records/{seq:04d}-record-{pk}.pdf"
                digest = bag.add_bytes(path, bytes(record.pdf or b""), entry.event.occurred_at, compress=False)
            else:
                ev = Evidence.objects.select_related("stored").get(pk=pk)
                entry = _anchor(entries, "evidence.ingest", "evidence.evidence", pk)
                path = f"data/media/{seq:04d}-media-{pk}{suffix_of(ev)}"
                with store.open(ev.stored.key) as stream:
                    digest = bag.add_stream(path, stream, entry.event.occurred_at)
            if digest["sha256"] != item["sha256"]:
                raise Conflict("content_changed", f"卷内第 {seq} 项的内容与装订时记录的 SHA-256 不符,拒绝导出;请运行 lawtrail verify")
            items.append({**item, "path": path, "sm3": digest["sm3"], "recorded_at": utc_text(entry.event.occurred_at),
                          "ledger_entry": entry.seq})
        extract = {"format": EXTRACT_FORMAT, "tree_size": size, "entries": [
            {"index": e.seq, "canonical": base64.b64encode(bytes(e.canonical)).decode(),
             "leaf_hash": bytes(e.leaf_hash).hex(), "inclusion_path": [p.hex() for p in tree.inclusion_proof(e.seq, size)]}
            for e in entries]}
        bag.add_bytes("data/ledger/entries.json", _json(extract), now)
        bag.add_bytes("data/ledger/checkpoint.json", _json(checkpoint.signed.to_json(public_key)), now)
        meta = {
            "format": PACKAGE_FORMAT, "archive_no": no, "fonds": case_file.fonds, "year": case_file.year,
            "retention": case_file.retention, "retention_label": case_file.get_retention_display(),
            "agency": case.agency.name, "unit": case.unit.name,
            "case": {"id": case.pk, "number": case.number, "title": case.title, "party": case.party.name,
                     "handler": case.handler.display_name,
                     "filed_at": utc_text(case.filed_at) if case.filed_at else None,
                     "closed_at": utc_text(case.closed_at) if case.closed_at else None,
                     "archived_at": utc_text(case.archived_at) if case.archived_at else None},
            "case_file": {"path": cf_path, "title": case_file.title, "size": len(bytes(case_file.pdf)),
                          "format": "application/pdf", "sha256": cf_digest["sha256"], "sm3": cf_digest["sm3"],
                          "pages": None, "page_count": case_file.page_count,
                          "assembled_by": case_file.assembled_by_name, "assembled_at": utc_text(case_file.assembled_at),
                          "checked_by": case_file.checked_by_name, "bound_at": utc_text(case_file.bound_at),
                          "recorded_at": utc_text(bind.event.occurred_at), "ledger_entry": bind.seq,
                          "notes": case_file.notes},
            "items": items,
            "ledger": {"entries_path": "data/ledger/entries.json", "checkpoint_path": "data/ledger/checkpoint.json",
                       "entry_count": len(entries), "tree_size": size},
            "exported_at": utc_text(now), "exported_by": exported_by,
        }
        bag.add_bytes("data/metadata/metadata.json", _json(meta), now)
        html = render_to_string("archive/package_index.html", {
            "meta": meta, "cf": case_file, "rows": printing.index_rows(case_file), "checkpoint": checkpoint,
            "exported_day": f"{timez.beijing(now):%Y-%m-%d %H:%M}"})
        bag.add_bytes("data/index.html", html.encode(), now)

        payload = sorted(bag.digests)
        oxum = f"{sum(bag.sizes[p] for p in payload)}.{len(payload)}"
        manifest = "".join(f"{bag.digests[p]['sha256']}  {p}\n" for p in payload).encode()
        bagit_txt = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
        info = "".join(f"{k}: {v}\n" for k, v in [
            ("Source-Organization", case.agency.name), ("Bagging-Date", f"{timez.beijing(now):%Y-%m-%d}"),
            ("Payload-Oxum", oxum), ("Archive-Number", no), ("External-Identifier", case.number or ""),
            ("External-Description", f"{case_file.title}(案卷封面、卷内目录、备考表,文书,音像资料,附卷说明,账本证明)"),
            ("Bag-Software-Agent", "LawTrail"), ("LawTrail-Package", PACKAGE_FORMAT),
        ]).encode()
        tags = {"bagit.txt": bagit_txt, "bag-info.txt": info, "manifest-sha256.txt": manifest}
        for name, data in tags.items():
            bag.add_bytes(name, data, now)
        for algorithm in ("sha256", "sm3"):
            lines = "".join(f"{hashlib.new(algorithm, data).hexdigest()}  {name}\n" for name, data in tags.items())
            bag.add_bytes(f"tagmanifest-{algorithm}.txt", lines.encode(), now)
    return oxum
