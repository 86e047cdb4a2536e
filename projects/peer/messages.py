"""How peer review's refusals read (``bad_mark`` and ``grading_text_too_long`` are grading's words)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def describe(code: str, params: dict[str, Any]) -> str | None:
    """The translated sentence for a peer-review code, or None for a code of another domain."""
    sentence = _SENTENCES.get(code)
    return sentence() if sentence is not None else None


_SENTENCES = {
    "peer_bad_setting": lambda: _("A peer review setting is not valid. Check the numbers and the dates."),
    "peer_needs_rubric": lambda: _("Peer review needs a rubric. Attach a rubric to the project first."),
    "peer_rubric_unknown": lambda: _("Choose a rubric from your rubric library."),
    "peer_rubric_locked": lambda: _(
        "The peer rubric cannot change now. Reviews or examples already use its criteria."
    ),
    "peer_example_other_rubric": lambda: _(
        "Your marks use the project's rubric, not the peer rubric. This work cannot be an example."
    ),
    "peer_example_practised": lambda: _(
        "Trainees have practised on this example. Its reference stays as it is, and it cannot be removed."
    ),
    "peer_incomplete": lambda: _("Mark every criterion of the rubric."),
    "peer_not_enabled": lambda: _("Peer review is not turned on for this project."),
    "peer_review_submitted": lambda: _("This review is already handed in. It cannot move to someone else."),
    "peer_own_work": lambda: _("Nobody reviews their own work or their team's work."),
    "peer_already_reviewing": lambda: _("This person already reviews that work."),
    "peer_not_yours": lambda: _("This review belongs to someone else."),
    "peer_closed": lambda: _("Peer review is closed now."),
    "peer_not_calibrated": lambda: _("First practise on the examples. Then you can review."),
    "peer_comments_closed": lambda: _("This review is handed in. Its comments stay as they are."),
    "peer_reason_needed": lambda: _("Write a reason."),
    "peer_review_conflict": lambda: _(
        "Someone saved this review in the meantime. Your marks are kept below: check them and save again."
    ),
}
