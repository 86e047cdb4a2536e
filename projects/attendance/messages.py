"""How the attendance services' refusals read (codes of ``ProjectError`` raised by attendance)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def describe(code: str, params: dict[str, Any]) -> str | None:
    """The translated sentence for an attendance refusal, or None for a code attendance does not raise."""
    texts = {
        "bad_rules": lambda: _("These rules are not possible. Check the numbers."),
        "name_missing": lambda: _("Give the day a name."),
        "times_order": lambda: _("The end time must be after the start time."),
        "outside_cohort": lambda: _("The date must lie between the cohort's start and end."),
        "not_instructor": lambda: _("%(name)s does not teach this cohort.", name=params.get("name")),
        "too_many_sessions": lambda: _(
            "This makes too many sessions at once: at most %(limit)s.", limit=params.get("limit")
        ),
        "session_clash": lambda: _("The cohort already has a session at this time."),
        "session_marked": lambda: _("This session has marks. Correct the marks instead of deleting it."),
        "trainees_only": lambda: _("Only trainees check in."),
        "no_open_session": lambda: _("You have no session open for check-in now."),
        "bad_code": lambda: _("This code is wrong or too old. Scan or type the code on the screen now."),
        "already_checked_in": lambda: _("You are already checked in to this session."),
        "managers_only": lambda: _("Only the cohort's instructors and administrators may do this."),
        "not_enrolled": lambda: _("%(name)s is not enrolled in this cohort.", name=params.get("name")),
        "reason_missing": lambda: _("Give a reason."),
        "too_long": lambda: _(
            "This text is too long: at most %(limit)s characters.", limit=params.get("limit")
        ),
        "not_yours": lambda: _("This file is not yours."),
        "excuse_exists": lambda: _("You already asked to excuse this session."),
        "already_decided": lambda: _("This request is already decided."),
        "log_content_missing": lambda: _("Write what was taught."),
    }
    text = texts.get(code)
    return text() if text else None
