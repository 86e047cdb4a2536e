"""Strict JSON for request bodies: refused at parse time (400) instead of a crash or a bad row later.

``json.loads`` alone lets through what later breaks: nesting deep enough to exhaust the stack
(``RecursionError``), lone surrogates (``"\\ud800"``, which no UTF-8 encoder writes), NUL characters
(PostgreSQL refuses them in text) and non-finite numbers (``NaN``, ``Infinity``, ``1e400``; strict JSON
parsers refuse them when we hand them back).  :func:`loads` refuses all of these with :class:`UnsafeJson`;
:class:`StrictParser` is the parser of every API blueprint and :class:`StrictJsonProvider` the app's JSON
provider, so ``request.get_json()`` gets the same rules.  (NUL in a path, query or form is refused by
:mod:`lms.security`.)
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import BadRequest

#: Arrays and objects nested deeper than this are refused before parsing (our schemas need fewer than 10).
MAX_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


class UnsafeJson(ValueError):
    """A body that is not strict, storable JSON; ``reason`` says which rule it broke."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_TOKEN = re.compile(r'\\.|["\[\]{}]', re.DOTALL)


def _depth_ok(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether no array or object nests deeper than *limit*: counted at C speed when few brackets could nest
    at all, else in one pass over the quotes, escapes and brackets (strings skipped)."""
    if text.count("[") + text.count("{") <= limit:
        return True
    depth, in_string = 0, False
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token == '"':
            in_string = not in_string
        elif in_string or len(token) == 2:  # inside a string, or an escape
            continue
        elif token in "[{":
            depth += 1
            if depth > limit:
                return False
        else:
            depth -= 1
    return True


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnsafeJson("non_finite")
    return value


def _constant(name: str) -> float:
    raise UnsafeJson("non_finite")


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise UnsafeJson("nul")
    if _SURROGATE.search(value):
        raise UnsafeJson("surrogate")


def _check(value: Any) -> None:
    """Walk the parsed value (its depth is bounded) for text no database or encoder takes."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)


def loads(data: str | bytes | bytearray) -> Any:
    """Parse *data* as strict JSON, or raise :class:`UnsafeJson` (bad encoding and syntax included)."""
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
    except UnicodeDecodeError:
        raise UnsafeJson("encoding") from None
    if not _depth_ok(text):
        raise UnsafeJson("too_deep")
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_constant)
    except UnsafeJson:
        raise
    except (ValueError, RecursionError):  # syntax; an integer past Python's digit limit
        raise UnsafeJson("syntax") from None
    _check(value)
    return value


def refusal(exc: UnsafeJson) -> BadRequest:
    """The 400 for a refused body, with the reason in the API's ``errors`` shape."""
    messages = {
        "too_deep": _("The JSON body is nested too deeply (at most %(limit)s levels).", limit=MAX_DEPTH),
        "non_finite": _("Numbers must be finite: NaN, Infinity and numbers too large are not accepted."),
        "nul": _("Text must not contain the NUL character (U+0000)."),
        "surrogate": _("Text must be valid Unicode: a lone surrogate (U+D800 to U+DFFF) is not accepted."),
    }
    message = messages.get(exc.reason) or _("The request body is not valid JSON.")
    error = BadRequest(message)
    error.data = {"message": message, "errors": {"json": [message]}}  # type: ignore[attr-defined]
    return error


class StrictParser(FlaskParser):
    """webargs' Flask parser, reading JSON bodies with :func:`loads`, with validation messages in the reader's
    language (:mod:`lms.api.validation_messages`)."""

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        from lms.api.validation_messages import translate

        error.messages = translate(error.messages)
        super().handle_error(
            error, req, schema, error_status_code=error_status_code, error_headers=error_headers
        )

    def _raw_load_json(self, req):
        if not is_json_request(req) or not req.get_data(cache=True):
            return super()._raw_load_json(req)  # webargs' "missing"
        try:
            return loads(req.get_data(cache=True))
        except UnsafeJson as exc:
            raise refusal(exc) from None


class StrictJsonProvider(DefaultJSONProvider):
    """The app's JSON provider: ``request.get_json()`` and ``flask.json.loads`` parse with :func:`loads`."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return loads(s)
        except UnsafeJson as exc:
            raise refusal(exc) from None
