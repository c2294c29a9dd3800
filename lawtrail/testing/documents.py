"""Documents for tests: sample values for any catalogue type, a tiny handwriting, PDF text."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zlib
from typing import Any

from lawtrail.documents.catalogue import DocumentType, FieldSpec
from lawtrail.lib import timez


def sample_value(spec: FieldSpec, index: int) -> Any:
    """A value of the field's type that is easy to find again in the printed text."""
    if spec.type == "text":
        return f"{spec.label}样例{index}"
    if spec.type == "textarea":
        return f"{spec.label}的第一行内容{index}。\n第二行写明细节{index}。"
    if spec.type == "date":
        return (dt.date(2026, 5, 1) + dt.timedelta(days=index)).isoformat()
    if spec.type == "datetime":
        # Later fields are later: an end time always comes after its start.
        moment = dt.datetime(2026, 4, 20, 8, 0, tzinfo=timez.BEIJING) + dt.timedelta(minutes=7 * index)
        return moment.isoformat()
    if spec.type == "amount":
        return f"{1000 + index}.50"
    if spec.type == "integer":
        return 10 + index
    if spec.type == "choice":
        return spec.options[-1]
    if spec.type == "multichoice":
        # Ticked boxes state facts of the act (a situation that asks for footage or forbids it): a
        # sample ticks none rather than invent one.
        return []
    if spec.type == "lines":
        return [f"{spec.label}第一项{index}", f"{spec.label}第二项{index}"]
    if spec.type == "table":
        return [[f"{c}甲{index}" for c in spec.columns], [f"{c}乙{index}" for c in spec.columns]]
    raise ValueError(spec.type)


def sample_fields(doc_type: DocumentType, *, prefilled: dict[str, Any] | None = None,
                  everything: bool = False) -> dict[str, Any]:
    """Values for every mandatory field (every field with `everything`) the pre-fill left empty;
    times are always given, so that their order holds."""
    prefilled = prefilled or {}
    out: dict[str, Any] = {}
    for index, spec in enumerate(doc_type.fields):
        if not (spec.required or everything):
            continue
        if spec.key in prefilled and spec.type not in ("datetime", "date"):
            continue
        out[spec.key] = sample_value(spec, index)
    return out


def handwriting_png(width: int = 240, height: int = 80) -> bytes:
    """A small PNG with a diagonal stroke, like a canvas signature (made here, never committed)."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            ink = abs(x * height // width - y) < 3
            row += bytes([0, 0, 0, 255]) if ink else bytes([255, 255, 255, 0])
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + chunk(b"IEND", b""))


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def squeeze(text: str) -> str:
    """Text without any white space: a PDF breaks lines where the page is full, not where we did."""
    return re.sub(r"\s+", "", text)


def notdef_glyphs(pdf: bytes) -> int:
    """How many .notdef glyphs (the empty boxes of a missing character) the PDF draws.

    WeasyPrint writes CID fonts with Identity-H encoding: two bytes per glyph, glyph id 0 is
    .notdef. Every show-text operand is read in two-byte steps.
    """
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    count = 0
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        content = page.get_contents()
        if content is None:
            continue
        stream = ContentStream(content, reader)
        for operands, operator in stream.operations:
            strings: list[bytes] = []
            if operator == b"Tj":
                strings = [bytes(operands[0].original_bytes)]
            elif operator == b"TJ":
                strings = [bytes(o.original_bytes) for o in operands[0] if hasattr(o, "original_bytes")]
            for s in strings:
                count += sum(1 for i in range(0, len(s) - 1, 2) if s[i:i + 2] == b"\x00\x00")
    return count


def sign_all(document: Any, officers: list[Any]) -> None:
    """Every signature an issued document asks for (officers by login, others by hand, with the
    fingerprint where the profile wants one), so a case built for other tests passes the
    compliance checks on signatures (lawtrail/compliance: document_signatures)."""
    from lawtrail.documents.actions import do_record_hand_signature, do_sign_document
    from lawtrail.documents.signing import slot_states

    for state in slot_states(document):
        slot = state.slot
        if state.complete or slot.role == "approver":
            continue
        if slot.role == "officer":
            for officer in officers[:max(slot.min, 1)]:
                do_sign_document(document, slot=slot.key, actor=officer)
        elif slot.min > 0:
            for n in range(slot.min):
                do_record_hand_signature(document, slot=slot.key, name=f"{slot.label}{n + 1}", image=handwriting_png(),
                                         fingerprint=slot.fingerprint, actor=officers[0])
