"""Login throttling, sessions, CSRF and security headers."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from lawtrail.accounts.models import LoginFailure
from lawtrail.events.models import DomainEvent
from lawtrail.testing.personas import PASSWORD, World


def test_it_hashes_passwords_with_argon2(world: World) -> None:
    assert world.alice.password.startswith("argon2")


def test_it_locks_a_user_name_after_repeated_failures(world: World, client: Client) -> None:
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        r = client.post("/login/", {"username": world.alice.username, "password": "wrong"})
        assert r.status_code == 400
        assert "用户名或密码错误" in r.content.decode()
    # Even the right password is refused now, and says why.
    r = client.post("/login/", {"username": world.alice.username, "password": PASSWORD})
    assert r.status_code == 429
    assert "锁定" in r.content.decode()
    assert "_auth_user_id" not in client.session
    assert DomainEvent.objects.filter(action="auth.login_failed", object_id=world.alice.username).count() == 5


def test_it_clears_failures_on_a_successful_login(world: World, client: Client) -> None:
    client.post("/login/", {"username": world.alice.username, "password": "wrong"})
    r = client.post("/login/", {"username": world.alice.username, "password": PASSWORD})
    assert r.status_code == 302
    assert not LoginFailure.objects.filter(username=world.alice.username).exists()


def test_it_ends_sessions(world: World) -> None:
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_it_requires_csrf_on_forms(world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.alice)
    r = browser.post("/parties/new/", {"kind": "person", "name": "王五", "id_number": "x"})
    assert r.status_code == 403


def test_it_sends_security_headers(world: World, client: Client) -> None:
    r = client.get("/login/")
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/", "/cases/", "/complaints/", "/inspections/", "/parties/"])
def test_it_sends_strangers_to_the_login_page(db: None, client: Client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 302 and r["Location"].startswith("/login/")
