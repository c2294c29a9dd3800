"""`lawtrail doctor`, the start-up self-check, and the refusal to print blank Chinese.

On a machine without a CJK face, WeasyPrint draws every Chinese character as an empty box and
only logs it. The doctor names the Debian package; `demo` and `serve` stop on it; issuing a
document whose text a face lacks is refused and the draft stays as it was.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from time_machine import TimeMachineFixture

from lawtrail.cli import main
from lawtrail.documents.models import Document
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, beijing, register_case

LAWTRAIL = [sys.executable, "-m", "lawtrail"]
# A character of CJK Extension B (a rare name character) that the Noto CJK SC faces lack.
RARE = "\U00020000"


def without_cjk_fonts(tmp_path: Path) -> dict[str, str]:
    """The environment of a machine whose fontconfig knows only DejaVu (Debian's default face, a
    dependency of fontconfig itself): no CJK face at all."""
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    f"<dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{tmp_path / 'fc-cache'}</cachedir>"
                    "</fontconfig>", encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "LAWTRAIL_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)  # its own embedded database
    return env


def test_it_reports_every_part_of_a_migrated_install(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    checks = {c["check"]: c for c in report["checks"]}
    assert report["ok"] is True
    assert set(checks) == {"database", "data_dir", "store", "font", "harfbuzz_subset", "signing_key", "queue",
                           "media", "sm3"}
    assert all(c["status"] != "error" for c in checks.values())
    assert "Noto" in checks["font"]["message"] and "剩余空间" in checks["data_dir"]["message"]
    # Nobody works the queue in a test: said as a warning with the command that fixes it.
    assert checks["queue"]["status"] == "warning" and "lawtrail worker" in checks["queue"]["fix"]


@pytest.mark.slow
def test_without_a_cjk_font_it_names_the_package_and_demo_stops(tmp_path: Path) -> None:
    env = without_cjk_fonts(tmp_path)
    demo = subprocess.run([*LAWTRAIL, "demo"], capture_output=True, text=True, env=env, timeout=300)
    assert demo.returncode == 1
    assert "fonts-noto-cjk" in demo.stderr and "自检未通过" in demo.stderr
    assert "已载入演示数据" not in demo.stdout

    doctor = subprocess.run([*LAWTRAIL, "doctor", "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert doctor.returncode == 1
    report = json.loads(doctor.stdout)
    font = next(c for c in report["checks"] if c["check"] == "font")
    assert report["ok"] is False and font["status"] == "error"
    assert "fonts-noto-cjk" in font["message"] and "「行」" in font["message"]
    # The migrated database and the rest are fine: only the font is named.
    assert [c["check"] for c in report["checks"] if c["status"] == "error"] == ["font"]


def test_a_document_a_face_cannot_print_is_refused_and_stays_a_draft(
        world: World, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    case = advance(world, register_case(world), to="investigating")
    alice = ApiClient(world.alice)
    from lawtrail.documents.catalogue import get_type
    from lawtrail.testing.documents import sample_fields

    doc = alice.post(f"/api/cases/{case.pk}/documents", {"type": "inquiry_record"}).body
    fields = sample_fields(get_type("inquiry_record"), prefilled=doc["fields"])
    fields["place"] = f"询问室{RARE}"
    alice.client.put(f"/api/documents/{doc['id']}/fields", {"fields": fields}, content_type="application/json",
                     headers=alice.headers)

    refused = alice.post(f"/api/documents/{doc['id']}/issue")
    assert (refused.status, refused.code) == (503, "document_font_missing")
    assert "U+20000" in refused.body["message"] and "fonts-noto-cjk" in refused.body["message"]
    assert refused.body["detail"] == {"characters": ["U+20000"]}
    stored = Document.objects.get(pk=doc["id"])
    assert (stored.status, stored.number, stored.pdf) == ("draft", "", None)

    fields["place"] = "询问室"
    alice.client.put(f"/api/documents/{doc['id']}/fields", {"fields": fields}, content_type="application/json",
                     headers=alice.headers)
    assert alice.post(f"/api/documents/{doc['id']}/issue").status == 200
