"""Peer marks, purely: the mark a work gets from its reviewers, and the grade each reviewer gets for judging.

A *mark* here is one criterion's points; an assessment is a mapping criterion id → points. Every number is
a :class:`~decimal.Decimal` computed in the grading core's context
(:data:`projects.grading.arithmetic.CONTEXT`), so a result never depends on float rounding.

- :func:`median` and :func:`trimmed_mean` combine the reviewers' marks of one criterion (median by default:
  one careless or spiteful reviewer cannot move it far).
- :func:`deviation` measures how far an assessment lies from a reference (the instructor's assessment of a
  calibration example, or the median of the other reviewers): 0 is the same marks, 1 is as far as the
  criteria's ranges allow. Criteria count by their weight.
- :func:`assessing_grade` turns a deviation into a grade out of 100 for the reviewer's judgement; the
  strictness says how fast it falls (Moodle's Workshop has five levels; so do we).
- :func:`combine` weighs peer, self and instructor grades into one, leaving out what is missing.
- :func:`enough_reviews` is the flexible threshold: after a wait, fewer reviews will do.

No Flask, no database.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal, localcontext

from projects.grading.arithmetic import CONTEXT, HUNDRED

__all__ = [
    "Strictness",
    "assessing_grade",
    "combine",
    "deviation",
    "enough_reviews",
    "median",
    "peer_marks",
    "trimmed_mean",
]

ZERO = Decimal(0)
ONE = Decimal(1)


class Strictness(str, enum.Enum):
    """How fast the assessing grade falls with the deviation (grade = 100 × (1 − factor × deviation))."""

    VERY_LAX = "very_lax"
    LAX = "lax"
    FAIR = "fair"
    STRICT = "strict"
    VERY_STRICT = "very_strict"

    @property
    def factor(self) -> Decimal:
        return _FACTORS[self]


# Fair: an assessment half the ranges away from the reference gets 0; very lax needs the whole range.
_FACTORS = {
    Strictness.VERY_LAX: Decimal(1),
    Strictness.LAX: Decimal("1.5"),
    Strictness.FAIR: Decimal(2),
    Strictness.STRICT: Decimal(3),
    Strictness.VERY_STRICT: Decimal(5),
}


def _numbers(values: Iterable[Decimal | int | str]) -> list[Decimal]:
    numbers = [Decimal(str(v)) for v in values]
    if not numbers:
        raise ValueError("no marks to combine")
    if not all(n.is_finite() for n in numbers):
        raise ValueError("marks must be finite numbers")
    return sorted(numbers)


def median(values: Iterable[Decimal | int | str]) -> Decimal:
    """The middle mark (the mean of the two middle ones for an even count)."""
    numbers = _numbers(values)
    middle = len(numbers) // 2
    if len(numbers) % 2:
        return numbers[middle]
    with localcontext(CONTEXT):
        return (numbers[middle - 1] + numbers[middle]) / 2


def trimmed_mean(values: Iterable[Decimal | int | str], trim: Decimal | str = "0.2") -> Decimal:
    """The mean after dropping the lowest and the highest *trim* share of the marks (each side).

    With *trim* 0.2 and five marks, the lowest and the highest go; with fewer than five, none does (a share
    of a mark is never dropped).
    """
    numbers = _numbers(values)
    share = Decimal(str(trim))
    if not ZERO <= share < Decimal("0.5"):
        raise ValueError("trim must be at least 0 and under 0.5")
    with localcontext(CONTEXT):
        drop = int(share * len(numbers))
        kept = numbers[drop : len(numbers) - drop]
        return sum(kept, ZERO) / len(kept)


def peer_marks(
    assessments: Iterable[Mapping[str, Decimal]], method: str = "median", trim: Decimal | str = "0.2"
) -> dict[str, Decimal]:
    """Per criterion, the reviewers' combined mark (*method* ``median`` or ``trimmed_mean``).

    A criterion a reviewer left out is combined from the others' marks only.
    """
    by_criterion: dict[str, list[Decimal]] = {}
    for assessment in assessments:
        for criterion, points in assessment.items():
            by_criterion.setdefault(criterion, []).append(Decimal(str(points)))
    if method == "median":
        return {c: median(v) for c, v in by_criterion.items()}
    if method == "trimmed_mean":
        return {c: trimmed_mean(v, trim) for c, v in by_criterion.items()}
    raise ValueError(f"unknown method {method!r}")


def deviation(
    assessment: Mapping[str, Decimal],
    reference: Mapping[str, Decimal],
    ranges: Mapping[str, Decimal],
    weights: Mapping[str, Decimal] | None = None,
) -> Decimal:
    """How far *assessment* lies from *reference*, between 0 (the same) and 1 (as far as can be).

    The root of the weighted mean of the squared differences, each scaled by its criterion's range (the most
    points it can get minus the fewest). Only criteria marked in both count; a criterion with no range
    (every level the same points) says nothing about judgement and is left out.
    """
    with localcontext(CONTEXT):
        total = weight_sum = ZERO
        for criterion, points in assessment.items():
            if criterion not in reference:
                continue
            span = Decimal(str(ranges.get(criterion, 0)))
            if span <= 0:
                continue
            weight = Decimal(str((weights or {}).get(criterion, 1)))
            diff = min(abs(Decimal(str(points)) - Decimal(str(reference[criterion]))) / span, ONE)
            total += weight * diff * diff
            weight_sum += weight
        if weight_sum == 0:
            return ZERO
        return (total / weight_sum).sqrt()


def assessing_grade(deviation_: Decimal, strictness: Strictness = Strictness.FAIR) -> Decimal:
    """The grade out of 100 for an assessment *deviation_* away from its reference (never below 0)."""
    with localcontext(CONTEXT):
        return max(HUNDRED * (ONE - Strictness(strictness).factor * Decimal(deviation_)), ZERO)


def combine(parts: Mapping[str, tuple[Decimal | None, Decimal]]) -> Decimal | None:
    """The weighted mean of the grades present: ``{"peer": (grade, weight), "self": ..., "instructor": ...}``.

    A missing grade (None) or a zero weight leaves its part out and the other weights count in proportion
    (peer review as feedback only is a peer weight of 0). None when nothing is left.
    """
    with localcontext(CONTEXT):
        total = weight_sum = ZERO
        for grade, weight in parts.values():
            weight = Decimal(str(weight))
            if weight < 0:
                raise ValueError("weights cannot be negative")
            if grade is None or weight == 0:
                continue
            total += Decimal(str(grade)) * weight
            weight_sum += weight
        return total / weight_sum if weight_sum else None


def enough_reviews(
    received: int, wanted: int, days_waited: float, flexible_after_days: float | None, share: str = "0.3"
) -> bool:
    """Whether a work may be graded from its peer reviews.

    All *wanted* reviews will do at once; after *flexible_after_days* (None: never), at least *share* of
    them (rounded up, at least one) — a work nobody got round to is not held back for ever.
    """
    if received >= wanted:
        return True
    if flexible_after_days is None or days_waited < flexible_after_days:
        return False
    with localcontext(CONTEXT):
        need = max(int((Decimal(share) * wanted).to_integral_value(rounding="ROUND_CEILING")), 1)
    return received >= need
