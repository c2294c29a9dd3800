"""The runtime lock is what `make run` installs on a fresh machine, alone: every dependency the
project declares must be pinned there, and where the two locks share a package they pin one version.
(`.ci/run` also installs requirements.lock alone in a fresh virtualenv and runs `pip check`, which
finds a missing transitive dependency.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0]).lower()


def pins(lock: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (ROOT / lock).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert "==" in line, f"{lock}: {line!r} is not pinned to one version"
            name, version = line.split("==", 1)
            out[_name(name)] = version.strip()
    return out


def test_every_runtime_dependency_is_pinned_in_the_runtime_lock() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    runtime = pins("requirements.lock")
    assert sorted(_name(d) for d in declared if _name(d) not in runtime) == []


def test_the_two_locks_pin_the_same_version_of_every_package_they_share() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {n: (v, dev[n]) for n, v in runtime.items() if n in dev and dev[n] != v} == {}
    # Everything the product runs with is tested with: the dev lock is the runtime lock and more.
    assert sorted(set(runtime) - set(dev)) == []
