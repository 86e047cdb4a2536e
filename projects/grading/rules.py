"""Rubric arithmetic: from a grader's marks to the grade on the sheet.

A :class:`Rubric` has weighted criteria; each criterion has levels that give
either fixed points or a range the grader picks a value from.  :func:`grade`
turns one :class:`Mark` per criterion into a :class:`Grade` in this order:

1. *raw*: the sum of ``weight * points`` over the criteria;
2. *scale*: ``raw / max_raw * max_grade``, so a rubric of any size lands on
   the project's scale;
3. *late penalty* (:class:`~projects.grading.lateness.LatePolicy`), taken from the scaled grade so that
   "10 % per day" means 10 points of 100 whatever the rubric's own total;
4. *adjustment*: the individual correction a team member may get, added after
   the penalty because it is about the person, not about when the work came in;
5. *clamp* to ``[0, max_grade]``, as the adjustment may overshoot either end;
6. *round* once, half up, to ``places`` decimals.

Rounding only at the end means the final figure is what an instructor gets
working it out by hand from the same marks, not an accumulation of step-wise
roundings; half up is the rule taught at school (84.25 gives 84.3 where
Python's default would give 84.2).  Points are :class:`~decimal.Decimal`
throughout and every input is read through ``str``, so ``0.1`` is one tenth:
on a grade sheet 0.1 + 0.2 has to be 0.3.

Nothing here imports Flask or the database (architecture rule 7), so the CLI,
the worker and the tests can grade without an application.  The error type and
the decimal settings are in :mod:`~projects.grading.arithmetic`, the late
policies in :mod:`~projects.grading.lateness`; both are importable from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, cast

from projects.grading.arithmetic import CONTEXT, ERROR_CODES, GradingError, decimal_of
from projects.grading.lateness import LatePolicy, LatePolicyKind, late_days

__all__ = [
    "ERROR_CODES",
    "GradingError",
    "Level",
    "Criterion",
    "Rubric",
    "rubric_from_dict",
    "Mark",
    "criterion_points",
    "LatePolicyKind",
    "LatePolicy",
    "late_days",
    "Grade",
    "grade",
]


def _check_id(value: Any, what: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise GradingError("bad_rubric", detail=f"a {what} id must be a non-empty string, not {value!r}")


def _points(value: Any, what: str, **params: Any) -> Decimal:
    number = decimal_of(value, "bad_rubric", what, **params)
    if number < 0:
        raise GradingError("bad_rubric", value=number, **params, detail=f"{what} must not be negative")
    return number


@dataclass(frozen=True)
class Level:
    """One achievement level of a criterion.

    Either a fixed-points level (``points``) or a range level, for which the
    grader gives a value in ``[min_points, max_points]``.  Numbers may be
    given as int, float, str or Decimal and are stored as Decimal.

    :raises GradingError: ``bad_rubric`` for a level that is neither or both
        kinds, negative points or ``min_points > max_points``.
    """

    id: str
    points: Decimal | None = None
    min_points: Decimal | None = None
    max_points: Decimal | None = None

    def __post_init__(self) -> None:
        _check_id(self.id, "level")
        where = {"level": self.id}
        ranged = self.min_points is not None or self.max_points is not None
        if self.points is not None:
            if ranged:
                raise GradingError(
                    "bad_rubric", **where, detail=f"level {self.id!r} has both points and a range"
                )
            object.__setattr__(self, "points", _points(self.points, "points", **where))
            return
        if self.min_points is None or self.max_points is None:
            raise GradingError(
                "bad_rubric",
                **where,
                detail=f"level {self.id!r} needs points, or both min_points and max_points",
            )
        low = _points(self.min_points, "min_points", **where)
        high = _points(self.max_points, "max_points", **where)
        if low > high:
            raise GradingError(
                "bad_rubric",
                **where,
                min=low,
                max=high,
                detail=f"level {self.id!r} has min_points above max_points",
            )
        object.__setattr__(self, "min_points", low)
        object.__setattr__(self, "max_points", high)

    @property
    def is_range(self) -> bool:
        """Whether the grader chooses the points within a range."""
        return self.points is None

    @property
    def top(self) -> Decimal:
        """The most this level can give."""
        # A level has fixed points or a full range (checked when it is built).
        return cast(Decimal, self.max_points if self.is_range else self.points)


@dataclass(frozen=True)
class Criterion:
    """A criterion of a rubric: its levels and its weight in the total.

    A weight of 0 keeps the criterion on the sheet (it is still marked) without
    counting it.

    :raises GradingError: ``bad_rubric`` for no levels, duplicate level ids or
        a negative weight.
    """

    id: str
    levels: tuple[Level, ...]
    weight: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        _check_id(self.id, "criterion")
        where = {"criterion": self.id}
        levels = tuple(self.levels)
        if not levels:
            raise GradingError("bad_rubric", **where, detail=f"criterion {self.id!r} has no levels")
        if not all(isinstance(level, Level) for level in levels):
            raise GradingError("bad_rubric", **where, detail="levels must be Level objects")
        ids = [level.id for level in levels]
        if len(set(ids)) != len(ids):
            raise GradingError("bad_rubric", **where, detail=f"criterion {self.id!r} repeats a level id")
        weight = decimal_of(self.weight, "bad_rubric", "weight", **where)
        if weight < 0:
            raise GradingError("bad_rubric", **where, value=weight, detail="weight must not be negative")
        object.__setattr__(self, "levels", levels)
        object.__setattr__(self, "weight", weight)

    @property
    def max_points(self) -> Decimal:
        """The most any level of this criterion can give, before weighting."""
        return max(level.top for level in self.levels)

    def level(self, level_id: str) -> Level:
        """The level called *level_id*.

        :raises GradingError: ``unknown_level``.
        """
        for level in self.levels:
            if level.id == level_id:
                return level
        raise GradingError("unknown_level", criterion=self.id, level=level_id)


@dataclass(frozen=True)
class Rubric:
    """The criteria a piece of work is graded on.

    :raises GradingError: ``bad_rubric`` for no criteria, duplicate criterion
        ids, or a rubric that can give no points at all (every weight zero,
        or only zero-point levels where the weight is not zero), which would
        leave nothing to scale the grade by.
    """

    criteria: tuple[Criterion, ...]

    def __post_init__(self) -> None:
        criteria = tuple(self.criteria)
        if not criteria:
            raise GradingError("bad_rubric", detail="a rubric needs at least one criterion")
        if not all(isinstance(criterion, Criterion) for criterion in criteria):
            raise GradingError("bad_rubric", detail="criteria must be Criterion objects")
        ids = [criterion.id for criterion in criteria]
        if len(set(ids)) != len(ids):
            raise GradingError("bad_rubric", detail="the rubric repeats a criterion id")
        if all(criterion.weight == 0 for criterion in criteria):
            raise GradingError("bad_rubric", detail="every weight is zero")
        object.__setattr__(self, "criteria", criteria)
        if self.max_raw == 0:
            raise GradingError("bad_rubric", detail="the rubric cannot give any points")

    @property
    def max_raw(self) -> Decimal:
        """The raw total of a perfect piece of work: ``sum(weight * max_points)``."""
        with localcontext(CONTEXT):
            return sum((c.weight * c.max_points for c in self.criteria), Decimal(0))

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion called *criterion_id*.

        :raises GradingError: ``unknown_criterion``.
        """
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise GradingError("unknown_criterion", criterion=criterion_id)


def rubric_from_dict(data: Mapping[str, Any]) -> Rubric:
    """Build a rubric from its JSON form and check it.

    The form is ``{"criteria": [{"id", "weight" (default 1), "levels": [...]}]}``
    where a level is ``{"id", "points"}`` or ``{"id", "min_points",
    "max_points"}``; numbers may be JSON numbers or strings.  Other keys
    (labels, descriptions) are ignored: they are the form's business, not the
    arithmetic's.

    :raises GradingError: ``bad_rubric``, with ``detail`` and, where it is
        known, the ``criterion`` and ``level`` at fault.
    """
    if not isinstance(data, Mapping):
        raise GradingError("bad_rubric", detail="a rubric must be an object")
    items = data.get("criteria")
    if not isinstance(items, (list, tuple)) or not items:
        raise GradingError("bad_rubric", detail="a rubric needs a non-empty list of criteria")
    criteria = []
    for item in items:
        if not isinstance(item, Mapping):
            raise GradingError("bad_rubric", detail="each criterion must be an object")
        try:
            criteria.append(_criterion_from_dict(item))
        except GradingError as exc:
            exc.params.setdefault("criterion", item.get("id"))
            raise
    return Rubric(tuple(criteria))


def _criterion_from_dict(item: Mapping[str, Any]) -> Criterion:
    levels = item.get("levels")
    if not isinstance(levels, (list, tuple)):
        raise GradingError("bad_rubric", detail=f"criterion {item.get('id')!r} needs a list of levels")
    if not all(isinstance(level, Mapping) for level in levels):
        raise GradingError("bad_rubric", detail="each level must be an object")
    return Criterion(
        id=cast(str, item.get("id")),  # checked when the criterion is built
        levels=tuple(
            Level(
                id=level.get("id"),
                points=level.get("points"),
                min_points=level.get("min_points"),
                max_points=level.get("max_points"),
            )
            for level in levels
        ),
        weight=item.get("weight", 1),
    )


@dataclass(frozen=True)
class Mark:
    """The grader's decision on one criterion.

    ``points`` is required for a range level and must lie in its range; for a
    fixed level it may be left out, and if given must equal the level's
    points.  With no ``level_id``, ``points`` overrides the criterion
    directly (for instance a technical check the grader overrules) and must
    lie in ``[0, criterion.max_points]``.

    :raises GradingError: ``points_out_of_range`` for points that are not a
        finite number.
    """

    criterion_id: str
    level_id: str | None = None
    points: Decimal | None = None

    def __post_init__(self) -> None:
        if self.points is not None:
            object.__setattr__(
                self,
                "points",
                decimal_of(
                    self.points,
                    "points_out_of_range",
                    "points",
                    criterion=self.criterion_id,
                    level=self.level_id,
                ),
            )


def criterion_points(criterion: Criterion, mark: Mark) -> Decimal:
    """The points *mark* gives on *criterion*, before weighting.

    :raises GradingError: ``unknown_criterion`` (the mark is for another
        criterion), ``unknown_level``, ``points_required`` or
        ``points_out_of_range`` (with ``points``, ``min`` and ``max``).
    """
    if mark.criterion_id != criterion.id:
        raise GradingError("unknown_criterion", criterion=mark.criterion_id, expected=criterion.id)
    where = {"criterion": criterion.id, "level": mark.level_id}
    if mark.level_id is None:
        if mark.points is None:
            raise GradingError("points_required", **where, detail="a mark needs a level or points")
        low, high = Decimal(0), criterion.max_points
    else:
        level = criterion.level(mark.level_id)
        if level.is_range:
            if mark.points is None:
                raise GradingError("points_required", **where, min=level.min_points, max=level.max_points)
            low, high = cast(Decimal, level.min_points), cast(Decimal, level.max_points)
        elif mark.points is None:
            return level.top
        else:
            low = high = level.top
    if not low <= mark.points <= high:
        raise GradingError("points_out_of_range", **where, points=mark.points, min=low, max=high)
    return mark.points


@dataclass(frozen=True)
class Grade:
    """The outcome of :func:`grade`, with every intermediate step kept for the grade sheet.

    ``per_criterion`` maps each marked criterion id, in rubric order, to its
    points before weighting; a criterion left unmarked in a partial grade is
    absent rather than 0, so a preview can tell "not yet" from "nothing".
    """

    raw: Decimal
    max_raw: Decimal
    before_penalty: Decimal
    penalty: Decimal
    adjustment: Decimal
    final: Decimal
    per_criterion: dict[str, Decimal]


#: The default policy: late work costs nothing (a frozen value, so one instance serves every call).
NO_PENALTY = LatePolicy()


def grade(
    rubric: Rubric,
    marks: Iterable[Mark],
    *,
    max_grade: Decimal = Decimal(100),
    late_days: int = 0,
    policy: LatePolicy = NO_PENALTY,
    adjustment: Decimal = Decimal(0),
    places: int = 1,
    partial: bool = False,
) -> Grade:
    """Grade one piece of work: raw, scale, late penalty, adjustment, clamp, round.

    :param marks: one :class:`Mark` per criterion; with *partial*, criteria
        without a mark count 0 (for an "in progress" preview).
    :param max_grade: the top of the scale; it must be positive and have no
        more than *places* decimals, so that a perfect score rounds to itself.
    :param late_days: started days late (see the :func:`late_days` function).
    :param adjustment: added after the penalty (a team member's individual
        correction); may be negative.
    :param places: decimals of the final grade, rounded half up.
    :raises GradingError: ``unknown_criterion``, ``duplicate_mark``,
        ``missing_mark`` (with ``criteria``), the mark errors of
        :func:`criterion_points`, or ``bad_policy`` for unusable settings.
    """
    if isinstance(places, bool) or not isinstance(places, int) or places < 0:
        raise GradingError("bad_policy", places=places, detail="places must be a whole number >= 0")
    if isinstance(late_days, bool) or not isinstance(late_days, int) or late_days < 0:
        raise GradingError("bad_policy", late_days=late_days, detail="late_days must be a whole number >= 0")
    if not isinstance(policy, LatePolicy):
        raise GradingError("bad_policy", detail="policy must be a LatePolicy")
    max_grade = decimal_of(max_grade, "bad_policy", "max_grade")
    quantum = Decimal(1).scaleb(-places)
    # decimal_of() refused NaN and infinities, so the exponent is a number.
    if max_grade <= 0 or cast(int, max_grade.normalize().as_tuple().exponent) < -places:
        raise GradingError(
            "bad_policy",
            max_grade=max_grade,
            places=places,
            detail="max_grade must be positive with at most `places` decimals",
        )
    adjustment = decimal_of(adjustment, "bad_policy", "adjustment")
    points = _collect_points(rubric, marks, partial)
    with localcontext(CONTEXT):
        raw = sum((rubric.criterion(cid).weight * value for cid, value in points.items()), Decimal(0))
        max_raw = rubric.max_raw
        # Multiplying before dividing keeps the quotient exact whenever it terminates.
        before = raw * max_grade / max_raw
        penalty = policy.penalty(before, max_grade, late_days)
        # 0 first: max() keeps the first of equal values, so a -0 comes out as 0.
        clamped = min(max(Decimal(0), before - penalty + adjustment), max_grade)
        final = clamped.quantize(quantum, rounding=ROUND_HALF_UP)
    return Grade(
        raw=raw,
        max_raw=max_raw,
        before_penalty=before,
        penalty=penalty,
        adjustment=adjustment,
        final=final,
        per_criterion=points,
    )


def _collect_points(rubric: Rubric, marks: Iterable[Mark], partial: bool) -> dict[str, Decimal]:
    by_id = {criterion.id: criterion for criterion in rubric.criteria}
    given: dict[str, Decimal] = {}
    for mark in marks:
        criterion = by_id.get(mark.criterion_id)
        if criterion is None:
            raise GradingError("unknown_criterion", criterion=mark.criterion_id)
        if mark.criterion_id in given:
            raise GradingError("duplicate_mark", criterion=mark.criterion_id)
        given[criterion.id] = criterion_points(criterion, mark)
    missing = tuple(cid for cid in by_id if cid not in given)
    if missing and not partial:
        raise GradingError("missing_mark", criteria=missing, criterion=missing[0])
    return {cid: given[cid] for cid in by_id if cid in given}
