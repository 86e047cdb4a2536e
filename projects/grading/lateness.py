"""Late work, purely: a project's late policy and the started days a hand-in is late.

:func:`projects.grading.rules.grade` takes the penalty from the scaled grade (step 3 of its order); the
policies live here so that the rule for lateness reads apart from the rubric arithmetic.  No Flask, no
database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, localcontext
from enum import Enum

from projects.grading.arithmetic import CONTEXT, HUNDRED, GradingError, decimal_of

__all__ = ["LatePolicyKind", "LatePolicy", "late_days"]


class LatePolicyKind(str, Enum):
    """How work handed in after the deadline is penalised."""

    NONE = "none"
    PER_DAY = "per_day"
    CAP = "cap"


@dataclass(frozen=True)
class LatePolicy:
    """A project's late-work rule.

    ``PER_DAY`` takes ``percent`` of the maximum grade for each started late
    day, but never below ``floor`` percent of it (and a grade already below
    the floor is left alone: the penalty never raises a grade).  ``CAP``
    limits late work to ``percent`` of the maximum grade.  ``floor`` only
    matters to ``PER_DAY``; ``NONE`` ignores both numbers.

    :raises GradingError: ``bad_policy`` for an unknown kind or a percentage
        outside ``[0, 100]``.
    """

    kind: LatePolicyKind = LatePolicyKind.NONE
    percent: Decimal = Decimal(0)
    floor: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        try:
            kind = LatePolicyKind(self.kind)
        except ValueError:
            raise GradingError(
                "bad_policy", kind=self.kind, detail=f"unknown late policy {self.kind!r}"
            ) from None
        object.__setattr__(self, "kind", kind)
        for name in ("percent", "floor"):
            value = decimal_of(getattr(self, name), "bad_policy", name)
            if not 0 <= value <= HUNDRED:
                raise GradingError("bad_policy", **{name: value}, detail=f"{name} must be between 0 and 100")
            object.__setattr__(self, name, value)

    def penalty(self, scaled: Decimal, max_grade: Decimal, days: int) -> Decimal:
        """How much to take from *scaled* (a grade out of *max_grade*) for work *days* late."""
        if days <= 0 or self.kind is LatePolicyKind.NONE:
            return Decimal(0)
        with localcontext(CONTEXT):
            if self.kind is LatePolicyKind.CAP:
                return max(scaled - max_grade * self.percent / HUNDRED, Decimal(0))
            floor = max_grade * self.floor / HUNDRED
            if scaled <= floor:
                return Decimal(0)
            return min(max_grade * self.percent / HUNDRED * days, scaled - floor)


def late_days(submitted_at: datetime, due_at: datetime) -> int:
    """The started 24-hour periods between *due_at* and *submitted_at*.

    Work handed in at or before the deadline is 0 days late; one second after
    it, 1 day.  Both datetimes must be timezone-aware.

    :raises ValueError: for a naive datetime, whose instant is unknown.
    """
    for value in (submitted_at, due_at):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("late_days needs timezone-aware datetimes")
    # Subtracting datetimes that share a tzinfo ignores their UTC offsets, so
    # a deadline across a change to summer time would be an hour off; in UTC
    # the difference is the time that really passed.
    late = submitted_at.astimezone(UTC) - due_at.astimezone(UTC)
    if late <= timedelta(0):
        return 0
    # divmod on timedeltas is exact integer arithmetic, unlike late / timedelta(days=1).
    days, rest = divmod(late, timedelta(days=1))
    return days + (1 if rest else 0)
