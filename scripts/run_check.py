"""The run path, as a user meets it, against a running `lawtrail serve` (scripts/run-check.sh).

Standard library only: it runs in the throw-away virtualenv made from requirements.lock alone.
Signs in through the login page as the demo officer, reads the OpenAPI document, drafts and issues
an 询问笔录 over the API, downloads the issued PDF and checks with poppler's pdftotext that the
Chinese text is there. Exits non-zero naming the step that failed.

    python scripts/run_check.py http://127.0.0.1:PORT OUT.pdf
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import json
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

OFFICER, PASSWORD = "zhangwei", "lawtrail2026"
PLACE = "名山区劳动保障监察大队第一询问室"


class Client:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def request(self, method: str, path: str, body: Any = None, *, form: bool = False) -> tuple[int, bytes, str]:
        headers = {"X-CSRFToken": self.csrf(), "Referer": self.base + "/"}
        data = None
        if body is not None and form:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=120) as r:
                return r.status, r.read(), r.geturl()
        except urllib.error.HTTPError as err:
            return err.code, err.read(), err.geturl()

    def json(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        status, raw, _ = self.request(method, path, body)
        if status != expect:
            fail(f"{method} {path}: {status} {raw[:500].decode(errors='replace')}")
        return json.loads(raw)


def fail(message: str) -> None:
    print(f"run check FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def value_for(spec: dict[str, Any], index: int) -> Any:
    """A plain value of the field's type (dates in order, so an end comes after its start)."""
    kind = spec.get("type", "text")
    moment = dt.datetime(2026, 4, 20, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))) + dt.timedelta(minutes=7 * index)
    return {
        "text": f"{spec['label']}{index}", "textarea": f"{spec['label']}:经询问,情况属实。",
        "date": moment.date().isoformat(), "datetime": moment.isoformat(), "amount": "1000.00", "integer": 1,
        "choice": (spec.get("options") or [""])[-1], "lines": [f"{spec['label']}一"],
        "table": [[f"{c}一" for c in spec.get("columns") or ["内容"]]],
    }[kind]


def main() -> None:
    base, out = sys.argv[1], sys.argv[2]
    c = Client(base)

    status, page, _ = c.request("GET", "/login/")
    if status != 200 or "登录".encode() not in page:
        fail(f"login page: {status}")
    status, _, where = c.request("POST", "/login/", {"username": OFFICER, "password": PASSWORD,
                                                      "csrfmiddlewaretoken": c.csrf()}, form=True)
    if status != 200 or where.rstrip("/").endswith("/login"):
        fail(f"sign-in as {OFFICER}: {status}, still at {where}")
    print(f"signed in as {OFFICER}")

    spec = c.json("GET", "/api/openapi.json")
    if not str(spec.get("openapi", "")).startswith("3.") or not spec.get("paths"):
        fail("/api/openapi.json is not an OpenAPI 3 document")
    print(f"/api/openapi.json: OpenAPI {spec['openapi']}, {len(spec['paths'])} paths")

    cases = c.json("GET", "/api/cases?stage=investigating")["items"]
    if not cases:
        fail(f"no case in 调查取证 visible to {OFFICER}")
    case = cases[0]
    doc_type = c.json("GET", "/api/document-types/inquiry_record")
    specs = {f["key"]: (i, f) for i, f in enumerate(doc_type["fields"])}
    doc = c.json("POST", f"/api/cases/{case['id']}/documents",
                 {"type": "inquiry_record", "fields": {"place": PLACE}}, expect=201)
    fields = {key: value_for(specs[key][1], specs[key][0]) for key in doc["missing_mandatory"]}
    for key, (index, f) in specs.items():  # times always given, so that their order holds
        if f.get("type") == "datetime" and key in doc["fields"]:
            fields[key] = value_for(f, index)
    doc = c.json("PUT", f"/api/documents/{doc['id']}/fields", {"fields": fields})
    if doc["missing_mandatory"]:
        fail(f"fields still missing: {doc['missing_mandatory']}")
    doc = c.json("POST", f"/api/documents/{doc['id']}/issue")
    print(f"issued {doc_type['name']} {doc['number'] or ''} on case {case['number']}".replace("  ", " "))

    status, pdf, _ = c.request("GET", f"/api/documents/{doc['id']}/issued-pdf")
    if status != 200 or not pdf.startswith(b"%PDF"):
        fail(f"issued PDF: {status}")
    with open(out, "wb") as f:
        f.write(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", out, "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = re.sub(r"\s+", "", text)
    wanted = [doc_type["name"], PLACE, case["number"], case["title"]] + ([doc["number"]] if doc["number"] else [])
    absent = [w for w in wanted if re.sub(r"\s+", "", w) not in flat]
    if absent:
        fail(f"the issued PDF lacks its Chinese text {absent}; pdftotext read: {text[:300]!r}")
    print(f"issued PDF ({len(pdf)} bytes) shows {', '.join(wanted)}")


if __name__ == "__main__":
    main()
