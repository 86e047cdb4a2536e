"""Attendance arithmetic: a mark from the clock, lates and early leaves into absences, the rate of a period
and its projection.  Pure: no Flask, no database; the services hand in plain values.

The unit is the session: a trainee attends it or not.  An excused absence counts as attended (공가: it is
neither held against the trainee nor taken out of the period), as the centre's training rules do.  Every
``lates_per_absence`` lates or early leaves, together, make one absence (commonly 3 = 1).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

PRESENT, LATE, LEFT_EARLY, ABSENT, EXCUSED = "present", "late", "left_early", "absent", "excused"
STATUSES = (PRESENT, LATE, LEFT_EARLY, ABSENT, EXCUSED)


@dataclass(frozen=True)
class Rules:
    """A programme's rules.  ``min_rate`` is a fraction (0.8); ``period`` is ``month`` or ``course``."""

    grace_minutes: int = 10
    lates_per_absence: int = 3
    min_rate: float = 0.8
    period: str = "month"


def mark_for(
    starts_at: datetime,
    ends_at: datetime,
    arrived_at: datetime | None,
    left_at: datetime | None,
    rules: Rules,
) -> str:
    """The mark the clock gives: absent without an arrival, late past the grace minutes, left early when
    leaving more than the grace minutes before the end (arriving late wins over leaving early)."""
    if arrived_at is None:
        return ABSENT
    grace = timedelta(minutes=rules.grace_minutes)
    if arrived_at > starts_at + grace:
        return LATE
    if left_at is not None and left_at < ends_at - grace:
        return LEFT_EARLY
    return PRESENT


@dataclass(frozen=True)
class Tally:
    """What a trainee's marks in a period come to."""

    held: int  #: sessions held so far (each has a mark, "absent" for none)
    planned: int  #: sessions of the whole period, held or not
    absent: int
    lates: int  #: lates and early leaves together
    excused: int
    absences: int  #: absences after the lates rule
    lates_per_absence: int
    min_rate: float

    @property
    def rate(self) -> float | None:
        """Attended sessions over those held; None before any is held."""
        return (self.held - self.absences) / self.held if self.held else None

    @property
    def projection(self) -> float | None:
        """The rate at the end of the period if the trainee goes on as so far: the remaining sessions bring
        absences and lates at the pace of the held ones (so two lates in ten sessions become four in twenty,
        one absence, though the rule counts none yet)."""
        if not self.held:
            return None
        scale = self.planned / self.held
        # The rule only ever counts whole absences and whole groups of lates.
        absent = math.floor(self.absent * scale + 1e-9)
        lates = math.floor(self.lates * scale + 1e-9)
        return (self.planned - absent - lates // self.lates_per_absence) / self.planned

    @property
    def absences_left(self) -> int:
        """How many more absences the period allows before its rate falls below the minimum."""
        allowed = math.floor(self.planned * (1 - self.min_rate) + 1e-9)
        return max(allowed - self.absences, 0)

    @property
    def below(self) -> bool:
        """The rate or its projection is under the minimum: time to warn."""
        return any(value is not None and value < self.min_rate for value in (self.rate, self.projection))


def tally(marks: Iterable[str], planned: int, rules: Rules) -> Tally:
    """Count *marks* (one per held session) of a period of *planned* sessions under *rules*."""
    counts = dict.fromkeys(STATUSES, 0)
    for mark in marks:
        counts[mark] += 1
    held = sum(counts.values())
    lates = counts[LATE] + counts[LEFT_EARLY]
    per = max(rules.lates_per_absence, 1)
    return Tally(
        held=held,
        planned=max(planned, held),
        absent=counts[ABSENT],
        lates=lates,
        excused=counts[EXCUSED],
        absences=counts[ABSENT] + lates // per,
        lates_per_absence=per,
        min_rate=rules.min_rate,
    )


def period_key(day, period: str) -> str:
    """The period a day belongs to: ``2026-12`` for a month, ``course`` for the whole course."""
    return f"{day.year:04d}-{day.month:02d}" if period == "month" else "course"
