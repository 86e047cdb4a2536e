"""NCS unit codes (pure: no Flask, no database).

A capability unit's code is ``2001020201_16v3``: four 2-digit classification levels (major, middle, minor,
detailed), a 2-digit unit number, ``_``, the 2-digit year and the version.  The national body re-issues a
unit with a new year or version while it stays the same unit, so units are matched on the 10-digit prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CODE = re.compile(r"(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})_(\d{2})v(\d{1,2})")
PREFIX = re.compile(r"\d{10}")


@dataclass(frozen=True)
class UnitCode:
    major: str
    middle: str
    minor: str
    detail: str
    unit: str
    year: int  # four digits: ``16`` is 2016
    version: int

    @property
    def prefix(self) -> str:
        """The 10 digits that name the unit whatever its year and version."""
        return f"{self.major}{self.middle}{self.minor}{self.detail}{self.unit}"

    @property
    def classification(self) -> str:
        """The detailed classification (8 digits) the unit belongs to."""
        return self.prefix[:8]

    def __str__(self) -> str:
        return f"{self.prefix}_{self.year % 100:02d}v{self.version}"


def parse(text: str) -> UnitCode | None:
    """``"2001020201_16v3"`` -> its parts; None for anything else (spaces around are allowed)."""
    found = CODE.fullmatch((text or "").strip())
    if found is None:
        return None
    major, middle, minor, detail, unit, year, version = found.groups()
    return UnitCode(major, middle, minor, detail, unit, year=2000 + int(year), version=int(version))


def prefix_of(text: str) -> str | None:
    """The 10-digit prefix of a full code or of a bare prefix; None when *text* is neither."""
    text = (text or "").strip()
    if PREFIX.fullmatch(text):
        return text
    code = parse(text)
    return code.prefix if code else None


def same_unit(a: str, b: str) -> bool:
    """Whether two codes (or prefixes) name the same unit, whatever their year and version."""
    pa, pb = prefix_of(a), prefix_of(b)
    return pa is not None and pa == pb


def newer(a: UnitCode, b: UnitCode) -> bool:
    """Whether *a* is a later issue than *b* (year first, then version)."""
    return (a.year, a.version) > (b.year, b.version)


def split_codes(text: str) -> list[str]:
    """The codes typed in one box: separated by commas, semicolons, spaces or new lines."""
    return [part for part in re.split(r"[\s,;]+", text or "") if part]
