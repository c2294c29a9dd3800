"""Logging filters named by settings.LOGGING."""

from __future__ import annotations

import logging


class ClientErrorsBrief(logging.Filter):
    """A refused or missing page (4xx) is the visitor's business, not a fault of the server: one
    line, without the traceback Django attaches for PermissionDenied and Http404. Server errors
    (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
