"""Domain errors: a stable code for machines, a Chinese message for people.

The UI shows `message`, the API answers `{"code", "message", "detail"}` with `status`,
the CLI prints the message and exits non-zero.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.detail}


class InvalidInput(DomainError):
    """The input breaks a rule of form (an ID number's checksum, a missing field)."""

    status = 422


class Forbidden(DomainError):
    """The actor may see the object but holds no role that allows this action."""

    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The object's state does not allow the action (an illegal transition, a missing approval)."""

    status = 409
