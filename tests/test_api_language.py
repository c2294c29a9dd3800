"""The API speaks Chinese to people: JSON as UTF-8 text, validation messages in Chinese, with the
stable English codes only where machines read them (`code`, `type`)."""

from __future__ import annotations

import re

from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World


def test_replies_are_utf8_text_not_escapes(world: World) -> None:
    api = ApiClient(world.alice)
    raw = api.client.get("/api/cases", headers=api.headers)
    assert raw["Content-Type"].startswith("application/json")
    body = raw.content.decode("utf-8")
    assert "\\u" not in body
    missing = api.client.get("/api/cases/999999", headers=api.headers).content.decode("utf-8")
    assert ("案件" in missing or "不存在" in missing) and "\\u" not in missing


def test_validation_errors_say_what_is_wrong_in_chinese(world: World) -> None:
    api = ApiClient(world.alice)
    reply = api.post("/api/parties", {"kind": "person", "name": "x" * 201})
    assert (reply.status, reply.code) == (422, "invalid_input")
    assert reply.body["message"] == "请求参数无效:name 不能超过 200 个字符"
    assert reply.body["detail"]["errors"] == [{"loc": ["body", "name"], "msg": "不能超过 200 个字符",
                                               "type": "string_too_long"}]

    reply = api.post("/api/parties", {"kind": "robot", "name": "张三"})
    assert reply.status == 422
    (error,) = reply.body["detail"]["errors"]
    assert error["msg"].startswith("应为以下取值之一") and error["type"] in ("enum", "literal_error")

    reply = api.get("/api/cases", limit="many")
    assert reply.status == 422
    # Outside the field names and the stable codes, no English word reaches a person.
    words = re.findall(r"[A-Za-z]{3,}", reply.body["message"].replace("limit", ""))
    assert words == [] and reply.body["detail"]["errors"][0]["msg"] == "应为整数"
