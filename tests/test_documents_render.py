"""Every document type renders to an A4 PDF and a DOCX with the case's data; the mandatory
fields are read back from the PDF's text, and a page image shows the characters are there."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from time_machine import TimeMachineFixture

from lawtrail.cases.models import Case
from lawtrail.documents.actions import (
    do_create_document,
    do_issue_document,
    do_record_hand_signature,
    do_record_refusal,
    do_sign_document,
    do_update_document,
)
from lawtrail.documents.catalogue import catalogue, get_type
from lawtrail.documents.models import Document
from lawtrail.documents.render import combined_pdf, current_pdf, printed_parts, render_docx
from lawtrail.testing.documents import handwriting_png, notdef_glyphs, pdf_text, sample_fields, squeeze
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, beijing, draft_decision, register_case


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


def reviewed_case(world: World) -> Case:
    """A case with a drafted decision, so that every pre-fill source has something to give."""
    case = advance(world, register_case(world), to="reviewing")
    draft_decision(case)
    case.refresh_from_db()
    return case


def issue(world: World, case: Case, code: str) -> Document:
    doc = do_create_document(case, type_code=code, actor=world.alice)
    doc = do_update_document(doc, fields=sample_fields(get_type(code), prefilled=doc.fields), actor=world.alice)
    return do_issue_document(doc, actor=world.alice)


def docx_text(data: bytes) -> str:
    from docx import Document as Docx

    d = Docx(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


@pytest.mark.parametrize("code", list(catalogue()))
def test_each_type_prints_every_mandatory_field(code: str, world: World) -> None:
    doc = issue(world, reviewed_case(world), code)
    pdf = bytes(doc.pdf)
    text = squeeze(pdf_text(pdf))
    assert squeeze(doc.type_name) in text
    if doc.doc_type.numbered:
        assert doc.number and squeeze(doc.number) in text
    parts = printed_parts(doc)
    assert set(parts) == {f.key for f in doc.doc_type.mandatory}
    for key, pieces in parts.items():
        assert pieces, f"{code}.{key} is empty"
        for piece in pieces:
            assert squeeze(piece) in text, f"{code}.{key}: {piece!r} not in the PDF"
    word = docx_text(render_docx(doc))
    for key, pieces in parts.items():
        for piece in pieces:
            assert squeeze(piece) in squeeze(word), f"{code}.{key}: {piece!r} not in the DOCX"


def test_the_pdf_is_a4_with_embedded_fonts_and_no_missing_glyph(world: World) -> None:
    from pypdf import PdfReader

    case = reviewed_case(world)
    # Characters off the beaten track: a rare surname, the brackets of a 文号, full-width digits.
    doc = issue(world, case, "inquiry_record")
    doc = Document.objects.get(pk=doc.pk)
    extra = do_create_document(case, type_code="inquiry_notice", actor=world.alice)
    extra = do_update_document(extra, fields={**sample_fields(extra.doc_type, prefilled=extra.fields),
                                              "contact": "龚䶮(电话 028-1234 5678)〔2026〕12号 ①②③ 鬱龘"},
                               actor=world.alice)
    extra = do_issue_document(extra, actor=world.alice)
    for pdf in (bytes(doc.pdf), bytes(extra.pdf)):
        reader = PdfReader(io.BytesIO(pdf))
        width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
        assert notdef_glyphs(pdf) == 0
    assert "龚䶮" in pdf_text(bytes(extra.pdf)) and "鬱龘" in pdf_text(bytes(extra.pdf))
    for page in PdfReader(io.BytesIO(bytes(extra.pdf))).pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            descendant = ref.get_object()["/DescendantFonts"][0].get_object()
            assert "/FontFile3" in descendant["/FontDescriptor"] or "/FontFile2" in descendant["/FontDescriptor"]


@pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("tesseract")),
                    reason="needs poppler-utils and tesseract-ocr-chi-sim (scripts/system-deps.sh)")
def test_a_rendered_page_image_shows_the_text(world: World, tmp_path: Path) -> None:
    case = reviewed_case(world)
    doc = issue(world, case, "rights_notice")
    (tmp_path / "doc.pdf").write_bytes(bytes(doc.pdf))
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(tmp_path / "doc.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    page = next(tmp_path.glob("page*.png"))
    ocr = subprocess.run(["tesseract", str(page), "-", "-l", "chi_sim"], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    seen = squeeze(ocr)
    # What the eye sees: the agency, the title, the addressee and a sentence of the body.
    for expected in ("测试区劳动保障监察大队", "权利告知书", "某某建筑劳务有限公司", "依法告知你"):
        assert expected in seen, f"{expected} not on the page image: {seen[:300]}"


def test_signatures_are_printed_and_the_case_prints_as_one_pdf(world: World) -> None:
    from pypdf import PdfReader

    case = reviewed_case(world)
    record = issue(world, case, "inquiry_record")
    do_sign_document(record, slot="officers", actor=world.alice)
    do_record_hand_signature(record, slot="interviewee", name="张三", image=handwriting_png(), actor=world.alice)
    notice = issue(world, case, "rights_notice")
    do_record_refusal(notice, slot="recipient", name="张三", reason="不认可告知内容", actor=world.alice)
    signed = current_pdf(record)
    assert signed != bytes(record.pdf)  # the issued PDF stays as hashed; the print carries the signatures
    text = squeeze(pdf_text(signed))
    assert squeeze(f"艾丽(登录签名,执法证号 {world.alice.cert_no})") in text
    assert "张三" in text
    assert b"/Subtype /Image" in signed or b"/Subtype/Image" in signed
    refused = squeeze(pdf_text(current_pdf(notice)))
    assert "张三拒绝签名。理由:不认可告知内容" in refused
    assert "被询问人" in squeeze(docx_text(render_docx(record)))

    batch = combined_pdf([record, notice])
    pages = PdfReader(io.BytesIO(batch)).pages
    assert len(pages) == len(PdfReader(io.BytesIO(signed)).pages) + len(PdfReader(io.BytesIO(current_pdf(notice))).pages)
    joined = squeeze(pdf_text(batch))
    assert "询问(调查)笔录" in joined and "权利告知书" in joined


def test_the_docx_names_the_east_asian_font(world: World) -> None:
    from docx import Document as Docx
    from docx.oxml.ns import qn

    doc = issue(world, reviewed_case(world), "penalty_decision")
    d = Docx(io.BytesIO(render_docx(doc)))
    fonts = d.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "Noto Serif CJK SC"
    assert d.sections[0].page_width.mm == pytest.approx(210, abs=0.5)
