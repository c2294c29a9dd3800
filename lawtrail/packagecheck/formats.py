"""What a file is, judged from its bytes alone — no FFmpeg, no heavy parser.

Approved formats (the archival formats GB/T 33190 and DA/T 47 name for documents, pictures,
sound and video, plus the package's own JSON and HTML):

- PDF: "%PDF-1.x" header and "%%EOF" trailer; parsed with pypdf when it is installed
  (page count); refused if encrypted (/Encrypt) or carrying /JavaScript, /Launch or embedded files.
- MP4 / MOV / M4A (ISO base media): the top-level boxes are walked and must cover the file
  exactly, with an "ftyp" first or a "moov" present (a cut file fails).
- JPEG (SOI … EOI), PNG (signature, IHDR, IEND), WAV (RIFF/WAVE, sizes), MP3 (ID3 or frame sync),
  MPEG-TS (0x47 every 188 bytes), JSON (parses), HTML (UTF-8, no <script>).

Executables are recognised by their magic (PE "MZ", ELF, Mach-O, "#!" scripts) and refused anywhere.
"""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Callable
from typing import BinaryIO

MIME = {
    ".pdf": "application/pdf", ".mp4": "video/mp4", ".mov": "video/quicktime", ".m4a": "audio/mp4",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".wav": "audio/wav", ".mp3": "audio/mpeg",
    ".ts": "video/mp2t", ".json": "application/json", ".html": "text/html",
}

_EXECUTABLE = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
               b"\xca\xfe\xba\xbe", b"#!")
EXECUTABLE_SUFFIXES = (".exe", ".dll", ".com", ".bat", ".cmd", ".sh", ".ps1", ".js", ".vbs", ".jar", ".msi", ".scr",
                       ".so", ".dylib", ".app", ".py")


def executable_magic(head: bytes) -> bool:
    return head.startswith(_EXECUTABLE)


def mime_for(name: str) -> str | None:
    dot = name.rfind(".")
    return MIME.get(name[dot:].lower()) if dot >= 0 else None


class Probe:
    """The result of opening one file: its format, a problem (or None), and security findings."""

    def __init__(self, fmt: str) -> None:
        self.format = fmt
        self.problem: str | None = None
        self.encrypted = False
        self.active: list[str] = []  # executable content inside (PDF JavaScript, HTML script …)
        self.pages: int | None = None


def _pdf(f: BinaryIO, size: int, probe: Probe) -> None:
    head = f.read(1024)
    if not head.startswith(b"%PDF-1.") and not head.startswith(b"%PDF-2."):
        probe.problem = "不是 PDF(缺少 %PDF- 文件头)"
        return
    f.seek(max(0, size - 2048))
    if b"%%EOF" not in f.read():
        probe.problem = "PDF 不完整(缺少 %%EOF 结尾)"
        return
    f.seek(0)
    data = f.read()
    for marker, what in ((b"/JavaScript", "JavaScript 脚本"), (b"/Launch", "启动外部程序的动作"),
                         (b"/EmbeddedFile", "嵌入文件")):
        if marker in data:
            probe.active.append(what)
    if b"/Encrypt" in data:
        probe.encrypted = True
    try:
        from pypdf import PdfReader
    except ImportError:  # dependency-light: the header and trailer checks stand alone
        return
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            probe.encrypted = True
            return
        probe.pages = len(reader.pages)
    except Exception as err:  # noqa: BLE001 — any parser failure means "does not open"
        probe.problem = f"PDF 无法解析:{type(err).__name__}"


def _isobmff(f: BinaryIO, size: int, probe: Probe) -> None:
    offset, kinds = 0, []
    while offset < size:
        f.seek(offset)
        head = f.read(16)
        if len(head) < 8:
            probe.problem = f"媒体文件在第 {offset} 字节处截断"
            return
        box_size, kind = struct.unpack(">I4s", head[:8])
        if box_size == 1:
            if len(head) < 16:
                probe.problem = "媒体文件的 box 头不完整"
                return
            box_size = struct.unpack(">Q", head[8:16])[0]
        elif box_size == 0:
            box_size = size - offset
        if box_size < 8 or offset + box_size > size:
            probe.problem = f"媒体文件的「{kind.decode('latin-1')}」box 越过文件末尾(文件被截断或损坏)"
            return
        kinds.append(kind)
        offset += box_size
    if not kinds or (kinds[0] != b"ftyp" and b"moov" not in kinds):
        probe.problem = "不是 MP4/MOV 容器(没有 ftyp/moov)"
    elif b"moov" not in kinds:
        probe.problem = "MP4/MOV 缺少 moov(索引),无法播放"


def _jpeg(f: BinaryIO, size: int, probe: Probe) -> None:
    head = f.read(3)
    f.seek(max(0, size - 2))
    if head != b"\xff\xd8\xff" or f.read(2) != b"\xff\xd9":
        probe.problem = "JPEG 文件头或结尾无效"


def _png(f: BinaryIO, size: int, probe: Probe) -> None:
    head = f.read(16)
    f.seek(max(0, size - 12))
    if not head.startswith(b"\x89PNG\r\n\x1a\n") or head[12:16] != b"IHDR" or b"IEND" not in f.read():
        probe.problem = "PNG 文件结构无效"


def _wav(f: BinaryIO, size: int, probe: Probe) -> None:
    head = f.read(12)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE" or struct.unpack("<I", head[4:8])[0] + 8 != size:
        probe.problem = "WAV 文件结构无效或被截断"


def _mp3(f: BinaryIO, size: int, probe: Probe) -> None:
    head = f.read(3)
    if head != b"ID3" and not (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        probe.problem = "不是 MP3"


def _ts(f: BinaryIO, size: int, probe: Probe) -> None:
    if size % 188 or any(f.read(188)[:1] != b"\x47" for _ in range(min(size // 188, 50))):
        probe.problem = "不是完整的 MPEG-TS 流"


def _json(f: BinaryIO, size: int, probe: Probe) -> None:
    try:
        json.loads(f.read().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        probe.problem = f"JSON 无法解析:{err}"


def _html(f: BinaryIO, size: int, probe: Probe) -> None:
    try:
        text = f.read().decode("utf-8").lower()
    except UnicodeDecodeError:
        probe.problem = "HTML 不是 UTF-8 文本"
        return
    if "<script" in text or "javascript:" in text:
        probe.active.append("HTML 脚本")


_PROBES: dict[str, Callable[[BinaryIO, int, Probe], None]] = {
    "application/pdf": _pdf, "video/mp4": _isobmff, "video/quicktime": _isobmff, "audio/mp4": _isobmff,
    "image/jpeg": _jpeg, "image/png": _png, "audio/wav": _wav, "audio/mpeg": _mp3, "video/mp2t": _ts,
    "application/json": _json, "text/html": _html,
}


def probe(name: str, f: BinaryIO, size: int) -> Probe:
    """Open `f` (seekable) as the format its name says; an unknown or unapproved suffix is a problem."""
    fmt = mime_for(name) or "application/octet-stream"
    result = Probe(fmt)
    head = f.read(8)
    f.seek(0)
    if executable_magic(head):
        result.active.append("可执行程序")
    fn = _PROBES.get(fmt)
    if fn is None:
        result.problem = f"「{name}」不是认可的归档格式"
        return result
    fn(f, size, result)
    return result
