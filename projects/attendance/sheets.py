"""The monthly attendance sheet of a cohort (출석부): one row per trainee, one column per session of the
month, and each row's totals: sessions by mark, absences after the lates rule, the rate, and the hours
completed.  Pure: no Flask, no database; the services hand in plain values.

The layout follows the sheets training administrators file with HRD-Net: one symbol per day, then the
counts.  The unit is the session, as in :mod:`.rules`: a session attended (present, late, left early, or
excused — 공가) counts its whole hours as completed; an absence counts none.  A session that nobody was
marked in (the roll was not taken) or that has not ended is shown empty and counts nowhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from projects.attendance import rules

#: The sheet's symbols (language-neutral, so a printed sheet reads the same to everyone; the page and the
#: CSV carry a legend).
SYMBOLS = {
    rules.PRESENT: "O",
    rules.LATE: "L",
    rules.LEFT_EARLY: "E",
    rules.ABSENT: "X",
    rules.EXCUSED: "V",
}
ATTENDED = frozenset({rules.PRESENT, rules.LATE, rules.LEFT_EARLY, rules.EXCUSED})


@dataclass(frozen=True)
class Column:
    """A session of the month."""

    session_id: int
    day: date
    hours: float
    held: bool  #: ended, and its roll taken


@dataclass(frozen=True)
class Row:
    user_id: int
    name: str
    cells: tuple[str, ...]  #: one mark per column ("" for a session not held)
    counts: Mapping[str, int]
    absences: int  #: after the lates rule
    held: int
    hours: float  #: completed
    rate: float | None

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(SYMBOLS.get(c, "") for c in self.cells)


@dataclass(frozen=True)
class Sheet:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    planned_hours: float
    held_hours: float
    totals: Mapping[str, int] = field(default_factory=dict)  #: marks of all trainees together

    @property
    def rate(self) -> float | None:
        """Attended sessions over held ones, all trainees together (as :func:`.rates.cohort_rate`)."""
        held = sum(r.held for r in self.rows)
        return sum(r.held - r.absences for r in self.rows) / held if held else None


def build(
    columns: Iterable[Column],
    trainees: Iterable[tuple[int, str]],
    marks: Mapping[tuple[int, int], str],
    programme_rules: rules.Rules,
) -> Sheet:
    """The sheet of *trainees* (id, name) over *columns*, from *marks* keyed by (session id, user id).

    A trainee without a mark in a held session is absent there, as in :func:`.rates.standings`.
    """
    cols = tuple(sorted(columns, key=lambda c: (c.day, c.session_id)))
    held_cols = [c for c in cols if c.held]
    per = max(programme_rules.lates_per_absence, 1)
    out = []
    totals = dict.fromkeys(rules.STATUSES, 0)
    for user_id, name in trainees:
        cells = tuple(marks.get((c.session_id, user_id), rules.ABSENT) if c.held else "" for c in cols)
        counts = dict.fromkeys(rules.STATUSES, 0)
        hours = 0.0
        for col, cell in zip(cols, cells, strict=True):
            if cell:
                counts[cell] += 1
                if cell in ATTENDED:
                    hours += col.hours
        for key, value in counts.items():
            totals[key] += value
        held = len(held_cols)
        absences = counts[rules.ABSENT] + (counts[rules.LATE] + counts[rules.LEFT_EARLY]) // per
        out.append(
            Row(
                user_id=user_id,
                name=name,
                cells=cells,
                counts=counts,
                absences=absences,
                held=held,
                hours=round(hours, 2),
                rate=(held - absences) / held if held else None,
            )
        )
    return Sheet(
        columns=cols,
        rows=tuple(out),
        planned_hours=round(sum(c.hours for c in cols), 2),
        held_hours=round(sum(c.hours for c in held_cols), 2),
        totals=totals,
    )


def month_bounds(month: str) -> tuple[date, date]:
    """The first day of ``YYYY-MM`` and the first of the next month; ValueError for anything else."""
    year, _, mon = month.partition("-")
    if len(year) != 4 or len(mon) != 2:
        raise ValueError(month)
    first = date(int(year), int(mon), 1)
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, nxt


def csv_rows(sheet: Sheet, header: list[str]) -> list[list[str]]:
    """The sheet as CSV rows: *header*'s labels (name, then the totals' labels: present, late, left early,
    absent, excused, absences, hours, rate), one column per session headed by its date, then a trainee a
    row; formula-like cells are neutralised by the caller's writer."""
    name, *totals = header
    head = [name, *(c.day.isoformat() for c in sheet.columns), *totals]
    body = [
        [
            r.name,
            *r.symbols,
            *(str(r.counts[s]) for s in rules.STATUSES),
            str(r.absences),
            f"{r.hours:g}",
            "" if r.rate is None else f"{r.rate * 100:.1f}",
        ]
        for r in sheet.rows
    ]
    return [head, *body]
