"""Peer grades: a work's grade from its reviews, the reviewers' grades for assessing, instructors' overrides,
and the columns they add to the gradebook.

Split from :mod:`projects.peer.services` (settings, calibration, allocation, reviewing), whose helpers read
marks against the rubric the same way here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import cast

from flask_babel import gettext as _
from sqlalchemy import select, update

from lms.db import utcnow
from lms.extensions import db
from lms.users.models import User
from projects.common import ProjectError
from projects.coursework.models import Project, Submission
from projects.grading import rules as grading
from projects.peer import arithmetic
from projects.peer.models import PeerOverride, PeerReview, PeerReviewStatus, PeerSettings
from projects.peer.services import (
    owners_of,
    points_of,
    reviews_by,
    rubric_of,
    settings_for,
    spans,
    weights,
    works_of,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeerResult:
    """A work's peer outcome: the combined points per criterion, their grade, and how it was reached."""

    points: dict[str, Decimal]
    grade: Decimal | None
    reviews: int
    wanted: int
    enough: bool
    override: Decimal | None

    @property
    def final(self) -> Decimal | None:
        """The grade that counts: the instructor's override, else the peer grade once reviews suffice."""
        if self.override is not None:
            return self.override
        return self.grade if self.enough else None


def peer_result(submission: Submission, now: datetime | None = None) -> PeerResult:
    """The peer grade of *submission*, from its submitted reviews (median or trimmed mean per criterion)."""
    project = submission.project
    settings = settings_for(project)
    rubric = rubric_of(project, settings)
    reviews = [
        points_of(rubric, r.marks)
        for r in db.session.scalars(
            select(PeerReview).where(
                PeerReview.submission_id == submission.id, PeerReview.status == PeerReviewStatus.SUBMITTED
            )
        )
    ]
    wanted = settings.reviews_each if settings else 0
    method = settings.method.value if settings else "median"
    points = arithmetic.peer_marks(reviews, method) if reviews else {}
    grade = None
    if reviews and len(points) == len(rubric.criteria):
        marks = [grading.Mark(cid, None, value) for cid, value in points.items()]
        grade = grading.grade(rubric, marks, max_grade=project.max_grade).final
    waited = 0.0
    if settings and settings.closes_at:
        waited = max(((now or utcnow()) - settings.closes_at) / timedelta(days=1), 0.0)
    enough = arithmetic.enough_reviews(
        len(reviews), wanted, waited, settings.flexible_after_days if settings else None
    ) and bool(reviews)
    return PeerResult(points, grade, len(reviews), wanted, enough, current_override(submission))


def score_assessing(project: Project, submission_id: int | None = None) -> int:
    """Grade each submitted review against the median of the other reviews of the same work (of the work
    *submission_id* only, when given: each submitted review scores its work's again); returns how many were
    graded. A work with one review gives its reviewer no assessing grade (nothing to compare)."""
    settings = settings_for(project)
    if settings is None:
        return 0
    rubric = rubric_of(project, settings)
    span, weight = spans(rubric), weights(rubric)
    by_work: dict[int, list[PeerReview]] = {}
    query = select(PeerReview).where(
        PeerReview.project_id == project.id, PeerReview.status == PeerReviewStatus.SUBMITTED
    )
    if submission_id is not None:
        query = query.where(PeerReview.submission_id == submission_id)
    for review in db.session.scalars(query):
        by_work.setdefault(review.submission_id, []).append(review)
    graded = 0
    db.session.flush()
    for reviews in by_work.values():
        points = {r.id: points_of(rubric, r.marks) for r in reviews}
        for review in reviews:
            others = [p for rid, p in points.items() if rid != review.id]
            value = None
            if others:
                reference = arithmetic.peer_marks(others, "median")
                d = arithmetic.deviation(points[review.id], reference, span, weight)
                value = arithmetic.assessing_grade(d, settings.strictness).quantize(Decimal("0.01"))
                graded += 1
            # A statement, not an attribute: the reviewer's own version counter stays (their open form is not
            # stale because someone else reviewed the same work).
            db.session.execute(update(PeerReview).where(PeerReview.id == review.id).values(assessing=value))
    return graded


def assessing_grade_of(project: Project, reviewer: User) -> Decimal | None:
    """A reviewer's grade for assessing: the mean of their reviews' assessing grades (None: none yet)."""
    values = [r.assessing for r in reviews_by(project, reviewer) if r.assessing is not None]
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))


def current_override(submission: Submission) -> Decimal | None:
    latest = db.session.scalar(
        select(PeerOverride)
        .where(PeerOverride.submission_id == submission.id)
        .order_by(PeerOverride.at.desc(), PeerOverride.id.desc())
        .limit(1)
    )
    return latest.after if latest is not None else None


def override(submission: Submission, grade: Decimal | None, reason: str, by: User) -> PeerOverride:
    """Set (or with None withdraw) the instructor's peer grade of *submission*; each change is kept.

    :raises ProjectError: ``peer_reason_needed`` without a reason, ``peer_bad_setting`` (``field``
        grade) for a grade outside 0 to the project's maximum.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ProjectError("peer_reason_needed")
    if len(reason) > 1000:
        raise ProjectError("grading_text_too_long", limit=1000)
    if grade is not None and not Decimal(0) <= Decimal(grade) <= submission.project.max_grade:
        raise ProjectError("peer_bad_setting", field="grade")
    row = PeerOverride(
        submission_id=submission.id,
        before=current_override(submission) if current_override(submission) is not None else None,
        after=None if grade is None else Decimal(grade),
        reason=reason,
        by_id=by.id,
    )
    if row.before is None:
        row.before = peer_result(submission).grade
    db.session.add(row)
    db.session.flush()
    log.info("peer grade of submission %s overridden by user %s", submission.id, by.id)
    return row


@dataclass(frozen=True)
class WorkRow:
    """One handed-in work on the instructor's page."""

    submission: Submission
    label: str
    allocated: int
    submitted: int
    result: PeerResult


def overview(project: Project) -> list[WorkRow]:
    """Every handed-in work with its reviews (allocated and submitted) and peer result, for the instructor."""
    from projects.coursework.submissions import team_label

    reviews = list(db.session.scalars(select(PeerReview).where(PeerReview.project_id == project.id)))
    rows = []
    for submission_id in works_of(project):
        submission = cast(Submission, db.session.get(Submission, submission_id))
        mine = [r for r in reviews if r.submission_id == submission_id]
        done = sum(1 for r in mine if r.status is PeerReviewStatus.SUBMITTED)
        rows.append(WorkRow(submission, team_label(submission), len(mine), done, peer_result(submission)))
    return sorted(rows, key=lambda row: row.label)


def received(project: Project, author: User) -> tuple[PeerResult, list[PeerReview]] | None:
    """The submitted reviews of *author*'s work and its peer result, once the author's grade is released
    (None before: reviews are not shown while marking goes on)."""
    from projects.coursework.submissions import submission_for
    from projects.grading.services import released_for

    submission = submission_for(project, author)
    if submission is None or released_for(project, author) is None:
        return None
    reviews = list(
        db.session.scalars(
            select(PeerReview)
            .where(PeerReview.submission_id == submission.id, PeerReview.status == PeerReviewStatus.SUBMITTED)
            .order_by(PeerReview.id)
        )
    )
    return peer_result(submission), reviews


def gradebook_columns(
    projects: list[Project], trainees: list[User]
) -> list[tuple[int, str, dict[int, Decimal | None]]]:
    """The peer grade and the assessing grade of each trainee on each project with peer review, in a fixed
    number of queries (the gradebook shows 300 trainees × 20 projects).

    A team's peer grade counts for every member; the assessing grade is each reviewer's own.
    """
    settings = {
        s.project_id: s
        for s in db.session.scalars(
            select(PeerSettings).where(
                PeerSettings.project_id.in_([p.id for p in projects]), PeerSettings.enabled.is_(True)
            )
        )
    }
    chosen = [
        p for p in projects if p.id in settings and (p.rubric_version_id or settings[p.id].rubric_version_id)
    ]
    if not chosen:
        return []
    ids = [p.id for p in chosen]
    reviews = list(
        db.session.scalars(
            select(PeerReview).where(
                PeerReview.project_id.in_(ids), PeerReview.status == PeerReviewStatus.SUBMITTED
            )
        )
    )
    overrides: dict[int, Decimal | None] = {}
    for row in db.session.scalars(
        select(PeerOverride)
        .join(Submission, Submission.id == PeerOverride.submission_id)
        .where(Submission.project_id.in_(ids))
        .order_by(PeerOverride.at, PeerOverride.id)
    ):
        overrides[row.submission_id] = row.after  # the newest wins
    owners = owners_of(ids)
    wanted = {t.id for t in trainees}
    marked = _grades_by_kind(ids)
    columns: list[tuple[int, str, dict[int, Decimal | None]]] = []
    now = utcnow()
    for project in chosen:
        setting = settings[project.id]
        rubric = rubric_of(project, setting)
        waited = (now - setting.closes_at) / timedelta(days=1) if setting.closes_at else 0.0
        by_work: dict[int, list[dict[str, Decimal]]] = {}
        assessing: dict[int, list[Decimal]] = {}
        for review in (r for r in reviews if r.project_id == project.id):
            by_work.setdefault(review.submission_id, []).append(points_of(rubric, review.marks))
            if review.assessing is not None:
                assessing.setdefault(review.reviewer_id, []).append(review.assessing)
        peer_grades: dict[int, Decimal | None] = {}
        combined: dict[int, Decimal | None] = {}
        for submission_id, members in owners.get(project.id, {}).items():
            grade = overrides.get(submission_id)
            marks = by_work.get(submission_id) or []
            enough = bool(marks) and arithmetic.enough_reviews(
                len(marks), setting.reviews_each, waited, setting.flexible_after_days
            )
            if submission_id not in overrides and enough:
                points = arithmetic.peer_marks(marks, setting.method.value)
                if len(points) == len(rubric.criteria):
                    marks_ = [grading.Mark(cid, None, value) for cid, value in points.items()]
                    grade = grading.grade(rubric, marks_, max_grade=project.max_grade).final
            mix = arithmetic.combine(
                {
                    "peer": (grade, setting.peer_weight),
                    "self": (marked.get((submission_id, "self")), setting.self_weight),
                    "instructor": (marked.get((submission_id, "grader")), setting.instructor_weight),
                }
            )
            for member in members & wanted:
                peer_grades[member] = grade
                combined[member] = None if mix is None else mix.quantize(Decimal("0.01"))
        mean: dict[int, Decimal | None] = {
            uid: (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))
            for uid, values in assessing.items()
            if uid in wanted
        }
        columns.append((project.id, _("Peer grade"), peer_grades))
        columns.append((project.id, _("Assessing grade"), mean))
        if setting.peer_weight or setting.self_weight:  # otherwise it is the instructor's grade again
            columns.append((project.id, _("Weighted grade"), combined))
    return columns


def _grades_by_kind(project_ids: list[int]) -> dict[tuple[int, str], Decimal | None]:
    """(submission id, ``grader`` or ``self``) → the assessment's grade, for the projects: one query.

    The weighted grade counts the instructor's grade once released only, as the trainee sees it."""
    from projects.grading.models import Assessment, AssessmentKind, MarkingStatus

    rows = db.session.execute(
        select(Assessment.submission_id, Assessment.kind, Assessment.grade, Assessment.status)
        .join(Submission, Submission.id == Assessment.submission_id)
        .where(Submission.project_id.in_(project_ids))
    )
    out: dict[tuple[int, str], Decimal | None] = {}
    for submission_id, kind, grade, status in rows:
        if kind is AssessmentKind.GRADER and status is not MarkingStatus.RELEASED:
            continue
        out[(submission_id, kind.value)] = None if grade is None else Decimal(str(grade))
    return out
