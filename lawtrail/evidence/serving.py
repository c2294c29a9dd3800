"""Serving stored objects over HTTP: byte-identical, with single-range requests (RFC 9110).

The original is streamed from the store exactly as stored (no re-encoding, no compression);
a player seeking in a video asks for ranges and gets 206 answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from lawtrail.evidence.models import Evidence
from lawtrail.lib.errors import NotFound
from lawtrail.storage import Store, get_store

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_BLOCK = 256 * 1024

CONTAINER_TYPES = {
    "mov,mp4,m4a,3gp,3g2,mj2": "video/mp4", "matroska,webm": "video/webm", "ogg": "audio/ogg", "mp3": "audio/mpeg",
    "wav": "audio/wav", "flac": "audio/flac", "jpeg_pipe": "image/jpeg", "image2": "image/jpeg",
    "png_pipe": "image/png", "webp_pipe": "image/webp", "gif": "image/gif", "mpegts": "video/mp2t",
    "avi": "video/x-msvideo",
}


def content_type_of(ev: Evidence) -> str:
    kind = CONTAINER_TYPES.get(ev.container, "application/octet-stream")
    if kind == "video/mp4" and ev.media_kind == "audio":
        return "audio/mp4"
    return kind


def _chunks(f: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        f.seek(start)
        remaining = length
        while remaining > 0:
            data = f.read(min(_BLOCK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        f.close()


def parse_range(header: str, size: int) -> tuple[int, int] | None | str:
    """(start, end inclusive) for one satisfiable range; None to send everything; "unsatisfiable"."""
    match = _RANGE.match(header.strip()) if header else None
    if match is None:
        return None  # absent, multiple or unparseable ranges: the whole object (RFC 9110 allows it)
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        suffix = int(last)
        if suffix == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return "unsatisfiable"
    return start, end


def disposition(kind: str, filename: str) -> str:
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "file"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def serve_object(request: HttpRequest, key: str, *, content_type: str, filename: str, attachment: bool,
                 etag: str = "", store: Store | None = None) -> HttpResponse | StreamingHttpResponse:
    store = store or get_store()
    size = store.size(key)
    if size is None:
        raise NotFound("object_missing", "存储中找不到该文件,请联系管理员从异地备份恢复", {"key": key})
    wanted = parse_range(request.headers.get("Range", ""), size)
    if wanted == "unsatisfiable":
        refusal = HttpResponse(status=416)
        refusal["Content-Range"] = f"bytes */{size}"
        return refusal
    start, end = wanted if isinstance(wanted, tuple) else (0, size - 1)
    length = end - start + 1 if size else 0
    body = _chunks(store.open(key), start, length) if request.method != "HEAD" else iter(())
    response = StreamingHttpResponse(
        body, content_type=content_type, status=206 if isinstance(wanted, tuple) else 200)
    response["Content-Length"] = str(length)
    if isinstance(wanted, tuple):
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = disposition("attachment" if attachment else "inline", filename)
    response["Cache-Control"] = "private, max-age=3600"
    if etag:
        response["ETag"] = f'"{etag}"'
    return response


def _refuse_if_disposed(ev: Evidence) -> None:
    """Retention and disposal (lawtrail/retention): a destroyed record's bytes are gone by design."""
    from lawtrail.evidence import hooks

    disposed = hooks.retention.disposal(ev)
    if disposed is not None:
        raise NotFound("disposed", f"该音像资料已于 {disposed.disposed_at:%Y-%m-%d} 按销毁记录第 {disposed.record_id} 号销毁",
                       {"record_id": disposed.record_id})


def serve_original(request: HttpRequest, ev: Evidence) -> HttpResponse | StreamingHttpResponse:
    _refuse_if_disposed(ev)
    # application/octet-stream: the browser saves the bytes as they are, whatever they are.
    return serve_object(request, ev.stored.key, content_type="application/octet-stream",
                        filename=ev.display_name, attachment=True, etag=ev.stored.sha256)


def serve_preview(request: HttpRequest, ev: Evidence) -> HttpResponse | StreamingHttpResponse:
    """What a browser can play or show: the proxy if one was made, else the original itself."""
    _refuse_if_disposed(ev)
    if ev.proxy_key:
        ext = ev.proxy_key.rsplit(".", 1)[-1]
        return serve_object(request, ev.proxy_key, content_type="video/mp4" if ext == "mp4" else "audio/mp4",
                            filename=f"{ev.display_name}.预览.{ext}", attachment=False)
    if not (ev.facts or {}).get("browser_safe"):
        raise NotFound("no_preview", "该文件的浏览器预览尚未生成或无法生成,请下载原始文件查看")
    return serve_object(request, ev.stored.key, content_type=content_type_of(ev), filename=ev.display_name,
                        attachment=False, etag=ev.stored.sha256)


def serve_thumbnail(request: HttpRequest, ev: Evidence) -> HttpResponse | StreamingHttpResponse:
    _refuse_if_disposed(ev)
    if not ev.thumb_key:
        raise NotFound("no_thumbnail", "缩略图尚未生成")
    return serve_object(request, ev.thumb_key, content_type="image/jpeg", filename="thumb.jpg", attachment=False)
