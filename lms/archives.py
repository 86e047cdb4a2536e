"""Paths inside the ZIP archives the app builds: each entry gets a path no other entry has once unzipped.

A ZIP may hold two entries with one path; unzipping keeps one and silently drops the other. Disks on
Windows and macOS also take ``Film.mp4`` and ``film.mp4``, or a name in composed and decomposed Hangul, as one
file. :class:`UniqueNames` compares paths the way those disks do and numbers a repeat, so no file is lost.
"""

from __future__ import annotations

import re
import unicodedata

#: Names Windows will not create, whatever the extension (``CON.txt`` too).
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)", re.IGNORECASE)


def part_name(name: str | None, *, limit: int = 120) -> str:
    """One part of a path inside a ZIP we build, from a user's file or a title: no folders, no characters
    Windows refuses (``:*?"<>|``, control characters), no dot at the start, no dot or space at the end, and
    no reserved device name (``CON``, ``LPT1`` …), so every entry unzips on every disk.

    Two different names may give one part name (``A/B`` and ``A:B``): an archive adds an id where names must
    differ, and :class:`UniqueNames` numbers what still clashes."""
    name = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]", "_", name or "").strip().lstrip(".")
    name = name[:limit].rstrip(". ")
    if _RESERVED.match(name):
        name = "_" + name
    return name or "_"


class UniqueNames:
    """Hand out archive paths, numbering a path already given: ``a/film.mp4``, ``a/film (2).mp4`` …"""

    def __init__(self) -> None:
        self._taken: set[str] = set()
        self._folders: set[str] = set()

    @staticmethod
    def _key(path: str) -> str:
        return unicodedata.normalize("NFC", path).casefold()

    def add(self, path: str) -> str:
        """*path*, or *path* with `` (n)`` before its extension when an earlier entry took it."""
        candidate, n = path, 1
        folder, _, name = path.rpartition("/")
        stem, dot, ext = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
        while self._key(candidate) in self._taken or self._key(candidate) in self._folders:
            n += 1
            numbered = f"{stem} ({n}).{ext}" if dot else f"{name} ({n})"
            candidate = f"{folder}/{numbered}" if folder else numbered
        self._taken.add(self._key(candidate))
        parts = candidate.split("/")[:-1]
        self._folders.update(self._key("/".join(parts[: i + 1])) for i in range(len(parts)))
        return candidate
