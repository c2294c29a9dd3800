"""共享回执: a PDF listing every record of a share with its SHA-256, for the recipient to check
the copies against (WeasyPrint, with the documents app's font map)."""

from __future__ import annotations

from django.template.loader import render_to_string

from lawtrail.documents.fonts import font_map
from lawtrail.lib import timez
from lawtrail.lib.pdf import html_to_pdf

from .models import Share


def receipt_items(share: Share) -> list[dict[str, str]]:
    items = [{"kind": "执法文书", "name": str(d), "sha256": d.pdf_sha256 or "(未签发)", "note": "PDF 复制件加水印"}
             for d in share.documents.order_by("id")]
    items += [{"kind": f"音像资料({e.get_media_kind_display()})", "name": e.display_name, "sha256": e.stored.sha256,
               "note": "图片复制件加水印" if e.media_kind == "photo" else "与原件逐字节一致"}
              for e in share.evidence.select_related("stored").order_by("id")]
    return items


def receipt_pdf(share: Share) -> bytes:
    fonts = font_map()
    page = render_to_string("access/receipt.html", {
        "share": share, "req": share.request, "items": receipt_items(share), "now": timez.now(),
        "font_faces": fonts.font_faces(), "font_body": fonts.css_family("body"),
        "font_title": fonts.css_family("title"),
    })
    return html_to_pdf(page)
