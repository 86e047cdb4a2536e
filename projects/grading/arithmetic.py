"""The pure grading core's footing: :class:`GradingError` and its codes, the decimal context every
computation runs in, and reading numbers (as :class:`~decimal.Decimal`, through ``str``).

Shared by :mod:`projects.grading.rules` (rubrics, marks, grades) and :mod:`projects.grading.lateness`; like
them it imports neither Flask nor the database.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from typing import Any

__all__ = ["CONTEXT", "ERROR_CODES", "HUNDRED", "GradingError", "decimal_of"]

ERROR_CODES = (
    "unknown_criterion",
    "unknown_level",
    "points_required",
    "points_out_of_range",
    "missing_mark",
    "duplicate_mark",
    "bad_rubric",
    "bad_policy",
)

#: Arithmetic settings for every computation of the core, so that a grade does not
#: depend on whatever decimal context the calling thread happens to have.
CONTEXT = Context(prec=34, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])

HUNDRED = Decimal(100)


class GradingError(ValueError):
    """A rubric, a mark or a grading setting that cannot be used.

    :attr:`code` is one of :data:`ERROR_CODES`; :attr:`params` holds the ids
    and numbers behind it, plus ``detail``, a sentence for developers, where
    one helps.  The caller turns code and params into a message in the
    user's language.
    """

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        detail = params.get("detail")
        super().__init__(f"{code}: {detail}" if detail else f"{code} {params}")


def decimal_of(value: Any, code: str, what: str, **params: Any) -> Decimal:
    """*value* as a finite Decimal, read through ``str`` so that a float 0.1 is one tenth."""
    # bool is an int, but True as a number of points is always a slip.
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise GradingError(code, value=value, **params, detail=f"{what} must be a number, not {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise GradingError(
            code, value=value, **params, detail=f"{what} must be a finite number, not {value!r}"
        )
    return number
