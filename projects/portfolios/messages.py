"""How the portfolio services' refusals read: :class:`PortfolioError` and its sentences.

Portfolios raise their own subclass of ``ProjectError`` because some codes (``title_missing``,
``wrong_media``) mean something else in coursework; :func:`lms.errors.describe` asks the nearest class
first, so a portfolio's refusal always reads in the portfolio's words.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from projects.common import ProjectError


class PortfolioError(ProjectError):
    """A change that would break a rule of portfolios, items or share links."""


def describe(code: str, params: dict[str, Any]) -> str | None:
    """The translated sentence for a portfolio refusal, or None for a code portfolios do not raise."""
    texts = {
        "not_trainee": lambda: _("Only trainees have a portfolio."),
        "not_eligible": lambda: _("Only your own work with a released grade can go into your portfolio."),
        "already_added": lambda: _("This work is already in your portfolio."),
        "title_missing": lambda: _("Give it a title in at least one language."),
        "reflection_missing": lambda: _(
            "Write a reflection in at least one language before you publish this item. It was not published."
        ),
        "wrong_media": lambda: _("That file is not part of this work."),
        "bad_consent": lambda: _("Choose a consent status for each person."),
        "consent_missing": lambda: _(
            "This item cannot be published until everyone in it has consented: %(names)s.",
            names=params.get("names"),
        ),
        "not_released": lambda: _(
            "The grade of this work is being revised; publish it once it is released again."
        ),
        "file_not_ready": lambda: _("The file is still being checked."),
        "no_video": lambda: _("This item has no video."),
        "not_uploader": lambda: _("Only the person who uploaded the video can change its poster."),
        "bad_moment": lambda: _("No picture could be taken at that moment. Try another time."),
        "bad_region": lambda: _("Choose a region from the list."),
        "bad_visibility": lambda: _("Choose who may see your portfolio."),
        "too_many_skills": lambda: _("At most %(limit)s skills.", limit=params.get("limit")),
        "recipient_missing": lambda: _("Name the recipient."),
        "too_long": lambda: _(
            "This text is too long: at most %(limit)s characters.", limit=params.get("limit")
        ),
        "bad_expiry": lambda: _("A link works for 1 to %(limit)s days.", limit=params.get("limit")),
        "not_link_visible": lambda: _(
            "Links work only while your portfolio is shared with "
            "“people I send a link to”. Change who may see it first."
        ),
        "pdf_unavailable": lambda: _(
            "The PDF cannot be made on this server right now. "
            "Download the ZIP file instead, or try again later."
        ),
    }
    text = texts.get(code)
    return text() if text else None
