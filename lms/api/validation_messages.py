"""marshmallow's validation messages in the reader's language.

marshmallow words its messages in English only, so an API answer's ``errors`` stayed English whatever the
token owner's language.  :func:`translate` puts every message marshmallow's fields and validators give
through Flask-Babel; the English msgids are marshmallow's own words, so English answers do not change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _


def _fixed() -> dict[str, str]:
    return {
        "Missing data for required field.": _("Missing data for required field."),
        "Field may not be null.": _("Field may not be null."),
        "Invalid input type.": _("Invalid input type."),
        "Unknown field.": _("Unknown field."),
        "Invalid value.": _("Invalid value."),
        "Invalid input.": _("Invalid input."),
        "Not a valid integer.": _("Not a valid integer."),
        "Not a valid number.": _("Not a valid number."),
        "Number too large.": _("Number too large."),
        "Not a valid string.": _("Not a valid string."),
        "Not a valid boolean.": _("Not a valid boolean."),
        "Not a valid date.": _("Not a valid date."),
        "Not a valid datetime.": _("Not a valid datetime."),
        "Not a valid aware datetime.": _("Not a valid aware datetime."),
        "Not a valid email address.": _("Not a valid email address."),
        "Not a valid URL.": _("Not a valid URL."),
        "Not a valid list.": _("Not a valid list."),
        "Not a valid mapping type.": _("Not a valid mapping type."),
        "Special numeric values (nan or infinity) are not permitted.": _(
            "Special numeric values (nan or infinity) are not permitted."
        ),
        "String does not match expected pattern.": _("String does not match expected pattern."),
    }


_NUMBER = r"(-?[0-9][0-9.eE+-]*)"
#: Messages with values in them: the pattern of marshmallow's English, and its translation.
_FORMATTED: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"Longer than maximum length ([0-9]+)\."),
        lambda m: _("Longer than maximum length %(max)s.", max=m[1]),
    ),
    (
        re.compile(r"Shorter than minimum length ([0-9]+)\."),
        lambda m: _("Shorter than minimum length %(min)s.", min=m[1]),
    ),
    (
        re.compile(r"Length must be between ([0-9]+) and ([0-9]+)\."),
        lambda m: _("Length must be between %(min)s and %(max)s.", min=m[1], max=m[2]),
    ),
    (re.compile(r"Length must be ([0-9]+)\."), lambda m: _("Length must be %(equal)s.", equal=m[1])),
    (
        re.compile(r"Must be one of: (.*)\.", re.DOTALL),
        lambda m: _("Must be one of: %(choices)s.", choices=m[1]),
    ),
    (
        re.compile(rf"Must be greater than or equal to {_NUMBER} and less than or equal to {_NUMBER}\."),
        lambda m: _(
            "Must be greater than or equal to %(min)s and less than or equal to %(max)s.", min=m[1], max=m[2]
        ),
    ),
    (
        re.compile(rf"Must be greater than or equal to {_NUMBER}\."),
        lambda m: _("Must be greater than or equal to %(min)s.", min=m[1]),
    ),
    (
        re.compile(rf"Must be less than or equal to {_NUMBER}\."),
        lambda m: _("Must be less than or equal to %(max)s.", max=m[1]),
    ),
]


def _one(text: str, fixed: dict[str, str]) -> str:
    if text in fixed:
        return fixed[text]
    for pattern, word in _FORMATTED:
        match = pattern.fullmatch(text)
        if match:
            return word(match)
    return text  # our own messages are translated already


def translate(messages: Any) -> Any:
    """*messages* (marshmallow's nested dict/list of strings) with every known message translated."""
    fixed = _fixed()

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return _one(value, fixed)
        if isinstance(value, dict):
            return {key: walk(child) for key, child in value.items()}
        if isinstance(value, list):
            return [walk(child) for child in value]
        return value

    return walk(messages)
