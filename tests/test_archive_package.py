"""The archive package (归档包): an archived case exported as a BagIt ZIP that verifies offline,
and tampered copies that are rejected with the failed check named."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pytest_django.fixtures import Settings
from time_machine import TimeMachineFixture

from lawtrail.archive.actions import do_assemble_case_file, do_bind_case_file, do_export_package
from lawtrail.archive.models import CaseFile, PackageExport
from lawtrail.events.models import DomainEvent
from lawtrail.ledger import keys
from lawtrail.lib.errors import Conflict, Forbidden
from lawtrail.packagecheck.check import verify_package
from lawtrail.testing.archive import closed_case
from lawtrail.testing.evidence import use_fresh_vault
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import beijing
from lawtrail.verifier.checkpoint import public_key_text

pytestmark = pytest.mark.usefixtures("ledger")


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(beijing(2026, 4, 20, 9, 30), tick=False)
    return time_machine


@pytest.fixture
def vault(settings: Settings, tmp_path: Path) -> Path:
    return use_fresh_vault(settings, tmp_path / "vault")


@pytest.fixture
def bound(world: World, vault: Path, tmp_path: Path) -> CaseFile:
    case, _doc, _clip = closed_case(world, tmp_path)
    return do_bind_case_file(do_assemble_case_file(case, actor=world.alice), actor=world.archie)


@pytest.fixture
def exported(bound: CaseFile, world: World, tmp_path: Path) -> Path:
    out = tmp_path / "package.zip"
    do_export_package(bound, out=out, actor=world.archie)
    return out


def public_key() -> str:
    key = keys.load_public_key()
    assert key is not None
    return public_key_text(key)


def offline(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The checker in a fresh interpreter where Django cannot even be imported."""
    code = ("import sys; sys.modules['django'] = None; from lawtrail.packagecheck.__main__ import main; "
            f"raise SystemExit(main({list(args)!r}))")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def failed(path: Path) -> set[str]:
    report = verify_package(path, keys.load_public_key())
    return {c.code for c in report.failed}


def unpack(package: Path, where: Path) -> Path:
    with zipfile.ZipFile(package) as zf:
        zf.extractall(where)
    (root,) = list(where.iterdir())
    return root


def rewrite_zip(package: Path, out: Path, change: Any) -> Path:
    """A copy of the ZIP with `change(name, data) -> bytes | None` applied (None drops the member)."""
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info, data)
    return out


def test_an_archived_case_exports_a_package_that_verifies_offline(
        bound: CaseFile, world: World, tmp_path: Path) -> None:
    out = tmp_path / "package.zip"
    mark = DomainEvent.objects.order_by("-id").values_list("id", flat=True).first()
    row = do_export_package(bound, out=out, actor=world.archie)
    # The export, then its line in the access register (调用登记): a package taken away is a download.
    assert [e.action for e in DomainEvent.objects.filter(id__gt=mark or 0)] == ["package.export", "access.download"]
    assert PackageExport.objects.get().sha256 == row.sha256 and row.size == out.stat().st_size
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        meta = json.loads(zf.read(f"{bound.archive_no}/data/metadata/metadata.json"))
        info = zf.read(f"{bound.archive_no}/bag-info.txt").decode()
    no = bound.archive_no
    assert {f"{no}/bagit.txt", f"{no}/manifest-sha256.txt", f"{no}/tagmanifest-sm3.txt", f"{no}/tagmanifest-sha256.txt",
            f"{no}/data/index.html", f"{no}/data/case-file/{no}.pdf", f"{no}/data/ledger/checkpoint.json"} <= names
    # In the profile's order (case_file_order): 立案审批表, the inquiry record, its recording, then the
    # documents the later steps issued (调查终结报告, 报批表, 决定书, 送达回证, 结案审批表).
    assert [i["kind"] for i in meta["items"]] == ["document"] * 2 + ["media"] + ["document"] * 5
    assert meta["archive_no"] == no
    assert f"Archive-Number: {no}" in info and f"Payload-Oxum: {row.payload_oxum}" in info

    result = offline(str(out), "--json", "--public-key", public_key(), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["kind"] == "lawtrail" and report["ok"] and not report["notes"]
    assert set(report["properties"]) == {"authenticity", "integrity", "usability", "security"}
    codes = {c["code"] for p in report["properties"].values() for c in p["checks"]}
    assert {"lawtrail.ledger_proofs", "lawtrail.ledger_anchors", "lawtrail.history", "lawtrail.formats",
            "lawtrail.sequence", "lawtrail.executable", "bagit.oxum"} <= codes
    # The unpacked directory verifies as well; without a pinned key the report says what that means.
    root = unpack(out, tmp_path / "unpacked")
    result = offline(str(root), cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "全部核验通过" in result.stdout and "使用归档包内附带的公钥" in result.stdout


def test_a_changed_byte_is_caught_and_named(exported: Path, tmp_path: Path) -> None:
    def flip(name: str, data: bytes) -> bytes:
        if "/data/media/" in name:
            return data[:100] + bytes([data[100] ^ 1]) + data[101:]
        return data

    assert failed(rewrite_zip(exported, tmp_path / "flipped.zip", flip)) == {
        "bagit.payload_digests", "lawtrail.file_facts"}
    result = offline(str(tmp_path / "flipped.zip"), cwd=tmp_path)
    assert result.returncode == 1 and "载荷文件摘要(bagit.payload_digests)" in result.stdout.splitlines()[-1]


def test_a_removed_file_is_caught_and_named(exported: Path, tmp_path: Path) -> None:
    root = unpack(exported, tmp_path / "u")
    next((root / "data" / "documents").iterdir()).unlink()
    assert {"bagit.complete", "bagit.oxum", "lawtrail.file_facts"} <= failed(root)


def _rewrite_manifests(root: Path) -> None:
    """What a forger does to make the bag consistent again: new digests, new Oxum, new tag manifests."""
    payload = sorted(p for p in (root / "data").rglob("*") if p.is_file())
    (root / "manifest-sha256.txt").write_text("".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(root).as_posix()}\n" for p in payload))
    info = root / "bag-info.txt"
    oxum = f"Payload-Oxum: {sum(p.stat().st_size for p in payload)}.{len(payload)}"
    info.write_text("".join((oxum if line.startswith("Payload-Oxum") else line) + "\n"
                            for line in info.read_text().splitlines()))
    for algorithm in ("sha256", "sm3"):
        (root / f"tagmanifest-{algorithm}.txt").write_text("".join(
            f"{hashlib.new(algorithm, (root / n).read_bytes()).hexdigest()}  {n}\n"
            for n in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt")))


def test_a_forged_manifest_is_caught_by_the_tag_manifests_and_by_the_signed_ledger(
        exported: Path, tmp_path: Path) -> None:
    root = unpack(exported, tmp_path / "u")
    target = next((root / "data" / "documents").iterdir())
    forged = target.read_bytes().replace(b"%%EOF", b"%%EOF\n% forged", 1)
    target.write_bytes(forged)
    rel = target.relative_to(root).as_posix()
    manifest = root / "manifest-sha256.txt"
    manifest.write_text("".join((f"{hashlib.sha256(forged).hexdigest()}  {rel}" if line.endswith(rel) else line) + "\n"
                                for line in manifest.read_text().splitlines()))
    # The manifest matches the changed file; the tag manifests no longer match the manifest.
    assert "bagit.payload_digests" not in failed(root)
    assert "bagit.tag_digests" in failed(root)

    # A forger who also rewrites the metadata and every manifest is left with what the agency
    # signed: the ledger recorded another hash for that document.
    meta_path = root / "data" / "metadata" / "metadata.json"
    meta = json.loads(meta_path.read_text())
    for item in meta["items"]:
        if item["path"] == rel:
            item["sha256"], item["size"] = hashlib.sha256(forged).hexdigest(), len(forged)
    meta_path.write_text(json.dumps(meta, ensure_ascii=False))
    _rewrite_manifests(root)
    assert failed(root) == {"lawtrail.ledger_anchors"}
    result = offline(str(root), "--public-key", public_key(), cwd=tmp_path)
    assert result.returncode == 1 and "与账本记录" in result.stdout and "lawtrail.ledger_anchors" in result.stdout


def test_a_package_with_a_stray_executable_or_a_link_fails_security(exported: Path, tmp_path: Path) -> None:
    root = unpack(exported, tmp_path / "u")
    (root / "run.sh").write_text("#!/bin/sh\nrm -rf /\n")
    os.symlink("/etc/passwd", root / "data" / "passwd")
    assert {"lawtrail.outside", "lawtrail.executable", "bagit.paths"} <= failed(root)
    # In the ZIP: an entry beside the bag's directory, and one that climbs out of it.
    stray = tmp_path / "stray.zip"
    shutil.copy(exported, stray)
    with zipfile.ZipFile(stray, "a") as zf:
        zf.writestr("autorun.exe", b"MZ\x90\x00")
        zf.writestr("../../etc/cron.d/x", b"* * * * * root true\n")
    report = verify_package(stray, keys.load_public_key())
    assert {c.code for c in report.failed} == {"bagit.paths"}
    assert "autorun.exe" in report.failed[0].detail and "../../etc/cron.d/x" in report.failed[0].detail


def test_only_bound_case_files_are_exported_and_only_by_archivists_reviewers_and_heads(
        world: World, vault: Path, tmp_path: Path) -> None:
    case, _doc, _clip = closed_case(world, tmp_path, clip=False)
    case_file = do_assemble_case_file(case, actor=world.alice)
    with pytest.raises(Conflict) as err:
        do_export_package(case_file, out=tmp_path / "early.zip", actor=world.archie)
    assert err.value.code == "case_file_not_bound" and not (tmp_path / "early.zip").exists()
    case_file = do_bind_case_file(case_file, actor=world.archie)
    for refused in (world.alice, world.bob, world.andy, world.sam):
        with pytest.raises(Forbidden) as forbidden:
            do_export_package(case_file, out=tmp_path / "no.zip", actor=refused)
        assert forbidden.value.code in ("not_allowed_to_export", "other_agency")
    assert not (tmp_path / "no.zip").exists()
    assert DomainEvent.objects.filter(action="package.export", outcome="refused").count() == 5
    for allowed in (world.hank, world.lena):
        do_export_package(case_file, out=tmp_path / f"{allowed.username}.zip", actor=allowed)
    assert PackageExport.objects.count() == 2


@pytest.mark.parametrize("bag", sorted(
    str(p.relative_to(Path(__file__).parent / "data" / "bagit-conformance"))
    for p in (Path(__file__).parent / "data" / "bagit-conformance").glob("v*/*/*") if p.is_dir()))
def test_the_checker_agrees_with_the_library_of_congress_conformance_bags(bag: str) -> None:
    report = verify_package(Path(__file__).parent / "data" / "bagit-conformance" / bag)
    assert report.kind == "bagit"
    # valid/ must pass; invalid/ and the out-of-scope paths of linux-only/ must fail.
    assert report.ok == ("/valid/" in f"/{bag}/"), "\n".join(report.lines())
