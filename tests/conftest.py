from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings

from lawtrail.testing.personas import World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def fast_hashing(settings: Settings) -> None:
    """Cheap password hashing, for tests that build worlds but never test passwords (Argon2 costs ~0.1 s a user)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
