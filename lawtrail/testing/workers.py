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
from pathlib import Path

_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker:
    _base = Path(os.environ.get("LAWTRAIL_DATA_DIR") or Path.cwd() / "var")
    os.environ["LAWTRAIL_DATA_DIR"] = str(_base / _worker)
