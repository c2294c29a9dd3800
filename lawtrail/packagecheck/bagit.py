"""BagIt (RFC 8493, and the 0.97 draft it grew from) validity, as checks of the four properties.

What is checked: bagit.txt is exactly the two declarations (UTF-8, no BOM, "Label: value");
tag files decode in the declared encoding; every manifest line names a path inside the bag
(payload manifests: under data/) with no "..", "~", absolute or drive paths; a path listed
twice with different digests is invalid (with the same digest: invalid from 1.0, a warning
in 0.97); every payload file is in every payload manifest, and every listed file exists
(unless fetch.txt names it: a "holey" bag, reported as a warning); every digest matches;
Payload-Oxum, when given, matches the payload's bytes and file count.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from lawtrail.packagecheck.report import Report
from lawtrail.packagecheck.source import OpenError, Source

_DECLARATION = re.compile(r"^(BagIt-Version|Tag-File-Character-Encoding): (\S.*)$")
_MANIFEST = re.compile(r"^(manifest|tagmanifest)-([a-z0-9]+)\.txt$")
_FORMS: tuple[Literal["NFC", "NFD"], ...] = ("NFC", "NFD")
_LINE = re.compile(r"^([0-9a-fA-F]+)[ \t]+(.+)$")


def hasher(algorithm: str) -> Callable[[], Any] | None:
    """A new-hash function for a BagIt algorithm name, or None if this machine lacks it."""
    name = {"sha1": "sha1", "md5": "md5", "sha224": "sha224", "sha256": "sha256", "sha384": "sha384",
            "sha512": "sha512", "sm3": "sm3"}.get(algorithm)
    if name is None:
        return None
    try:
        hashlib.new(name)
    except ValueError:  # e.g. SM3 on a FIPS-restricted OpenSSL
        return None
    return lambda: hashlib.new(name)


def _lines(text: str) -> list[str]:
    return [line for line in re.split(r"\r\n|\n|\r", text)]


def _decode_path(raw: str) -> str:
    # RFC 8493 §2.1.3: only CR, LF and % itself are percent-encoded in manifest paths.
    return re.sub(r"%(0[aA]|0[dD]|25)", lambda m: {"0a": "\n", "0d": "\r", "25": "%"}[m.group(1).lower()], raw)


def path_problem(path: str) -> str | None:
    if not path or path.startswith(("/", "~")) or "\\" in path or (len(path) > 1 and path[1] == ":"):
        return f"路径「{path}」越出包的范围(绝对路径或用户目录)"
    if ".." in path.split("/"):
        return f"路径「{path}」越出包的范围(含 ..)"
    return None


@dataclass
class Bag:
    source: Source
    version: str = ""
    encoding: str = "utf-8"
    info: list[tuple[str, str]] = field(default_factory=list)
    # algorithm → {path: digest}
    manifests: dict[str, dict[str, str]] = field(default_factory=dict)
    tagmanifests: dict[str, dict[str, str]] = field(default_factory=dict)
    fetch: set[str] = field(default_factory=set)
    # path → {algorithm: computed digest}
    computed: dict[str, dict[str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def info_value(self, label: str) -> str | None:
        for k, v in self.info:
            if k.lower() == label.lower():
                return v
        return None

    @property
    def payload(self) -> list[str]:
        return sorted(p for p in self.source.members if p.startswith("data/"))


def _read_text(bag: Bag, path: str, problems: list[str]) -> str | None:
    try:
        raw = bag.source.read(path)
    except OpenError as err:
        problems.append(str(err))
        return None
    try:
        return raw.decode(bag.encoding)
    except (UnicodeDecodeError, LookupError):
        problems.append(f"{path} 不能按声明的编码 {bag.encoding} 解码")
        return None


def _declaration(bag: Bag, report: Report) -> bool:
    problems: list[str] = []
    if "bagit.txt" not in bag.source.members:
        problems.append("缺少 bagit.txt")
    else:
        raw = bag.source.read("bagit.txt")
        if raw.startswith(b"\xef\xbb\xbf"):
            problems.append("bagit.txt 以 BOM 开头(RFC 8493 不允许)")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append("bagit.txt 不是 UTF-8 文本")
            text = ""
        found: dict[str, str] = {}
        for line in _lines(text):
            if not line:
                continue
            m = _DECLARATION.match(line)
            if m is None:
                problems.append(f"bagit.txt 的行「{line[:60]}」不是「标签: 值」的格式")
                continue
            found[m.group(1)] = m.group(2).rstrip()
        bag.version = found.get("BagIt-Version", "")
        if not re.fullmatch(r"\d+\.\d+", bag.version):
            problems.append(f"BagIt-Version「{bag.version}」无效")
        encoding = found.get("Tag-File-Character-Encoding")
        if not encoding:
            problems.append("bagit.txt 缺少 Tag-File-Character-Encoding")
        else:
            bag.encoding = encoding
            try:
                "".encode(encoding)
            except LookupError:
                problems.append(f"未知的标签文件编码 {encoding}")
    return report.add("usability", "bagit.declaration", "BagIt 声明(bagit.txt)", problems,
                      f"BagIt {bag.version},标签文件编码 {bag.encoding}")


def _parse_manifest(bag: Bag, name: str, payload: bool, problems: list[str], security: list[str]) -> dict[str, str]:
    text = _read_text(bag, name, problems)
    entries: dict[str, str] = {}
    if text is None:
        return entries
    for line in _lines(text.lstrip("\ufeff")):
        if not line.strip():
            continue
        m = _LINE.match(line)
        if m is None:
            problems.append(f"{name} 的行「{line[:60]}」不是「摘要 路径」的格式")
            continue
        digest, path = m.group(1).lower(), m.group(2)
        if path.startswith("*"):
            bag_warn(bag, f"{name} 使用了 md5sum 的二进制标记「*」")
            path = path[1:]
        if path.startswith("./"):
            bag_warn(bag, f"{name} 的路径以「./」开头")
            path = path[2:]
        path = _decode_path(path)
        problem = path_problem(path)
        if problem is None and payload and not path.startswith("data/"):
            problem = f"载荷清单中的路径「{path}」不在 data/ 目录下"
        if problem is None and not payload and path.startswith("data/"):
            problem = f"标签清单中的路径「{path}」在 data/ 目录下"
        if problem:
            security.append(f"{name}:{problem}")
            continue
        if path in entries:
            if entries[path] != digest:
                problems.append(f"{name} 两次列出「{path}」且摘要不同")
            elif bag.version.startswith("0."):
                bag_warn(bag, f"{name} 两次列出「{path}」(摘要相同)")
            else:
                problems.append(f"{name} 两次列出「{path}」(RFC 8493 不允许)")
        entries[path] = digest
    return entries


def bag_warn(bag: Bag, text: str) -> None:
    bag.warnings.append(text)


def _tag_files(bag: Bag, report: Report, security: list[str]) -> None:
    problems: list[str] = []
    for name in sorted(bag.source.members):
        m = _MANIFEST.match(name)
        if m is None:
            continue
        kind, algorithm = m.groups()
        entries = _parse_manifest(bag, name, kind == "manifest", problems, security)
        (bag.manifests if kind == "manifest" else bag.tagmanifests)[algorithm] = entries
    if not bag.manifests:
        problems.append("没有载荷清单(manifest-<算法>.txt)")
    if "bag-info.txt" in bag.source.members:
        text = _read_text(bag, "bag-info.txt", problems)
        for line in _lines(text or ""):
            if not line.strip():
                continue
            if line[0] in " \t" and bag.info:
                label, value = bag.info[-1]
                bag.info[-1] = (label, value + " " + line.strip())
                continue
            label, sep, value = line.partition(":")
            if not sep or not label.strip():
                problems.append(f"bag-info.txt 的行「{line[:60]}」不是「标签: 值」的格式")
                continue
            bag.info.append((label.strip(), value.strip()))
    if "fetch.txt" in bag.source.members:
        text = _read_text(bag, "fetch.txt", problems)
        for line in _lines(text or ""):
            if not line.strip():
                continue
            parts = line.split(None, 2)
            if len(parts) != 3:
                problems.append(f"fetch.txt 的行「{line[:60]}」不是「URL 长度 路径」的格式")
                continue
            path = _decode_path(parts[2])
            problem = path_problem(path) or (None if path.startswith("data/") else f"路径「{path}」不在 data/ 目录下")
            if problem:
                security.append(f"fetch.txt:{problem}")
            else:
                bag.fetch.add(path)
    for algorithm in [*bag.manifests, *bag.tagmanifests]:
        if hasher(algorithm) is None:
            problems.append(f"本机不支持摘要算法 {algorithm}")
    report.add("usability", "bagit.tag_files", "标签文件可读", problems,
               f"载荷清单 {', '.join(sorted(bag.manifests))};标签清单 {', '.join(sorted(bag.tagmanifests)) or '无'}")


def _hash_all(bag: Bag) -> None:
    """Hash every listed file once, with every algorithm any manifest names for it."""
    wanted: dict[str, set[str]] = {}
    for table in (bag.manifests, bag.tagmanifests):
        for algorithm, entries in table.items():
            if hasher(algorithm) is None:
                continue
            for path in entries:
                if path in bag.source.members:
                    wanted.setdefault(path, set()).add(algorithm)
    for path, algorithms in sorted(wanted.items()):
        member = bag.source.members[path]
        if member.symlink or member.encrypted:
            continue
        hashes = {a: hasher(a)() for a in algorithms}  # type: ignore[misc]
        try:
            for chunk in bag.source.chunks(path):
                for h in hashes.values():
                    h.update(chunk)
        except (OpenError, OSError, ValueError) as err:
            bag_warn(bag, f"读取 {path} 失败:{err}")
            continue
        bag.computed[path] = {a: h.hexdigest() for a, h in hashes.items()}


def _missing(bag: Bag, path: str) -> bool:
    if path in bag.source.members:
        return False
    # A name written in another Unicode normalization than the file system keeps it.
    for form in ("NFC", "NFD"):
        if unicodedata.normalize(form, path) in bag.source.members:
            bag_warn(bag, f"清单中的「{path}」与包内文件名的 Unicode 规范化形式不同")
            return False
    return True


def _digest_problems(bag: Bag, table: dict[str, dict[str, str]]) -> list[str]:
    problems = []
    for algorithm, entries in sorted(table.items()):
        for path, digest in sorted(entries.items()):
            got = bag.computed.get(path, {}).get(algorithm)
            if got is None:
                for form in ("NFC", "NFD"):
                    got = bag.computed.get(unicodedata.normalize(form, path), {}).get(algorithm) or got
            if got is not None and got != digest:
                problems.append(f"「{path}」的 {algorithm} 摘要不符(清单 {digest[:16]}…,实际 {got[:16]}…)")
    return problems


def check_bag(source: Source, report: Report) -> Bag:
    """Run the BagIt checks into `report`; the parsed bag is returned for further checks."""
    bag = Bag(source)
    security: list[str] = list(source.problems)
    if not _declaration(bag, report):
        report.add("security", "bagit.paths", "路径不越界、无符号链接", security, "")
        return bag
    _tag_files(bag, report, security)
    for member in source.members.values():
        if member.symlink:
            security.append(f"「{member.path}」是符号链接")
    report.add("security", "bagit.paths", "路径不越界、无符号链接", security,
               "所有路径都在包内,没有符号链接")

    # Integrity: what is listed exists, what exists is listed, and the counts add up.
    problems: list[str] = []
    payload = bag.payload
    for algorithm, entries in sorted(bag.manifests.items()):
        for path in payload:
            if path not in entries and not any(unicodedata.normalize(f, path) in entries for f in _FORMS):
                problems.append(f"载荷文件「{path}」未列入 manifest-{algorithm}.txt")
        for path in entries:
            if _missing(bag, path):
                if path in bag.fetch:
                    bag_warn(bag, f"「{path}」尚未取回(fetch.txt):包不完整")
                else:
                    problems.append(f"manifest-{algorithm}.txt 列出的「{path}」不存在")
    for algorithm, entries in sorted(bag.tagmanifests.items()):
        for path in entries:
            if _missing(bag, path):
                problems.append(f"tagmanifest-{algorithm}.txt 列出的「{path}」不存在")
    report.add("integrity", "bagit.complete", "清单与文件一一对应", problems,
               f"{len(payload)} 个载荷文件均已列入清单,清单所列文件均存在")

    oxum = bag.info_value("Payload-Oxum")
    problems = []
    total = sum(source.members[p].size for p in payload)
    if oxum is not None:
        m = re.fullmatch(r"(\d+)\.(\d+)", oxum)
        if m is None:
            problems.append(f"Payload-Oxum「{oxum}」格式无效")
        elif (int(m.group(1)), int(m.group(2))) != (total, len(payload)):
            problems.append(f"Payload-Oxum 声明 {m.group(2)} 个文件 {m.group(1)} 字节,实有 {len(payload)} 个文件 {total} 字节")
    report.add("integrity", "bagit.oxum", "文件数与总字节数(Payload-Oxum)", problems,
               f"{len(payload)} 个文件,{total} 字节" + ("" if oxum is not None else "(包未声明 Payload-Oxum)"))

    # Authenticity: every digest of every manifest.
    _hash_all(bag)
    count = sum(len(e) for e in bag.manifests.values())
    report.add("authenticity", "bagit.payload_digests", "载荷文件摘要", _digest_problems(bag, bag.manifests),
               f"{count} 项摘要全部相符({', '.join(sorted(bag.manifests))})")
    count = sum(len(e) for e in bag.tagmanifests.values())
    report.add("authenticity", "bagit.tag_digests", "标签文件摘要", _digest_problems(bag, bag.tagmanifests),
               f"{count} 项摘要全部相符({', '.join(sorted(bag.tagmanifests))})" if count else "包没有标签清单")
    report.warnings += bag.warnings
    return bag
