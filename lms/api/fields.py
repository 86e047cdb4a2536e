"""Marshmallow fields every API schema should use for dates, times and numbers.

marshmallow's own fields parse values the rest of the code cannot use: ``9999-12-31T23:00:00-05:00`` is a
valid aware datetime whose UTC time lies past year 9999 (``OverflowError`` once it is converted or
compared), and ``0001-01-01T00:00:00+05:00`` one before year 1.  These fields refuse such values as
validation errors (422 with the field's name), convert aware times to UTC, and keep numbers finite.
:class:`Id` is an integer a database key can hold, so a schema-valid id never overflows the database.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

_OUT_OF_RANGE = _l("This time is outside the years 1 to 9999 once converted to UTC.")


def _in_utc(value: dt.datetime) -> dt.datetime:
    """*value* in UTC (naive values are taken as UTC), or a ValidationError when UTC cannot hold it."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValidationError(str(_OUT_OF_RANGE)) from None


class DateTime(fields.DateTime):
    """An ISO 8601 date-time, converted to UTC; values outside years 1–9999 in UTC are refused."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> dt.datetime:
        return _in_utc(super()._deserialize(value, attr, data, **kwargs))


class AwareDateTime(fields.AwareDateTime):
    """An ISO 8601 date-time with its offset (or ``default_timezone``), converted to UTC; values outside
    years 1–9999 in UTC are refused."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> dt.datetime:
        return _in_utc(super()._deserialize(value, attr, data, **kwargs))


class Float(fields.Float):
    """A finite float: ``NaN`` and infinities are refused (also from a query string), as JSON has neither."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["allow_nan"] = False
        super().__init__(**kwargs)

    def _validated(self, value: Any) -> float:
        number = super()._validated(value)
        if number is not None and not math.isfinite(number):
            raise self.make_error("special")
        return number


class Decimal(fields.Decimal):
    """A finite decimal (``NaN`` and infinities refused)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_nan"] = False
        super().__init__(*args, **kwargs)


#: The largest id a database key holds: the keys are ``Integer`` columns, which PostgreSQL stores in
#: 32 bits (``integer``); a larger number would fail in the database rather than name the field.
MAX_ID = 2**31 - 1


class Id(fields.Integer):
    """A row's id: a whole number from 1 to :data:`MAX_ID` (shown as ``minimum``/``maximum`` in the
    document), so a larger one is a 422 naming the field instead of a database overflow."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("strict", True)
        kwargs["validate"] = [validate.Range(min=1, max=MAX_ID), *_as_list(kwargs.get("validate"))]
        super().__init__(**kwargs)


def _as_list(validators: Any) -> list:
    if validators is None:
        return []
    return list(validators) if isinstance(validators, (list, tuple)) else [validators]
