"""The regulation texts (regulations/*.txt) read as articles: 第X条 → its text.

The texts are copies of published documents and keep their flaws, so the reader is lenient in
what it takes for an article heading and strict about the order:
- a heading is 第X条 (or X条 alone at the start of a line — the agriculture text drops 第 from
  its fifteenth article on) followed by a space, a line end or the end of the text;
- it may start a line or follow the previous article on the same line ("…制定本细则。第三条 本细则…");
- its number must be the next one: a 第X条 that is not (a reference to another article, a stray
  number) stays part of the text.
A chapter heading (第X章, with its title on the same or the following lines) ends the article
before it and belongs to no article.

Importing this module needs no Django (the CLI and the tests read the texts on their own).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

REGULATIONS_DIR = Path(__file__).resolve().parent / "regulations"

_DIGITS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMERAL = "零一二三四五六七八九十百"
_HEADING = re.compile(rf"(第?)([{_NUMERAL}]+)条(?=[ \u3000\t]|\r?\n|$)", re.MULTILINE)
_CHAPTER = re.compile(rf"第[{_NUMERAL}]+[章节]")
_SPACE = re.compile(r"\s+")


def chinese_number(text: str) -> int:
    """一 → 1, 十五 → 15, 二十 → 20, 一百零三 → 103 (the numerals article numbers use)."""
    if not text or any(ch not in _NUMERAL for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _DIGITS[ch]
    return total + current


def article_label(number: int) -> str:
    """1 → 第一条, 15 → 第十五条, 20 → 第二十条, 103 → 第一百零三条 (as the profiles cite them)."""
    if not 0 < number < 1000:
        raise ValueError(number)
    digits = "零一二三四五六七八九"
    hundreds, rest = divmod(number, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += digits[hundreds] + "百"
        if rest and tens == 0:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else digits[tens]) + "十"
    if ones:
        out += digits[ones]
    return f"第{out}条"


def normalise(text: str) -> str:
    """The text without any whitespace: the copies break lines and insert spaces at random, and
    Chinese prose has no spaces of its own, so a quote is compared with its article this way."""
    return _SPACE.sub("", text)


@dataclass(frozen=True)
class Article:
    number: int
    label: str  # 第X条, as the profiles cite it
    text: str  # as the regulation has it, line breaks kept, chapter headings left out

    @property
    def flat(self) -> str:
        return normalise(self.text)

    def contains(self, quote: str) -> bool:
        """Whether `quote` is a verbatim part of this article (only whitespace may differ)."""
        wanted = normalise(quote)
        return bool(wanted) and wanted in self.flat


@dataclass(frozen=True)
class Regulation:
    source: str  # the file name, as a profile's `source` names it
    title: str
    articles: tuple[Article, ...]

    def article(self, label: str) -> Article | None:
        for a in self.articles:
            if a.label == label:
                return a
        return None

    @property
    def labels(self) -> list[str]:
        return [a.label for a in self.articles]


def _is_heading(text: str, match: re.Match[str]) -> bool:
    at_line_start = match.start() == 0 or text[match.start() - 1] == "\n"
    # A mid-line heading always carries 第 ("…备查。第十九条"); a bare "十五条" only starts a line.
    return at_line_start or match.group(1) == "第"


def _article_text(raw: str) -> str:
    chapter = _CHAPTER.search(raw)
    if chapter is not None:
        raw = raw[: chapter.start()]
    return raw.strip()


def parse_regulation(text: str, source: str = "") -> Regulation:
    """The articles of one regulation text, in order; the lines before the first are its title."""
    headings: list[tuple[re.Match[str], int]] = []
    expected = 1
    for match in _HEADING.finditer(text):
        if not _is_heading(text, match):
            continue
        try:
            number = chinese_number(match.group(2))
        except ValueError:
            continue
        if number != expected:
            continue  # a reference to another article, not the next heading
        headings.append((match, number))
        expected += 1
    articles = []
    for i, (match, number) in enumerate(headings):
        end = headings[i + 1][0].start() if i + 1 < len(headings) else len(text)
        articles.append(Article(number=number, label=article_label(number), text=_article_text(text[match.end():end])))
    preamble = text[: headings[0][0].start()] if headings else text
    lines = [ln.strip() for ln in preamble.splitlines() if ln.strip()]
    title = lines[0].split(":", 1)[-1] if lines else source
    return Regulation(source=source, title=title, articles=tuple(articles))


@functools.cache
def regulation(source: str, directory: Path = REGULATIONS_DIR) -> Regulation:
    """The regulation a profile's `source` names (a file in regulations/)."""
    path = directory / source
    return parse_regulation(path.read_text(encoding="utf-8"), source=source)


def all_regulations(directory: Path = REGULATIONS_DIR) -> dict[str, Regulation]:
    return {p.name: regulation(p.name, directory) for p in sorted(directory.glob("*.txt"))}


NATIONAL_SOURCE = "0-national-law.txt"
_LAW_HEADING = re.compile(r"^[一二三四五六七八九十]+、(《[^》]+》)\s*$", re.MULTILINE)
_EXCERPT_HEADING = re.compile(rf"^第([{_NUMERAL}]+)条[ \u3000]", re.MULTILINE)


@functools.cache
def national_articles(directory: Path = REGULATIONS_DIR) -> dict[tuple[str, str], Article]:
    """(《law》, 第X条) → its text, from the excerpt of the national laws. The excerpt skips
    articles and holds two laws (each has its own 第五十四条), so it is read by law, then by the
    headings at line starts, in whatever order they come."""
    text = (directory / NATIONAL_SOURCE).read_text(encoding="utf-8")
    laws = list(_LAW_HEADING.finditer(text))
    out: dict[tuple[str, str], Article] = {}
    for i, law in enumerate(laws):
        body = text[law.end(): laws[i + 1].start() if i + 1 < len(laws) else len(text)]
        heads = list(_EXCERPT_HEADING.finditer(body))
        for j, head in enumerate(heads):
            number = chinese_number(head.group(1))
            end = heads[j + 1].start() if j + 1 < len(heads) else len(body)
            out[(law.group(1), article_label(number))] = Article(
                number=number, label=article_label(number), text=body[head.end():end].strip())
    return out


def cited_article(source: str, label: str, law: str = "") -> Article | None:
    """The article a rule cites: of the national `law` when the rule names one, else of its regulation."""
    if law:
        return national_articles().get((law, label))
    return regulation(source).article(label)
