"""How the wording services' refusals read (codes of :class:`lms.wording.services.WordingError`)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def describe(code: str, params: dict[str, Any]) -> str | None:
    """The translated sentence for a wording refusal, or None for a code this package does not raise."""
    texts = {
        "unknown_language": lambda: _("This language is not set up."),
        "unknown_message": lambda: _("There is no such message."),
        "default_language": lambda: _("The default language is always offered."),
        "form_count": lambda: _("Write all %(count)s plural forms.", count=params.get("count")),
        "empty": lambda: _("The text is empty."),
        "too_long": lambda: _("The text is longer than %(limit)s characters.", limit=params.get("limit")),
        "placeholders": lambda: _(
            "Keep the placeholders exactly: %(expected)s.", expected=params.get("expected", "")
        ),
        "percent": lambda: _("Write each percent sign twice: %%."),
        "markup": lambda: _("Keep the same HTML tags as the original."),
        "bad_file": lambda: _("This is not a .po file that can be read."),
        "wrong_language": lambda: _("This file is for language “%(found)s”.", found=params.get("found", "")),
    }
    text = texts.get(code)
    return text() if text else None
