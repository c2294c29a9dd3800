"""`lawtrail documents types` and `lawtrail documents render`: the catalogue for scripts, a
document to a file, and bad input told in Chinese with a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lawtrail.cli import main
from lawtrail.documents.actions import do_create_document, do_issue_document, do_update_document
from lawtrail.documents.catalogue import catalogue, get_type
from lawtrail.testing.documents import pdf_text, sample_fields, squeeze
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, register_case


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LAWTRAIL_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "lawtrail", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_importing_the_commands_needs_no_django() -> None:
    code = "import sys, lawtrail.documents.cli; print(any(m == 'django.db' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_it_lists_the_catalogue_as_text_and_json(tmp_path: Path) -> None:
    text = run(tmp_path, "documents", "types")
    assert text.returncode == 0, text.stderr
    assert "inquiry_record" in text.stdout and "询问(调查)笔录" in text.stdout and "必填:" in text.stdout
    listed = run(tmp_path, "documents", "types", "--json")
    rows = json.loads(listed.stdout)
    assert len(rows) == len(catalogue())
    inquiry = next(r for r in rows if r["code"] == "inquiry_record")
    assert inquiry["stage"] == "investigation" and "ended_at" in inquiry["mandatory"]
    assert [s["role"] for s in inquiry["signers"]] == ["officer", "party", "witness"]


def test_bad_input_is_told_in_chinese(tmp_path: Path) -> None:
    out = run(tmp_path, "documents", "render", "abc", "-o", str(tmp_path / "x.pdf"))
    assert out.returncode == 2 and "文书编号应为数字" in out.stderr
    out = run(tmp_path, "documents", "render", "1", "--format", "xls", "-o", str(tmp_path / "x.pdf"))
    assert out.returncode == 2 and "无效的选项" in out.stderr
    out = run(tmp_path, "documents", "render", "1")
    assert out.returncode == 2 and "缺少参数" in out.stderr and "Traceback" not in out.stderr


def test_it_renders_a_document_to_pdf_and_docx(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = advance(world, register_case(world), to="investigating")
    doc = do_create_document(case, type_code="rights_notice", actor=world.alice)
    doc = do_update_document(doc, fields=sample_fields(get_type("rights_notice"), prefilled=doc.fields),
                             actor=world.alice)
    doc = do_issue_document(doc, actor=world.alice)
    assert main(["documents", "render", str(doc.pk), "--format", "pdf", "-o", str(tmp_path / "a.pdf")]) == 0
    assert (tmp_path / "a.pdf").read_bytes() == bytes(doc.pdf)
    assert "权利告知书" in squeeze(pdf_text((tmp_path / "a.pdf").read_bytes()))
    assert main(["documents", "render", str(doc.pk), "--format", "docx", "-o", str(tmp_path / "a.docx")]) == 0
    assert (tmp_path / "a.docx").read_bytes().startswith(b"PK")
    assert main(["documents", "render", "999999", "-o", str(tmp_path / "b.pdf")]) == 2
    assert "文书 999999 不存在" in capsys.readouterr().err
