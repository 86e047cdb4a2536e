"""How the programme services' refusals read (codes of :class:`lms.programmes.services.ProgrammeError`)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def describe(code: str, params: dict[str, Any]) -> str | None:
    """The translated sentence for a programme refusal, or None for a code this package does not raise."""
    texts = {
        "duplicate_code": lambda: _("This code is already used."),
        "dates_reversed": lambda: _("The end date must not be before the start date."),
        "not_instructor": lambda: _("Only instructors can be assigned to a cohort."),
        "not_trainee": lambda: _("Only trainees can be enrolled."),
        "name_missing": lambda: _("Give the cohort a name in at least one language."),
    }
    text = texts.get(code)
    return text() if text else None
