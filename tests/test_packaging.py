"""What `make run`'s run check installs is the package, not the checkout: every file LawTrail reads
at run time (templates, static files, profiles, regulation texts, catalogues) must be in it. A
missing pattern in pyproject.toml's package-data passes every test of the checkout and fails a
real installation."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def test_the_wheel_holds_every_file_of_the_package(tmp_path: Path) -> None:
    tracked = subprocess.run(["git", "ls-files", "lawtrail"], cwd=ROOT, capture_output=True, text=True, check=True)
    files = tracked.stdout.split()
    wanted = {f for f in files if not f.endswith(".py")}
    assert wanted, "git ls-files found no data files"
    # Built from a copy of the tracked files as they are now: an in-place build would reuse
    # setuptools' build/ folder, whose stale copies would hide a missing pattern.
    source = tmp_path / "source"
    for name in [*files, "pyproject.toml", "README.md"]:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=300)
    [wheel] = tmp_path.glob("lawtrail-*.whl")
    packed = set(zipfile.ZipFile(wheel).namelist())
    assert sorted(wanted - packed) == []
