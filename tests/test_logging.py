"""What the server log says: a refused or missing page is one line, never a traceback."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from lawtrail.testing.personas import World


def test_a_403_and_a_404_are_one_line_each(world: World, caplog: pytest.LogCaptureFixture) -> None:
    client = Client()
    client.force_login(world.alice)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/compliance/").status_code == 403  # an officer may not see the agency's findings
        assert client.get("/cases/999999/").status_code == 404
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [(r.status_code, r.exc_info) for r in records] == [(403, None), (404, None)]  # type: ignore[attr-defined]
    assert "/compliance/" in records[0].getMessage() and "/cases/999999/" in records[1].getMessage()
