"""The one way LawTrail turns HTML into PDF (WeasyPrint), refusing to print blank characters.

WeasyPrint draws a character that no installed face has as an empty box (".notdef") and only
says so in a log warning: on a machine without Debian's fonts-noto-cjk every Chinese character
of a 执法文书 comes out blank, and the PDF looks issued. A legal document with blank text is
worse than none, so a render that met such a character is refused with a message naming the
characters and the fix (`lawtrail doctor` checks the same at start-up).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from lawtrail.lib.errors import DomainError
from lawtrail.lib.limits import render_slot

FONT_FIX = ("请安装 Debian 软件包 fonts-noto-cjk(apt-get install fonts-noto-cjk),"
            "或在 LAWTRAIL_DOCUMENT_FONTS 指定的字体配置中加入含这些字的字体;lawtrail doctor 可检查字体")


class MissingGlyphs(DomainError):
    """The text holds characters that no configured face can draw: the server must be fixed."""

    status = 503


class PdfRendererMissing(DomainError):
    """The libraries WeasyPrint draws with are not installed."""

    status = 503


_collecting = threading.local()


class _NotdefCollector(logging.Filter):
    """Takes WeasyPrint's ".notdef glyph rendered" warnings of the rendering thread (one per
    character drawn blank) as data for the refusal, instead of hundreds of log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(".notdef glyph"):
            return True
        found: list[str] | None = getattr(_collecting, "chars", None)
        if found is None:
            return True  # a render outside html_to_pdf: leave WeasyPrint's warning as it is
        if record.args and isinstance(record.args, tuple):
            found.append(str(record.args[0]))
        return False


def _install_collector() -> None:
    logger = logging.getLogger("weasyprint")
    if not any(isinstance(f, _NotdefCollector) for f in logger.filters):
        logger.addFilter(_NotdefCollector())
    # The warning must be made even where the root logger is set quieter (LAWTRAIL_LOG_LEVEL=ERROR).
    if logger.level == logging.NOTSET or logger.level > logging.WARNING:
        logger.setLevel(logging.WARNING)


def renderer() -> Any:
    """WeasyPrint's HTML class; PdfRendererMissing naming the Debian packages if Pango is absent."""
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]
    except OSError as err:  # cffi could not load libpango / libpangoft2
        raise PdfRendererMissing("pdf_renderer_missing",
                                 f"无法加载生成 PDF 所需的 Pango 库({err})。请安装 Debian 软件包 "
                                 "libpango-1.0-0 libpangoft2-1.0-0(apt-get install libpango-1.0-0 libpangoft2-1.0-0)")
    return HTML


def html_to_pdf(html: str, **options: Any) -> bytes:
    """The PDF of `html`; MissingGlyphs if any character of it would print blank. Drawn in one of
    the process's render slots (lawtrail/lib/limits.py): Busy when none frees up in time."""
    HTML = renderer()

    _install_collector()
    found: list[str] = []
    with render_slot():
        _collecting.chars = found
        try:
            pdf = HTML(string=html, base_url=options.pop("base_url", None)).write_pdf(**options)
        finally:
            _collecting.chars = None
    if found:
        chars = "".join(dict.fromkeys(found))
        shown = "、".join(f"「{c}」(U+{ord(c):04X})" for c in chars[:10]) + ("等" if len(chars) > 10 else "")
        raise MissingGlyphs("document_font_missing",
                            f"已安装的字体中没有以下字符,生成的 PDF 会缺字,因此未生成:{shown}。{FONT_FIX}",
                            {"characters": [f"U+{ord(c):04X}" for c in chars]})
    assert pdf is not None
    return bytes(pdf)
