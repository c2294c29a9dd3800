from __future__ import annotations

from typing import Any

from django.http import HttpRequest

import lawtrail


def lawtrail_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    agency = getattr(user, "agency", None) if user.is_authenticated else None
    return {"lawtrail_version": lawtrail.__version__, "current_agency": agency}


