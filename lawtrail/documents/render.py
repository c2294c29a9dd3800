"""A document as people read it: an A4 PDF (WeasyPrint) and a DOCX (python-docx).

Both are built from one list of blocks made from the document's frozen type, its values and
its signatures, so the PDF and the DOCX say the same. Every field is printed: one the layout
does not place is added after the placed ones.
"""

from __future__ import annotations

import base64
import io
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string

from lawtrail.documents.catalogue import DocumentType, FieldSpec
from lawtrail.documents.fonts import font_map
from lawtrail.documents.values import display, display_parts, show_date, show_moment
from lawtrail.lib import timez
from lawtrail.lib.pdf import html_to_pdf

if TYPE_CHECKING:
    from lawtrail.documents.models import Document, Signature

LONG_TYPES = {"textarea", "lines", "table"}


@dataclass
class Value:
    key: str
    label: str
    type: str
    text: str
    items: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    @property
    def long(self) -> bool:
        return self.type in LONG_TYPES

    @property
    def lines(self) -> list[str]:
        # Each line its own paragraph: a 2-character indent then applies to every one of them.
        return [line for line in self.text.splitlines() if line.strip()] or [""]


@dataclass
class Block:
    kind: str  # form, header, section, para, value
    text: str = ""
    value: Value | None = None
    rows: list[list[Value]] = field(default_factory=list)


@dataclass
class SignatureEntry:
    name: str
    kind: str
    at: str
    cert_no: str = ""
    image: str = ""  # data URL
    image_bytes: bytes | None = None
    fingerprint: bool = False
    approved: bool | None = None
    opinion: str = ""
    refusal_reason: str = ""
    witnesses: list[str] = field(default_factory=list)
    rule_article: str = ""
    by_login: bool = False


@dataclass
class SignatureRow:
    label: str
    entries: list[SignatureEntry]
    approval: bool


@dataclass
class Sheet:
    title: str
    agency: str
    number: str
    version_note: str
    draft: bool
    superseded_note: str
    style: str
    addressee: str
    blocks: list[Block]
    closing_date: str
    signature_rows: list[SignatureRow]
    approval_rows: list[SignatureRow]
    footer: str


def _value(spec: FieldSpec, raw: Any) -> Value:
    v = Value(key=spec.key, label=spec.label, type=spec.type, text=display(spec, raw))
    if spec.type == "lines" and raw:
        v.items = [str(i) for i in raw]
    if spec.type == "table":
        v.columns = list(spec.columns)
        v.rows = [list(r) for r in raw or []]
    return v


def _template_text(template: str, values: dict[str, str]) -> str:
    out = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(values.get(name) or "______")
    return "".join(out)


def _blocks(doc_type: DocumentType, fields: dict[str, Any]) -> tuple[list[Block], str, str]:
    values = {f.key: _value(f, fields.get(f.key)) for f in doc_type.fields}
    texts = {k: v.text for k, v in values.items()}
    layout = doc_type.layout
    placed: set[str] = set()
    blocks: list[Block] = []
    addressee = closing = ""

    def take(key: str) -> Value:
        placed.add(key)
        return values[key]

    if layout.style == "form":
        rows = [[take(k) for k in row] for row in layout.rows]
        rows += [[take(f.key)] for f in doc_type.fields if f.key not in placed]
        blocks.append(Block("form", rows=rows))
    elif layout.style == "record":
        header = [[take(k) for k in row] for row in layout.header]
        body = [take(k) for k in layout.body]
        rest = [values[f.key] for f in doc_type.fields if f.key not in placed]
        header += [[v] for v in rest if not v.long]
        body += [v for v in rest if v.long]
        blocks.append(Block("header", rows=header))
        blocks += [Block("section", value=v) for v in body]
    else:
        if layout.addressee:
            addressee = take(layout.addressee).text
        if layout.date:
            closing = take(layout.date).text
        for item in layout.body:
            if isinstance(item, str):
                blocks.append(Block("value", value=take(item)))
            else:
                for _lit, name, _spec, _conv in string.Formatter().parse(item["text"]):
                    if name:
                        placed.add(name)
                blocks.append(Block("para", text=_template_text(item["text"], texts)))
        blocks += [Block("value", value=values[f.key]) for f in doc_type.fields if f.key not in placed]
    return blocks, addressee, closing


def _entry(sig: Signature, by_login: bool) -> SignatureEntry:
    image = sig.image if sig.image is None else bytes(sig.image)
    return SignatureEntry(
        name=sig.name, kind=sig.kind, at=show_moment(sig.at.isoformat()), cert_no=sig.cert_no,
        image=f"data:image/png;base64,{base64.b64encode(image).decode()}" if image else "", image_bytes=image,
        fingerprint=sig.fingerprint, approved=sig.approved, opinion=sig.opinion, refusal_reason=sig.refusal_reason,
        witnesses=[w["name"] + (f"({w['id_number']})" if w.get("id_number") else "") for w in sig.witnesses or []],
        rule_article=sig.rule_article, by_login=by_login,
    )


def sheet(document: Document, signatures: list[Signature] | None = None) -> Sheet:
    from lawtrail.documents import signing
    from lawtrail.documents.choices import DocumentStatus

    doc_type = document.doc_type
    blocks, addressee, closing = _blocks(doc_type, document.fields or {})
    sigs = list(document.signatures.all()) if signatures is None else signatures
    rows: list[SignatureRow] = []
    approvals: list[SignatureRow] = []
    for slot in signing.document_slots(document):
        entries = [_entry(s, slot.by_login) for s in sigs if s.slot == slot.key]
        row = SignatureRow(label=slot.label, entries=entries, approval=slot.role == "approver")
        (approvals if row.approval else rows).append(row)
    version_note = ""
    if document.version > 1:
        version_note = f"第{document.version}版(更正:{document.correction_reason})"
    superseded = ""
    if document.status == DocumentStatus.SUPERSEDED:
        superseded = "本文书已被更正,以最新版本为准"
    issued = show_date(timez.beijing(document.issued_at).date().isoformat()) if document.issued_at else ""
    return Sheet(
        title=doc_type.name, agency=document.agency.name, number=document.number, version_note=version_note,
        draft=document.status == DocumentStatus.DRAFT, superseded_note=superseded, style=doc_type.layout.style,
        addressee=addressee, blocks=blocks, closing_date=closing or issued, signature_rows=rows,
        approval_rows=approvals,
        footer=f"{_footer_owner(document)} · {doc_type.name}" + (
            f" · {document.number}" if document.number else ""),
    )


def _footer_owner(document: Document) -> str:
    case = document.case
    if case is not None:
        return case.number or case.title
    return document.owner_label


def render_html(document: Document, signatures: list[Signature] | None = None) -> str:
    fonts = font_map()
    return render_to_string("documents/print.html", {
        "sheet": sheet(document, signatures), "font_faces": fonts.font_faces(),
        "font_title": fonts.css_family("title"), "font_body": fonts.css_family("body"),
        "font_heading": fonts.css_family("heading"), "font_sign": fonts.css_family("sign"),
    })


def pdf_from_html(html: str) -> bytes:
    """Every printed 文书 and 案卷 page; refused (MissingGlyphs) rather than printed with blank characters."""
    return html_to_pdf(html)


def font_context() -> dict[str, str]:
    """The @font-face rules and CSS families of the configured font map, for a print template."""
    fonts = font_map()
    return {"font_faces": fonts.font_faces(), "font_title": fonts.css_family("title"),
            "font_body": fonts.css_family("body"), "font_heading": fonts.css_family("heading"),
            "font_sign": fonts.css_family("sign")}


def render_pdf(document: Document, signatures: list[Signature] | None = None) -> bytes:
    return pdf_from_html(render_html(document, signatures))


def current_pdf(document: Document) -> bytes:
    """What to print now: the issued PDF while nobody has signed, else one with the signatures."""
    if document.pdf is not None and document.status == "issued" and not document.signatures.exists():
        return bytes(document.pdf)
    return render_pdf(document)


def combined_pdf(documents: list[Document]) -> bytes:
    """One PDF of several documents, in the order given (batch print of a case). The whole merge
    holds one render slot (its documents' renders run inside it): a batch print costs the memory of
    one slot, however many documents it binds."""
    from pypdf import PdfWriter

    from lawtrail.lib.limits import render_slot

    with render_slot():
        writer = PdfWriter()
        for document in documents:
            writer.append(io.BytesIO(current_pdf(document)))
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()


def printed_parts(document: Document) -> dict[str, list[str]]:
    """Per mandatory field, the pieces of text the printed document must show."""
    doc_type = document.doc_type
    return {f.key: display_parts(f, (document.fields or {}).get(f.key)) for f in doc_type.mandatory}


# ---------------------------------------------------------------- DOCX


def render_docx(document: Document) -> bytes:
    from docx import Document as Docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Mm, Pt, RGBColor

    fonts = font_map()
    s = sheet(document)
    doc = Docx()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(25), Mm(20)
    section.left_margin, section.right_margin = Mm(25), Mm(20)

    def east_asia(run_or_style: Any, family: str) -> None:
        # Word takes Chinese glyphs from w:eastAsia, not from the Latin font name.
        run_or_style.font.name = family
        rpr = run_or_style.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(rfonts)
        for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
            rfonts.set(qn(attr), family)

    normal = doc.styles["Normal"]
    east_asia(normal, fonts.docx_family("body"))
    normal.font.size = Pt(12)

    def para(text: str = "", *, bold: bool = False, size: float | None = None, align: Any = None,
             family: str | None = None, indent: bool = False, color: RGBColor | None = None) -> Any:
        p = doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(24)
        if text:
            run = p.add_run(text)
            run.bold = bold
            if size:
                run.font.size = Pt(size)
            if family:
                east_asia(run, family)
            if color is not None:
                run.font.color.rgb = color
        return p

    para(s.agency, size=16, align=WD_ALIGN_PARAGRAPH.CENTER, family=fonts.docx_family("title"),
         color=RGBColor(0xB3, 0x26, 0x1E) if s.style == "notice" else None)
    para(s.title, bold=True, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, family=fonts.docx_family("title"))
    if s.number:
        para(s.number, align=WD_ALIGN_PARAGRAPH.RIGHT)
    if s.draft:
        para("(草稿,未签发)", align=WD_ALIGN_PARAGRAPH.CENTER)
    for note in (s.version_note, s.superseded_note):
        if note:
            para(note, align=WD_ALIGN_PARAGRAPH.CENTER, size=10)
    if s.addressee:
        para(f"{s.addressee}:")

    def table_value(v: Value, label: bool = True) -> None:
        if label:
            para(f"{v.label}:", family=fonts.docx_family("heading"))
        t = doc.add_table(rows=1, cols=len(v.columns))
        t.style = "Table Grid"
        for i, c in enumerate(v.columns):
            t.rows[0].cells[i].text = c
        for r in v.rows:
            cells = t.add_row().cells
            for i, c in enumerate(r):
                cells[i].text = c

    for block in s.blocks:
        if block.kind == "form":
            t = doc.add_table(rows=0, cols=4)
            t.style = "Table Grid"
            t.alignment = WD_TABLE_ALIGNMENT.CENTER
            for row in block.rows:
                cells = t.add_row().cells
                if len(row) == 1:
                    cells[0].text = row[0].label
                    merged = cells[1].merge(cells[3])
                    merged.text = "\n".join(row[0].items) if row[0].items else (
                        "\n".join(" | ".join(r) for r in row[0].rows) if row[0].rows else row[0].text)
                else:
                    for i, v in enumerate(row[:2]):
                        cells[2 * i].text = v.label
                        cells[2 * i + 1].text = v.text
            for row_cells in t.rows:
                row_cells.cells[0].width = Cm(3.2)
        elif block.kind == "header":
            for row in block.rows:
                para("    ".join(f"{v.label}:{v.text or '______'}" for v in row))
        elif block.kind == "section" and block.value is not None:
            v = block.value
            para(f"{v.label}:", family=fonts.docx_family("heading"))
            if v.type == "table":
                table_value(v, label=False)
            elif v.items:
                for i, item in enumerate(v.items, 1):
                    para(f"{i}. {item}", indent=True)
            else:
                for line in v.text.splitlines() or [""]:
                    para(line, indent=True)
        elif block.kind == "para":
            para(block.text, indent=True)
        elif block.kind == "value" and block.value is not None:
            v = block.value
            if v.type == "table":
                table_value(v)
            elif v.items:
                para(f"{v.label}:", indent=True)
                for i, item in enumerate(v.items, 1):
                    para(f"{i}. {item}", indent=True)
            elif v.type == "textarea":
                for line in v.text.splitlines() or [""]:
                    para(line, indent=True)
            else:
                para(f"{v.label}:{v.text}", indent=True)
    if s.style == "notice":
        para(s.agency + "(印章)", align=WD_ALIGN_PARAGRAPH.RIGHT)
        para(s.closing_date, align=WD_ALIGN_PARAGRAPH.RIGHT)
    for sig_row in s.approval_rows + s.signature_rows:
        p = para(f"{sig_row.label}:", family=fonts.docx_family("heading"))
        if not sig_row.entries:
            p.add_run("______________")
        for e in sig_row.entries:
            if e.kind == "approval":
                para(f"{'同意' if e.approved else '不同意'}。{e.opinion}  签名:{e.name}  {e.at}", indent=True)
            elif e.kind == "refused":
                para(f"{e.name}拒绝签名,理由:{e.refusal_reason}。见证人:{'、'.join(e.witnesses) or '无'}"
                     + (f"(依据{e.rule_article})" if e.rule_article else ""), indent=True)
            else:
                q = para(indent=True)
                if e.image_bytes:
                    q.add_run().add_picture(io.BytesIO(e.image_bytes), height=Cm(1.4))
                    q.add_run(f" {e.name}")
                else:
                    q.add_run(f"{e.name}" + (f"(执法证号 {e.cert_no},登录签名)" if e.cert_no else "(登录签名)"))
                q.add_run(f"  {e.at}" + ("  [已按手印]" if e.fingerprint else ""))
    footer = section.footer.paragraphs[0]
    footer.text = s.footer
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
