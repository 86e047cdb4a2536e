"""Timed comments of peer reviews: a reviewer pins a comment to a moment of the reviewed work's video, as
graders do, and changes or removes it while the review is open to them (theirs, the window open, calibrated,
not handed in yet: a handed-in review's comments are final with it).

Split from :mod:`projects.peer.services` (settings, allocation, reviewing), whose rules of the review it
applies. A comment has no author column: it is as anonymous as its review.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import cast

from lms.extensions import db
from lms.users.models import User
from media.models import MediaFile
from projects.common import ProjectError
from projects.coursework.models import AttemptItem, Project
from projects.peer.calibration import calibrated
from projects.peer.models import PeerReview, PeerReviewStatus, PeerTimedComment
from projects.peer.services import rubric_of, settings_for, window_open

log = logging.getLogger(__name__)


def _may_review(review: PeerReview, reviewer: User, now: datetime | None = None) -> Project:
    """The review's project, when *reviewer* may still work on the review (theirs, window open, calibrated).

    :raises ProjectError: ``peer_not_yours``, ``peer_closed``, ``peer_not_calibrated``.
    """
    project = cast(Project, db.session.get(Project, review.project_id))
    settings = settings_for(project)
    if review.reviewer_id != reviewer.id:
        raise ProjectError("peer_not_yours")
    if settings is None or not window_open(settings, now):
        raise ProjectError("peer_closed")
    if not calibrated(project, reviewer):
        raise ProjectError("peer_not_calibrated")
    return project


def comments_open(review: PeerReview, reviewer: User, now: datetime | None = None) -> bool:
    """Whether *reviewer* may still add, change or remove timed comments of *review* (the page's question)."""
    try:
        _may_comment(review, reviewer, now)
    except ProjectError:
        return False
    return True


def _may_comment(review: PeerReview, reviewer: User, now: datetime | None = None) -> Project:
    """The review's project, when *reviewer* may still change its timed comments: the rules of
    :func:`_may_review`, and the review not handed in yet (its comments are final with it).

    :raises ProjectError: those of :func:`_may_review`, ``peer_comments_closed``.
    """
    project = _may_review(review, reviewer, now)
    if review.status is PeerReviewStatus.SUBMITTED:
        raise ProjectError("peer_comments_closed")
    return project


def _item_of(review: PeerReview, media_id: int) -> AttemptItem:
    """The item of the reviewed attempt (the work's last) that holds video *media_id*.

    :raises ProjectError: ``media_not_in_attempt``.
    """
    attempt = review.submission.attempts[-1] if review.submission.attempts else None
    item = next((i for i in attempt.items if i.media_id == media_id), None) if attempt else None
    if item is None:
        raise ProjectError("media_not_in_attempt")
    return item


def _checked_text(project: Project, criterion_id: str | None, text: str) -> str:
    """*text* stripped, once it and *criterion_id* pass grading's rules for a timed comment.

    :raises ProjectError: ``bad_mark`` (unknown criterion), ``comment_missing``, ``grading_text_too_long``.
    """
    from projects.grading.services import COMMENT_MAX, check_length

    if criterion_id and criterion_id not in {c.id for c in rubric_of(project).criteria}:
        raise ProjectError("bad_mark", detail="criterion")
    if not text.strip():
        raise ProjectError("comment_missing")
    check_length(text.strip(), COMMENT_MAX)
    return text.strip()


def add_timed_comment(
    review: PeerReview,
    reviewer: User,
    *,
    media_id: int,
    seconds: float | str | None,
    criterion_id: str | None,
    text: str,
    now: datetime | None = None,
) -> PeerTimedComment:
    """Pin *reviewer*'s comment to a moment of one of the reviewed work's videos, as graders do.

    The work's last attempt is the one reviewed; grading's rules read the moment and the length.

    :raises ProjectError: those of :func:`_may_comment`, ``media_not_in_attempt``, ``bad_mark`` (unknown
        criterion), ``comment_missing``, ``bad_moment``, ``grading_text_too_long``.
    """
    from projects.grading.comments import moment

    project = _may_comment(review, reviewer, now)
    item = _item_of(review, media_id)
    text = _checked_text(project, criterion_id, text)
    comment = PeerTimedComment(
        review_id=review.id,
        media_id=media_id,
        seconds=moment(seconds, item.media.duration if item.media else None),
        criterion_id=criterion_id or None,
        text=text,
    )
    db.session.add(comment)
    db.session.flush()
    log.info("timed comment %s on peer review %s by user %s", comment.id, review.id, reviewer.id)
    return comment


def edit_timed_comment(
    comment: PeerTimedComment,
    reviewer: User,
    *,
    text: str | None = None,
    seconds: float | str | None = None,
    criterion_id: str | None = None,
    now: datetime | None = None,
) -> PeerTimedComment:
    """Change one of *reviewer*'s timed comments while the review is open to them: only what is given changes
    (*criterion_id* ``""``: about the whole work), by the rules of :func:`add_timed_comment`.

    :raises ProjectError: those of :func:`add_timed_comment` but ``media_not_in_attempt``.
    """
    from projects.grading.comments import moment

    review = cast(PeerReview, db.session.get(PeerReview, comment.review_id))
    project = _may_comment(review, reviewer, now)
    criterion = comment.criterion_id if criterion_id is None else criterion_id or None
    checked = _checked_text(project, criterion, comment.text if text is None else text)
    if seconds is not None:
        media = db.session.get(MediaFile, comment.media_id)
        comment.seconds = moment(seconds, media.duration if media else None)
    comment.text, comment.criterion_id = checked, criterion
    db.session.flush()
    log.info("timed comment %s on peer review %s changed by user %s", comment.id, review.id, reviewer.id)
    return comment


def remove_timed_comment(comment: PeerTimedComment, reviewer: User, now: datetime | None = None) -> None:
    """Take back one of *reviewer*'s timed comments while the review is open to them.

    :raises ProjectError: those of :func:`_may_comment`.
    """
    review = cast(PeerReview, db.session.get(PeerReview, comment.review_id))
    _may_comment(review, reviewer, now)
    db.session.delete(comment)
    db.session.flush()
    log.info("timed comment %s on peer review %s removed by user %s", comment.id, review.id, reviewer.id)
