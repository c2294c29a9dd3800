"""Where a bag's files come from: a ZIP file or an unpacked directory, read the same way.

Nothing is extracted: files are streamed out of the ZIP (or the directory) as they are hashed,
so a package of any size is checked in constant memory. Paths are bag-relative, with "/".
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


@dataclass
class Member:
    path: str
    size: int
    # The file's time as the container keeps it: a ZIP's (UTC, 2-second steps) or None.
    modified: dt.datetime | None = None
    symlink: bool = False
    encrypted: bool = False


class OpenError(ValueError):
    """The package cannot be read at all (not a ZIP, not a directory, unreadable)."""


class Source:
    """A bag's members; `problems` lists entries that lie outside the bag or cannot be trusted."""

    members: dict[str, Member]
    problems: list[str]

    def open(self, path: str) -> BinaryIO:
        raise NotImplementedError

    def read(self, path: str, limit: int = 64 << 20) -> bytes:
        with self.open(path) as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise OpenError(f"{path} 过大,无法作为标签文件读取")
        return data

    def chunks(self, path: str) -> Iterator[bytes]:
        with self.open(path) as f:
            while chunk := f.read(CHUNK):
                yield chunk

    def close(self) -> None:
        pass


def _unsafe(name: str) -> bool:
    parts = name.split("/")
    return name.startswith(("/", "~")) or "\\" in name or ".." in parts or (len(name) > 1 and name[1] == ":")


class ZipSource(Source):
    """A ZIP holding one bag: either directly, or (the usual serialization) in one top directory."""

    def __init__(self, path: Path) -> None:
        try:
            self.zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as err:
            raise OpenError(f"无法作为 ZIP 打开 {path}:{err}")
        self.problems = []
        infos = self.zf.infolist()
        names = [i.filename for i in infos]
        # The bag is where bagit.txt is: at the top, or (the usual serialization) one directory down.
        # Anything else in the ZIP lies outside the bag and is reported, not silently ignored.
        nested = sorted(n[: -len("bagit.txt")] for n in names if n.count("/") == 1 and n.endswith("/bagit.txt"))
        prefix = "" if "bagit.txt" in names or len(nested) != 1 else nested[0]
        self.prefix = prefix
        self.members = {}
        for info in infos:
            name = info.filename
            if _unsafe(name):
                self.problems.append(f"ZIP 条目「{name}」的路径越出归档包")
                continue
            if not name.startswith(prefix):
                self.problems.append(f"ZIP 条目「{name}」不在归档包目录内")
                continue
            if info.is_dir():
                continue
            mode = info.external_attr >> 16
            try:
                modified: dt.datetime | None = dt.datetime(*info.date_time, tzinfo=dt.UTC)
            except ValueError:
                modified = None
            rel = name[len(prefix):]
            self.members[rel] = Member(rel, info.file_size, modified, symlink=stat.S_ISLNK(mode),
                                       encrypted=bool(info.flag_bits & 0x1))

    def open(self, path: str) -> BinaryIO:
        member = self.members[path]
        if member.encrypted:
            raise OpenError(f"{path} 已加密,无法读取")
        return self.zf.open(self.prefix + path)  # type: ignore[return-value]

    def close(self) -> None:
        self.zf.close()


class DirSource(Source):
    """An unpacked bag. Symbolic links are listed, never followed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems = []
        self.members = {}
        for here, dirs, files in os.walk(root, followlinks=False):
            base = Path(here)
            for d in list(dirs):
                if (base / d).is_symlink():
                    rel = (base / d).relative_to(root).as_posix()
                    self.members[rel] = Member(rel, 0, symlink=True)
                    dirs.remove(d)
            for f in files:
                full = base / f
                rel = full.relative_to(root).as_posix()
                st = full.lstat()
                if stat.S_ISLNK(st.st_mode):
                    self.members[rel] = Member(rel, 0, symlink=True)
                elif stat.S_ISREG(st.st_mode):
                    self.members[rel] = Member(rel, st.st_size)
                else:
                    self.problems.append(f"「{rel}」不是普通文件")

    def open(self, path: str) -> BinaryIO:
        member = self.members[path]
        if member.symlink:
            raise OpenError(f"{path} 是符号链接,不会跟随")
        return open(self.root / path, "rb")


def open_source(path: Path) -> Source:
    if path.is_dir():
        return DirSource(path)
    if path.is_file():
        return ZipSource(path)
    raise OpenError(f"找不到归档包:{path}")
