"""Bounds on the work one request may make a server do: how many PDFs are drawn at once in this
process, and how often one user may start an expensive export.

Drawing a 文书 with WeasyPrint holds its whole layout in memory (tens of MB for a page of CJK text,
hundreds for a long case), so eight batch prints at once once took a server to 2.1 GB. A
process-wide semaphore lets LAWTRAIL_RENDER_CONCURRENCY renders run and makes the others wait
(up to LAWTRAIL_RENDER_WAIT_SECONDS, then a "busy" refusal): memory is bounded by the number of
slots, not by the number of callers.

The rate limit counts in Django's cache, which must be shared by every server process (the
database cache by default, Redis at scale; settings.CACHES): LAWTRAIL_RATE_LIMIT_EXPENSIVE starts
per user per LAWTRAIL_RATE_LIMIT_WINDOW seconds, per kind of export.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from lawtrail.lib.errors import DomainError


class Busy(DomainError):
    """Every render slot stayed taken for the whole wait: try again shortly."""

    status = 503


class RateLimited(DomainError):
    """Too many expensive requests by one user within the window; detail.retry_after says when to retry."""

    status = 429


_M_ARENA_MAX = -8  # glibc's mallopt parameter


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None  # glibc only


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Call before a server starts its threads. glibc gives each thread that allocates at once an
    arena of its own (up to 8 per core) and keeps what a render freed in it: with eight server
    threads taking turns at the render slots, each arena grows to a render's size in its turn, and
    the bound on slots would not bound memory."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, arenas)


def _give_back_memory() -> None:
    # After a render: the layout's freed memory back to the system, not kept for the next one.
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None
_slots_size = 0
_held = threading.local()


def _semaphore() -> threading.BoundedSemaphore:
    global _slots, _slots_size
    size = max(1, int(settings.RENDER_CONCURRENCY))
    with _lock:
        # Rebuilt only when the setting changes (a test overriding it); never while in use otherwise.
        if _slots is None or _slots_size != size:
            _slots, _slots_size = threading.BoundedSemaphore(size), size
        return _slots


@contextmanager
def render_slot() -> Iterator[None]:
    """Hold one of the process's render slots. Re-entrant within a thread: a batch print holds a
    slot and renders each of its documents inside it without asking for a second one."""
    depth = getattr(_held, "depth", 0)
    if depth:
        _held.depth = depth + 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    slots = _semaphore()
    wait = float(settings.RENDER_WAIT_SECONDS)
    if not slots.acquire(timeout=wait):
        raise Busy("render_busy", f"正在生成的文书较多,{wait:.0f} 秒内未能开始,请稍后重试",
                   {"retry_after": 10})
    _held.depth = 1
    try:
        yield
    finally:
        _held.depth = 0
        slots.release()
        _give_back_memory()


def spend(who: str, kind: str, label: str) -> None:
    """Count one start of an expensive `kind` by `who`; RateLimited when over the limit of the window."""
    from django.core.cache import cache

    limit = int(settings.RATE_LIMIT_EXPENSIVE)
    window = max(1, int(settings.RATE_LIMIT_WINDOW))
    if limit <= 0:
        return
    now = time.time()
    slot = int(now // window)
    key = f"lawtrail:rate:{kind}:{who}:{slot}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 5)
        count = 1
    if count > limit:
        retry = max(1, int((slot + 1) * window - now) + 1)
        raise RateLimited("rate_limited",
                          f"{label}过于频繁:每 {window} 秒最多 {limit} 次,请 {retry} 秒后再试",
                          {"retry_after": retry, "limit": limit, "window": window})
