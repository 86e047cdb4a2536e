"""The projects plugin's answer to ``lms check`` (see :data:`lms.signals.integrity_check`).

``handed_in_file_missing``
    an attempt holds a file whose bytes are gone from storage (or differ from
    its receipt): attempts are immutable, so a person must restore the file.
``draft_file_missing``
    a draft's file is gone from storage; the trainee must upload it again.
``draft_not_promoted``
    a draft's candidate was accepted but not made the draft's file; repaired by promoting it.
``summary_mismatch``
    a submission's copied summary (attempt count, lateness, time, status)
    disagrees with its attempts; repaired by recomputing it.
``attempt_numbers``
    a submission's attempts are not numbered 1..n; a person must look.
``assessment_attempt``
    an assessment follows an older attempt than the newest; repaired as a new
    hand-in would (it moves to the newest and goes back to "in progress").
``assessment_grade``
    an assessment marked ready or released has no grade; a person must grade it again.
``release_time``
    a released assessment has no release time; repaired from its last change.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from lms.db import STREAM_BATCH, streamed
from lms.extensions import db
from lms.signals import Finding
from media.models import MediaFile, MediaStatus
from media.services import get_storage
from projects.coursework.models import Attempt, AttemptItem, DraftItem, Submission, SubmissionStatus
from projects.grading import services as marking
from projects.grading.models import Assessment, AssessmentKind, MarkingStatus


def integrity_check(_app, repair: bool = False, **_kwargs):
    """Receiver of :data:`lms.signals.integrity_check` (the findings are listed in the module's docstring)."""
    if "projects" not in current_app.extensions:
        return None
    return [*_attempt_files(), *_draft_files(repair), *_summaries(repair), *_assessments(repair)]


def _finding(code: str, subject: str, detail: str = "", **kw) -> Finding:
    return Finding("projects", code, subject, detail, **kw)


def _attempt_files() -> list[Finding]:
    storage = get_storage()
    out = []
    rows = db.session.execute(
        select(AttemptItem, MediaFile)
        .join(MediaFile, AttemptItem.media_id == MediaFile.id)
        .order_by(AttemptItem.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    for item, media in rows:
        if not storage.exists(media.storage_key):
            problem = f"media {media.id} ({item.file_name}) is not in storage"
        elif item.sha256 and item.sha256 != media.sha256:
            problem = f"media {media.id} is not the file on the receipt"
        else:
            continue
        out.append(
            _finding("handed_in_file_missing", f"attempt {item.attempt_id}", problem, needs_person=True)
        )
    return out


def _draft_files(repair: bool) -> list[Finding]:
    storage = get_storage()
    out = []
    items = streamed(
        select(DraftItem)
        .where((DraftItem.media_id.is_not(None)) | (DraftItem.candidate_id.is_not(None)))
        .options(joinedload(DraftItem.media), joinedload(DraftItem.candidate))
        .order_by(DraftItem.id)
    )
    for item in items:
        if item.media is not None and not storage.exists(item.media.storage_key):
            out.append(
                _finding(
                    "draft_file_missing",
                    f"submission {item.submission_id}",
                    f"media {item.media_id}: the trainee must upload it again",
                    needs_person=True,
                )
            )
        if item.candidate is not None and item.candidate.status is MediaStatus.READY:
            finding = _finding(
                "draft_not_promoted",
                f"submission {item.submission_id}",
                f"media {item.candidate_id} was accepted",
            )
            out.append(finding)
            if repair:
                item.media_id, item.candidate_id = item.candidate_id, None
                finding.repaired, finding.action = True, "made the draft's file"
    return out


def _summaries(repair: bool) -> list[Finding]:
    out = []
    for submission in streamed(
        select(Submission).options(selectinload(Submission.attempts)).order_by(Submission.id)
    ):
        attempts = submission.attempts
        numbers = [a.number for a in attempts]
        if numbers != list(range(1, len(numbers) + 1)):
            out.append(
                _finding(
                    "attempt_numbers", f"submission {submission.id}", f"numbers {numbers}", needs_person=True
                )
            )
        last = attempts[-1] if attempts else None
        want = {
            "attempt_count": last.number if last else 0,
            "last_late": bool(last and last.late),
            "last_submitted_at": last.submitted_at if last else None,
        }
        if last is not None:
            want["status"] = SubmissionStatus.SUBMITTED
        wrong = {k: v for k, v in want.items() if getattr(submission, k) != v}
        if not wrong:
            continue
        finding = _finding(
            "summary_mismatch",
            f"submission {submission.id}",
            ", ".join(f"{k} {getattr(submission, k)} ≠ {v}" for k, v in wrong.items()),
        )
        out.append(finding)
        if repair:
            for key, value in wrong.items():
                setattr(submission, key, value)
            finding.repaired, finding.action = True, "recomputed from the attempts"
    db.session.flush()
    return out


def _assessments(repair: bool) -> list[Finding]:
    out = []
    last = (
        select(Attempt.submission_id, func.max(Attempt.number).label("number"))
        .group_by(Attempt.submission_id)
        .subquery()
    )
    newest = (
        select(Attempt.submission_id, Attempt.id.label("attempt_id"))
        .join(last, (Attempt.submission_id == last.c.submission_id) & (Attempt.number == last.c.number))
        .subquery()
    )
    # Each grader's assessment beside its submission's newest attempt, a batch at a time (1M rows at
    # national size: no dict of every submission in memory).
    rows = db.session.execute(
        select(Assessment, newest.c.attempt_id)
        .outerjoin(newest, newest.c.submission_id == Assessment.submission_id)
        .where(Assessment.kind == AssessmentKind.GRADER)
        .order_by(Assessment.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    for assessment, newest_id in rows:
        subject = f"assessment {assessment.id}"
        newest = (
            db.session.get(Attempt, newest_id)
            if newest_id is not None and assessment.attempt_id not in (None, newest_id)
            else None
        )
        if newest is not None and assessment.attempt_id is not None:
            finding = _finding(
                "assessment_attempt",
                subject,
                f"follows attempt {assessment.attempt_id}, newest is {newest.id}",
            )
            out.append(finding)
            if repair:
                marking.reopen_for_attempt(newest)
                finding.repaired, finding.action = True, "moved to the newest attempt, back in progress"
        if assessment.status in (MarkingStatus.READY, MarkingStatus.RELEASED) and assessment.grade is None:
            out.append(
                _finding(
                    "assessment_grade",
                    subject,
                    f"{assessment.status.value} without a grade",
                    needs_person=True,
                )
            )
        if assessment.status is MarkingStatus.RELEASED and assessment.released_at is None:
            finding = _finding("release_time", subject, "released without a time")
            out.append(finding)
            if repair:
                assessment.released_at = assessment.updated_at
                finding.repaired, finding.action = True, "set from its last change"
    db.session.flush()
    return out
