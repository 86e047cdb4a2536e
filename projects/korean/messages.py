"""How the Korean evidence services' refusals read (codes of ``ProjectError`` raised by this domain).

Codes the attendance domain words the same way (``trainees_only``, ``managers_only``, ``reason_missing``,
``too_long``, ``not_yours``, ``already_decided``) are left to it.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def describe(code: str, params: dict[str, Any]) -> str | None:
    """The translated sentence for a Korean evidence refusal, or None for a code this domain does not word."""
    texts = {
        "bad_level": lambda: _("TOPIK levels go from 1 to 6 and KIIP stages from 0 to 5."),
        "test_date_missing": lambda: _("Give the test date."),
        "test_date_future": lambda: _("The test date cannot be in the future."),
        "document_missing": lambda: _("Add the score report or certificate."),
        "bad_document": lambda: _("Send a PDF file or an image."),
        "document_too_big": lambda: _("The file is too big: at most %(size)s.", size=params.get("size")),
    }
    text = texts.get(code)
    return text() if text else None
