"""How grading's refusals read: the rubric library, assessments, timed comments and release.

``init_app`` registers :func:`describe` for :class:`~projects.common.ProjectError`.  It also words the codes
of the pure core's :class:`~projects.grading.rules.GradingError` (``rules.ERROR_CODES``), which the services
turn into ``bad_rubric`` and ``bad_mark`` refusals with the core's code as ``problem``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def describe(code: str, params: dict[str, Any]) -> str | None:
    """The translated sentence for a grading code, or None for a code of another domain."""
    if code == "bad_rubric":
        return _rubric_problem(params)
    if code == "bad_mark":
        return _mark_problem(params.get("problem"), params)
    if code == "grading_text_too_long":
        return _("This text is too long: at most %(limit)s characters.", limit=params.get("limit"))
    if code == "adjustment_out_of_range":
        return _("An adjustment goes from -%(max)s to %(max)s points.", max=params.get("max"))
    if code == "bad_moment":
        if params.get("duration") is not None:
            return _(
                "Choose a moment of the video: a number of seconds from 0 to %(duration)s.",
                duration=params["duration"],
            )
        return _("Choose a moment of the video: a number of seconds, 0 or more.")
    sentence = _SENTENCES.get(code)
    if sentence is not None:
        return sentence()
    return _mark_problem(code, params) if code in _MARK_PROBLEMS else None


_SENTENCES = {
    "rubric_title_missing": lambda: _("Give the rubric a title in at least one language."),
    "rubric_in_use": lambda: _("A project or a grade uses this rubric, so it stays in the library."),
    "no_rubric": lambda: _("Choose a rubric for this project first."),
    "incomplete_marks": lambda: _("Mark every criterion before marking the assessment ready."),
    "missing_mark": lambda: _("Mark every criterion before marking the assessment ready."),
    "stale": lambda: _("Someone else saved this assessment meanwhile. Check the mark and save again."),
    "not_in_team": lambda: _("This person is not in the team."),
    "bad_adjustment": lambda: _("Enter a number of points."),
    "media_not_in_attempt": lambda: _("That video is not part of this attempt."),
    "comment_missing": lambda: _("Write the comment and choose a moment of the video."),
    "bad_status": lambda: _("Choose a marking status from the list."),
    "bad_second_language": lambda: _("Choose the second language from the list."),
    "bad_policy": lambda: _(
        "Check the grading settings: the percentages go from 0 to 100 and the maximum grade must be above 0."
    ),
}

#: The pure core's codes for one mark (``rules.criterion_points`` and ``rules.grade``).
_MARK_PROBLEMS = (
    "unknown_criterion",
    "unknown_level",
    "points_required",
    "points_out_of_range",
    "duplicate_mark",
)


def _mark_problem(problem: str | None, p: dict[str, Any]) -> str:
    """A mark the rubric cannot take; *p* may name the ``criterion`` and the ``min`` and ``max`` points."""
    criterion, ranged = p.get("criterion"), p.get("min") is not None and p.get("max") is not None
    if problem == "points_out_of_range" and criterion and ranged:
        return _(
            "The points for “%(criterion)s” must be between %(min)s and %(max)s.",
            criterion=criterion,
            min=p["min"],
            max=p["max"],
        )
    if problem == "points_required" and criterion:
        return _("Enter the points for “%(criterion)s”: its level gives a range.", criterion=criterion)
    if problem in ("unknown_criterion", "unknown_level", "duplicate_mark"):
        return _("The marks do not fit this rubric any more. Reload the page and mark again.")
    return _("A mark is not valid (points outside the level's range, or an unknown level).")


def _rubric_problem(p: dict[str, Any]) -> str:
    """A rubric that cannot be used; *p* says where (``n``: the criterion's place, ``title``, ``level``)."""
    problem, n, title = p.get("problem"), p.get("n"), p.get("title") or ""
    if problem == "not_a_number":
        return _(
            "“%(value)s” is not a number. Write points and weights as numbers, like 10 or 2.5.",
            value=p.get("value", ""),
        )
    if problem == "number_out_of_range":
        return _(
            "“%(value)s” is too big: points and weights go up to %(limit)s.",
            value=p.get("value", ""),
            limit=p.get("limit"),
        )
    if problem == "too_many_criteria":
        return _("A rubric has at most %(limit)s criteria.", limit=p.get("limit"))
    if problem == "too_many_levels" and n:
        return _("Criterion %(n)s has more levels than the %(limit)s allowed.", n=n, limit=p.get("limit"))
    if problem == "text_too_long" and n:
        return _(
            "Criterion %(n)s: an id, title, name or description is longer than %(limit)s characters.",
            n=n,
            limit=p.get("limit"),
        )
    if problem == "bad_shape":
        return _("The rubric's criteria must be a list of objects, each with a list of levels.")
    if problem == "no_title" and n:
        return _("Criterion %(n)s needs a title in at least one language.", n=n)
    if problem == "not_an_export":
        return _("This file is not an exported rubric: it must be a JSON object with a list of criteria.")
    if problem == "csv_header":
        return _(
            "The first row of the CSV file must name the columns (criterion_id, …), as in an exported rubric."
        )
    if n and p.get("level"):
        return _(
            "A level of criterion %(n)s (%(title)s) needs points, or its lowest and highest points; "
            "none may be below 0, and the lowest may not be above the highest.",
            n=n,
            title=title,
        )
    if n:
        return _(
            "Criterion %(n)s (%(title)s) needs at least one level, a weight of 0 or more, and levels "
            "with different ids.",
            n=n,
            title=title,
        )
    return _("The rubric needs at least one criterion, and it must be able to give some points.")
