"""Faults of the machine, not of the input: a full disk, a read-only data directory.

They surface as an OSError (ENOSPC, EDQUOT, EROFS) from a file write, or as a database error
("database or disk is full", "attempt to write a readonly database" on SQLite; SQLSTATE 53100
disk_full and 25006 read_only_sql_transaction on PostgreSQL). Each becomes a `StorageFault`, a
domain error with a stable code and a Chinese message that names no server path: the API answers
it as JSON, a page as a Chinese error page, the CLI per file.
"""

from __future__ import annotations

import errno

from lawtrail.lib.errors import DomainError

FULL = ("storage_full", "服务器存储空间已满,本次操作未保存,已写入的部分已清除。请联系系统管理员清理或扩容后重试")
READ_ONLY = ("storage_read_only", "服务器数据目录处于只读状态,本次操作未保存。请联系系统管理员检查存储后重试")

_ERRNOS = {errno.ENOSPC: FULL, errno.EDQUOT: FULL, errno.EROFS: READ_ONLY}
# SQLite names its faults only in the message.
_DB_TEXT = (("database or disk is full", FULL), ("attempt to write a readonly database", READ_ONLY))
_SQLSTATES = {"53100": FULL, "25006": READ_ONLY}


class StorageFault(DomainError):
    """The server could not write: nothing of the operation was kept."""

    status = 507


def storage_fault(exc: BaseException | None) -> StorageFault | None:
    """The storage fault behind `exc` (followed through its causes), or None when it is another error."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, StorageFault):
            return exc
        kind = None
        if isinstance(exc, OSError) and exc.errno in _ERRNOS:
            kind = _ERRNOS[exc.errno]
        elif type(exc).__name__ in ("OperationalError", "DiskFull", "ReadOnlySqlTransaction", "InternalError"):
            state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
            if state in _SQLSTATES:
                kind = _SQLSTATES[state]
            else:
                text = str(exc).lower()
                kind = next((k for needle, k in _DB_TEXT if needle in text), None)
        if kind is not None:
            fault = StorageFault(*kind)
            fault.__cause__ = exc
            return fault
        exc = exc.__cause__ or exc.__context__
    return None
