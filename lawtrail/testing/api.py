"""A JSON API client for tests, signed in as a persona through a real bearer token."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.test import Client

from lawtrail.accounts.actions import do_create_api_token
from lawtrail.accounts.models import User


@dataclass
class Reply:
    status: int
    body: Any

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None


class ApiClient:
    def __init__(self, user: User | None = None, *, token: str | None = None) -> None:
        self.client = Client()
        if user is not None and token is None:
            token = do_create_api_token(user, name="t", actor=None)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _reply(self, response: Any) -> Reply:
        content_type = response.get("Content-Type", "")
        body = json.loads(response.content) if content_type.startswith("application/json") else response.content
        return Reply(response.status_code, body)

    def get(self, path: str, **params: Any) -> Reply:
        return self._reply(self.client.get(path, params, headers=self.headers))

    def cursor_pages(self, path: str, **params: Any) -> list[Reply]:
        """Every page of a list, each asked for with the `next` cursor the one before it gave
        (`after=`), until a page gives none or is not a 200."""
        replies = [self.get(path, **params)]
        while replies[-1].status == 200 and replies[-1].body["next"] is not None:
            replies.append(self.get(path, **params, after=replies[-1].body["next"]))
        return replies

    def post(self, path: str, body: Any = None, *, raw: str | None = None) -> Reply:
        data = raw if raw is not None else json.dumps(body if body is not None else {}, default=str)
        return self._reply(self.client.post(path, data, content_type="application/json", headers=self.headers))
