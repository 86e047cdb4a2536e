"""Answers of the grading domain to the core's signals: navigation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.notifications.kinds import register_kind
from lms.signals import NavItem
from lms.users.models import Role
from projects.common import loaded

#: Sent by :func:`projects.grading.services.release`.
register_kind("grade_released", _l("A grade is released"), group=_l("Coursework"))


def navigation(user):
    if loaded() and user.is_authenticated and user.role in (Role.INSTRUCTOR, Role.ADMIN):
        return [NavItem(_l("Rubrics"), "projects.rubric_library", order=21)]
    return None


def grading_backlog(cohort_ids):
    """Receiver of ``grading_backlog``: per project of *cohort_ids*, the hand-ins whose grade is not released
    (a new attempt reopens a released grade, so it counts again)."""
    from sqlalchemy import func, select

    from lms.extensions import db
    from projects.coursework.models import Project, Submission
    from projects.grading.models import Assessment, AssessmentKind, MarkingStatus

    if not loaded() or not cohort_ids:
        return {}
    released = (
        select(Assessment.id)
        .where(
            Assessment.submission_id == Submission.id,
            Assessment.kind == AssessmentKind.GRADER,
            Assessment.status == MarkingStatus.RELEASED,
        )
        .exists()
    )
    rows = db.session.execute(
        select(Submission.project_id, func.count())
        .join(Project, Project.id == Submission.project_id)
        .where(Project.cohort_id.in_(cohort_ids), Submission.attempt_count > 0, ~released)
        .group_by(Submission.project_id)
    )
    return {project_id: count for project_id, count in rows}


def attempt_submitted(attempt):
    """A new hand-in reopens a released grade (see :func:`projects.grading.services.reopen_for_attempt`)."""
    from projects.grading import services as marking

    if loaded():
        marking.reopen_for_attempt(attempt)
