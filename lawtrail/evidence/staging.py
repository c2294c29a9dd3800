"""One pass over an incoming file: SHA-256 and SM3 computed while the bytes go to a temp file.

Memory stays flat whatever the size: chunks of 1 MiB, at most a few of them in flight. SM3
(≈ 0.5 GB/s in OpenSSL) runs in a thread of its own, SHA-256 (with the CPU's SHA
instructions, ≈ 2 GB/s) and the write in the caller's thread; hashlib releases the GIL on
large updates, so the two hashes use two cores and ingest runs at the speed of the slower
hash. Needs no Django: the CLI's workers, the upload endpoint and the benchmark share it.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import mmap
import os
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

CHUNK = 1 << 20
# Chunks queued for the SM3 thread: bounds memory at CHUNK × IN_FLIGHT.
IN_FLIGHT = 16
# Start writing dirty pages back every this many bytes, so the final fsync has little left.
WRITEBACK_EVERY = 32 << 20
PREFIX = "ingest-"
# A staged file named without its writer's pid (older releases) is abandoned after this long.
LEGACY_AGE_SECONDS = 24 * 3600


class Sm3Unavailable(RuntimeError):
    pass


def new_sm3() -> Any:
    try:
        return hashlib.new("sm3")
    except ValueError:
        # A FIPS-restricted OpenSSL may lack SM3; evidence without its national hash is refused.
        raise Sm3Unavailable("本机 OpenSSL 不支持 SM3 杂凑算法,无法入库(需要 OpenSSL 1.1.1 或以上,且未启用 FIPS 限制)")


def check_sm3() -> None:
    new_sm3()


@dataclass(frozen=True)
class Staged:
    """A file written to the staging area, with its size and both digests."""

    path: Path
    size: int
    sha256: str
    sm3: str


class Digests:
    """SHA-256 and SM3 of a stream fed in pieces (resumable uploads)."""

    def __init__(self) -> None:
        self.sha256 = hashlib.sha256()
        self.sm3 = new_sm3()
        self.size = 0

    def update(self, data: bytes) -> None:
        self.sha256.update(data)
        self.sm3.update(data)
        self.size += len(data)

    def copy(self) -> Digests:
        other = Digests.__new__(Digests)
        other.sha256, other.sm3, other.size = self.sha256.copy(), self.sm3.copy(), self.size
        return other

    @classmethod
    def of_file(cls, path: Path, length: int) -> Digests:
        """The digests of the first `length` bytes of a file (to resume after a restart)."""
        d = cls()
        with path.open("rb") as f:
            remaining = length
            while remaining > 0:
                data = f.read(min(CHUNK, remaining))
                if not data:
                    raise ValueError(f"{path} is shorter than {length} bytes")
                d.update(data)
                remaining -= len(data)
        return d


def _start_writeback(fd: int, start: int, length: int) -> None:
    # On Linux, DONTNEED starts asynchronous writeback of the range's dirty pages (and
    # drops clean ones): the disk works while we hash, and the page cache does not fill up.
    if length > 0 and hasattr(os, "posix_fadvise"):
        try:
            os.posix_fadvise(fd, start, length, os.POSIX_FADV_DONTNEED)
        except OSError:
            pass


class _TempWriter:
    """Writes a new temp file, bypassing the page cache (O_DIRECT) where the file system allows.

    With two cores, SM3 takes one whole core; copying every byte into the page cache and
    writing it back later costs the other core enough to slow SM3 down. O_DIRECT hands
    aligned blocks straight to the disk instead. It needs block-aligned buffers and sizes,
    so bytes are gathered in a page-aligned buffer (mmap) and the unaligned tail is written
    after O_DIRECT is switched off. Where O_DIRECT is refused (tmpfs, some network file
    systems), writes are buffered, with writeback started as we go.
    """

    BLOCK = 1 << 20  # a multiple of every logical block size in use

    def __init__(self, path: Path) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        self.direct = False
        if hasattr(os, "O_DIRECT"):
            try:
                self.fd = os.open(path, flags | os.O_DIRECT, 0o600)
                self.direct = True
            except OSError:
                self.fd = os.open(path, flags, 0o600)
        else:
            self.fd = os.open(path, flags, 0o600)
        self.buffer = mmap.mmap(-1, self.BLOCK) if self.direct else None
        self.fill = 0
        self.size = 0
        self.flushed = 0

    def _write_all(self, data: Any) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]

    def _buffered(self) -> None:
        """Leave O_DIRECT for the rest of the file."""
        flags = fcntl.fcntl(self.fd, fcntl.F_GETFL)
        fcntl.fcntl(self.fd, fcntl.F_SETFL, flags & ~os.O_DIRECT)
        self.direct = False

    def _write_block(self) -> None:
        assert self.buffer is not None
        try:
            written = os.write(self.fd, self.buffer)
        except OSError as err:
            if err.errno != errno.EINVAL:
                raise
            written = 0  # the file system took the open but not the write
        if written != self.BLOCK:
            self._buffered()
            self._write_all(memoryview(self.buffer)[written:])
        self.fill = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if not self.direct or self.buffer is None:
            self._write_all(data)
            if self.size - self.flushed >= WRITEBACK_EVERY:
                _start_writeback(self.fd, self.flushed, self.size - self.flushed)
                self.flushed = self.size
            return
        view = memoryview(data)
        while view:
            n = min(len(view), self.BLOCK - self.fill)
            self.buffer[self.fill:self.fill + n] = view[:n]
            self.fill += n
            view = view[n:]
            if self.fill == self.BLOCK:
                self._write_block()
                if not self.direct:  # fell back half-way: the rest goes buffered
                    self._write_all(view)
                    return

    def finish(self) -> None:
        """Write the tail and fsync: the bytes are on disk when this returns."""
        if self.buffer is not None and self.fill:
            if self.direct:
                self._buffered()
            self._write_all(memoryview(self.buffer)[:self.fill])
            self.fill = 0
        os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)
        if self.buffer is not None:
            try:
                self.buffer.close()
            except BufferError:
                # A write that failed (ENOSPC) leaves a memoryview of the buffer in its traceback;
                # closing then raises "cannot close exported pointers exist" and would hide the real
                # error (and abort a batch). The mapping is freed with the last view instead.
                pass


def stage_stream(src: IO[bytes], staging_dir: Path, *,
                 progress: Callable[[int], None] | None = None) -> Staged:
    """Copy `src` to a new temp file in `staging_dir`, fsynced, hashing on the way."""
    staging_dir.mkdir(parents=True, exist_ok=True)
    # The writer's pid in the name: a file whose process is gone is a killed ingest's (sweep_abandoned).
    temp = staging_dir / f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex}.part"
    sha256 = hashlib.sha256()
    sm3 = new_sm3()
    chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=IN_FLIGHT)
    failure: list[BaseException] = []

    def sm3_worker() -> None:
        try:
            while (data := chunks.get()) is not None:
                sm3.update(data)
        except BaseException as err:  # noqa: BLE001 — handed to the caller's thread
            failure.append(err)
            while chunks.get() is not None:  # drain, so the producer never blocks forever
                pass

    worker = threading.Thread(target=sm3_worker, name="sm3", daemon=True)
    worker.start()
    size = 0
    try:
        fileno = getattr(src, "fileno", None)
        if fileno is not None and hasattr(os, "posix_fadvise"):
            try:
                os.posix_fadvise(fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
            except (OSError, ValueError, io.UnsupportedOperation):
                pass
        out = _TempWriter(temp)
        try:
            while data := src.read(CHUNK):
                chunks.put(data)
                sha256.update(data)
                out.write(data)
                size += len(data)
                if progress is not None:
                    progress(len(data))
            chunks.put(None)
            worker.join()
            if failure:
                raise failure[0]
            out.finish()
        finally:
            out.close()
    except BaseException:
        if worker.is_alive():
            chunks.put(None)
            worker.join()
        temp.unlink(missing_ok=True)
        raise
    return Staged(path=temp, size=size, sha256=sha256.hexdigest(), sm3=sm3.hexdigest())


def stage_file(path: Path, staging_dir: Path, *, progress: Callable[[int], None] | None = None) -> Staged:
    with path.open("rb", buffering=0) as src:
        return stage_stream(src, staging_dir, progress=progress)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def sweep_abandoned(staging_dir: Path, *, now: float | None = None) -> tuple[int, int]:
    """Remove the staged files of ingests that were killed (their process is gone): (files, bytes).

    Only `ingest-<pid>-….part` files of dead processes are touched — never a live ingest's, and never
    an upload's part file (those belong to their upload session and expire with it)."""
    import time

    now = time.time() if now is None else now
    files = size = 0
    if not staging_dir.is_dir():
        return 0, 0
    for path in staging_dir.glob(f"{PREFIX}*.part"):
        middle = path.name[len(PREFIX):-len(".part")]
        pid_text, _, rest = middle.partition("-")
        try:
            stat = path.stat()
            if rest and pid_text.isdigit():
                if _alive(int(pid_text)):
                    continue
            elif now - stat.st_mtime < LEGACY_AGE_SECONDS:
                continue
            path.unlink()
        except FileNotFoundError:
            continue
        files += 1
        size += stat.st_size
    return files, size

