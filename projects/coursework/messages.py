"""How coursework's refusals read: project briefs, deliverables, teams, extensions and hand-in.

``init_app`` registers :func:`describe` for :class:`~projects.common.ProjectError`; grading, portfolios and
the other domains word their own codes in their own ``messages.py``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def describe(code: str, params: dict[str, Any]) -> str | None:
    """The translated sentence for a coursework code, or None for a code of another domain."""
    p = params
    messages = {
        "due_missing": lambda: _("Enter the due date and time."),
        "opens_after_due": lambda: _("The project must open before it is due."),
        "cutoff_before_due": lambda: _("The cut-off must not be before the due date."),
        "title_missing": lambda: _("Give the project a title in at least one language."),
        "name_missing": lambda: _("Give it a name."),
        "bad_translation_language": lambda: _(
            "Choose a language the centre offers, other than Korean and English."
        ),
        "empty_translation": lambda: _("Write the title or the brief in this language."),
        "team_mode_locked": lambda: _(
            "Work has been handed in already, so the project cannot switch between individual and team work."
        ),
        "bad_spec": lambda: _(
            "The technical requirements are not consistent: %(detail)s", detail=p.get("detail")
        ),
        "spec_range": lambda: _("The smallest %(measure)s is larger than the largest.", measure=_measure(p)),
        "bad_captions": lambda: _("Write caption languages as codes, for example: ko, en, vi."),
        "wrong_project": lambda: _("This belongs to another project."),
        "deliverable_in_use": lambda: _("Work was handed in for this deliverable, so it cannot be removed."),
        "no_deliverables": lambda: _("Add at least one deliverable before publishing."),
        "has_submissions": lambda: _("Trainees have started work on this project, so it stays published."),
        "duplicate_team": lambda: _("Another team already has this name."),
        "not_enrolled": lambda: _("%(name)s is not enrolled in this cohort.", name=p.get("name")),
        "already_in_team": lambda: _(
            "%(name)s is already in team %(team)s.", name=p.get("name"), team=p.get("team")
        ),
        "user_or_team": lambda: _("Choose one trainee or one team."),
        "reason_missing": lambda: _("Give a reason."),
        "too_long": lambda: _("This text is too long: at most %(limit)s characters.", limit=p.get("limit")),
        "no_team": lambda: _("This is a team project and you are not in a team yet. Ask your instructor."),
        "not_allowed": lambda: _("You cannot hand in work for this project."),
        "not_open": lambda: _("This project is not open yet."),
        "closed": lambda: _("The last moment to hand in has passed. Ask your instructor for an extension."),
        "wrong_deliverable": lambda: _("This deliverable does not take that kind of answer."),
        "bad_link": lambda: _("Enter a full web address (https://…)."),
        "bad_consent": lambda: _("Choose a consent status for each person."),
        "ai_tools_missing": lambda: _("Name the AI tools you used."),
        "statement": lambda: _("Please confirm the statement."),
        "incomplete": lambda: _("Some parts are still missing; see the list above."),
        "bad_policy": lambda: _(
            "Check the grading settings: the percentages go from 0 to 100 and the "
            "maximum grade must be above 0."
        ),
        "bad_reminder_hours": lambda: _(
            "Write the reminder times as hours before the due date, separated by commas (for example 48, 6), "
            "each from 1 to %(limit)s.",
            limit=p.get("limit"),
        ),
        "no_attempts_left": lambda: _("You have used all %(limit)s attempts.", limit=p.get("limit")),
    }
    sentence = messages.get(code)
    return sentence() if sentence is not None else None


def _measure(params: dict[str, Any]) -> str:
    measure = params.get("measure")
    names = {
        "duration": _("length"),
        "width": _("width"),
        "height": _("height"),
        "fps": _("frame rate"),
        "audio_channels": _("number of sound channels"),
    }
    return names.get(measure, measure)
