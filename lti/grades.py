"""Grade passback (LTI Assignment and Grade Services): released grades to the placements' line items.

A :class:`~lti.models.GradeSync` row per (placement, trainee) records what is on its way and how it went,
so instructors see failures and send them again. Nothing is queued or sent for an unreleased assessment:
the receiver only runs on ``assessment_released`` and the task checks the release again before sending.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from lms.jobs import enqueue
from lti import client
from lti.models import Account, Context, GradeStatus, GradeSync, ResourceLink
from projects.grading import services as marking
from projects.grading.models import Assessment, MarkingStatus

log = logging.getLogger(__name__)

COMMENT_LIMIT = 1000  # characters of feedback sent as the score's comment


def queue_grades(assessment: Assessment) -> list[GradeSync]:
    """Record and queue a score for every trainee of a released assessment on every placement of its
    project."""
    if assessment.status is not MarkingStatus.RELEASED:
        return []
    submission = assessment.submission
    links = list(
        db.session.scalars(
            select(ResourceLink).where(
                ResourceLink.project_id == submission.project_id, ResourceLink.lineitem_url.is_not(None)
            )
        )
    )
    queued = []
    for link in links:
        for user in marking.recipients(submission):
            if _sub_of(link, user.id) is None:
                continue  # never launched from this LMS: the platform would not know whom the score is for
            sync = db.session.scalar(
                select(GradeSync).where(GradeSync.resource_link_id == link.id, GradeSync.user_id == user.id)
            )
            if sync is None:
                sync = GradeSync(resource_link_id=link.id, user_id=user.id, assessment_id=assessment.id)
                db.session.add(sync)
            sync.assessment_id, sync.status, sync.attempts = assessment.id, GradeStatus.PENDING, 0
            sync.score, sync.last_error, sync.updated_at = marking.grade_for(assessment, user), None, utcnow()
            queued.append(sync)
    db.session.flush()
    from lti.tasks import send_score

    for sync in queued:
        enqueue(send_score, sync.id)
    if queued:
        log.info("lti: %s score(s) queued for assessment %s", len(queued), assessment.id)
    return queued


def _sub_of(link: ResourceLink, user_id: int) -> str | None:
    context = db.session.get(Context, link.context_id)
    return db.session.scalar(
        select(Account.sub).where(Account.platform_id == context.platform_id, Account.user_id == user_id)
    )


def score_payload(sync: GradeSync, sub: str) -> dict:
    """The AGS score document for one trainee (AGS 2.0 §3.4)."""
    assessment = db.session.get(Assessment, sync.assessment_id)
    project = assessment.submission.project
    comment = (assessment.feedback or "").strip()
    if len(comment) > COMMENT_LIMIT:
        comment = comment[: COMMENT_LIMIT - 1] + "…"
    payload = {
        "userId": sub,
        "scoreGiven": float(sync.score if sync.score is not None else Decimal(0)),
        "scoreMaximum": float(project.max_grade),
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": utcnow().isoformat(timespec="milliseconds"),
    }
    if comment:
        payload["comment"] = comment
    return payload


def send(sync_id: int) -> GradeSync | None:
    """Send one queued score now.

    :raises client.PlatformError: when the platform could not be reached or refused (``transient`` tells).
    :returns: the row, or ``None`` when there is nothing (left) to send.
    """
    sync = db.session.get(GradeSync, sync_id)
    if sync is None or sync.status is GradeStatus.SENT:
        return None
    assessment = db.session.get(Assessment, sync.assessment_id)
    if assessment is None or assessment.status is not MarkingStatus.RELEASED:
        # Reopened (a new hand-in) since it was queued: the next release sends again.
        sync.status, sync.last_error = GradeStatus.FAILED, "not released any more"
        db.session.flush()
        return None
    link = sync.resource_link
    sub = _sub_of(link, sync.user_id)
    sync.attempts += 1
    sync.updated_at = utcnow()
    client.post_score(link.context.platform, link.lineitem_url, score_payload(sync, sub))
    sync.status, sync.sent_at, sync.last_error = GradeStatus.SENT, utcnow(), None
    db.session.flush()
    log.info("lti: score of user %s sent to %s", sync.user_id, link.lineitem_url)
    return sync


def record_failure(sync_id: int, error: str, final: bool) -> None:
    sync = db.session.get(GradeSync, sync_id)
    if sync is None:
        return
    sync.attempts += 1  # the failed try's own count was rolled back with it
    sync.last_error, sync.updated_at = error[:2000], utcnow()
    if final:
        sync.status = GradeStatus.FAILED
    db.session.flush()
    log.warning("lti: score %s %s: %s", sync_id, "failed" if final else "will be retried", error)


def syncs_of(context: Context) -> list[GradeSync]:
    return list(
        db.session.scalars(
            select(GradeSync)
            .join(ResourceLink)
            .where(ResourceLink.context_id == context.id)
            .order_by(GradeSync.updated_at.desc())
        )
    )


def retry_failed(context: Context) -> int:
    """Queue again every failed score of the course's placements; returns how many."""
    failed = [s for s in syncs_of(context) if s.status is GradeStatus.FAILED]
    from lti.tasks import send_score

    for sync in failed:
        sync.status, sync.attempts, sync.updated_at = GradeStatus.PENDING, 0, utcnow()
        enqueue(send_score, sync.id)
    db.session.flush()
    return len(failed)
