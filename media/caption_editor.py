"""The caption editor's rows: a track's cues as editable rows, and rows back to a WebVTT file (pure).

The rows come from a form (one ``start``, ``end``, ``text``, ``settings`` per cue).  They are turned into
WebVTT text that :func:`media.caption_services.replace_cues` checks exactly as an uploaded file is; the
line of each cue's timing is kept, so a problem found on a line is shown on its row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from media.captions import format_timestamp, parse_vtt

#: ``1:02.5``, ``01:02.500``, ``1:01:02,5`` or plain seconds ``62.5``: what people type.
_LOOSE_TIME = re.compile(
    r"^\s*(?:(?:(\d{1,2}):)?(\d{1,2}):)?(\d{1,2}(?:[.,]\d{1,3})?|\d+(?:[.,]\d{1,3})?)\s*$"
)


@dataclass
class Row:
    """One cue as the editor shows it: times as text (as typed, until they read as a time)."""

    start: str
    end: str
    text: str
    settings: str = ""
    #: Where the row's timing line is in the built file (1-based); 0 until built.
    line: int = 0
    #: The reasons found on this row, as sentences (filled by the view).
    problems: list[str] | None = None

    @property
    def blank(self) -> bool:
        return not (self.start.strip() or self.end.strip() or self.text.strip())


def seconds(text: str) -> float | None:
    """The time *text* names, in seconds; None when it is not a time."""
    match = _LOOSE_TIME.match(text or "")
    if match is None:
        return None
    hours, minutes, secs = match.groups()
    if (hours or minutes) and float(secs.replace(",", ".")) >= 60:
        return None
    if hours and int(minutes) >= 60:
        return None
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(secs.replace(",", "."))


def rows_from_vtt(vtt: str) -> list[Row]:
    """The cues of a stored (already checked) track as rows."""
    return [
        Row(format_timestamp(c.start), format_timestamp(c.end), c.text, c.settings)
        for c in parse_vtt(vtt).cues
    ]


def clean_text(text: str) -> str:
    """Cue text from a text box: line ends made ``\\n``, blank lines dropped (a blank line ends a cue)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines if line.strip())


def build_vtt(rows: list[Row]) -> str:
    """A WebVTT file of *rows* (blank rows left out), in start order; each row's ``line`` is set."""
    kept = [r for r in rows if not r.blank]
    kept.sort(key=lambda r: (seconds(r.start) is None, seconds(r.start) or 0.0))
    rows[:] = kept
    out = ["WEBVTT", ""]
    for row in rows:
        start, end = seconds(row.start), seconds(row.end)
        # A time that does not read is written as typed: the checks then name it on its row.
        first = format_timestamp(start) if start is not None else row.start.strip() or "?"
        last = format_timestamp(end) if end is not None else row.end.strip() or "?"
        settings = " ".join(row.settings.split())
        row.line = len(out) + 1
        out.append(f"{first} --> {last}" + (f" {settings}" if settings else ""))
        text = clean_text(row.text)
        out.extend(text.split("\n") if text else [])
        out.append("")
    return "\n".join(out)


def row_number(rows: list[Row], line: int | None) -> int | None:
    """The 1-based number of the row whose cue holds file line *line*."""
    if not line:
        return None
    number = None
    for index, row in enumerate(rows, start=1):
        if row.line and row.line <= line:
            number = index
    return number
