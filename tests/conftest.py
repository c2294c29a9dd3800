from __future__ import annotations

import pytest

from lawtrail.testing.personas import World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world()
