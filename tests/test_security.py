"""Login throttling, sessions, CSRF and security headers."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from lawtrail.accounts.models import LoginFailure
from lawtrail.events.models import DomainEvent
from lawtrail.testing.personas import PASSWORD, World


@pytest.mark.argon2
def test_it_hashes_passwords_with_argon2(world: World, client: Client) -> None:
    assert world.alice.password.startswith("argon2")
    assert client.post("/login/", {"username": world.alice.username, "password": PASSWORD}).status_code == 302


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


def test_it_locks_out_an_address_guessing_across_user_names(world: World, client: Client, settings: Any) -> None:
    settings.LOGIN_FAILURE_IP_LIMIT = 3
    for name in ("nobody", "admin", world.andy.username):  # one guess each: no user name is locked
        assert client.post("/login/", {"username": name, "password": "wrong"}).status_code == 400
    r = client.post("/login/", {"username": world.alice.username, "password": PASSWORD})
    assert r.status_code == 429 and "本机(地址 127.0.0.1)登录失败次数过多" in r.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not affected, and a sign-in does not wipe the address's count.
    elsewhere = Client(REMOTE_ADDR="10.20.30.40")
    assert elsewhere.post("/login/", {"username": world.alice.username, "password": PASSWORD}).status_code == 302
    assert client.post("/login/", {"username": world.bob.username, "password": PASSWORD}).status_code == 429
    settings.LOGIN_FAILURE_IP_LIMIT = 0  # 0: no limit per address
    assert client.post("/login/", {"username": world.alice.username, "password": PASSWORD}).status_code == 302


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.parametrize("trusted", [True, False], ids=["behind-a-trusted-proxy", "no-proxy-configured"])
def test_serve_records_the_client_address_a_trusted_proxy_forwards_and_only_then(
        tmp_path: Path, trusted: bool) -> None:
    port = _free_port()
    env = {**os.environ, "LAWTRAIL_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # the server owns an embedded database of its own
    if trusted:
        env["LAWTRAIL_TRUSTED_PROXY"] = "127.0.0.1"
    server = subprocess.Popen([sys.executable, "-m", "lawtrail", "serve", "--no-worker", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "lawtrail serve did not start"
                time.sleep(0.2)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{base}/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "username": "zhang",
                                       "password": "wrong"}).encode()
        request = urllib.request.Request(f"{base}/login/", data=form, headers={"X-Forwarded-For": "203.0.113.7"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open(request)
        assert refused.value.code == 400
    finally:
        server.terminate()
        server.wait(timeout=30)
    with sqlite3.connect(tmp_path / "lawtrail.sqlite3") as db:
        found = db.execute("SELECT client_ip FROM events_domainevent WHERE action = 'auth.login_failed'").fetchall()
        failures = db.execute("SELECT client_ip FROM accounts_loginfailure").fetchall()
    expected = "203.0.113.7" if trusted else "127.0.0.1"  # unconfigured, the header is anyone's to write
    assert found == [(expected,)] and failures == [(expected,)]
