"""The scale topology's entry points: `/healthz` for probes and load balancers, and `lawtrail serve
--topology scale` refusing an environment that is not the scale-out one (the topology itself is run
for real by `make run-scale` and bench/load.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client


@pytest.mark.django_db
def test_the_health_probe_answers_without_login_and_without_detail() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and set(body["checks"]) == {"database", "store", "queue"}
    assert set(body["checks"].values()) <= {"ok", "warning"}
    assert "/" not in response.content.decode()  # no path, no URL, no database name


def test_the_scale_topology_refuses_sqlite_and_a_local_store_naming_what_to_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LAWTRAIL_REDIS_URL", "LAWTRAIL_S3_BUCKET")}
    env["LAWTRAIL_DATA_DIR"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-m", "lawtrail", "serve", "--topology", "scale", "--port", "0"],
                         capture_output=True, text=True, env=env, timeout=180)
    assert out.returncode == 2, out.stderr
    for setting in ("DATABASE_URL", "LAWTRAIL_REDIS_URL", "LAWTRAIL_S3_BUCKET"):
        assert setting in out.stderr
    assert "make run-scale" in out.stderr
