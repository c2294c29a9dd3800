"""`GET /healthz`: is this web process able to serve? For load balancers and the scale topology.

No login (a health probe has none) and no detail an outsider could use: each check says only
`ok`, `warning` or `error`; `lawtrail doctor` on the machine tells the why.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 — any failure is this check's answer
        return "error"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    from lawtrail.doctor import check_evidence_store, check_queue

    checks = {"database": _database()}
    for name, finding in (("store", check_evidence_store), ("queue", lambda: check_queue(expect_worker=True))):
        try:
            checks[name] = finding().status
        except Exception:  # noqa: BLE001 — as above
            checks[name] = "error"
    ok = all(v != "error" for v in checks.values())
    return JsonResponse({"ok": ok, "checks": checks}, status=200 if ok else 503)
