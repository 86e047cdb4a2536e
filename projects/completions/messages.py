"""How the completion services' refusals read (codes of ``ProjectError`` raised by completions)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def describe(code: str, params: dict[str, Any]) -> str | None:
    """The translated sentence for a completion refusal, or None for a code completions do not raise."""
    texts = {
        "not_trainee": lambda: _("Only trainees can complete a programme."),
        "not_enrolled": lambda: _("%(name)s is not enrolled in this cohort.", name=params.get("name")),
        "already_completed": lambda: _("%(name)s's completion is already recorded.", name=params.get("name")),
        "bad_date": lambda: _("The completion date must lie between the cohort's start and today."),
        "reason_missing": lambda: _("Give a reason."),
        "too_long": lambda: _(
            "This text is too long: at most %(limit)s characters.", limit=params.get("limit")
        ),
        "admin_only": lambda: _("Only administrators may do this."),
        "nobody_selected": lambda: _("Select at least one trainee."),
    }
    text = texts.get(code)
    return text() if text else None
