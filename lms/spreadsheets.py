"""CSV cells a spreadsheet shows as text: the one escape every CSV the app writes goes through.

Excel and LibreOffice run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a
formula (OWASP "CSV injection"); a plain number such as ``-1.5`` stays a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation


def safe_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: a leading = + - @ tab or CR would start a formula."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    """A plain finite number (``-1.5``); ``+NaN`` or ``-Infinity`` a spreadsheet reads as a formula."""
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def csv_text(rows: Iterable[Iterable]) -> str:
    """*rows* (the header row included) as CSV text, every cell through :func:`safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
