"""pytest plugin (`-p lawtrail.testing.workers`, in pyproject's addopts): with pytest-xdist,
each worker gets a data directory of its own under LAWTRAIL_DATA_DIR (gw0, gw1, …).

The suite runs one worker per core (`make pytest`). Workers must not share the data
directory: the ledger's signing key, the evidence store, staging and the job queue's SQLite
file live there, and a test that creates, rotates or removes one would change another
worker's. The test databases are already per worker (pytest-django names them
test_…_gw0, …). This module runs when pytest loads its plugins, before pytest-django
imports the settings, which read LAWTRAIL_DATA_DIR once.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker:
    _base = Path(os.environ.get("LAWTRAIL_DATA_DIR") or Path.cwd() / "var")
    os.environ["LAWTRAIL_DATA_DIR"] = str(_base / _worker)


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup` that works: the tests of a module marked `xdist_group("name")` go to one
    worker together (so a module-scoped fixture, such as the demo loaded once in
    lawtrail/testing/shared_demo.py, is built once); every other test is scheduled on its own, as
    with `--dist load`.

    pytest-xdist 3.8 marks a grouped test by renaming its node id, which pytest 9's structured node
    ids no longer allow: the groups are silently ignored (pytest-xdist issue 1386). The scheduler
    runs in the controlling process, which sees only node ids, so the group is read from the
    module's own source, where the mark is declared (module-wide `pytestmark`)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

    root = config.rootpath
    groups: dict[str, str | None] = {}

    def group_of(module: str) -> str | None:
        if module not in groups:
            try:
                source = (root / module).read_text(encoding="utf-8")
            except OSError:
                source = ""
            found = _GROUP.search(source)
            groups[module] = found.group(1) if found else None
        return groups[module]

    class DeclaredGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid.split("::", 1)[0]) or nodeid

    return DeclaredGroups(config, log)


_GROUP = re.compile(r"""pytest\.mark\.xdist_group\(\s*(?:name\s*=\s*)?["']([^"']+)["']""")
