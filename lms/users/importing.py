"""Parsing the trainee CSV (pure: no Flask, no database).

Columns, in any order, with English or Korean headers:
``name/이름, email/이메일, programme/과정, cohort/기수, language/언어``.
UTF-8 with or without a byte-order mark (Excel adds one).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

HEADERS = {
    "name": "name",
    "이름": "name",
    "성명": "name",
    "email": "email",
    "e-mail": "email",
    "이메일": "email",
    "programme": "programme",
    "program": "programme",
    "과정": "programme",
    "cohort": "cohort",
    "기수": "cohort",
    "language": "language",
    "preferred language": "language",
    "언어": "language",
}
REQUIRED = ("name", "email", "programme", "cohort")
#: Other spellings of a language code that spreadsheets carry ("zh-CN", "tl").
ALIASES = {"zh": "zh_Hans", "zh-cn": "zh_Hans", "zh_cn": "zh_Hans", "zh-hans": "zh_Hans", "tl": "fil"}
MAX_ROWS = 5000
#: Control characters other than tab and line ends: PostgreSQL refuses NUL, and none belongs in a name.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Row:
    line: int
    name: str
    email: str
    programme: str
    cohort: str
    language: str | None


@dataclass
class RowError:
    """A problem on one line; ``code`` selects the translated message, ``value`` names the culprit."""

    line: int
    code: str
    value: str = ""


@dataclass
class Parsed:
    #: The rows without a format problem (what an import would write).
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: Every data row read, with or without format problems, so the checks against the database (programme,
    #: cohort, existing account) reach every row too and one pass lists every problem of every row.
    checked: list[Row] = field(default_factory=list)
    #: What a ``language`` cell may say, lowercased, and the code each means.
    names: dict[str, str] = field(default_factory=dict)


def language_names(languages) -> dict[str, str]:
    """Every way a sheet may name each of *languages*: its code (any case, ``-`` or ``_``), and its name in
    English, in Korean and in itself ("vi", "Vietnamese", "베트남어", "Tiếng Việt")."""
    from babel import Locale

    names: dict[str, str] = {}
    for code in languages:
        locale = Locale.parse(code)
        for name in (
            code,
            code.replace("_", "-"),
            locale.get_display_name("en"),
            locale.get_display_name("ko"),
            locale.get_display_name(code),
            locale.get_language_name("en"),
            locale.get_language_name("ko"),
            locale.get_language_name(code),
        ):
            if name:
                names.setdefault(name.strip().lower(), code)
    for alias, code in ALIASES.items():
        if code in languages:
            names.setdefault(alias, code)
    return names


def parse_trainee_csv(data: bytes, languages=("ko", "en")) -> Parsed:
    """Parse and check every row; collect all problems rather than stopping at the first.

    *languages*: the codes a ``language`` cell may name (the offered interface languages); a cell may give
    the code or the language's name (see :func:`language_names`), or stay empty."""
    out = Parsed(names=language_names(languages))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        out.errors.append(RowError(0, "not_utf8"))
        return out
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader, None)
    except csv.Error:
        out.errors.append(RowError(1, "unreadable"))
        return out
    if not header:
        out.errors.append(RowError(0, "empty"))
        return out
    columns = [HEADERS.get(h.strip().lower()) for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        out.errors.extend(RowError(1, "missing_column", c) for c in missing)
        return out
    try:
        _read_rows(reader, columns, out)
    except csv.Error:  # e.g. a cell over the csv module's 128 KiB limit: report the line, never crash
        out.errors.append(RowError(reader.line_num, "unreadable"))
    if not out.rows and not out.errors:
        out.errors.append(RowError(0, "empty"))
    return out


def _read_rows(reader, columns: list, out: Parsed) -> None:
    """Check each data row into *out*: a row goes to ``rows`` or its problems to ``errors``."""
    seen: dict[str, int] = {}
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(out.checked) >= MAX_ROWS:
            out.errors.append(RowError(line, "too_many_rows", str(MAX_ROWS)))
            break
        rec = {col: v.strip() for col, v in zip(columns, values) if col}
        row_errors = _check_row(line, rec, seen, out.names)
        row = Row(
            line,
            rec.get("name", ""),
            rec.get("email", ""),
            rec.get("programme", ""),
            rec.get("cohort", ""),
            out.names.get(rec.get("language", "").lower()),
        )
        out.checked.append(row)
        if row_errors:
            out.errors.extend(row_errors)
        else:
            out.rows.append(row)


def _check_row(line: int, rec: dict, seen: dict[str, int], names: dict[str, str]) -> list[RowError]:
    errors = [RowError(line, "missing_value", c) for c in REQUIRED if not rec.get(c)]
    errors += [RowError(line, "control_character", c) for c, v in rec.items() if CONTROL.search(v)]
    if len(rec.get("name", "")) > 120:
        errors.append(RowError(line, "name_too_long", rec["name"][:20]))
    email = rec.get("email", "")
    if email:
        try:
            rec["email"] = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            errors.append(RowError(line, "bad_email", email))
        else:
            if rec["email"] in seen:
                errors.append(RowError(line, "duplicate_in_file", str(seen[rec["email"]])))
            seen.setdefault(rec["email"], line)
    if rec.get("language", "") and rec["language"].lower() not in names:
        errors.append(RowError(line, "bad_language", rec["language"]))
    return errors
