"""Comments pinned to a moment of a video: the grader's (timed comments), and the rule for a moment that peer
reviews' comments share."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from lms.extensions import db
from lms.users.models import User
from projects.common import ProjectError
from projects.coursework.models import Attempt
from projects.grading.models import Assessment, TimedComment
from projects.grading.services import COMMENT_MAX, check_length, format_grade


def add_comment(
    assessment: Assessment,
    *,
    media_id: int,
    seconds: float | str | None,
    criterion_id: str | None,
    text: str,
    by: User,
    text_second: str = "",
) -> TimedComment:
    """Pin feedback to a moment of one of the attempt's videos (*text_second*: the same in the assessment's
    second language, kept only when it has one).

    :raises ProjectError: ``media_not_in_attempt``, ``bad_mark`` (unknown criterion), ``comment_missing``,
        ``bad_moment`` (not a number of seconds from 0 to the video's length), ``grading_text_too_long``.
    """
    attempt = db.session.get(Attempt, assessment.attempt_id) if assessment.attempt_id else None
    item = next((i for i in attempt.items if i.media_id == media_id), None) if attempt else None
    if item is None:
        raise ProjectError("media_not_in_attempt")
    if criterion_id and criterion_id not in {c["id"] for c in assessment.rubric_version.criteria}:
        raise ProjectError("bad_mark", detail="criterion")
    if not text.strip():
        raise ProjectError("comment_missing")
    check_length(text.strip(), COMMENT_MAX)
    check_length(text_second.strip(), COMMENT_MAX)
    at = moment(seconds, item.media.duration if item.media else None)
    comment = TimedComment(
        assessment_id=assessment.id,
        media_id=media_id,
        seconds=at,
        criterion_id=criterion_id or None,
        text=text.strip(),
        text_second=text_second.strip() if assessment.second_locale else "",
        author_id=by.id,
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def moment(seconds: float | str | None, duration: float | None) -> float:
    """A moment of a video in seconds (two places), from 0 to its length when the length is known.

    NaN and infinity are refused: they cannot be shown, and strict JSON (the personal-data download) has no
    way to write them.
    """
    try:
        value = float(str(seconds).strip()) if seconds not in (None, "") else math.nan
    except (ValueError, InvalidOperation):
        value = math.nan
    length = duration if isinstance(duration, (int, float)) and math.isfinite(duration) else None
    if not math.isfinite(value) or value < 0 or (length is not None and value > length + 0.01):
        limit = None if length is None else format_grade(round(Decimal(str(length)), 2))
        raise ProjectError("bad_moment", detail=f"seconds={seconds!r}", duration=limit)
    return round(value, 2)
