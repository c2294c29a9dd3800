"""The font map: which typefaces a document uses for its title, body, headings and signatures.

公文 use 方正小标宋 for titles and 仿宋_GB2312 for text; neither is free. LawTrail ships with
the free Noto CJK faces (Debian's fonts-noto-cjk), which cover every character of GB 18030's
common set, and lets an agency put its licensed faces first with a YAML file named by
LAWTRAIL_DOCUMENT_FONTS:

    title: [方正小标宋简体, Noto Serif CJK SC]
    body: [仿宋_GB2312, FangSong, Noto Serif CJK SC]
    heading: [黑体, Noto Sans CJK SC]
    sign: [楷体_GB2312, LXGW WenKai, Noto Serif CJK SC]
    files:                       # faces not installed system-wide
      方正小标宋简体: /opt/fonts/FZXBSJW.TTF

The PDF falls back along each list to the first face installed; the DOCX names the first
face of each list (Word finds it on the agency's computers).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ROLES = ("title", "body", "heading", "sign")

DEFAULT_MAP: dict[str, list[str]] = {
    "title": ["Noto Serif CJK SC"],
    "body": ["Noto Serif CJK SC"],
    "heading": ["Noto Sans CJK SC"],
    "sign": ["Noto Serif CJK SC"],
}
# Always last in every list, so that a character missing from an agency's face still prints.
FALLBACK = ["Noto Serif CJK SC", "Noto Sans CJK SC"]


@dataclass(frozen=True)
class FontMap:
    families: dict[str, list[str]]
    files: dict[str, str] = field(default_factory=dict)

    def stack(self, role: str) -> list[str]:
        return list(dict.fromkeys(self.families.get(role, []) + FALLBACK))

    def css_family(self, role: str) -> str:
        return ", ".join(f'"{f}"' for f in self.stack(role)) + (", sans-serif" if role == "heading" else ", serif")

    def docx_family(self, role: str) -> str:
        return self.stack(role)[0]

    def font_faces(self) -> str:
        return "\n".join(f'@font-face {{ font-family: "{name}"; src: url("{Path(path).resolve().as_uri()}"); }}'
                         for name, path in self.files.items())


def parse_font_map(text: str, source: str = "LAWTRAIL_DOCUMENT_FONTS") -> FontMap:
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ImproperlyConfigured(f"{source}:字体配置应为映射(title/body/heading/sign/files)")
    families = {role: list(DEFAULT_MAP[role]) for role in ROLES}
    for key, value in data.items():
        if key == "files":
            continue
        if key not in ROLES:
            raise ImproperlyConfigured(f"{source}:未知的字体用途 {key}(可用:{'、'.join(ROLES)}、files)")
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ImproperlyConfigured(f"{source}:{key} 应为字体名称列表")
        families[key] = [v.strip() for v in value]
    files = data.get("files") or {}
    if not isinstance(files, dict):
        raise ImproperlyConfigured(f"{source}:files 应为「字体名称: 字体文件路径」")
    for path in files.values():
        if not Path(str(path)).is_file():
            raise ImproperlyConfigured(f"{source}:字体文件不存在 {path}")
    return FontMap(families=families, files={str(k): str(v) for k, v in files.items()})


@functools.cache
def font_map() -> FontMap:
    path = getattr(settings, "DOCUMENT_FONTS", "")
    if not path:
        return FontMap(families={role: list(v) for role, v in DEFAULT_MAP.items()})
    p = Path(path)
    if not p.is_file():
        raise ImproperlyConfigured(f"LAWTRAIL_DOCUMENT_FONTS 指向的字体配置文件不存在:{path}")
    return parse_font_map(p.read_text(encoding="utf-8"), source=p.name)
