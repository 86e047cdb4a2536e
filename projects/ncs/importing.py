"""Parsing an NCS unit CSV in the national export's shape (pure: no Flask, no database).

One row per capability-unit element, as the NCS export lists them; rows with the same unit code are one unit.
Columns, in any order, with Korean (the export's) or English headers: ``능력단위코드/code``,
``능력단위명/name_ko``, ``능력단위명(영문)/name_en`` (optional), ``수준/level``, ``능력단위요소명/element``
(optional), ``능력단위요소코드/element_code`` (optional).  Other columns (the classification names) are
ignored.  UTF-8 with or without a byte-order mark.  Every problem is listed with its line; the caller
imports all rows or none.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from projects.ncs import codes

HEADERS = {
    "code": "code",
    "unit code": "code",
    "능력단위코드": "code",
    "능력단위분류번호": "code",
    "name_ko": "name_ko",
    "name": "name_ko",
    "능력단위명": "name_ko",
    "name_en": "name_en",
    "english name": "name_en",
    "능력단위명(영문)": "name_en",
    "영문명": "name_en",
    "level": "level",
    "수준": "level",
    "능력단위수준": "level",
    "element": "element",
    "능력단위요소": "element",
    "능력단위요소명": "element",
    "element_code": "element_code",
    "능력단위요소코드": "element_code",
}
REQUIRED = ("code", "name_ko", "level")
MAX_ROWS = 5000
#: Column limits (the table's).
NAME_MAX, ELEMENT_MAX = 200, 300
#: NCS levels run from 1 to 8.
LEVELS = range(1, 9)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Unit:
    line: int  # where the unit first appears
    code: str
    prefix: str
    name_ko: str
    name_en: str
    level: int
    #: ``[{"code", "name"}]`` in file order.
    elements: list[dict] = field(default_factory=list)


@dataclass
class RowError:
    """A problem on one line; ``code`` selects the translated message, ``value`` names the culprit."""

    line: int
    code: str
    value: str = ""


@dataclass
class Parsed:
    units: list[Unit] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def parse_units_csv(data: bytes) -> Parsed:
    """Parse and check every row; collect all problems rather than stopping at the first."""
    out = Parsed()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        out.errors.append(RowError(0, "not_utf8"))
        return out
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        while header is not None and header[:1] and header[0].lstrip().startswith("#"):
            header = next(reader, None)  # the sample's note lines
    except csv.Error:
        out.errors.append(RowError(1, "unreadable"))
        return out
    if not header:
        out.errors.append(RowError(0, "empty"))
        return out
    columns = [HEADERS.get(h.strip().lower()) for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        out.errors.extend(RowError(reader.line_num, "missing_column", c) for c in missing)
        return out
    try:
        _read_rows(reader, columns, out)
    except csv.Error:
        out.errors.append(RowError(reader.line_num, "unreadable"))
    if not out.units and not out.errors:
        out.errors.append(RowError(0, "empty"))
    return out


def _read_rows(reader, columns: list, out: Parsed) -> None:
    by_prefix: dict[str, Unit] = {}
    rows = 0
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values) or values[0].lstrip().startswith("#"):
            continue
        rows += 1
        if rows > MAX_ROWS:
            out.errors.append(RowError(line, "too_many_rows", str(MAX_ROWS)))
            break
        rec = {col: v.strip() for col, v in zip(columns, values) if col}
        errors = _check_row(line, rec)
        if errors:
            out.errors.extend(errors)
            continue
        code = codes.parse(rec["code"])
        assert code is not None  # checked above
        unit = by_prefix.get(code.prefix)
        if unit is None:
            unit = Unit(
                line, str(code), code.prefix, rec["name_ko"], rec.get("name_en", ""), int(rec["level"])
            )
            by_prefix[code.prefix] = unit
            out.units.append(unit)
        elif unit.code != str(code) or unit.name_ko != rec["name_ko"] or unit.level != int(rec["level"]):
            # Two issues of one unit, or one unit described twice: the file must say one thing.
            out.errors.append(RowError(line, "unit_differs", str(unit.line)))
            continue
        if rec.get("element"):
            unit.elements.append({"code": rec.get("element_code", ""), "name": rec["element"]})


def _check_row(line: int, rec: dict) -> list[RowError]:
    errors = [RowError(line, "missing_value", c) for c in REQUIRED if not rec.get(c)]
    errors += [RowError(line, "control_character", c) for c, v in rec.items() if CONTROL.search(v)]
    if rec.get("code") and codes.parse(rec["code"]) is None:
        errors.append(RowError(line, "bad_code", rec["code"][:30]))
    if rec.get("level") and not (rec["level"].isdigit() and int(rec["level"]) in LEVELS):
        errors.append(RowError(line, "bad_level", rec["level"][:10]))
    for name in ("name_ko", "name_en"):
        if len(rec.get(name, "")) > NAME_MAX:
            errors.append(RowError(line, "too_long", name))
    if len(rec.get("element", "")) > ELEMENT_MAX or len(rec.get("element_code", "")) > 40:
        errors.append(RowError(line, "too_long", "element"))
    return errors
