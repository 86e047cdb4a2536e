"""Peer review of a project: settings, calibration on examples, allocation, reviews, peer grades, overrides.

The arithmetic and the allocation are the pure core's (:mod:`projects.peer.arithmetic`,
:mod:`projects.peer.allocation`); this module loads rows, calls the core and stores what it decides. Marks
have the shape of grading's assessments (``{criterion_id: {"level_id", "points", "comment"}}``) and are read
against the peer rubric (:func:`rubric_of`: the settings' own rubric, else the project's) with grading's own
rules, so a peer mark means what an instructor's mark means.
Services flush and log; the request or task edge commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.db import utcnow
from lms.extensions import db
from lms.jobs import enqueue
from lms.notifications.kinds import register_kind
from lms.users.models import User
from projects.common import ProjectError
from projects.coursework.models import Project, Submission, SubmissionStatus
from projects.coursework.submissions import recipients
from projects.grading import rubrics
from projects.grading import rules as grading
from projects.peer import allocation, arithmetic
from projects.peer.models import (
    PeerMethod,
    PeerReview,
    PeerReviewStatus,
    PeerSettings,
)
from projects.peer.rubric import check_rubric, rubric_version_of

log = logging.getLogger(__name__)

register_kind("peer_review", _l("Works to review (peer review)"), group=_l("Coursework"))

#: Settings a caller may change, with how to read each (a partial update leaves the others alone).
EDITABLE = {
    "enabled": bool,
    "reviews_each": int,
    "anonymous_authors": bool,
    "anonymous_reviewers": bool,
    "opens_at": None,
    "closes_at": None,
    "method": PeerMethod,
    "strictness": arithmetic.Strictness,
    "peer_weight": Decimal,
    "self_weight": Decimal,
    "instructor_weight": Decimal,
    "agreement": Decimal,
    "attempts_enough": None,
    "flexible_after_days": None,
    "rubric_version_id": None,  # checked by rubric.check_rubric: the user's library, not once marks exist
}
FEEDBACK_MAX = 20_000


class StaleReview(ProjectError):
    """The review was saved elsewhere since the form was opened."""

    def __init__(self, review: PeerReview):
        super().__init__("peer_review_conflict", review_id=review.id)
        self.review = review


def settings_for(project: Project) -> PeerSettings | None:
    """The project's peer-review settings (None: peer review was never set up)."""
    return db.session.get(PeerSettings, project.id)


def configure(project: Project, by: User, **values: Any) -> PeerSettings:
    """Create or change the project's peer-review settings; only the fields given change.

    :raises ProjectError: ``peer_bad_setting`` (with ``field``) for an unknown field or a value out of range;
        for ``rubric_version_id``, ``peer_rubric_unknown`` (not a version of a rubric *by* may use) and
        ``peer_rubric_locked`` (reviews, examples or attempts exist: their marks are keyed by its criteria).
    """
    settings = settings_for(project) or _new_settings(project)
    parsed = {}
    for field, value in values.items():
        if field not in EDITABLE:
            raise ProjectError("peer_bad_setting", field=field)
        kind = EDITABLE[field]
        try:
            parsed[field] = kind(value) if kind is not None and value is not None else value
        except (TypeError, ValueError, ArithmeticError):
            raise ProjectError("peer_bad_setting", field=field) from None
    if "rubric_version_id" in parsed:
        parsed["rubric_version_id"] = check_rubric(project, settings, parsed["rubric_version_id"], by)
    before = {field: getattr(settings, field) for field in parsed}
    for field, value in parsed.items():
        setattr(settings, field, value)
    try:
        _check_settings(settings)
    except ProjectError:
        # A refused change leaves the stored settings as they were (the request edge commits the session).
        for field, value in before.items():
            setattr(settings, field, value)
        raise
    db.session.add(settings)
    db.session.flush()
    log.info("peer review of project %s set by user %s: %s", project.id, by.id, sorted(values))
    return settings


def _new_settings(project: Project) -> PeerSettings:
    """A settings row with the columns' defaults already set (SQLAlchemy applies them only at INSERT, and the
    checks run before it)."""
    defaults = {
        column.key: column.default.arg
        for column in PeerSettings.__table__.columns
        if column.default is not None and not callable(column.default.arg)
    }
    return PeerSettings(project_id=project.id, **defaults)


def _check_settings(s: PeerSettings) -> None:
    checks = {
        "reviews_each": 1 <= (s.reviews_each or 0) <= 10,
        "closes_at": not (s.opens_at and s.closes_at and s.closes_at <= s.opens_at),
        "agreement": Decimal(0) <= Decimal(s.agreement if s.agreement is not None else 70) <= Decimal(100),
        "attempts_enough": s.attempts_enough is None or 1 <= s.attempts_enough <= 20,
        "flexible_after_days": s.flexible_after_days is None or 0 <= s.flexible_after_days <= 365,
    }
    for weight in ("peer_weight", "self_weight", "instructor_weight"):
        value = getattr(s, weight)
        checks[weight] = value is None or Decimal(0) <= Decimal(value) <= Decimal(100)
    for field, ok in checks.items():
        if not ok:
            raise ProjectError("peer_bad_setting", field=field)


def rubric_of(project: Project, settings: PeerSettings | None = None) -> grading.Rubric:
    """The rubric every peer mark is read against (the pure core's), whatever reads it: reviews, examples,
    calibration, peer and assessing grades, timed comments. The peer grade stays on the project's
    ``max_grade``: :func:`projects.grading.rules.grade` scales this rubric's points to it."""
    return rubrics.core(rubric_version_of(project, settings))


def points_of(rubric: grading.Rubric, marks: dict, *, complete: bool = True) -> dict[str, Decimal]:
    """The points each marked criterion gets (grading's rules decide); every criterion when *complete*.

    :raises ProjectError: ``bad_mark`` (the core's code as ``problem``) or ``peer_incomplete``.
    """
    points = {}
    for criterion in rubric.criteria:
        mark = (marks or {}).get(criterion.id) or {}
        level_id, raw = mark.get("level_id") or None, mark.get("points")
        if level_id is None and raw in (None, ""):
            continue
        try:
            points[criterion.id] = grading.criterion_points(
                criterion, grading.Mark(criterion.id, level_id, None if raw in (None, "") else raw)
            )
        except grading.GradingError as exc:
            raise ProjectError("bad_mark", problem=exc.code, criterion=criterion.id) from exc
    if complete and len(points) < len(rubric.criteria):
        raise ProjectError("peer_incomplete")
    return points


def spans(rubric: grading.Rubric) -> dict[str, Decimal]:
    """Each criterion's range: the most points it can give minus the fewest."""
    out = {}
    for criterion in rubric.criteria:
        lows = [lv.min_points if lv.is_range else lv.top for lv in criterion.levels]
        out[criterion.id] = criterion.max_points - min(cast(list[Decimal], lows))
    return out


def weights(rubric: grading.Rubric) -> dict[str, Decimal]:
    return {c.id: c.weight for c in rubric.criteria}


# -- allocation ---------------------------------------------------------------------------------------------


def works_of(project: Project) -> dict[int, list[int]]:
    """The handed-in works of *project* and their authors (a team's work: every member), in two queries."""
    return {sid: sorted(people) for sid, people in owners_of([project.id]).get(project.id, {}).items()}


@dataclass(frozen=True)
class AllocationPlan:
    """What "share out the reviews" would do now, for its confirmation page (nothing is written)."""

    works: int
    reviewers: int
    waiting: int
    reviews_each: int
    shared: int
    late: int


def allocation_plan(project: Project) -> AllocationPlan:
    """How many handed-in works and active authors who may review (passed calibration) there are, how many
    authors still wait for calibration, and how many works have no reviews yet (after a first round: the
    late hand-ins that join now)."""
    settings = settings_for(project)
    if settings is None or not settings.enabled:
        raise ProjectError("peer_not_enabled")
    works = works_of(project)
    authors = {uid for people in works.values() for uid in people}
    active = set(db.session.scalars(select(User.id).where(User.id.in_(authors), User.active.is_(True))))
    from projects.peer.calibration import calibrated_among  # calibration builds on this module

    reviewers = calibrated_among(project, sorted(active))
    reviewed = set(
        db.session.scalars(select(PeerReview.submission_id).where(PeerReview.project_id == project.id))
    )
    shared = (
        db.session.scalar(select(func.count(PeerReview.id)).where(PeerReview.project_id == project.id)) or 0
    )
    return AllocationPlan(
        works=len(works),
        reviewers=len(reviewers),
        waiting=len(active - reviewers),
        reviews_each=settings.reviews_each,
        shared=shared,
        late=len(set(works) - reviewed) if shared else 0,
    )


def allocate_reviews(project: Project, by: User | None = None, seed: int | None = None) -> int:
    """Allocate reviews among the trainees who handed in and passed calibration; returns how many are new.

    Earlier allocations stay: a run after late hand-ins adds a round in which the late works get reviews
    (from the late authors first, then from those who review least) and the late authors get works to review.
    Running it again with nothing new adds nothing.
    """
    settings = settings_for(project)
    if settings is None or not settings.enabled:
        raise ProjectError("peer_not_enabled")
    works = works_of(project)
    authors = {uid for people in works.values() for uid in people}
    people = {
        u.id: u for u in db.session.scalars(select(User).where(User.id.in_(authors), User.active.is_(True)))
    }
    from projects.peer.calibration import calibrated_among  # calibration builds on this module

    reviewers = sorted(calibrated_among(project, list(people)))
    existing = {
        (r.reviewer_id, r.submission_id): r
        for r in db.session.scalars(select(PeerReview).where(PeerReview.project_id == project.id))
    }
    result = allocation.allocate(works, reviewers, settings.reviews_each, existing=existing, seed=seed)
    if works and reviewers:
        given = len(result.pairs)
        target = min(settings.reviews_each, given // len(works)) if given >= len(works) else 1
        result = allocation.top_up(works, reviewers, target, result.pairs, seed=seed)
    new = result.pairs - set(existing)
    round_ = max((r.round for r in existing.values()), default=0) + 1
    for reviewer_id, submission_id in sorted(new):
        db.session.add(
            PeerReview(
                project_id=project.id, submission_id=submission_id, reviewer_id=reviewer_id, round=round_
            )
        )
    db.session.flush()
    if new:
        from projects.peer.tasks import announce_round

        enqueue(announce_round, project.id, round_)  # after the commit: the notices need the rows
    log.info(
        "peer round %s of project %s: %s new review(s) for %s work(s) (by %s)",
        round_,
        project.id,
        len(new),
        len(works),
        by.id if by else "the scheduler",
    )
    return len(new)


def reallocate(review: PeerReview, reviewer: User, by: User) -> PeerReview:
    """Give an allocated (not yet submitted) review to another reviewer, without the timed comments the
    first one pinned.

    :raises ProjectError: ``peer_review_submitted``, ``peer_own_work`` (the new reviewer is an author) or
        ``peer_already_reviewing`` (they review that work already).
    """
    if review.status is PeerReviewStatus.SUBMITTED:
        raise ProjectError("peer_review_submitted")
    if reviewer.id in {u.id for u in recipients(review.submission)}:
        raise ProjectError("peer_own_work")
    taken = db.session.scalar(
        select(PeerReview.id).where(
            PeerReview.submission_id == review.submission_id, PeerReview.reviewer_id == reviewer.id
        )
    )
    if taken is not None:
        raise ProjectError("peer_already_reviewing")
    before = review.reviewer_id
    review.reviewer_id = reviewer.id
    # The comments the first reviewer pinned are theirs, not the new reviewer's: they go with the hand-over.
    review.comments.clear()
    db.session.flush()
    log.info("peer review %s moved from user %s to user %s by user %s", review.id, before, reviewer.id, by.id)
    return review


def allocation_of(project: Project) -> list[PeerReview]:
    """Every review of *project*, for its managers: open ones first (those are the ones to move), then by
    round and reviewer."""
    from sqlalchemy.orm import selectinload

    rows = db.session.scalars(
        select(PeerReview)
        .where(PeerReview.project_id == project.id)
        .options(selectinload(PeerReview.reviewer), selectinload(PeerReview.submission))
        .order_by(PeerReview.round, PeerReview.reviewer_id, PeerReview.id)
    )
    return sorted(rows, key=lambda r: r.status is PeerReviewStatus.SUBMITTED)


def candidates_for(project: Project) -> list[User]:
    """Who may take over a review: active trainees who handed in and passed calibration (the rules of one
    review, not their own work and not twice, are :func:`reallocate`'s)."""
    from projects.peer.calibration import calibrated_among

    authors = {uid for people in works_of(project).values() for uid in people}
    ids = set(calibrated_among(project, sorted(authors)))
    people = db.session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True)))
    return sorted(people, key=lambda u: (u.name or "", u.id))


def reviews_by(project: Project, reviewer: User) -> list[PeerReview]:
    return list(
        db.session.scalars(
            select(PeerReview)
            .where(PeerReview.project_id == project.id, PeerReview.reviewer_id == reviewer.id)
            .order_by(PeerReview.id)
        )
    )


# -- reviewing ----------------------------------------------------------------------------------------------


def window_open(settings: PeerSettings, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        settings.enabled
        and (settings.opens_at is None or settings.opens_at <= now)
        and (settings.closes_at is None or now < settings.closes_at)
    )


def submit_review(
    review: PeerReview,
    reviewer: User,
    *,
    expected_version: int,
    marks: dict,
    feedback: str,
    now: datetime | None = None,
) -> PeerReview:
    """Store *reviewer*'s marks for the work under review (again while the window is open).

    :raises StaleReview: saved elsewhere since the form was opened.
    :raises ProjectError: ``peer_not_yours``, ``peer_closed``, ``peer_not_calibrated``, ``peer_incomplete``,
        ``bad_mark``, ``grading_text_too_long``.
    """
    project = cast(Project, db.session.get(Project, review.project_id))
    settings = settings_for(project)
    if review.reviewer_id != reviewer.id:
        raise ProjectError("peer_not_yours")
    if settings is None or not window_open(settings, now):
        raise ProjectError("peer_closed")
    from projects.peer.calibration import calibrated  # calibration builds on this module

    if not calibrated(project, reviewer):
        raise ProjectError("peer_not_calibrated")
    if review.version != expected_version:
        raise StaleReview(review)
    if len(feedback) > FEEDBACK_MAX:
        raise ProjectError("grading_text_too_long", limit=FEEDBACK_MAX)
    points_of(rubric_of(project), marks)
    review.marks = marks
    review.feedback = feedback.strip()
    review.status = PeerReviewStatus.SUBMITTED
    review.submitted_at = now or utcnow()
    db.session.flush()
    from projects.peer.grades import score_assessing  # grades builds on this module

    score_assessing(project, review.submission_id)  # this work's reviewers, against each other again
    log.info("peer review %s submitted by user %s", review.id, reviewer.id)
    return review


def owners_of(project_ids: list[int]) -> dict[int, dict[int, set[int]]]:
    """project id → submission id → the trainees it belongs to (a team's: every member)."""
    from projects.coursework.models import TeamMember

    owners: dict[int, dict[int, set[int]]] = {}
    rows = db.session.execute(
        select(Submission.project_id, Submission.id, Submission.user_id, Submission.team_id).where(
            Submission.project_id.in_(project_ids), Submission.status == SubmissionStatus.SUBMITTED
        )
    ).all()
    members: dict[int, set[int]] = {}
    for team, member in db.session.execute(
        select(TeamMember.team_id, TeamMember.user_id).where(TeamMember.project_id.in_(project_ids))
    ):
        members.setdefault(team, set()).add(member)
    for project_id, submission_id, user_id, team_id in rows:
        # user_or_team: a submission without a team has its user.
        people = members.get(team_id, set()) if team_id else {cast(int, user_id)}
        owners.setdefault(project_id, {})[submission_id] = people
    return owners
