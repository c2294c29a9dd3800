"""Object storage for originals: a local directory (embedded) or an S3-compatible bucket (scale).

Objects are content-addressed: an original's key is derived from its SHA-256, never from a
name a user gave, so a hostile file name cannot reach outside the store and the same bytes
are stored once. A store can add an object and read it; it has no method that changes an
object, and exactly one that removes one: `remove_disposed`, called only by the disposal action
(lawtrail/retention/actions.py) with a warrant that re-checks, against the disposal record,
that the object was destroyed after its retention and no kept record still refers to it.

    from lawtrail.storage import get_store
    store = get_store()
    with store.open(key) as f: ...
"""

from __future__ import annotations

import io
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Keys are lower-case path segments of letters, digits, dots, dashes and underscores: no
# empty segment, no "." or "..", no leading slash. Anything else is refused before it
# reaches a file system path or a bucket.
_KEY = re.compile(r"^[a-z0-9_-][a-z0-9._-]*(/[a-z0-9_-][a-z0-9._-]*)*$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class InvalidKey(ValueError):
    pass


def check_key(key: str) -> str:
    if not isinstance(key, str) or len(key) > 512 or not _KEY.match(key) or ".." in key:
        raise InvalidKey(f"invalid object key {key!r}")
    return key


def original_key(sha256: str) -> str:
    """The key of an original: its SHA-256, fanned out over 256 directories."""
    if not _HEX64.match(sha256):
        raise InvalidKey(f"not a SHA-256 hex digest: {sha256!r}")
    return f"sha256/{sha256[:2]}/{sha256}"


def derived_key(kind: str, sha256: str, ext: str) -> str:
    """The key of a derivative (proxy, thumbnail), addressed by its own content."""
    return check_key(f"derived/{kind}/{sha256[:2]}/{sha256}.{ext}")


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DisposalWarrant(Protocol):
    """Authority to remove objects, given by the disposal action; asked again for each key."""

    def confirms(self, key: str) -> bool: ...


class DisposalRefused(PermissionError):
    pass


def _check_warrant(key: str, warrant: DisposalWarrant) -> str:
    check_key(key)
    # Only originals and what was derived from them; never the staging area or anything else.
    if not key.startswith(("sha256/", "derived/")) or not warrant.confirms(key):
        raise DisposalRefused(f"no disposal record authorises removing {key!r}")
    return key


class Store(Protocol):
    name: str

    def open(self, key: str) -> BinaryIO: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int | None: ...

    def iter_keys(self, prefix: str = "") -> Iterator[str]: ...

    def put_file(self, key: str, path: Path) -> bool: ...

    def put_stream(self, key: str, stream: IO[bytes]) -> bool: ...

    def replace_damaged(self, key: str, stream: IO[bytes]) -> str: ...

    def staging_dir(self) -> Path: ...

    def describe(self) -> str: ...

    def remove_disposed(self, key: str, *, warrant: DisposalWarrant) -> bool: ...


class LocalStore:
    """Objects as read-only files under one directory; a temp area inside it for atomic commits."""

    def __init__(self, root: Path | str, name: str = "local") -> None:
        self.root = Path(root).resolve()
        self.name = name

    def describe(self) -> str:
        return f"本地目录 {self.root}"

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        # Belt and braces: the key check already forbids "..", but a symlink planted inside
        # the store must not lead outside it either.
        if self.root not in path.parents:
            raise InvalidKey(f"key {key!r} leaves the store")
        return path

    def staging_dir(self) -> Path:
        # Inside the store, so that committing is a link on the same file system, not a copy.
        path = self.root / ".staging"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        if not self.root.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for filename in sorted(filenames):
                key = os.path.relpath(os.path.join(dirpath, filename), self.root).replace(os.sep, "/")
                if key.startswith(prefix) and _KEY.match(key):
                    yield key

    def put_file(self, key: str, path: Path) -> bool:
        """Commit the file at `path` (already fsynced) under `key`; False if the key exists.

        A hard link is atomic and never replaces an existing file, so a reader sees either
        no object or the whole object, and two writers of the same content cannot clobber.
        """
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            return False
        try:
            os.link(path, final)
        except FileExistsError:
            return False
        except OSError:
            # Another file system (or one without hard links): copy next to the target, then link.
            with Path(path).open("rb") as src:
                return self._put_copy(final, src)
        final.chmod(0o444)
        fsync_dir(final.parent)
        return True

    def remove_disposed(self, key: str, *, warrant: DisposalWarrant) -> bool:
        """Destroy one object under a disposal warrant (销毁); False if it was already gone."""
        path = self._path(_check_warrant(key, warrant))
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        fsync_dir(path.parent)
        return True

    def put_stream(self, key: str, stream: IO[bytes]) -> bool:
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            return False
        return self._put_copy(final, stream)

    def replace_damaged(self, key: str, stream: IO[bytes]) -> str:
        """Put good bytes in place of a damaged object (restore only); returns where the damaged
        bytes were kept. They are moved aside, not deleted: they may be needed to find out what
        happened. The swap is one rename, so a reader sees the damaged or the good file, never half."""
        final = self._path(key)
        aside_dir = self.root / ".damaged"
        aside_dir.mkdir(parents=True, exist_ok=True)
        aside = aside_dir / f"{check_key(key).replace('/', '_')}.{uuid.uuid4().hex[:12]}"
        tmp = final.parent / f".tmp-{uuid.uuid4().hex}"
        try:
            with tmp.open("xb") as out:
                shutil.copyfileobj(stream, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            tmp.chmod(0o444)
            try:
                os.link(final, aside)
            except OSError:
                shutil.copyfile(final, aside)
            fsync_dir(aside_dir)
            os.replace(tmp, final)
            fsync_dir(final.parent)
        finally:
            tmp.unlink(missing_ok=True)
        return str(aside.relative_to(self.root))

    def _put_copy(self, final: Path, stream: IO[bytes]) -> bool:
        tmp = final.parent / f".tmp-{uuid.uuid4().hex}"
        try:
            with tmp.open("xb") as out:
                shutil.copyfileobj(stream, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(tmp, final)
            except FileExistsError:
                return False
            final.chmod(0o444)
            fsync_dir(final.parent)
            return True
        finally:
            tmp.unlink(missing_ok=True)


class _S3ReadFile(io.RawIOBase):
    """A seekable, read-only view of one S3 object, read by ranged GETs."""

    def __init__(self, client: Any, bucket: str, key: str, size: int) -> None:
        self._client, self._bucket, self._key, self._size = client, bucket, key, size
        self._pos = 0
        self._body: Any = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        new = max(0, base + offset)
        if new != self._pos:
            self._close_body()
        self._pos = new
        return new

    def _close_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self._size:
            return 0
        if self._body is None:
            answer = self._client.get_object(Bucket=self._bucket, Key=self._key, Range=f"bytes={self._pos}-")
            self._body = answer["Body"]
        data = self._body.read(len(buffer))
        if not data:
            return 0
        n = len(data)
        buffer[:n] = data
        self._pos += n
        return n

    def close(self) -> None:
        self._close_body()
        super().close()


class S3Store:
    """Objects in an S3-compatible bucket (path-style addressing, signature v4)."""

    def __init__(self, *, bucket: str, endpoint_url: str = "", access_key: str = "", secret_key: str = "",
                 region: str = "us-east-1", prefix: str = "", staging: Path | None = None,
                 name: str = "s3") -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.name = name
        self.endpoint_url = endpoint_url
        self._staging = staging or Path(settings.EVIDENCE_STAGING_DIR)
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url or None, aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None, region_name=region or None,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          retries={"max_attempts": 5, "mode": "standard"}),
        )

    def describe(self) -> str:
        return f"S3 {self.endpoint_url or ''} 存储桶 {self.bucket}" + (f"/{self.prefix}" if self.prefix else "")

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def staging_dir(self) -> Path:
        self._staging.mkdir(parents=True, exist_ok=True)
        return self._staging

    def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(head["ContentLength"])

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def open(self, key: str) -> BinaryIO:
        size = self.size(key)
        if size is None:
            raise FileNotFoundError(key)
        raw = _S3ReadFile(self.client, self.bucket, self._key(key), size)
        return io.BufferedReader(raw, buffer_size=1 << 20)

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        full = (f"{self.prefix}/" if self.prefix else "") + prefix
        paginator = self.client.get_paginator("list_objects_v2")
        strip = len(self.prefix) + 1 if self.prefix else 0
        for page in paginator.paginate(Bucket=self.bucket, Prefix=full):
            for item in page.get("Contents", []):
                key = item["Key"][strip:]
                if _KEY.match(key):
                    yield key

    def _transfer_config(self) -> Any:
        from boto3.s3.transfer import TransferConfig

        # Bounded memory: at most max_concurrency parts of chunksize in flight.
        return TransferConfig(multipart_threshold=32 << 20, multipart_chunksize=16 << 20, max_concurrency=4)

    def put_file(self, key: str, path: Path) -> bool:
        # An S3 object becomes visible only when its PUT (or multipart upload) completes:
        # readers never see half an object.
        if self.exists(key):
            return False
        self.client.upload_file(str(path), self.bucket, self._key(key), Config=self._transfer_config())
        return True

    def remove_disposed(self, key: str, *, warrant: DisposalWarrant) -> bool:
        """Destroy one object under a disposal warrant (销毁); False if it was already gone."""
        _check_warrant(key, warrant)
        if not self.exists(key):
            return False
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        return True

    def put_stream(self, key: str, stream: IO[bytes]) -> bool:
        if self.exists(key):
            return False
        self.client.upload_fileobj(stream, self.bucket, self._key(key), Config=self._transfer_config())
        return True

    def replace_damaged(self, key: str, stream: IO[bytes]) -> str:
        # A new version of the key; in a versioned (Object Lock) bucket the damaged bytes stay
        # as the previous version, which nobody can delete before its retention ends.
        self.client.upload_fileobj(stream, self.bucket, self._key(key), Config=self._transfer_config())
        return f"{self.describe()} 中该键的上一版本(存储桶启用版本控制时保留)"


def store_from_config(config: dict[str, str], *, name: str) -> Store | None:
    if config.get("s3_bucket"):
        return S3Store(bucket=config["s3_bucket"], endpoint_url=config.get("s3_endpoint_url", ""),
                       access_key=config.get("s3_access_key", ""), secret_key=config.get("s3_secret_key", ""),
                       region=config.get("s3_region", ""), prefix=config.get("s3_prefix", ""), name=name)
    if config.get("dir"):
        return LocalStore(config["dir"], name=name)
    return None


_cache: dict[tuple[str, tuple[tuple[str, str], ...]], Store | None] = {}


def _cached(name: str, config: dict[str, str]) -> Store | None:
    # Keyed on the configuration itself, so a test that overrides the settings gets its own store.
    signature = (name, tuple(sorted(config.items())))
    if signature not in _cache:
        _cache[signature] = store_from_config(config, name=name)
    return _cache[signature]


def get_store() -> Store:
    """The primary store of originals, as configured (LAWTRAIL_STORE_DIR or LAWTRAIL_S3_*)."""
    store = _cached("primary", dict(settings.EVIDENCE_STORE))
    if store is None:
        raise ImproperlyConfigured("未配置原始资料存储(LAWTRAIL_STORE_DIR 或 LAWTRAIL_S3_BUCKET)")
    return store


def get_replica() -> Store | None:
    """The off-site replica (LAWTRAIL_REPLICA_DIR or LAWTRAIL_REPLICA_S3_*), if configured."""
    return _cached("replica", dict(settings.EVIDENCE_REPLICA))
