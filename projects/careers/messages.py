"""The sentences of the careers domain's refusals (:class:`~projects.careers.services.CareersError` codes)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from lms.auth.views import password_messages


def describe(code: str, params: dict[str, Any]) -> str | None:
    """The translated sentence for *code*, or None for a code this domain does not know."""
    if code == "password":
        problems = password_messages(params.get("problems", []))
        return " ".join(problems) or _("This password cannot be used. Choose another.")
    messages = {
        "bad_business_number": lambda: _("The business registration number is not valid."),
        "bad_region": lambda: _("Choose a region from the list."),
        "not_allowed": lambda: _("You cannot do this."),
        "bad_decision": lambda: _("This decision does not follow from the employer's current status."),
        "reason_missing": lambda: _("Give a reason."),
        "too_long": lambda: _(
            "This text is too long: at most %(limit)s characters.", limit=params.get("limit")
        ),
        "role_missing": lambda: _("Name the role."),
        "duplicate": lambda: _("You have already expressed interest in this trainee; it is still open."),
        "bad_step": lambda: _("This step does not follow from the interest's current status."),
    }
    message = messages.get(code)
    return message() if message else None
